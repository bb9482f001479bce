using System;
using System.Collections.Generic;
using Xunit;

namespace AutoDiff.Runtime.Tests.Losses;

/// <summary>
/// Bad arguments: every loss and its backward, double and float, throw an <see cref="ArgumentException"/> whose
/// <see cref="ArgumentException.ParamName"/> names the argument, and the backward writes nothing into the gradient.
/// </summary>
public sealed class LossArgumentTests
{
    private static readonly string[] ElementWise = ["MseLoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BceLoss", "BceWithLogitsLoss", "KlDivLoss"];

    public static TheoryData<string> ElementWiseLosses() => new(ElementWise);

    public static TheoryData<string> ClassificationLosses() => new("CrossEntropyLoss", "NllLoss");

    public static TheoryData<string> AllLosses() => new(LossCall.Names);

    /// <summary>A valid call of <paramref name="loss"/> and an input of 6 values (3 rows of 2 classes for a classification loss).</summary>
    private static (LossCall Call, double[] Input) Valid(string loss)
    {
        double[] input = [0.25, 0.5, 0.75, 0.125, 0.375, 0.625];
        return loss is "CrossEntropyLoss" or "NllLoss"
            ? (new LossCall(loss, [], [1, 0, 1], 2, Reduction.Mean), input)
            : (new LossCall(loss, [0.0, 1.0, 0.5, 0.25, 1.0, 0.0], [], 0, Reduction.Mean), input);
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Valid_arguments_are_accepted(string loss)
    {
        var (call, input) = Valid(loss);
        Assert.True(double.IsFinite(call.Value(input)));
        Assert.True(float.IsFinite(call.Value(Array.ConvertAll(input, x => (float)x))));
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Empty_input_gives_NaN_for_the_mean_and_0_for_the_sum_as_PyTorch(string loss)
    {
        var call = new LossCall(loss, [], [], 3, Reduction.Mean);
        Assert.True(double.IsNaN(call.Value(ReadOnlySpan<double>.Empty)));
        Assert.True(double.IsNaN(call.Backward(ReadOnlySpan<double>.Empty, 1.0, [])));
        Assert.True(float.IsNaN(call.Value(ReadOnlySpan<float>.Empty)));
        Assert.Equal(0.0, (call with { Reduction = Reduction.Sum }).Value(ReadOnlySpan<double>.Empty));
        Assert.Equal(0f, (call with { Reduction = Reduction.Sum }).Backward(ReadOnlySpan<float>.Empty, 1f, []));
    }

    [Theory]
    [MemberData(nameof(ElementWiseLosses))]
    public void Target_of_another_length_names_target(string loss)
    {
        var (call, input) = Valid(loss);
        AssertRejected("target", call with { Target = [0.5, 0.5] }, input);
        AssertRejected("target", call with { Target = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] }, input);
    }

    [Theory]
    [MemberData(nameof(ClassificationLosses))]
    public void Input_that_is_not_batch_times_classes_names_the_input(string loss)
    {
        var (call, input) = Valid(loss);
        var name = loss == "CrossEntropyLoss" ? "logits" : "logProbabilities";
        AssertRejected(name, call, input[..5]);
        AssertRejected(name, call with { Classes = [1, 0] }, input);
        AssertRejected(name, call with { ClassCount = 4 }, input);
    }

    [Theory]
    [MemberData(nameof(ClassificationLosses))]
    public void Classes_that_are_not_positive_name_classes(string loss)
    {
        var (call, _) = Valid(loss);
        AssertRejected("classes", call with { ClassCount = 0, Classes = [] }, []);
        AssertRejected("classes", call with { ClassCount = -2 }, [0.5, 0.25]);
    }

    [Theory]
    [MemberData(nameof(ClassificationLosses))]
    public void Target_class_outside_the_classes_names_target(string loss)
    {
        var (call, input) = Valid(loss);
        AssertRejected("target", call with { Classes = [1, 2, 0] }, input);
        AssertRejected("target", call with { Classes = [1, 0, -1] }, input);
        AssertRejected("target", call with { Classes = [-100, 0, 1] }, input); // PyTorch's ignore_index is not supported
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Undefined_reduction_names_reduction(string loss)
    {
        var (call, input) = Valid(loss);
        AssertRejected("reduction", call with { Reduction = (Reduction)2 }, input);
        AssertRejected("reduction", call with { Reduction = (Reduction)(-1) }, input);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-1e-30)]
    [InlineData(double.NaN)]
    public void Negative_or_NaN_beta_names_beta(double beta)
    {
        var (call, input) = Valid("SmoothL1Loss");
        AssertRejected("beta", call with { Beta = beta }, input);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Delta_that_is_not_positive_names_delta(double delta)
    {
        var (call, input) = Valid("HuberLoss");
        AssertRejected("delta", call with { Delta = delta }, input);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Label_smoothing_outside_0_to_1_names_labelSmoothing(double labelSmoothing)
    {
        var (call, input) = Valid("CrossEntropyLoss");
        AssertRejected("labelSmoothing", call with { LabelSmoothing = labelSmoothing }, input);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.25)]
    [InlineData(double.NaN)]
    public void Bce_input_that_is_not_a_probability_names_input(double bad)
    {
        var (call, input) = Valid("BceLoss");
        input[4] = bad;
        var exception = AssertRejected("input", call, input);
        Assert.Contains("input[4]", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Gradient_span_of_another_length_names_the_gradient(string loss)
    {
        var (call, input) = Valid(loss);
        var name = loss switch
        {
            "CrossEntropyLoss" => "gradLogits",
            "NllLoss" => "gradLogProbabilities",
            _ => "gradInput",
        };
        AssertBackwardRejects(name, call, input, new double[input.Length - 1]);
        AssertBackwardRejects(name, call, input, new double[input.Length + 1]);
    }

    /// <summary>The loss and its backward, double and float, throw naming <paramref name="name"/>; the gradient keeps its values.</summary>
    private static ArgumentException AssertRejected(string name, LossCall call, double[] input)
    {
        var exceptions = new List<ArgumentException>
        {
            Assert.ThrowsAny<ArgumentException>(() => call.Value(input)),
            Assert.ThrowsAny<ArgumentException>(() => call.Value(Array.ConvertAll(input, x => (float)x))),
            AssertBackwardRejects(name, call, input, new double[input.Length]),
        };
        foreach (var exception in exceptions)
        {
            Assert.Equal(name, exception.ParamName);
        }

        return exceptions[0];
    }

    private static ArgumentException AssertBackwardRejects(string name, LossCall call, double[] input, double[] gradient)
    {
        Array.Fill(gradient, 7.0);
        var exception = Assert.ThrowsAny<ArgumentException>(() => call.Backward(input, 1.0, gradient));
        Assert.Equal(name, exception.ParamName);
        Assert.All(gradient, g => Assert.Equal(7.0, g));

        var floatGradient = new float[gradient.Length];
        Array.Fill(floatGradient, 7f);
        var floatException = Assert.ThrowsAny<ArgumentException>(() => call.Backward(Array.ConvertAll(input, x => (float)x), 1f, floatGradient));
        Assert.Equal(name, floatException.ParamName);
        Assert.All(floatGradient, g => Assert.Equal(7f, g));
        return exception;
    }
}
