using System;
using BenchmarkDotNet.Attributes;
using static AutoDiff.Benchmarks.Kernels;

namespace AutoDiff.Benchmarks;

// Per kernel: the primal, the hand-written value and gradient (the baseline of the ratios), the generated backward
// method, and central finite differences. Gradient buffers are allocated once and accumulate across invocations, as
// gradients do in training between two zero_grad calls: the arithmetic is the same as into a zeroed buffer.

[Config(typeof(KernelConfig))]
[BenchmarkCategory("Rosenbrock")]
public class RosenbrockBenchmarks
{
    private RosenbrockProblem _problem = null!;
    private double[] _x = null!;
    private double[] _grad = null!;

    [Params(2, 100, 10_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _problem = new RosenbrockProblem(N);
        _x = _problem.X;
        _grad = new double[N];
    }

    [Benchmark]
    public double Primal() => Rosenbrock(_x);

    [Benchmark(Baseline = true)]
    public double HandWritten() => HandWrittenGradients.Rosenbrock(_x, 1.0, _grad);

    [Benchmark]
    public double Generated() => RosenbrockBackward(_x, 1.0, _grad);

    [Benchmark]
    public double FiniteDifferences() => _problem.FiniteDifferences(_grad);
}

[Config(typeof(KernelConfig))]
[BenchmarkCategory("LogisticRegression")]
public class LogisticRegressionBenchmarks
{
    private LogisticRegressionProblem _problem = null!;
    private double[] _w = null!;
    private double[] _x = null!;
    private double[] _y = null!;
    private double[] _grad = null!;
    private double _b;

    [GlobalSetup]
    public void Setup()
    {
        _problem = new LogisticRegressionProblem(m: 1000, d: 10);
        (_w, _b, _x, _y) = (_problem.W, _problem.B, _problem.X, _problem.Y);
        _grad = new double[_problem.Dimension];
    }

    [Benchmark]
    public double Primal() => LogisticRegression(_w, _b, _x, _y);

    [Benchmark(Baseline = true)]
    public double HandWritten() => HandWrittenGradients.LogisticRegression(_w, _b, _x, _y, 1.0, _grad.AsSpan(0, _w.Length), out _grad[_w.Length]);

    [Benchmark]
    public double Generated() => LogisticRegressionBackward(_w, _b, _x, _y, 1.0, _grad.AsSpan(0, _w.Length), out _grad[_w.Length]);

    [Benchmark]
    public double FiniteDifferences() => _problem.FiniteDifferences(_grad);
}

[Config(typeof(KernelConfig))]
[BenchmarkCategory("Mlp")]
public class MlpBenchmarks
{
    private MlpProblem _problem = null!;
    private double[] _w1 = null!;
    private double[] _b1 = null!;
    private double[] _w2 = null!;
    private double[] _x = null!;
    private double[] _y = null!;
    private double[] _gradW1 = null!;
    private double[] _gradB1 = null!;
    private double[] _gradW2 = null!;
    private double[] _grad = null!;
    private double _b2;
    private double _gradB2;

    [GlobalSetup]
    public void Setup()
    {
        _problem = new MlpProblem(inputs: 10, hidden: 32, batch: 64);
        (_w1, _b1, _w2, _b2, _x, _y) = (_problem.W1, _problem.B1, _problem.W2, _problem.B2, _problem.X, _problem.Y);
        _gradW1 = new double[_w1.Length];
        _gradB1 = new double[_b1.Length];
        _gradW2 = new double[_w2.Length];
        _grad = new double[_problem.Dimension];
    }

    [Benchmark]
    public double Primal() => Mlp(_w1, _b1, _w2, _b2, _x, _y);

    [Benchmark(Baseline = true)]
    public double HandWritten() => HandWrittenGradients.Mlp(_w1, _b1, _w2, _b2, _x, _y, 1.0, _gradW1, _gradB1, _gradW2, out _gradB2);

    [Benchmark]
    public double Generated() => MlpBackward(_w1, _b1, _w2, _b2, _x, _y, 1.0, _gradW1, _gradB1, _gradW2, out _gradB2);

    [Benchmark]
    public double FiniteDifferences() => _problem.FiniteDifferences(_grad);
}

[Config(typeof(KernelConfig))]
[BenchmarkCategory("MathChain")]
public class MathChainBenchmarks
{
    private MathChainProblem _problem = null!;
    private double _x;
    private double _y;
    private double _z;
    private double _gx;
    private double _gy;
    private double _gz;

    [GlobalSetup]
    public void Setup()
    {
        _problem = new MathChainProblem();
        (_x, _y, _z) = (_problem.X, _problem.Y, _problem.Z);
    }

    [Benchmark]
    public double Primal() => MathChain(_x, _y, _z);

    [Benchmark(Baseline = true)]
    public double HandWritten() => HandWrittenGradients.MathChain(_x, _y, _z, 1.0, out _gx, out _gy, out _gz);

    [Benchmark]
    public double Generated() => MathChainBackward(_x, _y, _z, 1.0, out _gx, out _gy, out _gz);

    [Benchmark]
    public double FiniteDifferences() => _problem.FiniteDifferences(stackalloc double[3]);
}
