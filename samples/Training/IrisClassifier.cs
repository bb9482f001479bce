using System;
using AutoDiff;

namespace Training;

/// <summary>
/// A 4-16-3 multilayer perceptron for the Iris data: <c>hidden = tanh(W1 x + B1)</c>, <c>logits = W2 hidden + B2</c>,
/// and a custom loss: the mean cross-entropy of the logits plus an L2 penalty <c>weightDecay / 2 * (|W1|² + |W2|²)</c>
/// on the weights (not the biases). PyTorch's equivalent is an <c>nn.Module</c> holding two <c>nn.Linear</c> layers.
/// </summary>
/// <remarks>
/// <para>
/// The class is a differentiable type: its four <c>double[]</c> fields are its parameters, in declaration order, so
/// the generator adds <see cref="Gradient"/> (one array per field, same names), <c>NewGradient()</c>,
/// <c>ParameterCount</c> (4·16 + 16 + 16·3 + 3 = 131), <c>CopyParametersTo</c> and <c>SetParameters</c>, and the
/// class implements <see cref="IDifferentiable"/>, so <see cref="Adam.Step(IDifferentiable, IGradient)"/> steps it.
/// </para>
/// <para>
/// For the <c>[Differentiable]</c> instance method <see cref="Loss"/> the generator writes
/// <c>double LossBackward(ReadOnlySpan&lt;double&gt; features, ReadOnlySpan&lt;int&gt; labels, double weightDecay, double seed, IrisClassifier.Gradient gradThis)</c>:
/// it returns the loss and adds <c>seed</c> times its gradient with respect to every field into the matching array
/// of <c>gradThis</c> (<c>+=</c>, as PyTorch accumulates into <c>.grad</c>: clear it before each step).
/// </para>
/// <para>
/// The layers are written out inside one method, weights as row-major <c>double[]</c>, because the generator does not
/// yet differentiate calls of <c>[Differentiable]</c> methods on other differentiable objects (a <c>Linear</c> layer
/// held in a field). <see cref="Logits"/> is the same forward pass without the loss, for predictions; a test checks
/// that the two agree.
/// </para>
/// </remarks>
[Differentiable]
public sealed partial class IrisClassifier
{
    /// <summary>Features per row.</summary>
    public const int Inputs = 4;

    /// <summary>Width of the hidden layer.</summary>
    public const int Hidden = 16;

    /// <summary>Classes (setosa, versicolor, virginica).</summary>
    public const int Classes = 3;

    /// <summary>The largest batch <see cref="Loss"/> takes: its activations live on the stack.</summary>
    public const int MaxBatch = 256;

    /// <summary>Layer 1 weights, <see cref="Hidden"/> x <see cref="Inputs"/>, row-major (PyTorch's <c>Linear(4, 16).weight</c>).</summary>
    public readonly double[] W1 = new double[Hidden * Inputs];

    /// <summary>Layer 1 biases.</summary>
    public readonly double[] B1 = new double[Hidden];

    /// <summary>Layer 2 weights, <see cref="Classes"/> x <see cref="Hidden"/>, row-major (PyTorch's <c>Linear(16, 3).weight</c>).</summary>
    public readonly double[] W2 = new double[Classes * Hidden];

    /// <summary>Layer 2 biases.</summary>
    public readonly double[] B2 = new double[Classes];

    /// <summary>
    /// A model initialised as PyTorch's <c>nn.Linear</c> initialises itself: every weight and bias uniform in
    /// <c>±1/sqrt(fan_in)</c>, drawn in the order W1, B1, W2, B2 from <paramref name="random"/>.
    /// </summary>
    /// <param name="random">The random source (the training's fixed seed).</param>
    /// <returns>The new model.</returns>
    public static IrisClassifier Create(SplitMix64 random)
    {
        var model = new IrisClassifier();
        double bound1 = 1 / Math.Sqrt(Inputs);
        double bound2 = 1 / Math.Sqrt(Hidden);
        Fill(model.W1, bound1, random);
        Fill(model.B1, bound1, random);
        Fill(model.W2, bound2, random);
        Fill(model.B2, bound2, random);
        return model;
    }

