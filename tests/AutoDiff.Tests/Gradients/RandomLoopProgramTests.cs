using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Random programs of loops, nested loops, branches, break/continue, loop-carried values and buffer writes, generated
/// from fixed seeds (so a failure always reproduces), each differentiated and compared with central differences. The
/// hand-written loop cases test each construct; these test their combinations, where restoring overwritten values
/// (taping, recomputing, induction) is easiest to get wrong. Branch conditions depend only on loop indices and on the
/// sign of inputs kept away from zero, so the functions are smooth at the sample points.
/// </summary>
public sealed class RandomLoopProgramTests
{
    // CI runs 150 fixed programs; a large run sets AUTODIFF_FUZZ_COUNT (programs) and AUTODIFF_FUZZ_SEED (the first seed).
    private static readonly int Programs = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_COUNT"), out var n) && n > 0 ? n : 150;

    private static readonly int FirstSeed = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_SEED"), out var s) ? s : 0;

    private static readonly Lazy<(GeneratorRun Run, string[] Sources)> s_run = new(() =>
    {
        var sources = Enumerable.Range(FirstSeed, Programs).Select(seed => new ProgramWriter(seed).Write()).ToArray();
        var all = new StringBuilder("using System;\nusing AutoDiff;\n");
        for (var i = 0; i < Programs; i++)
        {
            all.AppendLine($"public static partial class P{i}").AppendLine("{").AppendLine(sources[i])
                .AppendLine("    public static double V(double[] p) => F(p, p.Length > 0 ? p[0] : 0.3);")
                .AppendLine("    public static double G(double[] p, double[] g, double seed)")
                .AppendLine("    {")
                .AppendLine("        var v = FBackward(p, p.Length > 0 ? p[0] : 0.3, seed, g, out var ga);")
                .AppendLine("        if (p.Length > 0) g[0] += ga;")
                .AppendLine("        return v;")
                .AppendLine("    }")
                .AppendLine("}");
        }

        return (GeneratorHarness.Run(all.ToString()), sources);
    });

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Programs; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_loop_program_matches_finite_differences(int seed)
    {
        var (run, sources) = s_run.Value;
        var name = "P" + seed;
        var value = run.Compiled.Delegate<Func<double[], double>>(name, "V", typeof(double[]));
        var backward = run.Compiled.Delegate<Func<double[], double[], double, double>>(name, "G", typeof(double[]), typeof(double[]), typeof(double));
        var random = new Random(seed * 7919 + 1);
        for (var sample = 0; sample < 6; sample++)
        {
            var n = sample == 0 ? 0 : sample == 1 ? 1 : random.Next(2, 9);
            // Inputs in ±[0.1, 1.2]: away from the sign boundaries the branches test.
            var x = Enumerable.Range(0, n).Select(_ => (random.Next(2) == 0 ? -1 : 1) * (0.1 + 1.1 * random.NextDouble())).ToArray();
            var primal = value(x);
            var g = new double[n];
            var returned = backward(x, g, 1.0);
            var fd = FiniteDifference.Gradient(value, x);
            var errors = new List<string?>
            {
                returned.Equals(primal) ? null : $"backward returned {FiniteDifference.R(returned)}, the method returns {FiniteDifference.R(primal)}",
                FiniteDifference.Compare("gradient vs central differences", g, fd, 1e-5, 1e-6),
            };
            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{name} at x = ({string.Join(", ", x.Select(FiniteDifference.R))}):\n  " + string.Join("\n  ", errors)
                    + "\n" + sources[seed] + "\n" + run.GeneratedSourceFor(name));
            }
        }
    }

    /// <summary>Writes one random [Differentiable] F(double[] x, double a) of loops over x.</summary>
    private sealed class ProgramWriter(int seed)
    {
        private readonly Random _random = new(seed);
        private readonly StringBuilder _sb = new();
        private readonly List<string> _indices = new();
        private int _loopCount;
        private int _indent = 2;

        private int _indexDepth => _indices.Count;

        public string Write()
        {
            Line("[Differentiable]");
            Line("public static double F(double[] x, double a)");
            Line("{");
            _indent++;
            Line("double s0 = a * 0.5, s1 = 0.25, s2 = 1;");
            Line("Span<double> h = stackalloc double[3];");
            Block(statements: 3, depth: 0);
            Line("return s0 + Math.Tanh(s1) * s2 + h[0] * h[1] - h[2];");
            _indent--;
            Line("}");
            return _sb.ToString();
        }

        private void Block(int statements, int depth)
        {
            for (var i = 0; i < statements; i++)
            {
                Statement(depth);
            }
        }

        private void Statement(int depth)
        {
            var choice = _random.Next(10);
            if (choice < 3 && depth < 2)
            {
                Loop(depth);
            }
            else if (choice < 5 && depth > 0 && depth < 4)
            {
                Branch(depth);
            }
            else if (choice < 7 && _indexDepth > 0)
            {
                Line($"h[{Index()} % 3] = {Expression()};");
            }
            else
            {
                Line($"{Var()} = {Expression()};");
            }
        }

        private void Loop(int depth)
        {
            var i = "i" + _loopCount++;
            var kind = _random.Next(4);
            switch (kind)
            {
                case 0:
                    Line($"for (int {i} = 0; {i} < x.Length; {i}++)");
                    break;
                case 1:
                    Line($"for (int {i} = x.Length - 1; {i} >= 0; {i}--)");
                    break;
                case 2:
                    Line($"int {i} = 0;");
                    Line($"while ({i} < x.Length)");
                    break;
                default:
                    Line($"for (int {i} = 0; {i} < x.Length; {i} += 2)");
                    break;
            }

            Line("{");
            _indent++;
            _indices.Add(i);
            Block(statements: 1 + _random.Next(3), depth + 1);
            if (_random.Next(4) == 0)
            {
                Line($"if ({i} == {1 + _random.Next(3)}) break;");
            }

            if (kind != 2 && _random.Next(4) == 0)
            {
                Line($"if (x[{i}] < 0) continue;");
                Statement(depth + 1);
            }

            _indices.RemoveAt(_indices.Count - 1);
            if (kind == 2)
            {
                Line($"{i}++;");
            }

            _indent--;
            Line("}");
        }

        private void Branch(int depth)
        {
            var condition = _indexDepth > 0 && _random.Next(2) == 0 ? $"x[{Index()}] > 0" : $"{Index()} % 2 == 0";
            Line($"if ({condition})");
            Line("{");
            _indent++;
            Block(1 + _random.Next(2), depth + 1);
            _indent--;
            Line("}");
            if (_random.Next(2) == 0)
            {
                Line("else");
                Line("{");
                _indent++;
                Block(1, depth + 1);
                _indent--;
                Line("}");
            }
        }

        private string Index() => _indexDepth == 0 ? "0" : _indices[_random.Next(_indexDepth)];

        private string Var() => "s" + _random.Next(3);

        // Bounded building blocks, so values stay finite however many iterations run.
        private string Expression() => _random.Next(8) switch
        {
            0 => $"{Var()} * 0.5 + {Operand()}",
            1 => $"Math.Tanh({Var()} * {Operand()})",
            2 => $"{Var()} * Math.Cos({Operand()})",
            3 => $"Math.Sin({Var()}) + {Operand()} * {Operand()}",
            4 => $"0.9 * {Var()} - Math.Exp(-{Operand()} * {Operand()})",
            5 => $"{Var()} / (1 + {Var()} * {Var()})",
            6 => $"h[{Index()} % 3] * 0.5 + {Operand()}",
            _ => $"Math.Max({Var()}, {Operand()}) * 0.5",
        };

        private string Operand() => _random.Next(4) switch
        {
            0 when _indexDepth > 0 => $"x[{Index()}]",
            0 => "x.Length * 0.1",
            1 => "a",
            2 => Var(),
            _ => "0.3",
        };

        private void Line(string text) => _sb.Append(' ', _indent * 4).AppendLine(text);
    }
}
