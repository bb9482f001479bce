using BenchmarkDotNet.Attributes;
using Training;

namespace AutoDiff.Benchmarks;

/// <summary>
/// One training epoch of samples/Training: 120 Iris rows in batches of 16 (7 of 16 and one of 8), for each batch the
/// generated <c>IrisClassifier.LossBackward</c> (the 4-16-3 tanh MLP, cross-entropy and the L2 term) and Adam's
/// <c>Step(model, gradient)</c>, after a shuffle of the rows: <see cref="Trainer.RunEpoch"/>, the sample's own code.
/// The model keeps training from one invocation to the next, as it does over a run (the work per epoch does not
/// depend on the weights). Its PyTorch counterpart is <c>Training/torch_epoch.py</c>; docs/performance.md puts the
/// two side by side.
/// </summary>
[Config(typeof(KernelConfig))]
[BenchmarkCategory("Training")]
public class TrainingBenchmarks
{
    private IrisTraining _run = null!;

    [GlobalSetup]
    public void Setup()
    {
        _run = IrisTraining.Create(IrisData.DefaultPath);
        _run.Trainer.RunEpoch();    // the first step sizes Adam's state; later epochs allocate nothing
    }

    /// <summary>One epoch: shuffle, 8 × (gather the batch, clear the gradient, LossBackward, Adam step).</summary>
    [Benchmark]
    public double Epoch() => _run.Trainer.RunEpoch();
}
