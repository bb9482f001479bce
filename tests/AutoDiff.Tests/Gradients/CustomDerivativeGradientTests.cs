using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// [DerivativeOf]: [Differentiable] methods that call methods with registered derivatives (same type, another type,
/// BCL methods without a built-in rule, instance methods, overloads, span parameters, float, a [NoGrad] parameter of the
/// derivative, a derivative replacing a built-in rule), compiled and run against hand formulas and central finite
/// differences.
/// </summary>
public sealed class CustomDerivativeGradientTests
{
    private static readonly Domain W = (-3.0, 3.0);

    private const string Library = """
        using System;
        using AutoDiff;

        namespace Numerics
        {
            // Opaque numerical routines with hand-written derivatives in the same type.
            public static class Special
            {
                // A numerically stable softplus, log(1 + e^x).
                public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

                [DerivativeOf(nameof(Softplus))]
                public static double SoftplusBackward(double x, double seed, out double gradX)
                {
                    gradX = seed / (1 + Math.Exp(-x));
                    return Softplus(x);
                }

                // The real root t of t^3 + t = x by Newton's method: dt/dx = 1 / (3t^2 + 1) by the implicit function theorem.
                public static double SolveCubic(double x)
                {
                    var t = x;
                    for (var i = 0; i < 60; i++)
                    {
                        t -= (t * t * t + t - x) / (3 * t * t + 1);
                    }

                    return t;
                }

                [DerivativeOf(nameof(SolveCubic))]
                public static double SolveCubicBackward(double x, double seed, out double gradX)
                {
                    var t = SolveCubic(x);
                    gradX = seed / (3 * t * t + 1);
                    return t;
                }

                // The derivative treats k as a constant: [NoGrad] on its parameter.
                public static double Scaled(double x, double k) => k * x;

                [DerivativeOf(nameof(Scaled))]
                public static double ScaledBackward(double x, [NoGrad] double k, double seed, out double gradX)
                {
                    gradX = seed * k;
                    return k * x;
                }

                // Overloads: the derivative's leading parameters pick Dot(double, double).
                public static double Dot(double x) => x * x;
                public static double Dot(double x, double y) => x * y;

                [DerivativeOf(nameof(Dot))]
                public static double DotBackward(double x, double y, double seed, out double gradX, out double gradY)
                {
                    gradX = seed * y;
                    gradY = seed * x;
                    return x * y;
                }

                public static double SumSquares(ReadOnlySpan<double> w)
                {
                    var s = 0.0;
                    foreach (var v in w)
                    {
                        s += v * v;
                    }

                    return s;
                }

                [DerivativeOf(nameof(SumSquares))]
                public static double SumSquaresBackward(ReadOnlySpan<double> w, double seed, Span<double> gradW)
                {
                    for (var i = 0; i < w.Length; i++)
                    {
                        gradW[i] += seed * 2 * w[i];
                    }

                    return SumSquares(w);
                }

                public static float Cube(float x) => x * x * x;

                [DerivativeOf(nameof(Cube))]
                public static float CubeBackward(float x, float seed, out float gradX)
                {
                    gradX = seed * 3 * x * x;
                    return x * x * x;
                }
            }

            // Derivatives of BCL methods that have no built-in rule, in a type of their own.
            public static class BclRules
            {
                [DerivativeOf(typeof(double), nameof(double.SinPi))]
                public static double SinPiBackward(double x, double seed, out double gradX)
                {
                    gradX = seed * Math.PI * double.CosPi(x);
                    return double.SinPi(x);
                }

                [DerivativeOf(typeof(Math), nameof(Math.ScaleB))]
                public static double ScaleBBackward(double x, int n, double seed, out double gradX)
                {
                    gradX = seed * Math.ScaleB(1.0, n);
                    return Math.ScaleB(x, n);
                }

                // A straight-through estimator: replaces Floor's built-in "no gradient" (AUTODIFF015 warns).
                #pragma warning disable AUTODIFF015
                [DerivativeOf(typeof(Math), nameof(Math.Round))]
                #pragma warning restore AUTODIFF015
                public static double RoundStraightThrough(double x, double seed, out double gradX)
                {
                    gradX = seed;
                    return Math.Round(x);
                }
            }
        }
        """;

