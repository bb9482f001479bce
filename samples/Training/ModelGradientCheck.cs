using System;
using AutoDiff;

namespace Training;

/// <summary>
/// Checks the generated <c>IrisClassifier.LossBackward</c> against central finite differences of
/// <see cref="IrisClassifier.Loss"/> with <see cref="GradCheck"/> (<c>torch.autograd.gradcheck</c>): every one of the
/// 131 parameters, seen as one flat vector in the order of <c>CopyParametersTo</c>; also the value, the scaling by
/// the seed and the accumulation into a gradient that is not zero.
/// </summary>
public static class ModelGradientCheck
{
    /// <summary>Checks the gradient of the loss of <paramref name="batch"/> at the parameters of <paramref name="model"/>.</summary>
    /// <param name="model">The point of the check (it is not changed).</param>
    /// <param name="batch">A standardised batch of at most <see cref="IrisClassifier.MaxBatch"/> rows.</param>
    /// <param name="weightDecay">The L2 coefficient, so that the penalty's gradient is checked too.</param>
    /// <returns>GradCheck's result, component by component.</returns>
    public static GradCheckResult Check(IrisClassifier model, Dataset batch, double weightDecay)
    {
        var probe = new IrisClassifier();
        int n = model.ParameterCount;
        var point = new double[n];
        model.CopyParametersTo(point);

        double Value(double[] parameters)
        {
            probe.SetParameters(parameters);
            return probe.Loss(batch.Features, batch.Labels, weightDecay);
        }

        double Backward(double[] parameters, double seed, Span<double> gradient)
        {
            probe.SetParameters(parameters);
            var g = GradientFrom(probe, gradient);                   // what the caller's gradient holds: the backward adds to it
            double value = probe.LossBackward(batch.Features, batch.Labels, weightDecay, seed, g);
            g.CopyTo(gradient);
            return value;
        }

        return GradCheck.Check(Value, Backward, point);
    }

    /// <summary>A gradient of <paramref name="model"/>'s shape holding <paramref name="flat"/> (in the flat order: W1, B1, W2, B2).</summary>
    private static IrisClassifier.Gradient GradientFrom(IrisClassifier model, ReadOnlySpan<double> flat)
    {
        var g = model.NewGradient();
        int offset = 0;
        foreach (double[] member in new[] { g.W1, g.B1, g.W2, g.B2 })
        {
            flat.Slice(offset, member.Length).CopyTo(member);
            offset += member.Length;
        }

        return g;
    }
}
