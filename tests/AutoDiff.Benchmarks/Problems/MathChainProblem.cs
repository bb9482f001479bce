using System;
using static AutoDiff.Benchmarks.Kernels;

namespace AutoDiff.Benchmarks;

/// <summary><see cref="Kernels.MathChain"/> at a fixed point (x, y, z). Flat layout: x, y, z.</summary>
public sealed class MathChainProblem : IGradientKernel
{
    private readonly Func<double> _primal;
    private double _x;
    private double _y;
    private double _z;

    public MathChainProblem(double x = 0.7, double y = -0.4, double z = 1.3)
    {
        (_x, _y, _z) = (x, y, z);
        _primal = Primal;
    }

    public double X => _x;

    public double Y => _y;

    public double Z => _z;

    public string Name => "MathChain (30 operations)";

    public int Dimension => 3;

    public void GetParameters(Span<double> flat) => (flat[0], flat[1], flat[2]) = (_x, _y, _z);

    public void SetParameters(ReadOnlySpan<double> flat) => (_x, _y, _z) = (flat[0], flat[1], flat[2]);

    public double Primal() => MathChain(_x, _y, _z);

    public double HandWritten(double seed, Span<double> gradient)
    {
        double value = HandWrittenGradients.MathChain(_x, _y, _z, seed, out double gx, out double gy, out double gz);
        gradient[0] += gx;
        gradient[1] += gy;
        gradient[2] += gz;
        return value;
    }

    public double Generated(double seed, Span<double> gradient)
    {
        double value = MathChainBackward(_x, _y, _z, seed, out double gx, out double gy, out double gz);
        gradient[0] += gx;
        gradient[1] += gy;
        gradient[2] += gz;
        return value;
    }

    public double FiniteDifferences(Span<double> gradient)
    {
        gradient[0] = CentralDifferences.Partial(ref _x, _primal);
        gradient[1] = CentralDifferences.Partial(ref _y, _primal);
        gradient[2] = CentralDifferences.Partial(ref _z, _primal);
        return Primal();
    }
}
