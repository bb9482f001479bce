using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// Calls in forward mode: a tangent calls the <c>Tangent</c> of each [Differentiable(Forward = true)] callee (static,
/// of another type, instance methods on this and on a [NoGrad] object, nested, in loops and branches), and the
/// registered tangent (<c>[DerivativeOf(..., Tangent = true)]</c>) of a method with a registered backward (same type,
/// another type, a BCL method, a [NoGrad] parameter, a span, float), of a [Differentiable] method (replacing its
/// generated tangent) and of a Math function (replacing the built-in rule). Checked at random points and directions
/// against gradient · v and central differences along v.
/// </summary>
public sealed class CallTangentTests
{
    private static readonly Domain W = (-3.0, 3.0);

    private const string Library = """
        namespace Numerics
        {
            public static class Special
            {
                public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

                [DerivativeOf(nameof(Softplus))]
                public static double SoftplusBackward(double x, double seed, out double gradX)
                {
                    gradX = seed / (1 + Math.Exp(-x));
                    return Softplus(x);
                }

                [DerivativeOf(nameof(Softplus), Tangent = true)]
                public static double SoftplusTangent(double x, double tangentX, out double tangent)
                {
                    tangent = tangentX / (1 + Math.Exp(-x));
                    return Softplus(x);
                }

                // The real root t of t^3 + t = x: dt/dx = 1 / (3t^2 + 1) by the implicit function theorem.
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

                [DerivativeOf(nameof(SolveCubic), Tangent = true)]
                public static double SolveCubicTangent(double x, double tangentX, out double tangent)
                {
                    var t = SolveCubic(x);
                    tangent = tangentX / (3 * t * t + 1);
                    return t;
                }

                // k is a constant for both derivatives.
                public static double Scaled(double x, double k) => k * x;

                [DerivativeOf(nameof(Scaled))]
                public static double ScaledBackward(double x, [NoGrad] double k, double seed, out double gradX)
                {
                    gradX = seed * k;
                    return k * x;
                }

                [DerivativeOf(nameof(Scaled), Tangent = true)]
                public static double ScaledTangent(double x, [NoGrad] double k, double tangentX, out double tangent)
                {
                    tangent = k * tangentX;
                    return k * x;
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

                [DerivativeOf(nameof(SumSquares), Tangent = true)]
                public static double SumSquaresTangent(ReadOnlySpan<double> w, ReadOnlySpan<double> tangentW, out double tangent)
                {
                    tangent = 0;
                    for (var i = 0; i < w.Length; i++)
                    {
                        tangent += 2 * w[i] * tangentW[i];
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

                [DerivativeOf(nameof(Cube), Tangent = true)]
                public static float CubeTangent(float x, float tangentX, out float tangent)
                {
                    tangent = 3 * x * x * tangentX;
                    return x * x * x;
                }
            }

            // A BCL method without a built-in rule, both derivatives in a type of their own.
            public static class BclRules
            {
                [DerivativeOf(typeof(double), nameof(double.SinPi))]
                public static double SinPiBackward(double x, double seed, out double gradX)
                {
                    gradX = seed * Math.PI * double.CosPi(x);
                    return double.SinPi(x);
                }

                [DerivativeOf(typeof(double), nameof(double.SinPi), Tangent = true)]
                public static double SinPiTangent(double x, double tangentX, out double tangent)
                {
                    tangent = Math.PI * double.CosPi(x) * tangentX;
                    return double.SinPi(x);
                }
            }

            // A [Differentiable(Forward = true)] method whose generated tangent a registered one replaces.
            public static partial class Smooth
            {
                [Differentiable(Forward = true)] public static double Bump(double x) => Math.Exp(-x * x);

                #pragma warning disable AUTODIFF015 // replacing the generated tangent is the point here
                [DerivativeOf(nameof(Bump), Tangent = true)]
                public static double BumpTangent2(double x, double tangentX, out double tangent)
                {
                    var value = Math.Exp(-x * x);
                    tangent = -2 * x * value * tangentX;
                    return value;
                }
                #pragma warning restore AUTODIFF015
            }

            // A non-differentiable class with [Differentiable] instance methods: calls on this and on a [NoGrad] instance.
            public sealed partial class Scaler
            {
                private readonly double _k;

                public Scaler(double k) => _k = k;

                [Differentiable(Forward = true)] public double Apply(double x) => _k * Math.Sin(x) + x;

                [Differentiable(Forward = true)] public double Twice(double x) => Apply(Apply(x));
            }
        }
        """;

