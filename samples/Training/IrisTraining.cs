using AutoDiff;

namespace Training;

/// <summary>
/// The sample's whole set-up in one place: the data, its split and standardisation, the model, Adam and the trainer.
/// The benchmark (<c>tests/AutoDiff.Benchmarks</c>, category <c>Training</c>) and the tests build the same run with
/// <see cref="Create"/>, and <c>torch_epoch.py</c> builds it again in PyTorch from the same seed.
/// </summary>
public sealed class IrisTraining
{
    /// <summary>The seed of the split, the initial weights and the batch order, in that order of use.</summary>
    public const ulong Seed = 42;

    /// <summary>Rows per step.</summary>
    public const int BatchSize = 16;

    /// <summary>The L2 coefficient of the loss.</summary>
    public const double WeightDecay = 1e-3;

    /// <summary>The share of each class kept for the test set.</summary>
    public const double TestFraction = 0.2;

    /// <summary>Adam's default learning rate here (PyTorch's default, 1e-3, needs about ten times the epochs).</summary>
    public const double DefaultLearningRate = 0.01;

    private IrisTraining(Dataset all, Dataset train, Dataset test, IrisClassifier model, Adam optimizer, Trainer trainer)
    {
        All = all;
        Train = train;
        Test = test;
        Model = model;
        Optimizer = optimizer;
        Trainer = trainer;
    }

    /// <summary>The 150 rows as read.</summary>
    public Dataset All { get; }

    /// <summary>The 120 training rows, standardised.</summary>
    public Dataset Train { get; }

    /// <summary>The 30 test rows, standardised with the training rows' statistics.</summary>
    public Dataset Test { get; }

    /// <summary>The model, initialised as <c>nn.Linear</c> does.</summary>
    public IrisClassifier Model { get; }

    /// <summary>The optimizer.</summary>
    public Adam Optimizer { get; }

    /// <summary>The trainer: <see cref="Trainer.RunEpoch"/> is one epoch.</summary>
    public Trainer Trainer { get; }

    /// <summary>
    /// Reads the data at <paramref name="path"/>, splits it 80/20 by class, standardises it, and creates the model,
    /// Adam and the trainer, all from one <see cref="SplitMix64"/> started at <see cref="Seed"/>: the split draws
    /// first, then the initial weights, then (at every epoch) the batch order.
    /// </summary>
    /// <param name="path">The data file (<see cref="IrisData.DefaultPath"/>).</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <returns>The set-up, before the first epoch.</returns>
    public static IrisTraining Create(string path, double learningRate = DefaultLearningRate)
    {
        var random = new SplitMix64(Seed);
        Dataset all = IrisData.Load(path);
        var (trainRows, testRows) = IrisData.StratifiedSplit(all, TestFraction, random);
        Dataset rawTrain = all.Select(trainRows);
        var standardizer = Standardizer.Fit(rawTrain);
        Dataset train = standardizer.Transform(rawTrain);
        Dataset test = standardizer.Transform(all.Select(testRows));
        var model = IrisClassifier.Create(random);
        var optimizer = new Adam(learningRate);
        var trainer = new Trainer(model, optimizer, train, BatchSize, WeightDecay, random);
        return new IrisTraining(all, train, test, model, optimizer, trainer);
    }
}
