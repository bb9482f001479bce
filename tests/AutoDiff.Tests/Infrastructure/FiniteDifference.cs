using System;
using System.Globalization;
using System.Linq;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>Central finite differences with a relative step, and the tolerance check the gradient tests use.</summary>
public static class FiniteDifference
{
    /// <summary>The step for double: h = 1e-6 * max(1, |x|), which balances truncation (h^2) and rounding (eps / h) error.</summary>
    public static double DoubleStep(double x) => 1e-6 * Math.Max(1.0, Math.Abs(x));

    /// <summary>The step for float: h = 1e-3 * max(1, |x|) (float's epsilon is about 1.2e-7).</summary>
    public static double FloatStep(double x) => 1e-3 * Math.Max(1.0, Math.Abs(x));

    /// <summary>
    /// The gradient of <paramref name="f"/> at <paramref name="x"/> by central differences (f(x + h e_i) - f(x - h e_i)) / 2h.
    /// The step is rounded so that x + h and x - h are exact in the parameter's precision.
    /// </summary>
    public static double[] Gradient(Func<double[], double> f, double[] x, bool isFloat = false)
        => Gradient(f, x, x.Select(_ => isFloat).ToArray());

    /// <summary>Central differences where <paramref name="isFloat"/> says, per argument, whether it is a float.</summary>
    public static double[] Gradient(Func<double[], double> f, double[] x, bool[] isFloat)
    {
        var gradient = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var h = isFloat[i] ? FloatStep(x[i]) : DoubleStep(x[i]);
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[i] = isFloat[i] ? (float)(x[i] + h) : x[i] + h;
            minus[i] = isFloat[i] ? (float)(x[i] - h) : x[i] - h;
            gradient[i] = (f(plus) - f(minus)) / (plus[i] - minus[i]);
        }

        return gradient;
    }

    /// <summary>True when |actual - expected| &lt;= absolute + relative * max(|actual|, |expected|); both NaN or equal infinities also match.</summary>
    public static bool Close(double actual, double expected, double relative, double absolute)
    {
        if (actual.Equals(expected))
        {
            return true; // equal, both NaN, or the same infinity
        }

        if (double.IsNaN(actual) || double.IsNaN(expected) || double.IsInfinity(actual) || double.IsInfinity(expected))
        {
            return false;
        }

        return Math.Abs(actual - expected) <= absolute + relative * Math.Max(Math.Abs(actual), Math.Abs(expected));
    }

    /// <summary>The indices where two vectors differ beyond the tolerance, as a message, or null when all are close.</summary>
    public static string? Compare(string what, double[] actual, double[] expected, double relative, double absolute)
    {
        if (actual.Length != expected.Length)
        {
            return $"{what}: {actual.Length} components, expected {expected.Length}";
        }

        var bad = Enumerable.Range(0, actual.Length).Where(i => !Close(actual[i], expected[i], relative, absolute)).ToList();
        return bad.Count == 0
            ? null
            : $"{what}: " + string.Join("; ", bad.Select(i => $"[{i}] got {R(actual[i])}, expected {R(expected[i])} (rel {relative:g2}, abs {absolute:g2})"));
    }

    /// <summary>A double in round-trip form.</summary>
    public static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
