using System;

namespace AutoDiff.Benchmarks;

/// <summary>
/// Central finite differences, the gradient you get without any derivative code: two evaluations of the function
/// per component. Allocation-free: each component is perturbed in place in the caller's own parameter storage
/// (which the function reads) and restored.
/// </summary>
public static class CentralDifferences
{
    /// <summary>The step relative to the component's magnitude: <c>h = 1e-6 · max(1, |x_i|)</c>, as GradCheck's default.</summary>
    public const double RelativeStep = 1e-6;

    /// <summary>Sets <c>gradient[i]</c> to the central difference of <paramref name="f"/> in <c>point[i]</c>, for every i.</summary>
    /// <param name="point">The parameters <paramref name="f"/> reads; perturbed one at a time and restored.</param>
    public static void Gradient(Span<double> point, Func<double> f, Span<double> gradient)
    {
        for (int i = 0; i < point.Length; i++)
        {
            gradient[i] = Partial(ref point[i], f);
        }
    }

    /// <summary>The central difference of <paramref name="f"/> in one parameter, which <paramref name="f"/> reads; restored on return.</summary>
    public static double Partial(ref double parameter, Func<double> f)
    {
        double original = parameter;
        double h = RelativeStep * Math.Max(1.0, Math.Abs(original));
        double plus = original + h;
        double minus = original - h;
        parameter = plus;
        double fPlus = f();
        parameter = minus;
        double fMinus = f();
        parameter = original;

        // Divide by the step actually taken after rounding.
        return (fPlus - fMinus) / (plus - minus);
    }
}
