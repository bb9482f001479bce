using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators;
using AutoDiff.Generators.Model;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// The type pipeline is incremental: a type's model holds no location and names the types it holds only by name, kind
/// and span type, so an unrelated edit, an edit that moves the type, or one inside a layer leaves the other types'
/// outputs cached; an edit of a type's parameters re-emits that type alone.
/// </summary>
public sealed class DifferentiableTypeIncrementalityTests
{
    private const string Layers = """
        using System;
        using AutoDiff;

        namespace App;

        [Differentiable]
        public partial class Linear
        {
            public double[] Weights = new double[4];
            public double Bias;

            [Differentiable] public double Apply(double x) => Bias * x;
        }
        """;

    private const string Models = """
        using AutoDiff;

        namespace App;

        [Differentiable]
        public partial class Mlp
        {
            public Linear Hidden = new();
            public Linear Output = new();
        }
        """;

    private const string Other = """
        namespace App;

        public static class Util
        {
            public static int Twice(int n) => n * 2;
        }
        """;

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.CreateCompilation([new SourceFile("Layers.cs", Layers), new SourceFile("Models.cs", Models), new SourceFile("Other.cs", Other)]);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Equal(
            new[] { "App.Linear.AutoDiff.Gradient.g.cs", "App.Linear.AutoDiff.g.cs", "App.Mlp.AutoDiff.Gradient.g.cs" },
            result.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, System.StringComparer.Ordinal));
        return (driver, compilation);
    }

    private static GeneratorRunResult RunAfterEdit(string path, string text)
    {
        var (driver, compilation) = FirstRun();
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(text)))).GetRunResult().Results.Single();
    }

    /// <summary>The type models the type pipeline passed on, by name, with the reason of each.</summary>
    private static Dictionary<string, IncrementalStepRunReason> TypeModels(GeneratorRunResult result)
        => result.TrackedSteps[TrackingNames.DifferentiableTypes].SelectMany(s => s.Outputs)
            .ToDictionary(o => ((DifferentiableTypeModel)o.Value).Name, o => o.Reason);

    private static List<IncrementalStepRunReason> OutputReasons(GeneratorRunResult result)
        => result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    [Fact]
    public void An_edit_in_another_file_leaves_every_type_output_cached()
    {
        var result = RunAfterEdit("Other.cs", Other.Replace("n * 2", "n * 3"));
        Assert.All(TypeModels(result).Values, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, OutputReasons(result));
        Assert.DoesNotContain(IncrementalStepRunReason.New, OutputReasons(result));
    }

    [Fact]
    public void Moving_a_type_down_its_file_leaves_its_output_unchanged()
    {
        var result = RunAfterEdit("Models.cs", Models.Replace("namespace App;", "namespace App;\n\n// A comment\n// that moves the type down.\n"));
        // Its file changed, so it is read again; the model compares equal, and nothing after it runs.
        var parsed = result.TrackedSteps[TrackingNames.TypeParse].SelectMany(s => s.Outputs)
            .Single(o => o.Value is DifferentiableTypeModel { Name: "Mlp" });
        Assert.Equal(IncrementalStepRunReason.Unchanged, parsed.Reason);
        Assert.Equal(IncrementalStepRunReason.Cached, TypeModels(result)["Mlp"]);
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, OutputReasons(result));
    }

    [Fact]
    public void Editing_a_method_of_a_differentiable_type_re_emits_its_backward_file_only()
    {
        var result = RunAfterEdit("Layers.cs", Layers.Replace("=> Bias * x;", "=> Bias * x * x;"));
        Assert.Equal(IncrementalStepRunReason.Cached, TypeModels(result)["Linear"]);
        Assert.Single(OutputReasons(result), IncrementalStepRunReason.Modified);
        Assert.Contains("Bias * x * x", result.GeneratedSources.Single(s => s.HintName == "App.Linear.AutoDiff.g.cs").SourceText.ToString());
    }

    [Fact]
    public void Adding_a_parameter_to_a_layer_re_emits_the_layer_but_not_the_model_that_holds_it()
    {
        var result = RunAfterEdit("Layers.cs", Layers.Replace("public double Bias;", "public double Bias;\n    public double Scale;"));
        var models = TypeModels(result);
        Assert.Equal(IncrementalStepRunReason.Modified, models["Linear"]);
        Assert.True(models["Mlp"] is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, models["Mlp"].ToString());
        Assert.Contains("this.Scale = source[offset++];", result.GeneratedSources.Single(s => s.HintName == "App.Linear.AutoDiff.Gradient.g.cs").SourceText.ToString());
    }

    [Fact]
    public void Making_a_layer_a_float_layer_re_emits_the_model_too()
    {
        // The model's double view calls a float layer through its explicit interface members: its text changes.
        var result = RunAfterEdit("Layers.cs", Layers.Replace("public double[] Weights = new double[4];", "public float[] Weights = new float[4];")
            .Replace("public double Bias;", "public float Bias;").Replace("public double Apply(double x)", "public float Apply(float x)"));
        var models = TypeModels(result);
        Assert.Equal(IncrementalStepRunReason.Modified, models["Linear"]);
        Assert.Equal(IncrementalStepRunReason.Modified, models["Mlp"]);
        Assert.Contains("((global::AutoDiff.IDifferentiable)this.Hidden).CopyParametersTo(", result.GeneratedSources.Single(s => s.HintName == "App.Mlp.AutoDiff.Gradient.g.cs").SourceText.ToString());
    }
}
