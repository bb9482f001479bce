using System;

namespace AutoDiff;

/// <summary>
/// A differentiable type (a model, a layer): a <c>[Differentiable]</c> partial class or struct whose parameters are its
/// floating-point fields and auto-properties. The generator implements this interface on every such type, so that
/// optimizers can step any model through a flat view of its parameters.
/// </summary>
/// <remarks>
/// The flat order is declaration order, depth first into members of differentiable types, arrays row-major; it is
/// the same order as <see cref="IGradient.CopyTo"/> of the type's generated <c>Gradient</c>.
/// </remarks>
public interface IDifferentiable
{
    /// <summary>The number of scalar parameters: scalars counted one by one, arrays by their length.</summary>
    int ParameterCount { get; }

    /// <summary>Copies every parameter, in the flat order, into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="ParameterCount"/>.</exception>
    void CopyParametersTo(Span<double> destination);

    /// <summary>Sets every parameter, in the flat order, from <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="ParameterCount"/>.</exception>
    void SetParameters(ReadOnlySpan<double> source);
}

/// <summary>
/// The generated gradient of a differentiable type (<c>T.Gradient</c>): one member per parameter of <c>T</c>, of the
/// same shape.
/// </summary>
public interface IGradient
{
    /// <summary>Sets every component to zero (PyTorch's <c>zero_grad</c>).</summary>
    void Clear();

    /// <summary>Copies every component, in the flat order of <see cref="IDifferentiable"/>, into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    void CopyTo(Span<double> destination);
}
