using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Locals of a differentiable struct of scalars (a Vec2): object initializers, default, copies of locals and of
/// parameters, member reads, writes and compound assignments, in straight-line code, branches and loops; each against
/// its formula and central differences at random points.
/// </summary>
public sealed class StructValueGradientTests
{
    private static readonly Domain W = (-2.0, 2.0);

    private const string Vec2 = """
        [AutoDiff.Differentiable]
        public partial struct Vec2
        {
            public double X;
            public double Y;
        }
        """;

    internal static readonly GradientSuite Suite = new(new GradientCase[]
    {
        new("RobotArm", "double a, double b", """
            {
                var joint = new Vec2 { X = Math.Cos(a), Y = Math.Sin(a) };
                Vec2 tip = joint;
                tip.X += Math.Cos(a + b);
                tip.Y += Math.Sin(a + b);
                Vec2 target = default;
                target.X = 1.5;
                var dx = tip.X - target.X;
                var dy = tip.Y - target.Y;
                return dx * dx + dy * dy;
            }
            """, [W, W],
            x => Math.Pow(Math.Cos(x[0]) + Math.Cos(x[0] + x[1]) - 1.5, 2) + Math.Pow(Math.Sin(x[0]) + Math.Sin(x[0] + x[1]), 2),
            x =>
            {
                double dx = Math.Cos(x[0]) + Math.Cos(x[0] + x[1]) - 1.5, dy = Math.Sin(x[0]) + Math.Sin(x[0] + x[1]);
                return [2 * dx * (-Math.Sin(x[0]) - Math.Sin(x[0] + x[1])) + 2 * dy * (Math.Cos(x[0]) + Math.Cos(x[0] + x[1])),
                    2 * dx * -Math.Sin(x[0] + x[1]) + 2 * dy * Math.Cos(x[0] + x[1])];
            }),
        new("StructInALoopAndABranch", "double x, double y", """
            {
                var p = new Vec2 { X = x, Y = y };
                for (int i = 0; i < 3; i++)
                {
                    var q = p;
                    if (i % 2 == 0) { p.X = q.X * 0.5 - q.Y * 0.25; }
                    else { p.Y = q.X * q.Y + 0.1; }
                }

                return p.X + p.Y * p.Y;
            }
            """, [W, W],
            x =>
            {
                double px = x[0], py = x[1];
                px = px * 0.5 - py * 0.25;
                py = px * py + 0.1;
                px = px * 0.5 - py * 0.25;
                return px + py * py;
            },
            x =>
            {
                // Chain rule through the three steps, by hand.
                double px0 = x[0], py0 = x[1];
                double px1 = px0 * 0.5 - py0 * 0.25, py1 = py0;
                double py2 = px1 * py1 + 0.1, px2 = px1;
                double px3 = px2 * 0.5 - py2 * 0.25, py3 = py2;
                double gpx3 = 1, gpy3 = 2 * py3;
                double gpx2 = 0.5 * gpx3, gpy2 = gpy3 - 0.25 * gpx3;
                double gpx1 = gpx2 + gpy2 * py1, gpy1 = gpy2 * px1;
                return [0.5 * gpx1, gpy1 - 0.25 * gpx1];
            }),
    }, extraSource: Vec2);

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
