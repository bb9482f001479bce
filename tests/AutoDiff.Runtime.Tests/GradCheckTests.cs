using System;
using System.Globalization;
using System.Threading;
using Xunit;

namespace AutoDiff.Runtime.Tests;

/// <summary>Hand-written functions in the generated backward convention, correct and deliberately wrong.</summary>
internal static class Fns
{
    // f(x, y) = x*y + sin(x); df/dx = y + cos(x); df/dy = x
    public static double Loss(double x, double y) => (x * y) + Math.Sin(x);

    public static double LossBackward(double x, double y, double seed, out double gradX, out double gradY)
    {
        gradX = seed * (y + Math.Cos(x));
        gradY = seed * x;
        return Loss(x, y);
    }

    public static double LossBackwardWrongSign(double x, double y, double seed, out double gradX, out double gradY)
    {
        gradX = seed * (y + Math.Cos(x));
        gradY = -seed * x;
        return Loss(x, y);
    }

    public static double LossBackwardSwapped(double x, double y, double seed, out double gradX, out double gradY)
    {
        gradY = seed * (y + Math.Cos(x));
        gradX = seed * x;
        return Loss(x, y);
    }

    public static double LossBackwardNoSeed(double x, double y, double seed, out double gradX, out double gradY)
    {
        gradX = y + Math.Cos(x);
        gradY = x;
        return Loss(x, y);
    }

    public static double LossBackwardNaN(double x, double y, double seed, out double gradX, out double gradY)
    {
        gradX = seed * (y + Math.Cos(x));
        gradY = double.NaN;
        return Loss(x, y);
    }

    public static double LossBackwardWrongValue(double x, double y, double seed, out double gradX, out double gradY)
    {
        LossBackward(x, y, seed, out gradX, out gradY);
        return Loss(x, y) + 1;
    }

    public static double LossBackwardScaledValue(double x, double y, double seed, out double gradX, out double gradY)
        => seed * LossBackward(x, y, seed, out gradX, out gradY);

    public static double Cube(double x) => x * x * x;

    public static double CubeBackward(double x, double seed, out double gradX)
    {
        gradX = seed * 3 * x * x;
        return Cube(x);
    }

    // f(x, y, z) = x * exp(y) / (1 + z^2)
    public static double Three(double x, double y, double z) => x * Math.Exp(y) / (1 + (z * z));

    public static double ThreeBackward(double x, double y, double z, double seed, out double gradX, out double gradY, out double gradZ)
    {
        double d = 1 + (z * z);
        double e = Math.Exp(y);
        gradX = seed * e / d;
        gradY = seed * x * e / d;
        gradZ = -seed * x * e * 2 * z / (d * d);
        return x * e / d;
    }

    // Generated shape for an array parameter: adds into the span.
    public static double SumSquares(double[] w)
    {
        double s = 0;
        foreach (double v in w)
        {
            s += v * v;
        }

        return s;
    }

    public static double SumSquaresBackward(double[] w, double seed, Span<double> gradW)
    {
        for (int i = 0; i < w.Length; i++)
        {
            gradW[i] += seed * 2 * w[i];
        }

        return SumSquares(w);
    }

    public static double SumSquaresBackwardOverwrites(double[] w, double seed, Span<double> gradW)
    {
        for (int i = 0; i < w.Length; i++)
        {
            gradW[i] = seed * 2 * w[i];
        }

        return SumSquares(w);
    }

    public static float LossF(float x, float y) => (x * y) + MathF.Sin(x);

    public static float LossFBackward(float x, float y, float seed, out float gradX, out float gradY)
    {
        gradX = seed * (y + MathF.Cos(x));
        gradY = seed * x;
        return LossF(x, y);
    }

    public static float LossFBackwardWrongSign(float x, float y, float seed, out float gradX, out float gradY)
    {
        gradX = -seed * (y + MathF.Cos(x));
        gradY = seed * x;
        return LossF(x, y);
    }

    public static float SquareF(float x) => x * x;

    public static float SquareFBackward(float x, float seed, out float gradX)
    {
        gradX = seed * 2 * x;
        return x * x;
    }

    public static float ThreeF(float x, float y, float z) => (x * y) + (y * z) + (z * x);

    public static float ThreeFBackward(float x, float y, float z, float seed, out float gradX, out float gradY, out float gradZ)
    {
        gradX = seed * (y + z);
        gradY = seed * (x + z);
        gradZ = seed * (y + x);
        return ThreeF(x, y, z);
    }

    public static float SumSquaresF(float[] w)
    {
        float s = 0;
        foreach (float v in w)
        {
            s += v * v;
        }

        return s;
    }

