using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff;

/// <summary>
/// A tangent method (generated <c>FTangent</c> or hand-written) over a flat <see cref="double"/> vector, in the form
/// <see cref="GradCheck.CheckTangent(Func{double[], double}, TangentFunc, double[], double[], GradCheckOptions?)"/> checks:
/// it returns the function's value at <paramref name="x"/> and sets <paramref name="directional"/> to its derivative
/// along <paramref name="tangent"/>.
/// </summary>
/// <remarks>A generated <c>double LossTangent(double[] w, ReadOnlySpan&lt;double&gt; tangentW, out double tangent)</c> converts directly.</remarks>
public delegate double TangentFunc(double[] x, ReadOnlySpan<double> tangent, out double directional);

/// <summary>The generated tangent of <c>double F(double x)</c>: returns <c>F(x)</c>, and <paramref name="tangent"/> = F'(x) · tangentX.</summary>
public delegate double Tangent1(double x, double tangentX, out double tangent);

/// <summary>The generated tangent of <c>double F(double x, double y)</c>: returns <c>F(x, y)</c> and the derivative along (tangentX, tangentY).</summary>
public delegate double Tangent2(double x, double y, double tangentX, double tangentY, out double tangent);

/// <summary>
/// A Hessian-vector method (generated <c>FHessianVector</c>) over a flat <see cref="double"/> vector: returns the
/// function's value, ADDS the gradient into <paramref name="gradient"/> and the Hessian times <paramref name="v"/> into
/// <paramref name="product"/>.
/// </summary>
/// <remarks>A generated <c>double LossHessianVector(double[] w, ReadOnlySpan&lt;double&gt; tangentW, Span&lt;double&gt; gradW, Span&lt;double&gt; hvW)</c> converts directly.</remarks>
public delegate double HessianVectorFunc(double[] x, ReadOnlySpan<double> v, Span<double> gradient, Span<double> product);

public static partial class GradCheck
{
    /// <summary>
    /// Checks a tangent method against the central difference of its function along <paramref name="direction"/>:
    /// <c>(f(x + h·v) - f(x - h·v)) / 2h</c> with <c>h = ε · max(1, |x|∞)</c>, and that the value it returns is <c>f(x)</c>.
    /// The tolerances are those of <see cref="GradCheckOptions"/>, as for gradients.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="tangent">Its tangent method.</param>
    /// <param name="point">The point; not modified.</param>
    /// <param name="direction">The direction v, of the point's length; not modified.</param>
    /// <param name="options">Step and tolerances; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result; call <see cref="DirectionalCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static DirectionalCheckResult CheckTangent(Func<double[], double> f, TangentFunc tangent, double[] point, double[] direction, GradCheckOptions? options = null)
    {
        NotNull(f, nameof(f));
        NotNull(tangent, nameof(tangent));
        var (x, v) = PointAndDirection(point, direction);
        (options ?? DefaultOptions).Resolve(false, out var epsilon, out var atol, out var rtol);
        var value = f((double[])x.Clone());
        var returned = tangent((double[])x.Clone(), (double[])v.Clone(), out var analytic);
        var numeric = Directional(y => f(y), x, v, epsilon)[0];
        var component = new DirectionalCheckComponent(0, analytic, numeric, atol + rtol * Math.Abs(numeric));
        var valueMatches = Close(returned, value, atol, rtol);
        return new DirectionalCheckResult("tangent", x, v, value, returned, valueMatches, true, new[] { component });
    }

    /// <summary>Checks the generated tangent of <c>double F(double x)</c> at <paramref name="x"/> along <paramref name="tangentX"/>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="tangent">Its tangent (a generated <c>FTangent</c> method group converts directly).</param>
    /// <param name="x">The point.</param>
    /// <param name="tangentX">The direction.</param>
    /// <param name="options">Step and tolerances; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result.</returns>
    public static DirectionalCheckResult CheckTangent(Func<double, double> f, Tangent1 tangent, double x, double tangentX = 1, GradCheckOptions? options = null)
    {
        NotNull(f, nameof(f));
        NotNull(tangent, nameof(tangent));
        return CheckTangent(p => f(p[0]), (double[] p, ReadOnlySpan<double> t, out double d) => tangent(p[0], t[0], out d), new[] { x }, new[] { tangentX }, options);
    }

