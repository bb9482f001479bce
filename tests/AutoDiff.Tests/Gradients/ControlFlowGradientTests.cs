using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// if/else, else-if chains, nested ifs, the conditional operator, early return, logical operators in conditions and
/// switch statements and expressions: the gradient of the branch taken, at random points on both sides of each test.
/// </summary>
public sealed class ControlFlowGradientTests
{
    private static readonly Domain W = (-3.0, 3.0);

    // Finite differences across a branch boundary see a jump: skip points within 1e-3 of one.
    private static bool Near(double a, double b) => Math.Abs(a - b) < 1e-3;

    internal static readonly GradientSuite Suite = new(new GradientCase[]
    {
        new("IfElse", "double x, double y", """
            {
                double r;
                if (x > y) { r = x * x; } else { r = x * y; }
                return r;
            }
            """, [W, W], x => x[0] > x[1] ? x[0] * x[0] : x[0] * x[1],
            x => x[0] > x[1] ? [2 * x[0], 0] : [x[1], x[0]], Avoid: x => Near(x[0], x[1])),
        new("IfWithoutElse", "double x", """
            {
                var r = x * 2;
                if (x < 0) r = -x * x;
                return r + 1;
            }
            """, [W], x => (x[0] < 0 ? -x[0] * x[0] : 2 * x[0]) + 1, x => [x[0] < 0 ? -2 * x[0] : 2], Avoid: x => Near(x[0], 0)),
        new("ElseIfChain", "double x", """
            {
                double r;
                if (x < -1) r = -x;
                else if (x < 0) r = x * x;
                else if (x < 1) r = Math.Sin(x);
                else r = x * x * x;
                return r;
            }
            """, [W],
            x => x[0] < -1 ? -x[0] : x[0] < 0 ? x[0] * x[0] : x[0] < 1 ? Math.Sin(x[0]) : x[0] * x[0] * x[0],
            x => [x[0] < -1 ? -1 : x[0] < 0 ? 2 * x[0] : x[0] < 1 ? Math.Cos(x[0]) : 3 * x[0] * x[0]],
            Avoid: x => Near(x[0], -1) || Near(x[0], 0) || Near(x[0], 1)),
        new("NestedIfs", "double x, double y", """
            {
                var r = x + y;
                if (x > 0)
                {
                    if (y > 0) { r = r * x; }
                    else { r = r * y; r += x; }
                }
                else
                {
                    var t = x * y;
                    if (t > 1) r = t * t;
                }
                return r;
            }
            """, [W, W],
            x => x[0] > 0
                ? (x[1] > 0 ? (x[0] + x[1]) * x[0] : (x[0] + x[1]) * x[1] + x[0])
                : (x[0] * x[1] > 1 ? x[0] * x[0] * x[1] * x[1] : x[0] + x[1]),
            x => x[0] > 0
                ? (x[1] > 0 ? [2 * x[0] + x[1], x[0]] : [x[1] + 1, x[0] + 2 * x[1]])
                : (x[0] * x[1] > 1 ? [2 * x[0] * x[1] * x[1], 2 * x[0] * x[0] * x[1]] : [1, 1]),
            Avoid: x => Near(x[0], 0) || Near(x[1], 0) || Near(x[0] * x[1], 1)),
        new("BranchReassignsParameter", "double x, double y", """
            {
                if (y > 0) x = x * y;
                else y = y * y;
                return x + y;
            }
            """, [W, W], x => x[1] > 0 ? x[0] * x[1] + x[1] : x[0] + x[1] * x[1],
            x => x[1] > 0 ? [x[1], x[0] + 1] : [1, 2 * x[1]], Avoid: x => Near(x[1], 0)),
        new("Conditional", "double x, double y", "x > y ? x * y : y - x", [W, W],
            x => x[0] > x[1] ? x[0] * x[1] : x[1] - x[0], x => x[0] > x[1] ? [x[1], x[0]] : [-1, 1], Avoid: x => Near(x[0], x[1])),
        new("NestedConditional", "double x", "x < 0 ? -x : x < 1 ? x * x : 2 * x - 1", [W],
            x => x[0] < 0 ? -x[0] : x[0] < 1 ? x[0] * x[0] : 2 * x[0] - 1,
            x => [x[0] < 0 ? -1 : x[0] < 1 ? 2 * x[0] : 2], Avoid: x => Near(x[0], 0) || Near(x[0], 1)),
        new("ConditionalInsideExpression", "double x, double y", "x * (y > 0 ? y : -y) + (x > 1 ? 1 : x)", [W, W],
            x => x[0] * Math.Abs(x[1]) + (x[0] > 1 ? 1 : x[0]),
            x => [Math.Abs(x[1]) + (x[0] > 1 ? 0 : 1), x[0] * Math.Sign(x[1])], Avoid: x => Near(x[1], 0) || Near(x[0], 1)),
        new("EarlyReturn", "double x", """
            {
                if (x < 0) return x * x;
                var y = x * 3;
                if (y > 6) return y;
                return Math.Exp(x);
            }
            """, [W], x => x[0] < 0 ? x[0] * x[0] : 3 * x[0] > 6 ? 3 * x[0] : Math.Exp(x[0]),
            x => [x[0] < 0 ? 2 * x[0] : 3 * x[0] > 6 ? 3 : Math.Exp(x[0])], Avoid: x => Near(x[0], 0) || Near(x[0], 2)),
        new("EarlyReturnInNestedIf", "double x, double y", """
            {
                var s = x + y;
                if (x > 0)
                {
                    if (y > 0) return s * s;
                    s = s * x;
                }
                return s * y;
            }
            """, [W, W],
            x => x[0] > 0 && x[1] > 0 ? (x[0] + x[1]) * (x[0] + x[1]) : x[0] > 0 ? (x[0] + x[1]) * x[0] * x[1] : (x[0] + x[1]) * x[1],
            x => x[0] > 0 && x[1] > 0
                ? [2 * (x[0] + x[1]), 2 * (x[0] + x[1])]
                : x[0] > 0 ? [(2 * x[0] + x[1]) * x[1], x[0] * x[0] + 2 * x[0] * x[1]] : [x[1], x[0] + 2 * x[1]],
            Avoid: x => Near(x[0], 0) || Near(x[1], 0)),
        new("LogicalAndOrNot", "double x, double y", """
            {
                if (x > 0 && y > 0) return x * y;
                if (x < -1 || y < -1) return x + y;
                if (!(x > y)) return y * y;
                return x;
            }
            """, [W, W],
            x => x[0] > 0 && x[1] > 0 ? x[0] * x[1] : x[0] < -1 || x[1] < -1 ? x[0] + x[1] : !(x[0] > x[1]) ? x[1] * x[1] : x[0],
            x => x[0] > 0 && x[1] > 0 ? [x[1], x[0]] : x[0] < -1 || x[1] < -1 ? [1, 1] : !(x[0] > x[1]) ? [0, 2 * x[1]] : [1, 0],
            Avoid: x => Near(x[0], 0) || Near(x[1], 0) || Near(x[0], -1) || Near(x[1], -1) || Near(x[0], x[1])),
        new("BoolParameter", "double x, bool square", "square ? x * x : -x", [W, Domain.Int(0, 1)],
            x => x[1] != 0 ? x[0] * x[0] : -x[0], x => [x[1] != 0 ? 2 * x[0] : -1]),
        new("BoolLocal", "double x, double y", "{ bool big = x * y > 1 || x == y; return big ? x : y; }", [W, W],
            x => x[0] * x[1] > 1 || x[0] == x[1] ? x[0] : x[1], x => x[0] * x[1] > 1 || x[0] == x[1] ? [1, 0] : [0, 1],
            Avoid: x => Near(x[0] * x[1], 1) || Near(x[0], x[1])),
        new("ComparisonsOfAllKinds", "double x", """
            {
                var r = 0.0;
                if (x >= 1) r += x;
                if (x <= -1) r += 2 * x;
                if (x != 0.5) r += x * x;
                if (x == 0.5) r += 100;
                return r;
            }
            """, [W], x => (x[0] >= 1 ? x[0] : 0) + (x[0] <= -1 ? 2 * x[0] : 0) + x[0] * x[0],
            x => [(x[0] >= 1 ? 1 : 0) + (x[0] <= -1 ? 2 : 0) + 2 * x[0]], Avoid: x => Near(Math.Abs(x[0]), 1) || Near(x[0], 0.5)),
        new("SwitchStatementOnInt", "double x, int mode", """
            {
                double r;
                switch (mode)
                {
                    case 0: r = x; break;
                    case 1: r = x * x; break;
                    case 2:
                    case 3: r = Math.Sin(x); break;
                    default: r = -x; break;
                }
                return r * 2;
            }
            """, [W, Domain.Int(-1, 4)],
            x => 2 * ((int)x[1] switch { 0 => x[0], 1 => x[0] * x[0], 2 or 3 => Math.Sin(x[0]), _ => -x[0] }),
            x => [2 * ((int)x[1] switch { 0 => 1, 1 => 2 * x[0], 2 or 3 => Math.Cos(x[0]), _ => -1 })]),
        new("SwitchStatementWithReturns", "double x, int mode", """
            {
                switch (mode)
                {
                    case 0: return x * 3;
                    case 1: return Math.Exp(x);
                }
                return x;
            }
            """, [W, Domain.Int(-1, 2)],
            x => (int)x[1] switch { 0 => 3 * x[0], 1 => Math.Exp(x[0]), _ => x[0] },
            x => [(int)x[1] switch { 0 => 3, 1 => Math.Exp(x[0]), _ => 1 }]),
        new("SwitchExpressionOnInt", "double x, double y, int k", "k switch { 0 => x * y, 1 => x + y, _ => y }", [W, W, Domain.Int(-1, 2)],
            x => (int)x[2] switch { 0 => x[0] * x[1], 1 => x[0] + x[1], _ => x[1] },
            x => (int)x[2] switch { 0 => [x[1], x[0]], 1 => [1, 1], _ => [0, 1] }),
        new("SwitchExpressionOnDoubleRelational", "double x", "x switch { < -1 => -x, < 1 => x * x, _ => 2 * x - 1 }", [W],
            x => x[0] < -1 ? -x[0] : x[0] < 1 ? x[0] * x[0] : 2 * x[0] - 1,
            x => [x[0] < -1 ? -1 : x[0] < 1 ? 2 * x[0] : 2], Avoid: x => Near(x[0], -1) || Near(x[0], 1)),
        new("SwitchExpressionOnDoubleConstants", "double x, [NoGrad] double c", "c switch { 0.0 => x, 1.0 => x * x, _ => x * c }", [W, Domain.Int(0, 2)],
            x => x[1] == 0 ? x[0] : x[1] == 1 ? x[0] * x[0] : x[0] * x[1],
            x => x[1] == 0 ? [1] : x[1] == 1 ? [2 * x[0]] : [x[1]]),
        new("SwitchStatementOnDouble", "double x", """
            {
                var r = x;
                switch (x)
                {
                    case < 0: r = r * r; break;
                    case > 2: r = r * 3; break;
                }
                return r;
            }
            """, [W], x => x[0] < 0 ? x[0] * x[0] : x[0] > 2 ? 3 * x[0] : x[0],
            x => [x[0] < 0 ? 2 * x[0] : x[0] > 2 ? 3 : 1], Avoid: x => Near(x[0], 0) || Near(x[0], 2)),
        new("SwitchOnEnum", "double x, Shape s", "s switch { Shape.Square => x * x, Shape.Cube => x * x * x, _ => x }", [W, Domain.Int(0, 2)],
            x => (int)x[1] switch { 1 => x[0] * x[0], 2 => x[0] * x[0] * x[0], _ => x[0] },
            x => [(int)x[1] switch { 1 => 2 * x[0], 2 => 3 * x[0] * x[0], _ => 1 }]),
        new("BranchOnlyInNoGrad", "double x, [NoGrad] double t", "t > 0 ? x * t : x / (1 + t * t)", [W, W],
            x => x[1] > 0 ? x[0] * x[1] : x[0] / (1 + x[1] * x[1]), x => [x[1] > 0 ? x[1] : 1 / (1 + x[1] * x[1])]),
        new("NaNFromBranchNotTaken", "double x", "x > 0 ? Math.Sqrt(x) : 0.5 * x", [W],
            x => x[0] > 0 ? Math.Sqrt(x[0]) : 0.5 * x[0], x => [x[0] > 0 ? 0.5 / Math.Sqrt(x[0]) : 0.5], Avoid: x => Math.Abs(x[0]) < 1e-2),
        // A constant pattern is not ==: NaN matches double.NaN, and a pattern on an object compares the boxed value.
        new("PatternMatchesNaN", "double x", """
            {
                double u = x > 0 ? double.NaN : 1;
                return u is double.NaN ? x * 2 : x * x * u;
            }
            """, [W], x => x[0] > 0 ? 2 * x[0] : x[0] * x[0], x => [x[0] > 0 ? 2 : 2 * x[0]], Avoid: x => Near(x[0], 0)),
        new("PatternsOnAnObject", "double x", """
            {
                object mode = x > 0 ? 3 : 7;
                switch (mode)
                {
                    case 3: return x * 2;
                    case > 5: return x * x;
                    default: return x;
                }
            }
            """, [W], x => x[0] > 0 ? 2 * x[0] : x[0] * x[0], x => [x[0] > 0 ? 2 : 2 * x[0]], Avoid: x => Near(x[0], 0)),
        // Guards are copied into the backward: it throws where the method throws (tested below), else differentiates.
        new("ThrowGuards", "double x, double y", """
            {
                if (x < -10) throw new ArgumentOutOfRangeException(nameof(x), "below -10");
                if (double.IsNaN(y))
                {
                    throw new ArgumentException("y is NaN", nameof(y));
                }

                return x * y + y;
            }
            """, [W, W], x => x[0] * x[1] + x[1], x => [x[1], x[0] + 1]),
    }, extraSource: "public enum Shape { Line, Square, Cube }");

