using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AutoDiff;

/// <summary>What <see cref="GradCheck"/> found wrong at a point or in one gradient component.</summary>
[Flags]
public enum GradCheckFailure
{
    /// <summary>Nothing: the check passed.</summary>
    None = 0,

    /// <summary>The analytic gradient (backward with seed 1) and the central difference disagree beyond the tolerance.</summary>
    GradientMismatch = 1,

    /// <summary>The analytic gradient is NaN or infinite. Never passed, whatever the central difference says.</summary>
    AnalyticNotFinite = 2,

    /// <summary>The central difference is NaN or infinite (the function is not finite, or not defined, next to the point).</summary>
    NumericNotFinite = 4,

    /// <summary>The backward with seed 2 did not give twice the gradient of seed 1: the seed is ignored or misapplied.</summary>
    SeedNotLinear = 8,

    /// <summary>The backward overwrote its gradient span instead of adding into it (only with <see cref="GradCheckOptions.CheckAccumulation"/>).</summary>
    NotAccumulated = 16,

    /// <summary>The value the backward returned differs from <c>f(x)</c>.</summary>
    ValueMismatch = 32,

    /// <summary><c>f(x)</c> is NaN or infinite.</summary>
    ValueNotFinite = 64,
}

/// <summary>One gradient component at one point: the analytic value of the backward against the central difference.</summary>
public sealed class GradCheckComponent
{
    internal GradCheckComponent(int pointIndex, int index, double x, double analytic, double numeric, double analyticWithSeed2, double tolerance, GradCheckFailure failure)
    {
        PointIndex = pointIndex;
        Index = index;
        X = x;
        Analytic = analytic;
        Numeric = numeric;
        AnalyticWithSeed2 = analyticWithSeed2;
        Tolerance = tolerance;
        Failure = failure;
    }

    /// <summary>The index of the point in <see cref="GradCheckResult.Points"/>.</summary>
    public int PointIndex { get; }

    /// <summary>The index of the component in the flattened parameters (0 for <c>x</c>, 1 for <c>y</c>, ... in the scalar overloads).</summary>
    public int Index { get; }

    /// <summary>The value of this parameter at the point.</summary>
    public double X { get; }

    /// <summary>The gradient component the backward returned with seed 1.</summary>
    public double Analytic { get; }

    /// <summary>The central difference <c>(f(x + h·e_i) - f(x - h·e_i)) / (2h)</c>.</summary>
    public double Numeric { get; }

    /// <summary>The gradient component the backward returned with seed 2 (NaN when the seed was not checked).</summary>
    public double AnalyticWithSeed2 { get; }

    /// <summary><c>|Analytic - Numeric|</c>.</summary>
    public double AbsoluteError => Math.Abs(Analytic - Numeric);

    /// <summary>
    /// <c>|Analytic - Numeric| / |Numeric|</c>: 0 when both are equal, +Infinity when only the numeric value is 0,
    /// NaN when either is NaN.
    /// </summary>
    public double RelativeError
    {
        get
        {
            double error = AbsoluteError;
            return error == 0 ? 0 : error / Math.Abs(Numeric);
        }
    }

    /// <summary>The allowed error <c>atol + rtol · |Numeric|</c>.</summary>
    public double Tolerance { get; }

    /// <summary>What is wrong with this component; <see cref="GradCheckFailure.None"/> when it passed.</summary>
    public GradCheckFailure Failure { get; }

    /// <summary>Whether this component passed every check.</summary>
    public bool Passed => Failure == GradCheckFailure.None;

    /// <summary>A one-line, culture-invariant description.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture,
        "point {0} component {1}: analytic {2}, numeric {3}, abs err {4}, rel err {5}: {6}",
        PointIndex,
        Index,
        GradCheckResult.Format(Analytic),
        GradCheckResult.Format(Numeric),
        GradCheckResult.FormatShort(AbsoluteError),
        GradCheckResult.FormatShort(RelativeError),
        GradCheckResult.Describe(Failure, AnalyticWithSeed2));
}

/// <summary>One point of a gradient check: the function's value there and what the backward returned.</summary>
public sealed class GradCheckPoint
{
    internal GradCheckPoint(int index, double[] x, double value, double backwardValue, GradCheckFailure failure)
    {
        Index = index;
        X = x;
        Value = value;
        BackwardValue = backwardValue;
        Failure = failure;
    }

