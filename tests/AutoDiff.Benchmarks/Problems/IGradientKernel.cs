using System;

namespace AutoDiff.Benchmarks;

/// <summary>
/// One benchmark kernel at one size with its data, seen as a function of a flat vector of its differentiable
/// parameters (in the order of the kernel's parameters, arrays flattened), so that the check mode and the tests can
/// compare the hand-written, generated and finite-difference gradients component by component.
/// </summary>
public interface IGradientKernel
{
    /// <summary>A short name with the size, e.g. <c>Rosenbrock n=100</c>.</summary>
    string Name { get; }

    /// <summary>The number of differentiable scalars.</summary>
    int Dimension { get; }

    /// <summary>Copies the current parameters into <paramref name="flat"/>.</summary>
    void GetParameters(Span<double> flat);

    /// <summary>Sets the parameters from <paramref name="flat"/>.</summary>
    void SetParameters(ReadOnlySpan<double> flat);

    /// <summary>The kernel's value at the current parameters.</summary>
    double Primal();

    /// <summary>The hand-written value and gradient: adds seed times the gradient into <paramref name="gradient"/>.</summary>
    double HandWritten(double seed, Span<double> gradient);

    /// <summary>The generated backward method: adds seed times the gradient into <paramref name="gradient"/>.</summary>
    double Generated(double seed, Span<double> gradient);

    /// <summary>Sets <paramref name="gradient"/> to the central differences of <see cref="Primal"/>; returns the value.</summary>
    double FiniteDifferences(Span<double> gradient);
}
