using System;
using static AutoDiff.Benchmarks.Kernels;

namespace AutoDiff.Benchmarks;

/// <summary><see cref="Kernels.Rosenbrock"/> at a random point of length n in [-1.5, 1.5).</summary>
public sealed class RosenbrockProblem : IGradientKernel
{
    private readonly Func<double> _primal;

    public RosenbrockProblem(int n, int seed = 1)
    {
        X = DataGenerator.Uniform(new Random(seed), n, -1.5, 1.5);
        _primal = Primal;
    }

    /// <summary>The point; the only differentiable parameter.</summary>
    public double[] X { get; }

    public string Name => "Rosenbrock n=" + X.Length;

    public int Dimension => X.Length;

    public void GetParameters(Span<double> flat) => X.CopyTo(flat);

    public void SetParameters(ReadOnlySpan<double> flat) => flat.CopyTo(X);

    public double Primal() => Rosenbrock(X);

    public double HandWritten(double seed, Span<double> gradient) => HandWrittenGradients.Rosenbrock(X, seed, gradient);

    public double Generated(double seed, Span<double> gradient) => RosenbrockBackward(X, seed, gradient);

    public double FiniteDifferences(Span<double> gradient)
    {
        CentralDifferences.Gradient(X, _primal, gradient);
        return Primal();
    }
}
