using System.Threading.Tasks;
using AutoDiff.Generators.CodeFixes;
using Xunit;
using Verifier = AutoDiff.Tests.CodeFixes.CodeFixVerifier<AutoDiff.Generators.CodeFixes.MarkDifferentiableCodeFix>;

namespace AutoDiff.Tests.CodeFixes;

/// <summary>AUTODIFF001's fix "Mark 'F' as [Differentiable]": exact source before and after, and where it is not offered.</summary>
public sealed class MarkDifferentiableCodeFixTests
{
    private static Task VerifyAsync(string before, string after, string? title = null)
        => new Verifier(before, after, MarkDifferentiableCodeFix.EquivalenceKey, title).RunAsync();

    /// <summary>The example of docs/diagnostics/AUTODIFF001.md, whose fixed code the page shows.</summary>
    [Fact]
    public Task HelperInTheSameType() => VerifyAsync(
        """
        using System;
        using AutoDiff;

        public static partial class Activations
        {
            [Differentiable]
            public static double Loss(double x)
            {
                return 0.5 * {|AUTODIFF001:Softplus(x)|};
            }

            public static double Softplus(double x)
            {
                return Math.Log(1 + Math.Exp(x));
            }
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class Activations
        {
            [Differentiable]
            public static double Loss(double x)
            {
                return 0.5 * Softplus(x);
            }

            [Differentiable]
            public static double Softplus(double x)
            {
                return Math.Log(1 + Math.Exp(x));
            }
        }
        """,
        "Mark 'Softplus' as [Differentiable]");

    [Fact]
    public Task HelperInAnotherFileWithoutUsings()
    {
        var test = new Verifier(
            """
            using AutoDiff;

            namespace Models;

            public static partial class Loss
            {
                [Differentiable]
                public static double Total(double x, double y) => {|AUTODIFF001:Geometry.Norm(x, y)|} + x;
            }
            """,
            """
            using AutoDiff;

            namespace Models;

            public static partial class Loss
            {
                [Differentiable]
                public static double Total(double x, double y) => Geometry.Norm(x, y) + x;
            }
            """,
            MarkDifferentiableCodeFix.EquivalenceKey,
            "Mark 'Norm' as [Differentiable]");
        test.TestState.Sources.Add(
            """
            namespace Models
            {
                public class Geometry
                {
                    public static double Norm(double x, double y) => System.Math.Sqrt(x * x + y * y);
                }
            }
            """);
        test.FixedState.Sources.Add(
            """
            using AutoDiff;

            namespace Models
            {
                public partial class Geometry
                {
                    [Differentiable]
                    public static double Norm(double x, double y) => System.Math.Sqrt(x * x + y * y);
                }
            }
            """);
        return test.RunAsync();
    }

    [Fact]
    public Task InstanceMethodOfAnotherObjectInNestedTypesThatAreNotPartial() => VerifyAsync(
        """
        using AutoDiff;

        public partial class C
        {
            private readonly Geometry.Scaler _scaler = new();

            [Differentiable]
            public float F(float x) => {|AUTODIFF001:_scaler.Scale(x)|} * x;
        }

        public static class Geometry
        {
            public sealed class Scaler
            {
                /// <summary>Three times <paramref name="v"/>.</summary>
                [System.Diagnostics.Contracts.Pure]
                public float Scale(float v) => v * 3;
            }
        }
        """,
        """
        using AutoDiff;

        public partial class C
        {
            private readonly Geometry.Scaler _scaler = new();

            [Differentiable]
            public float F(float x) => _scaler.Scale(x) * x;
        }

        public static partial class Geometry
        {
            public sealed partial class Scaler
            {
                /// <summary>Three times <paramref name="v"/>.</summary>
                [System.Diagnostics.Contracts.Pure]
                [Differentiable]
                public float Scale(float v) => v * 3;
            }
        }
        """,
        "Mark 'Scale' as [Differentiable]");

