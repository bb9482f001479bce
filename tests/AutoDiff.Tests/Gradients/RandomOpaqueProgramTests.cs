using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Issue 10, "no silent wrong gradient", as a property: random [Differentiable] programs that mix differentiable code
/// with opaque helpers over objects and buffers (a helper returning an array, one filling a buffer, a List the program
/// adds to and a helper sums, an object a helper stores into and another reads, a static cache, a plain helper
/// returning double), each handed constants or values that depend on the parameters. A program may get an AUTODIFF
/// error; every program the generator accepts must have a backward that matches central finite differences.
/// </summary>
/// <remarks>
/// The programs come from a CsCheck generator with a fixed seed, all in one compilation; each runs at a few points,
/// also drawn from the seed. Expressions are bounded (tanh, sin, products of values below 2) so values stay finite.
/// </remarks>
public sealed class RandomOpaqueProgramTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Programs = 120;
    private const int PointsPerProgram = 3;

    /// <summary>One statement of a program: its kind and a few random choices that the writer turns into C#.</summary>
    private sealed record Statement(int Kind, int Target, int Source, bool Varied, int Shape);

    private sealed record Program(Statement[] Statements, bool[] ReadBacks);

    private static readonly Gen<Statement> s_statement =
        Gen.Select(Gen.Int[0, 10], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 3], (k, t, s, v, shape) => new Statement(k, t, s, v, shape));

    private static readonly Gen<Program> s_program =
        Gen.Select(s_statement.Array[2, 7], Gen.Bool.Array[5], (statements, readBacks) => new Program(statements, readBacks));

    private static readonly Gen<double[]> s_point =
        Gen.Select(Gen.Bool, Gen.Double[0.2, 1.2], Gen.Bool, Gen.Double[0.2, 1.2], (na, a, nb, b) => new[] { na ? -a : a, nb ? -b : b });

    private static readonly Lazy<(GeneratorRun Run, Program[] Programs, string[] Sources, double[][][] Points)> s_run = new(() =>
    {
        var pcg = new PCG(17, 20261203);
        var programs = new Program[Programs];
        var points = new double[Programs][][];
        for (var i = 0; i < Programs; i++)
        {
            programs[i] = s_program.Generate(pcg, null, out Size _);
            points[i] = Enumerable.Range(0, PointsPerProgram).Select(_ => s_point.Generate(pcg, null, out Size _)).ToArray();
        }

        var sources = programs.Select(Write).ToArray();
        var files = sources.Select((s, i) => new SourceFile($"P{i}.cs", "using System;\nusing System.Collections.Generic;\nusing AutoDiff;\n\n"
            + $"public static partial class P{i}\n{{\n{s}}}\n")).Prepend(new SourceFile("Helpers.cs", Header)).ToArray();
        return (GeneratorHarness.Run(files), programs, sources, points);
    });

    private const string Header = """
        using System;
        using System.Collections.Generic;
        using AutoDiff;

        public sealed class Box
        {
            public double V;
            public Box(double v) { V = v; }
        }

        public static class Opaque
        {
            private static double s_cache;
            public static void Reset() => s_cache = 0;
            public static double[] Make(double v) => new[] { v, 0.5 * v };
            public static void Fill(double[] into, double v) { into[0] = v; into[1] = v * v; }
            public static double Sum(List<double> l) { var s = 0.0; foreach (var v in l) s += v; return s; }
            public static void Store(Box b, double v) => b.V = v;
            public static double Peek(Box b) => b.V;
            public static void Remember(double v) => s_cache = v;
            public static double Recall() => s_cache;
            public static double Same(double v) => v;
        }


        """;

    /// <summary>Writes F(double a, double b) of a program (the body of its class).</summary>
    private static string Write(Program program)
    {
        var sb = new StringBuilder();
        void Line(string text) => sb.Append("    ").AppendLine(text);
        Line("[Differentiable]");
        Line("public static double F(double a, double b)");
        Line("{");
        Line("    double s0 = a, s1 = b * 0.5, s2 = 0.3;");
        Line("    var buf = new double[2];");
        Line("    var list = new List<double>();");
        Line("    var box = new Box(0.25);");
        var arrays = 0;
        foreach (var s in program.Statements)
        {
            var t = "s" + s.Target;
            var src = "s" + s.Source;
            // A value for an opaque helper: a constant, or one that depends on the parameters (through s0..s2, a, b).
            var arg = s.Varied ? Smooth(s.Shape, src) : (0.25 * (s.Shape + 1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            switch (s.Kind)
            {
                case 0:
                case 1:
                    Line($"    {t} = {Smooth(s.Shape, src)};");
                    break;
                case 2:
                    Line($"    buf[{s.Target % 2}] = {Smooth(s.Shape, src)};");
                    break;
                case 3:
                    Line($"    {t} = Opaque.Same({arg}) * 0.5 + {t} * 0.5;");
                    break;
                case 4:
                    var name = "arr" + arrays++;
                    Line($"    var {name} = Opaque.Make({arg});");
                    Line($"    {t} = {name}[{s.Source % 2}] * 0.5 + {t} * 0.5;");
                    break;
                case 5:
                    Line($"    Opaque.Fill(buf, {arg});");
                    break;
                case 6:
                    Line($"    list.Add({arg});");
                    break;
                case 7:
                    Line($"    Opaque.Store(box, {arg});");
                    break;
                case 8:
                    Line($"    Opaque.Remember({arg});");
                    break;
                case 9:
                    Line($"    {t} = Math.Tanh(Opaque.Peek(box) * {src});");
                    break;
                default:
                    Line($"    {t} = Math.Sin(Opaque.Recall() + {src});");
                    break;
            }
        }

        // The result reads back some of the objects and buffers, always through s0..s2.
        var result = new List<string> { "s0", "Math.Tanh(s1) * s2" };
        var readBacks = new[] { "buf[0] * 0.5", "buf[1]", "Opaque.Sum(list) * 0.25", "Opaque.Peek(box)", "Opaque.Recall() * 0.5" };
        for (var i = 0; i < readBacks.Length; i++)
        {
            if (program.ReadBacks[i])
            {
                result.Add(readBacks[i]);
            }
        }

        Line("    return " + string.Join(" + ", result) + ";");
        Line("}");
        return sb.ToString();
    }

    private static string Smooth(int shape, string v) => shape switch
    {
        0 => $"{v} * 0.5 + a",
        1 => $"Math.Tanh({v} * b)",
        2 => $"{v} * Math.Cos(a)",
        _ => $"Math.Sin({v}) + a * b",
    };

    [Fact]
    public void Every_accepted_random_program_matches_finite_differences()
    {
        var (run, programs, sources, points) = s_run.Value;
        Assert.Empty(run.GeneratorExceptions);
        var accepted = 0;
        var failures = new List<string>();
        for (var i = 0; i < programs.Length; i++)
        {
            var file = $"P{i}.cs";
            var errors = run.AnalyzerDiagnostics.Where(d => d.Location.GetLineSpan().Path == file && d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                continue; // rejected: fine, as long as it is rejected at compile time
            }

            accepted++;
            var error = Check(run, i, points[i]);
            if (error is not null)
            {
                failures.Add($"P{i}: {error}\n{sources[i]}\n{GeneratorHarness.Format(run.AnalyzerDiagnostics.Where(d => d.Location.GetLineSpan().Path == file))}");
            }
        }

        output.WriteLine($"{Programs} programs generated, {accepted} accepted, {failures.Count} with a gradient that differs from central differences");
        // Enough of both kinds that the property says something: accepted programs with opaque helpers, and rejected ones.
        Assert.True(accepted >= Programs / 5 && accepted <= Programs - Programs / 5, $"{accepted} of {Programs} programs accepted");
        Assert.True(failures.Count == 0, $"{failures.Count} of {accepted} accepted programs (of {Programs}) have a wrong gradient:\n" + string.Join("\n", failures.Take(5)));
    }

    private static string? Check(GeneratorRun run, int index, double[][] points)
    {
        var type = run.Compiled.GetType("P" + index);
        var primal = type.GetMethod("F", BindingFlags.Public | BindingFlags.Static)!;
        var backward = type.GetMethod("FBackward", BindingFlags.Public | BindingFlags.Static);
        if (backward is null)
        {
            return "accepted without an error, but no FBackward was generated";
        }

        var reset = run.Compiled.GetType("Opaque").GetMethod("Reset")!;
        double Value(double[] p)
        {
            reset.Invoke(null, null);
            return (double)CompiledAssembly.Call(primal, null, new object?[] { p[0], p[1] })!;
        }

        foreach (var p in points)
        {
            var args = new object?[] { p[0], p[1], 1.0, null, null };
            reset.Invoke(null, null);
            var returned = (double)CompiledAssembly.Call(backward, null, args)!;
            var gradient = new[] { (double)args[3]!, (double)args[4]! };
            var value = Value(p);
            var fd = FiniteDifference.Gradient(Value, p);
            var problem = !returned.Equals(value)
                ? $"backward returned {FiniteDifference.R(returned)}, F returns {FiniteDifference.R(value)}"
                : FiniteDifference.Compare("gradient vs central differences", gradient, fd, 1e-5, 1e-7);
            if (problem is not null)
            {
                return $"at (a, b) = ({FiniteDifference.R(p[0])}, {FiniteDifference.R(p[1])}): {problem}";
            }
        }

        return null;
    }
}
