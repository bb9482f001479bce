using System;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// Every tangent method compiles whatever the names in the user's code: parameters named like tangent inputs or the
/// out tangent, parameters that differ only in case, keywords as verbatim identifiers, locals named like tangents
/// (<c>dx</c>, <c>dt0</c>), tangent inputs (<c>tangentX</c>) or temporaries, discards; and the public names follow
/// the convention (<c>tangent</c> + PascalCase, made unique).
/// </summary>
public sealed class TangentNameHygieneTests
{
    private static readonly Domain W = (-2.0, 2.0);

    internal static readonly TangentSuite Suite = new(
    [
        new("NamedLikeTheOutput", "double tangent, double tangentTangent", "tangent * tangentTangent + Math.Sin(tangent)", [W, W], _ => 0, _ => [0, 0]),
        new("SameNameButCase", "double x, double X", "x * X + X", [W, W], _ => 0, _ => [0, 0]),
        new("Keywords", "double @out, double @if, double o", "{ double @do = @out * @if; double @int = o * @do; return @int + @if; }", [W, W, W], _ => 0, _ => [0, 0, 0]),
        new("LocalsLikeTangents", "double x, double y", """
            {
                double tangentX = x * y;
                double dx = tangentX + 1;
                double dt0 = Math.Exp(dx * 0.1);
                double t0 = dt0 * x;
                double tangent = t0 + y;
                double d = tangent * tangent;
                double dtangentX = d - x;
                _ = x;
                return dtangentX + tangentX;
            }
            """, [W, W], _ => 0, _ => [0, 0]),
        new("SeedAndGradientNames", "double seed, double gradX, double x", "seed * gradX * x", [W, W, W], _ => 0, _ => [0, 0, 0]),
        new("LoopLocalsLikeTangents", "double x, int n", """
            {
                double ds = x;
                for (int i = 0; i < n; i++)
                {
                    double dds = ds * 0.5 + x;
                    ds = Math.Tanh(dds);
                }

                return ds;
            }
            """, [W, Domain.Int(0, 4)], _ => 0, _ => [0]),
    ], extraSource: "");

    public static TheoryData<string> Cases => Suite.TheoryData();

    [Fact]
    public void Generated_code_compiles_warning_free() => Suite.Run.AssertGeneratedCodeClean();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tangent_is_gradient_times_direction(string name) => Suite.Verify(name, 40);

    [Theory]
    [InlineData("NamedLikeTheOutput", "FTangent(double tangent, double tangentTangent, double tangentTangent_1, double tangentTangentTangent, out double tangent_1)")]
    [InlineData("SameNameButCase", "FTangent(double x, double X, double tangentX, double tangentX_1, out double tangent)")]
    [InlineData("Keywords", "FTangent(double @out, double @if, double o, double tangentOut, double tangentIf, double tangentO, out double tangent)")]
    [InlineData("LocalsLikeTangents", "FTangent(double x, double y, double tangentX, double tangentY, out double tangent)")]
    public void Tangent_parameters_follow_the_convention(string name, string signature)
        => Assert.Contains("public static double " + signature, Suite.Run.GeneratedSourceFor(name), StringComparison.Ordinal);
}
