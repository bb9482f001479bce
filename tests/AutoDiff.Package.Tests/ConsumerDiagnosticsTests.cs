using System.Collections.Generic;
using AutoDiff.Package.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Package.Tests;

/// <summary>
/// The package's diagnostics in a user's <c>dotnet build</c>: an AUTODIFF error fails the build at the exact file,
/// line and column, and an <c>.editorconfig</c> in the consumer changes a diagnostic's severity and so the result.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerDiagnosticsTests
{
    private const string HelpLinkBase = "https://github.com/autodiff-generators/AutoDiff.Generators/blob/main/docs/diagnostics/";

    private readonly PackageFixture _package;

    public ConsumerDiagnosticsTests(PackageFixture package) => _package = package;

    [Fact]
    public void Call_to_a_method_without_derivative_fails_the_build_with_AUTODIFF001_at_its_file_line_and_column()
    {
        // Line 12, column 16: Helper(x), a varied value into a user method that is neither [Differentiable] nor has a derivative.
        const string Losses = """
            using AutoDiff;

            namespace Consumer;

            public static partial class Losses
            {
                public static double Helper(double v) => v * v;

                [Differentiable]
                public static double Loss(double x)
                {
                    return Helper(x) + 1.0;
                }
            }
            """;
        var consumer = ConsumerProject.Create(_package, "NonDifferentiableCall", files: new Dictionary<string, string>
        {
            ["Losses.cs"] = Losses,
            ["Program.cs"] = "System.Console.WriteLine(Consumer.Losses.Loss(2.0));\n",
        });

        var build = consumer.Build();

        Assert.NotEqual(0, build.ExitCode);
        Assert.Equal(
            [
                $"{consumer.PathOf("Losses.cs")}(12,16): error AUTODIFF001: 'Losses.Helper' has no derivative: mark it [Differentiable], "
                + $"register one with [DerivativeOf], or pass only [NoGrad] values to it ({HelpLinkBase}AUTODIFF001.md) [{consumer.ProjectPath}]",
            ],
            ConsumerProject.DiagnosticLines(build));
    }

    /// <summary>AUTODIFF006 (a warning by default) reported at Constant, line 8 column 26, under each setting.</summary>
    [Theory]
    [InlineData(null, "warning")]
    [InlineData("error", "error")]
    [InlineData("none", null)]
    public void Editorconfig_severity_of_AUTODIFF006_decides_the_build_result(string? configured, string? reported)
    {
        const string Losses = """
            using AutoDiff;

            namespace Consumer;

            public static partial class Losses
            {
                [Differentiable]
                public static double Constant(double x, [NoGrad] double c)
                {
                    return 2.0 * c;
                }
            }
            """;
        const string Program = """
            double value = Consumer.Losses.ConstantBackward(1.0, 3.0, 1.0, out double gradX);
            System.Console.WriteLine(FormattableString.Invariant($"{value} {gradX}"));
            """;
        var files = new Dictionary<string, string> { ["Losses.cs"] = Losses, ["Program.cs"] = "using System;\n" + Program + "\n" };
        if (configured is not null)
        {
            files[".editorconfig"] = $"root = true\n\n[*.cs]\ndotnet_diagnostic.AUTODIFF006.severity = {configured}\n";
        }

        // Warnings stay warnings here, so that only the configured severity decides whether the build fails.
        var consumer = ConsumerProject.Create(_package, "Editorconfig-" + (configured ?? "default"),
            new Dictionary<string, string> { ["TreatWarningsAsErrors"] = "false" }, files);

        var build = consumer.Build();

        string[] expected = reported is null
            ? []
            : [$"{consumer.PathOf("Losses.cs")}(8,26): {reported} AUTODIFF006: The result of 'Constant' does not depend on any differentiable parameter, "
               + $"so its gradient is always zero; remove [Differentiable] or check which parameters are [NoGrad] ({HelpLinkBase}AUTODIFF006.md) [{consumer.ProjectPath}]"];
        Assert.Equal(expected, ConsumerProject.DiagnosticLines(build));
        if (reported == "error")
        {
            Assert.NotEqual(0, build.ExitCode);
        }
        else
        {
            // A warning does not stop generation: the backward method exists and returns 2c with a zero gradient.
            build.ShouldSucceed();
            Assert.Equal("6 0", consumer.Run().ShouldSucceed().Output.Trim());
        }
    }
}
