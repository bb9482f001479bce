using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Calls between [Differentiable] methods (same type, other type, other file, instance and static, recursion), and
/// where methods live: instance methods of classes and structs reading fields, nested types, namespaces, file-scoped
/// namespaces, accessibility, overloads; [NoGrad], int, bool and enum parameters in the backward's signature.
/// </summary>
public sealed class CallAndStructureGradientTests
{
    private static readonly Domain W = (-3.0, 3.0);

    private const string Library = """
        using System;
        using AutoDiff;

        namespace Lib
        {
            public enum Mode { Plain, Doubled, Negated }

            public static partial class Helpers
            {
                [Differentiable] public static double Square(double x) => x * x;
                [Differentiable] public static double Sub(double a, double b) => a - 2 * b;
                [Differentiable] public static double Scaled(double x, [NoGrad] double k, int n) => k * n * x * x;
                [Differentiable] public static double WithDefault(double x, double k = 3) => k * x;
                [Differentiable] internal static float SquareF(float x) => x * x;

                // Recursion with an int counter: x^n.
                [Differentiable] public static double PowRec(double x, int n) => n == 0 ? 1 : x * PowRec(x, n - 1);

                // Recursion by halving: x^n in O(log n) calls.
                [Differentiable]
                public static double PowFast(double x, int n)
                {
                    if (n == 0) return 1;
                    var h = PowFast(x, n / 2);
                    if (n % 2 == 0) return h * h;
                    return h * h * x;
                }
            }

            // Its own type: an enum comparison in one method must not break the helpers above.
            public static partial class Signatures
            {
                [Differentiable]
                public static double Everything(double x, [NoGrad] double t, int n, bool flip, Mode mode, long big, float f)
                {
                    var r = x * t + n + f * x;
                    if (flip) r = -r;
                    if (mode == Mode.Doubled) r *= 2;
                    return r + big;
                }
            }
        }
        """;

    private const string Program = """
        using System;
        using AutoDiff;
        using Lib;

        namespace App.Models
        {
            public partial class Linear
            {
                private readonly double _w;
                public double Bias { get; }
                public Linear(double w, double bias) { _w = w; Bias = bias; }

                [Differentiable] public double Predict(double x) => _w * x + Bias;

                [Differentiable]
                public double Loss(double x, double y)
                {
                    var d = Predict(x) - y;
                    return d * d;
                }

                [Differentiable] public double LossViaThis(double x, double y) => Helpers.Square(this.Predict(x) - y);
            }

            public partial class Composite
            {
                private readonly Linear _inner = new(2.0, 0.5);
                private const double Gain = 3.0;

                [Differentiable] public double Apply(double x) => Gain * _inner.Predict(x * x);
            }

            public partial struct Point
            {
                public double Scale;
                public Point(double scale) { Scale = scale; }
                [Differentiable] public double Norm2(double x, double y) => Scale * (x * x + y * y);
                [Differentiable] public readonly double ViaOther(double x) => Norm2Of(this, x);
                [Differentiable] public static double Norm2Of([NoGrad] Point p, double x) => p.Scale * x * x;
            }

            public static partial class Calls
            {
                [Differentiable] private static double Inner(double x) => Math.Sin(x) + x;
                [Differentiable] public static double SameType(double x) => 2 * Inner(x);
                [Differentiable] public static double OtherType(double x, double y) => Helpers.Square(x) + Helpers.Sub(x, y);
                [Differentiable] public static double NestedCalls(double x) => Helpers.Square(Helpers.Square(x) + 1);
                [Differentiable] public static double CallTwice(double x, double y) => Helpers.Square(x * y) - Helpers.Square(y);
                [Differentiable] public static double NamedArguments(double x, double y) => Helpers.Sub(b: x, a: y);
                [Differentiable] public static double DefaultArgument(double x) => Helpers.WithDefault(x);
                [Differentiable] public static double NoGradAndIntArguments(double x, double y) => Helpers.Scaled(x + y, 2.5, 3);
                [Differentiable] public static double Recursion(double x, int n) => Helpers.PowRec(x, n);
                [Differentiable] public static double RecursionFast(double x, int n) => Helpers.PowFast(x, n);
                [Differentiable] public static double FloatCallee(double x) => Helpers.SquareF((float)x) * 2.0;
                [Differentiable] public static double InstanceOfOtherType(double x, double y) => new Linear(3.0, 1.0).Loss(x, y);
                [Differentiable] public static double CallInBranch(double x) => x > 0 ? Helpers.Square(x) : Inner(x);
                [Differentiable] public static double StructStatic(double x) => Point.Norm2Of(new Point(2.0), x);
            }

            public static partial class Overloads
            {
                [Differentiable] public static double F(double x) => x * x;
                [Differentiable] public static double F(double x, double y) => x * y;
                [Differentiable] public static float F(float x) => 3 * x;
                [Differentiable] public static double F(double x, int n) => n * x;
            }

            public partial class Access
            {
                [Differentiable] private double Private(double x) => x * 2;
                [Differentiable] internal static double Internal(double x) => x * 2;
                [Differentiable] protected double Protected(double x) => x * 2;
                [Differentiable] protected internal static double ProtectedInternal(double x) => x * 2;
                [Differentiable] private protected double PrivateProtected(double x) => x * 2;
                public double UsesAll(double x) => Private(x) + Protected(x) + PrivateProtected(x);
            }

            public static partial class Outer
            {
                public static partial class Middle
                {
                    internal partial struct Innermost
                    {
                        [Differentiable] public static double F(double x) => x * x * x;
                    }
                }
            }
        }

        public static partial class GlobalNamespace
        {
            [Differentiable] public static double F(double x, double y) => x / (1 + y * y);
        }
        """;

