using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// The generated code of a [Differentiable] method whose calls resolve to [DerivativeOf] registrations: a BCL method
/// without a rule (with an int argument that gets no gradient), a function of another type, and a span argument.
/// Golden file: Snapshots/CustomDerivativeSnapshotTests.Caller.verified.cs (<c>AUTODIFF_ACCEPT=1</c> to update).
/// </summary>
public sealed class CustomDerivativeSnapshotTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Snap
        {
            public static class Rules
            {
                public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

                [DerivativeOf(nameof(Softplus))]
                public static double SoftplusBackward(double x, double seed, out double gradX)
                {
                    gradX = seed / (1 + Math.Exp(-x));
                    return Softplus(x);
                }

                [DerivativeOf(typeof(Math), nameof(Math.ScaleB))]
                public static double ScaleBBackward(double x, int n, double seed, out double gradX)
                {
                    gradX = seed * Math.ScaleB(1.0, n);
                    return Math.ScaleB(x, n);
                }

                public static double Norm2(ReadOnlySpan<double> w) => w[0] * w[0] + w[1] * w[1];

                [DerivativeOf(nameof(Norm2))]
                public static double Norm2Backward(ReadOnlySpan<double> w, double seed, Span<double> gradW)
                {
                    gradW[0] += seed * 2 * w[0];
                    gradW[1] += seed * 2 * w[1];
                    return Norm2(w);
                }
            }

            public static partial class Caller
            {
                [Differentiable]
                public static double Loss(double x, double[] w, int k)
                {
                    var s = Rules.Softplus(x * w[0]);
                    return Math.ScaleB(s, k) + 0.5 * Rules.Norm2(w);
                }
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Snap.cs", Source)));

    [Fact]
    public void Caller()
    {
        var run = s_run.Value;
        Assert.True(run.AnalyzerDiagnostics.IsEmpty, GeneratorHarness.Format(run.AnalyzerDiagnostics));
        var text = run.GeneratedSourceFor("Snap.Caller");
        run.Compiled.GetType("Snap.Caller"); // compiles, warning-free
        Snapshot.Match(text);
    }
}
