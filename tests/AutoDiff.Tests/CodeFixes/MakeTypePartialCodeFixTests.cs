using System.Threading.Tasks;
using AutoDiff.Generators;
using AutoDiff.Generators.CodeFixes;
using Xunit;
using Verifier = AutoDiff.Tests.CodeFixes.CodeFixVerifier<AutoDiff.Generators.CodeFixes.MakeTypePartialCodeFix>;

namespace AutoDiff.Tests.CodeFixes;

/// <summary>AUTODIFF003's fix, "Make 'T' partial": exact source before and after.</summary>
public sealed class MakeTypePartialCodeFixTests
{
    private static Task VerifyAsync(string before, string after, string? title, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected)
    {
        var test = new Verifier(before, after, MakeTypePartialCodeFix.EquivalenceKey, title);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>The example of docs/diagnostics/AUTODIFF003.md, whose fixed code the page shows.</summary>
    [Fact]
    public Task StaticClass() => VerifyAsync(
        """
        using System;
        using AutoDiff;

        public static class Losses
        {
            [Differentiable]
            public static double {|#0:Squared|}(double prediction, [NoGrad] double target)
            {
                double error = prediction - target;
                return error * error;
            }
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class Losses
        {
            [Differentiable]
            public static double Squared(double prediction, [NoGrad] double target)
            {
                double error = prediction - target;
                return error * error;
            }
        }
        """,
        "Make 'Losses' partial",
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(0).WithArguments("Losses", "Squared"));

    [Fact]
    public Task NestedTypesBothNotPartial() => VerifyAsync(
        """
        using AutoDiff;

        namespace Models
        {
            /// <summary>Outer.</summary>
            class Outer
            {
                [System.Serializable]
                internal struct Inner
                {
                    [Differentiable] public double {|#0:F|}(double x) => x * x;
                }
            }
        }
        """,
        """
        using AutoDiff;

        namespace Models
        {
            /// <summary>Outer.</summary>
            partial class Outer
            {
                [System.Serializable]
                internal partial struct Inner
                {
                    [Differentiable] public double F(double x) => x * x;
                }
            }
        }
        """,
        "Make 'Outer.Inner' partial",
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(0).WithArguments("Inner", "F"),
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(0).WithArguments("Outer", "F"));

    [Fact]
    public Task OnlyTheContainingTypeLacksPartial() => VerifyAsync(
        """
        using AutoDiff;

        public class Outer
        {
            public partial record struct Inner
            {
                [Differentiable] public static float {|#0:F|}(float x) => x * x;
            }
        }
        """,
        """
        using AutoDiff;

        public partial class Outer
        {
            public partial record struct Inner
            {
                [Differentiable] public static float F(float x) => x * x;
            }
        }
        """,
        "Make 'Outer' partial",
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(0).WithArguments("Outer", "F"));

    [Fact]
    public Task FixAllMakesEveryTypeOfTheDocumentPartialOnce() => VerifyAsync(
        """
        using AutoDiff;

        static class A
        {
            [Differentiable] public static double {|#0:F|}(double x) => x * x;
            [Differentiable] public static double {|#1:G|}(double x) => x + x;
        }

        record B(double Scale)
        {
            [Differentiable] public double {|#2:H|}(double x) => Scale * x;
        }
        """,
        """
        using AutoDiff;

        static partial class A
        {
            [Differentiable] public static double F(double x) => x * x;
            [Differentiable] public static double G(double x) => x + x;
        }

        partial record B(double Scale)
        {
            [Differentiable] public double H(double x) => Scale * x;
        }
        """,
        title: null,
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(0).WithArguments("A", "F"),
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(1).WithArguments("A", "G"),
        Verifier.Diagnostic(DiagnosticDescriptors.TypeNotPartial).WithLocation(2).WithArguments("B", "H"));
}
