using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using AutoDiff.Generators;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AutoDiff.Tests.Incrementality;

/// <summary>
/// The pipeline is incremental: after an edit that does not touch a [Differentiable] method, every step named in
/// <see cref="TrackingNames"/> and every output step reports only Cached or Unchanged outputs, so the emitter does not run.
/// </summary>
public sealed class IncrementalityTests
{
    private const string Models = """
        using System;
        using AutoDiff;

        namespace App;

        public static partial class Losses
        {
            [Differentiable] public static double Square(double x) => x * x;

            [Differentiable]
            public static double Huber(double x, [NoGrad] double delta)
            {
                var a = Math.Abs(x);
                if (a <= delta) return 0.5 * x * x;
                return delta * (a - 0.5 * delta);
            }
        }

        public partial struct Model
        {
            public double W;
            [Differentiable] public double Predict(double x) => W * Losses.Square(x);
        }

        public static partial class Soft
        {
            [Differentiable] public static double Plus(double x) => Rules.Softplus(x) * x;
        }

        // A differentiable type: its Gradient file is an output of the type pipeline.
        [Differentiable]
        public partial class Layer
        {
            public double[] Weights = new double[4];
            public double Bias;
        }
        // end of file
        """;

    private const string Other = """
        namespace App;

        // A helper with nothing to differentiate.
        public static class Util
        {
            public static int Twice(int n) => n * 2;
        }
        """;

    // A [DerivativeOf] registration in a file of its own, used by Soft.Plus.
    private const string Rules = """
        using System;
        using AutoDiff;

        namespace App;

        public static class Rules
        {
            public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

            [DerivativeOf(nameof(Softplus))]
            public static double SoftplusBackward(double x, double seed, out double gradX)
            {
                var e = Math.Exp(x);
                gradX = seed * e / (1 + e);
                return Math.Log(1 + e);
            }
        }
        """;

    private static readonly string[] s_trackingNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.CreateCompilation([new SourceFile("Models.cs", Models), new SourceFile("Other.cs", Other), new SourceFile("Rules.cs", Rules)]);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Equal(4, result.GeneratedSources.Length);
        Assert.Contains("global::App.Rules.SoftplusBackward(", result.GeneratedSources.Single(s => s.HintName.Contains("Soft")).SourceText.ToString());
        return (driver, compilation);
    }

    [Fact]
    public void TrackingNames_are_all_used_by_the_pipeline()
    {
        var (driver, _) = FirstRun();
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        Assert.NotEmpty(s_trackingNames);
        foreach (var name in s_trackingNames)
        {
            Assert.True(steps.ContainsKey(name), $"No tracked step named '{name}'; steps: {string.Join(", ", steps.Keys)}");
        }
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_every_step_cached()
    {
        var (driver, compilation) = FirstRun();
        var next = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace App; public static class More { public static double Half(double x) => x / 2; }",
            GeneratorHarness.ParseOptions, path: "More.cs"));
        AssertAllCached(driver.RunGenerators(next));
    }

    [Fact]
    public void Editing_a_comment_in_another_file_leaves_every_step_cached()
    {
        var driver = RunAfterEdit("Other.cs", Other.Replace("nothing to differentiate", "nothing at all to differentiate"));
        AssertAllCached(driver);
    }

    [Fact]
    public void Editing_code_in_another_file_leaves_every_step_cached()
    {
        var driver = RunAfterEdit("Other.cs", Other.Replace("n * 2", "n * 3 + 1"));
        AssertAllCached(driver);
    }

    [Fact]
    public void Editing_a_comment_after_the_methods_in_the_same_file_leaves_every_output_unchanged()
    {
        // The methods' models are re-parsed (their file changed) but compare equal: nothing is re-emitted.
        var driver = RunAfterEdit("Models.cs", Models.Replace("// end of file", "// end of the file, edited"));
        AssertAllCached(driver);
    }

    [Fact]
    public void Editing_a_Differentiable_method_re_emits_its_type()
    {
        // The converse, so that the assertions above can fail: a real edit must show up as Modified.
        var driver = RunAfterEdit("Models.cs", Models.Replace("=> x * x;", "=> x * x * x;"));
        var result = driver.GetRunResult().Results.Single();
        var reasons = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains("x * x * x", result.GeneratedSources.Single(s => s.HintName.Contains("Losses")).SourceText.ToString());
    }

    [Fact]
    public void Editing_the_body_of_a_DerivativeOf_method_leaves_every_output_unchanged()
    {
        // Callers call the derivative by name: its body is not part of any model.
        var driver = RunAfterEdit("Rules.cs", Rules.Replace("gradX = seed * e / (1 + e);", "gradX = seed / (1 + 1 / e);"));
        AssertAllCached(driver);
    }

    [Fact]
    public void Renaming_a_DerivativeOf_method_re_emits_only_the_types_that_call_its_target()
    {
        var driver = RunAfterEdit("Rules.cs", Rules.Replace("SoftplusBackward", "SoftplusGradient"));
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Contains("global::App.Rules.SoftplusGradient(", result.GeneratedSources.Single(s => s.HintName.Contains("Soft")).SourceText.ToString());

        // One type model changed (Soft); the emitter ran for it alone. Each type has two outputs: its generated code
        // and its IR dump, which writes nothing without AutoDiffEmitIr (so its output is unchanged); the differentiable
        // type Layer has one, its Gradient file.
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2 * 3 + 1, outputs.Count);
        Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        var models = result.TrackedSteps[TrackingNames.ResolvedModels].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(["Plus"], models.Where(o => o.Reason == IncrementalStepRunReason.Modified).Select(o => ((AutoDiff.Generators.Model.MethodModel)o.Value).Name));
    }

    /// <summary>Runs the generator once, replaces the text of one file, and runs it again with the same driver.</summary>
    private static GeneratorDriver RunAfterEdit(string path, string text)
    {
        var (driver, compilation) = FirstRun();
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(text))));
    }

    private static void AssertAllCached(GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        var problems = new List<string>();
        foreach (var name in s_trackingNames)
        {
            if (!result.TrackedSteps.TryGetValue(name, out var steps))
            {
                problems.Add($"step '{name}' did not run");
                continue;
            }

            problems.AddRange(Bad(name, steps));
        }

        foreach (var (name, steps) in result.TrackedOutputSteps)
        {
            problems.AddRange(Bad("output " + name, steps));
        }

        Assert.True(problems.Count == 0, "Not cached:\n" + string.Join("\n", problems));
        Assert.Equal(4, result.GeneratedSources.Length);
    }

    private static IEnumerable<string> Bad(string name, IEnumerable<IncrementalGeneratorRunStep> steps)
        => steps.SelectMany(step => step.Outputs.Select((o, i) => (o, i)))
            .Where(t => t.o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            .Select(t => $"{name} output {t.i}: {t.o.Reason} ({Describe(t.o.Value)})");

    private static string Describe(object? value)
    {
        var text = value?.ToString() ?? "null";
        return text.Length > 200 ? text[..200] + "..." : text;
    }
}