    private const string FileScoped = """
        using AutoDiff;

        namespace App.FileScoped;

        public partial class InFileScopedNamespace
        {
            [Differentiable] public static double F(double x) => Lib.Helpers.Square(x) - x;
            public partial class Nested
            {
                [Differentiable] public double G(double x) => x * x * 5;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(
        new SourceFile("Library.cs", Library), new SourceFile("Program.cs", Program), new SourceFile("FileScoped.cs", FileScoped)));

    private static GeneratorRun Run => s_run.Value;

    private static CompiledAssembly Compiled => Run.Compiled;

    private static void Check(DifferentiableFunction f, Domain[] domains, Func<double[], double> value, Func<double[], double[]> gradient, bool usesFloat = false,
        Func<double[], bool>? avoid = null)
        => GradientSuite.Verify(f, new GradientCase(f.Primal.DeclaringType!.Name + "." + f.Primal.Name, usesFloat ? "float" : "", "", domains, value, gradient, Avoid: avoid));

    private static DifferentiableFunction Static(string type, string method, params Type[] parameterTypes)
        => Compiled.Function(type, method, null, parameterTypes);

    [Fact]
    public void Valid_code_gets_no_diagnostics()
        => Assert.True(Run.AnalyzerDiagnostics.IsEmpty, "Analyzer diagnostics on valid code:" + Environment.NewLine + GeneratorHarness.Format(Run.AnalyzerDiagnostics));

    [Fact]
    public void Generated_code_compiles_warning_free() => Run.AssertGeneratedCodeClean();

    [Fact]
    public void Call_in_the_same_type_to_a_private_method()
        => Check(Static("App.Models.Calls", "SameType"), [W], x => 2 * (Math.Sin(x[0]) + x[0]), x => [2 * (Math.Cos(x[0]) + 1)]);

    [Fact]
    public void Calls_to_another_type_in_another_file()
        => Check(Static("App.Models.Calls", "OtherType"), [W, W], x => x[0] * x[0] + x[0] - 2 * x[1], x => [2 * x[0] + 1, -2]);

    [Fact]
    public void Nested_calls()
        => Check(Static("App.Models.Calls", "NestedCalls"), [W], x => Math.Pow(x[0] * x[0] + 1, 2), x => [4 * x[0] * (x[0] * x[0] + 1)]);

    [Fact]
    public void Same_callee_twice()
        => Check(Static("App.Models.Calls", "CallTwice"), [W, W], x => x[0] * x[0] * x[1] * x[1] - x[1] * x[1],
            x => [2 * x[0] * x[1] * x[1], 2 * x[0] * x[0] * x[1] - 2 * x[1]]);

    [Fact]
    public void Named_arguments_out_of_order_reach_the_right_parameters()
        => Check(Static("App.Models.Calls", "NamedArguments"), [W, W], x => x[1] - 2 * x[0], x => [-2, 1]);

    [Fact]
    public void Omitted_optional_argument()
        => Check(Static("App.Models.Calls", "DefaultArgument"), [W], x => 3 * x[0], x => [3]);

    [Fact]
    public void Arguments_to_NoGrad_and_int_parameters_of_the_callee()
        => Check(Static("App.Models.Calls", "NoGradAndIntArguments"), [W, W], x => 7.5 * (x[0] + x[1]) * (x[0] + x[1]),
            x => [15 * (x[0] + x[1]), 15 * (x[0] + x[1])]);

    [Fact]
    public void Recursion_with_an_int_counter()
        => Check(Static("App.Models.Calls", "Recursion"), [W, Domain.Int(0, 6)], x => Math.Pow(x[0], x[1]),
            x => [x[1] == 0 ? 0 : x[1] * Math.Pow(x[0], x[1] - 1)]);

    [Fact]
    public void Recursion_by_halving()
        => Check(Static("Lib.Helpers", "PowFast"), [W, Domain.Int(0, 9)], x => Math.Pow(x[0], x[1]),
            x => [x[1] == 0 ? 0 : x[1] * Math.Pow(x[0], x[1] - 1)]);

    [Fact]
    public void Recursion_through_a_wrapper_in_another_type()
        => Check(Static("App.Models.Calls", "RecursionFast"), [W, Domain.Int(0, 9)], x => Math.Pow(x[0], x[1]),
            x => [x[1] == 0 ? 0 : x[1] * Math.Pow(x[0], x[1] - 1)]);

    [Fact]
    public void Call_to_a_float_method_through_conversions()
        => Check(Static("App.Models.Calls", "FloatCallee"), [W], x => 2.0 * (float)x[0] * (float)x[0], x => [4 * (float)x[0]], usesFloat: true);

    [Fact]
    public void Call_in_a_branch()
        => Check(Static("App.Models.Calls", "CallInBranch"), [W], x => x[0] > 0 ? x[0] * x[0] : Math.Sin(x[0]) + x[0],
            x => [x[0] > 0 ? 2 * x[0] : Math.Cos(x[0]) + 1], avoid: x => Math.Abs(x[0]) < 1e-3);

    [Fact]
    public void Instance_method_reading_a_field_and_a_property_as_constants()
    {
        var model = Compiled.Create("App.Models.Linear", 1.5, -0.5);
        var f = Compiled.Function("App.Models.Linear", "Predict", model);
        Check(f, [W], x => 1.5 * x[0] - 0.5, x => [1.5]);
    }

    [Fact]
    public void Instance_method_calling_an_instance_method()
    {
        var model = Compiled.Create("App.Models.Linear", 1.5, -0.5);
        Check(Compiled.Function("App.Models.Linear", "Loss", model), [W, W], x => Math.Pow(1.5 * x[0] - 0.5 - x[1], 2),
            x => [3 * (1.5 * x[0] - 0.5 - x[1]), -2 * (1.5 * x[0] - 0.5 - x[1])]);
        Check(Compiled.Function("App.Models.Linear", "LossViaThis", model), [W, W], x => Math.Pow(1.5 * x[0] - 0.5 - x[1], 2),
            x => [3 * (1.5 * x[0] - 0.5 - x[1]), -2 * (1.5 * x[0] - 0.5 - x[1])]);
    }

    [Fact]
    public void Instance_method_calling_a_method_of_a_field()
    {
        var composite = Compiled.Create("App.Models.Composite");
        Check(Compiled.Function("App.Models.Composite", "Apply", composite), [W], x => 3 * (2 * x[0] * x[0] + 0.5), x => [12 * x[0]]);
    }

    [Fact]
    public void Static_method_calling_an_instance_method_of_a_new_object()
        => Check(Static("App.Models.Calls", "InstanceOfOtherType"), [W, W], x => Math.Pow(3 * x[0] + 1 - x[1], 2),
            x => [6 * (3 * x[0] + 1 - x[1]), -2 * (3 * x[0] + 1 - x[1])]);

    [Fact]
    public void Struct_instance_methods()
    {
        var point = Compiled.Create("App.Models.Point", 0.5);
        Check(Compiled.Function("App.Models.Point", "Norm2", point), [W, W], x => 0.5 * (x[0] * x[0] + x[1] * x[1]), x => [x[0], x[1]]);
        Check(Compiled.Function("App.Models.Point", "ViaOther", point), [W], x => 0.5 * x[0] * x[0], x => [x[0]]);
        Check(Static("App.Models.Calls", "StructStatic"), [W], x => 2 * x[0] * x[0], x => [4 * x[0]]);
    }

    [Fact]
    public void Struct_parameter_gets_no_gradient_parameter()
        => Assert.Single(Static("App.Models.Point", "Norm2Of").GradientParameters);

    [Fact]
    public void Nested_types_three_deep()
        => Check(Static("App.Models.Outer+Middle+Innermost", "F"), [W], x => x[0] * x[0] * x[0], x => [3 * x[0] * x[0]]);

    [Fact]
    public void Global_namespace()
        => Check(Static("GlobalNamespace", "F"), [W, W], x => x[0] / (1 + x[1] * x[1]),
            x => [1 / (1 + x[1] * x[1]), -2 * x[0] * x[1] / ((1 + x[1] * x[1]) * (1 + x[1] * x[1]))]);

    [Fact]
    public void File_scoped_namespace_and_nested_class_in_it()
    {
        Check(Static("App.FileScoped.InFileScopedNamespace", "F"), [W], x => x[0] * x[0] - x[0], x => [2 * x[0] - 1]);
        var nested = Compiled.Create("App.FileScoped.InFileScopedNamespace+Nested");
        Check(Compiled.Function("App.FileScoped.InFileScopedNamespace+Nested", "G", nested), [W], x => 5 * x[0] * x[0], x => [10 * x[0]]);
    }

    [Fact]
    public void Each_overload_gets_its_own_backward_overload()
    {
        Check(Static("App.Models.Overloads", "F", typeof(double)), [W], x => x[0] * x[0], x => [2 * x[0]]);
        Check(Static("App.Models.Overloads", "F", typeof(double), typeof(double)), [W, W], x => x[0] * x[1], x => [x[1], x[0]]);
        Check(Static("App.Models.Overloads", "F", typeof(float)), [W], x => 3 * (float)x[0], x => [3], usesFloat: true);
        Check(Static("App.Models.Overloads", "F", typeof(double), typeof(int)), [W, Domain.Int(-3, 3)], x => x[1] * x[0], x => [x[1]]);
        var backwards = Compiled.GetType("App.Models.Overloads").GetMethods().Where(m => m.Name == "FBackward").ToList();
        Assert.Equal(4, backwards.Count);
    }

    [Theory]
    [InlineData("Private")]
    [InlineData("Internal")]
    [InlineData("Protected")]
    [InlineData("ProtectedInternal")]
    [InlineData("PrivateProtected")]
    public void Backward_has_the_same_accessibility_and_staticness(string name)
    {
        var primal = Compiled.GetMethod("App.Models.Access", name);
        var backward = Compiled.GetMethod("App.Models.Access", name + "Backward");
        Assert.Equal(primal.Attributes & MethodAttributes.MemberAccessMask, backward.Attributes & MethodAttributes.MemberAccessMask);
        Assert.Equal(primal.IsStatic, backward.IsStatic);
    }

    [Fact]
    public void NoGrad_int_bool_enum_and_long_parameters_get_no_gradient_parameter()
    {
        var backward = Compiled.GetMethod("Lib.Signatures", "EverythingBackward");
        var parameters = backward.GetParameters();
        Assert.Equal(
            ["x", "t", "n", "flip", "mode", "big", "f", "seed", "gradX", "gradF"],
            parameters.Select(p => p.Name));
        Assert.Equal(
            [typeof(double), typeof(double), typeof(int), typeof(bool), Compiled.GetType("Lib.Mode"), typeof(long), typeof(float), typeof(double),
                typeof(double).MakeByRefType(), typeof(float).MakeByRefType()],
            parameters.Select(p => p.ParameterType));
        Assert.True(parameters[8].IsOut && parameters[9].IsOut);
        Assert.Equal(typeof(double), backward.ReturnType);

        var f = Static("Lib.Signatures", "Everything");
        // r = x t + n + f x, negated when flip, doubled when mode == Doubled, plus big.
        Check(f, [W, W, Domain.Int(-2, 2), Domain.Int(0, 1), Domain.Int(0, 2), Domain.Int(-5, 5), W],
            x =>
            {
                var r = x[0] * x[1] + x[2] + (float)x[6] * x[0];
                r = x[3] != 0 ? -r : r;
                return (x[4] == 1 ? 2 * r : r) + x[5];
            },
            x =>
            {
                var s = (x[3] != 0 ? -1 : 1) * (x[4] == 1 ? 2 : 1);
                return [s * (x[1] + (float)x[6]), s * x[0]];
            },
            usesFloat: true);
    }

    [Fact]
    public void The_callers_backward_calls_the_callees_backward()
    {
        var source = Run.GeneratedSourceFor("App.Models.Calls");
        Assert.Contains("SquareBackward(", source);
        Assert.Contains("InnerBackward(", source);
        var start = source.IndexOf("SameTypeBackward(", StringComparison.Ordinal);
        var end = source.IndexOf("/// <summary>", start, StringComparison.Ordinal);
        var sameType = source[start..(end < 0 ? source.Length : end)];
        Assert.Contains("InnerBackward(", sameType);
        Assert.DoesNotContain("Sin(", sameType);
    }
}
