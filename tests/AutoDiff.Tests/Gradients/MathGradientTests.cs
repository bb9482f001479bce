using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Every Math function of issue 2, in its double (Math) and float (MathF) form, on its valid domain, against the
/// hand-derived derivative and central finite differences; and the kink conventions of API.md at their exact points.
/// </summary>
public sealed class MathGradientTests
{
    private static readonly Domain W = (-3.0, 3.0);
    private static readonly Domain Unit = (-0.9, 0.9);
    private static readonly Domain Pos = (0.1, 5.0);
    private const string Stops = "AUTODIFF007";

    /// <summary>
    /// A function written once: <c>M.</c> becomes <c>Math.</c> or <c>MathF.</c>, <c>T.</c> becomes <c>double.</c> or
    /// <c>float.</c>, and the parameters are double or float.
    /// </summary>
    private sealed record Fn(
        string Name, string Parameters, string Body, Domain[] Domains,
        Func<double[], double> Value, Func<double[], double[]> Gradient,
        Func<double[], bool>? Avoid = null, string[]? Expect = null, bool DoubleOnly = false);

    private static IEnumerable<Fn> Functions() =>
    [
        new("Sin", "x", "M.Sin(x)", [W], x => Math.Sin(x[0]), x => [Math.Cos(x[0])]),
        new("Cos", "x", "M.Cos(x)", [W], x => Math.Cos(x[0]), x => [-Math.Sin(x[0])]),
        new("Tan", "x", "M.Tan(x)", [(-1.2, 1.2)], x => Math.Tan(x[0]), x => [1 / (Math.Cos(x[0]) * Math.Cos(x[0]))]),
        new("Asin", "x", "M.Asin(x)", [Unit], x => Math.Asin(x[0]), x => [1 / Math.Sqrt(1 - x[0] * x[0])]),
        new("Acos", "x", "M.Acos(x)", [Unit], x => Math.Acos(x[0]), x => [-1 / Math.Sqrt(1 - x[0] * x[0])]),
        new("Atan", "x", "M.Atan(x)", [W], x => Math.Atan(x[0]), x => [1 / (1 + x[0] * x[0])]),
        new("Atan2", "y, x", "M.Atan2(y, x)", [W, W], x => Math.Atan2(x[0], x[1]),
            x => [x[1] / (x[0] * x[0] + x[1] * x[1]), -x[0] / (x[0] * x[0] + x[1] * x[1])],
            // Near the origin the derivative is huge; on the negative x axis atan2 jumps by 2 pi.
            Avoid: x => x[0] * x[0] + x[1] * x[1] < 0.01 || (x[1] < 0 && Math.Abs(x[0]) < 1e-3)),
        new("Sinh", "x", "M.Sinh(x)", [W], x => Math.Sinh(x[0]), x => [Math.Cosh(x[0])]),
        new("Cosh", "x", "M.Cosh(x)", [W], x => Math.Cosh(x[0]), x => [Math.Sinh(x[0])]),
        new("Tanh", "x", "M.Tanh(x)", [W], x => Math.Tanh(x[0]), x => [1 / (Math.Cosh(x[0]) * Math.Cosh(x[0]))]),
        new("Asinh", "x", "M.Asinh(x)", [W], x => Math.Asinh(x[0]), x => [1 / Math.Sqrt(x[0] * x[0] + 1)]),
        new("Acosh", "x", "M.Acosh(x)", [(1.1, 4.0)], x => Math.Acosh(x[0]), x => [1 / Math.Sqrt(x[0] * x[0] - 1)]),
        new("Atanh", "x", "M.Atanh(x)", [Unit], x => Math.Atanh(x[0]), x => [1 / (1 - x[0] * x[0])]),
        new("Exp", "x", "M.Exp(x)", [W], x => Math.Exp(x[0]), x => [Math.Exp(x[0])]),
        new("Log", "x", "M.Log(x)", [Pos], x => Math.Log(x[0]), x => [1 / x[0]]),
        new("LogBase", "x, b", "M.Log(x, b)", [Pos, (1.5, 5.0)], x => Math.Log(x[0], x[1]),
            x => [1 / (x[0] * Math.Log(x[1])), -Math.Log(x[0]) / (x[1] * Math.Log(x[1]) * Math.Log(x[1]))]),
        new("Log10", "x", "M.Log10(x)", [Pos], x => Math.Log10(x[0]), x => [1 / (x[0] * Math.Log(10))]),
        new("Log2", "x", "M.Log2(x)", [Pos], x => Math.Log2(x[0]), x => [1 / (x[0] * Math.Log(2))]),
        new("Sqrt", "x", "M.Sqrt(x)", [Pos], x => Math.Sqrt(x[0]), x => [0.5 / Math.Sqrt(x[0])]),
        new("Cbrt", "x", "M.Cbrt(x)", [(-5.0, 5.0)], x => Math.Cbrt(x[0]), x => [1 / (3 * Math.Cbrt(x[0]) * Math.Cbrt(x[0]))],
            Avoid: x => Math.Abs(x[0]) < 0.05),
        new("Pow", "x, y", "M.Pow(x, y)", [(0.1, 3.0), (-2.0, 2.0)], x => Math.Pow(x[0], x[1]),
            x => [x[1] * Math.Pow(x[0], x[1] - 1), Math.Pow(x[0], x[1]) * Math.Log(x[0])]),
        new("PowConstantExponent", "x", "M.Pow(x, 3)", [W], x => x[0] * x[0] * x[0], x => [3 * x[0] * x[0]]),
        new("PowConstantBase", "y", "M.Pow(2, y)", [W], x => Math.Pow(2, x[0]), x => [Math.Pow(2, x[0]) * Math.Log(2)]),
        new("Abs", "x", "M.Abs(x)", [W], x => Math.Abs(x[0]), x => [Math.Sign(x[0])], Avoid: x => Math.Abs(x[0]) < 1e-3),
        new("Max", "x, y", "M.Max(x, y)", [W, W], x => Math.Max(x[0], x[1]),
            x => x[0] > x[1] ? [1, 0] : [0, 1], Avoid: x => Math.Abs(x[0] - x[1]) < 1e-3),
        new("Min", "x, y", "M.Min(x, y)", [W, W], x => Math.Min(x[0], x[1]),
            x => x[0] < x[1] ? [1, 0] : [0, 1], Avoid: x => Math.Abs(x[0] - x[1]) < 1e-3),
        new("Relu", "x", "M.Max(x, 0)", [W], x => Math.Max(x[0], 0), x => [x[0] > 0 ? 1 : 0], Avoid: x => Math.Abs(x[0]) < 1e-3),
        new("Clamp", "x", "Math.Clamp(x, -1, 2)", [W], x => Math.Clamp(x[0], -1, 2), x => [x[0] >= -1 && x[0] <= 2 ? 1 : 0],
            Avoid: x => Math.Abs(x[0] + 1) < 1e-3 || Math.Abs(x[0] - 2) < 1e-3),
        new("ClampWithDifferentiableBounds", "x, lo, hi", "Math.Clamp(x, lo, hi)", [W, (-2.0, -0.5), (0.5, 2.0)],
            x => Math.Clamp(x[0], x[1], x[2]),
            x => x[0] < x[1] ? [0, 1, 0] : x[0] > x[2] ? [0, 0, 1] : [1, 0, 0],
            Avoid: x => Math.Abs(x[0] - x[1]) < 5e-3 || Math.Abs(x[0] - x[2]) < 5e-3),
        new("FusedMultiplyAdd", "x, y, z", "M.FusedMultiplyAdd(x, y, z)", [W, W, W], x => Math.FusedMultiplyAdd(x[0], x[1], x[2]),
            x => [x[1], x[0], 1]),
        new("Hypot", "x, y", "T.Hypot(x, y)", [W, W], x => double.Hypot(x[0], x[1]),
            x => [x[0] / double.Hypot(x[0], x[1]), x[1] / double.Hypot(x[0], x[1])], Avoid: x => x[0] * x[0] + x[1] * x[1] < 0.01),

        // Piecewise-constant functions pass no gradient (and warn): y * Floor(x) + x has gradient (1, Floor(x)).
        new("Floor", "x, y", "y * M.Floor(x) + x", [W, W], x => x[1] * Math.Floor(x[0]) + x[0], x => [1, Math.Floor(x[0])],
            Avoid: x => Math.Abs(x[0] - Math.Round(x[0])) < 2e-2, Expect: [Stops]),
        new("Ceiling", "x, y", "y * M.Ceiling(x) + x", [W, W], x => x[1] * Math.Ceiling(x[0]) + x[0], x => [1, Math.Ceiling(x[0])],
            Avoid: x => Math.Abs(x[0] - Math.Round(x[0])) < 2e-2, Expect: [Stops]),
        new("Round", "x, y", "y * M.Round(x) + x", [W, W], x => x[1] * Math.Round(x[0]) + x[0], x => [1, Math.Round(x[0])],
            Avoid: x => Math.Abs(Math.Abs(x[0] - Math.Floor(x[0])) - 0.5) < 2e-2, Expect: [Stops]),
        new("Truncate", "x, y", "y * M.Truncate(x) + x", [W, W], x => x[1] * Math.Truncate(x[0]) + x[0], x => [1, Math.Truncate(x[0])],
            Avoid: x => Math.Abs(x[0] - Math.Round(x[0])) < 2e-2, Expect: [Stops]),
        new("Sign", "x, y", "y * M.Sign(x) + x", [W, W], x => x[1] * Math.Sign(x[0]) + x[0], x => [1, Math.Sign(x[0])],
            Avoid: x => Math.Abs(x[0]) < 2e-2, Expect: [Stops]),

        // Compositions: the chain rule through several functions.
        new("Softplus", "x", "M.Log(1 + M.Exp(x))", [W], x => Math.Log(1 + Math.Exp(x[0])), x => [1 / (1 + Math.Exp(-x[0]))]),
        new("Sigmoid", "x", "1 / (1 + M.Exp(-x))", [W], x => 1 / (1 + Math.Exp(-x[0])),
            x => [Math.Exp(-x[0]) / ((1 + Math.Exp(-x[0])) * (1 + Math.Exp(-x[0])))]),
        new("Gaussian", "x, mu, s", "M.Exp(-(x - mu) * (x - mu) / (2 * s * s)) / (s * M.Sqrt(2 * 3.141592653589793))",
            [W, W, (0.5, 2.0)],
            x => Math.Exp(-(x[0] - x[1]) * (x[0] - x[1]) / (2 * x[2] * x[2])) / (x[2] * Math.Sqrt(2 * Math.PI)),
            x =>
            {
                var g = Math.Exp(-(x[0] - x[1]) * (x[0] - x[1]) / (2 * x[2] * x[2])) / (x[2] * Math.Sqrt(2 * Math.PI));
                var z = (x[0] - x[1]) / x[2];
                return [-g * z / x[2], g * z / x[2], g * (z * z - 1) / x[2]];
            }, DoubleOnly: true),
        new("NestedTrig", "x, y", "M.Sin(M.Cos(x) * y) + M.Tanh(M.Sqrt(1 + x * x))", [W, W],
            x => Math.Sin(Math.Cos(x[0]) * x[1]) + Math.Tanh(Math.Sqrt(1 + x[0] * x[0])),
            x =>
            {
                var c = Math.Cos(Math.Cos(x[0]) * x[1]);
                var s = Math.Sqrt(1 + x[0] * x[0]);
                var t = Math.Tanh(s);
                return [-c * x[1] * Math.Sin(x[0]) + (1 - t * t) * x[0] / s, c * Math.Cos(x[0])];
            }),
        new("MathConstants", "x", "M.PI * x + M.E", [W], x => Math.PI * x[0] + Math.E, x => [Math.PI], DoubleOnly: true),
    ];

