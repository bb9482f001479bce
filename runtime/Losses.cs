using System;

namespace AutoDiff;

/// <summary>
/// PyTorch's loss functions (<c>torch.nn.functional</c>), with PyTorch's formulas, defaults, clamps and reductions, for
/// <see cref="double"/> and <see cref="float"/> spans. Each loss is a <see cref="DifferentiableAttribute">[Differentiable]</see>
/// method that the AutoDiff generator differentiated when this library was built, so each has a public backward
/// method beside it, following the backward convention:
/// <c>MseLossBackward(input, target, reduction, seed, gradInput)</c> returns the loss and adds <c>seed</c> times its
/// gradient with respect to the input into <c>gradInput</c> (PyTorch accumulates into <c>.grad</c> the same way: zero
/// it for a fresh gradient). The target and every option are constants (<see cref="NoGradAttribute">[NoGrad]</see>),
/// so the backward has one gradient, for the input.
/// </summary>
/// <remarks>
/// <para>
/// A loss can also be called from your own <c>[Differentiable]</c> method: the generator then calls its backward.
/// The backward methods take every argument explicitly (C# has no optional parameters before <c>seed</c>):
/// <c>Losses.CrossEntropyLossBackward(logits, classes, target, Reduction.Mean, 0.0, 1.0, gradLogits)</c>.
/// </para>
/// <para>
/// The float overloads compute in <see cref="double"/> from the float elements and round the loss to
/// <see cref="float"/> once; the backward rounds each contribution to a gradient component as it adds it into the
/// float gradient (once for the element-wise losses, a few times for the cross-entropy). They agree with PyTorch's
/// <c>float32</c> kernels to about 1e-5 relative, and are often closer to the exact value than those.
/// </para>
/// <para>
/// Every loss and its backward check their arguments first and throw <see cref="ArgumentException"/> (or
/// <see cref="ArgumentOutOfRangeException"/>) whose <see cref="ArgumentException.ParamName"/> names the argument: a
/// target of another length than the input, an input of another length than batch x classes, a target class outside
/// <c>[0, classes)</c>, an option outside PyTorch's range, a <see cref="Reduction"/> that is not defined, and from
/// the backward a gradient span of another length than the input (<c>gradInput</c>, <c>gradLogits</c>, ...). The
/// backward throws before it writes anything into the gradient.
/// </para>
/// </remarks>
public static partial class Losses
{
    /// <summary>
    /// PyTorch's clamp of the denominator in the gradient of <c>binary_cross_entropy</c>: <c>EPSILON = 1e-12</c>, a
    /// C++ <c>float</c> constant, so <c>(double)1e-12f</c> = 9.99999996e-13 in the double kernel too.
    /// </summary>
    private const double BinaryCrossEntropyEpsilon = (double)1e-12f;

