using System;
using AutoDiff;

namespace AutoDiff.Benchmarks;

public static partial class Kernels
{
    /// <summary>
    /// The extended Rosenbrock function: the sum over i of <c>100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2</c>.
    /// Written as a user writes it: one loop over a span, a loop-carried sum.
    /// </summary>
    /// <remarks>
    /// The generated method is <c>double RosenbrockBackward(ReadOnlySpan&lt;double&gt; x, double seed, Span&lt;double&gt; gradX)</c>.
    /// </remarks>
    [Differentiable]
    public static double Rosenbrock(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            sum += 100 * a * a + b * b;
        }

        return sum;
    }
}
