using System;

namespace AutoDiff;

// The float overloads of the losses: the same formulas as the double ones (Losses.cs), computed in double from the
// float elements. The loss is rounded to float once, at the return. In the backward each contribution to a gradient
// component (one per read of the element) is rounded to float as it is added into the float gradient span: one
// rounding for the element-wise losses, a few for the cross-entropy (softmax, target, smoothing, the row's maximum).
public static partial class Losses
{
    /// <summary>
    /// Mean squared error of <see cref="float"/> values, PyTorch's <c>mse_loss</c> (<c>nn.MSELoss</c>): the terms
    /// <c>(input_i - target_i)^2</c>, averaged (<see cref="Reduction.Mean"/>, the default) or summed; computed in
    /// double. See <see cref="MseLoss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>MseLossBackward(input, target, reduction, seed, gradInput)</c> with <c>float seed</c> and <c>Span&lt;float&gt; gradInput</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static float MseLoss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double r = (double)input[i] - target[i];
            sum += r * r;
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// Mean absolute error of <see cref="float"/> values, PyTorch's <c>l1_loss</c> (<c>nn.L1Loss</c>): the terms
    /// <c>|input_i - target_i|</c>, averaged (<see cref="Reduction.Mean"/>, the default) or summed; computed in double.
    /// See <see cref="L1Loss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>L1LossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static float L1Loss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            sum += Math.Abs((double)input[i] - target[i]);
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// Smooth L1 loss of <see cref="float"/> values, PyTorch's <c>smooth_l1_loss</c> (<c>nn.SmoothL1Loss</c>): with
    /// <c>z = |input_i - target_i|</c>, the terms <c>0.5 z^2 / beta</c> where <c>z &lt; beta</c> and <c>z - 0.5 beta</c>
    /// elsewhere, averaged (<see cref="Reduction.Mean"/>, the default) or summed; <paramref name="beta"/> = 0 is the L1
    /// loss (with PyTorch's gradient -1 at a zero residual). Computed in double. See <see cref="SmoothL1Loss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction, double)"/>.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <param name="beta">Where the loss turns from quadratic to linear; 0 or positive, default 1 (PyTorch's default).</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>SmoothL1LossBackward(input, target, reduction, beta, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined, or
    /// <paramref name="beta"/> is negative or NaN.</exception>
    [Differentiable]
    public static float SmoothL1Loss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean, [NoGrad] float beta = 1.0f)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        LossChecks.Beta(beta);
        double b = beta;
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double r = (double)input[i] - target[i];
            if (r <= -b)
            {
                sum += -r - 0.5 * b;
            }
            else if (r >= b)
            {
                sum += r - 0.5 * b;
            }
            else
            {
                sum += 0.5 * r * r / b;
            }
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// Huber loss of <see cref="float"/> values, PyTorch's <c>huber_loss</c> (<c>nn.HuberLoss</c>): with
    /// <c>z = |input_i - target_i|</c>, the terms <c>0.5 z^2</c> where <c>z &lt; delta</c> and <c>delta (z - 0.5 delta)</c>
    /// elsewhere, averaged (<see cref="Reduction.Mean"/>, the default) or summed; computed in double. See
    /// <see cref="HuberLoss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction, double)"/>.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <param name="delta">Where the loss turns from quadratic to linear; positive, default 1 (PyTorch's default).</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>HuberLossBackward(input, target, reduction, delta, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined, or
    /// <paramref name="delta"/> is not positive.</exception>
    [Differentiable]
    public static float HuberLoss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean, [NoGrad] float delta = 1.0f)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        LossChecks.Delta(delta);
        double d = delta;
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double z = Math.Abs((double)input[i] - target[i]);
            if (z < d)
            {
                sum += 0.5 * z * z;
            }
            else
            {
                sum += d * (z - 0.5 * d);
            }
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// Binary cross-entropy of <see cref="float"/> probabilities, PyTorch's <c>binary_cross_entropy</c>
    /// (<c>nn.BCELoss</c>): the terms <c>-(target_i max(log(input_i), -100) + (1 - target_i) max(log(1 - input_i), -100))</c>,
    /// averaged (<see cref="Reduction.Mean"/>, the default) or summed, with PyTorch's gradient
    /// <c>(input_i - target_i) / max(input_i (1 - input_i), 1e-12)</c>; computed in double. See
    /// <see cref="BceLoss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// </summary>
    /// <param name="input">The predicted probabilities, each in <c>[0, 1]</c>.</param>
    /// <param name="target">The targets (labels 0 and 1, or soft labels), as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>BceLossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined, or an element of
    /// <paramref name="input"/> is outside <c>[0, 1]</c> or NaN.</exception>
    [Differentiable]
    public static float BceLoss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double x = input[i];
            if (!(x >= 0 && x <= 1))
            {
                LossChecks.NotAProbability(i);
            }

            sum += BinaryCrossEntropyTerm(x, target[i]);
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// Binary cross-entropy of <see cref="float"/> logits, PyTorch's <c>binary_cross_entropy_with_logits</c>
    /// (<c>nn.BCEWithLogitsLoss</c>): the terms <c>(1 - target_i) input_i + log(1 + exp(-input_i))</c> in the stable form
    /// <c>target_i max(-input_i, 0) + (1 - target_i) max(input_i, 0) + log(1 + exp(-|input_i|))</c>, averaged
    /// (<see cref="Reduction.Mean"/>, the default) or summed; computed in double. See
    /// <see cref="BceWithLogitsLoss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// </summary>
    /// <param name="input">The logits, any real numbers.</param>
    /// <param name="target">The targets (labels 0 and 1, or soft labels), as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>BceWithLogitsLossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static float BceWithLogitsLoss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double x = input[i];
            double t = target[i];
            sum += t * Math.Max(-x, 0) + (1 - t) * Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// Cross-entropy of <see cref="float"/> logits and class indices, PyTorch's <c>cross_entropy</c>
    /// (<c>nn.CrossEntropyLoss</c>) with label smoothing: per row, <c>(1 - labelSmoothing) (-l_target) + (labelSmoothing / classes) sum_c (-l_c)</c>
    /// with the log-softmax <c>l</c> shifted by the row's maximum, averaged over the batch (<see cref="Reduction.Mean"/>,
    /// the default) or summed; computed in double. See
    /// <see cref="CrossEntropyLoss(ReadOnlySpan{double}, int, ReadOnlySpan{int}, Reduction, double)"/>.
    /// </summary>
    /// <param name="logits">The unnormalised scores, batch x classes, row-major; batch = <c>target.Length</c>.</param>
    /// <param name="classes">The number of classes, positive.</param>
    /// <param name="target">The class of each row, in <c>[0, classes)</c>.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <param name="labelSmoothing">PyTorch's <c>label_smoothing</c>, in <c>[0, 1]</c>, default 0.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>CrossEntropyLossBackward(logits, classes, target, reduction, labelSmoothing, seed, gradLogits)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="logits"/> does not hold <paramref name="classes"/> values for
    /// each target.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, a class of
    /// <paramref name="target"/> is outside <c>[0, classes)</c>, <paramref name="reduction"/> is not defined, or
    /// <paramref name="labelSmoothing"/> is outside <c>[0, 1]</c>.</exception>
    [Differentiable]
    public static float CrossEntropyLoss(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<int> target, Reduction reduction = Reduction.Mean, [NoGrad] float labelSmoothing = 0.0f)
    {
        LossChecks.Classes(logits.Length, classes, target.Length, "logits");
        LossChecks.Reduction(reduction);
        LossChecks.LabelSmoothing(labelSmoothing);
        double smoothing = labelSmoothing;
        double nll = 0;
        double smooth = 0;
        for (int row = 0; row < target.Length; row++)
        {
            int start = row * classes;
            int label = LossChecks.TargetClass(target, row, classes);
            double max = logits[start];
            for (int c = 1; c < classes; c++)
            {
                max = Math.Max(max, logits[start + c]);
            }

            double sumExp = 0;
            for (int c = 0; c < classes; c++)
            {
                sumExp += Math.Exp(logits[start + c] - max);
            }

            double logSumExp = Math.Log(sumExp);
            nll += logSumExp - (logits[start + label] - max);
            if (smoothing > 0)
            {
                for (int c = 0; c < classes; c++)
                {
                    smooth += logSumExp - (logits[start + c] - max);
                }
            }
        }

        double loss = smoothing > 0 ? (1 - smoothing) * nll + smoothing / classes * smooth : nll;
        return (float)(reduction == Reduction.Mean ? loss / target.Length : loss);
    }

    /// <summary>
    /// Negative log-likelihood of <see cref="float"/> log-probabilities and class indices, PyTorch's <c>nll_loss</c>
    /// (<c>nn.NLLLoss</c>): the terms <c>-logProbabilities[b, target[b]]</c>, averaged over the batch
    /// (<see cref="Reduction.Mean"/>, the default) or summed; computed in double. See
    /// <see cref="NllLoss(ReadOnlySpan{double}, int, ReadOnlySpan{int}, Reduction)"/>.
    /// </summary>
    /// <param name="logProbabilities">The log-probabilities, batch x classes, row-major; batch = <c>target.Length</c>.</param>
    /// <param name="classes">The number of classes, positive.</param>
    /// <param name="target">The class of each row, in <c>[0, classes)</c>.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>NllLossBackward(logProbabilities, classes, target, reduction, seed, gradLogProbabilities)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="logProbabilities"/> does not hold <paramref name="classes"/>
    /// values for each target.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, a class of
    /// <paramref name="target"/> is outside <c>[0, classes)</c>, or <paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static float NllLoss(ReadOnlySpan<float> logProbabilities, int classes, ReadOnlySpan<int> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.Classes(logProbabilities.Length, classes, target.Length, "logProbabilities");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int row = 0; row < target.Length; row++)
        {
            int label = LossChecks.TargetClass(target, row, classes);
            sum -= logProbabilities[row * classes + label];
        }

        return (float)(reduction == Reduction.Mean ? sum / target.Length : sum);
    }

    /// <summary>
    /// Kullback-Leibler divergence of <see cref="float"/> values, PyTorch's <c>kl_div</c> (<c>nn.KLDivLoss</c>,
    /// <c>log_target=False</c>): the terms <c>xlogy(target_i, target_i) - target_i input_i</c> (0 where
    /// <c>target_i = 0</c>), averaged over all elements (<see cref="Reduction.Mean"/>, the default, PyTorch's <c>'mean'</c>)
    /// or summed; computed in double. See <see cref="KlDivLoss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>.
    /// </summary>
    /// <param name="input">The log-probabilities of the model.</param>
    /// <param name="target">The target probabilities, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Backward: <c>KlDivLossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static float KlDivLoss(ReadOnlySpan<float> input, [NoGrad] ReadOnlySpan<float> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double t = target[i];
            double targetLogTarget = t == 0 ? 0 : t * Math.Log(t);
            sum += targetLogTarget - t * input[i];
        }

        return (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }
}
