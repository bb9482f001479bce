using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Random loop programs of a wider grammar than <see cref="RandomLoopProgramTests"/>: <c>do</c> loops, <c>while</c>
/// loops that count first and <c>continue</c>, triangular loops (<c>j &lt; i</c>), compound assignments (<c>+= -= *=</c>)
/// of locals and buffer elements, a buffer of length <c>x.Length + 1</c> besides the stackalloc one, shifted buffer
/// indices, locals declared inside loops, tuple assignments, an integer accumulator in conditions, early returns from
/// inside loops, a [Differentiable] helper called in the loops, floating conditionals, and Min, Abs, Sqrt, Log, Atan.
/// Judged like those, by forward mode (<see cref="RandomProgramBatch"/>).
/// </summary>
public sealed class RandomWideLoopProgramTests
{
    // CI runs 100 fixed programs; a large run sets AUTODIFF_FUZZ_COUNT and AUTODIFF_FUZZ_SEED, as for RandomLoopProgramTests.
    private static readonly int Programs = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_COUNT"), out var n) && n > 0 ? n : 100;

    private static readonly int FirstSeed = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_SEED"), out var s) ? s : 0;

    private static readonly Lazy<RandomProgramBatch> s_run = new(() => RandomProgramBatch.Compile(Enumerable.Range(FirstSeed, Programs).ToArray(), seed => new ProgramWriter(seed).Write()));

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
    public void Random_wide_loop_program_matches_forward_mode(int seed)
    {
        var outcomes = s_run.Value.Check(seed, sampleSeed: seed);
        Assert.Equal(6, outcomes.Count);
    }

    /// <summary>Writes one random [Differentiable] F(double[] x, double a) of loops over x, with a helper Hl.</summary>
    private sealed class ProgramWriter(int seed)
    {
        private readonly Random _random = new(seed);
        private readonly StringBuilder _sb = new();
        private readonly List<string> _indices = new();
        private readonly List<string> _locals = new();
        private int _loopCount;
        private int _localCount;
        private int _indent = 2;

        public string Write()
        {
            Line("[Differentiable]");
            Line("public static double Hl(double u, double v) => Math.Tanh(u) * v + 0.1 * u;");
            Line("[Differentiable]");
            Line("public static double F(double[] x, double a)");
            Line("{");
            _indent++;
            Line("double s0 = a * 0.5, s1 = 0.25, s2 = 1;");
            Line("Span<double> h = stackalloc double[3];");
            Line("double[] b = new double[x.Length + 1];");
            Line("int k = 0;");
            Block(3 + _random.Next(2), depth: 0);
            Line("return s0 + Math.Tanh(s1) * s2 + h[0] * h[1] - h[2] + b[0] * 0.5 + (b.Length > 1 ? b[1] : 0) + k * 0.01;");
            _indent--;
            Line("}");
            return _sb.ToString();
        }

        private void Block(int statements, int depth)
        {
            var scope = _locals.Count;
            for (var i = 0; i < statements; i++)
            {
                Statement(depth);
            }

            _locals.RemoveRange(scope, _locals.Count - scope);
        }

        private void Statement(int depth)
        {
            var choice = _random.Next(16);
            if (choice < 4 && depth < 3)
            {
                Loop(depth);
            }
            else if (choice < 6 && depth > 0 && depth < 4)
            {
                Branch(depth);
            }
            else if (choice < 8 && _indices.Count > 0)
            {
                BufferWrite();
            }
            else if (choice == 8 && _indices.Count > 0)
            {
                Line($"k += {Index()} % 2;");
            }
            else if (choice == 9)
            {
                var local = "t" + _localCount++;
                Line($"double {local} = {Expression()};");
                _locals.Add(local);
            }
            else if (choice == 10 && _indices.Count > 0 && _random.Next(3) == 0)
            {
                Line($"if ({Index()} == {_random.Next(4)} && x[{Index()}] < -0.9) return {Var()} * 0.5 + {Operand()};");
            }
            else if (choice == 11)
            {
                var first = _random.Next(3);
                Line($"(s{first}, s{(first + 1 + _random.Next(2)) % 3}) = ({Expression()}, {Expression()});");
            }
            else
            {
                var target = Target();
                switch (_random.Next(5))
                {
                    case 0:
                        Line($"{target} += {Expression()} * 0.1;");
                        break;
                    case 1:
                        Line($"{target} -= {Expression()} * 0.1;");
                        break;
                    case 2:
                        Line($"{target} *= Math.Tanh({Expression()});");
                        break;
                    default:
                        Line($"{target} = {Expression()};");
                        break;
                }
            }
        }

