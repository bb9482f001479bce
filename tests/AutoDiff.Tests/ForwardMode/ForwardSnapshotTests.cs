using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// Golden files of generated forward-mode code (Snapshots/*.verified.cs): a straight line, a loop over a span with a
/// local buffer, and branches with a call of another method's tangent. To update after an intended change:
/// <c>AUTODIFF_ACCEPT=1 dotnet test tests/AutoDiff.Tests --filter ForwardSnapshotTests</c>, then review the diff.
/// </summary>
public sealed class ForwardSnapshotTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Snap
        {
            public static partial class StraightLine
            {
                [Differentiable(Forward = true)] public static double Product(double x, double y) => x * y + Math.Sin(x) / y;
            }

            public static partial class SpanLoop
            {
                // A loop carrying s, a buffer the method writes, and elements of the span parameter.
                [Differentiable(Forward = true)]
                public static double Smooth(ReadOnlySpan<double> x, [NoGrad] double k)
                {
                    double[] h = new double[x.Length];
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        h[i] = Math.Tanh(k * x[i]);
                        s += h[i] * h[i];
                    }

                    return Math.Sqrt(s + 1);
                }
            }

            public static partial class BranchesAndCalls
            {
                [Differentiable(Forward = true)] public static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));

                [Differentiable(Forward = true)]
                public static float Loss(float x, float y, int mode)
                {
                    float r;
                    if (mode == 0) r = Sigmoid(x * y);
                    else if (x > y) r = x * x;
                    else r = MathF.Max(x, 0.5f) - y;
                    return r * 2;
                }
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Snap.cs", Source)));

    private static string Generated(string type)
    {
        var run = s_run.Value;
        var text = run.GeneratedSourceFor(type);
        run.Compiled.GetType(type); // compiles, warning-free
        Assert.True(run.AnalyzerDiagnostics.IsEmpty, GeneratorHarness.Format(run.AnalyzerDiagnostics));
        return text;
    }

    [Fact]
    public void StraightLine() => Snapshot.Match(Generated("Snap.StraightLine"));

    [Fact]
    public void SpanLoop() => Snapshot.Match(Generated("Snap.SpanLoop"));

    [Fact]
    public void BranchesAndCalls() => Snapshot.Match(Generated("Snap.BranchesAndCalls"));

    [Fact]
    public void Tangent_method_has_no_tape_and_no_reverse_sweep()
    {
        foreach (var type in new[] { "Snap.StraightLine", "Snap.SpanLoop", "Snap.BranchesAndCalls" })
        {
            var text = Generated(type);
            var tangents = text.Split("/// <summary>").Where(m => m.Contains("/// Forward-mode derivative", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(tangents);
            foreach (var tangent in tangents)
            {
                Assert.DoesNotContain("Tape", tangent, StringComparison.Ordinal);
                Assert.DoesNotContain("Backward(", tangent, StringComparison.Ordinal);
                Assert.DoesNotContain("for (int k", tangent, StringComparison.Ordinal);
            }
        }
    }
}
