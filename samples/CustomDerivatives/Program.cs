// Custom derivatives: [DerivativeOf] for functions the generator cannot differentiate.
//
//   dotnet run --project samples/CustomDerivatives
//
// Two losses call functions without a derivative the generator knows: SpecialFunctions.NormalCdf from another
// assembly (samples/CustomDerivatives.Numerics, a plain library), and Orbit.EccentricAnomaly, an iterative solver of
// this project. Derivatives.cs registers a hand-written derivative for each with [DerivativeOf]; the generated
// backward methods of the losses call them. GradCheck checks the registered derivatives and the generated
// backward methods against finite differences. The program exits with 1 if any check fails.
using System;
using System.Globalization;
using AutoDiff;
using Numerics;

namespace CustomDerivatives;

public static partial class Losses
{
    /// <summary>
    /// The negative log-likelihood of a probit model, P(label = 1) = Phi(w x + b), at one data point: the classic
    /// alternative to logistic regression, with the normal CDF of the numerics library in place of the sigmoid.
    /// </summary>
    [Differentiable]
    public static double ProbitLoss(double w, double b, [NoGrad] double x, [NoGrad] bool label)
    {
        var p = SpecialFunctions.NormalCdf(w * x + b);
        return label ? -Math.Log(p) : -Math.Log(1 - p);
    }

    /// <summary>
    /// The squared error of the orbital radius r = a (1 - e cos E) predicted at mean anomaly M against an observed
    /// radius, as a function of the semi-major axis a and the eccentricity e (the orbit's parameters to fit).
    /// </summary>
    [Differentiable]
    public static double RadiusError(double a, double e, [NoGrad] double meanAnomaly, [NoGrad] double observed)
    {
        var anomaly = Orbit.EccentricAnomaly(meanAnomaly, e);
        var radius = a * (1 - e * Math.Cos(anomaly));
        var error = radius - observed;
        return error * error;
    }
}

public static class Program
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // A small probit data set: label = 1 mostly for x > 0.5.
    private static readonly double[] s_x = { -2.0, -1.0, -0.5, 0.0, 0.4, 0.7, 1.0, 1.5, 2.5, 0.2 };
    private static readonly bool[] s_label = { false, false, false, false, true, true, true, true, true, true };

    public static int Main()
    {
        var ok = true;

        Console.WriteLine("1. The registered derivatives themselves, against finite differences:");
        ok &= Report("NormalCdf (CustomDerivatives.Numerics)", GradCheck.CheckAtRandomPoints(
            SpecialFunctions.NormalCdf, LibraryDerivatives.NormalCdfBackward, count: 20, low: -4, high: 4, seed: 1));
        foreach (var (m, e) in new[] { (0.3, 0.1), (1.2, 0.5), (2.9, 0.85), (-1.0, 0.3) })
        {
            ok &= Report(string.Format(Invariant, "Orbit.EccentricAnomaly at M = {0}, e = {1}", m, e),
                GradCheck.Check(Orbit.EccentricAnomaly, Orbit.EccentricAnomalyBackward, m, e));
        }

        Console.WriteLine();
        Console.WriteLine("2. The generated backward methods of the losses that call them:");
        for (var i = 0; i < s_x.Length; i += 3)
        {
            var x = s_x[i];
            var label = s_label[i];
            ok &= Report(string.Format(Invariant, "ProbitLoss at x = {0}, label = {1}", x, label), GradCheck.Check(
                (w, b) => Losses.ProbitLoss(w, b, x, label),
                (double w, double b, double seed, out double gradW, out double gradB) => Losses.ProbitLossBackward(w, b, x, label, seed, out gradW, out gradB),
                0.8, -0.3));
        }

        foreach (var (m, observed) in new[] { (0.5, 0.9), (2.0, 1.6) })
        {
            ok &= Report(string.Format(Invariant, "RadiusError at M = {0}, observed r = {1}", m, observed), GradCheck.Check(
                (a, e) => Losses.RadiusError(a, e, m, observed),
                (double a, double e, double seed, out double gradA, out double gradE) => Losses.RadiusErrorBackward(a, e, m, observed, seed, out gradA, out gradE),
                1.2, 0.4));
        }

        Console.WriteLine();
        Console.WriteLine("3. Fitting the probit model by gradient descent on the mean loss:");
        double wFit = 0, bFit = 0;
        Console.WriteLine(string.Format(Invariant, "   start:     w = {0:F4}, b = {1:F4}, mean loss = {2:F6}", wFit, bFit, MeanProbitLoss(wFit, bFit, out _, out _)));
        for (var step = 0; step < 300; step++)
        {
            MeanProbitLoss(wFit, bFit, out var gradW, out var gradB);
            wFit -= 0.5 * gradW;
            bFit -= 0.5 * gradB;
        }

        var loss = MeanProbitLoss(wFit, bFit, out var finalGradW, out var finalGradB);
        Console.WriteLine(string.Format(Invariant, "   300 steps: w = {0:F4}, b = {1:F4}, mean loss = {2:F6}, |gradient| = {3:E2}",
            wFit, bFit, loss, Math.Sqrt(finalGradW * finalGradW + finalGradB * finalGradB)));
        var start = MeanProbitLoss(0, 0, out _, out _);
        if (!(loss < start))
        {
            Console.WriteLine("   the loss did not decrease");
            ok = false;
        }

        Console.WriteLine();
        Console.WriteLine(ok ? "All gradient checks passed." : "A gradient check FAILED.");
        return ok ? 0 : 1;
    }

    // The mean loss over the data set and its gradient: one generated backward call per point, gradients summed.
    private static double MeanProbitLoss(double w, double b, out double gradW, out double gradB)
    {
        double sum = 0;
        gradW = 0;
        gradB = 0;
        for (var i = 0; i < s_x.Length; i++)
        {
            sum += Losses.ProbitLossBackward(w, b, s_x[i], s_label[i], 1.0 / s_x.Length, out var dw, out var db);
            gradW += dw;
            gradB += db;
        }

        return sum / s_x.Length;
    }

    private static bool Report(string what, GradCheckResult result)
    {
        Console.WriteLine(string.Format(Invariant, "   {0,-50} {1}", what, result.Passed ? "passed" : "FAILED"));
        if (!result.Passed)
        {
            Console.Write(result);
        }

        return result.Passed;
    }
}