    /// <summary>Checks the generated tangent of <c>double F(double x, double y)</c> at <c>(x, y)</c> along <c>(tangentX, tangentY)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="tangent">Its tangent (a generated <c>FTangent</c> method group converts directly).</param>
    /// <param name="x">The first coordinate of the point.</param>
    /// <param name="y">The second coordinate of the point.</param>
    /// <param name="tangentX">The direction's first coordinate.</param>
    /// <param name="tangentY">The direction's second coordinate.</param>
    /// <param name="options">Step and tolerances; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result.</returns>
    public static DirectionalCheckResult CheckTangent(Func<double, double, double> f, Tangent2 tangent, double x, double y, double tangentX, double tangentY, GradCheckOptions? options = null)
    {
        NotNull(f, nameof(f));
        NotNull(tangent, nameof(tangent));
        return CheckTangent(p => f(p[0], p[1]), (double[] p, ReadOnlySpan<double> t, out double d) => tangent(p[0], p[1], t[0], t[1], out d), new[] { x, y }, new[] { tangentX, tangentY }, options);
    }

    /// <summary>
    /// Checks a Hessian-vector method against central differences of the backward's gradient along
    /// <paramref name="direction"/>: component i of <c>(∇f(x + h·v) - ∇f(x - h·v)) / 2h</c>, with <c>h = ε · max(1, |x|∞)</c>;
    /// and that its value and gradient are the backward's (within the tolerances) and that it adds into its spans.
    /// </summary>
    /// <param name="backward">The function's backward (it adds seed times the gradient into its span).</param>
    /// <param name="hessianVector">The Hessian-vector method.</param>
    /// <param name="point">The point; not modified.</param>
    /// <param name="direction">The direction v, of the point's length; not modified.</param>
    /// <param name="options">Step and tolerances; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result, one component per coordinate of the product.</returns>
    public static DirectionalCheckResult CheckHessianVector(GradientFunc backward, HessianVectorFunc hessianVector, double[] point, double[] direction, GradCheckOptions? options = null)
    {
        NotNull(backward, nameof(backward));
        NotNull(hessianVector, nameof(hessianVector));
        var (x, v) = PointAndDirection(point, direction);
        (options ?? DefaultOptions).Resolve(false, out var epsilon, out var atol, out var rtol);
        var n = x.Length;
        var expectedGradient = new double[n];
        var value = backward((double[])x.Clone(), 1, expectedGradient);

        // The spans start at 1: the method must add into them (as the backward adds into its gradient).
        var gradient = Enumerable.Repeat(1.0, n).ToArray();
        var product = Enumerable.Repeat(1.0, n).ToArray();
        var returned = hessianVector((double[])x.Clone(), (double[])v.Clone(), gradient, product);
        var gradientMatches = true;
        for (var i = 0; i < n; i++)
        {
            gradientMatches &= Close(gradient[i] - 1, expectedGradient[i], atol, rtol);
        }

        var numeric = Directional(y =>
        {
            var g = new double[n];
            backward(y, 1, g);
            return g;
        }, x, v, epsilon);
        var components = new DirectionalCheckComponent[n];
        for (var i = 0; i < n; i++)
        {
            components[i] = new DirectionalCheckComponent(i, product[i] - 1, numeric[i], atol + rtol * Math.Abs(numeric[i]));
        }

        return new DirectionalCheckResult("Hessian-vector product", x, v, value, returned, Close(returned, value, atol, rtol), gradientMatches, components);
    }

    private static (double[] X, double[] V) PointAndDirection(double[] point, double[] direction)
    {
        NotNull(point, nameof(point));
        NotNull(direction, nameof(direction));
        if (direction.Length != point.Length)
        {
            throw new ArgumentException($"The direction has {direction.Length} components and the point {point.Length}; they must have the same length.", nameof(direction));
        }

        return ((double[])point.Clone(), (double[])direction.Clone());
    }

    // (g(x + h v) - g(x - h v)) / 2h for a vector-valued g, with h relative to the point's scale.
    private static double[] Directional(Func<double[], double[]> g, double[] x, double[] v, double epsilon)
    {
        var h = epsilon * Math.Max(1, x.Select(Math.Abs).DefaultIfEmpty(0).Max());
        var plus = x.Select((a, i) => a + h * v[i]).ToArray();
        var minus = x.Select((a, i) => a - h * v[i]).ToArray();
        var gp = g(plus);
        var gm = g(minus);
        return gp.Select((a, i) => (a - gm[i]) / (2 * h)).ToArray();
    }

    private static double[] Directional(Func<double[], double> f, double[] x, double[] v, double epsilon)
        => Directional(y => new[] { f(y) }, x, v, epsilon);
}

