using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// The generated code, compared line by line with reviewed golden files (Snapshots/*.verified.cs). Each source here is
/// chosen to show one thing a reader of the generated file must be able to follow.
/// </summary>
public class SnapshotTests
{
    private static void Verify(string source, string typeName, string name)
    {
        var run = GeneratorHarness.Run(source).AssertGeneratedCodeClean();
        Assert.Empty(run.AnalyzerDiagnostics);
        Snapshot.Match(run.GeneratedSourceFor(typeName), name);
    }

    [Fact]
    public void StraightLine()
        => Verify("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Losses
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    var z = x * y;
                    z += Math.Sin(x);
                    return Math.Exp(z) / y;
                }
            }
            """, "Losses", nameof(StraightLine));

    // Activity analysis: the [NoGrad] parameter, the int parameter and the value that never reaches the result get no adjoint code.
    [Fact]
    public void ActivityAnalysisSkipsConstants()
        => Verify("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Losses
            {
                [Differentiable]
                public static double Scaled(double w, [NoGrad] double target, int n)
                {
                    var scale = Math.Sqrt(target * n);     // constant: depends on no differentiable parameter
                    var unused = Math.Cos(w);              // varied, but never reaches the result
                    var d = w * scale - target;
                    return d * d;
                }
            }
            """, "Losses", nameof(ActivityAnalysisSkipsConstants));

    [Fact]
    public void BranchesAndEarlyReturn()
        => Verify("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Losses
            {
                [Differentiable]
                public static double Huber(double r, [NoGrad] double delta)
                {
                    var a = Math.Abs(r);
                    if (a <= delta)
                        return 0.5 * r * r;
                    return delta * (a - 0.5 * delta);
                }

                [Differentiable]
                public static double Piecewise(double x) => x > 0 ? Math.Log(x) : x;
            }
            """, "Losses", nameof(BranchesAndEarlyReturn));

    [Fact]
    public void CallsAndInstanceMethods()
        => Verify("""
            using System;
            using AutoDiff;
            namespace Demo;
            public partial struct Neuron
            {
                public double Bias;

                [Differentiable]
                public double Activate(double w, double x) => Math.Tanh(w * x + Bias);

                [Differentiable]
                public double Loss(double w, double x, [NoGrad] double y)
                {
                    var p = Activate(w, x);
                    return Square(p - y);
                }

                [Differentiable]
                public static double Square(double v) => v * v;
            }
            """, "Neuron", nameof(CallsAndInstanceMethods));

    [Fact]
    public void FloatAndArrays()
        => Verify("""
            using System;
            using AutoDiff;
            namespace Demo;
            public static partial class Kernels
            {
                [Differentiable]
                public static float Dot3(ReadOnlySpan<float> a, [NoGrad] float[] b)
                    => a[0] * b[0] + a[1] * b[1] + MathF.Exp(a[2]) * b[2];
            }
            """, "Kernels", nameof(FloatAndArrays));
}
