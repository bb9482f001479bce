using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// <c>double[,]</c> and <c>float[,]</c> parameters and members: read as <c>m[i, j]</c>, shaped by <c>GetLength</c>; the
/// gradient is an array of the same shape, accumulated, and shape-checked (API.md, "The backward convention for the
/// new kinds of values"). Checked against central differences at random points.
/// </summary>
public sealed class MatrixGradientTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace App;

        public static partial class Matrices
        {
            [Differentiable]
            public static double Weighted(double[,] a, double s)
            {
                double sum = 0;
                for (int i = 0; i < a.GetLength(0); i++)
                {
                    for (int j = 0; j < a.GetLength(1); j++)
                    {
                        sum += Math.Tanh(a[i, j] * s) * (i + 1) + a[i, j] * a[j % a.GetLength(0), i % a.GetLength(1)];
                    }
                }

                return sum / a.Length;
            }

            [Differentiable]
            public static float Single(float[,] a) => a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0];
        }

        [Differentiable]
        public partial class Bilinear
        {
            public double[,] W = new double[2, 2];

            [Differentiable]
            public double Apply(double x, double y) => x * W[0, 0] * y + x * W[0, 1] + W[1, 0] * y + W[1, 1] * W[1, 1];
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Matrices.cs", Source)));

    private static GeneratorRun Run => s_run.Value;

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
    public void Matrix_parameter_gets_a_gradient_of_its_shape()
    {
        var type = Run.Compiled.GetType("App.Matrices");
        var f = type.GetMethod("Weighted")!;
        var backward = type.GetMethod("WeightedBackward")!;
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 4], Gen.Double[-1, 1].Array[16], Gen.Double[-2, 2]).Sample((rows, columns, values, s) =>
        {
            var a = new double[rows, columns];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    a[i, j] = values[i * 4 + j];
                }
            }

            double Value() => (double)f.Invoke(null, new object[] { a, s })!;
            var gradient = new double[rows, columns];
            gradient[0, 0] = 10; // accumulated into
            var args = new object?[] { a, s, 2.0, gradient, null };
            Assert.Equal(Value(), (double)backward.Invoke(null, args)!, 12);
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    var keep = a[i, j];
                    var expected = 2 * Central(h => { a[i, j] = keep + h; var v = Value(); a[i, j] = keep; return v; }) + (i == 0 && j == 0 ? 10 : 0);
                    Assert.True(FiniteDifference.Close(gradient[i, j], expected, 1e-5, 1e-6), $"{rows}x{columns}: d[{i},{j}] = {gradient[i, j]}, expected {expected}");
                }
            }

            var expectedS = 2 * Central(h => (double)f.Invoke(null, new object[] { a, s + h })!);
            Assert.True(FiniteDifference.Close((double)args[4]!, expectedS, 1e-5, 1e-6), $"ds = {args[4]}, expected {expectedS}");
        }, iter: 30);
    }

    [Fact]
    public void Float_matrix_gradient_is_the_cofactor_matrix()
    {
        var type = Run.Compiled.GetType("App.Matrices");
        var a = new float[,] { { 1.5f, -2f }, { 0.5f, 3f } };
        var gradient = new float[2, 2];
        var value = (float)type.GetMethod("SingleBackward")!.Invoke(null, new object[] { a, 1f, gradient })!;
        Assert.Equal(1.5f * 3f + 2f * 0.5f, value);
        Assert.Equal(new float[,] { { 3f, -0.5f }, { 2f, 1.5f } }, gradient);
    }

    [Fact]
    public void A_gradient_of_another_shape_is_an_argument_error()
    {
        var backward = Run.Compiled.GetType("App.Matrices").GetMethod("WeightedBackward")!;
        var thrown = Assert.Throws<TargetInvocationException>(() => backward.Invoke(null, new object?[] { new double[2, 3], 1.0, 1.0, new double[3, 2], null }));
        Assert.Equal("gradA", Assert.IsType<ArgumentException>(thrown.InnerException).ParamName);
        thrown = Assert.Throws<TargetInvocationException>(() => backward.Invoke(null, new object?[] { new double[2, 3], 1.0, 1.0, null, null }));
        Assert.Equal("gradA", Assert.IsType<ArgumentException>(thrown.InnerException).ParamName);
    }

    [Fact]
    public void Matrix_member_gets_its_gradient_in_gradThis()
    {
        var type = Run.Compiled.GetType("App.Bilinear");
        var layer = (IDifferentiable)Activator.CreateInstance(type)!;
        layer.SetParameters(new[] { 0.5, -1.0, 2.0, 0.25 });
        var gradient = (IGradient)type.GetMethod("NewGradient")!.Invoke(layer, null)!;
        var args = new object?[] { 3.0, -2.0, 1.0, gradient, null, null };
        type.GetMethod("ApplyBackward")!.Invoke(layer, args);
        var flat = new double[4];
        gradient.CopyTo(flat);
        Assert.Equal(new[] { 3.0 * -2.0, 3.0, -2.0, 2 * 0.25 }, flat);
        Assert.Equal(-2.0 * 0.5 + -1.0, (double)args[4]!);
        Assert.Equal(3.0 * 0.5 + 2.0, (double)args[5]!);
    }

    [Fact]
    public void A_local_matrix_or_a_write_into_one_is_reported()
    {
        var run = GeneratorHarness.Run(new SourceFile("Local.cs", """
            using AutoDiff;
            public static partial class C
            {
                [Differentiable]
                public static double F(double[,] a)
                {
                    var copy = new double[2, 2];
                    copy[0, 0] = a[0, 0];
                    return copy[0, 0] * a[1, 1];
                }
            }
            """));
        Assert.Contains(run.AnalyzerDiagnostics, d => d.Id == "AUTODIFF002");
        Assert.DoesNotContain(run.GeneratedSources, s => s.HintName.StartsWith("C.", StringComparison.Ordinal));
        run.AssertGeneratedCodeClean();
    }
}
