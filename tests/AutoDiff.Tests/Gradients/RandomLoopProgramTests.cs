using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
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
/// <see cref="DualSource">dual numbers</see> (the same text with <c>double</c> replaced by a value-and-tangent pair), run
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

    private static readonly Lazy<Batch> s_run = new(() => Batch.Compile(Enumerable.Range(FirstSeed, Programs).ToArray()));

    /// <summary>The programs of a large run (seed 5000, 1000 programs) that central differences misjudged.</summary>
    private static readonly int[] s_misjudged = [5106, 5109, 5152, 5169, 5305, 5416, 5490, 5592, 5600, 5602, 5679, 5754, 5811, 5875, 5933, 5987];

    private static readonly Lazy<Batch> s_misjudgedRun = new(() => Batch.Compile(s_misjudged));

    /// <summary>The forward-mode twin's entry point: the tangent of the result along each input, its value, and whether any value overflowed.</summary>
    private delegate double[] Tangents(double[] p, out double value, out bool overflowed);

    /// <summary>What became of one sample point.</summary>
    public enum Outcome
    {
        /// <summary>Compared with forward mode, and it matched.</summary>
        Checked,

        /// <summary>The function's value is NaN or infinite.</summary>
        NotFinite,

        /// <summary>The value is finite, but an intermediate value or tangent overflowed on the way.</summary>
        Overflowed,
    }

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

    /// <summary>Programs compiled together: the [Differentiable] method, its wrappers V and G, and its forward-mode twin.</summary>
    private sealed class Batch(GeneratorRun run, int[] seeds, string[] sources)
    {
        public static Batch Compile(int[] programSeeds)
        {
            var sources = programSeeds.Select(seed => new ProgramWriter(seed).Write()).ToArray();
            var all = new StringBuilder("using System;\nusing AutoDiff;\n").AppendLine(DualSource);
            for (var i = 0; i < sources.Length; i++)
            {
                all.AppendLine($"public static partial class P{i}").AppendLine("{").AppendLine(sources[i])
                    .AppendLine("    public static double V(double[] p) => F(p, p.Length > 0 ? p[0] : 0.3);")
                    .AppendLine("    public static double G(double[] p, double[] g, double seed)")
                    .AppendLine("    {")
                    .AppendLine("        var v = FBackward(p, p.Length > 0 ? p[0] : 0.3, seed, g, out var ga);")
                    .AppendLine("        if (p.Length > 0) g[0] += ga;")
                    .AppendLine("        return v;")
                    .AppendLine("    }")
                    .AppendLine("}")
                    .AppendLine($"public static class P{i}Forward").AppendLine("{").AppendLine(ForwardTwin(sources[i]))
                    .AppendLine("    public static double[] T(double[] p, out double value, out bool overflowed)")
                    .AppendLine("    {")
                    .AppendLine("        Dual.Overflowed = false;")
                    .AppendLine("        var tangents = new double[p.Length];")
                    .AppendLine("        value = p.Length == 0 ? F(new Dual[0], 0.3).V : double.NaN;")
                    .AppendLine("        for (var k = 0; k < p.Length; k++)")
                    .AppendLine("        {")
                    .AppendLine("            var x = new Dual[p.Length];")
                    .AppendLine("            for (var j = 0; j < p.Length; j++) x[j] = new Dual(p[j], j == k ? 1 : 0);")
                    .AppendLine("            var r = F(x, x[0]);")
                    .AppendLine("            tangents[k] = r.D;")
                    .AppendLine("            value = r.V;")
                    .AppendLine("        }")
                    .AppendLine("        overflowed = Dual.Overflowed;")
                    .AppendLine("        return tangents;")
                    .AppendLine("    }")
                    .AppendLine("}");
            }

            return new Batch(GeneratorHarness.Run(all.ToString()), programSeeds, sources);
        }

        /// <summary>Checks program <paramref name="index"/> at six points drawn from <paramref name="sampleSeed"/>; fails on any mismatch.</summary>
        public IReadOnlyList<Outcome> Check(int index, int sampleSeed)
        {
            var name = "P" + index;
            var value = run.Compiled.Delegate<Func<double[], double>>(name, "V", typeof(double[]));
            var backward = run.Compiled.Delegate<Func<double[], double[], double, double>>(name, "G", typeof(double[]), typeof(double[]), typeof(double));
            var forward = run.Compiled.Delegate<Tangents>(name + "Forward", "T", typeof(double[]), typeof(double).MakeByRefType(), typeof(bool).MakeByRefType());
            var random = new Random(sampleSeed * 7919 + 1);
            var outcomes = new List<Outcome>();
            for (var sample = 0; sample < 6; sample++)
            {
                var n = sample == 0 ? 0 : sample == 1 ? 1 : random.Next(2, 9);
                // Inputs in ±[0.1, 1.2]: away from the sign boundaries the branches test.
                var x = Enumerable.Range(0, n).Select(_ => (random.Next(2) == 0 ? -1 : 1) * (0.1 + 1.1 * random.NextDouble())).ToArray();
                var primal = value(x);
                var g = new double[n];
                var returned = backward(x, g, 1.0);
                var tangents = forward(x, out var twinValue, out var overflowed);
                var outcome = !double.IsFinite(primal) ? Outcome.NotFinite : overflowed ? Outcome.Overflowed : Outcome.Checked;
                var errors = new List<string?>
                {
                    returned.Equals(primal) ? null : $"backward returned {FiniteDifference.R(returned)}, the method returns {FiniteDifference.R(primal)}",
                    twinValue.Equals(primal) ? null : $"the forward-mode twin computes {FiniteDifference.R(twinValue)}, not the method's value (the test's rewrite is wrong)",
                    outcome == Outcome.Checked ? CompareWithForward(g, tangents) : null,
                };
                errors.RemoveAll(e => e is null);
                if (errors.Count > 0)
                {
                    var fd = FiniteDifference.Gradient(value, x);
                    throw new XunitException($"{name} (ProgramWriter seed {seeds[index]}, sample {sample} of sample seed {sampleSeed}) at x = ({string.Join(", ", x.Select(FiniteDifference.R))}):\n  "
                        + string.Join("\n  ", errors) + "\n  central differences (for reference): " + string.Join(", ", fd.Select(FiniteDifference.R))
                        + "\n" + sources[index] + "\n" + run.GeneratedSourceFor(name));
                }

                outcomes.Add(outcome);
            }

            return outcomes;
        }

        /// <summary>Forward and reverse mode add the same terms in different orders: they agree to rounding, relative to the component and to the largest one.</summary>
        private static string? CompareWithForward(double[] gradient, double[] tangents)
        {
            var largest = tangents.Select(Math.Abs).DefaultIfEmpty(0).Max();
            var bad = Enumerable.Range(0, gradient.Length)
                .Where(i => !(Math.Abs(gradient[i] - tangents[i]) <= 1e-8 * Math.Max(Math.Abs(gradient[i]), Math.Abs(tangents[i])) + 1e-12 * (1 + largest)))
                .ToList();
            return bad.Count == 0
                ? null
                : "gradient vs forward mode: " + string.Join("; ", bad.Select(i => $"[{i}] got {FiniteDifference.R(gradient[i])}, expected {FiniteDifference.R(tangents[i])}"));
        }
    }

    /// <summary>
    /// The forward-mode twin of a program: the same text over <see cref="DualSource">Dual</see>, without
    /// [Differentiable] (so the generator leaves it alone), stackalloc as an array, and Math as Dual's functions.
    /// </summary>
    private static string ForwardTwin(string source)
        => Regex.Replace(source.Replace("[Differentiable]", ""), @"\bdouble\b", "Dual")
            .Replace("stackalloc Dual[", "new Dual[")
            .Replace("Math.", "Dual.");

    /// <summary>
    /// Dual numbers for the twins: a value V and a tangent D, with the textbook rules of the functions ProgramWriter
    /// uses (Max splits a tie in half, as the generator does). Overflowed records any value or tangent that is not finite.
    /// </summary>
    private const string DualSource = """
        public readonly struct Dual
        {
            [ThreadStatic] public static bool Overflowed;
            public readonly double V, D;
            public Dual(double v, double d) { V = v; D = d; if (!double.IsFinite(v) || !double.IsFinite(d)) Overflowed = true; }
            public static implicit operator Dual(double v) => new(v, 0);
            public static Dual operator +(Dual a, Dual b) => new(a.V + b.V, a.D + b.D);
            public static Dual operator -(Dual a, Dual b) => new(a.V - b.V, a.D - b.D);
            public static Dual operator -(Dual a) => new(-a.V, -a.D);
            public static Dual operator *(Dual a, Dual b) => new(a.V * b.V, a.D * b.V + a.V * b.D);
            public static Dual operator /(Dual a, Dual b) => new(a.V / b.V, (a.D * b.V - a.V * b.D) / (b.V * b.V));
            public static bool operator <(Dual a, Dual b) => a.V < b.V;
            public static bool operator >(Dual a, Dual b) => a.V > b.V;
            public static Dual Tanh(Dual a) { var t = Math.Tanh(a.V); return new(t, a.D * (1 - t * t)); }
            public static Dual Exp(Dual a) { var e = Math.Exp(a.V); return new(e, a.D * e); }
            public static Dual Sin(Dual a) => new(Math.Sin(a.V), a.D * Math.Cos(a.V));
            public static Dual Cos(Dual a) => new(Math.Cos(a.V), -a.D * Math.Sin(a.V));
            public static Dual Max(Dual a, Dual b) => a.V > b.V ? a : b.V > a.V ? b : new(a.V, 0.5 * (a.D + b.D));
        }
        """;

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