    internal static readonly TangentSuite Suite = new(
    [
        new("CallsForwardHelpers", "double x, double y", "Sigmoid(x * y) + Cube(Sigmoid(y)) * x", [W, W],
            x => 0, x => [0, 0], Members: """
                [Differentiable] public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
                [Differentiable] public static double Cube(double v) => v * v * v;
                """),
        new("NestedCallsInBranchesAndLoops", "double x, int n", """
            {
                double s = x;
                for (int i = 0; i < n; i++)
                {
                    if (s > 0) s = Other.Damp(s, x);
                    else s = Other.Damp(x, s) - s;
                }

                return s;
            }
            """, [W, Domain.Int(0, 4)], x => 0, x => [0], Avoid: x => Math.Abs(x[0]) < 1e-3,
            Members: """
                }

                public static partial class Other
                {
                    [Differentiable] public static double Damp(double a, double b) => Math.Tanh(a) * 0.5 + Inner(b) * 0.25;
                    [Differentiable] private static double Inner(double b) => b * Math.Cos(b);
                """),
        new("InstanceCallOnNoGradObject", "double x, [NoGrad] Numerics.Scaler scaler", "scaler.Twice(x) * x", [W],
            x => 0, x => [0]),
        new("RegisteredBackwardAndTangent", "double x, double y", "Numerics.Special.Softplus(x * y) + Numerics.Special.SolveCubic(y)", [W, W],
            x => 0, x => [0, 0]),
        new("RegisteredWithNoGrad", "double x, double y", "Numerics.Special.Scaled(x * y, 0.5) + y", [W, W],
            x => 0, x => [0, 0]),
        new("RegisteredSpan", "double x, double y", "{ Span<double> w = stackalloc double[3]; w[0] = x; w[1] = x * y; w[2] = 1; return Numerics.Special.SumSquares(w) * y; }", [W, W],
            x => 0, x => [0, 0]),
        new("RegisteredFloat", "float x", "Numerics.Special.Cube(x) * 2 + x", [W],
            x => 0, x => [0], ReturnType: "float"),
        new("RegisteredBcl", "double x", "double.SinPi(x) * x", [W], x => 0, x => [0]),
        new("RegisteredTangentReplacesGenerated", "double x", "Numerics.Smooth.Bump(x) * x", [W], x => 0, x => [0]),
    ], Library);

    public static TheoryData<string> Cases => Suite.TheoryData();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tangent_is_gradient_times_direction_and_matches_finite_differences(string name)
    {
        if (name == "InstanceCallOnNoGradObject")
        {
            // The [NoGrad] object is passed as an argument the tangent suite cannot draw: checked below.
            return;
        }

        Suite.Verify(name);
    }

    [Fact]
    public void Instance_tangents_on_this_and_on_a_NoGrad_object()
    {
        var scaler = Suite.Run.Compiled.Create("Numerics.Scaler", 0.75);
        TangentSuite.Verify(TangentFunction.Of(Suite.Run.Compiled, "Numerics.Scaler", "Twice", scaler), [W], false, null);
        TangentSuite.Verify(TangentFunction.Of(Suite.Run.Compiled, "Numerics.Scaler", "Apply", scaler), [W], false, null);

        // F(x, scaler) = scaler.Twice(x) * x, called through reflection with the object.
        var primal = Suite.Run.Compiled.GetMethod("InstanceCallOnNoGradObject", "F");
        var tangent = Suite.Run.Compiled.GetMethod("InstanceCallOnNoGradObject", "FTangent");
        foreach (var (x, v) in new[] { (0.3, 1.0), (-1.2, 0.5), (2.0, -0.25) })
        {
            var args = new object?[] { x, scaler, v, null };
            var value = (double)tangent.Invoke(null, args)!;
            var h = 1e-6;
            var fd = ((double)primal.Invoke(null, [x + h * v, scaler])! - (double)primal.Invoke(null, [x - h * v, scaler])!) / (2 * h);
            Assert.Equal((double)primal.Invoke(null, [x, scaler])!, value);
            Assert.True(FiniteDifference.Close((double)args[3]!, fd, 1e-6, 1e-7), $"tangent {args[3]}, central differences {fd}");
        }
    }

    [Fact]
    public void Generated_code_compiles_warning_free() => Suite.Run.AssertGeneratedCodeClean();

    [Fact]
    public void Tangents_call_the_callees_tangents_and_the_registered_tangents()
    {
        Assert.Contains("global::CallsForwardHelpers.SigmoidTangent(", Suite.Run.GeneratedSourceFor("CallsForwardHelpers"), StringComparison.Ordinal);
        Assert.Contains("this.ApplyTangent(", Suite.Run.GeneratedSourceFor("Numerics.Scaler"), StringComparison.Ordinal);
        Assert.Contains("global::Numerics.Special.SoftplusTangent(", Suite.Run.GeneratedSourceFor("RegisteredBackwardAndTangent"), StringComparison.Ordinal);
        Assert.Contains("global::Numerics.BclRules.SinPiTangent(", Suite.Run.GeneratedSourceFor("RegisteredBcl"), StringComparison.Ordinal);
        var replaced = Suite.Run.GeneratedSourceFor("RegisteredTangentReplacesGenerated");
        Assert.Contains("global::Numerics.Smooth.BumpTangent2(", replaced, StringComparison.Ordinal);
        Assert.Contains("global::Numerics.Smooth.BumpBackward(", replaced, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_code_gets_no_diagnostics()
    {
        Assert.True(Suite.Run.AnalyzerDiagnostics.IsEmpty, GeneratorHarness.Format(Suite.Run.AnalyzerDiagnostics));
    }
}
