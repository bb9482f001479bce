// The loss functions of samples/Losses: plain loops over spans, each [Differentiable]. Their backward methods are
// generated at compile time (see obj/Debug/net10.0/generated/ with EmitCompilerGeneratedFiles). The runtime ships
// PyTorch's standard losses ready-made as AutoDiff.Losses (docs/losses.md); this sample shows how to write your own.
using System;
using AutoDiff;

namespace Losses;

public static partial class Loss
{
    /// <summary>Mean squared error, PyTorch's <c>MSELoss</c>: the mean of <c>(p_i - t_i)^2</c>.</summary>
    /// <remarks>Generated: <c>double MeanSquaredErrorBackward(predictions, targets, double seed, Span&lt;double&gt; gradPredictions)</c>.</remarks>
    [Differentiable]
    public static double MeanSquaredError(ReadOnlySpan<double> predictions, [NoGrad] ReadOnlySpan<double> targets)
    {
        double sum = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double r = predictions[i] - targets[i];
            sum += r * r;
        }

        return sum / predictions.Length;
    }

    /// <summary>
    /// Huber loss, PyTorch's <c>HuberLoss(delta)</c>: the mean of <c>r^2 / 2</c> for residuals up to
    /// <paramref name="delta"/> and <c>delta (|r| - delta / 2)</c> beyond, so outliers pull linearly.
    /// </summary>
    [Differentiable]
    public static double Huber(ReadOnlySpan<double> predictions, [NoGrad] ReadOnlySpan<double> targets, [NoGrad] double delta)
    {
        double sum = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double r = predictions[i] - targets[i];
            double size = Math.Abs(r);
            if (size <= delta)
            {
                sum += 0.5 * r * r;
            }
            else
            {
                sum += delta * (size - 0.5 * delta);
            }
        }

        return sum / predictions.Length;
    }

    /// <summary>
    /// Binary cross-entropy with logits, PyTorch's <c>BCEWithLogitsLoss</c>: the mean of
    /// <c>-t log(sigmoid(z)) - (1 - t) log(1 - sigmoid(z))</c>, in the stable form <c>max(z, 0) - z t + log(1 + exp(-|z|))</c>.
    /// </summary>
    [Differentiable]
    public static double BinaryCrossEntropyWithLogits(ReadOnlySpan<double> logits, [NoGrad] ReadOnlySpan<double> targets)
    {
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double z = logits[i];
            sum += Math.Max(z, 0) - z * targets[i] + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        }

        return sum / logits.Length;
    }

    /// <summary>
    /// Softmax cross-entropy, PyTorch's <c>CrossEntropyLoss</c> with class probabilities as targets: for each row of
    /// the row-major <c>rows × classes</c> logits, <c>-sum_c t_c log softmax(z)_c = sum_c t_c (logsumexp(z) - z_c)</c>,
    /// averaged over the rows. One-hot targets give the usual loss of a class index.
    /// </summary>
    [Differentiable]
    public static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, [NoGrad] ReadOnlySpan<double> targets, int classes)
    {
        int rows = logits.Length / classes;
        double sum = 0;
        for (int row = 0; row < rows; row++)
        {
            int start = row * classes;
            double logSumExp = LogSumExp(logits, start, classes);
            for (int c = 0; c < classes; c++)
            {
                sum += targets[start + c] * (logSumExp - logits[start + c]);
            }
        }

        return sum / rows;
    }

    /// <summary>
    /// <c>log(sum exp(x_i))</c> over <c>x[start .. start + count)</c>, shifted by the maximum so that no exp overflows.
    /// A [Differentiable] helper: the loss's backward calls its backward.
    /// </summary>
    [Differentiable]
    public static double LogSumExp(ReadOnlySpan<double> x, int start, int count)
    {
        double max = x[start];
        for (int i = 1; i < count; i++)
        {
            max = Math.Max(max, x[start + i]);
        }

        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += Math.Exp(x[start + i] - max);
        }

        return max + Math.Log(sum);
    }
}