    private static GradientCase DoubleCase(Fn f) => new(
        f.Name, Declare(f.Parameters, "double"), f.Body.Replace("M.", "Math.").Replace("T.", "double."), f.Domains, f.Value, f.Gradient,
        Avoid: f.Avoid, Expect: f.Expect);

    private static GradientCase FloatCase(Fn f) => new(
        f.Name + "F", Declare(f.Parameters, "float"), f.Body.Replace("M.", "MathF.").Replace("T.", "float."), f.Domains,
        x => f.Value(x), x => f.Gradient(x), ReturnType: "float",
        // Within float's resolution of a kink, finite differences straddle it: widen the excluded zone.
        Avoid: f.Avoid is null ? null : x => f.Avoid(x) || f.Avoid(x.Select(v => v + 5e-3).ToArray()) || f.Avoid(x.Select(v => v - 5e-3).ToArray()),
        Expect: f.Expect);

    private static string Declare(string names, string type)
        => string.Join(", ", names.Split(", ").Select(n => type + " " + n));

    internal static readonly GradientSuite Suite = new(
        Functions().Select(DoubleCase).Concat(Functions().Where(f => !f.DoubleOnly).Select(FloatCase)).Concat(
        [
            // Exact values at the kinks (API.md); not property-checked, the Facts below call them.
            new GradientCase("Kinks", "double x, double y", "x", [W, W], x => x[0], x => [1, 0], Members: """
                [Differentiable] public static double AbsOf(double x) => Math.Abs(x);
                [Differentiable] public static float AbsOfF(float x) => MathF.Abs(x);
                [Differentiable] public static double MaxOf(double x, double y) => Math.Max(x, y);
                [Differentiable] public static double MinOf(double x, double y) => Math.Min(x, y);
                [Differentiable] public static float MaxOfF(float x, float y) => MathF.Max(x, y);
                [Differentiable] public static float MinOfF(float x, float y) => MathF.Min(x, y);
                [Differentiable] public static double Hinge(double x) => Math.Max(0, x);
                [Differentiable] public static double SqrtOf(double x) => Math.Sqrt(x);
                [Differentiable] public static float SqrtOfF(float x) => MathF.Sqrt(x);
                [Differentiable] public static double LogOf(double x) => Math.Log(x);
                [Differentiable] public static double ClampOf(double x) => Math.Clamp(x, -1.0, 2.0);
                [Differentiable] public static double ClampBounds(double x, double lo, double hi) => Math.Clamp(x, lo, hi);
                [Differentiable] public static double PowOf(double x, double y) => Math.Pow(x, y);
                [Differentiable] public static double PowZero(double x) => Math.Pow(x, 0);
                [Differentiable] public static double FloorTimes(double x, double y) => Math.Floor(x) * y + x;
                [Differentiable] public static double RoundTimes(double x, double y) => Math.Round(x) * y + x;
                [Differentiable] public static double SignTimes(double x, double y) => Math.Sign(x) * y + x;
                """),
        ]));

