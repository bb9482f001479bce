using System;
using System.Runtime.CompilerServices;

namespace AutoDiff;

/// <summary>
/// What <see cref="Sgd"/>, <see cref="Adam"/> and <see cref="AdamW"/> share: argument checks, the length rule of
/// <see cref="IOptimizer.Step(Span{double}, ReadOnlySpan{double})"/>, and torch's fused multiply-add.
/// </summary>
internal static class OptimizerSupport
{
    /// <summary>
    /// <c>x * y + z</c> as torch's CPU kernels compute it. On an x86-64 CPU with AVX2 (torch's usual CPU capability),
    /// <c>a.add(b, alpha=s)</c> and <c>a.addcmul(b, c, value=s)</c> are fused multiply-adds
    /// (<c>fma(s, b, a)</c>, <c>fma(s * b, c, a)</c>), rounded once; on .NET 8 and later this is
    /// <c>Math.FusedMultiplyAdd</c>, so the optimizers agree with torch to the last bit. netstandard2.0 has no
    /// fused multiply-add: there the product is rounded before the sum (at most one unit in the last place apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double MultiplyAdd(double x, double y, double z)
#if NETSTANDARD2_0
        => x * y + z;
#else
        => Math.FusedMultiplyAdd(x, y, z);
#endif

    /// <summary>A learning rate must be positive and finite.</summary>
    internal static double LearningRate(double value, string paramName)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, "The learning rate must be positive and finite.");
        }

        return value;
    }

    /// <summary>A weight decay, momentum or epsilon must be zero or positive, and finite.</summary>
    internal static double NonNegative(double value, string paramName, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"The {what} must be zero or positive, and finite.");
        }

        return value;
    }

    /// <summary>A value torch does not restrict (SGD's dampening) must still be a finite number.</summary>
    internal static double Finite(double value, string paramName, string what)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"The {what} must be a finite number.");
        }

        return value;
    }

    /// <summary>An exponential decay rate of Adam's moments must lie in [0, 1), as torch requires.</summary>
    internal static double Beta(double value, string paramName)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(paramName, value, "The decay rate must be at least 0 and less than 1.");
        }

        return value;
    }

    /// <summary>
    /// The length rule of a step: the gradient as long as the parameters, and the parameters as long as at the first
    /// step since construction or <c>Reset</c> (<paramref name="stateLength"/>, -1 before it).
    /// </summary>
    internal static void CheckLengths(int parameters, int gradient, int stateLength)
    {
        if (gradient != parameters)
        {
            throw new ArgumentException(
                $"The gradient has {gradient} components but there are {parameters} parameters; they must have the same length.",
                nameof(gradient));
        }

        if (stateLength >= 0 && parameters != stateLength)
        {
            throw new ArgumentException(
                $"There are {parameters} parameters but the optimizer's state was sized for {stateLength} at its first step; "
                + "step the same parameters every time, or call Reset() before stepping others.",
                nameof(parameters));
        }
    }
}

/// <summary>
/// The flat buffers behind <see cref="IOptimizer.Step(IDifferentiable, IGradient)"/>: the model's parameters and the
/// gradient copied out, stepped, and the parameters written back. Allocated at the first step and reused, so that a
/// step allocates nothing afterwards.
/// </summary>
internal sealed class FlatBuffers
{
    // Written into the last component of the gradient buffer before IGradient.CopyTo: a quiet NaN whose payload no
    // arithmetic produces (x86 and ARM make 0x7FF8000000000000 or its negative), so that it remaining there after the
    // copy means the gradient has fewer components than the model has parameters.
    private const long UnwrittenBits = 0x7FF8_AD0F_0000_0001;

    private double[] _parameters = Array.Empty<double>();
    private double[] _gradient = Array.Empty<double>();

    /// <summary>Steps <paramref name="model"/> with <paramref name="optimizer"/> through the flat buffers.</summary>
    /// <param name="optimizer">The optimizer whose span overload does the update.</param>
    /// <param name="model">The model; not null.</param>
    /// <param name="gradient">Its gradient; not null.</param>
    /// <param name="stateLength">The length the optimizer's state was sized for, or -1 before its first step.</param>
    internal void Step(IOptimizer optimizer, IDifferentiable model, IGradient gradient, int stateLength)
    {
        int count = model.ParameterCount;
        if (count < 0)
        {
            throw new ArgumentException($"The model reports {count} parameters.", nameof(model));
        }

        if (stateLength >= 0 && count != stateLength)
        {
            throw new ArgumentException(
                $"The model has {count} parameters but the optimizer's state was sized for {stateLength} at its first step; "
                + "step the same model every time, or call Reset() before stepping another.",
                nameof(model));
        }

        if (_parameters.Length != count)
        {
            _parameters = new double[count];
            _gradient = new double[count];
        }

        Span<double> parameters = _parameters;
        Span<double> gradientBuffer = _gradient;
        model.CopyParametersTo(parameters);
        if (count > 0)
        {
            gradientBuffer[count - 1] = BitConverter.Int64BitsToDouble(UnwrittenBits);
        }

        try
        {
            gradient.CopyTo(gradientBuffer);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"The gradient does not fit the model's {count} parameters (it is not this model's gradient): {e.Message}",
                nameof(gradient),
                e);
        }

        if (count > 0 && BitConverter.DoubleToInt64Bits(gradientBuffer[count - 1]) == UnwrittenBits)
        {
            throw new ArgumentException(
                $"The gradient has fewer components than the model's {count} parameters (it is not this model's gradient).",
                nameof(gradient));
        }

        optimizer.Step(parameters, gradientBuffer);
        model.SetParameters(parameters);
    }
}
