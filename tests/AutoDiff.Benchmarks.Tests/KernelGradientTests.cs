using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Benchmarks;
using Xunit;

namespace AutoDiff.Benchmarks.Tests;

/// <summary>
/// The gradients the benchmarks compare: the hand-written baseline and the generated backward methods against
/// central finite differences and each other, at the sizes the benchmarks run.
/// </summary>
public sealed class KernelGradientTests
{
    public static TheoryData<string> Kernels() => new(KernelCatalog.All().Select(k => k.Name));

    private static IGradientKernel Kernel(string name) => KernelCatalog.All().Single(k => k.Name == name);

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Every_comparison_of_the_self_check_passes(string name)
    {
        var rows = GradientCheck.Check(Kernel(name));

        Assert.Contains(rows, r => r.Comparison == "gradient: hand-written vs finite differences");
        Assert.Contains(rows, r => r.Comparison == "gradient: generated vs hand-written");
        var failed = rows.Where(r => !r.Passed).ToList();
        Assert.True(failed.Count == 0, string.Join(Environment.NewLine, failed));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Hand_written_gradient_passes_GradCheck(string name)
    {
        var kernel = Kernel(name);
        var point = new double[kernel.Dimension];
        kernel.GetParameters(point);

        // Rounding in f puts an error of about eps |f| / h into each central difference: for Rosenbrock n = 10 000
        // (|f| ~ 2e6) that is 1e-4, above GradCheck's default atol of 1e-5. Scale atol with |f| as the self-check does.
        double value = kernel.Primal();
        var result = GradCheck.Check(
            p => { kernel.SetParameters(p); return kernel.Primal(); },
            (p, seed, gradient) => { kernel.SetParameters(p); return kernel.HandWritten(seed, gradient); },
            point,
            new GradCheckOptions { CheckAccumulation = true, AbsoluteTolerance = Math.Max(GradCheckOptions.DefaultAbsoluteTolerance, 1e-8 * Math.Abs(value)) });

        Assert.True(result.Passed, result.ToString());
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Generated_gradient_equals_hand_written(string name)
    {
        var kernel = Kernel(name);
        var generated = new double[kernel.Dimension];
        var hand = new double[kernel.Dimension];
        double generatedValue = kernel.Generated(2.0, generated);
        double handValue = kernel.HandWritten(2.0, hand);

        Assert.Equal(handValue, generatedValue, 1e-12 * Math.Max(1, Math.Abs(handValue)));
        double scale = Math.Max(1, hand.Max(Math.Abs));
        for (int i = 0; i < hand.Length; i++)
        {
            Assert.True(Math.Abs(generated[i] - hand[i]) <= 1e-10 * scale, $"component {i}: generated {generated[i]:R}, hand-written {hand[i]:R}");
        }
    }

    [Fact]
    public void Self_check_reports_a_gradient_that_is_off_by_one_part_in_ten_thousand()
    {
        var rows = GradientCheck.Check(new SkewedKernel(new MathChainProblem(), 1e-4));

        var row = Assert.Single(rows, r => r.Comparison == "gradient: hand-written vs finite differences");
        Assert.False(row.Passed);
        Assert.True(row.WorstRatio > 10, row.ToString());
        Assert.Contains(rows, r => r.Comparison == "gradient: generated vs hand-written" && !r.Passed);
    }

    [Fact]
    public void Synthetic_project_of_the_generator_benchmarks_generates_every_method_and_compiles()
    {
        var (ok, description) = SyntheticCompilation.Verify();

        Assert.True(ok, description);
        Assert.Equal("50 generated files, 1000 backward methods, 0 generator diagnostics, 0 compiler errors in the output", description);
    }

    /// <summary>A kernel whose hand-written gradient is wrong by a relative <c>skew</c>: what the check must catch.</summary>
    private sealed class SkewedKernel(IGradientKernel inner, double skew) : IGradientKernel
    {
        public string Name => inner.Name + " (skewed)";

        public int Dimension => inner.Dimension;

        public void GetParameters(Span<double> flat) => inner.GetParameters(flat);

        public void SetParameters(ReadOnlySpan<double> flat) => inner.SetParameters(flat);

        public double Primal() => inner.Primal();

        public double HandWritten(double seed, Span<double> gradient)
        {
            var exact = new double[gradient.Length];
            double value = inner.HandWritten(seed, exact);
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] += exact[i] * (1 + skew);
            }

            return value;
        }

        public double Generated(double seed, Span<double> gradient) => inner.Generated(seed, gradient);

        public double FiniteDifferences(Span<double> gradient) => inner.FiniteDifferences(gradient);
    }
}