    public static TheoryData<string> Cases => new(Suite.Names.Where(n => n != "Kinks"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_formula_and_finite_differences(string name) => Suite.Verify(name);

    [Fact]
    public void Generated_code_compiles_warning_free() => Suite.Run.AssertGeneratedCodeClean();

    [Fact]
    public void Every_function_of_issue_2_is_covered_in_double_and_float()
    {
        string[] required =
        [
            "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Atan2", "Sinh", "Cosh", "Tanh", "Asinh", "Acosh", "Atanh", "Exp",
            "Log", "LogBase", "Log10", "Log2", "Sqrt", "Cbrt", "Pow", "Abs", "Max", "Min", "Clamp", "FusedMultiplyAdd",
            "Floor", "Ceiling", "Round", "Truncate", "Sign", "Hypot",
        ];
        var missing = required.Where(n => !Suite.Names.Contains(n) || !Suite.Names.Contains(n + "F")).ToList();
        Assert.True(missing.Count == 0, "Missing: " + string.Join(", ", missing));
    }

    private DifferentiableFunction Kink(string method) => Suite.Run.Compiled.Function("Kinks", method);

    [Theory]
    [InlineData("AbsOf")]
    [InlineData("AbsOfF")]
    public void Abs_has_gradient_0_at_0(string method)
    {
        Assert.Equal([0.0], Kink(method).Gradient(0.0));
        Assert.Equal([0.0], Kink(method).Gradient(-0.0));
        Assert.Equal([1.0], Kink(method).Gradient(2.0));
        Assert.Equal([-1.0], Kink(method).Gradient(-2.0));
    }

    [Theory]
    [InlineData("MaxOf")]
    [InlineData("MinOf")]
    [InlineData("MaxOfF")]
    [InlineData("MinOfF")]
    public void Max_and_Min_give_half_to_each_input_at_a_tie(string method)
    {
        Assert.Equal([0.5, 0.5], Kink(method).Gradient(1.5, 1.5));
        Assert.Equal([0.5, 0.5], Kink(method).Gradient(0.0, 0.0));
        Assert.Equal([-1.25, -1.25], Kink(method).Run(-2.5, 3.0, 3.0).Gradient);
    }

    [Fact]
    public void Max_with_a_literal_zero_passes_half_at_the_tie_like_torch_maximum()
    {
        Assert.Equal([0.5], Kink("Hinge").Gradient(0.0));
        Assert.Equal([1.0], Kink("Hinge").Gradient(0.25));
        Assert.Equal([0.0], Kink("Hinge").Gradient(-0.25));
    }

    [Theory]
    [InlineData("SqrtOf")]
    [InlineData("SqrtOfF")]
    public void Sqrt_has_infinite_gradient_at_0(string method)
    {
        var (value, gradient) = Kink(method).ValueAndGradient(0.0);
        Assert.Equal(0.0, value);
        Assert.Equal([double.PositiveInfinity], gradient);
    }

    [Fact]
    public void Log_has_gradient_plus_infinity_at_0()
    {
        Assert.Equal([double.PositiveInfinity], Kink("LogOf").Gradient(0.0));
        Assert.Equal([double.NegativeInfinity], Kink("LogOf").Run(-1.0, 0.0).Gradient);
    }

    [Theory]
    [InlineData(-1.0, 1.0)]
    [InlineData(2.0, 1.0)]
    [InlineData(0.5, 1.0)]
    [InlineData(-1.0000001, 0.0)]
    [InlineData(2.0000001, 0.0)]
    [InlineData(-5.0, 0.0)]
    public void Clamp_passes_the_gradient_at_its_inclusive_bounds(double x, double expected)
        => Assert.Equal([expected], Kink("ClampOf").Gradient(x));

    [Theory]
    [InlineData(-1.0, -1.0, 2.0, 1.0, 0.0, 0.0)] // at the lower bound: x passes
    [InlineData(2.0, -1.0, 2.0, 1.0, 0.0, 0.0)] // at the upper bound: x passes
    [InlineData(-3.0, -1.0, 2.0, 0.0, 1.0, 0.0)] // below: the lower bound passes
    [InlineData(3.0, -1.0, 2.0, 0.0, 0.0, 1.0)] // above: the upper bound passes
    public void Clamp_with_differentiable_bounds_routes_the_gradient(double x, double lo, double hi, double gx, double glo, double ghi)
        => Assert.Equal([gx, glo, ghi], Kink("ClampBounds").Gradient(x, lo, hi));

    [Theory]
    [InlineData(2.0)]
    [InlineData(-2.0)]
    [InlineData(0.0)]
    public void Pow_with_exponent_0_has_gradient_0_with_respect_to_the_base(double x)
    {
        Assert.Equal(0.0, Kink("PowOf").Gradient(x, 0.0)[0]);
        Assert.Equal([0.0], Kink("PowZero").Gradient(x));
    }

    [Fact]
    public void Pow_at_base_0_has_exponent_gradient_0()
    {
        // PyTorch: d/dy 0^y = 0 for y >= 0 (it masks 0 * log 0 = NaN).
        Assert.Equal([0.0, 0.0], Kink("PowOf").Gradient(0.0, 0.0));
        Assert.Equal([0.0, 0.0], Kink("PowOf").Gradient(0.0, 2.0));
        Assert.Equal([2.0, 0.0], Kink("PowOf").Gradient(1.0, 2.0));
    }

    [Theory]
    [InlineData("FloorTimes", 2.5)]
    [InlineData("FloorTimes", 3.0)]
    [InlineData("RoundTimes", 2.5)]
    [InlineData("RoundTimes", 0.4999)]
    [InlineData("SignTimes", 0.0)]
    [InlineData("SignTimes", -1.5)]
    public void Piecewise_constant_functions_pass_exactly_0(string method, double x)
        => Assert.Equal(1.0, Kink(method).Gradient(x, 7.0)[0]);
}
