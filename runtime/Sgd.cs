using System;

namespace AutoDiff;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, weight decay (L2) and Nesterov momentum:
/// <c>torch.optim.SGD</c>, with its update rule and defaults.
/// </summary>
/// <remarks>
/// <para>
/// With learning rate γ, momentum μ, dampening τ, weight decay λ, at step t with gradient g:
/// </para>
/// <code>
/// g ← g + λ·θ                        (if λ ≠ 0)
/// b ← g                              (if μ ≠ 0, at the first step)
/// b ← μ·b + (1 − τ)·g                (if μ ≠ 0, at later steps)
/// g ← g + μ·b  if Nesterov, else g ← b   (if μ ≠ 0)
/// θ ← θ − γ·g
/// </code>
/// <para>
/// The arithmetic follows <c>_single_tensor_sgd</c> of PyTorch 1.13 operation by operation (the sums with a factor
/// are fused multiply-adds, as torch's CPU kernels compute them), so trajectories agree with torch's in float64.
/// The state is the momentum buffer <c>b</c> (allocated only when μ ≠ 0) and the step count, sized at the first
/// step; <see cref="Reset"/> clears it. An instance is not thread-safe.
/// </para>
/// <example>
/// <code>
/// var optimizer = new Sgd(learningRate: 0.01, momentum: 0.9);
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
public sealed class Sgd : IOptimizer
{
    private readonly FlatBuffers _flat = new FlatBuffers();
    private double _learningRate;
    private double[] _momentumBuffer = Array.Empty<double>();
    private int _length = -1;
    private long _stepCount;

    /// <summary>Creates the optimizer; the arguments are those of <c>torch.optim.SGD</c>.</summary>
    /// <param name="learningRate">The learning rate γ (torch's <c>lr</c>, which has no default); positive.</param>
    /// <param name="momentum">The momentum factor μ; zero (plain gradient descent) or positive.</param>
    /// <param name="dampening">The dampening τ of the momentum: later steps add <c>(1 − τ)·g</c> to the buffer.</param>
    /// <param name="weightDecay">The L2 penalty λ, added to the gradient as <c>λ·θ</c>; zero or positive.</param>
    /// <param name="nesterov">Nesterov momentum; requires a positive <paramref name="momentum"/> and zero
    /// <paramref name="dampening"/>, as torch does.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range, or not finite (NaN and infinities
    /// are rejected for every argument).</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set with zero momentum or non-zero dampening.</exception>
    public Sgd(double learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
    {
        _learningRate = OptimizerSupport.LearningRate(learningRate, nameof(learningRate));
        Momentum = OptimizerSupport.NonNegative(momentum, nameof(momentum), "momentum");
        Dampening = OptimizerSupport.Finite(dampening, nameof(dampening), "dampening");
        WeightDecay = OptimizerSupport.NonNegative(weightDecay, nameof(weightDecay), "weight decay");
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum requires a positive momentum and zero dampening.", nameof(nesterov));
        }

        Nesterov = nesterov;
    }

    /// <summary>The learning rate γ. Settable between steps (a schedule); the next step uses the new value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive and finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = OptimizerSupport.LearningRate(value, nameof(value));
    }

    /// <summary>The momentum factor μ; 0 for plain gradient descent.</summary>
    public double Momentum { get; }

    /// <summary>The dampening τ of the momentum.</summary>
    public double Dampening { get; }

    /// <summary>The L2 weight decay λ, added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the step uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>The number of steps taken since construction or the last <see cref="Reset"/>.</summary>
    public long StepCount => _stepCount;

    /// <summary>
    /// Clears the state (the momentum buffer and the step count), as a new optimizer with the same hyperparameters
    /// and learning rate: the next step starts the momentum afresh, and may have another length.
    /// </summary>
    public void Reset()
    {
        _length = -1;
        _stepCount = 0;
    }

    /// <summary>One SGD update of <paramref name="parameters"/>, in place, from <paramref name="gradient"/>.</summary>
    /// <param name="parameters">The parameters θ; updated in place.</param>
    /// <param name="gradient">The gradient of the objective at <paramref name="parameters"/>; not modified.</param>
    /// <exception cref="ArgumentException"><paramref name="gradient"/> has a different length from
    /// <paramref name="parameters"/> (<see cref="ArgumentException.ParamName"/> <c>gradient</c>), or
    /// <paramref name="parameters"/> a different length from the first step's (<c>parameters</c>).</exception>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        OptimizerSupport.CheckLengths(parameters.Length, gradient.Length, _length);
        double momentum = Momentum;
        if (_length < 0)
        {
            if (momentum != 0 && _momentumBuffer.Length != parameters.Length)
            {
                _momentumBuffer = new double[parameters.Length];
            }

            _length = parameters.Length;
        }

        double weightDecay = WeightDecay;
        double negativeLearningRate = -_learningRate;
        double oneMinusDampening = 1 - Dampening;
        bool nesterov = Nesterov;
        bool first = _stepCount == 0;
        Span<double> buffer = _momentumBuffer;
        for (int i = 0; i < parameters.Length; i++)
        {
            // d_p = grad; d_p = d_p.add(param, alpha=weight_decay)
            double d = gradient[i];
            if (weightDecay != 0)
            {
                d = OptimizerSupport.MultiplyAdd(weightDecay, parameters[i], d);
            }

            if (momentum != 0)
            {
                // buf = clone(d_p) at the first step, else buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
                double b = first ? d : OptimizerSupport.MultiplyAdd(oneMinusDampening, d, buffer[i] * momentum);
                buffer[i] = b;

                // d_p = d_p.add(buf, alpha=momentum) if nesterov else buf
                d = nesterov ? OptimizerSupport.MultiplyAdd(momentum, b, d) : b;
            }

            // param.add_(d_p, alpha=-lr)
            parameters[i] = OptimizerSupport.MultiplyAdd(negativeLearningRate, d, parameters[i]);
        }

        _stepCount++;
    }

    /// <summary>One SGD update of every parameter of <paramref name="model"/> from <paramref name="gradient"/>.</summary>
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

        _flat.Step(this, model, gradient, _length);
    }
}