    public static TheoryData<string> Cases => Suite.TheoryData();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_formula_and_finite_differences(string name) => Suite.Verify(name);

    [Fact]
    public void Generated_code_compiles_warning_free() => Suite.Run.AssertGeneratedCodeClean();

    [Fact]
    public void Valid_code_gets_no_diagnostics()
        => Assert.True(Suite.Run.AnalyzerDiagnostics.IsEmpty, "Analyzer diagnostics on valid code:" + Environment.NewLine + GeneratorHarness.Format(Suite.Run.AnalyzerDiagnostics));

    [Fact]
    public void The_branch_not_taken_does_not_poison_the_gradient_with_NaN()
    {
        // JAX/PyTorch's where(x > 0, sqrt(x), ...) gives NaN at x < 0; real if/else must not.
        var f = Suite.Function("NaNFromBranchNotTaken");
        Assert.Equal([0.5], f.Gradient(-4.0));
        Assert.Equal([0.5], f.Gradient(0.0));
    }

    [Fact]
    public void A_guard_throws_in_the_backward_where_it_throws_in_the_method()
    {
        var f = Suite.Function("ThrowGuards");
        Assert.Equal("x", Assert.Throws<ArgumentOutOfRangeException>(() => f.Gradient(-20.0, 1.0)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => f.Gradient(1.0, double.NaN)).ParamName);
    }

    [Fact]
    public void Enum_parameters_get_no_gradient_parameter() => Assert.Single(Suite.Function("SwitchOnEnum").GradientParameters);

    [Fact]
    public void Bool_and_int_parameters_get_no_gradient_parameter()
    {
        Assert.Single(Suite.Function("BoolParameter").GradientParameters);
        Assert.Single(Suite.Function("SwitchStatementOnInt").GradientParameters);
    }
}
