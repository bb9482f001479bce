using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// Golden files of the generated Gradient and flat parameter view of differentiable types (Snapshots/*.verified.cs):
/// a layer, a model of layers, a struct, a float layer and a matrix member. To update after an intended change of
/// <c>TypeEmitter</c>: <c>AUTODIFF_ACCEPT=1 dotnet test tests/AutoDiff.Tests --filter DifferentiableTypeSnapshotTests</c>,
/// then review the diff of the .verified.cs files.
/// </summary>
public sealed class DifferentiableTypeSnapshotTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Snap
        {
            /// <summary>y = W x + b, W row-major (outputs x inputs).</summary>
            [Differentiable]
            public partial class Linear
            {
                public double[] Weights;
                public double[] Bias;
                [NoGrad] public int Inputs;

                public Linear(int inputs, int outputs)
                {
                    Inputs = inputs;
                    Weights = new double[inputs * outputs];
                    Bias = new double[outputs];
                }
            }

            [Differentiable]
            public partial class Model
            {
                public Linear First = new(2, 3);
                public Linear Second = new(3, 1);
                public Linear[] Layers = { new(1, 1), new(1, 2) };
                public string Name = "model";
            }

            [Differentiable]
            public partial struct Vec2
            {
                public double X;
                public double Y;

                public Vec2(double x, double y) { X = x; Y = y; }
            }

            [Differentiable]
            public partial class FloatLayer
            {
                public float[] Weights = new float[4];
                public float Bias { get; set; }
            }

            [Differentiable]
            internal partial class Bilinear
            {
                public double[,] Weights = new double[2, 3];
                public double Scale;
                private double[]? _extra;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Snap.cs", Source)));

    [Fact]
    public void Linear() => Snapshot.Match(s_run.Value.GradientSourceFor("Snap.Linear"));

    [Fact]
    public void Model() => Snapshot.Match(s_run.Value.GradientSourceFor("Snap.Model"));

    [Fact]
    public void Vec2() => Snapshot.Match(s_run.Value.GradientSourceFor("Snap.Vec2"));

    [Fact]
    public void FloatLayer() => Snapshot.Match(s_run.Value.GradientSourceFor("Snap.FloatLayer"));

    [Fact]
    public void Bilinear() => Snapshot.Match(s_run.Value.GradientSourceFor("Snap.Bilinear"));

    [Fact]
    public void The_snapshot_source_compiles_without_any_diagnostic()
    {
        var run = s_run.Value.AssertGeneratedCodeClean();
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.NotNull(run.Assembly);
    }
}
