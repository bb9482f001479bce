using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// Golden files of the backward methods of differentiable types (issue 11): a layer (members of this into gradThis),
/// a model of two layers (each layer's gradient passed on as its gradThis), a struct parameter and a struct local,
/// and a matrix method. Accept with <c>AUTODIFF_ACCEPT=1</c> and review the diff.
/// </summary>
public sealed class ModelSnapshotTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Models
        {
            [Differentiable]
            public partial class Dense
            {
                public double[] W = new double[2];
                public double B;

                [Differentiable]
                public double Apply(double x, double y) => Math.Tanh(W[0] * x + W[1] * y + B);
            }

            [Differentiable]
            public partial class TwoLayers
            {
                public Dense First = new();
                public Dense Second = new();

                [Differentiable]
                public double Loss(double x, [NoGrad] double target)
                {
                    double h = First.Apply(x, 1.0);
                    double r = Second.Apply(h, x) - target;
                    return r * r;
                }
            }

            [Differentiable]
            public partial struct Vec2
            {
                public double X;
                public double Y;
            }

            public static partial class Geometry
            {
                [Differentiable]
                public static double Reach(Vec2 origin, double angle, double length)
                {
                    var tip = new Vec2 { X = origin.X + length * Math.Cos(angle), Y = origin.Y + length * Math.Sin(angle) };
                    return tip.X * tip.X + tip.Y * tip.Y;
                }
            }

            public static partial class Matrices
            {
                [Differentiable]
                public static double Trace(double[,] a)
                {
                    double s = 0;
                    for (int i = 0; i < a.GetLength(0); i++) s += a[i, i] * a[i, i];
                    return s;
                }
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Models.cs", Source)));

    private static string Generated(string type)
    {
        var run = s_run.Value;
        run.AssertGeneratedCodeClean();
        Assert.True(run.AnalyzerDiagnostics.IsEmpty, GeneratorHarness.Format(run.AnalyzerDiagnostics));
        return run.GeneratedSourceFor(type);
    }

    [Fact]
    public void Layer() => Snapshot.Match(Generated("Models.Dense"));

    [Fact]
    public void ModelOfTwoLayers() => Snapshot.Match(Generated("Models.TwoLayers"));

    [Fact]
    public void StructParameterAndLocal() => Snapshot.Match(Generated("Models.Geometry"));

    [Fact]
    public void MatrixMethod() => Snapshot.Match(Generated("Models.Matrices"));
}
