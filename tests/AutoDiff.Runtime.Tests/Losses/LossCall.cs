using System;

namespace AutoDiff.Runtime.Tests.Losses;

/// <summary>
/// One call of a loss of <see cref="AutoDiff.Losses"/> without its input: the loss's name, the target (doubles for the
/// element-wise losses, classes for the classification ones), the reduction and the options. The tests evaluate it, and
/// its generated backward, at any input, in double or in float.
/// </summary>
internal sealed record LossCall(
    string Loss,
    double[] Target,
    int[] Classes,
    int ClassCount,
    Reduction Reduction,
    double Beta = 1.0,
    double Delta = 1.0,
    double LabelSmoothing = 0.0)
{
    /// <summary>The names of every loss, as in C#.</summary>
    public static readonly string[] Names =
        ["MseLoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BceLoss", "BceWithLogitsLoss", "CrossEntropyLoss", "NllLoss", "KlDivLoss"];

    public bool IsClassification => Loss is "CrossEntropyLoss" or "NllLoss";

    /// <summary>The loss at <paramref name="input"/> (the double overload).</summary>
    public double Value(ReadOnlySpan<double> input) => Loss switch
    {
        "MseLoss" => AutoDiff.Losses.MseLoss(input, Target, Reduction),
        "L1Loss" => AutoDiff.Losses.L1Loss(input, Target, Reduction),
        "SmoothL1Loss" => AutoDiff.Losses.SmoothL1Loss(input, Target, Reduction, Beta),
        "HuberLoss" => AutoDiff.Losses.HuberLoss(input, Target, Reduction, Delta),
        "BceLoss" => AutoDiff.Losses.BceLoss(input, Target, Reduction),
        "BceWithLogitsLoss" => AutoDiff.Losses.BceWithLogitsLoss(input, Target, Reduction),
        "CrossEntropyLoss" => AutoDiff.Losses.CrossEntropyLoss(input, ClassCount, Classes, Reduction, LabelSmoothing),
        "NllLoss" => AutoDiff.Losses.NllLoss(input, ClassCount, Classes, Reduction),
        "KlDivLoss" => AutoDiff.Losses.KlDivLoss(input, Target, Reduction),
        _ => throw new ArgumentException("no loss " + Loss),
    };

    /// <summary>The generated backward (the double overload): returns the loss, adds seed times its gradient into <paramref name="gradient"/>.</summary>
    public double Backward(ReadOnlySpan<double> input, double seed, Span<double> gradient) => Loss switch
    {
        "MseLoss" => AutoDiff.Losses.MseLossBackward(input, Target, Reduction, seed, gradient),
        "L1Loss" => AutoDiff.Losses.L1LossBackward(input, Target, Reduction, seed, gradient),
        "SmoothL1Loss" => AutoDiff.Losses.SmoothL1LossBackward(input, Target, Reduction, Beta, seed, gradient),
        "HuberLoss" => AutoDiff.Losses.HuberLossBackward(input, Target, Reduction, Delta, seed, gradient),
        "BceLoss" => AutoDiff.Losses.BceLossBackward(input, Target, Reduction, seed, gradient),
        "BceWithLogitsLoss" => AutoDiff.Losses.BceWithLogitsLossBackward(input, Target, Reduction, seed, gradient),
        "CrossEntropyLoss" => AutoDiff.Losses.CrossEntropyLossBackward(input, ClassCount, Classes, Reduction, LabelSmoothing, seed, gradient),
        "NllLoss" => AutoDiff.Losses.NllLossBackward(input, ClassCount, Classes, Reduction, seed, gradient),
        "KlDivLoss" => AutoDiff.Losses.KlDivLossBackward(input, Target, Reduction, seed, gradient),
        _ => throw new ArgumentException("no loss " + Loss),
    };

    /// <summary>The loss at <paramref name="input"/> (the float overload; the target and options rounded to float).</summary>
    public float Value(ReadOnlySpan<float> input)
    {
        var target = TargetF;
        return Loss switch
        {
            "MseLoss" => AutoDiff.Losses.MseLoss(input, target, Reduction),
            "L1Loss" => AutoDiff.Losses.L1Loss(input, target, Reduction),
            "SmoothL1Loss" => AutoDiff.Losses.SmoothL1Loss(input, target, Reduction, (float)Beta),
            "HuberLoss" => AutoDiff.Losses.HuberLoss(input, target, Reduction, (float)Delta),
            "BceLoss" => AutoDiff.Losses.BceLoss(input, target, Reduction),
            "BceWithLogitsLoss" => AutoDiff.Losses.BceWithLogitsLoss(input, target, Reduction),
            "CrossEntropyLoss" => AutoDiff.Losses.CrossEntropyLoss(input, ClassCount, Classes, Reduction, (float)LabelSmoothing),
            "NllLoss" => AutoDiff.Losses.NllLoss(input, ClassCount, Classes, Reduction),
            "KlDivLoss" => AutoDiff.Losses.KlDivLoss(input, target, Reduction),
            _ => throw new ArgumentException("no loss " + Loss),
        };
    }

    /// <summary>The generated backward of the float overload.</summary>
    public float Backward(ReadOnlySpan<float> input, float seed, Span<float> gradient)
    {
        var target = TargetF;
        return Loss switch
        {
            "MseLoss" => AutoDiff.Losses.MseLossBackward(input, target, Reduction, seed, gradient),
            "L1Loss" => AutoDiff.Losses.L1LossBackward(input, target, Reduction, seed, gradient),
            "SmoothL1Loss" => AutoDiff.Losses.SmoothL1LossBackward(input, target, Reduction, (float)Beta, seed, gradient),
            "HuberLoss" => AutoDiff.Losses.HuberLossBackward(input, target, Reduction, (float)Delta, seed, gradient),
            "BceLoss" => AutoDiff.Losses.BceLossBackward(input, target, Reduction, seed, gradient),
            "BceWithLogitsLoss" => AutoDiff.Losses.BceWithLogitsLossBackward(input, target, Reduction, seed, gradient),
            "CrossEntropyLoss" => AutoDiff.Losses.CrossEntropyLossBackward(input, ClassCount, Classes, Reduction, (float)LabelSmoothing, seed, gradient),
            "NllLoss" => AutoDiff.Losses.NllLossBackward(input, ClassCount, Classes, Reduction, seed, gradient),
            "KlDivLoss" => AutoDiff.Losses.KlDivLossBackward(input, target, Reduction, seed, gradient),
            _ => throw new ArgumentException("no loss " + Loss),
        };
    }

    private float[] TargetF => Array.ConvertAll(Target, t => (float)t);

    public override string ToString()
        => $"{Loss} {Reduction}" + (IsClassification ? $" classes={ClassCount} target=[{string.Join(", ", Classes)}]" : $" target=[{string.Join(", ", Target)}]")
            + $" beta={Beta} delta={Delta} labelSmoothing={LabelSmoothing}";
}
