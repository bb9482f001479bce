using System;
using AutoDiff;

namespace AutoDiff.Benchmarks;

public static partial class Kernels
{
    /// <summary>
    /// Mean squared error of a one-hidden-layer tanh network over a batch: for each row <c>x_n</c> of the row-major
    /// batch, <c>h = tanh(W1 x_n + b1)</c>, <c>output = w2 · h + b2</c>, and the loss is the mean of <c>(output - y_n)^2</c>.
    /// <paramref name="w1"/> is the <c>hidden × inputs</c> weight matrix, row-major; the hidden size is <c>b1.Length</c>.
    /// </summary>
    /// <remarks>
    /// The hidden activations live in a stack buffer that is overwritten for every row of the batch. The generated
    /// method is <c>double MlpBackward(w1, b1, w2, b2, x, y, double seed, Span&lt;double&gt; gradW1, Span&lt;double&gt; gradB1,
    /// Span&lt;double&gt; gradW2, out double gradB2)</c>.
    /// </remarks>
    [Differentiable]
    public static double Mlp(ReadOnlySpan<double> w1, ReadOnlySpan<double> b1, ReadOnlySpan<double> w2, double b2,
        [NoGrad] ReadOnlySpan<double> x, [NoGrad] ReadOnlySpan<double> y)
    {
        int hidden = b1.Length;
        int inputs = w1.Length / hidden;
        Span<double> h = stackalloc double[hidden];
        double total = 0;
        for (int n = 0; n < y.Length; n++)
        {
            for (int k = 0; k < hidden; k++)
            {
                double a = b1[k];
                for (int j = 0; j < inputs; j++)
                {
                    a += w1[k * inputs + j] * x[n * inputs + j];
                }

                h[k] = Math.Tanh(a);
            }

            double output = b2;
            for (int k = 0; k < hidden; k++)
            {
                output += w2[k] * h[k];
            }

            double r = output - y[n];
            total += r * r;
        }

        return total / y.Length;
    }
}
