using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;

namespace AutoDiff.Runtime.Tests.Losses;

/// <summary>
/// Every loss of <see cref="AutoDiff.Losses"/>, double and float, against PyTorch 1.13's value and input gradient at the
/// points of <c>ReferenceData/loss_reference.json</c> (edges included: probabilities 0 and 1, large logits, label
/// smoothing, residuals at beta and delta, zero targets, batches of one).
/// </summary>
public sealed class LossReferenceTests
{
    /// <summary>Double: 1e-12 relative to each component.</summary>
    private const double DoubleTolerance = 1e-12;

    /// <summary>Float against PyTorch's float32 kernels: 1e-5 relative.</summary>
    private const double FloatTolerance = 1e-5;

    public static TheoryData<string> Cases(string dtype)
    {
        var data = new TheoryData<string>();
        foreach (var name in LossReference.All.Values.Where(c => c.Dtype == dtype).Select(c => c.Name))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Reference_data_covers_every_loss_in_both_precisions_and_both_reductions()
    {
        foreach (var loss in LossCall.Names)
        {
            foreach (var dtype in new[] { "float64", "float32" })
            {
                foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
                {
                    Assert.Contains(LossReference.All.Values, c => c.Call.Loss == loss && c.Dtype == dtype && c.Call.Reduction == reduction);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases), "float64")]
    public void Double_loss_and_gradient_match_PyTorch(string name)
    {
        var reference = LossReference.All[name];
        var call = reference.Call;
        var gradient = new double[reference.Input.Length];

        double value = call.Value(reference.Input);
        double backwardValue = call.Backward(reference.Input, 1.0, gradient);

        Assert.Equal(value, backwardValue);
        AssertClose(name, DoubleTolerance, reference.Value, value, reference.Gradient, gradient);
    }

    [Theory]
    [MemberData(nameof(Cases), "float32")]
    public void Float_loss_and_gradient_match_PyTorch_float32_and_float64(string name)
    {
        var reference = LossReference.All[name];
        var call = reference.Call;
        var input = Array.ConvertAll(reference.Input, x => (float)x);
        Assert.Equal(reference.Input, Array.ConvertAll(input, x => (double)x)); // the JSON holds float32 values exactly
        var gradient = new float[input.Length];

        float value = call.Value(input);
        float backwardValue = call.Backward(input, 1.0f, gradient);

        Assert.Equal(value, backwardValue);
        var widened = Array.ConvertAll(gradient, g => (double)g);
        AssertClose(name + " (against float32)", FloatTolerance, reference.Value, value, reference.Gradient, widened);
        // Computed in double and rounded once: within a few float roundings of the exact (float64) answer.
        AssertClose(name + " (against float64)", 1e-6, reference.Value64!.Value, value, reference.Gradient64!, widened);
    }

    /// <summary>
    /// The value within <paramref name="tolerance"/> relative, and each gradient component within
    /// <paramref name="tolerance"/> relative to itself or, for a component far smaller than the largest (one that
    /// cancels to almost 0, such as <c>sigmoid(50) - 1</c>, which PyTorch rounds to 0 and these losses keep as
    /// -1.9e-22), relative to the largest component.
    /// </summary>
    internal static void AssertClose(string name, double tolerance, double expectedValue, double value, double[] expectedGradient, double[] gradient)
    {
        Assert.Equal(expectedGradient.Length, gradient.Length);
        var failures = new StringBuilder();
        Check("value", expectedValue, value, Math.Abs(expectedValue));
        double largest = expectedGradient.Length == 0 ? 0 : expectedGradient.Max(Math.Abs);
        for (int i = 0; i < gradient.Length; i++)
        {
            Check($"grad[{i}]", expectedGradient[i], gradient[i], Math.Max(Math.Abs(expectedGradient[i]), largest));
        }

        Assert.True(failures.Length == 0, $"{name}: beyond {tolerance:R} relative:\n{failures}");

        void Check(string what, double expected, double actual, double scale)
        {
            double error = Math.Abs(actual - expected);
            if (!(error <= tolerance * scale))
            {
                failures.AppendLine(string.Format(CultureInfo.InvariantCulture, "  {0}: expected {1:R}, got {2:R} (error {3:E2})", what, expected, actual, error));
            }
        }
    }
}
