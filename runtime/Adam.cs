using System;

namespace AutoDiff;

/// <summary>
/// Adam (Kingma and Ba, 2015) with optional L2 weight decay added to the gradient: <c>torch.optim.Adam</c>, with its
/// update rule and defaults (without <c>amsgrad</c> and <c>maximize</c>). For decoupled weight decay use
/// <see cref="AdamW"/>.
/// </summary>
/// <remarks>
/// <para>
/// With learning rate γ, decay rates β₁ and β₂, ε and weight decay λ, at step t (from 1) with gradient g:
/// </para>
/// <code>
/// g ← g + λ·θ                          (if λ ≠ 0)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// <para>
/// ε is added after the bias correction of √v, as torch does. The arithmetic follows <c>_single_tensor_adam</c> of
/// PyTorch 1.13 operation by operation (the sums with a factor are fused multiply-adds, as torch's CPU kernels compute
/// them), so trajectories agree with torch's in float64. The state is the moments <c>m</c> and <c>v</c> (zero at the
/// start) and the step count, sized at the first step; <see cref="Reset"/> clears it. An instance is not thread-safe.
/// </para>
/// <example>
/// <code>
/// var optimizer = new Adam(learningRate: 1e-2);
/// var grad = new double[x.Length];
/// for (int step = 0; step &lt; 100; step++)
/// {
///     Array.Clear(grad, 0, grad.Length);   // backward methods accumulate
///     LossBackward(x, 1.0, grad);
///     optimizer.Step(x, grad);
/// }
/// </code>
/// </example>
/// </remarks>
public sealed class Adam : IOptimizer
{
    private readonly FlatBuffers _flat = new FlatBuffers();
    private readonly AdamState _state = new AdamState();
    private double _learningRate;

    /// <summary>Creates the optimizer; the arguments and defaults are those of <c>torch.optim.Adam</c>
    /// (<c>betas = (beta1, beta2)</c>, <c>eps</c>).</summary>
    /// <param name="learningRate">The learning rate γ; positive.</param>
    /// <param name="beta1">The decay rate β₁ of the first moment; in [0, 1).</param>
    /// <param name="beta2">The decay rate β₂ of the second moment; in [0, 1).</param>
    /// <param name="epsilon">The ε added to the denominator; zero or positive.</param>
    /// <param name="weightDecay">The L2 penalty λ, added to the gradient as <c>λ·θ</c>; zero or positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range, or not finite (NaN and infinities
    /// are rejected for every argument).</exception>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
    {
        _learningRate = OptimizerSupport.LearningRate(learningRate, nameof(learningRate));
        Beta1 = OptimizerSupport.Beta(beta1, nameof(beta1));
        Beta2 = OptimizerSupport.Beta(beta2, nameof(beta2));
        Epsilon = OptimizerSupport.NonNegative(epsilon, nameof(epsilon), "epsilon");
        WeightDecay = OptimizerSupport.NonNegative(weightDecay, nameof(weightDecay), "weight decay");
    }

    /// <summary>The learning rate γ. Settable between steps (a schedule); the next step uses the new value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive and finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = OptimizerSupport.LearningRate(value, nameof(value));
    }

    /// <summary>The decay rate β₁ of the first moment (torch's <c>betas[0]</c>).</summary>
    public double Beta1 { get; }

    /// <summary>The decay rate β₂ of the second moment (torch's <c>betas[1]</c>).</summary>
    public double Beta2 { get; }

    /// <summary>The ε added to the bias-corrected square root of the second moment.</summary>
    public double Epsilon { get; }

    /// <summary>The L2 weight decay λ, added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>The number of steps taken since construction or the last <see cref="Reset"/> (torch's
    /// <c>state['step']</c>), which the bias corrections use.</summary>
    public long StepCount => _state.StepCount;

    /// <summary>
    /// Clears the state (both moments and the step count), as a new optimizer with the same hyperparameters and
    /// learning rate: the next step may have another length.
    /// </summary>
    public void Reset() => _state.Reset();

    /// <summary>One Adam update of <paramref name="parameters"/>, in place, from <paramref name="gradient"/>.</summary>
    /// <param name="parameters">The parameters θ; updated in place.</param>
    /// <param name="gradient">The gradient of the objective at <paramref name="parameters"/>; not modified.</param>
    /// <exception cref="ArgumentException"><paramref name="gradient"/> has a different length from
    /// <paramref name="parameters"/> (<see cref="ArgumentException.ParamName"/> <c>gradient</c>), or
    /// <paramref name="parameters"/> a different length from the first step's (<c>parameters</c>).</exception>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient)
        => _state.Step(parameters, gradient, _learningRate, Beta1, Beta2, Epsilon, l2: WeightDecay, decoupled: 0);

    /// <summary>One Adam update of every parameter of <paramref name="model"/> from <paramref name="gradient"/>.</summary>
    /// <param name="model">The model; its parameters are read with <see cref="IDifferentiable.CopyParametersTo"/>
    /// and written back with <see cref="IDifferentiable.SetParameters"/>.</param>
    /// <param name="gradient">The model's gradient (from its <c>NewGradient()</c>), read with
    /// <see cref="IGradient.CopyTo"/>; not modified.</param>
    /// <remarks>The flat buffers are allocated at the first step and reused: later steps allocate nothing.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="gradient"/> is null.</exception>
    /// <exception cref="ArgumentException">The model has a different parameter count from the first step's
    /// (<c>model</c>), or the gradient has more or fewer components than the model has parameters (<c>gradient</c>).</exception>
    public void Step(IDifferentiable model, IGradient gradient)
    {
        if (model is null)
        {
            throw new ArgumentNullException(nameof(model));
        }

        if (gradient is null)
        {
            throw new ArgumentNullException(nameof(gradient));
        }

        _flat.Step(this, model, gradient, _state.Length);
    }
}

