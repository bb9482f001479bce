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

            /// <summary>log(1 + e^x).</summary>
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

            /// <summary>log(1 + e^x).</summary>
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
}
