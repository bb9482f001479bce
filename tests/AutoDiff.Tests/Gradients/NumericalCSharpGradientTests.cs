using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// The C# that numerical code is written in (issue 10): array initializers for local buffers in every form
/// (<c>new double[] { .. }</c>, <c>new[] { .. }</c>, <c>double[] a = { .. }</c>, collection expressions, <c>stackalloc</c>
/// with an initializer), tuple deconstruction and swaps, braced switch sections; each at random points against a hand
/// formula and central differences.
/// </summary>
public sealed class NumericalCSharpGradientTests
{
    private static readonly Domain W = (-3.0, 3.0);

    internal static readonly GradientSuite Suite = new(new GradientCase[]
    {
        new("NewArrayWithInitializer", "double x, double y", """
            {
                var a = new double[] { x, y, 1 };
                return a[0] * a[1] + a[2];
            }
            """, [W, W], x => x[0] * x[1] + 1, x => [x[1], x[0]]),
        new("ImplicitlyTypedArray", "double x, double y", """
            {
                var a = new[] { x * y, Math.Sin(y) };
                return a[0] + a[1] * a[1];
            }
            """, [W, W], x => x[0] * x[1] + Math.Sin(x[1]) * Math.Sin(x[1]), x => [x[1], x[0] + 2 * Math.Sin(x[1]) * Math.Cos(x[1])]),
        new("ArrayInitializerOfADeclaration", "double x, double y", """
            {
                double[] a = { x, 2 * y, 3 };
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * a[i];
                return s;
            }
            """, [W, W], x => x[0] * x[0] + 4 * x[1] * x[1] + 9, x => [2 * x[0], 8 * x[1]]),
        new("CollectionExpression", "double x, double y", """
            {
                double[] a = [x, y, x * y];
                return a[0] + a[1] * a[2];
            }
            """, [W, W], x => x[0] + x[1] * x[0] * x[1], x => [1 + x[1] * x[1], 2 * x[0] * x[1]]),
        new("StackallocWithInitializer", "double x, double y", """
            {
                Span<double> a = stackalloc double[] { x, 2 * y };
                a[1] += a[0];
                return a[0] * a[1];
            }
            """, [W, W], x => x[0] * (2 * x[1] + x[0]), x => [2 * x[1] + 2 * x[0], 2 * x[0]]),
        new("ImplicitStackallocOverwritten", "double x, double y", """
            {
                Span<double> a = stackalloc[] { x, y, 0.5 };
                a[0] = a[0] * a[2];
                return a[0] - a[1] * a[1];
            }
            """, [W, W], x => 0.5 * x[0] - x[1] * x[1], x => [0.5, -2 * x[1]]),
        new("TupleDeconstructionIntoNewLocals", "double x", """
            {
                var (s, c) = (Math.Sin(x), Math.Cos(x));
                return s * c;
            }
            """, [W], x => Math.Sin(x[0]) * Math.Cos(x[0]), x => [Math.Cos(2 * x[0])]),
        new("TupleSwap", "double x, double y", """
            {
                double a = x * x, b = y;
                (a, b) = (b, a);
                (a, _) = (a * 3, 0);
                return a * 2 + b;
            }
            """, [W, W], x => 6 * x[1] + x[0] * x[0], x => [2 * x[0], 6]),
        new("TupleWithConversion", "double x, int k", """
            {
                double a, b;
                (a, b) = (k, x * k);
                return a + b * b;
            }
            """, [W, Domain.Int(0, 4)], x => x[1] + x[0] * x[1] * x[0] * x[1], x => [2 * x[0] * x[1] * x[1]]),
        new("BracedCaseBlocks", "double x, int k", """
            {
                switch (k)
                {
                    case 0: { double t = x * x; x = t + 1; break; }
                    case 1: { x = Math.Exp(x); break; }
                    default: break;
                }

                return x;
            }
            """, [W, Domain.Int(0, 3)], x => x[1] == 0 ? x[0] * x[0] + 1 : x[1] == 1 ? Math.Exp(x[0]) : x[0],
            x => [x[1] == 0 ? 2 * x[0] : x[1] == 1 ? Math.Exp(x[0]) : 1]),
        new("FloatArrayInitializer", "float x, float y", """
            {
                var a = new float[] { x, y };
                return a[0] * a[1];
            }
            """, [W, W], x => x[0] * x[1], x => [x[1], x[0]], ReturnType: "float"),
    });

    public static TheoryData<string> Cases => Suite.TheoryData();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_formula_and_finite_differences(string name) => Suite.Verify(name);

    [Fact]
    public void Generated_code_compiles_warning_free() => Suite.Run.AssertGeneratedCodeClean();

    [Fact]
    public void Valid_code_gets_no_diagnostics()
        => Assert.True(Suite.Run.AnalyzerDiagnostics.IsEmpty, "Analyzer diagnostics on valid code:" + Environment.NewLine + GeneratorHarness.Format(Suite.Run.AnalyzerDiagnostics));
}
