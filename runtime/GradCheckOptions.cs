using System;

namespace AutoDiff;

/// <summary>
/// Step size, tolerances and the extra checks of <see cref="GradCheck"/>. Leave a property <see langword="null"/> to get
/// the default for the precision being checked (<see cref="double"/> or <see cref="float"/>).
/// </summary>
/// <remarks>
/// A gradient component passes when <c>|analytic - numeric| &lt;= AbsoluteTolerance + RelativeTolerance * |numeric|</c>,
/// the test of <c>torch.autograd.gradcheck</c> (<c>atol</c>, <c>rtol</c>).
/// </remarks>
public sealed class GradCheckOptions
{
    /// <summary>
    /// The default relative step for <see cref="double"/>: 1e-6, as <c>torch.autograd.gradcheck</c>.
    /// </summary>
    /// <remarks>
    /// The central difference <c>(f(x+h) - f(x-h)) / 2h</c> has a truncation error of order <c>h²·f'''</c> and a rounding
    /// error of order <c>ε·|f| / h</c>, where ε is the machine epsilon; their sum is smallest near <c>h ≈ ε^(1/3)</c>.
    /// For double ε ≈ 2.2e-16, so the best step is about 6e-6 (relative to the scale of x): 1e-6 leaves both errors
    /// near 1e-10 relative to the scale of the function, far below the default tolerances.
    /// </remarks>
    public const double DefaultEpsilon = 1e-6;

    /// <summary>
    /// The default relative step for <see cref="float"/>: 1e-3.
    /// </summary>
    /// <remarks>
    /// For float ε ≈ 1.2e-7, so <c>ε^(1/3)</c> ≈ 5e-3: a step of 1e-6 would drown the difference in rounding noise
    /// (ε/h ≈ 0.1), while 1e-3 keeps the rounding error near 1e-4 and the truncation error near 1e-6, both relative to
    /// the scale of the function.
    /// </remarks>
    public const double DefaultEpsilonSingle = 1e-3;

    /// <summary>The default absolute tolerance for <see cref="double"/>: 1e-5, as <c>torch.autograd.gradcheck</c>.</summary>
    public const double DefaultAbsoluteTolerance = 1e-5;

    /// <summary>The default relative tolerance for <see cref="double"/>: 1e-3, as <c>torch.autograd.gradcheck</c>.</summary>
    public const double DefaultRelativeTolerance = 1e-3;

    /// <summary>
    /// The default absolute tolerance for <see cref="float"/>: 1e-2. Finite differences of a function evaluated in
    /// float carry rounding noise of about 1e-4 times the function's scale divided by the step's scale, so the
    /// float check is coarse: it finds wrong signs, components and factors, not small numerical inaccuracies.
    /// Check the <see cref="double"/> version of a function where you can.
    /// </summary>
    public const double DefaultAbsoluteToleranceSingle = 1e-2;

    /// <summary>The default relative tolerance for <see cref="float"/>: 1e-2 (see <see cref="DefaultAbsoluteToleranceSingle"/>).</summary>
    public const double DefaultRelativeToleranceSingle = 1e-2;

    /// <summary>
    /// The relative step ε of the central differences: component <c>i</c> is perturbed by
    /// <c>h = ε · max(1, |x_i|)</c>. <see langword="null"/> means <see cref="DefaultEpsilon"/> for double and
    /// <see cref="DefaultEpsilonSingle"/> for float.
    /// </summary>
    public double? Epsilon { get; set; }

    /// <summary>
    /// The absolute tolerance <c>atol</c>. <see langword="null"/> means <see cref="DefaultAbsoluteTolerance"/> for double
    /// and <see cref="DefaultAbsoluteToleranceSingle"/> for float.
    /// </summary>
    public double? AbsoluteTolerance { get; set; }

    /// <summary>
    /// The relative tolerance <c>rtol</c>. <see langword="null"/> means <see cref="DefaultRelativeTolerance"/> for double
    /// and <see cref="DefaultRelativeToleranceSingle"/> for float.
    /// </summary>
    public double? RelativeTolerance { get; set; }

    /// <summary>
    /// Whether to check that the backward returns the primal value <c>f(x)</c> (with seed 1 and with seed 2), within the
    /// same tolerances. Default <see langword="true"/>.
    /// </summary>
    public bool CheckValue { get; set; } = true;

    /// <summary>
    /// Whether to check that the gradient is linear in the seed: the backward with seed 2 must give twice the gradient
    /// of seed 1, within the same tolerances. Catches a backward that ignores its seed. Default <see langword="true"/>.
    /// </summary>
    public bool CheckSeedLinearity { get; set; } = true;

    /// <summary>
    /// Whether to check that a <see cref="GradientFunc"/> or <see cref="GradientFuncF"/> ADDS into its gradient span
    /// rather than overwriting it, as generated backward methods do for array and span parameters: the backward is
    /// called once more with the span pre-filled with ones. Off by default, because a hand-written lambda that assigns
    /// (<c>g[0] = ...</c>) into the zeroed span is correct for checking purposes. Has no effect on the scalar overloads.
    /// </summary>
    public bool CheckAccumulation { get; set; }

    internal void Resolve(bool single, out double epsilon, out double atol, out double rtol)
    {
        epsilon = Epsilon ?? (single ? DefaultEpsilonSingle : DefaultEpsilon);
        atol = AbsoluteTolerance ?? (single ? DefaultAbsoluteToleranceSingle : DefaultAbsoluteTolerance);
        rtol = RelativeTolerance ?? (single ? DefaultRelativeToleranceSingle : DefaultRelativeTolerance);
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(Epsilon), epsilon, "The step must be positive and finite.");
        }

        if (!(atol >= 0) || double.IsInfinity(atol))
        {
            throw new ArgumentOutOfRangeException(nameof(AbsoluteTolerance), atol, "The absolute tolerance must be non-negative and finite.");
        }

        if (!(rtol >= 0) || double.IsInfinity(rtol))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), rtol, "The relative tolerance must be non-negative and finite.");
        }
    }
}
