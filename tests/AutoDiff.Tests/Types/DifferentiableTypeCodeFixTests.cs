using System.Threading.Tasks;
using AutoDiff.Generators;
using AutoDiff.Generators.CodeFixes;
using Xunit;
using Verifier = AutoDiff.Tests.CodeFixes.CodeFixVerifier<AutoDiff.Generators.CodeFixes.MakeTypePartialCodeFix>;

namespace AutoDiff.Tests.Types;

/// <summary>AUTODIFF017's fix is AUTODIFF003's, "Make 'T' partial": exact source before and after.</summary>
public sealed class DifferentiableTypeCodeFixTests
{
    private static Task VerifyAsync(string before, string after, string? title, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected)
    {
        var test = new Verifier(before, after, MakeTypePartialCodeFix.EquivalenceKey, title);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>The example of docs/diagnostics/AUTODIFF017.md.</summary>
    [Fact]
    public Task Layer() => VerifyAsync(
        """
        using AutoDiff;

        [Differentiable]
        public sealed class {|#0:Linear|}
        {
            public double[] Weights = new double[6];
            public double[] Bias = new double[2];
        }
        """,
        """
        using AutoDiff;

        [Differentiable]
        public sealed partial class Linear
        {
            public double[] Weights = new double[6];
            public double[] Bias = new double[2];
        }
        """,
        "Make 'Linear' partial",
        Verifier.Diagnostic(DiagnosticDescriptors.DifferentiableTypeNotPartial).WithLocation(0).WithArguments("Linear", "Linear"));

    [Fact]
    public Task NestedStructAndItsContainingClass() => VerifyAsync(
        """
        using AutoDiff;

        namespace Robots
        {
            static class Arm
            {
                [Differentiable]
                public struct {|#0:{|#1:Joint|}|}
                {
                    public double Angle;
                }
            }
        }
        """,
        """
        using AutoDiff;

        namespace Robots
        {
            static partial class Arm
            {
                [Differentiable]
                public partial struct Joint
                {
                    public double Angle;
                }
            }
        }
        """,
        "Make 'Arm.Joint' partial",
        Verifier.Diagnostic(DiagnosticDescriptors.DifferentiableTypeNotPartial).WithLocation(0).WithArguments("Joint", "Joint"),
        Verifier.Diagnostic(DiagnosticDescriptors.DifferentiableTypeNotPartial).WithLocation(1).WithArguments("Arm", "Joint"));

    [Fact]
    public Task OneFixForTheTypeAndItsDifferentiableMethod() => VerifyAsync(
        """
        using AutoDiff;

        [Differentiable]
        public class {|#0:Layer|}
        {
            public double W;

            [Differentiable]
            public double {|#1:Apply|}(double x) => W * x;
        }
        """,
        """
        using AutoDiff;

        [Differentiable]
        public partial class Layer
        {
            public double W;

            [Differentiable]
            public double Apply(double x) => W * x;
        }
        """,
        null,
        Verifier.Diagnostic(DiagnosticDescriptors.DifferentiableTypeNotPartial).WithLocation(0).WithArguments("Layer", "Layer"),
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(1).WithArguments("Layer", "Apply"));
}
