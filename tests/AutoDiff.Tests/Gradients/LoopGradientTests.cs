using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.Gradients;

/// <summary>
/// Loops (for, while, do, foreach over arrays and spans, break, continue, nesting), loop-carried state (sums,
/// products, running max/min, Horner's rule), local buffers (new and stackalloc) written and overwritten in loops, and
/// [Differentiable] calls over spans. Each case is compiled, then checked at random points and random lengths
/// (including 0 and 1 where the method allows): the backward returns the primal's value, adds seed times the gradient
/// into a span that already holds values, and that gradient matches central finite differences (and a hand formula
/// where one is given).
/// </summary>
public sealed class LoopGradientTests
{
    /// <param name="Source">The class body: <c>[Differentiable] F</c>, helpers, and (unless <see cref="DefaultWrappers"/>)
    /// <c>static double V(double[] p)</c> and <c>static double G(double[] p, double[] g, double seed)</c> that unpack a flat
    /// vector of all differentiable inputs, call F and FBackward, and add the gradient into g.</param>
    /// <param name="MinLength">The shortest input vector; lengths MinLength..MinLength + 7 are drawn.</param>
    /// <param name="FixedLength">The input vector always has exactly MinLength entries.</param>
    /// <param name="Avoid">Points to skip: near a kink or branch boundary, where finite differences straddle it.</param>
    public sealed record LoopCase(
        string Name,
        string Source,
        int MinLength = 0,
        bool FixedLength = false,
        bool DefaultWrappers = true,
        bool IsFloat = false,
        Func<double[], double>? Value = null,
        Func<double[], double[]>? Gradient = null,
        double Lo = -2,
        double Hi = 2,
        Func<double[], bool>? Avoid = null)
    {
        public override string ToString() => Name;
    }

