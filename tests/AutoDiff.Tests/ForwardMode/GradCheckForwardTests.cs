using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// The runtime's checks of forward-mode methods (<see cref="GradCheck.CheckTangent(Func{double[], double}, TangentFunc, double[], double[], GradCheckOptions?)"/>,
/// <see cref="GradCheck.CheckHessianVector"/>): generated tangents and Hessian-vector products pass (their method groups
/// convert to the delegates), wrong ones fail with a report, arguments are validated.
/// </summary>
public sealed class GradCheckForwardTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        public static partial class Models
        {
            [Differentiable(Forward = true)]
            public static double Rosenbrock(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length - 1; i++)
                {
                    double a = x[i + 1] - x[i] * x[i];
                    s += 100 * a * a + (1 - x[i]) * (1 - x[i]);
                }

                return s;
            }

            [Differentiable(Forward = true)] public static double Scalar(double x, double y) => Math.Sin(x * y) + x;
            [Differentiable(Forward = true)] public static double One(double x) => Math.Exp(-x * x);
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Models.cs", Source)));

    private static T Method<T>(string name)
        where T : Delegate
        => s_run.Value.Compiled.GetMethod("Models", name).CreateDelegate<T>();

    [Fact]
    public void Generated_tangents_and_products_pass()
    {
        var f = Method<Func<double[], double>>("Rosenbrock");
        var point = new[] { 0.5, -1.25, 0.75, 1.5 };
        var direction = new[] { 1.0, -0.5, 0.25, 2.0 };
        var tangent = GradCheck.CheckTangent(f, Method<TangentFunc>("RosenbrockTangent"), point, direction).ThrowIfFailed();
        Assert.Single(tangent.Components);
        var product = GradCheck.CheckHessianVector(Method<GradientFunc>("RosenbrockBackward"), Method<HessianVectorFunc>("RosenbrockHessianVector"), point, direction).ThrowIfFailed();
        Assert.Equal(4, product.Components.Count);
        Assert.True(product.GradientMatches && product.ValueMatches);
        GradCheck.CheckTangent(Method<Func<double, double, double>>("Scalar"), Method<Tangent2>("ScalarTangent"), 0.3, -1.1, 0.5, 1.5).ThrowIfFailed();
        GradCheck.CheckTangent(Method<Func<double, double>>("One"), Method<Tangent1>("OneTangent"), 0.7).ThrowIfFailed();
        Assert.Equal(point, new[] { 0.5, -1.25, 0.75, 1.5 }); // not modified
    }

    [Fact]
    public void A_wrong_tangent_fails_with_a_report()
    {
        var f = Method<Func<double[], double>>("Rosenbrock");
        var right = Method<TangentFunc>("RosenbrockTangent");
        TangentFunc wrong = (double[] x, ReadOnlySpan<double> v, out double t) =>
        {
            var value = right(x, v, out t);
            t *= 1.01;
            return value;
        };
        var result = GradCheck.CheckTangent(f, wrong, [0.5, -1.25], [1.0, 1.0]);
        Assert.False(result.Passed);
        var error = Assert.Throws<DirectionalCheckException>(() => result.ThrowIfFailed());
        Assert.Contains("tangent check FAILED", error.Message, StringComparison.Ordinal);
        Assert.Contains("FAILED", result.Components[0].ToString(), StringComparison.Ordinal);

        TangentFunc wrongValue = (double[] x, ReadOnlySpan<double> v, out double t) => right(x, v, out t) + 1;
        Assert.False(GradCheck.CheckTangent(f, wrongValue, [0.5, -1.25], [1.0, 1.0]).ValueMatches);
    }

    [Fact]
    public void A_product_that_overwrites_instead_of_adding_or_is_wrong_fails()
    {
        var backward = Method<GradientFunc>("RosenbrockBackward");
        var right = Method<HessianVectorFunc>("RosenbrockHessianVector");
        HessianVectorFunc overwrites = (x, v, g, hv) =>
        {
            g.Clear();
            hv.Clear();
            return right(x, v, g, hv);
        };
        var result = GradCheck.CheckHessianVector(backward, overwrites, [0.5, -1.25, 2], [1, 0, -1]);
        Assert.False(result.Passed);
        Assert.False(result.GradientMatches);

        HessianVectorFunc halves = (x, v, g, hv) =>
        {
            var product = new double[hv.Length];
            var value = right(x, v, g, product);
            for (var i = 0; i < hv.Length; i++) hv[i] += product[i] / 2;
            return value;
        };
        Assert.Contains(GradCheck.CheckHessianVector(backward, halves, [0.5, -1.25, 2], [1, 0, -1]).Components, c => !c.Passed);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var f = Method<Func<double[], double>>("Rosenbrock");
        var tangent = Method<TangentFunc>("RosenbrockTangent");
        Assert.Equal("direction", Assert.Throws<ArgumentException>(() => GradCheck.CheckTangent(f, tangent, [1, 2], [1])).ParamName);
        Assert.Equal("f", Assert.Throws<ArgumentNullException>(() => GradCheck.CheckTangent(null!, tangent, [1, 2], [1, 1])).ParamName);
        Assert.Equal("point", Assert.Throws<ArgumentNullException>(() => GradCheck.CheckTangent(f, tangent, null!, [1, 1])).ParamName);
    }
}
