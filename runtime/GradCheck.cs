using System;

namespace AutoDiff;

/// <summary>
/// Checks a backward method (generated or hand-written) against central finite differences of its function, the
/// counterpart of <c>torch.autograd.gradcheck</c>.
/// </summary>
/// <remarks>
/// <para>
/// At each point <c>x</c> the checker evaluates <c>f(x)</c>, the central difference
/// <c>(f(x + h·e_i) - f(x - h·e_i)) / (2h)</c> for every component with <c>h = ε · max(1, |x_i|)</c> (the denominator is
/// the step actually taken after rounding), and the backward with seed 1 and seed 2. A component passes when
/// <c>|analytic - numeric| &lt;= atol + rtol · |numeric|</c>, both are finite, and seed 2 gives twice the gradient of
/// seed 1; a point passes when the backward's returned value equals <c>f(x)</c> within the same tolerance. Defaults are in
/// <see cref="GradCheckOptions"/>. Non-finite analytic or numeric values always fail and are reported.
/// </para>
/// <para>
/// The checker calls <c>f</c> 2n + 1 times and the backward two or three times per point, on copies of the point, so
/// neither may rely on keeping the array. It allocates the result and a few work arrays of the point's length.
/// A check at a kink (<c>Abs</c> at 0, a <c>Max</c> tie) compares a subgradient against a one-sided average and will
/// usually fail: check at points away from kinks, and test kinks against exact expected values.
/// </para>
/// <example>
/// <code>
/// GradCheck.Check(Loss, LossBackward, 0.5, -1.25).ThrowIfFailed();          // double Loss(double x, double y)
/// GradCheck.Check(Mse, MseBackward, new[] { 1.0, 2.0, 3.0 }).ThrowIfFailed(); // double Mse(double[] w)
/// GradCheck.Check(w =&gt; Dot(w, b), (w, s, g) =&gt; DotBackward(w, b, s, g), w0).ThrowIfFailed();
/// </code>
/// </example>
/// </remarks>
public static partial class GradCheck
{
    /// <summary>Checks the backward of a function of a flat <see cref="double"/> vector at one point.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward, returning <c>f(x)</c> and adding seed times the gradient into the span.</param>
    /// <param name="point">The point; not modified.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<double[], double> f, GradientFunc backward, double[] point, GradCheckOptions? options = null)
    {
        NotNull(point, nameof(point));
        return Run(new FlatProblem(NotNull(f, nameof(f)), NotNull(backward, nameof(backward)), point.Length), options, (double[])point.Clone());
    }

    /// <summary>Checks the backward of a function of a flat <see cref="float"/> vector at one point.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward, returning <c>f(x)</c> and adding seed times the gradient into the span.</param>
    /// <param name="point">The point; not modified.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<float[], float> f, GradientFuncF backward, float[] point, GradCheckOptions? options = null)
    {
        NotNull(point, nameof(point));
        return Run(new FlatProblemF(NotNull(f, nameof(f)), NotNull(backward, nameof(backward)), point.Length), options, Widen(point));
    }

