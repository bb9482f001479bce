using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace AutoDiff.Benchmarks;

/// <summary>The kernels at the sizes the benchmarks run, as the check mode and the tests see them.</summary>
public static class KernelCatalog
{
    public static IReadOnlyList<IGradientKernel> All() => new IGradientKernel[]
    {
        new RosenbrockProblem(2),
        new RosenbrockProblem(100),
        new RosenbrockProblem(10_000),
        new LogisticRegressionProblem(m: 1000, d: 10),
        new MlpProblem(inputs: 10, hidden: 32, batch: 64),
        new MathChainProblem(),
    };
}

/// <summary>
/// One comparison of two gradients (or values) of a kernel: the largest error over the components measured in
/// units of the tolerance (<c>|a - b| / (atol + rtol · |b|)</c>, so it passes at or below 1) and where it is.
/// </summary>
public sealed record KernelCheckRow(string Kernel, string Comparison, double WorstRatio, int WorstIndex, double A, double B)
{
    public bool Passed => WorstRatio <= 1;
}

/// <summary>
/// Compares, for every kernel, the hand-written gradient, the generated gradient and central finite differences, and
/// the values they return. The hand-written gradients are the benchmark's baseline, so they are checked too.
/// </summary>
public static class GradientCheck
{
    // Central differences with h = 1e-6 max(1, |x|) are off by about eps |f| / h from rounding in f (plus O(h^2)):
    // an absolute tolerance proportional to |f| with a 100x margin, and a relative one for large components.
    private const double FiniteDifferenceRelative = 1e-6;
    private const double FiniteDifferenceAbsolutePerValue = 1e-8;

    // Two analytic gradients of the same formulas differ only by the order of floating-point operations.
    private const double AnalyticRelative = 1e-10;
    private const double AnalyticAbsolutePerScale = 1e-12;

    public static List<KernelCheckRow> Check(IGradientKernel kernel)
    {
        int n = kernel.Dimension;
        var hand = new double[n];
        var generated = new double[n];
        var numeric = new double[n];
        double primal = kernel.Primal();
        double handValue = kernel.HandWritten(1.0, hand);
        kernel.FiniteDifferences(numeric);

        double valueScale = Math.Max(1, Math.Abs(primal));
        double gradientScale = Math.Max(1, MaxAbs(hand));
        double generatedValue = kernel.Generated(1.0, generated);
        return new List<KernelCheckRow>
        {
            Compare(kernel.Name, "value: hand-written vs primal", new[] { handValue }, new[] { primal }, AnalyticAbsolutePerScale * valueScale, AnalyticRelative),
            Compare(kernel.Name, "gradient: hand-written vs finite differences", hand, numeric, FiniteDifferenceAbsolutePerValue * valueScale, FiniteDifferenceRelative),
            Compare(kernel.Name, "value: generated vs primal", new[] { generatedValue }, new[] { primal }, AnalyticAbsolutePerScale * valueScale, AnalyticRelative),
            Compare(kernel.Name, "gradient: generated vs finite differences", generated, numeric, FiniteDifferenceAbsolutePerValue * valueScale, FiniteDifferenceRelative),
            Compare(kernel.Name, "gradient: generated vs hand-written", generated, hand, AnalyticAbsolutePerScale * gradientScale, AnalyticRelative),
        };
    }

    /// <summary>Checks every kernel and writes a table; returns 0 when all comparisons pass, 1 otherwise.</summary>
    public static int Run(TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        bool ok = true;
        output.WriteLine("Gradient self-check: hand-written vs generated vs central finite differences (error in units of the tolerance; <= 1 passes)");
        output.WriteLine();
        output.WriteLine(string.Format(culture, "{0,-32} {1,-46} {2,10} {3,6} {4,24} {5,24}  {6}", "kernel", "comparison", "error/tol", "index", "a", "b", "result"));
        foreach (var kernel in KernelCatalog.All())
        {
            foreach (var row in Check(kernel))
            {
                ok &= row.Passed;
                output.WriteLine(string.Format(culture, "{0,-32} {1,-46} {2,10:G3} {3,6} {4,24:R} {5,24:R}  {6}",
                    row.Kernel, row.Comparison, row.WorstRatio, row.WorstIndex, row.A, row.B, row.Passed ? "ok" : "MISMATCH"));
            }
        }

        output.WriteLine();
        output.WriteLine(ok ? "All gradients agree." : "Gradient check FAILED.");
        return ok ? 0 : 1;
    }

    private static KernelCheckRow Compare(string kernel, string comparison, double[] a, double[] b, double absolute, double relative)
    {
        double worst = -1;
        int worstIndex = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double ratio = Math.Abs(a[i] - b[i]) / (absolute + relative * Math.Abs(b[i]));
            if (double.IsNaN(ratio) || double.IsInfinity(a[i]) || double.IsInfinity(b[i]))
            {
                ratio = double.PositiveInfinity;
            }

            if (ratio > worst)
            {
                worst = ratio;
                worstIndex = i;
            }
        }

        return new KernelCheckRow(kernel, comparison, worst, worstIndex, a[worstIndex], b[worstIndex]);
    }

    private static double MaxAbs(double[] values)
    {
        double max = 0;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