/// <summary>One coordinate of a checked directional derivative: the method's value and the central difference.</summary>
public sealed class DirectionalCheckComponent
{
    internal DirectionalCheckComponent(int index, double analytic, double numeric, double tolerance)
    {
        Index = index;
        Analytic = analytic;
        Numeric = numeric;
        Tolerance = tolerance;
    }

    /// <summary>The coordinate: 0 for a tangent (a scalar), the parameter's index for a Hessian-vector product.</summary>
    public int Index { get; }

    /// <summary>What the checked method computed.</summary>
    public double Analytic { get; }

    /// <summary>The central difference along the direction.</summary>
    public double Numeric { get; }

    /// <summary><c>atol + rtol · |numeric|</c>.</summary>
    public double Tolerance { get; }

    /// <summary>Both finite and within the tolerance.</summary>
    public bool Passed => !double.IsNaN(Analytic) && !double.IsInfinity(Analytic) && !double.IsNaN(Numeric) && !double.IsInfinity(Numeric)
        && Math.Abs(Analytic - Numeric) <= Tolerance;

    /// <inheritdoc/>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "[{0}] analytic {1:R}, numeric {2:R}, |difference| {3:R} (tolerance {4:R}){5}",
        Index, Analytic, Numeric, Math.Abs(Analytic - Numeric), Tolerance, Passed ? "" : " FAILED");
}

/// <summary>The result of <see cref="GradCheck.CheckTangent(Func{double[], double}, TangentFunc, double[], double[], GradCheckOptions?)"/> or <see cref="GradCheck.CheckHessianVector"/>.</summary>
public sealed class DirectionalCheckResult
{
    private readonly DirectionalCheckComponent[] _components;

    internal DirectionalCheckResult(string what, double[] point, double[] direction, double value, double returnedValue, bool valueMatches, bool gradientMatches, DirectionalCheckComponent[] components)
    {
        What = what;
        Point = point;
        Direction = direction;
        Value = value;
        ReturnedValue = returnedValue;
        ValueMatches = valueMatches;
        GradientMatches = gradientMatches;
        _components = components;
        Passed = valueMatches && gradientMatches && components.All(c => c.Passed);
    }

    /// <summary>"tangent" or "Hessian-vector product".</summary>
    public string What { get; }

    /// <summary>The point checked.</summary>
    public IReadOnlyList<double> Point { get; }

    /// <summary>The direction checked.</summary>
    public IReadOnlyList<double> Direction { get; }

    /// <summary>The function's value (from the function or the backward).</summary>
    public double Value { get; }

    /// <summary>The value the checked method returned.</summary>
    public double ReturnedValue { get; }

    /// <summary>The checked method returned the function's value.</summary>
    public bool ValueMatches { get; }

    /// <summary>For a Hessian-vector product: its gradient is the backward's (always true for a tangent).</summary>
    public bool GradientMatches { get; }

    /// <summary>One component for a tangent, one per coordinate for a Hessian-vector product.</summary>
    public IReadOnlyList<DirectionalCheckComponent> Components => _components;

    /// <summary>The value, the gradient and every component passed.</summary>
    public bool Passed { get; }

    /// <summary>Throws <see cref="DirectionalCheckException"/> with this result's report unless it passed.</summary>
    public DirectionalCheckResult ThrowIfFailed() => Passed ? this : throw new DirectionalCheckException(this);

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(What).Append(" check ").Append(Passed ? "passed" : "FAILED")
            .Append(" at x = (").Append(string.Join(", ", Point.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))).Append(')')
            .Append(" along v = (").Append(string.Join(", ", Direction.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))).Append(')');
        if (!ValueMatches)
        {
            sb.AppendLine().Append("  the method returned ").Append(ReturnedValue.ToString("R", CultureInfo.InvariantCulture))
                .Append(", the function's value is ").Append(Value.ToString("R", CultureInfo.InvariantCulture));
        }

        if (!GradientMatches)
        {
            sb.AppendLine().Append("  the gradient differs from the backward's");
        }

        foreach (var component in _components.Where(c => !c.Passed))
        {
            sb.AppendLine().Append("  ").Append(component);
        }

        return sb.ToString();
    }
}

/// <summary>Thrown by <see cref="DirectionalCheckResult.ThrowIfFailed"/>.</summary>
public sealed class DirectionalCheckException : Exception
{
    /// <summary>An exception whose message is the result's report.</summary>
    /// <param name="result">The failed result.</param>
    public DirectionalCheckException(DirectionalCheckResult result)
        : base(result.ToString()) => Result = result;

    /// <summary>The failed result.</summary>
    public DirectionalCheckResult Result { get; }
}
