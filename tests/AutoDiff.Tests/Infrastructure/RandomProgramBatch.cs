using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>What became of one sample point of a random program.</summary>
public enum Outcome
{
    /// <summary>Compared with forward mode, and it matched.</summary>
    Checked,

    /// <summary>The function's value is NaN or infinite.</summary>
    NotFinite,

    /// <summary>The value is finite, but an intermediate value or tangent overflowed on the way.</summary>
    Overflowed,
}

/// <summary>
/// Random programs <c>[Differentiable] double F(double[] x, double a)</c> compiled together, each in its class
/// <c>P{i}</c> with the wrappers V (the value at p, with a = p[0]) and G (the gradient with respect to p), and with its
/// forward-mode twin <c>P{i}Forward</c>: the same text over <see cref="DualSource">dual numbers</see>, which the
/// generator does not see. <see cref="Check"/> compares the backward with the twin's tangents.
/// </summary>
public sealed class RandomProgramBatch(GeneratorRun run, int[] seeds, string[] sources)
{
    /// <summary>The twin's entry point: the tangent of the result along each input, its value, and whether any value overflowed.</summary>
    private delegate double[] Tangents(double[] p, out double value, out bool overflowed);

    /// <summary>Writes a program for each seed and compiles them all at once, each with its wrappers and its twin.</summary>
    public static RandomProgramBatch Compile(int[] programSeeds, Func<int, string> write)
    {
        var sources = programSeeds.Select(write).ToArray();
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

        return new RandomProgramBatch(GeneratorHarness.Run(all.ToString()), programSeeds, sources);
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
                throw new XunitException($"{name} (program seed {seeds[index]}, sample {sample} of sample seed {sampleSeed}) at x = ({string.Join(", ", x.Select(FiniteDifference.R))}):\n  "
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

    /// <summary>
    /// The forward-mode twin of a program: the same text over <see cref="DualSource">Dual</see>, without
    /// [Differentiable] (so the generator leaves it alone), stackalloc as an array, and Math as Dual's functions.
    /// </summary>
    public static string ForwardTwin(string source)
        => Regex.Replace(source.Replace("[Differentiable]", ""), @"\bdouble\b", "Dual")
            .Replace("stackalloc Dual[", "new Dual[")
            .Replace("Math.", "Dual.");

    /// <summary>
    /// Dual numbers for the twins: a value V and a tangent D, with the textbook rules of the functions the program
    /// writers use (Max and Min split a tie in half and Abs'(0) is 0, as the generator does). Overflowed records any value or tangent that is not finite.
    /// </summary>
    public const string DualSource = """
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
            public static Dual Min(Dual a, Dual b) => a.V < b.V ? a : b.V < a.V ? b : new(a.V, 0.5 * (a.D + b.D));
            public static Dual Abs(Dual a) => a.V > 0 ? a : a.V < 0 ? -a : new(0, 0);
            public static Dual Sqrt(Dual a) { var r = Math.Sqrt(a.V); return new(r, a.D * 0.5 / r); }
            public static Dual Log(Dual a) => new(Math.Log(a.V), a.D / a.V);
            public static Dual Atan(Dual a) => new(Math.Atan(a.V), a.D / (1 + a.V * a.V));
        }
        """;
}
