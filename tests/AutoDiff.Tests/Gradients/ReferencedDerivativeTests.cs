using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// A library that ships [DerivativeOf] methods: a project that references it (as a compiled assembly, not source)
/// differentiates calls of the library's functions with the library's derivatives, public ones only, and its own
/// registration of the same target wins over the library's.
/// </summary>
public sealed class ReferencedDerivativeTests
{
    private const string LibrarySource = """
        using System;
        using AutoDiff;

        namespace Lib;

        public static class Curves
        {
            public static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

            [DerivativeOf(nameof(Logistic))]
            public static double LogisticBackward(double x, double seed, out double gradX)
            {
                var s = Logistic(x);
                gradX = seed * s * (1 - s);
                return s;
            }

            // An internal derivative is not visible to other assemblies, so it is not used there.
            public static double Triple(double x) => 3 * x;

            [DerivativeOf(nameof(Triple))]
            internal static double TripleBackward(double x, double seed, out double gradX)
            {
                gradX = 3 * seed;
                return 3 * x;
            }

            // A BCL method without a built-in rule, registered by the library for its users.
            [DerivativeOf(typeof(double), nameof(double.CosPi))]
            public static double CosPiBackward(double x, double seed, out double gradX)
            {
                gradX = -seed * Math.PI * double.SinPi(x);
                return double.CosPi(x);
            }

            // Deliberately wrong, so that a test can tell which registration a caller uses.
            public static double Half(double x) => x / 2;

            [DerivativeOf(nameof(Half))]
            public static double HalfBackward(double x, double seed, out double gradX)
            {
                gradX = 100 * seed;
                return x / 2;
            }
        }
        """;

    private const string ConsumerSource = """
        using System;
        using AutoDiff;
        using Lib;

        namespace App;

        public static partial class Use
        {
            [Differentiable] public static double F(double x) => Curves.Logistic(2 * x) + double.CosPi(x);
            [Differentiable] public static double G(double x) => {|AUTODIFF001:Curves.Triple(x)|} + x;
            [Differentiable] public static double H(double x) => Curves.Half(x) * x;
        }

        // The project's own registration of a library function wins over the library's.
        public static class Fixes
        {
            [DerivativeOf(typeof(Curves), nameof(Curves.Half))]
            public static double HalfBackward(double x, double seed, out double gradX)
            {
                gradX = seed / 2;
                return x / 2;
            }
        }
        """;

    private sealed record Result(GeneratorRun Run, ImmutableArray<ExpectedDiagnostic> Expected, Type Use);

    private static readonly Lazy<Result> s_result = new(() =>
    {
        var library = CSharpCompilation.Create("Lib_" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(LibrarySource, GeneratorHarness.ParseOptions, "Lib.cs", Encoding.UTF8)],
            GeneratorHarness.References, GeneratorHarness.CompilationOptions);
        using var libraryImage = new MemoryStream();
        var emitted = library.Emit(libraryImage);
        Assert.True(emitted.Success, GeneratorHarness.Format(emitted.Diagnostics));

        var (text, expected) = DiagnosticMarkup.Parse(ConsumerSource);
        var input = GeneratorHarness.CreateCompilation([new SourceFile("Use.cs", text)])
            .AddReferences(MetadataReference.CreateFromImage(libraryImage.ToArray()));
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var generatorDiagnostics);
        var run = new GeneratorRun(input, (CSharpCompilation)output, driver, generatorDiagnostics, GeneratorHarness.RunAnalyzer(input));

        // G has an error, so it has no backward; the rest compiles. Load the library and the project side by side.
        var compilation = (CSharpCompilation)output;
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, run.Describe() + GeneratorHarness.Format(result.Diagnostics));
        var context = new AssemblyLoadContext("AutoDiff.Tests.Referenced", isCollectible: true);
        libraryImage.Position = 0;
        image.Position = 0;
        context.LoadFromStream(libraryImage);
        var use = context.LoadFromStream(image).GetType("App.Use", throwOnError: true)!;
        return new Result(run, expected, use);
    });

    private static double Backward(string name, double x, out double gradient)
    {
        var args = new object?[] { x, 1.0, null };
        var value = (double)s_result.Value.Use.GetMethod(name + "Backward")!.Invoke(null, args)!;
        gradient = (double)args[2]!;
        return value;
    }

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Diagnostics_are_exactly_the_marked_ones()
    {
        var (run, expected, _) = s_result.Value;
        DiagnosticMarkup.Verify(run.AnalyzerDiagnostics, run.InputCompilation.SyntaxTrees.Single(), expected,
            new System.Collections.Generic.Dictionary<string, DiagnosticSeverity> { ["AUTODIFF001"] = DiagnosticSeverity.Error });
        run.AssertGeneratedCodeClean();
    }

    [Theory]
    [InlineData(-1.3)]
    [InlineData(0.2)]
    [InlineData(0.9)]
    public void Library_derivatives_of_its_own_function_and_of_a_BCL_function(double x)
    {
        var value = Backward("F", x, out var gradient);
        Assert.Equal(Logistic(2 * x) + Math.Cos(Math.PI * x), value, 12);
        var expected = 2 * Logistic(2 * x) * (1 - Logistic(2 * x)) - Math.PI * Math.Sin(Math.PI * x);
        Assert.Equal(expected, gradient, 10);
        Assert.Equal(FiniteDifference(x), gradient, 6);

        static double FiniteDifference(double x)
        {
            const double h = 1e-5;
            static double F(double v) => Logistic(2 * v) + Math.Cos(Math.PI * v);
            return (F(x + h) - F(x - h)) / (2 * h);
        }
    }

    [Fact]
    public void The_projects_own_registration_wins_over_the_librarys()
    {
        var value = Backward("H", 0.8, out var gradient);
        Assert.Equal(0.32, value, 12);
        Assert.Equal(0.8, gradient, 12); // d(x/2 * x)/dx = x; the library's (wrong) derivative would give 100 x + x/2
        Assert.Contains("global::App.Fixes.HalfBackward(", s_result.Value.Run.GeneratedSourceFor("App.Use"));
        Assert.Contains("global::Lib.Curves.LogisticBackward(", s_result.Value.Run.GeneratedSourceFor("App.Use"));
    }
}
