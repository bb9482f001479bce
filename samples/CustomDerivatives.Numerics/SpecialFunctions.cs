using System;

namespace Numerics;

/// <summary>Special functions, computed by series and continued fractions (a stand-in for any numerics library).</summary>
public static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>The error function, erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt, to about 1e-15.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        var a = Math.Abs(x);
        var value = a < 2.5 ? ErfSeries(a) : 1 - ErfcContinuedFraction(a);
        return x < 0 ? -value : value;
    }

    /// <summary>The standard normal cumulative distribution function, Phi(x) = (1 + erf(x / sqrt 2)) / 2.</summary>
    public static double NormalCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)), for 0 <= x < 2.5.
    private static double ErfSeries(double x)
    {
        double sum = 0, term = x;
        for (var n = 0; n < 200; n++)
        {
            var contribution = term / (2 * n + 1);
            sum += contribution;
            if (Math.Abs(contribution) < 1e-17 * Math.Abs(sum))
            {
                break;
            }

            term *= -x * x / (n + 1);
        }

        return TwoOverSqrtPi * sum;
    }

    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), for x >= 2.5, evaluated bottom-up.
    private static double ErfcContinuedFraction(double x)
    {
        var fraction = x;
        for (var k = 80; k >= 1; k--)
        {
            fraction = x + k / 2.0 / fraction;
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / fraction;
    }
}
