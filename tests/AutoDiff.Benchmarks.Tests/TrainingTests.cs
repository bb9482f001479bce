using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Training;
using Xunit;

namespace AutoDiff.Benchmarks.Tests;

/// <summary>
/// samples/Training's code, as the Training benchmark compiles it: the data file, the split and the standardisation,
/// the generated gradient of the model's loss, the run against the same run recorded from PyTorch
/// (<c>ReferenceData/training_reference.json</c>, written by <c>tests/AutoDiff.Benchmarks/Training/torch_epoch.py --record</c>),
/// and the accuracy the README quotes.
/// </summary>
public sealed class TrainingTests
{
    private static readonly Dataset s_all = IrisData.Load(IrisData.DefaultPath);

    [Fact]
    public void The_data_file_is_scikit_learns_iris_csv_byte_for_byte()
    {
        // The checksum samples/Training/Data/README.md quotes.
        byte[] bytes = File.ReadAllBytes(IrisData.DefaultPath);
        Assert.Equal(2734, bytes.Length);
        Assert.Equal("f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449", Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public void The_data_has_150_rows_50_per_class_and_Fishers_first_and_last_rows()
    {
        Assert.Equal(150, s_all.Count);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, s_all.ClassNames);
        Assert.Equal(new[] { 50, 50, 50 }, Enumerable.Range(0, 3).Select(c => s_all.Labels.Count(l => l == c)));
        Assert.Equal(new[] { 5.1, 3.5, 1.4, 0.2 }, s_all.Features[..4]);
        Assert.Equal(0, s_all.Labels[0]);
        Assert.Equal(new[] { 5.9, 3.0, 5.1, 1.8 }, s_all.Features[^4..]);
        Assert.Equal(2, s_all.Labels[^1]);

        // Row 38 (1-based) as Fisher published it; UCI's iris.data has 4.9,3.1,1.5,0.1 there.
        Assert.Equal(new[] { 4.9, 3.6, 1.4, 0.1 }, s_all.Features[(37 * 4)..(38 * 4)]);
    }

    [Fact]
    public void Loading_rejects_a_file_whose_first_line_does_not_match_its_rows()
    {
        string path = Path.Combine(Path.GetTempPath(), $"iris-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "3,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n");
            Assert.Throws<InvalidDataException>(() => IrisData.Load(path));
            File.WriteAllText(path, "1,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,3\n");
            Assert.Throws<InvalidDataException>(() => IrisData.Load(path));
            File.WriteAllText(path, "1,3,setosa,versicolor,virginica\n5.1,3.5,1.4,0\n");
            Assert.Throws<InvalidDataException>(() => IrisData.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_split_is_stratified_80_20_and_covers_every_row_once()
    {
        var (train, test) = IrisData.StratifiedSplit(s_all, 0.2, new SplitMix64(IrisTraining.Seed));

        Assert.Equal(120, train.Length);
        Assert.Equal(30, test.Length);
        Assert.Equal(Enumerable.Range(0, 150), train.Concat(test).OrderBy(r => r));
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(40, train.Count(r => s_all.Labels[r] == c));
            Assert.Equal(10, test.Count(r => s_all.Labels[r] == c));
        }
    }

    [Fact]
    public void Standardised_training_features_have_mean_0_and_standard_deviation_1()
    {
        var run = IrisTraining.Create(IrisData.DefaultPath);
        const int d = IrisClassifier.Inputs;
        int n = run.Train.Count;
        for (int j = 0; j < d; j++)
        {
            double mean = Enumerable.Range(0, n).Average(r => run.Train.Features[r * d + j]);
            double variance = Enumerable.Range(0, n).Average(r => Math.Pow(run.Train.Features[r * d + j] - mean, 2));
            Assert.True(Math.Abs(mean) < 1e-12, $"feature {j}: mean {mean}");
            Assert.True(Math.Abs(variance - 1) < 1e-12, $"feature {j}: variance {variance}");
        }
    }

    public static TheoryData<int, int, double> GradientCases() => new()
    {
        // (epochs trained first, batch rows, weight decay)
        { 0, 16, IrisTraining.WeightDecay },
        { 0, 1, IrisTraining.WeightDecay },
        { 0, 8, 0.0 },
        { 3, 16, 0.5 },
        { 20, 120, IrisTraining.WeightDecay },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void The_generated_gradient_of_the_loss_passes_GradCheck(int epochs, int rows, double weightDecay)
    {
        var run = IrisTraining.Create(IrisData.DefaultPath);
        for (int e = 0; e < epochs; e++)
        {
            run.Trainer.RunEpoch();
        }

        // The last rows, so that a batch is not always the first one.
        var batch = run.Train.Select(Enumerable.Range(run.Train.Count - rows, rows).ToArray());
        var result = ModelGradientCheck.Check(run.Model, batch, weightDecay);

        Assert.Equal(run.Model.ParameterCount, result.Components.Count);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void The_loss_is_the_cross_entropy_of_the_logits_plus_the_L2_term()
    {
        var run = IrisTraining.Create(IrisData.DefaultPath);
        run.Trainer.RunEpoch();
        var model = run.Model;
        var data = run.Test;
        var logits = new double[data.Count * IrisClassifier.Classes];
        model.Logits(data.Features, logits);
        double squares = model.W1.Sum(w => w * w) + model.W2.Sum(w => w * w);

        double crossEntropy = Losses.CrossEntropyLoss(logits, IrisClassifier.Classes, data.Labels, Reduction.Mean, 0.0);
        Assert.Equal(crossEntropy, model.Loss(data.Features, data.Labels, 0.0));
        Assert.Equal(crossEntropy + (0.5 * 0.25 * squares), model.Loss(data.Features, data.Labels, 0.25), 14);

        var gradient = model.NewGradient();
        Assert.Equal(model.Loss(data.Features, data.Labels, 0.25), model.LossBackward(data.Features, data.Labels, 0.25, 1.0, gradient));
    }

    [Fact]
    public void The_loss_checks_its_batch()
    {
        var model = IrisClassifier.Create(new SplitMix64(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss(ReadOnlySpan<double>.Empty, ReadOnlySpan<int>.Empty, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss(new double[4 * 257], new int[257], 0));
        Assert.Throws<ArgumentException>(() => model.Loss(new double[7], new int[2], 0));
        Assert.ThrowsAny<ArgumentException>(() => model.LossBackward(new double[8], new[] { 0, 3 }, 0, 1.0, model.NewGradient()));
    }

    [Fact]
    public void The_run_is_PyTorchs_run_split_weights_losses_and_parameters()
    {
        var reference = TrainingReference.Load();
        Assert.Equal(IrisTraining.Seed, reference.Seed);
        Assert.Equal(IrisTraining.BatchSize, reference.BatchSize);
        Assert.Equal(IrisTraining.WeightDecay, reference.WeightDecay);
        Assert.Equal(IrisTraining.DefaultLearningRate, reference.LearningRate);

        var (trainRows, testRows) = IrisData.StratifiedSplit(s_all, IrisTraining.TestFraction, new SplitMix64(IrisTraining.Seed));
        Assert.Equal(reference.TrainRows, trainRows);
        Assert.Equal(reference.TestRows, testRows);

        var run = IrisTraining.Create(IrisData.DefaultPath);
        var parameters = new double[run.Model.ParameterCount];
        run.Model.CopyParametersTo(parameters);
        Assert.Equal(reference.InitialParameters, parameters);      // the same draws, to the bit

        // Same batches, same formulas, same Adam: only the order of floating-point operations differs (autograd's
        // kernels against the generated code), and the differences grow slowly over the 40 steps.
        for (int e = 0; e < reference.EpochLosses.Length; e++)
        {
            double loss = run.Trainer.RunEpoch();
            Assert.True(Math.Abs(loss - reference.EpochLosses[e]) <= 1e-12 * Math.Abs(reference.EpochLosses[e]),
                $"epoch {e + 1}: {loss:R} here, {reference.EpochLosses[e]:R} in PyTorch");
        }

        run.Model.CopyParametersTo(parameters);
        double largest = reference.ParametersAfter.Max(Math.Abs);
        for (int i = 0; i < parameters.Length; i++)
        {
            Assert.True(Math.Abs(parameters[i] - reference.ParametersAfter[i]) <= 1e-11 * largest,
                $"parameter {i}: {parameters[i]:R} here, {reference.ParametersAfter[i]:R} in PyTorch");
        }
    }

    [Fact]
    public void An_epoch_after_the_first_allocates_nothing()
    {
        var run = IrisTraining.Create(IrisData.DefaultPath);
        run.Trainer.RunEpoch();
        run.Trainer.RunEpoch();

        long before = GC.GetAllocatedBytesForCurrentThread();
        run.Trainer.RunEpoch();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_default_run_reaches_95_percent_test_accuracy_in_100_epochs()
    {
        // What the README quotes for `dotnet run --project samples/Training` (100 epochs, Adam 0.01, seed 42).
        var run = IrisTraining.Create(IrisData.DefaultPath);
        for (int e = 0; e < 100; e++)
        {
            run.Trainer.RunEpoch();
        }

        var (_, trainAccuracy) = Trainer.Evaluate(run.Model, run.Train);
        var (_, testAccuracy) = Trainer.Evaluate(run.Model, run.Test);
        Assert.True(testAccuracy >= 0.95, $"test accuracy {testAccuracy:P1}");
        Assert.True(trainAccuracy >= 0.95, $"train accuracy {trainAccuracy:P1}");
    }

    private sealed record TrainingReference(
        ulong Seed, int BatchSize, double WeightDecay, double LearningRate, int[] TrainRows, int[] TestRows,
        double[] InitialParameters, double[] EpochLosses, double[] ParametersAfter)
    {
        public static TrainingReference Load()
        {
            string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ReferenceData", "training_reference.json"));
            return JsonSerializer.Deserialize<TrainingReference>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
                ?? throw new InvalidDataException("training_reference.json is empty.");
        }
    }
}