    private static readonly LoopCase[] s_cases =
    [
        new("ForSumOfSquares", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * x[i];
                }

                return s;
            }
            """, Value: x => x.Sum(v => v * v), Gradient: x => x.Select(v => 2 * v).ToArray()),

        new("WhileLoop", """
            [Differentiable] public static double F(double[] x)
            {
                int i = 0;
                double s = 0;
                while (i < x.Length)
                {
                    s += Math.Sin(x[i]) * x[i];
                    i++;
                }

                return s;
            }
            """, Value: x => x.Sum(v => Math.Sin(v) * v), Gradient: x => x.Select(v => Math.Cos(v) * v + Math.Sin(v)).ToArray()),

        new("DoLoopCarried", """
            [Differentiable] public static double F(double[] x)
            {
                if (x.Length == 0) return 0;
                int i = 0;
                double s = 1;
                do
                {
                    s = s * Math.Cos(s) + x[i] * x[i];
                    i++;
                }
                while (i < x.Length);
                return s;
            }
            """),

        new("ForeachArray", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                foreach (var v in x)
                {
                    s += Math.Exp(0.5 * v);
                }

                return s;
            }
            """, Value: x => x.Sum(v => Math.Exp(0.5 * v)), Gradient: x => x.Select(v => 0.5 * Math.Exp(0.5 * v)).ToArray()),

        new("ForeachSpanCarried", """
            [Differentiable] public static double F(ReadOnlySpan<double> x)
            {
                double s = 0.5;
                foreach (double v in x)
                {
                    s = Math.Tanh(s * v + v);
                }

                return s;
            }
            """),

        new("Product", """
            [Differentiable] public static double F(double[] x)
            {
                double p = 1;
                for (int i = 0; i < x.Length; i++)
                {
                    p *= x[i];
                }

                return p;
            }
            """, Value: x => x.Aggregate(1.0, (a, v) => a * v),
            Gradient: x => x.Select((_, i) => x.Where((_, j) => j != i).Aggregate(1.0, (a, v) => a * v)).ToArray()),

        new("Horner", """
            [Differentiable] public static double Poly(double[] c, double t)
            {
                double r = 0;
                for (int i = c.Length - 1; i >= 0; i--)
                {
                    r = r * t + c[i];
                }

                return r;
            }

            public static double V(double[] p) => Poly(p[..^1], p[^1]);

            public static double G(double[] p, double[] g, double seed)
            {
                var c = p[..^1];
                var gc = g[..^1];
                var value = PolyBackward(c, p[^1], seed, gc, out var gt);
                gc.CopyTo(g, 0);
                g[^1] += gt;
                return value;
            }
            """, MinLength: 1, DefaultWrappers: false,
            Value: p => Enumerable.Range(0, p.Length - 1).Sum(i => p[i] * Math.Pow(p[^1], i)),
            Gradient: p => Enumerable.Range(0, p.Length - 1).Select(i => Math.Pow(p[^1], i))
                .Append(Enumerable.Range(1, Math.Max(0, p.Length - 2)).Sum(i => i * p[i] * Math.Pow(p[^1], i - 1))).ToArray()),

        new("RunningMax", """
            [Differentiable] public static double F(double[] x)
            {
                double m = x[0];
                for (int i = 1; i < x.Length; i++)
                {
                    if (x[i] > m) m = x[i];
                }

                return m * m;
            }
            """, MinLength: 1, Avoid: NearTie, Value: x => x.Max() * x.Max(),
            Gradient: x => x.Select((v, i) => i == Array.IndexOf(x, x.Max()) ? 2 * v : 0).ToArray()),

        new("RunningMinMathMin", """
            [Differentiable] public static double F(double[] x)
            {
                double m = double.PositiveInfinity;
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    m = Math.Min(m, x[i]);
                    s += m;
                }

                return x.Length == 0 ? 0 : s;
            }
            """, Avoid: NearTie),

        new("Break", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * x[i];
                    if (s > 3) break;
                    s = s * 1.1;
                }

                return s;
            }
            """),

        new("Continue", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    if (x[i] < 0) continue;
                    s += x[i] * x[i] * x[i];
                }

                return s;
            }
            """, Value: x => x.Where(v => v >= 0).Sum(v => v * v * v), Gradient: x => x.Select(v => v >= 0 ? 3 * v * v : 0).ToArray()),

        new("WhileTrueBreakCarried", """
            [Differentiable] public static double F(double[] x)
            {
                int i = 0;
                double s = 0.25;
                while (true)
                {
                    if (i >= x.Length) break;
                    s = Math.Tanh(x[i]) * s + x[i];
                    i++;
                }

                return s;
            }
            """),

        new("NestedPairwise", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    for (int j = i + 1; j < x.Length; j++)
                    {
                        double d = x[i] - x[j];
                        s += Math.Exp(-d * d);
                    }
                }

                return s;
            }
            """),

        new("NestedCarriedInner", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    double a = 0;
                    for (int j = 0; j < x.Length; j++)
                    {
                        a = a * 0.5 + x[j] * Math.Sin(i + x[i]);
                    }

                    s += Math.Tanh(a) * s;
                    s += a;
                }

                return s;
            }
            """),

        new("SoftmaxBuffer", """
            [Differentiable] public static double F(double[] x)
            {
                double m = x[0];
                for (int i = 1; i < x.Length; i++) m = Math.Max(m, x[i]);
                double[] e = new double[x.Length];
                double sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    e[i] = Math.Exp(x[i] - m);
                    sum += e[i];
                }

                double r = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    r += (i + 1) * e[i] / sum;
                }

                return r;
            }
            """, MinLength: 1),

        new("StackallocOverwritten", """
            [Differentiable] public static double F(double[] x)
            {
                Span<double> buffer = stackalloc double[x.Length];
                for (int pass = 0; pass < 3; pass++)
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        buffer[i] = Math.Sin(buffer[i] + x[i]);
                    }
                }

                double s = 0;
                for (int i = 0; i < buffer.Length; i++)
                {
                    s += buffer[i] * buffer[i];
                }

                return s;
            }
            """),

        new("BufferCompoundWrites", """
            [Differentiable] public static double F(double[] x)
            {
                var acc = new double[2];
                for (int i = 0; i < x.Length; i++)
                {
                    acc[i % 2] += x[i] * x[i];
                    acc[1 - i % 2] *= 0.5;
                }

                return acc[0] * acc[1] + acc[0];
            }
            """),

        new("TinyMlp", """
            // 2 inputs, 3 tanh hidden units, 1 output, MSE over 4 samples; w = [W1 (3x2), b1 (3), w2 (3), b2].
            [Differentiable] public static double F(double[] w)
            {
                double[] hidden = new double[3];
                double loss = 0;
                for (int b = 0; b < 4; b++)
                {
                    double in0 = Math.Sin(b + 0.5);
                    double in1 = Math.Cos(2.0 * b);
                    for (int j = 0; j < 3; j++)
                    {
                        hidden[j] = Math.Tanh(w[2 * j] * in0 + w[2 * j + 1] * in1 + w[6 + j]);
                    }

                    double output = w[12];
                    for (int j = 0; j < 3; j++)
                    {
                        output += w[9 + j] * hidden[j];
                    }

                    double diff = output - (b - 1.5);
                    loss += diff * diff;
                }

                return loss / 4;
            }
            """, MinLength: 13, FixedLength: true),

        new("CallsSpanHelper", """
            [Differentiable] public static double LogSumExp(ReadOnlySpan<double> x)
            {
                double m = double.NegativeInfinity;
                foreach (var v in x) m = Math.Max(m, v);
                double s = 0;
                foreach (var v in x) s += Math.Exp(v - m);
                return m + Math.Log(s);
            }

            [Differentiable] public static double Cube(double v) => v * v * v;

            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += Cube(x[i]) * s + Cube(x[i]);
                }

                return LogSumExp(x) * 2 - s;
            }
            """, MinLength: 1),

        new("NoGradTargetsAndIntDimension", """
            [Differentiable] public static double Mse(double[] prediction, [NoGrad] double[] target, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++)
                {
                    double d = prediction[i] - target[i];
                    s += d * d;
                }

                return s / n;
            }

            private static double[] Target(int n) => Enumerable.Range(0, n).Select(i => Math.Sin(i)).ToArray();

            public static double V(double[] p) => Mse(p, Target(p.Length), p.Length);

            public static double G(double[] p, double[] g, double seed) => MseBackward(p, Target(p.Length), p.Length, seed, g);
            """, MinLength: 1, DefaultWrappers: false,
            Value: p => p.Select((v, i) => (v - Math.Sin(i)) * (v - Math.Sin(i))).Sum() / p.Length,
            Gradient: p => p.Select((v, i) => 2 * (v - Math.Sin(i)) / p.Length).ToArray()),

        new("FloatLoop", """
            [Differentiable] public static float F(float[] x)
            {
                float s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s = s * 0.5f + MathF.Sin(x[i]);
                }

                return s;
            }

            public static double V(double[] p) => F(p.Select(v => (float)v).ToArray());

            public static double G(double[] p, double[] g, double seed)
            {
                var gf = g.Select(v => (float)v).ToArray();
                var value = FBackward(p.Select(v => (float)v).ToArray(), (float)seed, gf);
                for (int i = 0; i < g.Length; i++) g[i] = gf[i];
                return value;
            }
            """, DefaultWrappers: false, IsFloat: true),

        new("LoopVariableAfterLoop", """
            [Differentiable] public static double F(double[] x)
            {
                int i;
                for (i = 0; i < x.Length; i++)
                {
                    if (x[i] > 1) break;
                }

                double s = 0;
                for (int j = 0; j < i; j++)
                {
                    s += x[j] * x[j];
                }

                return s + (i < x.Length ? x[i] * 3 : 0);
            }
            """, Avoid: x => x.Any(v => Math.Abs(v - 1) < 1e-3)),

        new("BranchValuesInLoop", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0.5;
                for (int i = 0; i < x.Length; i++)
                {
                    double t;
                    if (x[i] > 0) t = Math.Exp(x[i]);
                    else t = x[i] * x[i];
                    s = s * Math.Cos(t) + t;
                }

                return s;
            }
            """, Avoid: x => x.Any(v => Math.Abs(v) < 1e-3)),

        new("ReturnInsideLoop", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * x[i];
                    if (s > 2) return s * x[i];
                }

                return -s;
            }
            """, Avoid: x => Enumerable.Range(1, x.Length).Any(n => Math.Abs(x.Take(n).Sum(v => v * v) - 2) < 1e-3)),

        new("ReturnInsideNestedLoops", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0.5;
                for (int i = 0; i < x.Length; i++)
                {
                    for (int j = 0; j < x.Length; j++)
                    {
                        s = s * 0.9 + x[i] * x[j];
                        if (s > 3) return Math.Sqrt(s);
                    }
                }

                return s;
            }
            """),

        new("WhileTrueLeftOnlyByReturn", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 1;
                int i = 0;
                while (true)
                {
                    if (i == x.Length) return s;
                    s = s * Math.Cos(x[i]) + x[i];
                    i++;
                }
            }
            """),

        new("TapedBranchFlags", """
            private static int Parity(int i) => i % 2;

            [Differentiable] public static double F(double[] x)
            {
                Span<double> h = stackalloc double[x.Length];
                for (int i = 0; i < x.Length; i++) h[i] = x[i] * 2;
                double s = 0.25;
                for (int i = 0; i < x.Length; i++)
                {
                    // Conditions on a buffer the method writes and on an opaque call: their outcomes are taped.
                    if (h[i] > 0.5) s = Math.Tanh(s * h[i]) + Math.Sin(s);
                    else s -= Math.Cos(h[i]) * s * 0.5;
                    double w = Parity(i) == 0 ? Math.Exp(-0.1 * s * s) : Math.Tanh(s) * 0.5;
                    s = 0.5 * s + w;
                }

                return s;
            }
            """, Avoid: x => x.Any(v => Math.Abs(2 * v - 0.5) < 1e-3)),

        new("TwoInductionVariables", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0, j = x.Length - 1; i < j; i++, j--)
                {
                    s += x[i] * x[j] + Math.Sin(x[j] - x[i]);
                }

                return s;
            }
            """),

        new("SwitchWithContinueInLoop", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0.5;
                for (int i = 0; i < x.Length; i++)
                {
                    switch (i % 3)
                    {
                        case 0:
                            s = s * x[i];
                            break;
                        case 1:
                            if (x[i] < 0) continue;
                            s += Math.Exp(0.5 * x[i]);
                            break;
                        default:
                            s -= x[i] * x[i];
                            break;
                    }

                    s = Math.Tanh(s);
                }

                return s;
            }
            """, Avoid: x => x.Any(v => Math.Abs(v) < 1e-3)),

        new("DoWhileFalseAndFloatAccumulator", """
            [Differentiable] public static double F(float[] x)
            {
                double s = 1;
                do { s = s * 2; } while (false);
                foreach (float v in x) s += v * (double)v;
                return s;
            }

            public static double V(double[] p) => F(p.Select(v => (float)v).ToArray());

            public static double G(double[] p, double[] g, double seed)
            {
                var gf = new float[g.Length];
                var value = FBackward(p.Select(v => (float)v).ToArray(), seed, gf);
                for (int i = 0; i < g.Length; i++) g[i] += gf[i];
                return value;
            }
            """, DefaultWrappers: false, IsFloat: true),

        new("NonConstantStride", """
            [Differentiable] public static double F(double[] x, [NoGrad] int stride)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i += stride)
                {
                    s = s * x[i] + x[i];
                }

                return s;
            }

            public static double V(double[] p) => F(p, 2);

            public static double G(double[] p, double[] g, double seed) => FBackward(p, 2, seed, g);
            """, DefaultWrappers: false),
    ];

    private static bool NearTie(double[] x) => x.Any(a => x.Count(b => Math.Abs(a - b) < 1e-3) > 1);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in s_cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(Source()));

    private static string Source()
    {
        var sb = new StringBuilder();
        sb.AppendLine("using System;");
        sb.AppendLine("using System.Linq;");
        sb.AppendLine("using AutoDiff;");
        foreach (var c in s_cases)
        {
            sb.AppendLine($"public static partial class {c.Name}");
            sb.AppendLine("{");
            sb.AppendLine(c.Source);
            if (c.DefaultWrappers)
            {
                sb.AppendLine("    public static double V(double[] p) => F(p);");
                sb.AppendLine("    public static double G(double[] p, double[] g, double seed) => FBackward(p, seed, g);");
            }

            sb.AppendLine("}");
        }

        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_matches_finite_differences_at_random_points_and_lengths(string name)
    {
        var c = s_cases.Single(x => x.Name == name);
        var run = s_run.Value;
        var classSpan = run.InputCompilation.SyntaxTrees.First().GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>().First(t => t.Identifier.Text == name).Span;
        var diagnostics = run.AnalyzerDiagnostics.Where(d => classSpan.Contains(d.Location.SourceSpan)).ToList();
        Assert.True(diagnostics.Count == 0, GeneratorHarness.Format(diagnostics));
        var value = run.Compiled.Delegate<Func<double[], double>>(name, "V", typeof(double[]));
        var backward = run.Compiled.Delegate<Func<double[], double[], double, double>>(name, "G", typeof(double[]), typeof(double[]), typeof(double));

        var (fdRel, fdAbs, formulaRel, formulaAbs) = c.IsFloat ? (3e-2, 3e-3, 1e-4, 1e-5) : (1e-5, 1e-6, 1e-9, 1e-11);
        var lengths = c.FixedLength ? Gen.Const(c.MinLength) : Gen.Int[c.MinLength, c.MinLength + 7];
        var gen = lengths.SelectMany(n => Gen.Double[c.Lo, c.Hi].Array[n]
            .SelectMany(x => Gen.Double[-1, 1].Array[n].SelectMany(prefill => Gen.Int[1, 12].Select(k => (X: x, Prefill: prefill, Seed: (k - 6.5) / 2)))));
        if (c.Avoid is { } avoid)
        {
            gen = gen.Where(s => !avoid(s.X));
        }

        gen.Sample(sample =>
        {
            var x = c.IsFloat ? sample.X.Select(v => (double)(float)v).ToArray() : sample.X;
            var errors = new List<string?>();
            var primal = value(x);
            var g = (double[])sample.Prefill.Clone();
            var returned = backward(x, g, sample.Seed);
            if (!returned.Equals(primal))
            {
                errors.Add($"backward returned {FiniteDifference.R(returned)}, the method returns {FiniteDifference.R(primal)}");
            }

            var added = g.Select((v, i) => (v - sample.Prefill[i]) / sample.Seed).ToArray();
            var fd = FiniteDifference.Gradient(value, x, c.IsFloat);
            errors.Add(FiniteDifference.Compare("gradient added into the span / seed vs central differences", added, fd, fdRel, fdAbs));
            if (c.Value is { } formula)
            {
                if (!FiniteDifference.Close(primal, formula(x), formulaRel, formulaAbs))
                {
                    errors.Add($"the method returns {FiniteDifference.R(primal)}, the hand formula {FiniteDifference.R(formula(x))} (test bug?)");
                }
            }

            if (c.Gradient is { } gradient)
            {
                errors.Add(FiniteDifference.Compare("gradient vs hand formula", added, gradient(x), c.IsFloat ? 1e-4 : 1e-8, c.IsFloat ? 1e-4 : 1e-9));
            }

            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{name} at x = ({string.Join(", ", x.Select(FiniteDifference.R))}), seed {sample.Seed}:"
                    + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors)
                    + Environment.NewLine + run.GeneratedSourceFor(name));
            }
        }, iter: 120, threads: 1, print: s => $"x = ({string.Join(", ", s.X.Select(FiniteDifference.R))}), seed = {s.Seed}");
    }
}
