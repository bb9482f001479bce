using System;

namespace AutoDiff.Benchmarks;

/// <summary>Reproducible data for the kernels: <see cref="Random"/> with a fixed seed gives the same numbers on every run.</summary>
internal static class DataGenerator
{
    public static double[] Uniform(Random random, int length, double low, double high)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + (high - low) * random.NextDouble();
        }

        return values;
    }
}

/// <summary>Whether the kernels that need loops are [Differentiable] in this build (AUTODIFF_LOOPS, the AutoDiffLoops property).</summary>
internal static class LoopSupport
{
#if AUTODIFF_LOOPS
    public const bool Enabled = true;
#else
    public const bool Enabled = false;
#endif

    public static void NotGenerated(string kernel)
        => throw new NotSupportedException(kernel + ": built with AutoDiffLoops=false, the kernel is not [Differentiable] and has no generated backward method.");
}
