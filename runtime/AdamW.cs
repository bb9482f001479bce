using System;

namespace AutoDiff;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay, which shrinks the parameters directly
/// instead of adding to the gradient: <c>torch.optim.AdamW</c>, with its update rule and defaults (without
/// <c>amsgrad</c> and <c>maximize</c>). Its default weight decay is 0.01; with weight decay 0 it is <see cref="Adam"/>.
/// </summary>
/// <remarks>
/// <para>
/// With learning rate γ, decay rates β₁ and β₂, ε and weight decay λ, at step t (from 1) with gradient g:
/// </para>
/// <code>
/// θ ← θ·(1 − γ·λ)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// <para>
/// The decay uses the current learning rate and comes before the moments, which see the raw gradient. ε is added
/// after the bias correction of √v, as torch does. The arithmetic follows <c>_single_tensor_adamw</c> of
/// PyTorch 1.13 operation by operation (the sums with a factor are fused multiply-adds, as torch's CPU kernels compute
/// them), so trajectories agree with torch's in float64. The state is the moments <c>m</c> and <c>v</c> (zero at the
/// start) and the step count, sized at the first step; <see cref="Reset"/> clears it. An instance is not thread-safe.
/// </para>
/// <example>
/// <code>
/// var optimizer = new AdamW(learningRate: 1e-2, weightDecay: 0.05);
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
public sealed class AdamW : IOptimizer
{
    private readonly FlatBuffers _flat = new FlatBuffers();
    private readonly AdamState _state = new AdamState();
    private double _learningRate;

    /// <summary>Creates the optimizer; the arguments and defaults are those of <c>torch.optim.AdamW</c>
    /// (<c>betas = (beta1, beta2)</c>, <c>eps</c>).</summary>
    /// <param name="learningRate">The learning rate γ; positive.</param>
    /// <param name="beta1">The decay rate β₁ of the first moment; in [0, 1).</param>
    /// <param name="beta2">The decay rate β₂ of the second moment; in [0, 1).</param>
    /// <param name="epsilon">The ε added to the denominator; zero or positive.</param>
    /// <param name="weightDecay">The decoupled weight decay λ: each step first multiplies the parameters by
    /// <c>1 − γ·λ</c>; zero or positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range, or not finite (NaN and infinities
    /// are rejected for every argument).</exception>
    public AdamW(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2)
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

    /// <summary>The decoupled weight decay λ: each step first multiplies the parameters by <c>1 − γ·λ</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>The number of steps taken since construction or the last <see cref="Reset"/> (torch's
    /// <c>state['step']</c>), which the bias corrections use.</summary>
    public long StepCount => _state.StepCount;

    /// <summary>
    /// Clears the state (both moments and the step count), as a new optimizer with the same hyperparameters and
    /// learning rate: the next step may have another length.
    /// </summary>
    public void Reset() => _state.Reset();

    /// <summary>One AdamW update of <paramref name="parameters"/>, in place, from <paramref name="gradient"/>.</summary>
    /// <param name="parameters">The parameters θ; updated in place.</param>
    /// <param name="gradient">The gradient of the objective at <paramref name="parameters"/>; not modified.</param>
    /// <exception cref="ArgumentException"><paramref name="gradient"/> has a different length from
    /// <paramref name="parameters"/> (<see cref="ArgumentException.ParamName"/> <c>gradient</c>), or
    /// <paramref name="parameters"/> a different length from the first step's (<c>parameters</c>).</exception>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient)
        => _state.Step(parameters, gradient, _learningRate, Beta1, Beta2, Epsilon, l2: 0, decoupled: WeightDecay);

    /// <summary>One AdamW update of every parameter of <paramref name="model"/> from <paramref name="gradient"/>.</summary>
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