    private const string Program = """
        using System;
        using AutoDiff;
        using Numerics;

        namespace App
        {
            public static partial class Losses
            {
                // An opaque helper of this type with a private derivative next to it.
                private static double Bump(double x) => Math.Exp(-x * x);

                [DerivativeOf(nameof(Bump))]
                private static double BumpBackward(double x, double seed, out double gradX)
                {
                    var b = Math.Exp(-x * x);
                    gradX = seed * -2 * x * b;
                    return b;
                }

                [Differentiable] public static double SameType(double x, double y) => Bump(x * y) + y;
                [Differentiable] public static double OtherType(double x) => Special.Softplus(x) * x;
                [Differentiable] public static double Iterative(double x) => Special.SolveCubic(x * x + 1);
                [Differentiable] public static double NoGradOfTheDerivative(double x, [NoGrad] double k) => Special.Scaled(x, k) * x;
                [Differentiable] public static double Overload(double x, double y) => Special.Dot(x + y, y);
                [Differentiable] public static double Bcl(double x, double y) => double.SinPi(x) * y + Math.ScaleB(y, 3);
                [Differentiable] public static double BuiltInReplaced(double x, double y) => Math.Round(x * y) + x;
                [Differentiable] public static float FloatCall(float x) => Special.Cube(x) + 2 * x;
                [Differentiable] public static double InBranch(double x) => x > 0 ? Special.Softplus(x) : Bump(x);
                [Differentiable] public static double SpanArgument(double[] w, [NoGrad] double scale) => scale * Special.SumSquares(w);
                [Differentiable] public static double ViaInstance(double x) => new Model(2.0).Gain(x) + x;
            }

            public partial class Model
            {
                private readonly double _k;
                public Model(double k) { _k = k; }

                public double Gain(double x) => _k * Math.Tanh(x);

                [DerivativeOf(nameof(Gain))]
                public double GainBackward(double x, double seed, out double gradX)
                {
                    var t = Math.Tanh(x);
                    gradX = seed * _k * (1 - t * t);
                    return _k * t;
                }

                [Differentiable] public double Predict(double x) => Gain(x) * x;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(
        new SourceFile("Library.cs", Library), new SourceFile("Program.cs", Program)));

    private static GeneratorRun Run => s_run.Value;

    private static CompiledAssembly Compiled => Run.Compiled;

    private static void Check(DifferentiableFunction f, Domain[] domains, Func<double[], double> value, Func<double[], double[]> gradient, bool usesFloat = false,
        Func<double[], bool>? avoid = null)
        => GradientSuite.Verify(f, new GradientCase(f.Primal.DeclaringType!.Name + "." + f.Primal.Name, usesFloat ? "float" : "", "", domains, value, gradient, Avoid: avoid));

    private static DifferentiableFunction Losses(string method) => Compiled.Function("App.Losses", method);

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Valid_code_gets_no_diagnostics_and_clean_generated_code()
    {
        Assert.True(Run.AnalyzerDiagnostics.IsEmpty, "Analyzer diagnostics on valid code:" + Environment.NewLine + GeneratorHarness.Format(Run.AnalyzerDiagnostics));
        Run.AssertGeneratedCodeClean();
    }

    [Fact]
    public void Derivative_in_the_same_type_private()
        => Check(Losses("SameType"), [W, W], x => Math.Exp(-x[0] * x[0] * x[1] * x[1]) + x[1], x =>
        {
            var b = Math.Exp(-x[0] * x[0] * x[1] * x[1]);
            return [-2 * x[0] * x[1] * x[1] * b, -2 * x[0] * x[0] * x[1] * b + 1];
        });

    [Fact]
    public void Derivative_in_another_type()
        => Check(Losses("OtherType"), [W], x => Math.Log(1 + Math.Exp(x[0])) * x[0], x => [Sigmoid(x[0]) * x[0] + Math.Log(1 + Math.Exp(x[0]))]);

    [Fact]
    public void Derivative_of_an_iterative_routine()
        => Check(Losses("Iterative"), [W], x => Cubic(x[0] * x[0] + 1), x => [2 * x[0] / (3 * Cubic(x[0] * x[0] + 1) * Cubic(x[0] * x[0] + 1) + 1)]);

    private static double Cubic(double x)
    {
        var t = x;
        for (var i = 0; i < 60; i++)
        {
            t -= (t * t * t + t - x) / (3 * t * t + 1);
        }

        return t;
    }

    [Fact]
    public void NoGrad_parameter_of_the_derivative()
    {
        var f = Losses("NoGradOfTheDerivative");
        Check(f, [W, W], x => x[1] * x[0] * x[0], x => [2 * x[1] * x[0]]);
    }

    [Fact]
    public void Overload_picked_by_the_derivatives_leading_parameters()
        => Check(Losses("Overload"), [W, W], x => (x[0] + x[1]) * x[1], x => [x[1], x[0] + 2 * x[1]]);

    [Fact]
    public void BCL_methods_without_a_built_in_rule()
        => Check(Losses("Bcl"), [W, W], x => Math.Sin(Math.PI * x[0]) * x[1] + 8 * x[1],
            x => [Math.PI * Math.Cos(Math.PI * x[0]) * x[1], Math.Sin(Math.PI * x[0]) + 8]);

    [Fact]
    public void Registered_derivative_replaces_a_built_in_rule()
    {
        // Round's built-in rule passes no gradient; the straight-through estimator passes seed. Finite differences
        // of a step function say 0, so this one is checked against the formula at points only.
        var f = Losses("BuiltInReplaced");
        foreach (var (x, y) in new[] { (0.3, 1.7), (-1.2, 0.4), (2.6, -0.9) })
        {
            var (value, gradient) = f.ValueAndGradient(x, y);
            Assert.Equal(Math.Round(x * y) + x, value);
            Assert.Equal(y + 1, gradient[0], 12);
            Assert.Equal(x, gradient[1], 12);
        }
    }

    [Fact]
    public void Float_target()
        => Check(Losses("FloatCall"), [W], x => (float)x[0] * (float)x[0] * (float)x[0] + 2 * (float)x[0], x => [3 * (float)x[0] * (float)x[0] + 2], usesFloat: true);

    [Fact]
    public void Registered_call_in_a_branch()
        => Check(Losses("InBranch"), [W], x => x[0] > 0 ? Math.Log(1 + Math.Exp(x[0])) : Math.Exp(-x[0] * x[0]),
            x => [x[0] > 0 ? Sigmoid(x[0]) : -2 * x[0] * Math.Exp(-x[0] * x[0])], avoid: x => Math.Abs(x[0]) < 1e-3);

    [Fact]
    public void Instance_target_with_an_instance_derivative()
    {
        var model = Compiled.Create("App.Model", 1.5);
        Check(Compiled.Function("App.Model", "Predict", model), [W], x => 1.5 * Math.Tanh(x[0]) * x[0],
            x => [1.5 * (1 - Math.Tanh(x[0]) * Math.Tanh(x[0])) * x[0] + 1.5 * Math.Tanh(x[0])]);
        Check(Losses("ViaInstance"), [W], x => 2 * Math.Tanh(x[0]) + x[0], x => [2 * (1 - Math.Tanh(x[0]) * Math.Tanh(x[0])) + 1]);
    }

    [Fact]
    public void Span_gradient_of_the_derivative_is_added_into_the_callers_gradient()
    {
        var f = Compiled.GetMethod("App.Losses", "SpanArgument");
        var backward = Compiled.GetMethod("App.Losses", "SpanArgumentBackward").CreateDelegate<SpanBackward>();
        var w = new[] { 0.5, -1.25, 2.0 };
        var gradient = new[] { 1.0, 1.0, 1.0 }; // accumulated into, as PyTorch's .grad
        var value = backward(w, 3.0, 2.0, gradient);
        Assert.Equal((double)f.Invoke(null, [w, 3.0])!, value);
        Assert.Equal(w.Select(v => 1 + 2.0 * 3.0 * 2 * v), gradient);

        // And GradCheck from the runtime, at random points.
        GradCheck.CheckAtRandomPoints(
            x => (double)f.Invoke(null, [x, 3.0])!,
            (x, seed, g) => backward(x, 3.0, seed, g),
            dimension: 4, count: 20, low: -2, high: 2, seed: 7).ThrowIfFailed();
    }

    private delegate double SpanBackward(double[] w, double scale, double seed, Span<double> gradW);

    [Fact]
    public void Caller_calls_the_registered_backward_and_never_the_target_in_the_reverse_sweep()
    {
        var text = Run.GeneratedSourceFor("App.Losses");
        Assert.Contains("global::App.Losses.BumpBackward(", text);
        Assert.Contains("global::Numerics.Special.SoftplusBackward(", text);
        Assert.Contains("global::Numerics.BclRules.SinPiBackward(x, ", text);
        Assert.Contains("global::Numerics.BclRules.ScaleBBackward(y, 3, ", text);
        Assert.Contains("global::Numerics.BclRules.RoundStraightThrough(", text);
        Assert.Contains("global::Numerics.Special.ScaledBackward(x, k, ", text);
        Assert.Contains("this.GainBackward(x, ", Run.GeneratedSourceFor("App.Model"));
    }
}
