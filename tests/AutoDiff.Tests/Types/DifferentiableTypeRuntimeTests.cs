using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// The generated members of differentiable types, compiled and run: <c>ParameterCount</c>, the flat order of
/// <c>CopyParametersTo</c>/<c>SetParameters</c> (declaration order, depth first, matrices row-major), round trips at
/// random values, <c>NewGradient</c> shapes, <c>Gradient.Clear/Add/CopyTo</c>, the length and shape checks, float
/// types and their double view. The types are called through <see cref="IDifferentiable"/> and <see cref="IGradient"/>
/// (the runtime is shared with the compiled assembly); float spans through the <c>Probe</c> helpers of the source.
/// </summary>
public sealed class DifferentiableTypeRuntimeTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Rt
        {
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
            public partial struct Vec2
            {
                public double X;
                public double Y { get; set; }
            }

            [Differentiable]
            public partial struct Pose
            {
                public Vec2 Position;
                public double Angle;
                public Vec2 Velocity { get; set; }
            }

            [Differentiable]
            public partial class Model
            {
                public Linear First = new(2, 3);
                public double Scale;
                public Linear Second = new(3, 1);
                public Linear[] Layers = { new(1, 2), new(2, 1) };
                public Pose Pose;
                [NoGrad] public double Temperature = 1;
                public string Name = "m";
            }

            [Differentiable]
            public partial class Grid
            {
                public double[,] W = new double[2, 3];
                public double[]? Extra;
                private double _bias;
                public double Bias => _bias;
                public void SetBias(double value) => _bias = value;
            }

            [Differentiable]
            public partial class FloatLayer
            {
                public float[] W = new float[3];
                public float B { get; set; }
                public float[,] M = new float[2, 2];
            }

            [Differentiable]
            public partial struct Vec2F
            {
                public float X;
                public float Y;
            }

            [Differentiable]
            public partial class FloatModel
            {
                public FloatLayer L = new();
                public Vec2F P;
                public FloatLayer[] More = { new() };
                public Vec2F Q { get; set; }
            }

            [Differentiable]
            public partial class Mixed
            {
                public double A;
                public FloatLayer F = new();
                public Vec2F P;
                public float[] G = new float[2];
                public float S;
                public Vec2F Q { get; set; }
            }

            [Differentiable]
            public partial class Empty
            {
                [NoGrad] public double Constant;
                public int N;
                public string? S;
            }

            [Differentiable]
            public partial class Holes
            {
                public double[]? A;
                public Linear? L;
                public Linear?[]? Ls;
                public double Tail;
            }

            public static class Probe
            {
                public static float[] Copy(FloatLayer x) { var d = new float[x.ParameterCount]; x.CopyParametersTo(d); return d; }
                public static void Set(FloatLayer x, float[] v) => x.SetParameters(v);
                public static float[] Copy(FloatModel x) { var d = new float[x.ParameterCount]; x.CopyParametersTo(d); return d; }
                public static void Set(FloatModel x, float[] v) => x.SetParameters(v);
                public static float[] CopyGradient(FloatModel.Gradient g) { var d = new float[g.ParameterCount]; g.CopyTo(d); return d; }
                public static Pose SetPose(Pose p, double[] v) { p.SetParameters(v); return p; }
                public static double[] CopyPose(in Pose p) { var d = new double[p.ParameterCount]; p.CopyParametersTo(d); return d; }
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Rt.cs", Source)).AssertGeneratedCodeClean());

    private static CompiledAssembly Compiled => s_run.Value.Compiled;

    private static object New(string type, params object?[] args) => Compiled.Create("Rt." + type, args);

    private static IDifferentiable D(object value) => (IDifferentiable)value;

    private static double[] Flat(object value)
    {
        var d = D(value);
        var flat = new double[d.ParameterCount];
        d.CopyParametersTo(flat);
        return flat;
    }

    private static object NewGradient(object value) => Call(value, "NewGradient");

    private static int Count(object gradient) => (int)gradient.GetType().GetProperty("ParameterCount")!.GetValue(gradient)!;

    private static double[] GradientFlat(object gradient)
    {
        var flat = new double[Count(gradient)];
        ((IGradient)gradient).CopyTo(flat);
        return flat;
    }

    private static object Call(object target, string method, params object?[] args)
        => CompiledAssembly.Call(target.GetType().GetMethod(method, BindingFlags.Public | BindingFlags.Instance, args.Select(a => a!.GetType()).ToArray())!, target, args)!;

    private static object Invoke(string method, params object?[] args)
    {
        var probe = Compiled.GetType("Rt.Probe");
        var candidates = probe.GetMethods().Where(m => m.Name == method && m.GetParameters().Length == args.Length
            && m.GetParameters().Select(p => p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType).SequenceEqual(args.Select(a => a!.GetType()))).ToList();
        return CompiledAssembly.Call(candidates.Single(), null, args)!;
    }

    /// <summary>A field or property by a dotted path, with [i] for array elements: <c>Layers[1].Bias</c>.</summary>
    private static object? Get(object value, string path)
    {
        object? current = value;
        foreach (var part in path.Split('.'))
        {
            var name = part;
            int? index = null;
            if (part.EndsWith(']'))
            {
                var open = part.IndexOf('[');
                index = int.Parse(part[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
                name = part[..open];
            }

            var type = current!.GetType();
            var field = type.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
            current = field is not null ? field.GetValue(current)
                : type.GetProperty(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(current);
            if (index is { } i)
            {
                current = ((Array)current!).GetValue(i);
            }
        }

        return current;
    }

    private static void SetField(object target, string name, object? value)
        => target.GetType().GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(target, value);

    private static double[] Range(int n, double start = 0) => Enumerable.Range(0, n).Select(i => start + i).ToArray();

    // ---- ParameterCount and the flat order ----------------------------------------------------------------------

    [Theory]
    [InlineData("Vec2", 2)]
    [InlineData("Pose", 5)]
    [InlineData("Model", 26)]
    [InlineData("Grid", 7)]
    [InlineData("FloatLayer", 8)]
    [InlineData("FloatModel", 20)]
    [InlineData("Mixed", 16)]
    [InlineData("Empty", 0)]
    [InlineData("Holes", 1)]
    public void ParameterCount_counts_scalars_array_lengths_and_nested_parameters(string type, int expected)
    {
        var value = New(type);
        Assert.Equal(expected, D(value).ParameterCount);
        Assert.Equal(expected, Count(NewGradient(value)));
    }

    [Fact]
    public void ParameterCount_of_a_layer_is_its_arrays_lengths_whatever_the_shape()
    {
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 6]).Sample((inputs, outputs) =>
            Assert.Equal(inputs * outputs + outputs, D(New("Linear", inputs, outputs)).ParameterCount), iter: 50, threads: 1);
    }

    [Fact]
    public void The_flat_order_is_declaration_order_depth_first()
    {
        var model = New("Model");
        D(model).SetParameters(Range(26));

        Assert.Equal(Range(6), (double[])Get(model, "First.Weights")!);
        Assert.Equal(Range(3, 6), (double[])Get(model, "First.Bias")!);
        Assert.Equal(9.0, Get(model, "Scale"));
        Assert.Equal(Range(3, 10), (double[])Get(model, "Second.Weights")!);
        Assert.Equal(Range(1, 13), (double[])Get(model, "Second.Bias")!);
        Assert.Equal(Range(2, 14), (double[])Get(model, "Layers[0].Weights")!);
        Assert.Equal(Range(2, 16), (double[])Get(model, "Layers[0].Bias")!);
        Assert.Equal(Range(2, 18), (double[])Get(model, "Layers[1].Weights")!);
        Assert.Equal(Range(1, 20), (double[])Get(model, "Layers[1].Bias")!);
        Assert.Equal(21.0, Get(model, "Pose.Position.X"));
        Assert.Equal(22.0, Get(model, "Pose.Position.Y"));
        Assert.Equal(23.0, Get(model, "Pose.Angle"));
        Assert.Equal(24.0, Get(model, "Pose.Velocity.X"));
        Assert.Equal(25.0, Get(model, "Pose.Velocity.Y"));
        Assert.Equal(1.0, Get(model, "Temperature")); // [NoGrad]: not a parameter
        Assert.Equal(Range(26), Flat(model));
    }

    [Fact]
    public void A_matrix_is_flattened_row_major_and_private_fields_are_parameters()
    {
        var grid = New("Grid");
        var w = (double[,])Get(grid, "W")!;
        for (var i = 0; i < 2; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                w[i, j] = 10 * i + j;
            }
        }

        Call(grid, "SetBias", 7.0);
        Assert.Equal(new double[] { 0, 1, 2, 10, 11, 12, 7 }, Flat(grid));

        SetField(grid, "Extra", new double[] { 100, 101 });
        Assert.Equal(new double[] { 0, 1, 2, 10, 11, 12, 100, 101, 7 }, Flat(grid));

        D(grid).SetParameters(Range(9, 50));
        Assert.Equal(new double[,] { { 50, 51, 52 }, { 53, 54, 55 } }, (double[,])Get(grid, "W")!);
        Assert.Equal(new double[] { 56, 57 }, (double[])Get(grid, "Extra")!);
        Assert.Equal(58.0, Get(grid, "Bias"));
    }

    [Fact]
    public void SetParameters_writes_struct_members_in_place_fields_and_properties_alike()
    {
        var pose = Invoke("SetPose", New("Pose"), Range(5, 1));
        Assert.Equal(1.0, Get(pose, "Position.X"));
        Assert.Equal(2.0, Get(pose, "Position.Y"));
        Assert.Equal(3.0, Get(pose, "Angle"));
        Assert.Equal(4.0, Get(pose, "Velocity.X"));
        Assert.Equal(5.0, Get(pose, "Velocity.Y"));
        Assert.Equal(Range(5, 1), (double[])Invoke("CopyPose", pose));
    }

    [Fact]
    public void CopyParametersTo_and_SetParameters_round_trip_at_random_values()
    {
        foreach (var type in new[] { "Model", "Grid", "Mixed", "FloatModel", "Pose" })
        {
            var n = D(New(type)).ParameterCount;
            Gen.Double[-1e6, 1e6].Array[n].Sample(values =>
            {
                var value = New(type);
                // The float types store floats: the round trip is exact for values that are floats already.
                var expected = type is "Mixed" or "FloatModel" ? values.Select(v => (double)(float)v).ToArray() : values;
                D(value).SetParameters(expected);
                Assert.Equal(expected, Flat(value));
            }, iter: 40, threads: 1);
        }
    }

    [Fact]
    public void Null_members_have_no_parameters_and_null_gradients()
    {
        var holes = New("Holes");
        Assert.Equal(1, D(holes).ParameterCount);
        var gradient = NewGradient(holes);
        Assert.Null(Get(gradient, "A"));
        Assert.Null(Get(gradient, "L"));
        Assert.Null(Get(gradient, "Ls"));

        SetField(holes, "A", new double[] { 1, 2 });
        var layers = Array.CreateInstance(Compiled.GetType("Rt.Linear"), 3);
        layers.SetValue(New("Linear", 1, 1), 0);
        layers.SetValue(New("Linear", 2, 1), 2);
        SetField(holes, "Ls", layers);
        SetField(holes, "Tail", 9.0);
        Assert.Equal(2 + 2 + 3 + 1, D(holes).ParameterCount);
        Assert.Equal(new double[] { 1, 2, 0, 0, 0, 0, 0, 9 }, Flat(holes));

        gradient = NewGradient(holes);
        Assert.Equal(2, ((double[])Get(gradient, "A")!).Length);
        Assert.Null(Get(gradient, "L"));
        var gradients = (Array)Get(gradient, "Ls")!;
        Assert.Equal(3, gradients.Length);
        Assert.NotNull(gradients.GetValue(0));
        Assert.Null(gradients.GetValue(1));
        Assert.Equal(2, ((double[])Get(gradients.GetValue(2)!, "Weights")!).Length);
        Assert.Equal(8, Count(gradient));
    }

    [Fact]
    public void A_type_without_parameters_copies_and_sets_nothing()
    {
        var empty = New("Empty");
        D(empty).CopyParametersTo(Span<double>.Empty);
        D(empty).SetParameters(ReadOnlySpan<double>.Empty);
        Assert.Empty(GradientFlat(NewGradient(empty)));
    }

    // ---- NewGradient and the gradient's members -----------------------------------------------------------------

    [Fact]
    public void NewGradient_is_zero_and_shaped_like_the_instance()
    {
        var model = New("Model");
        var first = Get(model, "First")!;
        SetField(first, "Weights", new double[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        var gradient = NewGradient(model);

        Assert.Equal(8, ((double[])Get(gradient, "First.Weights")!).Length);
        Assert.Equal(3, ((double[])Get(gradient, "First.Bias")!).Length);
        Assert.Equal(3, ((double[])Get(gradient, "Second.Weights")!).Length);
        Assert.Equal(2, ((Array)Get(gradient, "Layers")!).Length);
        Assert.Equal(2, ((double[])Get(gradient, "Layers[1].Weights")!).Length);
        Assert.Equal(D(model).ParameterCount, Count(gradient));
        Assert.All(GradientFlat(gradient), g => Assert.Equal(0.0, g));
        Assert.Equal(new[] { 2, 3 }, Dims((Array)Get(NewGradient(New("Grid")), "W")!));

        // A new gradient each time: nothing shared with the instance or another gradient.
        Assert.NotSame(Get(gradient, "First.Weights"), Get(NewGradient(model), "First.Weights"));
        Assert.NotSame(Get(model, "First.Weights"), Get(gradient, "First.Weights"));

        static int[] Dims(Array a) => Enumerable.Range(0, a.Rank).Select(a.GetLength).ToArray();
    }

    [Fact]
    public void Gradient_CopyTo_Add_and_Clear_work_component_by_component()
    {
        var model = New("Model");
        var n = D(model).ParameterCount;
        Gen.Select(Gen.Double[-100, 100].Array[n], Gen.Double[-100, 100].Array[n]).Sample((x, y) =>
        {
            // Fill two gradients through the model's own flat order: a model set to x has NewGradient zero, so the
            // gradient is filled through a helper model whose parameters are the components, member by member.
            var a = GradientWithComponents(model, x);
            var b = GradientWithComponents(model, y);
            Assert.Equal(x, GradientFlat(a));

            Call(a, "Add", b);
            Assert.Equal(x.Zip(y, (p, q) => p + q).ToArray(), GradientFlat(a));
            Assert.Equal(y, GradientFlat(b));

            ((IGradient)a).Clear();
            Assert.All(GradientFlat(a), g => Assert.Equal(0.0, g));
            Assert.Equal(n, Count(a)); // the shape stays
        }, iter: 30, threads: 1);
    }

    /// <summary>A gradient of <paramref name="model"/> whose components are <paramref name="values"/>, written into its fields by reflection in the flat order.</summary>
    private static object GradientWithComponents(object model, double[] values)
    {
        var gradient = NewGradient(model);
        var offset = 0;
        Fill(gradient);
        Assert.Equal(values.Length, offset);
        return gradient;

        object Fill(object g)
        {
            foreach (var field in g.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                var value = field.GetValue(g);
                switch (value)
                {
                    case double:
                        field.SetValue(g, values[offset++]);
                        break;
                    case double[] array:
                        for (var i = 0; i < array.Length; i++)
                        {
                            array[i] = values[offset++];
                        }

                        break;
                    case Array nested:
                        foreach (var element in nested)
                        {
                            Fill(element);
                        }

                        break;
                    case not null:
                        field.SetValue(g, Fill(value)); // a struct gradient is filled in its box, then stored back
                        break;
                }
            }

            return g;
        }
    }

    [Fact]
    public void Add_of_a_gradient_of_another_shape_throws_before_adding_anything()
    {
        var small = NewGradient(New("Linear", 2, 1));
        var large = NewGradient(New("Linear", 2, 2));
        ((double[])Get(small, "Bias")!)[0] = 5;
        var error = Assert.Throws<ArgumentException>(() => Call(small, "Add", large));
        Assert.Equal("other", error.ParamName);
        Assert.Contains("Weights has length 2 here and 4 in other", error.Message, StringComparison.Ordinal);
        Assert.Equal(new double[] { 0, 0, 5 }, GradientFlat(small));

        var grid = NewGradient(New("Grid"));
        var other = NewGradient(New("Grid"));
        SetField(other, "W", new double[3, 2]);
        error = Assert.Throws<ArgumentException>(() => Call(grid, "Add", other));
        Assert.Contains("W is 2 x 3 here and 3 x 2 in other", error.Message, StringComparison.Ordinal);

        SetField(other, "W", new double[2, 3]);
        SetField(other, "Extra", new double[1]);
        error = Assert.Throws<ArgumentException>(() => Call(grid, "Add", other));
        Assert.Contains("Extra is null in one of them", error.Message, StringComparison.Ordinal);

        var model = NewGradient(New("Model"));
        var fewer = NewGradient(New("Model"));
        SetField(fewer, "Layers", Array.CreateInstance(Get(model, "Layers")!.GetType().GetElementType()!, 1));
        error = Assert.Throws<ArgumentException>(() => Call(model, "Add", fewer));
        Assert.Contains("Layers has 2 elements here and 1 in other", error.Message, StringComparison.Ordinal);

        var nullArgument = Assert.Throws<ArgumentNullException>(() => CompiledAssembly.Call(small.GetType().GetMethod("Add")!, small, new object?[] { null }));
        Assert.Equal("other", nullArgument.ParamName);
    }

    // ---- Length checks ------------------------------------------------------------------------------------------

    [Fact]
    public void Spans_that_are_too_short_throw_ArgumentException_naming_the_argument()
    {
        var model = New("Model");
        var n = D(model).ParameterCount;
        var copy = Assert.Throws<ArgumentException>(() => D(model).CopyParametersTo(new double[n - 1]));
        Assert.Equal("destination", copy.ParamName);
        Assert.Contains($"has length {n - 1}, but Model has {n} parameters", copy.Message, StringComparison.Ordinal);

        var set = Assert.Throws<ArgumentException>(() => D(model).SetParameters(new double[n - 1]));
        Assert.Equal("source", set.ParamName);

        var gradient = Assert.Throws<ArgumentException>(() => ((IGradient)NewGradient(model)).CopyTo(new double[n - 1]));
        Assert.Equal("destination", gradient.ParamName);

        var floats = New("FloatModel");
        var floatCopy = Assert.Throws<ArgumentException>(() => D(floats).CopyParametersTo(new double[3]));
        Assert.Equal("destination", floatCopy.ParamName);
    }

    [Fact]
    public void A_failed_SetParameters_changes_nothing_and_longer_spans_keep_what_lies_beyond()
    {
        var model = New("Model");
        var before = Flat(model);
        Assert.Throws<ArgumentException>(() => D(model).SetParameters(Range(25, 1)));
        Assert.Equal(before, Flat(model));

        var longer = Enumerable.Repeat(-1.0, 30).ToArray();
        D(model).CopyParametersTo(longer);
        Assert.Equal(before, longer.Take(26));
        Assert.All(longer.Skip(26), v => Assert.Equal(-1.0, v));

        D(model).SetParameters(Range(30, 100));
        Assert.Equal(Range(26, 100), Flat(model));
    }

    // ---- Float types --------------------------------------------------------------------------------------------

    [Fact]
    public void A_float_type_has_float_spans_and_a_double_view_that_converts()
    {
        var model = New("FloatModel");
        var values = Enumerable.Range(0, 20).Select(i => i + 0.5f).ToArray();
        Invoke("Set", model, values);
        Assert.Equal(values, (float[])Invoke("Copy", model));
        Assert.Equal(values.Select(v => (double)v), Flat(model));
        Assert.Equal(0.5f, Get(model, "L.W[0]"));
        Assert.Equal(8.5f, Get(model, "P.X"));
        Assert.Equal(18.5f, Get(model, "Q.X"));
        Assert.Equal(19.5f, Get(model, "Q.Y"));

        D(model).SetParameters(Range(20, 1).Select(v => v + 0.25).ToArray());
        Assert.Equal(Range(20, 1).Select(v => (float)(v + 0.25)), (float[])Invoke("Copy", model));

        var gradient = NewGradient(model);
        Assert.Equal(new float[20], (float[])Invoke("CopyGradient", gradient));
        Assert.Equal(new double[20], GradientFlat(gradient));
        Assert.IsType<float[]>(Get(gradient, "L.W"));
    }

    [Fact]
    public void A_type_mixing_double_and_float_has_double_spans()
    {
        var mixed = New("Mixed");
        var copy = mixed.GetType().GetMethod("CopyParametersTo")!;
        Assert.Equal(typeof(Span<double>), copy.GetParameters().Single().ParameterType);
        var values = Range(16, 1).Select(v => v + 0.5).ToArray();
        D(mixed).SetParameters(values);
        Assert.Equal(values, Flat(mixed));
        Assert.Equal(1.5, Get(mixed, "A"));
        Assert.Equal(2.5f, Get(mixed, "F.W[0]"));
        Assert.Equal(10.5f, Get(mixed, "P.X"));
        Assert.Equal(14.5f, Get(mixed, "S"));
        Assert.Equal(16.5f, Get(mixed, "Q.Y"));

        var gradient = NewGradient(mixed);
        Assert.Equal(new double[16], GradientFlat(gradient));
        Assert.Equal(16, Count(gradient));
    }

    // ---- Interfaces ---------------------------------------------------------------------------------------------

    [Fact]
    public void Every_type_implements_IDifferentiable_and_its_gradient_IGradient()
    {
        foreach (var name in new[] { "Linear", "Vec2", "Pose", "Model", "Grid", "FloatLayer", "Vec2F", "FloatModel", "Mixed", "Empty", "Holes" })
        {
            var type = Compiled.GetType("Rt." + name);
            Assert.True(typeof(IDifferentiable).IsAssignableFrom(type), name);
            var gradient = type.GetNestedType("Gradient")!;
            Assert.True(typeof(IGradient).IsAssignableFrom(gradient), name + ".Gradient");
            Assert.Equal(type.IsValueType, gradient.IsValueType);
            Assert.Equal(gradient, type.GetMethod("NewGradient")!.ReturnType);
        }
    }
}
