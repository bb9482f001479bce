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

        // Layers that compose: the model's loss calls its layers' [Differentiable] methods, and a static method one of a parameter.
        [Differentiable]
        public partial class Dense
        {
            public double[] W = new double[2];
            public double B;

            [Differentiable]
            public double Apply(double x, double y) => Math.Tanh(W[0] * x + W[1] * y + B);
        }

        [Differentiable]
        public partial class Model
        {
            public Dense First = new Dense();
            public Dense Second = new Dense();
            public double Scale = 1.5;

            [Differentiable]
            public double Loss(double x)
            {
                double h = First.Apply(x, x * x);
                return Scale * Second.Apply(h, x) + Twice(x);
            }

            [Differentiable]
            public double Twice(double x) => 2 * x * Scale;
        }

        // nn.ModuleList: an array of layers called in a loop; layer i's gradient lands in gradThis.Layers[i].
        [Differentiable]
        public partial class Stack
        {
            public Dense[] Layers = { new Dense(), new Dense(), new Dense() };

            [Differentiable]
            public double Loss(double x)
            {
                double h = x;
                for (int i = 0; i < Layers.Length; i++)
                {
                    h = Layers[i].Apply(h, 0.5 * h);
                }

                return h * h;
            }
        }

        public static partial class Uses
        {
            [Differentiable]
            public static double Spring(Point p, Point q, double k) => k * ((p.X - q.X) * (p.X - q.X) + Math.Sin(p.Y) * q.Y);

            [Differentiable]
            public static double WithLayer(Dense layer, double x) => layer.Apply(x, 1.0) * x;
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

    /// <summary>Seed times the gradient of f with respect to every flat parameter of the model, by central differences.</summary>
    private static double[] FlatDifferences(IDifferentiable model, Func<double> f)
    {
        var parameters = new double[model.ParameterCount];
        model.CopyParametersTo(parameters);
        var result = new double[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var keep = parameters[i];
            result[i] = Central(h =>
            {
                parameters[i] = keep + h;
                model.SetParameters(parameters);
                var v = f();
                parameters[i] = keep;
                model.SetParameters(parameters);
                return v;
            });
        }

        return result;
    }

    [Fact]
    public void Layers_called_from_a_model_get_their_gradient_in_the_models_gradient()
    {
        var type = Run.Compiled.GetType("App.Model");
        var loss = type.GetMethod("Loss")!;
        var backward = type.GetMethod("LossBackward")!;
        Gen.Select(Value.Array[7], Value).Sample((flat, x) =>
        {
            var model = (IDifferentiable)Activator.CreateInstance(type)!;
            Assert.Equal(7, model.ParameterCount); // First (W, B), Second (W, B), Scale
            model.SetParameters(flat);
            var gradient = (IGradient)type.GetMethod("NewGradient")!.Invoke(model, null)!;
            var args = new object?[] { x, 2.0, gradient, null };
            var value = (double)backward.Invoke(model, args)!;
            Assert.Equal((double)loss.Invoke(model, new object[] { x })!, value, 12);

            var actual = new double[7];
            gradient.CopyTo(actual);
            var expected = FlatDifferences(model, () => 2.0 * (double)loss.Invoke(model, new object[] { x })!);
            var mismatch = FiniteDifference.Compare($"model gradient at x = {x}", actual, expected, 1e-5, 1e-6);
            Assert.True(mismatch is null, mismatch);
            var expectedX = Central(h => 2.0 * (double)loss.Invoke(model, new object[] { x + h })!);
            Assert.True(FiniteDifference.Close((double)args[3]!, expectedX, 1e-5, 1e-6), $"dx {args[3]}, finite differences {expectedX}");
        }, iter: 25);
    }

    [Fact]
    public void An_array_of_layers_called_in_a_loop_gets_each_layers_gradient()
    {
        var type = Run.Compiled.GetType("App.Stack");
        var loss = type.GetMethod("Loss")!;
        var backward = type.GetMethod("LossBackward")!;
        Gen.Select(Value.Array[9], Value).Sample((flat, x) =>
        {
            var model = (IDifferentiable)Activator.CreateInstance(type)!;
            Assert.Equal(9, model.ParameterCount);
            model.SetParameters(flat);
            var gradient = (IGradient)type.GetMethod("NewGradient")!.Invoke(model, null)!;
            var args = new object?[] { x, 1.0, gradient, null };
            Assert.Equal((double)loss.Invoke(model, new object[] { x })!, (double)backward.Invoke(model, args)!, 12);
            var actual = new double[9];
            gradient.CopyTo(actual);
            var mismatch = FiniteDifference.Compare($"stack gradient at x = {x}", actual, FlatDifferences(model, () => (double)loss.Invoke(model, new object[] { x })!), 1e-5, 1e-6);
            Assert.True(mismatch is null, mismatch);
        }, iter: 25);
    }

    [Fact]
    public void A_differentiable_class_parameter_gets_its_gradient_object()
    {
        var dense = Run.Compiled.GetType("App.Dense");
        var uses = Run.Compiled.GetType("App.Uses");
        var f = uses.GetMethod("WithLayer")!;
        var backward = uses.GetMethod("WithLayerBackward")!;
        Gen.Select(Value.Array[3], Value).Sample((flat, x) =>
        {
            var layer = (IDifferentiable)Activator.CreateInstance(dense)!;
            layer.SetParameters(flat);
            var gradient = (IGradient)dense.GetMethod("NewGradient")!.Invoke(layer, null)!;
            var args = new object?[] { layer, x, 1.0, gradient, null };
            Assert.Equal((double)f.Invoke(null, new object[] { layer, x })!, (double)backward.Invoke(null, args)!, 12);
            var actual = new double[3];
            gradient.CopyTo(actual);
            var mismatch = FiniteDifference.Compare($"layer gradient at x = {x}", actual, FlatDifferences(layer, () => (double)f.Invoke(null, new object[] { layer, x })!), 1e-5, 1e-6);
            Assert.True(mismatch is null, mismatch);
        }, iter: 25);

        var missing = Assert.Throws<TargetInvocationException>(() => backward.Invoke(null, new object?[] { Activator.CreateInstance(dense), 0.5, 1.0, null, null }));
        Assert.Equal("gradLayer", Assert.IsType<ArgumentNullException>(missing.InnerException).ParamName);
    }

    [Fact]
    public void A_differentiable_struct_parameter_gets_an_out_gradient_of_its_members()
    {
        var point = Run.Compiled.GetType("App.Point");
        var uses = Run.Compiled.GetType("App.Uses");
        var f = uses.GetMethod("Spring")!;
        var backward = uses.GetMethod("SpringBackward")!;
        object Point(double x, double y)
        {
            var p = Activator.CreateInstance(point)!;
            point.GetField("X")!.SetValue(p, x);
            point.GetField("Y")!.SetValue(p, y);
            return p;
        }

        Gen.Select(Value.Array[4], Value).Sample((c, k) =>
        {
            var args = new object?[] { Point(c[0], c[1]), Point(c[2], c[3]), k, 1.5, null, null, null };
            Assert.Equal(1.5 * 0 + (double)f.Invoke(null, new object[] { Point(c[0], c[1]), Point(c[2], c[3]), k })!, (double)backward.Invoke(null, args)!, 12);
            double Member(object gradient, string name) => (double)gradient.GetType().GetField(name)!.GetValue(gradient)!;
            double Value(double px, double py, double qx, double qy) => (double)f.Invoke(null, new object[] { Point(px, py), Point(qx, qy), k })!;
            var expected = new[]
            {
                Central(h => Value(c[0] + h, c[1], c[2], c[3])), Central(h => Value(c[0], c[1] + h, c[2], c[3])),
                Central(h => Value(c[0], c[1], c[2] + h, c[3])), Central(h => Value(c[0], c[1], c[2], c[3] + h)),
            };
            var actual = new[] { Member(args[4]!, "X"), Member(args[4]!, "Y"), Member(args[5]!, "X"), Member(args[5]!, "Y") };
            var mismatch = FiniteDifference.Compare("struct gradients", actual, expected.Select(e => 1.5 * e).ToArray(), 1e-5, 1e-6);
            Assert.True(mismatch is null, mismatch);
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