/// <summary>
/// The state and the update of <see cref="Adam"/> and <see cref="AdamW"/>: <c>_single_tensor_adam</c> and
/// <c>_single_tensor_adamw</c> of PyTorch 1.13 (non-amsgrad, non-maximize), which differ only in the weight decay.
/// </summary>
internal sealed class AdamState
{
    private double[] _firstMoment = Array.Empty<double>();
    private double[] _secondMoment = Array.Empty<double>();

    /// <summary>The length the state is sized for, or -1 before the first step.</summary>
    internal int Length { get; private set; } = -1;

    /// <summary>The steps taken since construction or <see cref="Reset"/>.</summary>
    internal long StepCount { get; private set; }

    /// <summary>Forgets the moments and the step count; the arrays are kept for a next run of the same length.</summary>
    internal void Reset()
    {
        Length = -1;
        StepCount = 0;
    }

    /// <summary>One update.</summary>
    /// <param name="parameters">θ, updated in place.</param>
    /// <param name="gradient">g.</param>
    /// <param name="learningRate">γ.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="epsilon">ε.</param>
    /// <param name="l2">Adam's weight decay, added to the gradient (<c>g ← g + λ·θ</c>); 0 for AdamW.</param>
    /// <param name="decoupled">AdamW's weight decay (<c>θ ← θ·(1 − γλ)</c> before the update); 0 for Adam.</param>
    internal void Step(
        Span<double> parameters, ReadOnlySpan<double> gradient,
        double learningRate, double beta1, double beta2, double epsilon, double l2, double decoupled)
    {
        OptimizerSupport.CheckLengths(parameters.Length, gradient.Length, Length);
        if (Length < 0)
        {
            int n = parameters.Length;
            if (_firstMoment.Length != n)
            {
                _firstMoment = new double[n];
                _secondMoment = new double[n];
            }
            else
            {
                Array.Clear(_firstMoment, 0, n);
                Array.Clear(_secondMoment, 0, n);
            }

            Length = n;
        }

        // step_t += 1; bias_correction1 = 1 - beta1 ** step; bias_correction2 = 1 - beta2 ** step;
        // step_size = lr / bias_correction1; bias_correction2_sqrt = math.sqrt(bias_correction2)
        long stepCount = StepCount + 1;
        double step = stepCount;
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double negativeStepSize = -(learningRate / biasCorrection1);
        double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);

        // AdamW: param.mul_(1 - lr * weight_decay)
        double decay = 1 - learningRate * decoupled;
        double oneMinusBeta1 = 1 - beta1;
        double oneMinusBeta2 = 1 - beta2;
        Span<double> m = _firstMoment;
        Span<double> v = _secondMoment;
        for (int i = 0; i < parameters.Length; i++)
        {
            double p = parameters[i];
            if (decoupled != 0)
            {
                p *= decay;
            }

            // Adam: grad = grad.add(param, alpha=weight_decay)
            double g = gradient[i];
            if (l2 != 0)
            {
                g = OptimizerSupport.MultiplyAdd(l2, p, g);
            }

            // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
            double mi = OptimizerSupport.MultiplyAdd(oneMinusBeta1, g, m[i] * beta1);

            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            double vi = OptimizerSupport.MultiplyAdd(oneMinusBeta2 * g, g, v[i] * beta2);
            m[i] = mi;
            v[i] = vi;

            // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
            // param.addcdiv_(exp_avg, denom, value=-step_size), which computes param + (value * exp_avg) / denom
            double denominator = Math.Sqrt(vi) / biasCorrection2Sqrt + epsilon;
            parameters[i] = negativeStepSize * mi / denominator + p;
        }

        StepCount = stepCount;
    }
}
