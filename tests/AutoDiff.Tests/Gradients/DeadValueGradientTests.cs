using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// A value that never reaches the result never enters the reverse sweep: a buffer element written with something
/// whose derivative is infinite or NaN there (a square root of a negative number, a log of zero) and never read must
/// not turn a finite gradient into NaN through <c>0 * NaN</c>.
/// </summary>
public sealed class DeadValueGradientTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        public static partial class C
        {
            [Differentiable]
            public static double F(double x)
            {
                var buffer = new double[3];
                buffer[0] = Math.Sqrt(x);       // NaN for x < 0, never read
                buffer[1] = 3 * x;
                buffer[2] = Math.Log(x + 5) * 0; // read below: its gradient is 0 * 1/(x+5), finite
                return buffer[1] * x + buffer[2];
            }

            [Differentiable]
            public static double G(double x)
            {
                Span<double> scratch = stackalloc double[2];
                scratch[1] = Math.Log(x);       // -Infinity at 0, never read
                scratch[0] = x * x;
                return scratch[0];
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("C.cs", Source)));

    [Theory]
    [InlineData(-4.0)]
    [InlineData(-0.5)]
    [InlineData(2.0)]
    public void A_dead_buffer_element_leaves_the_gradient_finite(double x)
    {
        s_run.Value.AssertGeneratedCodeClean();
        var (value, gradient) = s_run.Value.Compiled.Scalar("C", "F").ValueAndGradient(x);
        Assert.Equal(3 * x * x, value, 12);
        Assert.Equal(6 * x, gradient[0], 12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(1.5)]
    public void A_dead_stackalloc_element_leaves_the_gradient_finite(double x)
    {
        var (value, gradient) = s_run.Value.Compiled.Scalar("C", "G").ValueAndGradient(x);
        Assert.Equal(x * x, value, 12);
        Assert.Equal(2 * x, gradient[0], 12);
    }

    [Fact]
    public void The_dead_store_is_not_in_the_reverse_sweep()
    {
        var text = s_run.Value.FindGeneratedFile("C")!.Text;
        Assert.DoesNotContain("dbuffer[0]", text, StringComparison.Ordinal);
        Assert.Contains("dbuffer[1]", text, StringComparison.Ordinal);
    }
}
