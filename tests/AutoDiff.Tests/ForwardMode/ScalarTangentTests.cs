using System;
using System.Linq;
using AutoDiff.Tests.Gradients;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// Forward mode on every scalar gradient case of the reverse-mode suites (arithmetic, every Math function in double and
/// float, control flow, numerical C#), compiled with <c>Forward = true</c>: the tangent against <c>gradient · v</c> and
/// against central differences along v at random points (<see cref="TangentSuite"/>), and the kinks at their exact points.
/// </summary>
public sealed class ScalarTangentTests
{
    internal static readonly TangentSuite Suite = new(
        new[] { ArithmeticGradientTests.Suite, MathGradientTests.Suite, ControlFlowGradientTests.Suite, NumericalCSharpGradientTests.Suite });

    public static TheoryData<string> Cases => new(Suite.Names.Where(n => n != "Kinks"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tangent_is_gradient_times_direction_and_matches_finite_differences(string name) => Suite.Verify(name);

    [Fact]
    public void Generated_code_compiles_warning_free() => Suite.Run.AssertGeneratedCodeClean();

    [Fact]
    public void Every_case_gets_a_tangent_method()
    {
        var missing = Suite.Names.Where(n => !Suite.Run.GeneratedSourceFor(n).Contains(" FTangent(", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "No FTangent for: " + string.Join(", ", missing));
    }

    /// <summary>At the kinks of API.md the tangent is the documented subgradient times the direction, exactly as gradient · v.</summary>
    [Theory]
    [InlineData("AbsOf", new[] { 0.0 })]
    [InlineData("AbsOfF", new[] { 0.0 })]
    [InlineData("MaxOf", new[] { 1.5, 1.5 })]
    [InlineData("MinOf", new[] { -0.5, -0.5 })]
    [InlineData("MaxOfF", new[] { 2.0, 2.0 })]
    [InlineData("MinOfF", new[] { 2.0, 2.0 })]
    [InlineData("Hinge", new[] { 0.0 })]
    [InlineData("SqrtOf", new[] { 0.0 })]
    [InlineData("SqrtOfF", new[] { 0.0 })]
    [InlineData("LogOf", new[] { 0.0 })]
    [InlineData("ClampOf", new[] { -1.0 })]
    [InlineData("ClampOf", new[] { 2.0 })]
    [InlineData("ClampBounds", new[] { 1.0, 1.0, 3.0 })]
    [InlineData("PowOf", new[] { 0.0, 2.0 })]
    [InlineData("PowZero", new[] { 0.0 })]
    [InlineData("FloorTimes", new[] { 1.0, 2.0 })]
    [InlineData("RoundTimes", new[] { 0.5, 2.0 })]
    [InlineData("SignTimes", new[] { 0.0, 2.0 })]
    public void Kinks_give_the_subgradient_times_the_direction(string method, double[] x)
    {
        var f = Suite.Function("Kinks", method);
        foreach (var v in new[] { 1.0, -1.0, 0.5 })
        {
            var direction = Enumerable.Repeat(v, f.Differentiable.Length).ToArray();
            var gradient = f.Gradient(x);
            var dot = gradient.Zip(direction, (g, d) => g * d).Sum();
            var (value, tangent) = f.Tangent(x, direction);
            Assert.Equal(f.Value(x), value);
            Assert.Equal(dot, tangent);
        }
    }
}
