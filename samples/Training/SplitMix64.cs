using System;

namespace Training;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny random generator that gives the same numbers on every runtime
/// and is easy to write again in another language. The PyTorch benchmark script
/// (<c>tests/AutoDiff.Benchmarks/Training/torch_epoch.py</c>) has the same generator, so it draws the same split,
/// initial weights and batch order as this sample.
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    /// <summary>A generator started from <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed.</param>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong Next()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        ulong z = _state;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A double uniform in <c>[0, 1)</c>: the top 53 bits of <see cref="Next"/>.</summary>
    /// <returns>The value.</returns>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A double uniform in <c>[low, high)</c>.</summary>
    /// <param name="low">The lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <returns>The value.</returns>
    public double NextUniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher-Yates, from the last element down).</summary>
    /// <param name="values">The values.</param>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = (int)(Next() % (ulong)(i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
