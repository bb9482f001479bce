using System;

namespace AutoDiff;

/// <summary>An optimizer (<c>torch.optim</c>): updates parameters in place from their gradient.</summary>
public interface IOptimizer
{
    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradient"/>; the optimizer's state
    /// (momentum, moments) is sized at the first call.</summary>
    /// <exception cref="ArgumentException">The lengths differ, or differ from the first call's.</exception>
    void Step(Span<double> parameters, ReadOnlySpan<double> gradient);

    /// <summary>One update of every parameter of <paramref name="model"/> from <paramref name="gradient"/>, through
    /// their flat views (<see cref="IDifferentiable.CopyParametersTo"/>, <see cref="IGradient.CopyTo"/>).</summary>
    void Step(IDifferentiable model, IGradient gradient);
}
