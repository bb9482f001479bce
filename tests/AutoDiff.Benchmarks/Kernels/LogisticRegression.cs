using System;
using AutoDiff;

namespace AutoDiff.Benchmarks;

public static partial class Kernels
{
    /// <summary>
    /// Mean binary cross-entropy with logits of a logistic regression: <c>z = x_i · w + b</c> per row of the row-major
    /// matrix <paramref name="x"/> (<c>y.Length</c> rows of <c>w.Length</c> features), in the numerically stable form
    /// <c>max(z, 0) - z y + log(1 + exp(-|z|))</c> that PyTorch's <c>BCEWithLogitsLoss</c> uses.
    /// </summary>
    /// <remarks>
    /// The generated method is <c>double LogisticRegressionBackward(double[] w, double b, double[] x, double[] y, double seed,
    /// Span&lt;double&gt; gradW, out double gradB)</c>.
    /// </remarks>
    [Differentiable]
    public static double LogisticRegression(double[] w, double b, [NoGrad] double[] x, [NoGrad] double[] y)
    {
        int d = w.Length;
        double total = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += w[j] * x[i * d + j];
            }

            total += Math.Max(z, 0) - z * y[i] + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        }

        return total / y.Length;
    }
}
