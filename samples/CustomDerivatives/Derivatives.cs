using System;
using AutoDiff;
using Numerics;

namespace CustomDerivatives;

/// <summary>
/// A derivative for a function of another assembly (CustomDerivatives.Numerics), which the generator cannot see
/// into: with it, every [Differentiable] method of this project that calls <see cref="SpecialFunctions.NormalCdf"/>
/// can be differentiated, like a <c>torch.autograd.Function</c> whose <c>backward</c> you write yourself.
/// </summary>
public static class LibraryDerivatives
{
    private const double InverseSqrtTwoPi = 0.3989422804014327;

    /// <summary>
    /// d/dx Phi(x) = phi(x) = exp(-x^2/2) / sqrt(2 pi), the standard normal density. The signature follows the backward
    /// convention: the target's parameters, <c>seed</c>, then one <c>out</c> gradient per parameter; it returns the value.
    /// </summary>
    [DerivativeOf(typeof(SpecialFunctions), nameof(SpecialFunctions.NormalCdf))]
    public static double NormalCdfBackward(double x, double seed, out double gradX)
    {
        gradX = seed * InverseSqrtTwoPi * Math.Exp(-0.5 * x * x);
        return SpecialFunctions.NormalCdf(x);
    }
}

/// <summary>Kepler's equation, solved by Newton's method, with its derivative by the implicit function theorem.</summary>
public static class Orbit
{
    /// <summary>
    /// The eccentric anomaly E of an elliptic orbit: the root of Kepler's equation E - e sin E = M for the mean anomaly
    /// M and the eccentricity 0 &lt;= e &lt; 1. An iterative solver: differentiating its iterations would be slow and
    /// only approximately right, so <see cref="EccentricAnomalyBackward"/> gives the exact derivative instead.
    /// </summary>
    public static double EccentricAnomaly(double meanAnomaly, double eccentricity)
    {
        var e = eccentricity >= 0.8 ? Math.PI : meanAnomaly;
        for (var i = 0; i < 50; i++)
        {
            var step = (e - eccentricity * Math.Sin(e) - meanAnomaly) / (1 - eccentricity * Math.Cos(e));
            e -= step;
            if (Math.Abs(step) < 1e-15)
            {
                break;
            }
        }

        return e;
    }

    /// <summary>
    /// Differentiating E - e sin E = M implicitly: dE/dM = 1 / (1 - e cos E) and dE/de = sin E / (1 - e cos E).
    /// </summary>
    [DerivativeOf(nameof(EccentricAnomaly))]
    public static double EccentricAnomalyBackward(double meanAnomaly, double eccentricity, double seed, out double gradMeanAnomaly, out double gradEccentricity)
    {
        var anomaly = EccentricAnomaly(meanAnomaly, eccentricity);
        var slope = 1 - eccentricity * Math.Cos(anomaly);
        gradMeanAnomaly = seed / slope;
        gradEccentricity = seed * Math.Sin(anomaly) / slope;
        return anomaly;
    }
}
