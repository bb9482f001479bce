// samples/Losses: the loss functions PyTorch users reach for, written as plain loops over spans and differentiated at
// compile time: mean squared error, Huber, binary cross-entropy with logits and softmax cross-entropy (Losses.cs).
//
//   dotnet run --project samples/Losses
//
// For each loss the program calls the generated backward method at a random point, compares the gradient with central
// finite differences and with AutoDiff.GradCheck, prints a table, and exits with 1 when any check fails.
using System;
using System.Collections.Generic;
using System.Globalization;
using AutoDiff;

namespace Losses;

public static class Program
{
    private const double Step = 1e-6;
    private const double Tolerance = 1e-6;

    private sealed record Case(string Name, Func<double[], double> Loss, GradientFunc Backward, double[] Point);

    public static int Main()
    {
        var random = new Random(7);
        double[] Uniform(int n, double low, double high)
        {
            var values = new double[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = low + (high - low) * random.NextDouble();
            }

            return values;
        }

        // Regression: 8 predictions against targets, residuals up to 3 so that Huber (delta = 1) takes both branches.
        var targets = Uniform(8, -1, 1);
        var predictions = Uniform(8, -3, 3);

        // Binary classification: 8 logits, labels 0 or 1.
        var logits = Uniform(8, -4, 4);
        var labels = new double[8];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(2);
        }

        // Multi-class: 4 rows of 5 logits, one-hot targets.
        const int classes = 5;
        var classLogits = Uniform(4 * classes, -3, 3);
        var oneHot = new double[4 * classes];
        for (int row = 0; row < 4; row++)
        {
            oneHot[row * classes + random.Next(classes)] = 1;
        }

        const double delta = 1.0;
        var cases = new List<Case>
        {
            new("MSE", p => Loss.MeanSquaredError(p, targets),
                (p, seed, g) => Loss.MeanSquaredErrorBackward(p, targets, seed, g), predictions),
            new("Huber (delta = 1)", p => Loss.Huber(p, targets, delta),
                (p, seed, g) => Loss.HuberBackward(p, targets, delta, seed, g), predictions),
            new("BCE with logits", p => Loss.BinaryCrossEntropyWithLogits(p, labels),
                (p, seed, g) => Loss.BinaryCrossEntropyWithLogitsBackward(p, labels, seed, g), logits),
            new("Softmax cross-entropy", p => Loss.SoftmaxCrossEntropy(p, oneHot, classes),
                (p, seed, g) => Loss.SoftmaxCrossEntropyBackward(p, oneHot, classes, seed, g), classLogits),
        };

        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(culture, "{0,-24} {1,3} {2,20} {3,22} {4,14} {5,10}", "loss", "n", "value", "max |grad - FD|", "FD check", "GradCheck"));
        bool ok = true;
        var failures = new List<GradCheckResult>();
        foreach (var c in cases)
        {
            var gradient = new double[c.Point.Length];
            double value = c.Backward(c.Point, 1.0, gradient);
            double worst = 0;
            bool fdOk = Math.Abs(value - c.Loss(c.Point)) <= Tolerance;
            for (int i = 0; i < c.Point.Length; i++)
            {
                double numeric = CentralDifference(c.Loss, c.Point, i);
                double error = Math.Abs(gradient[i] - numeric);
                worst = Math.Max(worst, error);
                fdOk &= error <= Tolerance * Math.Max(1, Math.Abs(numeric));
            }

            var report = GradCheck.Check(c.Loss, c.Backward, c.Point);
            if (!report.Passed)
            {
                failures.Add(report);
            }

            ok &= fdOk && report.Passed;
            Console.WriteLine(string.Format(culture, "{0,-24} {1,3} {2,20:R} {3,22:0.00e+00} {4,14} {5,10}",
                c.Name, c.Point.Length, value, worst, fdOk ? "ok" : "MISMATCH", report.Passed ? "ok" : "FAILED"));
        }

        foreach (var report in failures)
        {
            Console.WriteLine();
            Console.Write(report);
        }

        Console.WriteLine();
        Console.WriteLine(ok ? "All loss gradients agree with finite differences." : "Loss gradient check FAILED.");
        return ok ? 0 : 1;
    }

    // (f(x + h e_i) - f(x - h e_i)) / 2h with h = 1e-6 max(1, |x_i|), divided by the step actually taken.
    private static double CentralDifference(Func<double[], double> f, double[] point, int i)
    {
        var x = (double[])point.Clone();
        double h = Step * Math.Max(1, Math.Abs(point[i]));
        double plus = point[i] + h;
        double minus = point[i] - h;
        x[i] = plus;
        double fPlus = f(x);
        x[i] = minus;
        double fMinus = f(x);
        return (fPlus - fMinus) / (plus - minus);
    }
}