    /// <summary>The index of this point in <see cref="GradCheckResult.Points"/>.</summary>
    public int Index { get; }

    /// <summary>The point: all differentiable parameters, flattened (float points widened to double exactly).</summary>
    public IReadOnlyList<double> X { get; }

    /// <summary>The function's value <c>f(x)</c>.</summary>
    public double Value { get; }

    /// <summary>The value the backward returned with seed 1 (it should equal <see cref="Value"/>).</summary>
    public double BackwardValue { get; }

    /// <summary>
    /// What is wrong at the point itself (<see cref="GradCheckFailure.ValueMismatch"/>, <see cref="GradCheckFailure.ValueNotFinite"/>);
    /// the components' failures are in <see cref="GradCheckComponent.Failure"/>.
    /// </summary>
    public GradCheckFailure Failure { get; }
}

/// <summary>
/// The outcome of <see cref="GradCheck"/>: whether the backward agreed with central finite differences, and per point and
/// per component the analytic and numeric values and their errors. <see cref="ToString"/> prints a table.
/// </summary>
public sealed class GradCheckResult
{
    private const int MaxPrintedPoints = 10;

    private readonly GradCheckPoint[] points;
    private readonly GradCheckComponent[] components;

    internal GradCheckResult(bool single, double epsilon, double absoluteTolerance, double relativeTolerance, GradCheckPoint[] points, GradCheckComponent[] components)
    {
        IsSinglePrecision = single;
        Epsilon = epsilon;
        AbsoluteTolerance = absoluteTolerance;
        RelativeTolerance = relativeTolerance;
        this.points = points;
        this.components = components;
        var failed = new List<GradCheckComponent>();
        foreach (var component in components)
        {
            if (!component.Passed)
            {
                failed.Add(component);
            }
        }

        FailedComponents = failed;
        bool passed = failed.Count == 0;
        foreach (var point in points)
        {
            passed &= point.Failure == GradCheckFailure.None;
        }

        Passed = passed;
    }

    /// <summary>Whether every point and every component passed.</summary>
    public bool Passed { get; }

    /// <summary>Whether the function was checked in <see cref="float"/> (otherwise <see cref="double"/>).</summary>
    public bool IsSinglePrecision { get; }

    /// <summary>The relative step ε that was used.</summary>
    public double Epsilon { get; }

    /// <summary>The absolute tolerance <c>atol</c> that was used.</summary>
    public double AbsoluteTolerance { get; }

    /// <summary>The relative tolerance <c>rtol</c> that was used.</summary>
    public double RelativeTolerance { get; }

    /// <summary>The points checked, in order (one for <c>Check</c>).</summary>
    public IReadOnlyList<GradCheckPoint> Points => points;

    /// <summary>The first point; for <c>Check</c>, the only one.</summary>
    public GradCheckPoint Point => points[0];

    /// <summary>All components of all points, point by point; for a single point <c>Components[i]</c> is component <c>i</c>.</summary>
    public IReadOnlyList<GradCheckComponent> Components => components;

    /// <summary>The components that did not pass, in the order of <see cref="Components"/>.</summary>
    public IReadOnlyList<GradCheckComponent> FailedComponents { get; }

    /// <summary>Throws a <see cref="GradCheckException"/> carrying this result's table unless the check passed.</summary>
    /// <returns>This result, when it passed.</returns>
    /// <exception cref="GradCheckException">The check failed.</exception>
    public GradCheckResult ThrowIfFailed() => Passed ? this : throw new GradCheckException(this);

    /// <summary>
    /// A culture-invariant report: a summary line, then for each failing point (or each point, when all passed; at most
    /// ten) a table of the components with x, analytic, numeric, absolute and relative error, tolerance and status.
    /// </summary>
    /// <returns>The report.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        int failedPoints = 0;
        foreach (var point in points)
        {
            if (!PointPassed(point))
            {
                failedPoints++;
            }
        }

        text.AppendFormat(
            CultureInfo.InvariantCulture,
            "GradCheck {0}: {1} of {2} component(s) failed at {3} of {4} point(s) ({5}, eps={6}, atol={7}, rtol={8})",
            Passed ? "passed" : "FAILED",
            FailedComponents.Count,
            components.Length,
            failedPoints,
            points.Length,
            IsSinglePrecision ? "float" : "double",
            FormatShort(Epsilon),
            FormatShort(AbsoluteTolerance),
            FormatShort(RelativeTolerance));
        text.AppendLine();

