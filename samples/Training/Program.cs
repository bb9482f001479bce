// Training: a 4-16-3 tanh MLP classifier on the Iris data, trained with the gradients the generator writes.
//
//   dotnet run --project samples/Training                                   defaults (reaches >= 95% test accuracy)
//   dotnet run --project samples/Training -- --epochs 5 --output out.png    a short run (what CI does)
//   dotnet run --project samples/Training -- --help
//
// The model (IrisClassifier.cs) is a [Differentiable] class whose double[] fields are its parameters; its custom loss
// (cross-entropy plus an L2 penalty) is a [Differentiable] method, and the generator adds LossBackward. The loop
// (Trainer.cs) is PyTorch's: shuffle, mini-batches, zero_grad, backward, Adam's step. Before training the program
// checks the generated gradient against finite differences (GradCheck) and stops if it disagrees.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using AutoDiff;
using Spectre.Console;

namespace Training;

public static class Program
{
    private const int DefaultEpochs = 100;
    private const string DefaultOutput = "training-loss.png";

    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;

    public static int Main(string[] args)
    {
        if (!TryParse(args, out var options, out string? error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine("Run with --help for the options.");
            return 2;
        }

        if (options.Help)
        {
            PrintHelp();
            return 0;
        }

        try
        {
            return Run(options);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Run(Options options)
    {
        var total = Stopwatch.StartNew();

        // Data: 150 rows, a stratified 80/20 split, features standardised with the training set's statistics; the
        // model, Adam and the trainer (IrisTraining.cs).
        var run = IrisTraining.Create(IrisData.DefaultPath, options.LearningRate);
        var (all, train, test, model, trainer) = (run.All, run.Train, run.Test, run.Model, run.Trainer);

        Console.WriteLine(Format("Iris: {0} rows, {1} classes; training {2}, test {3} (stratified, seed {4})",
            all.Count, all.ClassNames.Length, train.Count, test.Count, IrisTraining.Seed));
        Console.WriteLine(Format("Model: {0}-{1}-{2} tanh MLP, {3} parameters; loss: cross-entropy + {4} / 2 * |W|^2",
            IrisClassifier.Inputs, IrisClassifier.Hidden, IrisClassifier.Classes, model.ParameterCount, IrisTraining.WeightDecay));
        Console.WriteLine(Format("Training: Adam (learning rate {0}), batch {1} ({2} steps per epoch), {3} epochs",
            options.LearningRate, IrisTraining.BatchSize, trainer.StepsPerEpoch, options.Epochs));

        // The generated gradient against central differences, at the initial weights, on the first training batch.
        var check = ModelGradientCheck.Check(model, train.Select(Range(0, IrisTraining.BatchSize)), IrisTraining.WeightDecay);
        if (!check.Passed)
        {
            Console.Error.WriteLine("The generated gradient disagrees with finite differences:");
            Console.Error.WriteLine(check.ToString());
            return 1;
        }

        double worst = 0;
        foreach (var component in check.Components)
        {
            worst = Math.Max(worst, component.AbsoluteError);
        }

        Console.WriteLine(Format("Gradient check: {0} components agree with central differences (largest difference {1:E1})",
            check.Components.Count, worst));

        // Loss curves: epoch 0 is the untrained model.
        var epochs = new List<double> { 0 };
        var trainLoss = new List<double> { Trainer.Evaluate(model, train).Loss };
        var testLoss = new List<double> { Trainer.Evaluate(model, test).Loss };

        var training = Stopwatch.StartNew();
        bool finite = true;
        void Epoch(int epoch)
        {
            trainer.RunEpoch();
            epochs.Add(epoch);
            trainLoss.Add(Trainer.Evaluate(model, train).Loss);
            testLoss.Add(Trainer.Evaluate(model, test).Loss);
            finite &= double.IsFinite(trainLoss[^1]);
        }

        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            // A live bar, redrawn in place.
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("epoch", maxValue: options.Epochs);
                    for (int epoch = 1; epoch <= options.Epochs && finite; epoch++)
                    {
                        Epoch(epoch);
                        task.Description = Format("epoch {0,4}/{1}  loss {2:F4}  test loss {3:F4}", epoch, options.Epochs, trainLoss[^1], testLoss[^1]);
                        task.Increment(1);
                    }
                });
        }
        else
        {
            // Output redirected (CI, a pipe, a file): no cursor movement, one line per tenth of the run.
            int every = Math.Max(1, options.Epochs / 10);
            for (int epoch = 1; epoch <= options.Epochs && finite; epoch++)
            {
                Epoch(epoch);
                if (epoch % every == 0 || epoch == options.Epochs)
                {
                    Console.WriteLine(Format("epoch {0,4}/{1}  loss {2:F4}  test loss {3:F4}", epoch, options.Epochs, trainLoss[^1], testLoss[^1]));
                }
            }
        }

        training.Stop();
        if (!finite)
        {
            Console.Error.WriteLine(Format("The training loss is no longer finite ({0}) after {1} epochs: try a smaller --learning-rate.", trainLoss[^1], epochs[^1]));
            return 1;
        }

        var (trainFinal, trainAccuracy) = Trainer.Evaluate(model, train);
        var (testFinal, testAccuracy) = Trainer.Evaluate(model, test);
        Console.WriteLine(Format("Train accuracy: {0:P1} ({1} rows), loss {2:F4}", trainAccuracy, train.Count, trainFinal));
        Console.WriteLine(Format("Test accuracy:  {0:P1} ({1} rows), loss {2:F4}", testAccuracy, test.Count, testFinal));
        Console.WriteLine(Format("Training took {0:F2} s ({1:F3} ms per epoch, with the evaluation after each)",
            training.Elapsed.TotalSeconds, training.Elapsed.TotalMilliseconds / options.Epochs));

        string output = Path.GetFullPath(options.Output);
        LossPlot.Save(output, epochs, trainLoss, testLoss, Format("Iris {0}-{1}-{2} MLP, Adam lr {3}, batch {4}: test accuracy {5:P1}",
            IrisClassifier.Inputs, IrisClassifier.Hidden, IrisClassifier.Classes, options.LearningRate, IrisTraining.BatchSize, testAccuracy));
        if (!File.Exists(output))
        {
            Console.Error.WriteLine($"The plot was not written to {output}.");
            return 1;
        }

        Console.WriteLine($"Loss curves: {output}");
        Console.WriteLine(Format("Total: {0:F2} s", total.Elapsed.TotalSeconds));
        return 0;
    }

