using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CsCheck;
using Xunit;

namespace AutoDiff.Runtime.Tests;

/// <summary>Tests of <see cref="Tape{T}"/>, the LIFO tape that generated backward methods use.</summary>
public class TapeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    public void SmallCountsFitTheStackBufferAndComeBackInReverseOrder(int count)
    {
        var tape = new Tape<double>(stackalloc double[8]);
        try
        {
            for (int i = 0; i < count; i++)
            {
                tape.Push(i + 0.5);
                Assert.Equal(i + 1, tape.Count);
            }

            for (int i = count - 1; i >= 0; i--)
            {
                Assert.Equal(i + 0.5, tape.Pop());
                Assert.Equal(i, tape.Count);
            }
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void ValuesThatFitAreStoredInTheCallersBuffer()
    {
        var storage = new int[4];
        var tape = new Tape<int>(storage);
        try
        {
            tape.Push(7);
            tape.Push(8);
            tape.Push(9);
            Assert.Equal(new[] { 7, 8, 9, 0 }, storage);
            Assert.Equal(9, tape.Pop());
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Theory]
    [InlineData(0, 17)]
    [InlineData(0, 10_000)]
    [InlineData(1, 2)]
    [InlineData(4, 5)]
    [InlineData(4, 10_000)]
    [InlineData(64, 65)]
    [InlineData(64, 100_000)]
    public void LargeCountsGrowAcrossSeveralDoublingsAndKeepLifoOrder(int initialLength, int count)
    {
        var tape = new Tape<double>(stackalloc double[initialLength]);
        try
        {
            for (int i = 0; i < count; i++)
            {
                tape.Push(Value(i));
            }

            Assert.Equal(count, tape.Count);
            for (int i = count - 1; i >= 0; i--)
            {
                Assert.Equal(Value(i), tape.Pop());
            }

            Assert.Equal(0, tape.Count);
        }
        finally
        {
            tape.Dispose();
        }

        static double Value(int i) => (i * 1.25) - 3;
    }

    [Fact]
    public void GrowingFromAnEmptySpanWorks()
    {
        var tape = new Tape<long>(Span<long>.Empty);
        try
        {
            for (long i = 0; i < 1000; i++)
            {
                tape.Push(i * i);
            }

            for (long i = 999; i >= 0; i--)
            {
                Assert.Equal(i * i, tape.Pop());
            }
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void DefaultTapeIsAnEmptyTapeThatGrows()
    {
        Tape<int> tape = default;
        try
        {
            Assert.Equal(0, tape.Count);
            tape.Push(1);
            tape.Push(2);
            Assert.Equal(2, tape.Pop());
            Assert.Equal(1, tape.Pop());
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void InterleavedPushAndPopKeepsLifoOrderAcrossGrowth()
    {
        // Push i values, pop half of them, repeat: the live prefix must survive each growth.
        var tape = new Tape<int>(stackalloc int[3]);
        var expected = new Stack<int>();
        try
        {
            int next = 0;
            for (int round = 1; round <= 40; round++)
            {
                for (int k = 0; k < round; k++)
                {
                    tape.Push(next);
                    expected.Push(next);
                    next++;
                }

                for (int k = 0; k < round / 2; k++)
                {
                    Assert.Equal(expected.Pop(), tape.Pop());
                }

                Assert.Equal(expected.Count, tape.Count);
            }

            while (expected.Count > 0)
            {
                Assert.Equal(expected.Pop(), tape.Pop());
            }

            Assert.Equal(0, tape.Count);
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void PushPopPushReusesTheSameSlot()
    {
        var tape = new Tape<float>(stackalloc float[1]);
        try
        {
            tape.Push(1f);
            Assert.Equal(1f, tape.Pop());
            tape.Push(2f);
            tape.Push(3f);
            Assert.Equal(3f, tape.Pop());
            tape.Push(4f);
            Assert.Equal(4f, tape.Pop());
            Assert.Equal(2f, tape.Pop());
            Assert.Equal(0, tape.Count);
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void PoppingAnEmptyTapeThrows()
    {
        var tape = new Tape<double>(stackalloc double[4]);
        try
        {
            Assert.True(PopThrows(ref tape));
            tape.Push(1);
            Assert.Equal(1, tape.Pop());
            Assert.True(PopThrows(ref tape));
            Assert.Equal(0, tape.Count);
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void PoppingAnEmptyTapeAfterGrowthThrows()
    {
        var tape = new Tape<double>(Span<double>.Empty);
        try
        {
            for (int i = 0; i < 100; i++)
            {
                tape.Push(i);
            }

            for (int i = 0; i < 100; i++)
            {
                tape.Pop();
            }

            Assert.True(PopThrows(ref tape));
            Assert.Equal(0, tape.Count);
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void PoppingTheDefaultTapeThrows()
    {
        Tape<bool> tape = default;
        Assert.True(PopThrows(ref tape));
    }

    [Fact]
    public void DisposeTwiceDoesNotThrowAndLeavesTheTapeEmpty()
    {
        var tape = new Tape<double>(stackalloc double[2]);
        for (int i = 0; i < 50; i++)
        {
            tape.Push(i);
        }

        tape.Dispose();
        Assert.Equal(0, tape.Count);
        tape.Dispose();
        Assert.Equal(0, tape.Count);
        Assert.True(PopThrows(ref tape));

        var small = new Tape<double>(stackalloc double[2]);
        small.Push(1);
        small.Dispose();
        small.Dispose();
        Assert.Equal(0, small.Count);
    }

    [Fact]
    public void UsingVarWorksWithTheTape()
    {
        int count;
        double last;
        using (var tape = new Tape<double>(stackalloc double[2]))
        {
            tape.Push(1);
            tape.Push(2);
            tape.Push(3);
            count = tape.Count;
            last = tape.Pop();
        }

        Assert.Equal(3, count);
        Assert.Equal(3, last);
    }

    /// <summary>A type no other test rents, so that its shared pool holds only what the tape returned.</summary>
    private readonly record struct PoolMarker(int Value);

    [Fact]
    public void DisposeAndGrowthReturnEveryRentedArrayToThePool()
    {
        // From an empty span, 100 pushes rent arrays of 16, 32, 64 and 128 elements; growth returns the
        // first three and Dispose the last. ArrayPool<T>.Shared keeps a returned array in a per-thread
        // slot per size, and the values pushed are still in it (the tape does not clear unmanaged data),
        // so renting each size again on this thread must give back an array holding the pushed values.
        const int count = 100;
        FillAndDisposeAfterThrowing(count);

        foreach (int length in new[] { 16, 32, 64, 128 })
        {
            PoolMarker[] array = ArrayPool<PoolMarker>.Shared.Rent(length);
            try
            {
                Assert.Equal(length, array.Length);
                int filled = Math.Min(length, count);
                for (int i = 0; i < filled; i++)
                {
                    Assert.Equal(new PoolMarker(i + 1), array[i]);
                }
            }
            finally
            {
                ArrayPool<PoolMarker>.Shared.Return(array);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FillAndDisposeAfterThrowing(int count)
    {
        // The shape of generated code: the body in try, Dispose in finally, an exception mid-sweep.
        try
        {
            var tape = new Tape<PoolMarker>(Span<PoolMarker>.Empty);
            try
            {
                for (int i = 0; i < count; i++)
                {
                    tape.Push(new PoolMarker(i + 1));
                }

                throw new InvalidOperationException("boom");
            }
            finally
            {
                tape.Dispose();
            }
        }
        catch (InvalidOperationException e) when (e.Message == "boom")
        {
        }
    }

    [Fact]
    public void StackallocTapeOf256With200PushesAllocatesNothing()
    {
        double expected = PushAndPop200();
        long before = GC.GetAllocatedBytesForCurrentThread();
        double actual = PushAndPop200();
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
        Assert.Equal(expected, actual);
        Assert.Equal(199 * 200 / 2 * 0.5, actual);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double PushAndPop200()
    {
        var tape = new Tape<double>(stackalloc double[256]);
        try
        {
            for (int i = 0; i < 200; i++)
            {
                tape.Push(i * 0.5);
            }

            double sum = 0;
            while (tape.Count > 0)
            {
                sum += tape.Pop();
            }

            return sum;
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void GrowthAllocatesNothingOnceThePoolIsWarm()
    {
        // Pushes never allocate themselves; growth rents from the pool, which after a warm-up call
        // serves every size from what the previous call returned.
        long expected = PushAndPopGrowing(5000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long actual = PushAndPopGrowing(5000);
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
        Assert.Equal(expected, actual);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long PushAndPopGrowing(int count)
    {
        var tape = new Tape<long>(stackalloc long[8]);
        try
        {
            for (int i = 0; i < count; i++)
            {
                tape.Push(i);
            }

            long sum = 0;
            while (tape.Count > 0)
            {
                sum = (sum * 31) + tape.Pop();
            }

            return sum;
        }
        finally
        {
            tape.Dispose();
        }
    }

    [Fact]
    public void MatchesStackForRandomSequencesOfDouble() => MatchesStack(Gen.Double);

    [Fact]
    public void MatchesStackForRandomSequencesOfFloat() => MatchesStack(Gen.Float);

    [Fact]
    public void MatchesStackForRandomSequencesOfInt() => MatchesStack(Gen.Int);

    [Fact]
    public void MatchesStackForRandomSequencesOfBool() => MatchesStack(Gen.Bool);

    /// <summary>
    /// Random sequences of pushes (60%) and pops (40%, including pops of an empty tape, which must throw)
    /// against <see cref="Stack{T}"/>, from an initial stackalloc'd buffer of random length 0 to 40, then
    /// draining what remains; values are compared bit for bit.
    /// </summary>
    private static void MatchesStack<T>(Gen<T> values)
        where T : unmanaged
    {
        Gen<(int Initial, (int Kind, T Value)[] Operations)> cases =
            Gen.Select(Gen.Int[0, 40], Gen.Select(Gen.Int[0, 9], values).Array[0, 700]);

        cases.Sample(c =>
        {
            var tape = new Tape<T>(stackalloc T[c.Initial]);
            var stack = new Stack<T>();
            try
            {
                foreach ((int kind, T value) in c.Operations)
                {
                    if (kind < 6)
                    {
                        tape.Push(value);
                        stack.Push(value);
                    }
                    else if (stack.Count > 0)
                    {
                        AssertSameBits(stack.Pop(), tape.Pop());
                    }
                    else
                    {
                        Assert.True(PopThrows(ref tape));
                    }

                    Assert.Equal(stack.Count, tape.Count);
                }

                while (stack.Count > 0)
                {
                    AssertSameBits(stack.Pop(), tape.Pop());
                }

                Assert.Equal(0, tape.Count);
                Assert.True(PopThrows(ref tape));
            }
            finally
            {
                tape.Dispose();
            }
        });
    }

    private static void AssertSameBits<T>(T expected, T actual)
        where T : unmanaged
    {
        ReadOnlySpan<byte> e = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref expected, 1));
        ReadOnlySpan<byte> a = MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref actual, 1));
        Assert.True(e.SequenceEqual(a), $"expected {expected}, got {actual}");
    }

    private static bool PopThrows<T>(ref Tape<T> tape)
        where T : unmanaged
    {
        int count = tape.Count;
        try
        {
            tape.Pop();
            return false;
        }
        catch (InvalidOperationException)
        {
            Assert.Equal(count, tape.Count);
            return true;
        }
    }
}
