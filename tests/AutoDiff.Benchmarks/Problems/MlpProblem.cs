using System;
using static AutoDiff.Benchmarks.Kernels;

namespace AutoDiff.Benchmarks;

/// <summary>
/// <see cref="Kernels.Mlp"/>: an inputs-hidden-1 tanh network (weights uniform in ±1/sqrt(fan-in), as
/// PyTorch's nn.Linear initialises them) on a batch of rows in [-1, 1) with targets <c>sin(sum of the row)</c>.
/// Flat layout: w1, b1, w2, b2.
/// </summary>
public sealed class MlpProblem : IGradientKernel
{
    private readonly Func<double> _primal;
    private double _b2;

    public MlpProblem(int inputs, int hidden, int batch, int seed = 3)
    {
        var random = new Random(seed);
        double bound1 = 1 / Math.Sqrt(inputs);
        double bound2 = 1 / Math.Sqrt(hidden);
        W1 = DataGenerator.Uniform(random, hidden * inputs, -bound1, bound1);
        B1 = DataGenerator.Uniform(random, hidden, -bound1, bound1);
        W2 = DataGenerator.Uniform(random, hidden, -bound2, bound2);
        _b2 = DataGenerator.Uniform(random, 1, -bound2, bound2)[0];
        X = DataGenerator.Uniform(random, batch * inputs, -1, 1);
        Y = new double[batch];
        for (int n = 0; n < batch; n++)
        {
            double sum = 0;
            for (int j = 0; j < inputs; j++)
            {
                sum += X[n * inputs + j];
            }

            Y[n] = Math.Sin(sum);
        }

        _primal = Primal;
    }

    public double[] W1 { get; }

    public double[] B1 { get; }

    public double[] W2 { get; }

    public double B2 { get => _b2; set => _b2 = value; }

    public double[] X { get; }

    public double[] Y { get; }

    public string Name => $"Mlp {W1.Length / B1.Length}-{B1.Length}-1 batch={Y.Length}";

    public int Dimension => W1.Length + B1.Length + W2.Length + 1;

    public void GetParameters(Span<double> flat)
    {
        W1.CopyTo(flat);
        B1.CopyTo(flat.Slice(W1.Length));
        W2.CopyTo(flat.Slice(W1.Length + B1.Length));
        flat[Dimension - 1] = _b2;
    }

    public void SetParameters(ReadOnlySpan<double> flat)
    {
        flat.Slice(0, W1.Length).CopyTo(W1);
        flat.Slice(W1.Length, B1.Length).CopyTo(B1);
        flat.Slice(W1.Length + B1.Length, W2.Length).CopyTo(W2);
        _b2 = flat[Dimension - 1];
    }

    public double Primal() => Mlp(W1, B1, W2, _b2, X, Y);

    public double HandWritten(double seed, Span<double> gradient)
    {
        double value = HandWrittenGradients.Mlp(W1, B1, W2, _b2, X, Y, seed,
            gradient.Slice(0, W1.Length), gradient.Slice(W1.Length, B1.Length), gradient.Slice(W1.Length + B1.Length, W2.Length), out double gradB2);
        gradient[Dimension - 1] += gradB2;
        return value;
    }

    public double Generated(double seed, Span<double> gradient)
    {
        double value = MlpBackward(W1, B1, W2, _b2, X, Y, seed,
            gradient.Slice(0, W1.Length), gradient.Slice(W1.Length, B1.Length), gradient.Slice(W1.Length + B1.Length, W2.Length), out double gradB2);
        gradient[Dimension - 1] += gradB2;
        return value;
    }

    public double FiniteDifferences(Span<double> gradient)
    {
        CentralDifferences.Gradient(W1, _primal, gradient.Slice(0, W1.Length));
        CentralDifferences.Gradient(B1, _primal, gradient.Slice(W1.Length, B1.Length));
        CentralDifferences.Gradient(W2, _primal, gradient.Slice(W1.Length + B1.Length, W2.Length));
        gradient[Dimension - 1] = CentralDifferences.Partial(ref _b2, _primal);
        return Primal();
    }
}