    /// <summary>Checks the backward of <c>double f(double x)</c> at <paramref name="x"/>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward (a generated <c>FBackward</c> method group converts directly).</param>
    /// <param name="x">The point.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<double, double> f, Backward1 backward, double x, GradCheckOptions? options = null)
        => Run(new Scalar1(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, new[] { x });

    /// <summary>Checks the backward of <c>double f(double x, double y)</c> at <c>(x, y)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward (a generated <c>FBackward</c> method group converts directly).</param>
    /// <param name="x">The first coordinate of the point.</param>
    /// <param name="y">The second coordinate of the point.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<double, double, double> f, Backward2 backward, double x, double y, GradCheckOptions? options = null)
        => Run(new Scalar2(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, new[] { x, y });

    /// <summary>Checks the backward of <c>double f(double x, double y, double z)</c> at <c>(x, y, z)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward (a generated <c>FBackward</c> method group converts directly).</param>
    /// <param name="x">The first coordinate of the point.</param>
    /// <param name="y">The second coordinate of the point.</param>
    /// <param name="z">The third coordinate of the point.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<double, double, double, double> f, Backward3 backward, double x, double y, double z, GradCheckOptions? options = null)
        => Run(new Scalar3(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, new[] { x, y, z });

    /// <summary>Checks the backward of <c>float f(float x)</c> at <paramref name="x"/>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward (a generated <c>FBackward</c> method group converts directly).</param>
    /// <param name="x">The point.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<float, float> f, Backward1F backward, float x, GradCheckOptions? options = null)
        => Run(new Scalar1F(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, new double[] { x });

    /// <summary>Checks the backward of <c>float f(float x, float y)</c> at <c>(x, y)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward (a generated <c>FBackward</c> method group converts directly).</param>
    /// <param name="x">The first coordinate of the point.</param>
    /// <param name="y">The second coordinate of the point.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<float, float, float> f, Backward2F backward, float x, float y, GradCheckOptions? options = null)
        => Run(new Scalar2F(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, new double[] { x, y });

    /// <summary>Checks the backward of <c>float f(float x, float y, float z)</c> at <c>(x, y, z)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward (a generated <c>FBackward</c> method group converts directly).</param>
    /// <param name="x">The first coordinate of the point.</param>
    /// <param name="y">The second coordinate of the point.</param>
    /// <param name="z">The third coordinate of the point.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result; call <see cref="GradCheckResult.ThrowIfFailed"/> to assert.</returns>
    public static GradCheckResult Check(Func<float, float, float, float> f, Backward3F backward, float x, float y, float z, GradCheckOptions? options = null)
        => Run(new Scalar3F(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, new double[] { x, y, z });

    /// <summary>
    /// Checks the backward of a function of a flat <see cref="double"/> vector at <paramref name="count"/> points drawn
    /// uniformly from <c>[low, high)</c> in every component, reproducibly from <paramref name="seed"/>.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="dimension">The length of the points.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound of every component.</param>
    /// <param name="high">The upper bound of every component.</param>
    /// <param name="seed">The seed of the generator (SplitMix64: the same points on every runtime and platform).</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<double[], double> f, GradientFunc backward, int dimension, int count, double low, double high, int seed, GradCheckOptions? options = null)
        => RunRandom(new FlatProblem(NotNull(f, nameof(f)), NotNull(backward, nameof(backward)), NonNegative(dimension, nameof(dimension))), options, count, low, high, seed);

    /// <summary>
    /// Checks the backward of a function of a flat <see cref="float"/> vector at <paramref name="count"/> points drawn
    /// uniformly from <c>[low, high)</c> in every component (rounded to float), reproducibly from <paramref name="seed"/>.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="dimension">The length of the points.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound of every component.</param>
    /// <param name="high">The upper bound of every component.</param>
    /// <param name="seed">The seed of the generator (SplitMix64: the same points on every runtime and platform).</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<float[], float> f, GradientFuncF backward, int dimension, int count, float low, float high, int seed, GradCheckOptions? options = null)
        => RunRandom(new FlatProblemF(NotNull(f, nameof(f)), NotNull(backward, nameof(backward)), NonNegative(dimension, nameof(dimension))), options, count, low, high, seed);

    /// <summary>Checks the backward of <c>double f(double x)</c> at <paramref name="count"/> random points in <c>[low, high)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<double, double> f, Backward1 backward, int count, double low, double high, int seed, GradCheckOptions? options = null)
        => RunRandom(new Scalar1(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, count, low, high, seed);

    /// <summary>Checks the backward of <c>double f(double x, double y)</c> at <paramref name="count"/> random points in <c>[low, high)²</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound of every coordinate.</param>
    /// <param name="high">The upper bound of every coordinate.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<double, double, double> f, Backward2 backward, int count, double low, double high, int seed, GradCheckOptions? options = null)
        => RunRandom(new Scalar2(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, count, low, high, seed);

    /// <summary>Checks the backward of <c>double f(double x, double y, double z)</c> at <paramref name="count"/> random points in <c>[low, high)³</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound of every coordinate.</param>
    /// <param name="high">The upper bound of every coordinate.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the double defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<double, double, double, double> f, Backward3 backward, int count, double low, double high, int seed, GradCheckOptions? options = null)
        => RunRandom(new Scalar3(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, count, low, high, seed);

    /// <summary>Checks the backward of <c>float f(float x)</c> at <paramref name="count"/> random points in <c>[low, high)</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<float, float> f, Backward1F backward, int count, float low, float high, int seed, GradCheckOptions? options = null)
        => RunRandom(new Scalar1F(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, count, low, high, seed);

    /// <summary>Checks the backward of <c>float f(float x, float y)</c> at <paramref name="count"/> random points in <c>[low, high)²</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound of every coordinate.</param>
    /// <param name="high">The upper bound of every coordinate.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<float, float, float> f, Backward2F backward, int count, float low, float high, int seed, GradCheckOptions? options = null)
        => RunRandom(new Scalar2F(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, count, low, high, seed);

    /// <summary>Checks the backward of <c>float f(float x, float y, float z)</c> at <paramref name="count"/> random points in <c>[low, high)³</c>.</summary>
    /// <param name="f">The function.</param>
    /// <param name="backward">Its backward.</param>
    /// <param name="count">How many points.</param>
    /// <param name="low">The lower bound of every coordinate.</param>
    /// <param name="high">The upper bound of every coordinate.</param>
    /// <param name="seed">The seed of the generator.</param>
    /// <param name="options">Step, tolerances and checks; <see langword="null"/> for the float defaults.</param>
    /// <returns>The result over all points.</returns>
    public static GradCheckResult CheckAtRandomPoints(Func<float, float, float, float> f, Backward3F backward, int count, float low, float high, int seed, GradCheckOptions? options = null)
        => RunRandom(new Scalar3F(NotNull(f, nameof(f)), NotNull(backward, nameof(backward))), options, count, low, high, seed);

    private static GradCheckResult RunRandom(Problem problem, GradCheckOptions? options, int count, double low, double high, int seed)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "At least one point is needed.");
        }

        if (!(low <= high) || double.IsInfinity(low) || double.IsInfinity(high))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, "The bounds must be finite with low <= high.");
        }

        int n = problem.Dimension;
        var points = new double[count * n];
        ulong state = unchecked((ulong)seed);
        for (int i = 0; i < points.Length; i++)
        {
            // SplitMix64 (Steele, Lea, Flood 2014): tiny, and reproducible on every runtime, unlike System.Random.
            state = unchecked(state + 0x9E3779B97F4A7C15UL);
            ulong z = state;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            double u = (z >> 11) * (1.0 / (1UL << 53));
            double value = problem.Round(low + (u * (high - low)));
            points[i] = value >= high && high > low ? problem.Round(low) : value;
        }

        return Run(problem, options, points);
    }

    /// <summary>Checks consecutive points of length <c>problem.Dimension</c> stored in <paramref name="points"/>.</summary>
    private static GradCheckResult Run(Problem problem, GradCheckOptions? options, double[] points)
    {
        options ??= DefaultOptions;
        bool single = problem.IsSingle;
        options.Resolve(single, out double epsilon, out double atol, out double rtol);
        int n = problem.Dimension;
        int count = n == 0 ? 1 : points.Length / n;
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = problem.Round(points[i]);
        }

        var pointResults = new GradCheckPoint[count];
        var components = new GradCheckComponent[count * n];
        var work = new double[n];
        var grad1 = new double[n];
        var grad2 = new double[n];
        var gradAccumulated = options.CheckAccumulation && problem.CanAccumulate ? new double[n] : null;
        for (int p = 0; p < count; p++)
        {
            int offset = p * n;
            var x = new double[n];
            Array.Copy(points, offset, x, 0, n);

            Array.Copy(x, work, n);
            double value = problem.Value(work);

            Array.Copy(x, work, n);
            Array.Clear(grad1, 0, n);
            double backwardValue = problem.Backward(work, 1, grad1);

            double backwardValue2 = value;
            if (options.CheckSeedLinearity)
            {
                Array.Copy(x, work, n);
                Array.Clear(grad2, 0, n);
                backwardValue2 = problem.Backward(work, 2, grad2);
            }

            if (gradAccumulated != null)
            {
                Array.Copy(x, work, n);
                for (int i = 0; i < n; i++)
                {
                    gradAccumulated[i] = 1;
                }

                problem.Backward(work, 1, gradAccumulated);
            }

            var pointFailure = GradCheckFailure.None;
            if (!IsFinite(value))
            {
                pointFailure |= GradCheckFailure.ValueNotFinite;
            }

            if (options.CheckValue && !(Close(backwardValue, value, atol, rtol) && Close(backwardValue2, value, atol, rtol)))
            {
                pointFailure |= GradCheckFailure.ValueMismatch;
            }

            pointResults[p] = new GradCheckPoint(p, x, value, backwardValue, pointFailure);

            for (int i = 0; i < n; i++)
            {
                double xi = x[i];
                double h = epsilon * Math.Max(1.0, Math.Abs(xi));
                double xPlus = problem.Round(xi + h);
                double xMinus = problem.Round(xi - h);

                Array.Copy(x, work, n);
                work[i] = xPlus;
                double fPlus = problem.Value(work);

                Array.Copy(x, work, n);
                work[i] = xMinus;
                double fMinus = problem.Value(work);

                double numeric = (fPlus - fMinus) / (xPlus - xMinus);
                double analytic = grad1[i];
                double tolerance = atol + (rtol * Math.Abs(numeric));

                var failure = GradCheckFailure.None;
                if (!IsFinite(analytic))
                {
                    failure |= GradCheckFailure.AnalyticNotFinite;
                }

                if (!IsFinite(numeric))
                {
                    failure |= GradCheckFailure.NumericNotFinite;
                }

                if (failure == GradCheckFailure.None && !(Math.Abs(analytic - numeric) <= tolerance))
                {
                    failure |= GradCheckFailure.GradientMismatch;
                }

                double analytic2 = double.NaN;
                if (options.CheckSeedLinearity)
                {
                    analytic2 = grad2[i];
                    if (IsFinite(analytic) && !Close(analytic2, 2 * analytic, atol, rtol))
                    {
                        failure |= GradCheckFailure.SeedNotLinear;
                    }
                }

                if (gradAccumulated != null && IsFinite(analytic) && !Close(gradAccumulated[i], 1 + analytic, atol, rtol))
                {
                    failure |= GradCheckFailure.NotAccumulated;
                }

                components[offset + i] = new GradCheckComponent(p, i, xi, analytic, numeric, analytic2, tolerance, failure);
            }
        }

        return new GradCheckResult(single, epsilon, atol, rtol, pointResults, components);
    }

    private static readonly GradCheckOptions DefaultOptions = new();

    private static bool Close(double actual, double expected, double atol, double rtol)
        => actual == expected || Math.Abs(actual - expected) <= atol + (rtol * Math.Abs(expected));

    private static bool IsFinite(double value) => !double.IsNaN(value) && !double.IsInfinity(value);

    private static T NotNull<T>(T? value, string name)
        where T : class
        => value ?? throw new ArgumentNullException(name);

    private static int NonNegative(int value, string name)
        => value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, "The dimension must not be negative.");

    private static double[] Widen(float[] values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }

    /// <summary>A function and its backward seen through double arrays; the engine is the same for every shape.</summary>
    private abstract class Problem
    {
        public abstract int Dimension { get; }

        public virtual bool IsSingle => false;

        /// <summary>Whether the backward writes into the caller's span (so accumulation can be observed).</summary>
        public virtual bool CanAccumulate => false;

        /// <summary>Rounds to the precision of the function's arguments.</summary>
        public virtual double Round(double value) => value;

        public abstract double Value(double[] x);

        public abstract double Backward(double[] x, double seed, Span<double> grad);
    }

    private abstract class SingleProblem : Problem
    {
        public override bool IsSingle => true;

        public override double Round(double value) => (float)value;
    }

    private sealed class FlatProblem(Func<double[], double> f, GradientFunc backward, int dimension) : Problem
    {
        public override int Dimension => dimension;

        public override bool CanAccumulate => true;

        public override double Value(double[] x) => f(x);

        public override double Backward(double[] x, double seed, Span<double> grad) => backward(x, seed, grad);
    }

    private sealed class FlatProblemF(Func<float[], float> f, GradientFuncF backward, int dimension) : SingleProblem
    {
        private readonly float[] x = new float[dimension];
        private readonly float[] grad = new float[dimension];

        public override int Dimension => dimension;

        public override bool CanAccumulate => true;

        public override double Value(double[] x) => f(Narrow(x, this.x));

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            for (int i = 0; i < grad.Length; i++)
            {
                this.grad[i] = (float)grad[i];
            }

            double value = backward(Narrow(x, this.x), (float)seed, this.grad);
            for (int i = 0; i < grad.Length; i++)
            {
                grad[i] = this.grad[i];
            }

            return value;
        }

        private static float[] Narrow(double[] source, float[] target)
        {
            for (int i = 0; i < source.Length; i++)
            {
                target[i] = (float)source[i];
            }

            return target;
        }
    }

    private sealed class Scalar1(Func<double, double> f, Backward1 backward) : Problem
    {
        public override int Dimension => 1;

        public override double Value(double[] x) => f(x[0]);

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            double value = backward(x[0], seed, out double g0);
            grad[0] += g0;
            return value;
        }
    }

    private sealed class Scalar2(Func<double, double, double> f, Backward2 backward) : Problem
    {
        public override int Dimension => 2;

        public override double Value(double[] x) => f(x[0], x[1]);

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            double value = backward(x[0], x[1], seed, out double g0, out double g1);
            grad[0] += g0;
            grad[1] += g1;
            return value;
        }
    }

    private sealed class Scalar3(Func<double, double, double, double> f, Backward3 backward) : Problem
    {
        public override int Dimension => 3;

        public override double Value(double[] x) => f(x[0], x[1], x[2]);

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            double value = backward(x[0], x[1], x[2], seed, out double g0, out double g1, out double g2);
            grad[0] += g0;
            grad[1] += g1;
            grad[2] += g2;
            return value;
        }
    }

    private sealed class Scalar1F(Func<float, float> f, Backward1F backward) : SingleProblem
    {
        public override int Dimension => 1;

        public override double Value(double[] x) => f((float)x[0]);

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            double value = backward((float)x[0], (float)seed, out float g0);
            grad[0] += g0;
            return value;
        }
    }

    private sealed class Scalar2F(Func<float, float, float> f, Backward2F backward) : SingleProblem
    {
        public override int Dimension => 2;

        public override double Value(double[] x) => f((float)x[0], (float)x[1]);

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            double value = backward((float)x[0], (float)x[1], (float)seed, out float g0, out float g1);
            grad[0] += g0;
            grad[1] += g1;
            return value;
        }
    }

    private sealed class Scalar3F(Func<float, float, float, float> f, Backward3F backward) : SingleProblem
    {
        public override int Dimension => 3;

        public override double Value(double[] x) => f((float)x[0], (float)x[1], (float)x[2]);

        public override double Backward(double[] x, double seed, Span<double> grad)
        {
            double value = backward((float)x[0], (float)x[1], (float)x[2], (float)seed, out float g0, out float g1, out float g2);
            grad[0] += g0;
            grad[1] += g1;
            grad[2] += g2;
            return value;
        }
    }
}