    [Fact]
    public Task FixAllMarksEachCalleeOnceAndLeavesTheOnesThatCannotBeMarked()
    {
        var test = new Verifier(
            """
            using System;
            using AutoDiff;

            public static partial class C
            {
                [Differentiable]
                public static double F(double x) => {|#0:Sq(x)|} + {|#1:Sq(2 * x)|} + {|#2:Lib.Cube(x)|} + {|#3:Math.IEEERemainder(x, 3.0)|};

                static double Sq(double x) => x * x;
            }

            static class Lib
            {
                public static double Cube(double x) => x * x * x;
            }
            """,
            """
            using System;
            using AutoDiff;

            public static partial class C
            {
                [Differentiable]
                public static double F(double x) => Sq(x) + Sq(2 * x) + Lib.Cube(x) + {|#0:Math.IEEERemainder(x, 3.0)|};

                [Differentiable]
                static double Sq(double x) => x * x;
            }

            static partial class Lib
            {
                [Differentiable]
                public static double Cube(double x) => x * x * x;
            }
            """,
            MarkDifferentiableCodeFix.EquivalenceKey);
        test.TestState.ExpectedDiagnostics.AddRange(new[]
        {
            Verifier.Diagnostic(AutoDiff.Generators.DiagnosticDescriptors.NonDifferentiableCall).WithLocation(0).WithArguments("C.Sq", AddDerivativeCodeFixTests.Advice("C.Sq")),
            Verifier.Diagnostic(AutoDiff.Generators.DiagnosticDescriptors.NonDifferentiableCall).WithLocation(1).WithArguments("C.Sq", AddDerivativeCodeFixTests.Advice("C.Sq")),
            Verifier.Diagnostic(AutoDiff.Generators.DiagnosticDescriptors.NonDifferentiableCall).WithLocation(2).WithArguments("Lib.Cube", AddDerivativeCodeFixTests.Advice("Lib.Cube")),
            Verifier.Diagnostic(AutoDiff.Generators.DiagnosticDescriptors.NonDifferentiableCall).WithLocation(3).WithArguments("Math.IEEERemainder", AddDerivativeCodeFixTests.Advice("Math.IEEERemainder")),
        });
        test.FixedState.ExpectedDiagnostics.Add(
            Verifier.Diagnostic(AutoDiff.Generators.DiagnosticDescriptors.NonDifferentiableCall).WithLocation(0).WithArguments("Math.IEEERemainder", AddDerivativeCodeFixTests.Advice("Math.IEEERemainder")));
        return test.RunAsync();
    }

    [Fact]
    public Task NotOfferedWhenTheCalleeCannotBeDifferentiatedHasNoSourceOrIsGeneric()
    {
        // After the fix the code would be unchanged: it is offered for none of these calls.
        const string source = """
        using System;
        using System.Numerics;
        using AutoDiff;

        public interface ICurve { double Eval(double x); }

        public partial class C
        {
            private readonly ICurve _curve = null!;

            static double Wrapped(double x) => Math.IEEERemainder(x, 2.0);

            static T Twice<T>(T x) where T : INumber<T> => x + x;

            [Differentiable]
            public double F(double x)
                => {|AUTODIFF001:Wrapped(x)|} + {|AUTODIFF001:Math.IEEERemainder(x, 3.0)|} + {|AUTODIFF001:Twice(x)|} + {|AUTODIFF001:_curve.Eval(x)|};
        }
        """;
        return VerifyAsync(source, source);
    }

    [Fact]
    public Task NameThatWouldClashStaysQualified()
    {
        var test = new Verifier(
            """
            using AutoDiff;

            namespace App
            {
                public static partial class Loss
                {
                    [Differentiable]
                    public static double Total(double x) => {|AUTODIFF001:Models.Geometry.Norm(x)|};
                }
            }
            """,
            """
            using AutoDiff;

            namespace App
            {
                public static partial class Loss
                {
                    [Differentiable]
                    public static double Total(double x) => Models.Geometry.Norm(x);
                }
            }
            """,
            MarkDifferentiableCodeFix.EquivalenceKey,
            "Mark 'Norm' as [Differentiable]");
        test.TestState.Sources.Add(
            """
            namespace Models
            {
                public sealed class DifferentiableAttribute : System.Attribute { }

                public static partial class Geometry
                {
                    public static double Norm(double x) => x * x;
                }
            }
            """);
        test.FixedState.Sources.Add(
            """
            namespace Models
            {
                public sealed class DifferentiableAttribute : System.Attribute { }

                public static partial class Geometry
                {
                    [AutoDiff.Differentiable]
                    public static double Norm(double x) => x * x;
                }
            }
            """);
        return test.RunAsync();
    }
}
