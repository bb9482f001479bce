using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AutoDiff.Tests.Generation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AutoDiff.Benchmarks;

/// <summary>
/// Size and generation time of the backward of the shapes of issue 9 at full size (<c>--code-growth</c>): for each shape
/// and size, the method's bytes, the generated file's bytes and their ratio, the generator's wall-clock time (median of
/// a few runs of a new driver), and, with <c>--compile</c>, whether the output compiles, how long that takes and the
/// first error. The shapes are those of tests/AutoDiff.Tests/Generation/CodeGrowthShapes.cs (linked into this project),
/// whose tests assert the bounds at CI sizes.
/// </summary>
public static class CodeGrowth
{
    /// <summary>Generation longer than this is reported as a timeout (the run is abandoned on its thread).</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    public static IEnumerable<GrowthShape> FullSize()
    {
        foreach (var n in new[] { 125, 1000 })
        {
            yield return CodeGrowthShapes.ElseIfChain(n);
        }

        yield return CodeGrowthShapes.ReturnSequence(1000);
        yield return CodeGrowthShapes.Switch(1000);
        yield return CodeGrowthShapes.NestedIfs(400);
        foreach (var n in new[] { 8, 12, 16, 1000 })
        {
            yield return CodeGrowthShapes.ReturnsInFallingThroughIfs(n);
        }

        foreach (var n in new[] { 2000, 5000 })
        {
            yield return CodeGrowthShapes.StraightLine(n);
        }

        yield return CodeGrowthShapes.HeavyStraightLine(5000);

        yield return CodeGrowthShapes.ConstantConditions();
    }

    /// <summary>The generated file of one shape at one size (<c>--code-growth-dump ElseIfChain 3</c>).</summary>
    public static void Dump(TextWriter output, string name, int n)
    {
        var shape = name switch
        {
            "ElseIfChain" => CodeGrowthShapes.ElseIfChain(n),
            "ReturnSequence" => CodeGrowthShapes.ReturnSequence(n),
            "Switch" => CodeGrowthShapes.Switch(n),
            "NestedIfs" => CodeGrowthShapes.NestedIfs(n),
            "ReturnsInFallingThroughIfs" => CodeGrowthShapes.ReturnsInFallingThroughIfs(n),
            "StraightLine" => CodeGrowthShapes.StraightLine(n),
            "HeavyStraightLine" => CodeGrowthShapes.HeavyStraightLine(n),
            "ConstantReturn" => CodeGrowthShapes.ConstantReturn(),
            _ => CodeGrowthShapes.ConstantConditions(),
        };
        output.WriteLine(shape.Source);
        var compilation = SyntheticCompilation.Create(System.Collections.Immutable.ImmutableArray.Create(SyntheticCompilation.Parse("Shapes.cs", shape.Source)));
        var driver = SyntheticCompilation.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        foreach (var diagnostic in diagnostics.Concat(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)))
        {
            output.WriteLine(diagnostic.ToString());
        }

        output.WriteLine(string.Concat(driver.GetRunResult().Results.Single().GeneratedSources.Select(s => s.SourceText.ToString())));
    }

    /// <summary>One shape at several sizes (<c>--code-growth-scan NestedIfs 20 40 80</c>): bytes, ratio and time, to see how they grow.</summary>
    public static void Scan(TextWriter output, string name, IEnumerable<int> sizes)
    {
        foreach (var n in sizes)
        {
            var shape = name switch
            {
                "ElseIfChain" => CodeGrowthShapes.ElseIfChain(n),
                "ReturnSequence" => CodeGrowthShapes.ReturnSequence(n),
                "Switch" => CodeGrowthShapes.Switch(n),
                "NestedIfs" => CodeGrowthShapes.NestedIfs(n),
                "ReturnsInFallingThroughIfs" => CodeGrowthShapes.ReturnsInFallingThroughIfs(n),
                "HeavyStraightLine" => CodeGrowthShapes.HeavyStraightLine(n),
                _ => CodeGrowthShapes.StraightLine(n),
            };
            var (_, milliseconds, text) = Generate(SyntheticCompilation.Parse("Shapes.cs", shape.Source));
            var bytes = text is null ? 0 : Encoding.UTF8.GetByteCount(text);
            output.WriteLine($"{shape,-34} {shape.MethodBytes,10} {bytes,13} {(double)bytes / shape.MethodBytes,8:0.00} {milliseconds,12:0}");
        }
    }

    public static void Run(TextWriter output, bool compile, string? only)
    {
        output.WriteLine($"{"shape",-34} {"method B",10} {"generated B",13} {"ratio",8} {"generate ms",12}{(compile ? $" {"compile ms",11}  errors/warnings in the generated file" : "")}");
        foreach (var shape in FullSize().Where(s => only is null || s.Name.IndexOf(only, StringComparison.OrdinalIgnoreCase) >= 0))
        {
            var tree = SyntheticCompilation.Parse("Shapes.cs", shape.Source);
            var (generated, milliseconds, text) = Generate(tree);
            var label = shape.ToString();
            if (generated is null)
            {
                output.WriteLine($"{label,-34} {shape.MethodBytes,10} {"(timeout)",13} {"",8} {">" + s_timeout.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture),12}");
                continue;
            }

            var bytes = Encoding.UTF8.GetByteCount(text!);
            var line = $"{label,-34} {shape.MethodBytes,10} {bytes,13} {(double)bytes / shape.MethodBytes,8:0.00} {milliseconds,12:0}";
            if (compile)
            {
                // Emit, not only GetDiagnostics: CS0204 (more than 65 534 locals) comes from code generation.
                var watch = Stopwatch.StartNew();
                var emitted = generated.Emit(Stream.Null);
                var diagnostics = emitted.Diagnostics.Concat(generated.GetDiagnostics())
                    .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree != tree)
                    .GroupBy(d => d.ToString()).Select(g => g.First())
                    .ToList();
                line += $" {watch.ElapsedMilliseconds,11}  {diagnostics.Count}{(diagnostics.Count > 0 ? " (first: " + diagnostics[0].Id + " " + diagnostics[0].GetMessage(CultureInfo.InvariantCulture) + ")" : "")}";
            }

            output.WriteLine(line);
        }
    }

    // The median of three runs (one when a run takes over 5 s), each with a new driver on the same compilation.
    private static (Compilation? Output, double Milliseconds, string? Text) Generate(SyntaxTree tree)
    {
        var compilation = SyntheticCompilation.Create(System.Collections.Immutable.ImmutableArray.Create(tree));
        var times = new List<double>();
        Compilation? output = null;
        string? text = null;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            var task = Task.Run(() =>
            {
                var driver = SyntheticCompilation.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var updated, out _);
                var result = driver.GetRunResult().Results.Single();
                if (result.Exception is not null)
                {
                    throw result.Exception;
                }

                return (updated, string.Concat(result.GeneratedSources.Select(s => s.SourceText.ToString())));
            });
            if (!task.Wait(s_timeout))
            {
                return (null, double.NaN, null);
            }

            times.Add(watch.Elapsed.TotalMilliseconds);
            (output, text) = task.Result;
            if (watch.Elapsed.TotalSeconds > 5)
            {
                break;
            }
        }

        times.Sort();
        return (output, times[times.Count / 2], text);
    }
}
