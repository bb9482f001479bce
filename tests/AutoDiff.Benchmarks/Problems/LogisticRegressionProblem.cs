using System;
using static AutoDiff.Benchmarks.Kernels;

namespace AutoDiff.Benchmarks;

/// <summary>
/// <see cref="Kernels.LogisticRegression"/> on m rows of d features in [-1, 1), with 0/1 labels drawn from
/// the logistic model of a random true weight vector, at a random weight vector and bias. Flat layout: w, then b.
/// </summary>
public sealed class LogisticRegressionProblem : IGradientKernel
{
    private readonly Func<double> _primal;
    private double _b;

    public LogisticRegressionProblem(int m, int d, int seed = 2)
    {
        var random = new Random(seed);
        X = DataGenerator.Uniform(random, m * d, -1, 1);
        var trueWeights = DataGenerator.Uniform(random, d, -2, 2);
        Y = new double[m];
        for (int i = 0; i < m; i++)
        {
            double z = 0.3;
            for (int j = 0; j < d; j++)
            {
                z += trueWeights[j] * X[i * d + j];
            }

            Y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-z)) ? 1 : 0;
        }

        W = DataGenerator.Uniform(random, d, -0.5, 0.5);
        _b = 0.1;
        _primal = Primal;
    }

    public double[] W { get; }

    public double B { get => _b; set => _b = value; }

    public double[] X { get; }

    public double[] Y { get; }

    public string Name => $"LogisticRegression m={Y.Length} d={W.Length}";

    public int Dimension => W.Length + 1;

    public void GetParameters(Span<double> flat)
    {
        W.CopyTo(flat);
        flat[W.Length] = _b;
    }

    public void SetParameters(ReadOnlySpan<double> flat)
    {
        flat.Slice(0, W.Length).CopyTo(W);
        _b = flat[W.Length];
    }

    public double Primal() => LogisticRegression(W, _b, X, Y);

    public double HandWritten(double seed, Span<double> gradient)
    {
        double value = HandWrittenGradients.LogisticRegression(W, _b, X, Y, seed, gradient.Slice(0, W.Length), out double gradB);
        gradient[W.Length] += gradB;
        return value;
    }

    public double Generated(double seed, Span<double> gradient)
    {
        double value = LogisticRegressionBackward(W, _b, X, Y, seed, gradient.Slice(0, W.Length), out double gradB);
        gradient[W.Length] += gradB;
        return value;
    }

    public double FiniteDifferences(Span<double> gradient)
    {
        CentralDifferences.Gradient(W, _primal, gradient.Slice(0, W.Length));
        gradient[W.Length] = CentralDifferences.Partial(ref _b, _primal);
        return Primal();
    }
}
