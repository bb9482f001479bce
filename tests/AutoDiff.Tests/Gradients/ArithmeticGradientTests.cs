using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Operators, assignments, locals, literals and conversions: each generated backward against the hand-derived
/// gradient and central finite differences at random points (<see cref="GradientSuite"/>).
/// </summary>
public sealed class ArithmeticGradientTests
{
    private static readonly Domain W = (-3.0, 3.0);
    private static readonly Domain Pos = (0.5, 3.0);

    internal static readonly GradientSuite Suite = new(new GradientCase[]
    {
        new("Add", "double x, double y", "x + y", [W, W], x => x[0] + x[1], x => [1, 1]),
        new("Sub", "double x, double y", "x - y", [W, W], x => x[0] - x[1], x => [1, -1]),
        new("Mul", "double x, double y", "x * y", [W, W], x => x[0] * x[1], x => [x[1], x[0]]),
        new("Div", "double x, double y", "x / y", [W, Pos], x => x[0] / x[1], x => [1 / x[1], -x[0] / (x[1] * x[1])]),
        new("Neg", "double x", "-x", [W], x => -x[0], x => [-1]),
        new("UnaryPlus", "double x", "+x * 2", [W], x => 2 * x[0], x => [2]),
        new("SameOperandTwice", "double x", "x * x", [W], x => x[0] * x[0], x => [2 * x[0]]),
        new("SubSelf", "double x, double y", "x - x + y", [W, W], x => x[1], x => [0, 1]),
        new("DivSelf", "double x", "x / x", [Pos], x => 1, x => [0]),
        new("Parentheses", "double x, double y, double z", "(x + y) * (x - z) / (1 + y * y)", [W, W, W],
            x => (x[0] + x[1]) * (x[0] - x[2]) / (1 + x[1] * x[1]),
            x =>
            {
                double a = x[0] + x[1], b = x[0] - x[2], d = 1 + x[1] * x[1];
                return [(b + a) / d, b / d - a * b * 2 * x[1] / (d * d), -a / d];
            }),
        new("NegatedProduct", "double x, double y", "-(x * y) - -x", [W, W], x => -(x[0] * x[1]) + x[0], x => [1 - x[1], -x[0]]),
        new("Literals", "double x", "3 * x + 2.5 - x / 4 + 1e-3 * x * x", [W],
            x => 3 * x[0] + 2.5 - x[0] / 4 + 1e-3 * x[0] * x[0], x => [3 - 0.25 + 2e-3 * x[0]]),
        new("LiteralOnly", "double x", "x * 0 + 7", [W], x => 7, x => [0]),
        new("Polynomial", "double x", "((2 * x - 3) * x + 1) * x - 5", [W],
            x => ((2 * x[0] - 3) * x[0] + 1) * x[0] - 5, x => [6 * x[0] * x[0] - 6 * x[0] + 1]),
        new("Locals", "double x, double y", "{ var a = x * y; double b = a + x; return b * a; }", [W, W],
            x => (x[0] * x[1] + x[0]) * x[0] * x[1],
            x => [(x[1] + 1) * x[0] * x[1] + (x[0] * x[1] + x[0]) * x[1], x[0] * x[0] * x[1] + (x[0] * x[1] + x[0]) * x[0]]),
        new("ReassignedLocal", "double x", "{ var a = x; a = a * a; a = a * x + a; return a; }", [W],
            x => x[0] * x[0] * x[0] + x[0] * x[0], x => [3 * x[0] * x[0] + 2 * x[0]]),
        new("ReassignedLocalUsesOldValue", "double x, double y", "{ var a = x + y; var b = a * 2; a = a * y; return a + b; }", [W, W],
            x => (x[0] + x[1]) * x[1] + 2 * (x[0] + x[1]), x => [x[1] + 2, x[0] + 2 * x[1] + 2]),
        new("ReassignedParameter", "double x, double y", "{ x = x * y; y = x + y; return x * y; }", [W, W],
            // x1 = x y, y1 = x y + y, result = x y (x y + y) = x^2 y^2 + x y^2
            x => x[0] * x[1] * (x[0] * x[1] + x[1]),
            x => [2 * x[0] * x[1] * x[1] + x[1] * x[1], 2 * x[0] * x[0] * x[1] + 2 * x[0] * x[1]]),
        new("ParameterOverwrittenByConstant", "double x, double y", "{ var r = x * y; x = 4; return r + x * y; }", [W, W],
            x => x[0] * x[1] + 4 * x[1], x => [x[1], x[0] + 4]),
        new("CompoundAdd", "double x, double y", "{ var a = x; a += y * y; a += 1; return a; }", [W, W],
            x => x[0] + x[1] * x[1] + 1, x => [1, 2 * x[1]]),
        new("CompoundSub", "double x, double y", "{ var a = x * x; a -= y; a -= x; return a; }", [W, W],
            x => x[0] * x[0] - x[1] - x[0], x => [2 * x[0] - 1, -1]),
        new("CompoundMul", "double x, double y", "{ var a = x; a *= y; a *= a; return a; }", [W, W],
            x => x[0] * x[0] * x[1] * x[1], x => [2 * x[0] * x[1] * x[1], 2 * x[0] * x[0] * x[1]]),
        new("CompoundDiv", "double x, double y", "{ var a = x; a /= y; a /= 2; return a; }", [W, Pos],
            x => x[0] / x[1] / 2, x => [1 / (2 * x[1]), -x[0] / (2 * x[1] * x[1])]),
        new("CompoundOnParameter", "double x, double y", "{ x += y; x *= x; y -= x; return y; }", [W, W],
            x => x[1] - (x[0] + x[1]) * (x[0] + x[1]), x => [-2 * (x[0] + x[1]), 1 - 2 * (x[0] + x[1])]),
        new("ConstLocal", "double x", "{ const double k = 2.5; const double k2 = k * k; return k * x + k2; }", [W],
            x => 2.5 * x[0] + 6.25, x => [2.5]),
        new("ConstField", "double x", "Scale * x + Offset", [W], x => 1.5 * x[0] - 2, x => [1.5],
            Members: "    private const double Scale = 1.5;\n    private const double Offset = -2;"),
        new("StaticReadonlyField", "double x", "k * x * x", [W], x => 0.75 * x[0] * x[0], x => [1.5 * x[0]],
            Members: "    private static readonly double k = 0.75;"),
        new("UnusedLocal", "double x, double y", "{ var unused = y * y * y; var used = x * 2; return used; }", [W, W],
            x => 2 * x[0], x => [2, 0]),
        new("ChainOfTemporaries", "double x", "{ var a = x * 2; var b = a * a; var c = b - a; var d = c * c; return d / (1 + b); }", [W],
            x =>
            {
                double a = 2 * x[0], b = a * a, c = b - a;
                return c * c / (1 + b);
            },
            x =>
            {
                double a = 2 * x[0], b = a * a, c = b - a;
                var dc = 2 * c / (1 + b);
                var db = dc - c * c / ((1 + b) * (1 + b));
                var da = 2 * a * db - dc;
                return [2 * da];
            }),

        // Conversions: float and double mix, integers carry no gradient.
        new("FloatArithmetic", "float x, float y", "x * y + x / (1f + y * y)", [W, W],
            x => x[0] * x[1] + x[0] / (1 + x[1] * x[1]),
            x => [x[1] + 1 / (1 + x[1] * x[1]), x[0] - 2 * x[0] * x[1] / ((1 + x[1] * x[1]) * (1 + x[1] * x[1]))], ReturnType: "float"),
        new("FloatToDoubleImplicit", "float x, double y", "x * y", [W, W], x => x[0] * x[1], x => [x[1], x[0]]),
        new("DoubleToFloatExplicit", "double x, float y", "(float)x * y", [W, W],
            x => (float)x[0] * (float)x[1], x => [x[1], (float)x[0]], ReturnType: "float"),
        new("FloatLocalInDouble", "double x", "{ float f = (float)(x * 2); double d = f; return d * 3; }", [(-2.0, 2.0)],
            x => (double)(float)(x[0] * 2) * 3, x => [6]),
        new("IntegerTimesDouble", "double x, int n", "n * x + n", [W, Domain.Int(-3, 3)],
            x => x[1] * x[0] + x[1], x => [x[1]]),
        new("IntegerLocal", "double x, int n", "{ int m = n * 2 + 1; double k = m; return k * x; }", [W, Domain.Int(-3, 3)],
            x => (2 * x[1] + 1) * x[0], x => [2 * x[1] + 1]),
        new("IntegerDivision", "double x, int n", "(n / 2) * x", [W, Domain.Int(-5, 5)],
            x => (int)x[1] / 2 * x[0], x => [(int)x[1] / 2]),
        new("LongAndShort", "double x, long a, short b", "a * x - b", [W, Domain.Int(-4, 4), Domain.Int(-4, 4)],
            x => x[1] * x[0] - x[2], x => [x[1]]),
        new("FloatReturnWithDoubleMath", "float x", "(float)(x * (double)x)", [W],
            x => (float)(x[0] * x[0]), x => [2 * x[0]], ReturnType: "float"),
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

    [Fact]
    public void Integer_parameters_get_no_gradient_parameter()
    {
        var f = Suite.Function("LongAndShort");
        Assert.Equal(["gradX"], f.GradientParameters.Select(p => p.Name));
        Assert.Equal(typeof(double).MakeByRefType(), f.GradientParameters[0].ParameterType);
    }

    [Fact]
    public void Float_method_gets_float_seed_and_gradients()
    {
        var f = Suite.Function("FloatArithmetic");
        var parameters = f.Backward.GetParameters();
        Assert.Equal(typeof(float), f.Backward.ReturnType);
        Assert.Equal(typeof(float), parameters[2].ParameterType);
        Assert.Equal("seed", parameters[2].Name);
        Assert.All(f.GradientParameters, p => Assert.Equal(typeof(float).MakeByRefType(), p.ParameterType));
    }

    [Fact]
    public void Mixed_float_and_double_parameters_get_gradients_of_their_own_type()
    {
        var f = Suite.Function("FloatToDoubleImplicit");
        Assert.Equal(typeof(float).MakeByRefType(), f.GradientParameters[0].ParameterType);
        Assert.Equal(typeof(double).MakeByRefType(), f.GradientParameters[1].ParameterType);
    }
}
