using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using AutoDiff.Generators;
using AutoDiff.Generators.Model;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// The pipeline stays incremental with forward mode: its models (the Forward flag, a call's HasTangent, tangent
/// registrations) are equatable, so an edit elsewhere leaves every step cached, editing a tangent registration's body
/// changes no output, and adding Forward = true to a method or renaming a tangent registration re-emits only the types
/// whose generated code changes.
/// </summary>
public sealed class ForwardIncrementalityTests
{
    private const string Models = """
        using System;
        using AutoDiff;

        namespace App;

        public static partial class Losses
        {
            [Differentiable(Forward = true)] public static double Square(double x) => x * x;

            [Differentiable(Forward = true)]
            public static double Smooth(ReadOnlySpan<double> x)
            {
                double s = 0;
                foreach (var v in x) s += Square(v) + Rules.Softplus(v);
                return s;
            }
        }

        public static partial class Plain
        {
            [Differentiable] public static double Cube(double x) => x * x * x;
        }

        public static partial class Caller
        {
            [Differentiable] public static double Twice(double x) => Plain.Cube(x) * 2;
        }
        """;

    private const string Other = """
        namespace App;

        public static class Util
        {
            public static int Twice(int n) => n * 2;
        }
        """;

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

            [DerivativeOf(nameof(Softplus), Tangent = true)]
            public static double SoftplusTangent(double x, double tangentX, out double tangent)
            {
                var e = Math.Exp(x);
                tangent = tangentX * e / (1 + e);
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
        var losses = result.GeneratedSources.Single(s => s.HintName.Contains("Losses")).SourceText.ToString();
        Assert.Contains("global::App.Rules.SoftplusTangent(", losses);
        Assert.Contains("global::App.Losses.SquareTangent(", losses);
        return (driver, compilation);
    }

    private static GeneratorDriver RunAfterEdit(string path, Func<string, string> edit)
    {
        var (driver, compilation) = FirstRun();
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        var text = edit(tree.GetText().ToString());
        return driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(text))));
    }

    [Fact]
    public void Editing_code_in_another_file_leaves_every_step_cached()
        => AssertAllCached(RunAfterEdit("Other.cs", t => t.Replace("n * 2", "n * 3 + 1")));

    [Fact]
    public void Editing_the_body_of_a_tangent_registration_leaves_every_output_unchanged()
        => AssertAllCached(RunAfterEdit("Rules.cs", t => t.Replace("tangent = tangentX * e / (1 + e);", "tangent = tangentX / (1 + 1 / e);")));

    [Fact]
    public void Adding_Forward_to_a_method_re_emits_its_type_only()
    {
        var driver = RunAfterEdit("Models.cs", t => t.Replace("[Differentiable] public static double Cube", "[Differentiable(Forward = true)] public static double Cube"));
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Contains("CubeTangent(", result.GeneratedSources.Single(s => s.HintName.Contains("Plain")).SourceText.ToString());
        var modified = ModifiedFiles(result);
        Assert.Equal(["App.Plain.AutoDiff.g.cs"], modified);

        // The caller's model changed (its call now has a tangent to call), its generated code did not.
        var models = result.TrackedSteps[TrackingNames.ResolvedModels].SelectMany(s => s.Outputs).Where(o => o.Reason == IncrementalStepRunReason.Modified)
            .Select(o => ((MethodModel)o.Value).Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(["Cube", "Twice"], models);
    }

    [Fact]
    public void Renaming_a_tangent_registration_re_emits_only_the_forward_callers_of_its_target()
    {
        var driver = RunAfterEdit("Rules.cs", t => t.Replace("SoftplusTangent", "SoftplusJvp"));
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Contains("global::App.Rules.SoftplusJvp(", result.GeneratedSources.Single(s => s.HintName.Contains("Losses")).SourceText.ToString());
        Assert.Equal(["App.Losses.AutoDiff.g.cs"], ModifiedFiles(result));
    }

    private static List<string> ModifiedFiles(GeneratorRunResult result)
        => result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs)
            .Where(o => o.Reason == IncrementalStepRunReason.Modified)
            .Select(o => Describe(o.Value))
            .ToList();

    // An output step's value is the node's value, or a tuple holding it (the IR dump's is (TypeModel, bool)).
    private static string Describe(object? value) => value switch
    {
        GeneratedType type => DifferentiableGenerator.Emitter.HintName(type.TypeKey),
        TypeModel model => "IR dump of " + model.TypeKey,
        { } source when source.GetType().Name == "GeneratedSourceText" => source.GetType().GetProperty("HintName", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(source)?.ToString() ?? "?",
        System.Runtime.CompilerServices.ITuple tuple => string.Join("", Enumerable.Range(0, tuple.Length).Select(i => Describe(tuple[i]))),
        System.Collections.IEnumerable items and not string => string.Join(", ", items.Cast<object?>().Select(Describe)),
        _ => value?.ToString() ?? "null",
    };

    private static void AssertAllCached(GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        var problems = new List<string>();
        foreach (var name in s_trackingNames)
        {
            if (result.TrackedSteps.TryGetValue(name, out var steps))
            {
                problems.AddRange(Bad(name, steps));
            }
        }

        foreach (var (name, steps) in result.TrackedOutputSteps)
        {
            problems.AddRange(Bad("output " + name, steps));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static IEnumerable<string> Bad(string name, IEnumerable<IncrementalGeneratorRunStep> steps)
        => steps.SelectMany(s => s.Outputs).Select((o, i) => (o, i))
            .Where(t => t.o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            .Select(t => $"{name} output {t.i}: {t.o.Reason} ({t.o.Value})");
}
