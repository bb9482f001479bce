using System;
using AutoDiff;

namespace Training;

/// <summary>
/// Mini-batch training of an <see cref="IrisClassifier"/> with an optimizer: PyTorch's loop
/// <c>for x, y in loader: optimizer.zero_grad(); loss = criterion(model(x), y); loss.backward(); optimizer.step()</c>
/// with a shuffling <c>DataLoader(batch_size, shuffle=True, drop_last=False)</c>.
/// </summary>
/// <remarks>
/// The benchmark (<c>tests/AutoDiff.Benchmarks</c>, category <c>Training</c>) times <see cref="RunEpoch"/> of this
/// class, and its PyTorch counterpart (<c>tests/AutoDiff.Benchmarks/Training/torch_epoch.py</c>) does the same steps.
/// After the first epoch an epoch allocates nothing.
/// </remarks>
public sealed class Trainer
{
    private readonly IrisClassifier _model;
    private readonly IOptimizer _optimizer;
    private readonly IrisClassifier.Gradient _gradient;
    private readonly Dataset _training;
    private readonly SplitMix64 _random;
    private readonly int[] _order;
    private readonly double[] _batchFeatures;
    private readonly int[] _batchLabels;

    /// <summary>A trainer of <paramref name="model"/> on <paramref name="training"/>.</summary>
    /// <param name="model">The model; its parameters change at every step.</param>
    /// <param name="optimizer">The optimizer (Adam in the sample).</param>
    /// <param name="training">The training set, standardised.</param>
    /// <param name="batchSize">Rows per step; the last batch of an epoch has the rest.</param>
    /// <param name="weightDecay">The L2 coefficient of <see cref="IrisClassifier.Loss"/>.</param>
    /// <param name="random">Shuffles the rows at the start of every epoch.</param>
    public Trainer(IrisClassifier model, IOptimizer optimizer, Dataset training, int batchSize, double weightDecay, SplitMix64 random)
    {
        if (batchSize < 1 || batchSize > IrisClassifier.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The batch size must be between 1 and {IrisClassifier.MaxBatch}.");
        }

        _model = model ?? throw new ArgumentNullException(nameof(model));
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _training = training ?? throw new ArgumentNullException(nameof(training));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _gradient = model.NewGradient();
        BatchSize = batchSize;
        WeightDecay = weightDecay;
        _order = new int[training.Count];
        _batchFeatures = new double[batchSize * IrisClassifier.Inputs];
        _batchLabels = new int[batchSize];
    }

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; }

    /// <summary>The L2 coefficient.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps per epoch: the training rows divided by the batch size, rounded up.</summary>
    public int StepsPerEpoch => (_training.Count + BatchSize - 1) / BatchSize;

    /// <summary>
    /// One pass over the training set: shuffle the rows (a permutation of 0..n-1 drawn afresh), then for each batch clear the gradient, compute the loss and
    /// its gradient with the generated <c>LossBackward</c>, and step the optimizer.
    /// </summary>
    /// <returns>The mean of the batches' losses (the objective, with the L2 term), weighted by their rows.</returns>
    public double RunEpoch()
    {
        const int d = IrisClassifier.Inputs;
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;                                            // a fresh permutation each epoch, as torch.randperm
        }

        _random.Shuffle(_order);
        double total = 0;
        for (int start = 0; start < _order.Length; start += BatchSize)
        {
            int rows = Math.Min(BatchSize, _order.Length - start);
            for (int r = 0; r < rows; r++)
            {
                int source = _order[start + r];
                Array.Copy(_training.Features, source * d, _batchFeatures, r * d, d);
                _batchLabels[r] = _training.Labels[source];
            }

            _gradient.Clear();                                        // optimizer.zero_grad()
            double loss = _model.LossBackward(                        // loss.backward()
                _batchFeatures.AsSpan(0, rows * d), _batchLabels.AsSpan(0, rows), WeightDecay, 1.0, _gradient);
            _optimizer.Step(_model, _gradient);                       // optimizer.step()
            total += loss * rows;
        }

        return total / _order.Length;
    }

    /// <summary>The cross-entropy (without the L2 term) and the accuracy of <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">A standardised table of at most <see cref="IrisClassifier.MaxBatch"/> rows.</param>
    /// <returns>The mean cross-entropy and the share of rows whose predicted class is right.</returns>
    public static (double Loss, double Accuracy) Evaluate(IrisClassifier model, Dataset data)
    {
        double loss = model.Loss(data.Features, data.Labels, 0.0);
        var predictions = new int[data.Count];
        model.Predict(data.Features, predictions);
        int right = 0;
        for (int r = 0; r < data.Count; r++)
        {
            if (predictions[r] == data.Labels[r])
            {
                right++;
            }
        }

        return (loss, (double)right / data.Count);
    }
}
