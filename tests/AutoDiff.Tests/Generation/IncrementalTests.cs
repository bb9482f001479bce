using System.Linq;
using AutoDiff.Generators;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// In an IDE the generator runs on every keystroke: an edit outside [Differentiable] methods must leave every step
/// cached, and an edit of one method must regenerate only that method's type.
/// </summary>
public class IncrementalTests
{
    private const string Losses = """
        using System;
        using AutoDiff;
        namespace Demo;
        public static partial class Losses
        {
            [Differentiable]
            public static double F(double x) => Math.Sin(x) * x;
        }
        """;

    private const string Models = """
        using System;
        using AutoDiff;
        namespace Demo;
        public static partial class Models
        {
            [Differentiable]
            public static double G(double x, double y) => x * y + Math.Exp(y);
        }
        """;

    private const string Unrelated = """
        namespace Demo;
        public static class Util
        {
            public static int Twice(int v) => v * 2;
        }
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.CreateCompilation(new SourceFile[] { new("Losses.cs", Losses), new("Models.cs", Models), new("Util.cs", Unrelated) });
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        return (driver, compilation);
    }

    private static string[] TrackedSteps => new[] { TrackingNames.Parse, TrackingNames.Models, TrackingNames.GeneratedMethods, TrackingNames.Types };

    [Fact]
    public void UnrelatedEditLeavesEveryStepCached()
    {
        var (driver, compilation) = FirstRun();
        var util = compilation.SyntaxTrees.Single(t => t.FilePath == "Util.cs");
        var edited = compilation.ReplaceSyntaxTree(util, CSharpSyntaxTree.ParseText(Unrelated.Replace("v * 2", "v + v") + "\n// a comment\n", GeneratorHarness.ParseOptions, "Util.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditingOneMethodRegeneratesOnlyItsType()
    {
        var (driver, compilation) = FirstRun();
        var losses = compilation.SyntaxTrees.Single(t => t.FilePath == "Losses.cs");
        var edited = compilation.ReplaceSyntaxTree(losses, CSharpSyntaxTree.ParseText(Losses.Replace("Math.Sin(x) * x", "Math.Cos(x) * x"), GeneratorHarness.ParseOptions, "Losses.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // Only the edited method's backward is generated again; the other method of its type is cached.
        var methods = result.TrackedSteps[TrackingNames.GeneratedMethods].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, methods.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(methods.Count - 1, methods.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        var types = result.TrackedSteps[TrackingNames.Types].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, types.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(1, types.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("Cos(x)", result.GeneratedSources.Single(s => s.HintName.StartsWith("Demo.Losses")).SourceText.ToString());
    }

    // The parse of a method whose file did not change is reused as long as no declaration changed: the Parse step
    // hands out the very same model object, so its body was not bound again.
    [Fact]
    public void EditingOneMethodBodyDoesNotParseTheOtherFilesAgain()
    {
        var (driver, compilation) = FirstRun();
        var before = ParsedModels(driver.GetRunResult());
        var losses = compilation.SyntaxTrees.Single(t => t.FilePath == "Losses.cs");
        var edited = compilation.ReplaceSyntaxTree(losses, CSharpSyntaxTree.ParseText(Losses.Replace("Math.Sin(x) * x", "Math.Cos(x) * x"), GeneratorHarness.ParseOptions, "Losses.cs"));

        DifferentiableGenerator.ParseCache.ParsesOnThisThread = 0;
        var after = ParsedModels(driver.RunGenerators(edited).GetRunResult());

        Assert.Equal(1, DifferentiableGenerator.ParseCache.ParsesOnThisThread); // F only; G came from the cache
        Assert.Equal(before["G"], after["G"]);
        Assert.NotEqual(before["F"], after["F"]);
    }

    // ...but a declaration elsewhere that the parse reads (here: G becomes [Differentiable], so F's call of it gets a
    // derivative) makes every method parse again, and F's output changes although its file did not.
    [Fact]
    public void ADeclarationChangeElsewhereParsesAgain()
    {
        const string caller = """
            using AutoDiff;
            namespace Demo;
            public static partial class Caller
            {
                [Differentiable]
                public static double F(double x) => Helpers.G(x) * x;
            }
            """;
        const string helpers = """
            namespace Demo;
            public static partial class Helpers
            {
                public static double G(double x) => x * x;
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation(new SourceFile[] { new("Caller.cs", caller), new("Helpers.cs", helpers) });
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().GeneratedTrees); // AUTODIFF001: G has no derivative

        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Helpers.cs");
        var marked = helpers.Replace("public static double G", "[AutoDiff.Differentiable] public static double G");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(marked, GeneratorHarness.ParseOptions, "Helpers.cs"));
        DifferentiableGenerator.ParseCache.ParsesOnThisThread = 0;
        var result = driver.RunGenerators(edited).GetRunResult();

        Assert.Equal(2, DifferentiableGenerator.ParseCache.ParsesOnThisThread); // F (unchanged file) and the new G
        Assert.Contains("global::Demo.Helpers.GBackward(", result.Results.Single().GeneratedSources.Single(s => s.HintName.StartsWith("Demo.Caller")).SourceText.ToString());
    }

    private static System.Collections.Generic.Dictionary<string, object> ParsedModels(GeneratorDriverRunResult run)
        => run.Results.Single().TrackedSteps[TrackingNames.Parse]
            .SelectMany(s => s.Outputs)
            .Select(o => ((AutoDiff.Generators.Model.ParsedMethod)o.Value).Model)
            .OfType<AutoDiff.Generators.Model.MethodModel>()
            .ToDictionary(m => m.Name, m => (object)m);
}
