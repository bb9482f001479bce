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
/// from fixed seeds (so a failure always reproduces), each differentiated and compared with forward mode. The
/// hand-written loop cases test each construct; these test their combinations, where restoring overwritten values
/// (taping, recomputing, induction) is easiest to get wrong. Branch conditions depend only on loop indices and on the
/// sign of inputs kept away from zero, so the functions are smooth at the sample points.
/// </summary>
/// <remarks>
/// <para>
/// The oracle is forward mode, not finite differences: each program is also compiled as a twin over
/// <see cref="RandomProgramBatch.DualSource">dual numbers</see> (the same text with <c>double</c> replaced by a value-and-tangent pair), run
/// once per input direction. Its value must equal the method's bit for bit (so the twin is the same computation), and
/// its tangents are exact up to rounding, so the gradient must match them to 1e-8. Central differences cannot judge
/// these programs: repeated <c>s / (1 + s * s)</c>, <c>Exp</c> and squaring reach poles, curvature that a step of 1e-6
/// averages away (seed 5152), values of 1e17 where f(x + h) - f(x - h) is a few ulps (5416, 5490), and <c>Sin</c> of
/// 1e36, whose true derivative is huge while finite differences see bounded noise (5754, 5933).
/// </para>
/// <para>
/// A sample is skipped when the function, or any intermediate value or tangent of the twin, is not finite: there the
/// backward follows IEEE arithmetic as PyTorch does, and a value that overflowed to infinity and was then discarded
/// (overwritten, or saturated by <c>Tanh</c>) still meets a zero adjoint, 0 · ∞ = NaN
/// (<see cref="Overflow_in_an_intermediate_gives_NaN_as_in_PyTorch"/>; seeds 5106, 5109, 5600, 5679). The backward must
/// still return the method's value there.
/// </para>
/// </remarks>
public sealed class RandomLoopProgramTests
{
    // CI runs 150 fixed programs; a large run sets AUTODIFF_FUZZ_COUNT (programs) and AUTODIFF_FUZZ_SEED (the first seed).
    private static readonly int Programs = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_COUNT"), out var n) && n > 0 ? n : 150;

    private static readonly int FirstSeed = int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_SEED"), out var s) ? s : 0;

    private static readonly Lazy<RandomProgramBatch> s_run = new(() => RandomProgramBatch.Compile(Enumerable.Range(FirstSeed, Programs).ToArray(), seed => new ProgramWriter(seed).Write()));

    /// <summary>The programs of a large run (seed 5000, 1000 programs) that central differences misjudged.</summary>
    private static readonly int[] s_misjudged = [5106, 5109, 5152, 5169, 5305, 5416, 5490, 5592, 5600, 5602, 5679, 5754, 5811, 5875, 5933, 5987];

    private static readonly Lazy<RandomProgramBatch> s_misjudgedRun = new(() => RandomProgramBatch.Compile(s_misjudged, seed => new ProgramWriter(seed).Write()));

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
    public void Random_loop_program_matches_forward_mode(int seed)
    {
        var outcomes = s_run.Value.Check(seed, sampleSeed: seed);
        Assert.Equal(6, outcomes.Count);
    }

    /// <summary>
    /// Each program of a large run that failed under central differences (index i of the run from seed 5000 is program
    /// 5000 + i, sampled from seed i): the sample that failed, and how forward mode judges it now.
    /// </summary>
    [Theory]
    [InlineData(5152, 2, Outcome.Checked)] // curvature: the slope moves by 1e-4 within a step of 1e-6
    [InlineData(5416, 2, Outcome.Checked)] // a value of 9e16, where the difference quotient is a few ulps
    [InlineData(5490, 3, Outcome.Checked)] // a value of 1e10; a component of 0.84 that differences see as 0
    [InlineData(5754, 3, Outcome.Checked)] // Sin and Cos of 1e36: the derivative is 3x what differences see
    [InlineData(5933, 2, Outcome.Checked)] // near a pole of s / (1 + s * s): differences vary with the step
    [InlineData(5106, 3, Outcome.Overflowed)] // Exp overflows, the value is overwritten later: 0 * inf in the backward
    [InlineData(5109, 2, Outcome.Overflowed)]
    [InlineData(5600, 5, Outcome.Overflowed)]
    [InlineData(5679, 2, Outcome.Overflowed)]
    [InlineData(5169, 2, Outcome.NotFinite)]
    [InlineData(5305, 4, Outcome.NotFinite)]
    [InlineData(5592, 2, Outcome.NotFinite)]
    [InlineData(5602, 5, Outcome.NotFinite)]
    [InlineData(5811, 5, Outcome.NotFinite)]
    [InlineData(5875, 2, Outcome.NotFinite)]
    [InlineData(5987, 5, Outcome.NotFinite)]
    public void Programs_central_differences_misjudged_are_judged_by_forward_mode(int program, int sample, Outcome expected)
    {
        var outcomes = s_misjudgedRun.Value.Check(Array.IndexOf(s_misjudged, program), sampleSeed: program - 5000);
        Assert.Equal(expected, outcomes[sample]);
    }

    /// <summary>
    /// The backward is IEEE arithmetic, as PyTorch's is: Exp(800) overflows to +inf, Tanh saturates to 1, its
    /// derivative 1 - 1 * 1 is exactly 0, and 0 * inf is NaN, though the function is flat there. A gradient through a
    /// value that overflowed is not meaningful (the random programs skip such samples); this pins the convention.
    /// </summary>
    [Fact]
    public void Overflow_in_an_intermediate_gives_NaN_as_in_PyTorch()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using AutoDiff;
            public static partial class Overflow
            {
                [Differentiable] public static double F(double x) => Math.Tanh(Math.Exp(x));
            }
            """);
        var backward = run.Compiled.Delegate<BackwardOf1>("Overflow", "FBackward", typeof(double));
        Assert.Equal(1.0, backward(800, 1.0, out var dx));
        Assert.True(double.IsNaN(dx));
        backward(1, 1.0, out var finite);
        Assert.Equal((1 - Math.Pow(Math.Tanh(Math.E), 2)) * Math.E, finite, 12);
    }

    private delegate double BackwardOf1(double x, double seed, out double dx);

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
