using System;
using AutoDiff;

namespace AutoDiff.Benchmarks;

public static partial class Kernels
{
    /// <summary>
    /// A chain of 30 scalar operations (10 Math calls, 20 arithmetic operations) of three inputs, with shared
    /// intermediates: straight-line scalar code, which the generator supports today.
    /// </summary>
    /// <remarks>The generated method is <c>double MathChainBackward(double x, double y, double z, double seed, out double gradX, out double gradY, out double gradZ)</c>.</remarks>
    [Differentiable]
    public static double MathChain(double x, double y, double z)
    {
        double a = Math.Sin(x) * Math.Cos(y) + z;
        double b = Math.Exp(-0.5 * (a * a)) / (1 + y * y);
        double c = Math.Log(1 + b + x * x) - Math.Sqrt(2 + Math.Cos(z));
        double d = Math.Tanh(a - c) * Math.Atan(b * z);
        double e = Math.Pow(1.5 + b * b, 0.75) + Math.Sinh(0.1 * d);
        return d * e;
    }
}