    private static int[] Range(int start, int count)
    {
        var values = new int[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = start + i;
        }

        return values;
    }

    private static string Format(string format, params object[] args) => string.Format(s_culture, format, args);

    private static void PrintHelp()
    {
        Console.WriteLine("Trains a 4-16-3 MLP on the Iris data with generated gradients and Adam, and plots the loss curves.");
        Console.WriteLine();
        Console.WriteLine("Usage: dotnet run --project samples/Training -- [options]");
        Console.WriteLine();
        Console.WriteLine("Options:");
        Console.WriteLine(Format("  --epochs N           passes over the training set (default {0})", DefaultEpochs));
        Console.WriteLine(Format("  --learning-rate X    Adam's learning rate (default {0})", IrisTraining.DefaultLearningRate));
        Console.WriteLine(Format("  --output PATH        where to write the PNG of the loss curves (default {0})", DefaultOutput));
        Console.WriteLine("  --help               show this text");
        Console.WriteLine();
        Console.WriteLine("Exit code: 0 on success, 1 if the gradient check or the training fails or the plot is not written, 2 for bad options.");
    }

    private sealed record Options(int Epochs, double LearningRate, string Output, bool Help);

    private static bool TryParse(string[] args, out Options options, out string? error)
    {
        options = new Options(DefaultEpochs, IrisTraining.DefaultLearningRate, DefaultOutput, Help: false);
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string? value = null;
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (name is "--help" or "-h" or "-?")
            {
                options = options with { Help = true };
                continue;
            }

            if (name is not ("--epochs" or "--learning-rate" or "--output"))
            {
                error = $"Unknown option '{args[i]}'.";
                return false;
            }

            if (value is null)
            {
                if (i + 1 == args.Length)
                {
                    error = $"{name} needs a value.";
                    return false;
                }

                value = args[++i];
            }

            switch (name)
            {
                case "--epochs":
                    if (!int.TryParse(value, NumberStyles.None, s_culture, out int epochs) || epochs < 1)
                    {
                        error = $"--epochs must be a positive whole number, not '{value}'.";
                        return false;
                    }

                    options = options with { Epochs = epochs };
                    break;
                case "--learning-rate":
                    if (!double.TryParse(value, NumberStyles.Float, s_culture, out double rate) || !(rate > 0) || !double.IsFinite(rate))
                    {
                        error = $"--learning-rate must be a positive number, not '{value}'.";
                        return false;
                    }

                    options = options with { LearningRate = rate };
                    break;
                default:
                    if (value.Length == 0)
                    {
                        error = "--output needs a path.";
                        return false;
                    }

                    options = options with { Output = value };
                    break;
            }
        }

        return true;
    }
}
