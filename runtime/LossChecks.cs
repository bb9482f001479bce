using System;
using System.Globalization;

namespace AutoDiff;

/// <summary>
/// The argument checks of <see cref="Losses"/>. Each loss calls them as statements at its top (or, for a value that
/// is checked element by element, where it reads the element), and the generator copies such calls into the loss's
/// backward method at the same place, so that the loss and its backward reject the same arguments with the same
/// exception before either writes anything. They take only integers, options and names: a value that carries a
/// gradient cannot be handed to a method without a derivative (AUTODIFF001), so a check of an element's value is an
/// <c>if</c> in the loss that calls a method here that only throws.
/// </summary>
internal static class LossChecks
{
    /// <summary>Throws unless <paramref name="reduction"/> is <see cref="AutoDiff.Reduction.Mean"/> or <see cref="AutoDiff.Reduction.Sum"/>.</summary>
    public static void Reduction(Reduction reduction)
    {
        if (reduction != AutoDiff.Reduction.Mean && reduction != AutoDiff.Reduction.Sum)
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "reduction must be Reduction.Mean or Reduction.Sum.");
        }
    }

    /// <summary>Throws unless the target has the input's length (element-wise losses).</summary>
    public static void SameLength(int inputLength, int targetLength, string inputName)
    {
        if (inputLength != targetLength)
        {
            throw new ArgumentException(Format("target must have the length of {0} ({1}), not {2}.", inputName, inputLength, targetLength), "target");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="classes"/> is positive and the input (batch x classes, row-major) holds
    /// <paramref name="classes"/> values for each of the <paramref name="targetLength"/> targets.
    /// </summary>
    public static void Classes(int inputLength, int classes, int targetLength, string inputName)
    {
        if (classes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be positive.");
        }

        if (inputLength != (long)targetLength * classes)
        {
            throw new ArgumentException(
                Format("{0} must hold classes ({1}) values for each of the {2} targets ({3} in all), not {4}.", inputName, classes, targetLength, (long)targetLength * classes, inputLength),
                inputName);
        }
    }

    /// <summary>
    /// <c>target[index]</c>, checked to be a class in <c>[0, classes)</c>. (A method, not an indexer in the loss: the
    /// generator does not read elements of integer spans in a [Differentiable] method yet, AUTODIFF002.)
    /// </summary>
    public static int TargetClass(ReadOnlySpan<int> target, int index, int classes)
    {
        int value = target[index];
        if (value < 0 || value >= classes)
        {
            throw new ArgumentOutOfRangeException(nameof(target), value, Format("target[{0}] is {1}: a class must be in [0, {2}).", index, value, classes));
        }

        return value;
    }

    /// <summary>Thrown by the binary cross-entropy for an input element that is not a probability (or is NaN).</summary>
    public static void NotAProbability(int index)
        => throw new ArgumentOutOfRangeException("input", Format("input[{0}] is not a probability: every element of input must be in [0, 1], as PyTorch's binary_cross_entropy requires.", index));

    /// <summary>Throws unless <paramref name="beta"/> is 0 or positive (PyTorch rejects a negative beta).</summary>
    public static void Beta(double beta)
    {
        if (!(beta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be 0 or positive.");
        }
    }

    /// <summary>Throws unless <paramref name="delta"/> is positive (PyTorch rejects a delta that is not).</summary>
    public static void Delta(double delta)
    {
        if (!(delta > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive.");
        }
    }

    /// <summary>Throws unless <paramref name="labelSmoothing"/> is in <c>[0, 1]</c>, as PyTorch requires.</summary>
    public static void LabelSmoothing(double labelSmoothing)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "labelSmoothing must be in [0, 1].");
        }
    }

    private static string Format(string format, params object[] arguments) => string.Format(CultureInfo.InvariantCulture, format, arguments);
}
