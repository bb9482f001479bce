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