    public static float SumSquaresFBackward(float[] w, float seed, Span<float> gradW)
    {
        for (int i = 0; i < w.Length; i++)
        {
            gradW[i] += seed * 2 * w[i];
        }

        return SumSquaresF(w);
    }
}

public class GradCheckTests
{
    [Fact]
    public void CorrectBackwardPasses_WithMethodGroups()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackward, 0.5, -1.25);

        Assert.True(result.Passed, result.ToString());
        Assert.Empty(result.FailedComponents);
        Assert.Equal(2, result.Components.Count);
        Assert.Equal(-1.25 + Math.Cos(0.5), result.Components[0].Analytic, 15);
        Assert.Equal(-1.25 + Math.Cos(0.5), result.Components[0].Numeric, 8);
        Assert.Equal(0.5, result.Components[1].Analytic);
        Assert.Equal(0.5, result.Components[1].Numeric, 8);
        Assert.True(result.Components[0].AbsoluteError < 1e-8);
        Assert.Equal(Fns.Loss(0.5, -1.25), result.Point.Value);
        Assert.Equal(new[] { 0.5, -1.25 }, result.Point.X);
        Assert.False(result.IsSinglePrecision);
        Assert.Equal(GradCheckOptions.DefaultEpsilon, result.Epsilon);
        Assert.Equal(GradCheckOptions.DefaultAbsoluteTolerance, result.AbsoluteTolerance);
        Assert.Equal(GradCheckOptions.DefaultRelativeTolerance, result.RelativeTolerance);
        Assert.Same(result, result.ThrowIfFailed());
        Assert.StartsWith("GradCheck passed: 0 of 2 component(s) failed at 0 of 1 point(s)", result.ToString());
    }

    [Fact]
    public void OneAndThreeScalarOverloadsPass()
    {
        Assert.True(GradCheck.Check(Fns.Cube, Fns.CubeBackward, -1.7).Passed);
        var three = GradCheck.Check(Fns.Three, Fns.ThreeBackward, 0.3, -0.2, 1.1);
        Assert.True(three.Passed, three.ToString());
        Assert.Equal(3, three.Components.Count);
        Assert.Equal(new[] { 0, 1, 2 }, new[] { three.Components[0].Index, three.Components[1].Index, three.Components[2].Index });
    }

    [Fact]
    public void LambdasInOneLine()
    {
        double b = 3;
        var result = GradCheck.Check(
            x => x[0] * x[1] * b,
            (x, s, g) => { g[0] += s * x[1] * b; g[1] += s * x[0] * b; return x[0] * x[1] * b; },
            new[] { 2.0, 5.0 });
        Assert.True(result.Passed, result.ToString());

        // A scalar generated backward wrapped into the flat form with out into span elements.
        var wrapped = GradCheck.Check(x => Fns.Loss(x[0], x[1]), (x, s, g) => Fns.LossBackward(x[0], x[1], s, out g[0], out g[1]), new[] { 0.5, 2.0 });
        Assert.True(wrapped.Passed, wrapped.ToString());
    }

    [Fact]
    public void WrongSignIsReportedOnThatComponentOnly()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardWrongSign, 0.5, -1.25);

        Assert.False(result.Passed);
        var failed = Assert.Single(result.FailedComponents);
        Assert.Equal(1, failed.Index);
        Assert.Equal(0, failed.PointIndex);
        Assert.Equal(GradCheckFailure.GradientMismatch, failed.Failure);
        Assert.Equal(-0.5, failed.Analytic);
        Assert.Equal(0.5, failed.Numeric, 8);
        Assert.Equal(1.0, failed.AbsoluteError, 8);
        Assert.Equal(2.0, failed.RelativeError, 8);
        Assert.Equal(1e-5 + (1e-3 * 0.5), failed.Tolerance, 10);
        Assert.True(result.Components[0].Passed);
        string text = result.ToString();
        Assert.True(text.StartsWith("GradCheck FAILED: 1 of 2 component(s) failed at 1 of 1 point(s) (double, eps=1e-06, atol=1e-05, rtol=0.001)", StringComparison.Ordinal), text);
        Assert.Contains("MISMATCH", text);
        Assert.Contains("point 0: x = [0.5, -1.25]", text);
    }

    [Fact]
    public void WrongComponentIsReportedOnBoth()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardSwapped, 0.5, -1.25);

        Assert.False(result.Passed);
        Assert.Equal(2, result.FailedComponents.Count);
        Assert.Equal(0.5, result.Components[0].Analytic);
        Assert.Equal(-1.25 + Math.Cos(0.5), result.Components[0].Numeric, 8);
        Assert.Equal(Math.Abs(0.5 - (-1.25 + Math.Cos(0.5))), result.Components[0].AbsoluteError, 8);
        Assert.All(result.FailedComponents, c => Assert.Equal(GradCheckFailure.GradientMismatch, c.Failure));
    }

    [Fact]
    public void MissingSeedScalingIsReportedAsSeedNotLinear()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardNoSeed, 0.5, -1.25);

        Assert.False(result.Passed);
        Assert.Equal(2, result.FailedComponents.Count);
        foreach (var c in result.Components)
        {
            Assert.Equal(GradCheckFailure.SeedNotLinear, c.Failure);
            Assert.Equal(c.Analytic, c.AnalyticWithSeed2);
        }

        Assert.Contains("not twice seed 1", result.ToString());

        // Without the seed check, the seed-1 gradient alone is right.
        Assert.True(GradCheck.Check(Fns.Loss, Fns.LossBackwardNoSeed, 0.5, -1.25, new GradCheckOptions { CheckSeedLinearity = false }).Passed);
    }

    [Fact]
    public void NaNAnalyticIsReportedNotPassed()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardNaN, 0.5, -1.25);

        Assert.False(result.Passed);
        var failed = Assert.Single(result.FailedComponents);
        Assert.Equal(1, failed.Index);
        Assert.Equal(GradCheckFailure.AnalyticNotFinite, failed.Failure);
        Assert.True(double.IsNaN(failed.Analytic));
        Assert.True(double.IsNaN(failed.AbsoluteError));
        Assert.Contains("analytic not finite", result.ToString());
        Assert.Contains("NaN", result.ToString());
    }

    [Fact]
    public void InfiniteAnalyticAtSqrtZeroIsReported()
    {
        var result = GradCheck.Check(Math.Sqrt, (double x, double s, out double g) => { g = s * 0.5 / Math.Sqrt(x); return Math.Sqrt(x); }, 0.0);

        Assert.False(result.Passed);
        var c = Assert.Single(result.FailedComponents);
        Assert.True(double.IsPositiveInfinity(c.Analytic));
        Assert.True(double.IsNaN(c.Numeric)); // Sqrt(-h) is NaN
        Assert.Equal(GradCheckFailure.AnalyticNotFinite | GradCheckFailure.NumericNotFinite, c.Failure);
    }

    [Fact]
    public void WrongPrimalValueIsReported()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardWrongValue, 0.5, -1.25);
        Assert.False(result.Passed);
        Assert.Empty(result.FailedComponents);
        Assert.Equal(GradCheckFailure.ValueMismatch, result.Point.Failure);
        Assert.Equal(result.Point.Value + 1, result.Point.BackwardValue);
        Assert.Contains("backward's value differs from f(x)", result.ToString());

        Assert.True(GradCheck.Check(Fns.Loss, Fns.LossBackwardWrongValue, 0.5, -1.25, new GradCheckOptions { CheckValue = false }).Passed);
    }

    [Fact]
    public void ValueScaledBySeedIsReported()
    {
        // seed 1 returns the right value; only the seed-2 call exposes it.
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardScaledValue, 0.5, -1.25);
        Assert.False(result.Passed);
        Assert.Equal(GradCheckFailure.ValueMismatch, result.Point.Failure);
    }

    [Fact]
    public void NonFiniteValueIsReported()
    {
        var result = GradCheck.Check(Math.Log, (double x, double s, out double g) => { g = s / x; return Math.Log(x); }, 0.0);
        Assert.False(result.Passed);
        Assert.Equal(GradCheckFailure.ValueNotFinite, result.Point.Failure & GradCheckFailure.ValueNotFinite);
    }

    [Fact]
    public void ArrayBackwardMethodGroupConvertsAndAccumulationIsChecked()
    {
        var point = new[] { 1.0, -2.0, 0.25 };
        var ok = GradCheck.Check(Fns.SumSquares, Fns.SumSquaresBackward, point, new GradCheckOptions { CheckAccumulation = true });
        Assert.True(ok.Passed, ok.ToString());
        Assert.Equal(new[] { 1.0, -2.0, 0.25 }, point); // not modified

        var overwrites = GradCheck.Check(Fns.SumSquares, Fns.SumSquaresBackwardOverwrites, point, new GradCheckOptions { CheckAccumulation = true });
        Assert.False(overwrites.Passed);
        Assert.Equal(3, overwrites.FailedComponents.Count);
        Assert.All(overwrites.FailedComponents, c => Assert.Equal(GradCheckFailure.NotAccumulated, c.Failure));

        // Off by default: assigning into the zeroed span is fine for checking.
        Assert.True(GradCheck.Check(Fns.SumSquares, Fns.SumSquaresBackwardOverwrites, point).Passed);
    }

    [Fact]
    public void FunctionThatMutatesItsArgumentDoesNotCorruptTheCheck()
    {
        double F(double[] x)
        {
            double v = x[0] * x[1];
            x[0] = 1e9;
            x[1] = -1e9;
            return v;
        }

        double B(double[] x, double s, Span<double> g)
        {
            double v = x[0] * x[1];
            g[0] += s * x[1];
            g[1] += s * x[0];
            x[0] = 42;
            return v;
        }

        var result = GradCheck.Check(F, B, new[] { 3.0, 4.0 });
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void RelativeStepHandlesLargeArguments()
    {
        var result = GradCheck.Check(Fns.Cube, Fns.CubeBackward, 1e5);
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(3e10, result.Components[0].Analytic);
    }

    [Fact]
    public void FloatOverloadsUseFloatDefaults()
    {
        var result = GradCheck.Check(Fns.LossF, Fns.LossFBackward, 0.5f, -1.25f);
        Assert.True(result.Passed, result.ToString());
        Assert.True(result.IsSinglePrecision);
        Assert.Equal(GradCheckOptions.DefaultEpsilonSingle, result.Epsilon);
        Assert.Equal(GradCheckOptions.DefaultAbsoluteToleranceSingle, result.AbsoluteTolerance);
        Assert.Equal(GradCheckOptions.DefaultRelativeToleranceSingle, result.RelativeTolerance);
        Assert.Contains("(float, eps=0.001, atol=0.01, rtol=0.01)", result.ToString());

        Assert.True(GradCheck.Check(Fns.SquareF, Fns.SquareFBackward, 3.5f).Passed);
        Assert.True(GradCheck.Check(Fns.ThreeF, Fns.ThreeFBackward, 0.5f, 1.5f, -2f).Passed);
        Assert.True(GradCheck.Check(Fns.SumSquaresF, Fns.SumSquaresFBackward, new[] { 1f, -2f, 3f }, new GradCheckOptions { CheckAccumulation = true }).Passed);

        var wrong = GradCheck.Check(Fns.LossF, Fns.LossFBackwardWrongSign, 0.5f, -1.25f);
        Assert.False(wrong.Passed);
        var c = Assert.Single(wrong.FailedComponents);
        Assert.Equal(0, c.Index);
        Assert.Equal(-(-1.25f + MathF.Cos(0.5f)), c.Analytic, 6);
        Assert.Equal(-1.25 + Math.Cos(0.5), c.Numeric, 3);
    }

    [Fact]
    public void FloatPointIsExactlyTheFloat()
    {
        var result = GradCheck.Check(Fns.SquareF, Fns.SquareFBackward, 0.1f);
        Assert.Equal((double)0.1f, result.Point.X[0]);
        Assert.Equal((double)(0.1f * 0.1f), result.Point.Value);
    }

    [Fact]
    public void ThrowIfFailedThrowsWithTheTable()
    {
        var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardWrongSign, 0.5, -1.25);
        var ex = Assert.Throws<GradCheckException>(() => result.ThrowIfFailed());
        Assert.Same(result, ex.Result);
        Assert.Equal(result.ToString(), ex.Message);
        Assert.Contains("index", ex.Message);
        Assert.Contains("analytic", ex.Message);
        Assert.Contains("numeric", ex.Message);
    }

    [Fact]
    public void FormattingIsCultureInvariant()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var result = GradCheck.Check(Fns.Loss, Fns.LossBackwardWrongSign, 0.5, -1.25);
            string text = result.ToString();
            Assert.Contains("x = [0.5, -1.25]", text);
            Assert.DoesNotContain("0,5", text);
            Assert.Contains("rtol=0.001", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void RandomPointsAreReproducibleAndInRange()
    {
        var a = GradCheck.CheckAtRandomPoints(Fns.Loss, Fns.LossBackward, 20, -2, 3, 1234);
        var b = GradCheck.CheckAtRandomPoints(Fns.Loss, Fns.LossBackward, 20, -2, 3, 1234);
        var c = GradCheck.CheckAtRandomPoints(Fns.Loss, Fns.LossBackward, 20, -2, 3, 1235);
        Assert.True(a.Passed, a.ToString());
        Assert.Equal(20, a.Points.Count);
        Assert.Equal(40, a.Components.Count);
        for (int p = 0; p < 20; p++)
        {
            Assert.Equal(p, a.Points[p].Index);
            Assert.Equal(a.Points[p].X, b.Points[p].X);
            Assert.All(a.Points[p].X, v => Assert.InRange(v, -2, 3));
        }

        Assert.NotEqual(a.Points[0].X, c.Points[0].X);

        // Independent of the runtime: SplitMix64 from seed 1234, first draw.
        Assert.Equal(a.Points[0].X[0], GradCheck.CheckAtRandomPoints(x => x[0], (x, s, g) => { g[0] += s; return x[0]; }, 1, 1, -2.0, 3.0, 1234).Points[0].X[0]);
    }

    [Fact]
    public void RandomPointsReportOnlyFailingPoints()
    {
        // Wrong only where x > 0: roughly half of the points fail.
        Backward1 halfWrong = (double x, double s, out double g) =>
        {
            g = x > 0 ? -s * 3 * x * x : s * 3 * x * x;
            return Fns.Cube(x);
        };
        var result = GradCheck.CheckAtRandomPoints(Fns.Cube, halfWrong, 8, -1, 1, 7);
        Assert.False(result.Passed);
        Assert.NotEmpty(result.FailedComponents);
        Assert.All(result.FailedComponents, f => Assert.True(result.Points[f.PointIndex].X[0] > 0));
        Assert.True(result.FailedComponents.Count < 8);
        string text = result.ToString();
        foreach (var point in result.Points)
        {
            bool failed = point.X[0] > 0;
            Assert.Equal(failed, text.Contains("point " + point.Index.ToString(CultureInfo.InvariantCulture) + ":", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void RandomPointsOverloadsForEveryShape()
    {
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.SumSquares, Fns.SumSquaresBackward, 5, 10, -3, 3, 1).Passed);
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.Cube, Fns.CubeBackward, 10, -3, 3, 1).Passed);
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.Three, Fns.ThreeBackward, 10, -1, 1, 1).Passed);
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.SumSquaresF, Fns.SumSquaresFBackward, 5, 10, -3f, 3f, 1).Passed);
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.SquareF, Fns.SquareFBackward, 10, -3f, 3f, 1).Passed);
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.LossF, Fns.LossFBackward, 10, -3f, 3f, 1).Passed);
        Assert.True(GradCheck.CheckAtRandomPoints(Fns.ThreeF, Fns.ThreeFBackward, 10, -3f, 3f, 1).Passed);
        var floats = GradCheck.CheckAtRandomPoints(Fns.ThreeF, Fns.ThreeFBackward, 3, -3f, 3f, 1);
        Assert.All(floats.Components, c => Assert.Equal((double)(float)c.X, c.X));
    }

    [Fact]
    public void ManyPointsTableIsCapped()
    {
        var result = GradCheck.CheckAtRandomPoints(Fns.Cube, Fns.CubeBackward, 25, -1, 1, 3);
        Assert.True(result.Passed);
        Assert.Contains("... 15 more point(s) not shown", result.ToString());
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.Check(Fns.Cube, Fns.CubeBackward, 1, new GradCheckOptions { Epsilon = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.Check(Fns.Cube, Fns.CubeBackward, 1, new GradCheckOptions { AbsoluteTolerance = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.Check(Fns.Cube, Fns.CubeBackward, 1, new GradCheckOptions { RelativeTolerance = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.CheckAtRandomPoints(Fns.Cube, Fns.CubeBackward, 0, -1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.CheckAtRandomPoints(Fns.Cube, Fns.CubeBackward, 3, 1, -1, 1));
        Assert.Throws<ArgumentNullException>(() => GradCheck.Check(null!, Fns.SumSquaresBackward, new[] { 1.0 }));
        Assert.Throws<ArgumentNullException>(() => GradCheck.Check(Fns.SumSquares, Fns.SumSquaresBackward, null!));
    }

    [Fact]
    public void CustomTolerancesAreApplied()
    {
        // 1% wrong: fails the default rtol 1e-3, passes rtol 2e-2.
        Backward1 onePercentOff = (double x, double s, out double g) => { g = s * 3 * x * x * 1.01; return Fns.Cube(x); };
        var strict = GradCheck.Check(Fns.Cube, onePercentOff, 2.0);
        Assert.False(strict.Passed);
        Assert.Equal(0.01 * 12 / 12.000000000001, strict.Components[0].RelativeError, 6);
        Assert.True(GradCheck.Check(Fns.Cube, onePercentOff, 2.0, new GradCheckOptions { RelativeTolerance = 2e-2 }).Passed);
    }
}
