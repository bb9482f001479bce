using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoDiff.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Benchmarks;

/// <summary>
/// Where the generator's time goes on the synthetic project (<c>--profile-generator</c>): medians of the wall-clock
/// and process CPU time of a cold run, of a one-method edit, and of Roslyn binding the same methods without the
/// generator; and, from the driver's step tracking, how often each named step ran, with which outcome, and how long
/// it took in all.
/// </summary>
public static class GeneratorProfile
{
    public static void Run(TextWriter output, int repetitions = 7)
    {
        var trees = SyntheticCompilation.ParseAll();
        var baseCompilation = SyntheticCompilation.Create(trees);
        var warm = CreateTrackingDriver().RunGenerators(baseCompilation);
        var old = trees[SyntheticProject.EditedFile];
        int edit = 0;
        CSharpCompilation Edited() => baseCompilation.ReplaceSyntaxTree(old,
            SyntheticCompilation.Parse(old.FilePath, SyntheticProject.FileText(SyntheticProject.EditedFile, ++edit)));

        GeneratorDriver last = warm;
        // Cold: new syntax trees too, so that nothing kept per syntax node from an earlier run can be reused.
        Measure(output, "cold run (new driver, new compilation of newly parsed files)", repetitions, () => SyntheticCompilation.Create(SyntheticCompilation.ParseAll()), c => last = CreateTrackingDriver().RunGenerators(c));
        Describe(output, last);
        Measure(output, "one-method edit (warm driver)", repetitions, Edited, c => last = warm.RunGenerators(c));
        Describe(output, last);
        var floor = CSharpGeneratorDriver.Create(new[] { new FindOnlyGenerator().AsSourceGenerator() }, parseOptions: SyntheticCompilation.ParseOptions).RunGenerators(baseCompilation);
        Measure(output, "floor: a generator that only finds the [Differentiable] methods (ForAttributeWithMetadataName, name only), one-method edit", repetitions, Edited, c => floor.RunGenerators(c));
        Measure(output, "binding only: GetDeclaredSymbol + GetOperation of the 1000 methods of an edited compilation, no generator", repetitions, Edited, Bind);
        Measure(output, "binding only: GetDeclaredSymbol of the 1000 methods of an edited compilation, no generator", repetitions, Edited, c => Bind(c, operations: false));
    }

    /// <summary>Only one-method edits, <paramref name="count"/> of them, for a sampling profiler (<c>--profile-generator-edits N</c>).</summary>
    public static void EditLoop(int count)
    {
        var trees = SyntheticCompilation.ParseAll();
        var baseCompilation = SyntheticCompilation.Create(trees);
        var warm = SyntheticCompilation.CreateDriver().RunGenerators(baseCompilation);
        var old = trees[SyntheticProject.EditedFile];
        for (int edit = 1; edit <= count; edit++)
        {
            warm.RunGenerators(baseCompilation.ReplaceSyntaxTree(old,
                SyntheticCompilation.Parse(old.FilePath, SyntheticProject.FileText(SyntheticProject.EditedFile, edit))));
        }
    }

    private static void Bind(CSharpCompilation compilation) => Bind(compilation, operations: true);

    private static void Bind(CSharpCompilation compilation, bool operations)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var method in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            {
                model.GetDeclaredSymbol(method);
                if (operations)
                {
                    model.GetOperation(method);
                }
            }
        }
    }

    private static void Measure(TextWriter output, string what, int repetitions, Func<CSharpCompilation> setup, Action<CSharpCompilation> run)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < repetitions; i++)
        {
            var compilation = setup();
            GC.Collect();
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            run(compilation);
            sw.Stop();
            process.Refresh();
            wall.Add(sw.Elapsed.TotalMilliseconds);
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }

        output.WriteLine($"{what}: median {Median(wall):F1} ms wall, {Median(cpu):F1} ms CPU (min {wall.Min():F1} ms wall, {repetitions} runs)");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }

    private static GeneratorDriver CreateTrackingDriver() => CSharpGeneratorDriver.Create(
        new[] { new DifferentiableGenerator().AsSourceGenerator() },
        parseOptions: SyntheticCompilation.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static void Describe(TextWriter output, GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        foreach (var (name, steps) in result.TrackedSteps.Concat(result.TrackedOutputSteps).Where(s => !s.Key.Contains("_ForAttribute")))
        {
            var reasons = steps.SelectMany(s => s.Outputs).GroupBy(o => o.Reason).Select(g => $"{g.Key} {g.Count()}");
            var elapsed = steps.Aggregate(TimeSpan.Zero, (t, s) => t + s.ElapsedTime);
            output.WriteLine($"    step {name,-14} inputs {steps.Length,5}  outputs: {string.Join(", ", reasons),-32} elapsed {elapsed.TotalMilliseconds,8:F1} ms");
        }
    }

    /// <summary>The least a generator driven by [Differentiable] does: find the methods; what Roslyn costs per run before our code.</summary>
    private sealed class FindOnlyGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName(
                "AutoDiff.DifferentiableAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                static (context, _) => context.TargetSymbol.Name);
            context.RegisterSourceOutput(names.Collect(), static (_, _) => { });
        }
    }
}
