using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace AutoDiff.Benchmarks;

/// <summary>
/// The job of the kernel benchmarks: short enough that the whole suite runs in about ten minutes on two cores, long
/// enough to be stable there: two processes (the JIT's code layout differs between processes), each with 4 warm-up
/// and 20 measured iterations of about 200 ms. We quote medians, which a noisy machine disturbs less than means.
/// </summary>
public sealed class KernelConfig : ManualConfig
{
    public KernelConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(2)
            .WithWarmupCount(4)
            .WithIterationCount(20)
            .WithIterationTime(TimeInterval.FromMilliseconds(200))
            .WithId("Kernels"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, CategoriesColumn.Default);
        HideColumns(Column.Error, Column.StdDev);
        Orderer = new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared);
    }
}

/// <summary>
/// The job of the generator benchmarks: one generator run per iteration (a cold run takes hundreds of milliseconds,
/// and an edit must start from the same warm driver each time), 3 warm-up and 15 measured iterations.
/// </summary>
public sealed class GeneratorConfig : ManualConfig
{
    public GeneratorConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Generator"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        HideColumns(Column.Error, Column.StdDev);
    }
}
