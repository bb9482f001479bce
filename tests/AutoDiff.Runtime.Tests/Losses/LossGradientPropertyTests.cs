using System;
using System.Linq;
using CsCheck;
using Xunit;

namespace AutoDiff.Runtime.Tests.Losses;

/// <summary>
/// The losses' generated backward methods at random points, a check independent of the PyTorch numbers: against
/// central finite differences of the loss itself, the seed scales the gradient, the gradient is added into what the span
/// holds, and the float overloads agree with the double ones.
/// </summary>
public sealed class LossGradientPropertyTests
{
    private static readonly Gen<Reduction> Reductions = Gen.OneOf<Reduction>(Reduction.Mean, Reduction.Sum);

    /// <summary>A residual of size in [0.05, 3] (either sign), at least 0.02 away from <paramref name="kink"/> in size.</summary>
    private static Gen<double> Residual(double kink)
        => Gen.Double[0.05, 3].Where(r => Math.Abs(r - kink) > 0.02).Select(Gen.Bool, (r, negative) => negative ? -r : r);

    /// <summary>A random call of <paramref name="loss"/> and an input for it, away from the loss's kinks.</summary>
    private static Gen<(LossCall Call, double[] Input)> Points(string loss) => loss switch
    {
        "MseLoss" or "L1Loss" =>
            from n in Gen.Int[1, 8]
            from target in Gen.Double[-2, 2].Array[n]
            from residual in Residual(0).Array[n]
            from reduction in Reductions
            select (new LossCall(loss, target, [], 0, reduction), target.Zip(residual, (t, r) => t + r).ToArray()),
        "SmoothL1Loss" or "HuberLoss" =>
            from n in Gen.Int[1, 8]
            from threshold in loss == "SmoothL1Loss" ? Gen.OneOf(Gen.Const(0.0), Gen.Double[0.2, 2]) : Gen.Double[0.2, 2]
            from target in Gen.Double[-2, 2].Array[n]
            from residual in Residual(threshold).Array[n]
            from reduction in Reductions
            select (new LossCall(loss, target, [], 0, reduction, Beta: threshold, Delta: threshold), target.Zip(residual, (t, r) => t + r).ToArray()),
        "BceLoss" =>
            from n in Gen.Int[1, 8]
            from input in Gen.Double[0.02, 0.98].Array[n]
            from target in Gen.OneOf(Gen.Double[0, 1], Gen.OneOf(new[] { 0.0, 1.0 })).Array[n]
            from reduction in Reductions
            select (new LossCall(loss, target, [], 0, reduction), input),
        "BceWithLogitsLoss" =>
            from n in Gen.Int[1, 8]
            from input in Gen.Double[-8, 8].Array[n]
            from target in Gen.OneOf(Gen.Double[0, 1], Gen.OneOf(new[] { 0.0, 1.0 })).Array[n]
            from reduction in Reductions
            select (new LossCall(loss, target, [], 0, reduction), input),
        "KlDivLoss" =>
            from n in Gen.Int[1, 8]
            from input in Gen.Double[-4, 0.5].Array[n]
            from target in Gen.OneOf(Gen.Double[0, 1], Gen.Const(0.0)).Array[n]
            from reduction in Reductions
            select (new LossCall(loss, target, [], 0, reduction), input),
        "CrossEntropyLoss" or "NllLoss" =>
            from batch in Gen.Int[1, 4]
            from classes in Gen.Int[1, 5]
            from input in Gen.Double[-5, 5].Array[batch * classes]
            from labels in Gen.Int[0, classes - 1].Array[batch]
            from smoothing in Gen.OneOf(Gen.Const(0.0), Gen.Double[0, 1])
            from reduction in Reductions
            select (new LossCall(loss, [], labels, classes, reduction, LabelSmoothing: smoothing), input),
        _ => throw new ArgumentException("no loss " + loss),
    };