    /// <summary>
    /// Mean squared error, PyTorch's <c>torch.nn.functional.mse_loss</c> (<c>nn.MSELoss</c>): the terms
    /// <c>(input_i - target_i)^2</c>, averaged (<see cref="Reduction.Mean"/>, the default) or summed.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: <c>2 (input_i - target_i)</c>, divided by <c>n</c> for the mean. Backward:
    /// <c>MseLossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static double MseLoss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double r = input[i] - target[i];
            sum += r * r;
        }

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    /// <summary>
    /// Mean absolute error, PyTorch's <c>torch.nn.functional.l1_loss</c> (<c>nn.L1Loss</c>): the terms
    /// <c>|input_i - target_i|</c>, averaged (<see cref="Reduction.Mean"/>, the default) or summed.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: <c>sign(input_i - target_i)</c>, 0 where they are equal (PyTorch's subgradient), divided by
    /// <c>n</c> for the mean. Backward: <c>L1LossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static double L1Loss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            sum += Math.Abs(input[i] - target[i]);
        }

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    /// <summary>
    /// Smooth L1 loss, PyTorch's <c>torch.nn.functional.smooth_l1_loss</c> (<c>nn.SmoothL1Loss</c>): with
    /// <c>z = |input_i - target_i|</c>, the terms <c>0.5 z^2 / beta</c> where <c>z &lt; beta</c> and
    /// <c>z - 0.5 beta</c> elsewhere, averaged (<see cref="Reduction.Mean"/>, the default) or summed.
    /// <paramref name="beta"/> = 0 is the L1 loss, as in PyTorch (but for the gradient at a zero residual: see remarks).
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <param name="beta">Where the loss turns from quadratic to linear; 0 or positive, default 1 (PyTorch's default).</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: PyTorch's, with <c>r = input_i - target_i</c>: -1 where <c>r &lt;= -beta</c>, 1 where
    /// <c>r &gt;= beta</c>, <c>r / beta</c> between, divided by <c>n</c> for the mean. With <paramref name="beta"/> = 0
    /// the value is the L1 loss's, but a zero residual gets the gradient -1 (PyTorch's <c>smooth_l1_loss</c> takes the
    /// <c>r &lt;= -beta</c> branch there), where <see cref="L1Loss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/>
    /// gives 0: both are subgradients of <c>|r|</c>. For <paramref name="beta"/> &gt; 0 the loss is
    /// <c>HuberLoss(delta: beta) / beta</c>. Backward: <c>SmoothL1LossBackward(input, target, reduction, beta, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined, or
    /// <paramref name="beta"/> is negative or NaN.</exception>
    [Differentiable]
    public static double SmoothL1Loss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean, [NoGrad] double beta = 1.0)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        LossChecks.Beta(beta);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            // PyTorch's branches (smooth_l1_loss_backward): r <= -beta, r >= beta, inside. With beta = 0 nothing is
            // inside, so every term is |r| (the L1 loss), and a zero residual takes the first branch, gradient -1.
            double r = input[i] - target[i];
            if (r <= -beta)
            {
                sum += -r - 0.5 * beta;
            }
            else if (r >= beta)
            {
                sum += r - 0.5 * beta;
            }
            else
            {
                sum += 0.5 * r * r / beta;
            }
        }

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    /// <summary>
    /// Huber loss, PyTorch's <c>torch.nn.functional.huber_loss</c> (<c>nn.HuberLoss</c>): with
    /// <c>z = |input_i - target_i|</c>, the terms <c>0.5 z^2</c> where <c>z &lt; delta</c> and
    /// <c>delta (z - 0.5 delta)</c> elsewhere, averaged (<see cref="Reduction.Mean"/>, the default) or summed.
    /// </summary>
    /// <param name="input">The predictions.</param>
    /// <param name="target">The targets, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <param name="delta">Where the loss turns from quadratic to linear; positive, default 1 (PyTorch's default).</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: <c>input_i - target_i</c> inside, <c>delta sign(input_i - target_i)</c> outside, divided by
    /// <c>n</c> for the mean. Backward: <c>HuberLossBackward(input, target, reduction, delta, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined, or
    /// <paramref name="delta"/> is not positive.</exception>
    [Differentiable]
    public static double HuberLoss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean, [NoGrad] double delta = 1.0)
    {
        LossChecks.SameLength(input.Length, target.Length, "input");
        LossChecks.Reduction(reduction);
        LossChecks.Delta(delta);
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double z = Math.Abs(input[i] - target[i]);
            if (z < delta)
            {
                sum += 0.5 * z * z;
            }
            else
            {
                sum += delta * (z - 0.5 * delta);
            }
        }

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    /// <summary>
    /// Binary cross-entropy of probabilities, PyTorch's <c>torch.nn.functional.binary_cross_entropy</c>
    /// (<c>nn.BCELoss</c>): the terms <c>-(target_i max(log(input_i), -100) + (1 - target_i) max(log(1 - input_i), -100))</c>,
    /// averaged (<see cref="Reduction.Mean"/>, the default) or summed. The logs are clamped at -100 as in PyTorch, so
    /// a probability of exactly 0 or 1 gives a finite loss.
    /// </summary>
    /// <param name="input">The predicted probabilities, each in <c>[0, 1]</c>.</param>
    /// <param name="target">The targets (labels 0 and 1, or soft labels), as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>
    /// Gradient: PyTorch's, <c>(input_i - target_i) / max(input_i (1 - input_i), 1e-12)</c>, divided by <c>n</c> for the
    /// mean. It is the derivative of the loss wherever <c>input_i (1 - input_i) &gt;= 1e-12</c>; closer to 0 or 1 it is
    /// bounded as in PyTorch (at <c>input_i = 0</c>: 0 for target 0, -1e12 for target 1), where the derivative of the
    /// clamped loss would be unbounded or 0. For probabilities that come from a sigmoid,
    /// <see cref="BceWithLogitsLoss(ReadOnlySpan{double}, ReadOnlySpan{double}, Reduction)"/> is exact and stable.
    /// Backward: <c>BceLossBackward(input, target, reduction, seed, gradInput)</c>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined, or an element of
    /// <paramref name="input"/> is outside <c>[0, 1]</c> or NaN.</exception>
    [Differentiable]
    public static double BceLoss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean)
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

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    /// <summary>
    /// Binary cross-entropy of logits, PyTorch's <c>torch.nn.functional.binary_cross_entropy_with_logits</c>
    /// (<c>nn.BCEWithLogitsLoss</c>): the binary cross-entropy of <c>sigmoid(input_i)</c>, that is the terms
    /// <c>(1 - target_i) input_i + log(1 + exp(-input_i))</c>, averaged (<see cref="Reduction.Mean"/>, the default) or
    /// summed. Computed in a form that never overflows, <c>target_i max(-input_i, 0) + (1 - target_i) max(input_i, 0) + log(1 + exp(-|input_i|))</c>
    /// (PyTorch's <c>(1 - t) x + m + log(exp(-m) + exp(-x - m))</c> with <c>m = max(-x, 0)</c>, rearranged).
    /// </summary>
    /// <param name="input">The logits, any real numbers.</param>
    /// <param name="target">The targets (labels 0 and 1, or soft labels), as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: <c>sigmoid(input_i) - target_i</c>, divided by <c>n</c> for the mean; for a label 0 or 1 it is
    /// computed without cancellation, so the tiny gradient of a confidently right logit keeps its digits. Backward:
    /// <c>BceWithLogitsLossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static double BceWithLogitsLoss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean)
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

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    /// <summary>
    /// Cross-entropy of logits and class indices, PyTorch's <c>torch.nn.functional.cross_entropy</c>
    /// (<c>nn.CrossEntropyLoss</c>) with label smoothing: for each row <c>b</c> of the logits, with the log-softmax
    /// <c>l_c = z_c - max(z) - log(sum_k exp(z_k - max(z)))</c> (shifted by the row's maximum, so no exp overflows),
    /// the term <c>(1 - labelSmoothing) (-l_target[b]) + (labelSmoothing / classes) sum_c (-l_c)</c>, averaged over the
    /// batch (<see cref="Reduction.Mean"/>, the default) or summed.
    /// </summary>
    /// <param name="logits">The unnormalised scores, batch x classes, row-major (row <c>b</c> is
    /// <c>logits[b * classes .. (b + 1) * classes)</c>); batch = <c>target.Length</c>.</param>
    /// <param name="classes">The number of classes, positive.</param>
    /// <param name="target">The class of each row, in <c>[0, classes)</c> (PyTorch's <c>ignore_index</c> is not supported).</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <param name="labelSmoothing">PyTorch's <c>label_smoothing</c>, in <c>[0, 1]</c>, default 0: the target becomes
    /// <c>(1 - labelSmoothing)</c> on the class plus <c>labelSmoothing / classes</c> on every class.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient with respect to <c>z_c</c> of row <c>b</c>: <c>softmax(z)_c - (1 - labelSmoothing) [c = target[b]] - labelSmoothing / classes</c>,
    /// divided by the batch size for the mean. Backward:
    /// <c>CrossEntropyLossBackward(logits, classes, target, reduction, labelSmoothing, seed, gradLogits)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="logits"/> does not hold <paramref name="classes"/> values for
    /// each target.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, a class of
    /// <paramref name="target"/> is outside <c>[0, classes)</c>, <paramref name="reduction"/> is not defined, or
    /// <paramref name="labelSmoothing"/> is outside <c>[0, 1]</c>.</exception>
    [Differentiable]
    public static double CrossEntropyLoss(ReadOnlySpan<double> logits, int classes, ReadOnlySpan<int> target, Reduction reduction = Reduction.Mean, [NoGrad] double labelSmoothing = 0.0)
    {
        LossChecks.Classes(logits.Length, classes, target.Length, "logits");
        LossChecks.Reduction(reduction);
        LossChecks.LabelSmoothing(labelSmoothing);
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

            // -log softmax(z)_c = log(sum exp(z_k - max)) - (z_c - max).
            double logSumExp = Math.Log(sumExp);
            nll += logSumExp - (logits[start + label] - max);
            if (labelSmoothing > 0)
            {
                for (int c = 0; c < classes; c++)
                {
                    smooth += logSumExp - (logits[start + c] - max);
                }
            }
        }

        double loss = labelSmoothing > 0 ? (1 - labelSmoothing) * nll + labelSmoothing / classes * smooth : nll;
        return reduction == Reduction.Mean ? loss / target.Length : loss;
    }

    /// <summary>
    /// Negative log-likelihood of log-probabilities and class indices, PyTorch's <c>torch.nn.functional.nll_loss</c>
    /// (<c>nn.NLLLoss</c>): the terms <c>-logProbabilities[b, target[b]]</c>, averaged over the batch
    /// (<see cref="Reduction.Mean"/>, the default) or summed. With a log-softmax in front it is the cross-entropy.
    /// </summary>
    /// <param name="logProbabilities">The log-probabilities (a log-softmax, for example), batch x classes, row-major;
    /// batch = <c>target.Length</c>.</param>
    /// <param name="classes">The number of classes, positive.</param>
    /// <param name="target">The class of each row, in <c>[0, classes)</c> (PyTorch's <c>ignore_index</c> is not supported).</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: -1 at each row's target class and 0 elsewhere, divided by the batch size for the mean.
    /// Backward: <c>NllLossBackward(logProbabilities, classes, target, reduction, seed, gradLogProbabilities)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="logProbabilities"/> does not hold <paramref name="classes"/>
    /// values for each target.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, a class of
    /// <paramref name="target"/> is outside <c>[0, classes)</c>, or <paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static double NllLoss(ReadOnlySpan<double> logProbabilities, int classes, ReadOnlySpan<int> target, Reduction reduction = Reduction.Mean)
    {
        LossChecks.Classes(logProbabilities.Length, classes, target.Length, "logProbabilities");
        LossChecks.Reduction(reduction);
        double sum = 0;
        for (int row = 0; row < target.Length; row++)
        {
            int label = LossChecks.TargetClass(target, row, classes);

            sum -= logProbabilities[row * classes + label];
        }

        return reduction == Reduction.Mean ? sum / target.Length : sum;
    }

    /// <summary>
    /// Kullback-Leibler divergence of a target distribution from log-probabilities, PyTorch's
    /// <c>torch.nn.functional.kl_div</c> (<c>nn.KLDivLoss</c>, <c>log_target=False</c>): the terms
    /// <c>target_i (log(target_i) - input_i)</c>, computed as PyTorch's <c>xlogy(target_i, target_i) - target_i input_i</c>
    /// (0 where <c>target_i = 0</c>), averaged over all elements (<see cref="Reduction.Mean"/>, the default, PyTorch's
    /// <c>'mean'</c>; divide the sum by the batch size for <c>'batchmean'</c>) or summed.
    /// </summary>
    /// <param name="input">The log-probabilities of the model (a log-softmax, for example).</param>
    /// <param name="target">The target probabilities, as many as <paramref name="input"/>; a constant.</param>
    /// <param name="reduction"><see cref="Reduction.Mean"/> (default) or <see cref="Reduction.Sum"/>.</param>
    /// <returns>The loss.</returns>
    /// <remarks>Gradient: <c>-target_i</c>, divided by <c>n</c> for the mean. A negative target gives NaN, as in PyTorch.
    /// Backward: <c>KlDivLossBackward(input, target, reduction, seed, gradInput)</c>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another length than <paramref name="input"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    [Differentiable]
    public static double KlDivLoss(ReadOnlySpan<double> input, [NoGrad] ReadOnlySpan<double> target, Reduction reduction = Reduction.Mean)
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

        return reduction == Reduction.Mean ? sum / input.Length : sum;
    }

    // One term of the binary cross-entropy, as PyTorch 1.13 computes it (log(1 - x), not log1p(-x)). Not
    // [Differentiable]: its derivative is registered below, so that BceLoss has PyTorch's gradient at the clamps.
    private static double BinaryCrossEntropyTerm(double x, [NoGrad] double t)
        => -(t * Math.Max(Math.Log(x), -100) + (1 - t) * Math.Max(Math.Log(1 - x), -100));

    // PyTorch's binary_cross_entropy_backward: (x - t) / max(x (1 - x), EPSILON). Where x (1 - x) >= EPSILON it is the
    // derivative of the term; nearer 0 or 1 it is bounded, where the derivative of the clamped term is unbounded or 0.
    [DerivativeOf(nameof(BinaryCrossEntropyTerm))]
    private static double BinaryCrossEntropyTermBackward(double x, double t, double seed, out double gradX)
    {
        gradX = seed * (x - t) / Math.Max((1 - x) * x, BinaryCrossEntropyEpsilon);
        return BinaryCrossEntropyTerm(x, t);
    }
}