        int printed = 0;
        foreach (var point in points)
        {
            if (!Passed && PointPassed(point))
            {
                continue;
            }

            if (printed == MaxPrintedPoints)
            {
                text.AppendFormat(CultureInfo.InvariantCulture, "... {0} more point(s) not shown", (Passed ? points.Length : failedPoints) - printed).AppendLine();
                break;
            }

            printed++;
            AppendPoint(text, point);
        }

        return text.ToString();
    }

    internal static string Format(double value) => value.ToString("g9", CultureInfo.InvariantCulture);

    internal static string FormatShort(double value) => value.ToString("g3", CultureInfo.InvariantCulture);

    internal static string Describe(GradCheckFailure failure, double analyticWithSeed2)
    {
        if (failure == GradCheckFailure.None)
        {
            return "ok";
        }

        var parts = new List<string>();
        if ((failure & GradCheckFailure.ValueNotFinite) != 0)
        {
            parts.Add("f(x) not finite");
        }

        if ((failure & GradCheckFailure.ValueMismatch) != 0)
        {
            parts.Add("backward's value differs from f(x)");
        }

        if ((failure & GradCheckFailure.GradientMismatch) != 0)
        {
            parts.Add("MISMATCH");
        }

        if ((failure & GradCheckFailure.AnalyticNotFinite) != 0)
        {
            parts.Add("analytic not finite");
        }

        if ((failure & GradCheckFailure.NumericNotFinite) != 0)
        {
            parts.Add("numeric not finite");
        }

        if ((failure & GradCheckFailure.SeedNotLinear) != 0)
        {
            parts.Add("seed 2 gave " + Format(analyticWithSeed2) + ", not twice seed 1");
        }

        if ((failure & GradCheckFailure.NotAccumulated) != 0)
        {
            parts.Add("overwrote instead of adding into grad");
        }

        return string.Join("; ", parts.ToArray());
    }

    private bool PointPassed(GradCheckPoint point)
    {
        if (point.Failure != GradCheckFailure.None)
        {
            return false;
        }

        foreach (var component in FailedComponents)
        {
            if (component.PointIndex == point.Index)
            {
                return false;
            }
        }

        return true;
    }

    private void AppendPoint(StringBuilder text, GradCheckPoint point)
    {
        text.Append("point ").Append(point.Index.ToString(CultureInfo.InvariantCulture)).Append(": x = [");
        for (int i = 0; i < point.X.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(Format(point.X[i]));
        }

        text.Append("], f(x) = ").Append(Format(point.Value))
            .Append(", backward returned ").Append(Format(point.BackwardValue));
        if (point.Failure != GradCheckFailure.None)
        {
            text.Append(": ").Append(Describe(point.Failure, double.NaN));
        }

        text.AppendLine();
        text.AppendFormat(
            CultureInfo.InvariantCulture,
            "  {0,5} {1,16} {2,16} {3,16} {4,10} {5,10} {6,10}  {7}",
            "index",
            "x",
            "analytic",
            "numeric",
            "abs err",
            "rel err",
            "tolerance",
            "status").AppendLine();
        foreach (var c in components)
        {
            if (c.PointIndex != point.Index)
            {
                continue;
            }

            text.AppendFormat(
                CultureInfo.InvariantCulture,
                "  {0,5} {1,16} {2,16} {3,16} {4,10} {5,10} {6,10}  {7}",
                c.Index,
                Format(c.X),
                Format(c.Analytic),
                Format(c.Numeric),
                FormatShort(c.AbsoluteError),
                FormatShort(c.RelativeError),
                FormatShort(c.Tolerance),
                Describe(c.Failure, c.AnalyticWithSeed2)).AppendLine();
        }
    }
}

/// <summary>Thrown by <see cref="GradCheckResult.ThrowIfFailed"/>; its message is the result's table.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception for a failed result.</summary>
    /// <param name="result">The failed result; its <see cref="GradCheckResult.ToString"/> is the message.</param>
    public GradCheckException(GradCheckResult result)
        : base((result ?? throw new ArgumentNullException(nameof(result))).ToString())
    {
        Result = result;
    }

    /// <summary>The failed result.</summary>
    public GradCheckResult Result { get; }
}
