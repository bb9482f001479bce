using System;
using System.Reflection;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// A gradient span of another length than its parameter: the backward throws <see cref="ArgumentException"/> naming
/// the gradient parameter before it writes anything, for arrays, spans and read-only spans, longer and shorter.
/// </summary>
public sealed class ArgumentCheckTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double[] x, double y, [NoGrad] double[] target)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++) s += (x[i] - target[i]) * y;
                return s;
            }

            public static double Call(double[] x, double[] gradX) => FBackward(x, 2.0, new double[x.Length], 1.0, gradX, out _);

            [Differentiable]
            public static double G(ReadOnlySpan<double> a, Span<double> b) => a[0] * b[0];

            public static double CallG(double[] a, double[] b, double[] gradA, double[] gradB) => GBackward(a, b, 1.0, gradA, gradB);
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("C.cs", Source)));

    [Theory]
    [InlineData(3, 2)]
    [InlineData(3, 4)]
    [InlineData(0, 1)]
    public void A_gradient_of_the_wrong_length_throws_naming_it_and_writes_nothing(int length, int gradientLength)
    {
        s_run.Value.AssertGeneratedCodeClean();
        var call = s_run.Value.Compiled.GetMethod("C", "Call", typeof(double[]), typeof(double[]));
        var gradient = new double[gradientLength];
        Array.Fill(gradient, 7.0);
        var error = Assert.Throws<TargetInvocationException>(() => call.Invoke(null, new object[] { new double[length], gradient }));
        var argument = Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Equal("gradX", argument.ParamName);
        Assert.Contains($"length of x ({length})", argument.Message, StringComparison.Ordinal);
        Assert.All(gradient, g => Assert.Equal(7.0, g));
    }

    [Fact]
    public void Spans_are_checked_each_and_a_right_length_passes()
    {
        var call = s_run.Value.Compiled.GetMethod("C", "CallG", typeof(double[]), typeof(double[]), typeof(double[]), typeof(double[]));
        var gradA = new double[1];
        var gradB = new double[1];
        Assert.Equal(6.0, (double)call.Invoke(null, new object[] { new[] { 2.0 }, new[] { 3.0 }, gradA, gradB })!);
        Assert.Equal(new[] { 3.0 }, gradA);
        Assert.Equal(new[] { 2.0 }, gradB);

        var error = Assert.Throws<TargetInvocationException>(() => call.Invoke(null, new object[] { new[] { 2.0 }, new[] { 3.0 }, gradA, new double[2] }));
        Assert.Equal("gradB", Assert.IsType<ArgumentException>(error.InnerException).ParamName);
        Assert.Equal(new[] { 3.0 }, gradA);
    }
}
