namespace AutoDiff;

/// <summary>
/// How a loss of <see cref="Losses"/> reduces its per-element (or per-sample) terms to one number: PyTorch's
/// <c>reduction</c> argument, without <c>'none'</c> (a loss here returns a scalar).
/// </summary>
public enum Reduction
{
    /// <summary>
    /// The mean of the terms (PyTorch's <c>reduction='mean'</c>, its default and the default here): the sum divided by
    /// the number of elements, or, for <see cref="Losses.CrossEntropyLoss(System.ReadOnlySpan{double}, int, System.ReadOnlySpan{int}, Reduction, double)"/>
    /// and <see cref="Losses.NllLoss(System.ReadOnlySpan{double}, int, System.ReadOnlySpan{int}, Reduction)"/>, by the
    /// batch size. An empty input gives <see cref="double.NaN"/> (0 / 0), as in PyTorch.
    /// </summary>
    Mean = 0,

    /// <summary>The sum of the terms (PyTorch's <c>reduction='sum'</c>). An empty input gives 0.</summary>
    Sum = 1,
}