    public static TheoryData<string> Names() => new(LossCall.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradient_matches_central_differences_at_random_points(string loss)
    {
        Points(loss).Sample(point =>
        {
            var (call, input) = point;
            var gradient = new double[input.Length];
            double value = call.Backward(input, 1.0, gradient);
            Assert.Equal(call.Value(input), value);
            for (int i = 0; i < input.Length; i++)
            {
                double numeric = CentralDifference(call, input, i);
                Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"{call} input=[{string.Join(", ", input)}]: grad[{i}] = {gradient[i]:R}, central difference {numeric:R}");
            }
        });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Seed_scales_the_gradient_and_the_gradient_is_added_into_the_span(string loss)
    {
        Points(loss).Select(Gen.Double[-3, 3].Array[64]).Sample((point, prefill) =>
        {
            var (call, input) = point;
            var once = new double[input.Length];
            double value = call.Backward(input, 1.0, once);

            var scaled = new double[input.Length];
            Assert.Equal(value, call.Backward(input, 2.5, scaled));
            var accumulated = prefill.Take(input.Length).ToArray();
            Assert.Equal(value, call.Backward(input, 1.0, accumulated));

            // Relative to the largest component, and to at least 1: a component is a sum of contributions of the
            // order of the seed (the cross-entropy's softmax and one-hot parts), each added into the span on its own,
            // so a component that cancels to about 0 keeps their rounding, and a tiny pre-filled value is absorbed.
            double largest = Math.Max(1, once.Max(Math.Abs));
            for (int i = 0; i < input.Length; i++)
            {
                double scale = Math.Max(Math.Abs(once[i]), largest);
                Assert.True(Math.Abs(scaled[i] - 2.5 * once[i]) <= 1e-14 * 2.5 * scale, $"{call}: seed 2.5 gave grad[{i}] = {scaled[i]:R}, 2.5 x {once[i]:R} expected");
                Assert.True(Math.Abs(accumulated[i] - (prefill[i] + once[i])) <= 1e-14 * Math.Max(Math.Abs(prefill[i]), scale),
                    $"{call}: grad[{i}] pre-filled with {prefill[i]:R} became {accumulated[i]:R}, not + {once[i]:R}");
            }
        });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Float_overload_agrees_with_the_double_overload_and_accumulates_with_the_seed(string loss)
    {
        Points(loss).Sample(point =>
        {
            var (call, wide) = point;
            var input = Array.ConvertAll(wide, x => (float)x);
            // The double overload at the same float point, with the target and options rounded to float as the float call does.
            var exact = call with
            {
                Target = Array.ConvertAll(call.Target, t => (double)(float)t),
                Beta = (float)call.Beta,
                Delta = (float)call.Delta,
                LabelSmoothing = (float)call.LabelSmoothing,
            };
            var widened = Array.ConvertAll(input, x => (double)x);
            var expected = new double[input.Length];
            double expectedValue = exact.Backward(widened, 2.5, expected);

            var gradient = new float[input.Length];
            Array.Fill(gradient, 0.5f);
            float value = call.Backward(input, 2.5f, gradient);

            Assert.Equal(call.Value(input), value);
            Assert.True(Math.Abs(value - expectedValue) <= 1e-6 * Math.Max(1e-30, Math.Abs(expectedValue)), $"{call}: value {value:R}, double {expectedValue:R}");
            // As in the double test: relative to the largest component and at least 1 (the pre-filled 0.5 and
            // contributions of the order of the seed are each rounded to float as they are added).
            double largest = Math.Max(1, expected.Max(Math.Abs));
            for (int i = 0; i < input.Length; i++)
            {
                double added = gradient[i] - 0.5;
                Assert.True(Math.Abs(added - expected[i]) <= 1e-6 * Math.Max(Math.Abs(expected[i]), largest),
                    $"{call}: float grad[{i}] added {added:R}, double {expected[i]:R}");
            }
        });
    }

    // (f(x + h e_i) - f(x - h e_i)) / 2h, h = 1e-6 max(1, |x_i|), divided by the step actually taken.
    private static double CentralDifference(LossCall call, double[] input, int i)
    {
        var x = (double[])input.Clone();
        double h = 1e-6 * Math.Max(1, Math.Abs(input[i]));
        double plus = input[i] + h, minus = input[i] - h;
        x[i] = plus;
        double up = call.Value(x);
        x[i] = minus;
        double down = call.Value(x);
        return (up - down) / (plus - minus);
    }
}
