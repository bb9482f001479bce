using System;
using System.Linq;
using System.Threading.Tasks;
using AutoDiff.Generators;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.CodeFixes;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verifier = AutoDiff.Tests.CodeFixes.CodeFixVerifier<AutoDiff.Generators.CodeFixes.AddDerivativeCodeFix>;

namespace AutoDiff.Tests.CodeFixes;

/// <summary>
/// AUTODIFF001's fix "Add a derivative for 'F'": exact source before and after, and where it is not offered. The fixed
/// code does not compile on purpose: each partial derivative is an undefined placeholder name, a CS0103 at its spot.
/// </summary>
public sealed class AddDerivativeCodeFixTests
{
    /// <summary>
    /// Whether the generator already honours a registered [DerivativeOf] (issue 4, built on another branch). Until it
    /// does, the call keeps its AUTODIFF001 after the fix; from then on it has none. Probed with a complete derivative.
    /// </summary>
    private static readonly Lazy<bool> s_registrationsHonoured = new(() =>
    {
        var run = GeneratorHarness.Run("""
            using AutoDiff;
            public static partial class Probe
            {
                static double H(double x) => x * 2;
                [DerivativeOf(nameof(H))]
                internal static double HBackward(double x, double seed, out double gradX) { gradX = seed * 2; return H(x); }
                [Differentiable] public static double F(double x) => H(x);
            }
            """);
        // The analyzer is silent on code with compiler errors, which would read as "honoured".
        Assert.Empty(run.CompilerDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        return !run.AnalyzerDiagnostics.Any(d => d.Id == "AUTODIFF001");
    });

    /// <summary>
    /// Verifies one fix. <paramref name="calls"/> are the AUTODIFF001 messages' names at the markup locations
    /// <c>{|#0:...|}</c>, <c>{|#1:...|}</c>, ...; the fix is applied to the first, and <paramref name="resolved"/> are the
    /// calls its derivative serves, which keep AUTODIFF001 only while registrations are not honoured. Fix All gives
    /// <paramref name="batchAfter"/> (or <paramref name="after"/>) and serves <paramref name="batchResolved"/> (or all).
    /// One fix and one Fix All are applied: while the generator does not read [DerivativeOf], the fixed code still has
    /// the diagnostics the fix acts on.
    /// </summary>
    private static Task VerifyAsync(
        string before, string after, string? title, string[] calls, int[] resolved, string? batchAfter = null, int[]? batchResolved = null,
        CodeFixTestBehaviors behaviors = CodeFixTestBehaviors.None)
    {
        var test = new Verifier(before, after, AddDerivativeCodeFix.EquivalenceKey, title)
        {
            CodeFixTestBehaviors = CodeFixTestBehaviors.FixOne | behaviors,
        };
        test.BatchFixedState.Sources.Add(batchAfter ?? after);
        for (var i = 0; i < calls.Length; i++)
        {
            var diagnostic = Verifier.Diagnostic(DiagnosticDescriptors.NonDifferentiableCall).WithLocation(i).WithArguments(calls[i], Advice(calls[i]));
            test.ExpectedDiagnostics.Add(diagnostic);
            if (!s_registrationsHonoured.Value || !resolved.Contains(i))
            {
                test.FixedState.ExpectedDiagnostics.Add(diagnostic);
            }

            if (!s_registrationsHonoured.Value || (batchResolved is not null && !batchResolved.Contains(i)))
            {
                test.BatchFixedState.ExpectedDiagnostics.Add(diagnostic);
            }
        }

        return test.RunAsync();
    }

    /// <summary>What AUTODIFF001 advises for each callee of these tests: only what can be done to that callee.</summary>
    internal static string Advice(string call) => DifferentiableGenerator.Activity.Advice(call switch
    {
        "Math.IEEERemainder" => CallFix.RegisterDerivative, // a BCL method: only [DerivativeOf]
        "C.Twice" => CallFix.Rewrite,                       // generic
        "new Box" => CallFix.Compute,                       // a constructor
        _ => CallFix.MarkOrRegister,                        // a method of the compilation that returns double
    });

    /// <summary>Verifies that the fix is not offered for any of the calls (named as in their AUTODIFF001 messages).</summary>
    private static Task VerifyNotOfferedAsync(string source, params string[] calls)
    {
        var test = new Verifier(source, source, AddDerivativeCodeFix.EquivalenceKey);
        for (var i = 0; i < calls.Length; i++)
        {
            test.ExpectedDiagnostics.Add(Verifier.Diagnostic(DiagnosticDescriptors.NonDifferentiableCall).WithLocation(i).WithArguments(calls[i], Advice(calls[i])));
        }

        return test.RunAsync();
    }

    /// <summary>The example of docs/diagnostics/AUTODIFF001.md, whose output the page shows.</summary>
    [Fact]
    public Task BclMethod() => VerifyAsync(
        """
        using System;
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => x * {|#0:Math.IEEERemainder(x, 3.0)|};
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => x * {|#0:Math.IEEERemainder(x, 3.0)|};

            [DerivativeOf(typeof(Math), nameof(Math.IEEERemainder))]
            internal static double IEEERemainderBackward(double x, double y, double seed, out double gradX, out double gradY)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dIEEERemainder_dx is dIEEERemainder/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Math.IEEERemainder(x, y);
                gradX = seed * {|CS0103:dIEEERemainder_dx|};
                gradY = seed * {|CS0103:dIEEERemainder_dy|};
                return value;
            }
        }
        """,
        "Add a derivative for 'IEEERemainder'",
        new[] { "Math.IEEERemainder" }, [0]);

    [Fact]
    public Task HelperOfTheSameTypeWithArrayAndConstantParameters() => VerifyAsync(
        """
        using System;
        using AutoDiff;

        public static partial class Model
        {
            [Differentiable]
            public static double Loss(double[] w, double x, [NoGrad] double k)
            {
                double s = {|#0:Weighted(w, x, 2, k, true)|};
                return s * s;
            }

            static double Weighted(double[] w, double x, int n, [NoGrad] double k, bool flag) => flag ? w[0] * x * n + k : Math.IEEERemainder(x, k);
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class Model
        {
            [Differentiable]
            public static double Loss(double[] w, double x, [NoGrad] double k)
            {
                double s = {|#0:Weighted(w, x, 2, k, true)|};
                return s * s;
            }

            [DerivativeOf(nameof(Weighted))]
            internal static double WeightedBackward(double[] w, double x, int n, double k, bool flag, double seed, Span<double> gradW, out double gradX)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dWeighted_dw_i is dWeighted/dw[i]). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Weighted(w, x, n, k, flag);
                for (int i = 0; i < w.Length; i++)
                {
                    gradW[i] += seed * {|CS0103:dWeighted_dw_i|};
                }

                gradX = seed * {|CS0103:dWeighted_dx|};
                return value;
            }

            static double Weighted(double[] w, double x, int n, [NoGrad] double k, bool flag) => flag ? w[0] * x * n + k : Math.IEEERemainder(x, k);
        }
        """,
        "Add a derivative for 'Weighted'",
        new[] { "Model.Weighted" }, [0]);

    [Fact]
    public Task NamesThatAreTakenGetASuffix() => VerifyAsync(
        """
        using AutoDiff;

        public partial class C
        {
            private double dHelper_dx = 1;

            [Differentiable]
            public static double F(double x) => {|#0:Helper(x, 2.0, 3.0)|};

            public static double Helper(double x, double seed, double value) => System.Math.IEEERemainder(x * seed, value);

            public static double HelperBackward(double x, double seed, double value, double seed_1, out double gradX, out double gradSeed, out double gradValue)
                => throw null!;

            public double Use() => dHelper_dx;
        }
        """,
        """
        using AutoDiff;

        public partial class C
        {
            private double dHelper_dx = 1;

            [Differentiable]
            public static double F(double x) => {|#0:Helper(x, 2.0, 3.0)|};

            [DerivativeOf(nameof(Helper))]
            internal static double HelperBackward_1(double x, double seed, double value, double seed_1, out double gradX, out double gradSeed, out double gradValue)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dHelper_dx_1 is dHelper/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value_1 = Helper(x, seed, value);
                gradX = seed_1 * {|CS0103:dHelper_dx_1|};
                gradSeed = seed_1 * {|CS0103:dHelper_dseed|};
                gradValue = seed_1 * {|CS0103:dHelper_dvalue|};
                return value_1;
            }

            public static double Helper(double x, double seed, double value) => System.Math.IEEERemainder(x * seed, value);

            public static double HelperBackward(double x, double seed, double value, double seed_1, out double gradX, out double gradSeed, out double gradValue)
                => throw null!;

            public double Use() => dHelper_dx;
        }
        """,
        "Add a derivative for 'Helper'",
        new[] { "C.Helper" }, [0]);

    [Fact]
    public Task InstanceMethodOfTheCallersType() => VerifyAsync(
        """
        using AutoDiff;

        public partial struct Spring
        {
            private readonly double _k;

            public Spring(double k) => _k = k;

            [Differentiable]
            public double Energy(double x) => 0.5 * {|#0:Stiffness(x)|} * x * x;

            private double Stiffness(double x) => _k + System.Math.IEEERemainder(x, 2.0);
        }
        """,
        """
        using AutoDiff;

        public partial struct Spring
        {
            private readonly double _k;

            public Spring(double k) => _k = k;

            [Differentiable]
            public double Energy(double x) => 0.5 * {|#0:Stiffness(x)|} * x * x;

            [DerivativeOf(nameof(Stiffness))]
            internal double StiffnessBackward(double x, double seed, out double gradX)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dStiffness_dx is dStiffness/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Stiffness(x);
                gradX = seed * {|CS0103:dStiffness_dx|};
                return value;
            }

            private double Stiffness(double x) => _k + System.Math.IEEERemainder(x, 2.0);
        }
        """,
        "Add a derivative for 'Stiffness'",
        new[] { "Spring.Stiffness" }, [0]);

    [Fact]
    public Task LibraryMethodInAnotherNamespaceFromANestedTypeWithoutUsingAutoDiff()
    {
        var test = new Verifier(
            """
            namespace App
            {
                public static partial class Outer
                {
                    public static partial class Losses
                    {
                        [AutoDiff.Differentiable]
                        public static float Smooth(float a, System.ReadOnlySpan<float> v) => {|#0:Numerics.Kernels.Huber(a, v, 1.5f)|};
                    }
                }
            }
            """,
            """
            using AutoDiff;

            namespace App
            {
                public static partial class Outer
                {
                    public static partial class Losses
                    {
                        [AutoDiff.Differentiable]
                        public static float Smooth(float a, System.ReadOnlySpan<float> v) => {|#0:Numerics.Kernels.Huber(a, v, 1.5f)|};

                        [DerivativeOf(typeof(Numerics.Kernels), nameof(Numerics.Kernels.Huber))]
                        internal static float HuberBackward(float a, System.ReadOnlySpan<float> values, in float delta, float seed, out float gradA, System.Span<float> gradValues, out float gradDelta)
                        {
                            // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                            // (dHuber_da is dHuber/da). The placeholders are undefined on purpose, so this
                            // method does not compile until every one is replaced.
                            float value = Numerics.Kernels.Huber(a, values, delta);
                            gradA = seed * {|CS0103:dHuber_da|};
                            for (int i = 0; i < values.Length; i++)
                            {
                                gradValues[i] += seed * {|CS0103:dHuber_dvalues_i|};
                            }

                            gradDelta = seed * {|CS0103:dHuber_ddelta|};
                            return value;
                        }
                    }
                }
            }
            """,
            AddDerivativeCodeFix.EquivalenceKey,
            "Add a derivative for 'Huber'")
        {
            CodeFixTestBehaviors = CodeFixTestBehaviors.FixOne,
        };
        const string library = """
            namespace Numerics
            {
                public static class Kernels
                {
                    public static float Huber(float a, System.ReadOnlySpan<float> values, in float delta) => System.MathF.IEEERemainder(a, delta) * values[0];
                }
            }
            """;
        test.TestState.Sources.Add(library);
        test.FixedState.Sources.Add(library);
        test.ExpectedDiagnostics.Add(Verifier.Diagnostic(DiagnosticDescriptors.NonDifferentiableCall).WithLocation(0).WithArguments("Kernels.Huber", Advice("Kernels.Huber")));
        if (!s_registrationsHonoured.Value)
        {
            test.FixedState.ExpectedDiagnostics.Add(Verifier.Diagnostic(DiagnosticDescriptors.NonDifferentiableCall).WithLocation(0).WithArguments("Kernels.Huber", Advice("Kernels.Huber")));
        }

        return test.RunAsync();
    }

    [Fact]
    public Task OverloadsEachGetTheirOwnDerivativeAndFixAllWritesOnePerOverload() => VerifyAsync(
        """
        using System;
        using AutoDiff;

        public static partial class C
        {
            static double Helper(double x) => Math.IEEERemainder(x, 2.0);
            static double Helper(double x, double y) => Math.IEEERemainder(x, y);

            [Differentiable]
            public static double F(double x, double y) => {|#0:Helper(x)|} + {|#1:Helper(x, y)|} + {|#2:Helper(y)|};
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class C
        {
            static double Helper(double x) => Math.IEEERemainder(x, 2.0);
            static double Helper(double x, double y) => Math.IEEERemainder(x, y);

            [Differentiable]
            public static double F(double x, double y) => {|#0:Helper(x)|} + {|#1:Helper(x, y)|} + {|#2:Helper(y)|};

            [DerivativeOf(nameof(Helper))]
            internal static double HelperBackward(double x, double seed, out double gradX)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dHelper_dx is dHelper/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Helper(x);
                gradX = seed * {|CS0103:dHelper_dx|};
                return value;
            }
        }
        """,
        "Add a derivative for 'Helper'",
        new[] { "C.Helper", "C.Helper", "C.Helper" }, [0, 2],
        batchAfter: """
        using System;
        using AutoDiff;

        public static partial class C
        {
            static double Helper(double x) => Math.IEEERemainder(x, 2.0);
            static double Helper(double x, double y) => Math.IEEERemainder(x, y);

            [Differentiable]
            public static double F(double x, double y) => {|#0:Helper(x)|} + {|#1:Helper(x, y)|} + {|#2:Helper(y)|};

            [DerivativeOf(nameof(Helper))]
            internal static double HelperBackward(double x, double seed, out double gradX)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dHelper_dx is dHelper/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Helper(x);
                gradX = seed * {|CS0103:dHelper_dx|};
                return value;
            }

            [DerivativeOf(nameof(Helper))]
            internal static double HelperBackward(double x, double y, double seed, out double gradX, out double gradY)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dHelper_dx is dHelper/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Helper(x, y);
                gradX = seed * {|CS0103:dHelper_dx|};
                gradY = seed * {|CS0103:dHelper_dy|};
                return value;
            }
        }
        """);

    [Fact]
    public Task FixAllWritesOneDerivativePerCalleeAndCallerTypeAndLeavesCalleesThatCanBeMarked() => VerifyAsync(
        """
        using System;
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => {|#0:Lib.Soft(x)|} * {|#1:Lib.Soft(2 * x)|} + {|#2:Lib.Square(x)|};

            [Differentiable]
            public static double G(double x) => {|#3:Lib.Soft(x)|} + x;
        }

        public static class Lib
        {
            public static double Soft(double x) => x / (1 + Math.IEEERemainder(x, 2.0));

            public static double Square(double x) => x * x;
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => {|#0:Lib.Soft(x)|} * {|#1:Lib.Soft(2 * x)|} + {|#2:Lib.Square(x)|};

            [DerivativeOf(typeof(Lib), nameof(Lib.Soft))]
            internal static double SoftBackward(double x, double seed, out double gradX)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dSoft_dx is dSoft/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Lib.Soft(x);
                gradX = seed * {|CS0103:dSoft_dx|};
                return value;
            }

            [Differentiable]
            public static double G(double x) => {|#3:Lib.Soft(x)|} + x;
        }

        public static class Lib
        {
            public static double Soft(double x) => x / (1 + Math.IEEERemainder(x, 2.0));

            public static double Square(double x) => x * x;
        }
        """,
        "Add a derivative for 'Soft'",
        new[] { "Lib.Soft", "Lib.Soft", "Lib.Square", "Lib.Soft" }, [0, 1, 3],
        batchResolved: [0, 1, 3]);

    [Fact]
    public Task OfferedForACalleeThatCouldAlsoBeMarked() => VerifyAsync(
        """
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => {|#0:Square(x)|};

            static double Square(double x) => x * x;
        }
        """,
        """
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => {|#0:Square(x)|};

            [DerivativeOf(nameof(Square))]
            internal static double SquareBackward(double x, double seed, out double gradX)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dSquare_dx is dSquare/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = Square(x);
                gradX = seed * {|CS0103:dSquare_dx|};
                return value;
            }

            static double Square(double x) => x * x;
        }
        """,
        "Add a derivative for 'Square'",
        new[] { "C.Square" }, [0],
        // Fix All leaves Square to "Mark 'Square' as [Differentiable]"; shown by the test above.
        behaviors: CodeFixTestBehaviors.SkipFixAllCheck);

    [Fact]
    public Task ExtensionMethodInItsStaticForm() => VerifyAsync(
        """
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => {|#0:x.Wrap(2.0)|};
        }

        public static class Angles
        {
            public static double Wrap(this double x, double period) => System.Math.IEEERemainder(x, period);
        }
        """,
        """
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x) => {|#0:x.Wrap(2.0)|};

            [DerivativeOf(typeof(Angles), nameof(Angles.Wrap))]
            internal static double WrapBackward(double x, double period, double seed, out double gradX, out double gradPeriod)
            {
                // TODO: replace each placeholder below with the partial derivative it names, at these arguments
                // (dWrap_dx is dWrap/dx). The placeholders are undefined on purpose, so this
                // method does not compile until every one is replaced.
                double value = x.Wrap(period);
                gradX = seed * {|CS0103:dWrap_dx|};
                gradPeriod = seed * {|CS0103:dWrap_dperiod|};
                return value;
            }
        }

        public static class Angles
        {
            public static double Wrap(this double x, double period) => System.Math.IEEERemainder(x, period);
        }
        """,
        "Add a derivative for 'Wrap'",
        new[] { "Angles.Wrap" }, [0]);

    [Fact]
    public Task NotOfferedForGenericMethodsConstructorsOrInstanceMethodsOfOtherTypes() => VerifyNotOfferedAsync(
        """
        using System.Numerics;
        using AutoDiff;

        public sealed class Scaler { public double Scale(double v) => v * 3; }

        public sealed class Box { public Box(double v) => Value = v; public double Value { get; } }

        public partial class C
        {
            private readonly Scaler _scaler = new();

            static T Twice<T>(T x) where T : INumber<T> => x + x;

            [Differentiable]
            public double F(double x) => {|#0:_scaler.Scale(x)|} + {|#1:Twice(x)|} + {|#2:new Box(x)|}.Value;
        }
        """,
        "Scaler.Scale", "C.Twice", "new Box");
}
