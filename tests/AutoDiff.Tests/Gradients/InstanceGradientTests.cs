using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Instance [Differentiable] methods of differentiable types differentiate with respect to the instance: the gradient
/// of every parameter member lands in the matching member of gradThis (API.md, "The backward convention for the new
/// kinds of values"). Checked against central differences over the members themselves, at random points, with seed
/// scaling and accumulation into a gradient that already holds values.
/// </summary>
public sealed class InstanceGradientTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace App;

        [Differentiable]
        public partial class Layer
        {
            public double[] W = new double[3];
            public double B { get; set; }
            [NoGrad] public double Scale = 2.0;
            public int Calls;

            [Differentiable]
            public double Loss(double[] x, [NoGrad] double t)
            {
                double s = B;
                for (int i = 0; i < W.Length; i++)
                {
                    s += W[i] * x[i];
                }

                double r = Math.Tanh(s) * Scale - t;
                return r * r + 0.1 * B * B;
            }

            [Differentiable]
            public double OnlyInputs(double x) => x * x * Scale;
        }

        // Reflection cannot pass a Span: the tests call the backward through this.
        public static class Calls
        {
            public static double LossBackward(Layer layer, double[] x, double t, double seed, Layer.Gradient? gradThis, double[] gradX)
                => layer.LossBackward(x, t, seed, gradThis!, gradX);
        }

        [Differentiable]
        public partial struct Point
        {
            public double X;
            public double Y;

            [Differentiable]
            public double Energy(double k) => k * (X * X + Y * Y) + Math.Sin(X * Y);
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Models.cs", Source)));

    private static GeneratorRun Run => s_run.Value;

    private static readonly Gen<double> Value = Gen.Double[-1.5, 1.5];

    /// <summary>The central difference of f at 0: f is the function of a member's displacement.</summary>
    private static double Central(Func<double, double> f)
    {
        const double h = 1e-6;
        return (f(h) - f(-h)) / (2 * h);
    }

    [Fact]
    public void Generated_code_compiles_warning_free_and_gets_no_diagnostics()
    {
        Run.AssertGeneratedCodeClean();
        Assert.True(Run.AnalyzerDiagnostics.IsEmpty, GeneratorHarness.Format(Run.AnalyzerDiagnostics));
    }

    [Fact]
    public void Class_members_get_their_gradient_in_gradThis()
    {
        var type = Run.Compiled.GetType("App.Layer");
        var w = type.GetField("W")!;
        var b = type.GetProperty("B")!;
        var loss = type.GetMethod("Loss")!;
        var backward = Run.Compiled.GetType("App.Calls").GetMethod("LossBackward")!;
        var newGradient = type.GetMethod("NewGradient")!;

        Gen.Select(Value.Array[3], Value, Value.Array[3], Value).Sample((weights, bias, x, t) =>
        {
            var layer = Activator.CreateInstance(type)!;
            w.SetValue(layer, weights.ToArray());
            b.SetValue(layer, bias);
            double Primal() => (double)loss.Invoke(layer, new object[] { x, t })!;

            var gradient = newGradient.Invoke(layer, null)!;
            var gradX = new double[3];
            var value = (double)backward.Invoke(null, new object[] { layer, x, t, 1.0, gradient, gradX })!;
            Assert.Equal(Primal(), value, 12);

            var gw = ((double[])gradient.GetType().GetField("W")!.GetValue(gradient)!).ToArray(); // a copy: the gradient accumulates below
            var gb = (double)gradient.GetType().GetField("B")!.GetValue(gradient)!;
            var current = (double[])w.GetValue(layer)!;
            for (var i = 0; i < 3; i++)
            {
                var expected = Central(h => { var keep = current[i]; current[i] = keep + h; var v = Primal(); current[i] = keep; return v; });
                Assert.True(FiniteDifference.Close(gw[i], expected, 1e-6, 1e-6), $"dW[{i}] = {gw[i]}, finite differences {expected}");
                var expectedX = Central(h => { var keep = x[i]; x[i] = keep + h; var v = Primal(); x[i] = keep; return v; });
                Assert.True(FiniteDifference.Close(gradX[i], expectedX, 1e-6, 1e-6), $"dx[{i}] = {gradX[i]}, finite differences {expectedX}");
            }

            var expectedB = Central(h => { b.SetValue(layer, bias + h); var v = Primal(); b.SetValue(layer, bias); return v; });
            Assert.True(FiniteDifference.Close(gb, expectedB, 1e-6, 1e-6), $"dB = {gb}, finite differences {expectedB}");

            // Accumulated with the seed: a second call with seed 2.5 adds 2.5 times the gradient.
            backward.Invoke(null, new object[] { layer, x, t, 2.5, gradient, new double[3] });
            var gw2 = (double[])gradient.GetType().GetField("W")!.GetValue(gradient)!;
            var gb2 = (double)gradient.GetType().GetField("B")!.GetValue(gradient)!;
            Assert.True(FiniteDifference.Close(gb2, 3.5 * gb, 1e-12, 1e-12), $"accumulated dB {gb2}, expected {3.5 * gb}");
            Assert.True(FiniteDifference.Close(gw2[1], 3.5 * gw[1], 1e-12, 1e-12), $"accumulated dW[1] {gw2[1]}, expected {3.5 * gw[1]}");
        }, iter: 25);
    }

    [Fact]
    public void A_method_that_reads_no_member_leaves_gradThis_unchanged()
    {
        var type = Run.Compiled.GetType("App.Layer");
        var layer = Activator.CreateInstance(type)!;
        var gradient = type.GetMethod("NewGradient")!.Invoke(layer, null)!;
        var args = new object?[] { 1.5, 1.0, gradient, null };
        var value = (double)type.GetMethod("OnlyInputsBackward")!.Invoke(layer, args)!;
        Assert.Equal(4.5, value);
        Assert.Equal(6.0, (double)args[3]!);
        Assert.Equal(0.0, (double)gradient.GetType().GetField("B")!.GetValue(gradient)!);
    }

    [Fact]
    public void Struct_members_get_their_gradient_in_out_gradThis()
    {
        var type = Run.Compiled.GetType("App.Point");
        var energy = type.GetMethod("Energy")!;
        var backward = type.GetMethod("EnergyBackward")!;
        Gen.Select(Value, Value, Value).Sample((px, py, k) =>
        {
            object Point(double x, double y)
            {
                var p = Activator.CreateInstance(type)!;
                type.GetField("X")!.SetValue(p, x);
                type.GetField("Y")!.SetValue(p, y);
                return p;
            }

            var args = new object?[] { k, 1.0, null, null };
            var value = (double)backward.Invoke(Point(px, py), args)!;
            Assert.Equal((double)energy.Invoke(Point(px, py), new object[] { k })!, value, 12);
            var gradient = args[2]!;
            var gx = (double)gradient.GetType().GetField("X")!.GetValue(gradient)!;
            var gy = (double)gradient.GetType().GetField("Y")!.GetValue(gradient)!;
            Assert.True(FiniteDifference.Close(gx, 2 * k * px + Math.Cos(px * py) * py, 1e-12, 1e-12), $"dX {gx}");
            Assert.True(FiniteDifference.Close(gy, 2 * k * py + Math.Cos(px * py) * px, 1e-12, 1e-12), $"dY {gy}");
            Assert.True(FiniteDifference.Close((double)args[3]!, px * px + py * py, 1e-12, 1e-12), $"dk {args[3]}");
        }, iter: 25);
    }

    [Fact]
    public void A_missing_or_misshaped_gradThis_is_an_argument_error()
    {
        var type = Run.Compiled.GetType("App.Layer");
        var layer = Activator.CreateInstance(type)!;
        var backward = Run.Compiled.GetType("App.Calls").GetMethod("LossBackward")!;
        var x = new double[3];

        var missing = Assert.Throws<TargetInvocationException>(() => backward.Invoke(null, new object?[] { layer, x, 0.0, 1.0, null, new double[3] }));
        Assert.Equal("gradThis", Assert.IsType<ArgumentNullException>(missing.InnerException).ParamName);

        var gradient = type.GetMethod("NewGradient")!.Invoke(layer, null)!;
        gradient.GetType().GetField("W")!.SetValue(gradient, new double[2]);
        var misshaped = Assert.Throws<TargetInvocationException>(() => backward.Invoke(null, new object?[] { layer, x, 0.0, 1.0, gradient, new double[3] }));
        Assert.Equal("gradThis", Assert.IsType<ArgumentException>(misshaped.InnerException).ParamName);
    }
}