        private void BufferWrite()
        {
            var i = Index();
            switch (_random.Next(5))
            {
                case 0:
                    Line($"h[({i} + {_random.Next(1, 3)}) % 3] = {Expression()};");
                    break;
                case 1:
                    Line($"h[{i} % 3] += {Expression()} * 0.5;");
                    break;
                case 2:
                    Line($"b[{i}] = {Expression()};");
                    break;
                case 3:
                    Line($"b[{i} + 1] += {Expression()} * 0.3;");
                    break;
                default:
                    Line($"h[{i} % 3] = {Expression()};");
                    break;
            }
        }

        private void Loop(int depth)
        {
            var scope = _locals.Count;
            var i = "i" + _loopCount++;
            var kind = _random.Next(6);
            var outer = _indices.Count > 0 ? _indices[_random.Next(_indices.Count)] : null;
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
                case 3:
                    Line($"int {i} = 0;");
                    Line("do");
                    break;
                case 4 when outer is not null:
                    Line($"for (int {i} = 0; {i} < {outer}; {i}++)");
                    break;
                default:
                    Line($"for (int {i} = 0; {i} < x.Length; {i} += 2)");
                    break;
            }

            var counted = kind is 2 or 3;
            Line("{");
            _indent++;
            if (kind == 3)
            {
                Line("if (x.Length == 0) break;");
            }

            if (counted && _random.Next(3) == 0)
            {
                // Count first, then skip: the body never indexes with i, which may equal x.Length here.
                Line($"{i}++;");
                Line($"if (x[{i} - 1] < 0) continue;");
                Block(1 + _random.Next(2), depth + 1);
            }
            else
            {
                _indices.Add(i);
                Block(1 + _random.Next(3), depth + 1);
                if (_random.Next(4) == 0)
                {
                    Line($"if ({i} == {1 + _random.Next(3)}) break;");
                }

                if (!counted && _random.Next(4) == 0)
                {
                    Line($"if (x[{i}] < 0) continue;");
                    Statement(depth + 1);
                }

                _indices.RemoveAt(_indices.Count - 1);
                if (counted)
                {
                    Line($"{i}++;");
                }
            }

            _indent--;
            Line(kind == 3 ? $"}} while ({i} < x.Length);" : "}");
            _locals.RemoveRange(scope, _locals.Count - scope);
        }

        private void Branch(int depth)
        {
            var condition = _random.Next(4) switch
            {
                0 when _indices.Count > 0 => $"x[{Index()}] > 0",
                1 => $"{Index()} % 2 == 0",
                2 => "k % 3 == 1",
                _ => $"{Index()} % 3 != 1",
            };
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

        private string Index() => _indices.Count == 0 ? "0" : _indices[_random.Next(_indices.Count)];

        private string Target() => "s" + _random.Next(3);

        private string Var() => _locals.Count > 0 && _random.Next(3) == 0 ? _locals[_random.Next(_locals.Count)] : Target();

        private string Expression() => _random.Next(15) switch
        {
            0 => $"{Var()} * 0.5 + {Operand()}",
            1 => $"Math.Tanh({Var()} * {Operand()})",
            2 => $"{Var()} * Math.Cos({Operand()})",
            3 => $"Math.Sin({Var()}) + {Operand()} * {Operand()}",
            4 => $"{Var()} / (1 + {Var()} * {Var()})",
            5 => $"h[{Index()} % 3] * 0.5 + {Operand()}",
            6 => $"Math.Max({Var()}, {Operand()}) * 0.5",
            7 => $"Math.Min({Var()}, {Operand()}) * 0.5",
            8 => $"Math.Sqrt(1 + {Var()} * {Var()})",
            9 => $"Math.Log(1 + {Var()} * {Var()})",
            10 => $"Math.Atan({Var()}) * {Operand()}",
            11 => $"({Operand()} > 0 ? {Var()} * 0.5 : Math.Sin({Operand()}))",
            12 => $"Hl({Var()}, {Operand()})",
            13 when _indices.Count > 0 => $"b[{Index()}] * 0.5 + Math.Abs({Operand()})",
            _ => $"0.5 * {Var()} * {Operand()}",
        };

        private string Operand() => _random.Next(5) switch
        {
            0 when _indices.Count > 0 => $"x[{Index()}]",
            0 => "x.Length * 0.1",
            1 => "a",
            2 => Var(),
            3 when _indices.Count > 0 => $"b[{Index()} + 1]",
            _ => "0.3",
        };

        private void Line(string text) => _sb.Append(' ', _indent * 4).AppendLine(text);
    }
}