    /// <summary>
    /// The training objective on a batch: mean cross-entropy of the logits plus <c>weightDecay / 2</c> times the sum
    /// of the squared weights. With <paramref name="weightDecay"/> 0 it is the plain cross-entropy, which is what
    /// the sample reports as "loss" on the training and test sets.
    /// </summary>
    /// <param name="features">The batch, <c>labels.Length</c> rows of <see cref="Inputs"/> standardised features, row-major; data, so [NoGrad].</param>
    /// <param name="labels">One class in <c>[0, Classes)</c> per row.</param>
    /// <param name="weightDecay">The L2 coefficient λ; a hyperparameter, so [NoGrad].</param>
    /// <returns>The loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The batch is empty or larger than <see cref="MaxBatch"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="features"/> is not <c>labels.Length</c> x <see cref="Inputs"/>,
    /// or a label is outside <c>[0, Classes)</c> (from <see cref="Losses.CrossEntropyLoss(ReadOnlySpan{double}, int, ReadOnlySpan{int}, Reduction, double)"/>).</exception>
    [Differentiable]
    public double Loss([NoGrad] ReadOnlySpan<double> features, ReadOnlySpan<int> labels, [NoGrad] double weightDecay)
    {
        int batch = labels.Length;
        if (batch < 1 || batch > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(labels), batch, "The batch must have between 1 and MaxBatch rows.");
        }

        if (features.Length != batch * Inputs)
        {
            throw new ArgumentException("The features must be labels.Length rows of Inputs columns.", nameof(features));
        }

        // Every row's activations get their own slots (nothing is overwritten), so the backward needs no tape.
        Span<double> hidden = stackalloc double[batch * Hidden];
        Span<double> logits = stackalloc double[batch * Classes];
        for (int n = 0; n < batch; n++)
        {
            // Layer 1: hidden = tanh(W1 x + B1).
            for (int k = 0; k < Hidden; k++)
            {
                double a = B1[k];
                for (int j = 0; j < Inputs; j++)
                {
                    a += W1[k * Inputs + j] * features[n * Inputs + j];
                }

                hidden[n * Hidden + k] = Math.Tanh(a);
            }

            // Layer 2: logits = W2 hidden + B2.
            for (int c = 0; c < Classes; c++)
            {
                double z = B2[c];
                for (int k = 0; k < Hidden; k++)
                {
                    z += W2[c * Hidden + k] * hidden[n * Hidden + k];
                }

                logits[n * Classes + c] = z;
            }
        }

        // The data term: PyTorch's F.cross_entropy(logits, labels), the mean over the batch.
        double crossEntropy = Losses.CrossEntropyLoss(logits, Classes, labels, Reduction.Mean, 0.0);

        // The custom part: an L2 penalty on the weights of both layers (the biases are not penalised).
        double squares = 0;
        for (int i = 0; i < W1.Length; i++)
        {
            squares += W1[i] * W1[i];
        }

        for (int i = 0; i < W2.Length; i++)
        {
            squares += W2[i] * W2[i];
        }

        return crossEntropy + 0.5 * weightDecay * squares;
    }

    /// <summary>The forward pass of <see cref="Loss"/> without the loss: the logits of every row, for predictions.</summary>
    /// <param name="features">Rows of <see cref="Inputs"/> standardised features, row-major.</param>
    /// <param name="logits">Receives <see cref="Classes"/> logits per row, row-major.</param>
    public void Logits(ReadOnlySpan<double> features, Span<double> logits)
    {
        int batch = features.Length / Inputs;
        if (features.Length != batch * Inputs || logits.Length != batch * Classes)
        {
            throw new ArgumentException("The features must be rows of Inputs columns and the logits rows of Classes columns.", nameof(logits));
        }

        Span<double> hidden = stackalloc double[Hidden];
        for (int n = 0; n < batch; n++)
        {
            for (int k = 0; k < Hidden; k++)
            {
                double a = B1[k];
                for (int j = 0; j < Inputs; j++)
                {
                    a += W1[k * Inputs + j] * features[n * Inputs + j];
                }

                hidden[k] = Math.Tanh(a);
            }

            for (int c = 0; c < Classes; c++)
            {
                double z = B2[c];
                for (int k = 0; k < Hidden; k++)
                {
                    z += W2[c * Hidden + k] * hidden[k];
                }

                logits[n * Classes + c] = z;
            }
        }
    }

    /// <summary>The predicted class of every row: the index of its largest logit (the first on a tie).</summary>
    /// <param name="features">Rows of <see cref="Inputs"/> standardised features, row-major.</param>
    /// <param name="predictions">Receives one class per row.</param>
    public void Predict(ReadOnlySpan<double> features, Span<int> predictions)
    {
        var logits = new double[predictions.Length * Classes];
        Logits(features, logits);
        for (int n = 0; n < predictions.Length; n++)
        {
            int best = 0;
            for (int c = 1; c < Classes; c++)
            {
                if (logits[n * Classes + c] > logits[n * Classes + best])
                {
                    best = c;
                }
            }

            predictions[n] = best;
        }
    }

    private static void Fill(double[] values, double bound, SplitMix64 random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextUniform(-bound, bound);
        }
    }
}
