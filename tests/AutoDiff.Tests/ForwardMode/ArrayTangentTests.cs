using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using AutoDiff.Tests.Gradients;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// Forward mode over arrays and spans: every loop case of <see cref="LoopGradientTests"/> (for, while, do, foreach,
/// break, continue, returns in loops, nesting, carried state, local buffers written and overwritten, calls over
/// spans), compiled with <c>Forward = true</c>, plus cases of forward mode's own (span and array parameters side by
/// side with scalars, [NoGrad] arrays, stackalloc and array initializers, a span argument that carries no tangent,
/// float spans). At random points, lengths and directions v the tangent method returns the primal's value, its tangent
/// is <c>gradient · v</c> from the backward, and matches central differences along v.
/// </summary>
/// <remarks>
/// Each case's class has <c>double V(double[] p)</c>, <c>double G(double[] p, double[] g, double seed)</c> (adds the
/// gradient into g) and <c>double T(double[] p, double[] v, out double t)</c> over the flat vector of its inputs.
/// </remarks>
public sealed class ArrayTangentTests
{
    /// <param name="Wrappers">V, G and T; null for the defaults over <c>F(double[] x)</c>.</param>
    public sealed record ArrayCase(string Name, string Source, string? Wrappers = null, int MinLength = 0, bool FixedLength = false, bool IsFloat = false,
        double Lo = -2, double Hi = 2, Func<double[], bool>? Avoid = null)
    {
        public override string ToString() => Name;
    }

    private const string DefaultWrappers = """
            public static double V(double[] p) => F(p);
            public static double G(double[] p, double[] g, double seed) => FBackward(p, seed, g);
            public static double T(double[] p, double[] v, out double t) => FTangent(p, v, out t);
        """;

    // The tangent wrappers of the loop cases that have wrappers of their own.
    private static readonly Dictionary<string, string> s_loopTangentWrappers = new()
    {
        ["Horner"] = "public static double T(double[] p, double[] v, out double t) => PolyTangent(p[..^1], p[^1], v[..^1], v[^1], out t);",
        ["NoGradTargetsAndIntDimension"] = "public static double T(double[] p, double[] v, out double t) => MseTangent(p, Target(p.Length), p.Length, v, out t);",
        ["FloatLoop"] = """
            public static double T(double[] p, double[] v, out double t)
            {
                var value = FTangent(p.Select(a => (float)a).ToArray(), v.Select(a => (float)a).ToArray(), out float tf);
                t = tf;
                return value;
            }
            """,
        ["DoWhileFalseAndFloatAccumulator"] = "public static double T(double[] p, double[] v, out double t) => FTangent(p.Select(a => (float)a).ToArray(), v.Select(a => (float)a).ToArray(), out t);",
        ["NonConstantStride"] = "public static double T(double[] p, double[] v, out double t) => FTangent(p, 2, v, out t);",
    };

    private static IEnumerable<ArrayCase> LoopCases()
    {
        var field = typeof(LoopGradientTests).GetField("s_cases", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new XunitException("LoopGradientTests.s_cases not found: the forward-mode tests reuse its cases.");
        foreach (var c in (LoopGradientTests.LoopCase[])field.GetValue(null)!)
        {
            var wrappers = c.DefaultWrappers ? null
                : s_loopTangentWrappers.TryGetValue(c.Name, out var tangent) ? tangent
                : throw new XunitException($"Loop case {c.Name} has wrappers of its own: add its tangent wrapper T here.");
            yield return new ArrayCase("Loop" + c.Name, c.Source, wrappers is null ? null : "    " + wrappers, c.MinLength, c.FixedLength, c.IsFloat, c.Lo, c.Hi, c.Avoid);
        }
    }

    private static readonly ArrayCase[] s_own =
    [
        new("SpanAndScalars", """
            [Differentiable] public static double F(ReadOnlySpan<double> x, double a, [NoGrad] double k, double b)
            {
                double s = b * b;
                for (int i = 0; i < x.Length; i++)
                {
                    s += Math.Sin(a * x[i] + k) * b;
                }

                return s;
            }
            """, """
            public static double V(double[] p) => F(p.AsSpan(2), p[0], 0.5, p[1]);
            public static double G(double[] p, double[] g, double seed)
            {
                var gx = new double[p.Length - 2];
                var value = FBackward(p.AsSpan(2), p[0], 0.5, p[1], seed, gx, out var ga, out var gb);
                g[0] += ga;
                g[1] += gb;
                for (int i = 0; i < gx.Length; i++) g[i + 2] += gx[i];
                return value;
            }
            public static double T(double[] p, double[] v, out double t) => FTangent(p.AsSpan(2), p[0], 0.5, p[1], v.AsSpan(2), v[0], v[1], out t);
            """, MinLength: 2),

        new("TwoArraysQuadraticForm", """
            // x^T A x with A = [[2, 1], [1, 3]] applied blockwise, plus the dot product with y.
            [Differentiable] public static double F(double[] x, Span<double> y)
            {
                double s = 0;
                for (int i = 0; i + 1 < x.Length; i += 2)
                {
                    s += 2 * x[i] * x[i] + 2 * x[i] * x[i + 1] + 3 * x[i + 1] * x[i + 1];
                }

                for (int i = 0; i < x.Length && i < y.Length; i++) s += x[i] * y[i];
                return s;
            }
            """, """
            public static double V(double[] p) => F(p[..(p.Length / 2)], p[(p.Length / 2)..]);
            public static double G(double[] p, double[] g, double seed)
            {
                var n = p.Length / 2;
                var gx = new double[n];
                var gy = new double[p.Length - n];
                var value = FBackward(p[..n], p[n..], seed, gx, gy);
                for (int i = 0; i < n; i++) g[i] += gx[i];
                for (int i = 0; i < gy.Length; i++) g[n + i] += gy[i];
                return value;
            }
            public static double T(double[] p, double[] v, out double t) => FTangent(p[..(p.Length / 2)], p[(p.Length / 2)..], v[..(p.Length / 2)], v[(p.Length / 2)..], out t);
            """),

        new("NoGradArrayAndStackallocInitializer", """
            [Differentiable] public static double F(double[] x, [NoGrad] double[] w)
            {
                Span<double> pair = stackalloc double[] { 1.0, 2.0 };
                var more = new[] { x.Length > 0 ? x[0] : 0.0, 0.5 };
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    pair[i % 2] = pair[i % 2] * 0.5 + w[i] * x[i] * x[i];
                }

                more[1] = more[0] * pair[0];
                return pair[0] * pair[1] + more[1] + s;
            }

            private static double[] W(int n) => Enumerable.Range(0, n).Select(i => Math.Cos(i)).ToArray();
            """, """
            public static double V(double[] p) => F(p, W(p.Length));
            public static double G(double[] p, double[] g, double seed) => FBackward(p, W(p.Length), seed, g);
            public static double T(double[] p, double[] v, out double t) => FTangent(p, W(p.Length), v, out t);
            """),

        new("CalleeSpanWithoutTangent", """
            [Differentiable] public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return s;
            }

            [Differentiable] public static double Square(double v) => v * v;

            // The constant weights carry no tangent: the call of Dot's tangent gets a zero span for them.
            [Differentiable] public static double F(double[] x, [NoGrad] double[] w)
            {
                double[] h = new double[x.Length];
                for (int i = 0; i < x.Length; i++) h[i] = Math.Tanh(x[i]);
                return Dot(w, h) + Square(Dot(h, h)) + Dot(w, w);
            }

            private static double[] W(int n) => Enumerable.Range(0, n).Select(i => 1.0 - 0.25 * i).ToArray();
            """, """
            public static double V(double[] p) => F(p, W(p.Length));
            public static double G(double[] p, double[] g, double seed) => FBackward(p, W(p.Length), seed, g);
            public static double T(double[] p, double[] v, out double t) => FTangent(p, W(p.Length), v, out t);
            """),

        new("FloatSpanToDouble", """
            [Differentiable] public static double F(ReadOnlySpan<float> x)
            {
                double s = 0;
                float p = 1;
                foreach (var v in x)
                {
                    p = p * MathF.Cos(v);
                    s += (double)v * p;
                }

                return s;
            }
            """, """
            public static double V(double[] p) => F(p.Select(a => (float)a).ToArray());
            public static double G(double[] p, double[] g, double seed)
            {
                var gf = new float[g.Length];
                var value = FBackward(p.Select(a => (float)a).ToArray(), seed, gf);
                for (int i = 0; i < g.Length; i++) g[i] += gf[i];
                return value;
            }
            public static double T(double[] p, double[] v, out double t) => FTangent(p.Select(a => (float)a).ToArray(), v.Select(a => (float)a).ToArray(), out t);
            """, IsFloat: true),

        new("Rosenbrock", """
            [Differentiable] public static double F(ReadOnlySpan<double> x)
            {
                double s = 0;
                for (int i = 0; i < x.Length - 1; i++)
                {
                    double a = x[i + 1] - x[i] * x[i];
                    double b = 1 - x[i];
                    s += 100 * a * a + b * b;
                }

                return s;
            }
            """, """
            public static double V(double[] p) => F(p);
            public static double G(double[] p, double[] g, double seed) => FBackward(p, seed, g);
            public static double T(double[] p, double[] v, out double t) => FTangent(p, v, out t);
            """, MinLength: 2),
    ];

    private static readonly ArrayCase[] s_cases = LoopCases().Concat(s_own).ToArray();

    public static TheoryData<string> Cases() => new(s_cases.Select(c => c.Name));

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Arrays.cs", Source())));

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
            sb.AppendLine(TangentSuite.Forward(c.Source));
            sb.AppendLine(c.Wrappers ?? DefaultWrappers);
            sb.AppendLine("}");
        }

        return sb.ToString();
    }

    [Fact]
    public void Generated_code_compiles_warning_free() => s_run.Value.AssertGeneratedCodeClean();

    [Fact]
    public void Valid_code_gets_no_diagnostics()
        => Assert.True(s_run.Value.AnalyzerDiagnostics.IsEmpty, GeneratorHarness.Format(s_run.Value.AnalyzerDiagnostics));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tangent_is_gradient_times_direction_and_matches_finite_differences(string name)
    {
        var c = s_cases.Single(x => x.Name == name);
        var run = s_run.Value;
        var value = run.Compiled.Delegate<Func<double[], double>>(name, "V", typeof(double[]));
        var backward = run.Compiled.Delegate<Func<double[], double[], double, double>>(name, "G", typeof(double[]), typeof(double[]), typeof(double));
        var tangent = run.Compiled.Delegate<TangentWrapper>(name, "T", typeof(double[]), typeof(double[]), typeof(double).MakeByRefType());

        var (identityRel, identityAbs, fdRel, fdAbs) = c.IsFloat ? (1e-4, 1e-5, 3e-2, 3e-3) : (1e-10, 1e-12, 1e-5, 1e-6);
        var lengths = c.FixedLength ? Gen.Const(c.MinLength) : Gen.Int[c.MinLength, c.MinLength + 7];
        var gen = lengths.SelectMany(n => Gen.Double[c.Lo, c.Hi].Array[n].SelectMany(x => Gen.Double[-1, 1].Array[n].Select(v => (X: x, V: v))));
        if (c.Avoid is { } avoid)
        {
            gen = gen.Where(s => !avoid(s.X));
        }

        gen.Sample(sample =>
        {
            var x = c.IsFloat ? sample.X.Select(v => (double)(float)v).ToArray() : sample.X;
            var v = c.IsFloat ? sample.V.Select(a => (double)(float)a).ToArray() : sample.V;
            var errors = new List<string?>();
            var primal = value(x);
            var returned = tangent(x, v, out var t);
            if (!returned.Equals(primal))
            {
                errors.Add($"the tangent method returned {FiniteDifference.R(returned)}, the method returns {FiniteDifference.R(primal)}");
            }

            var g = new double[x.Length];
            backward(x, g, 1.0);
            var dot = g.Zip(v, (a, b) => a * b).Sum();
            var scale = g.Zip(v, (a, b) => Math.Abs(a * b)).Sum();
            if (!FiniteDifference.Close(t, dot, identityRel, identityAbs + identityRel * scale))
            {
                errors.Add($"tangent {FiniteDifference.R(t)}, gradient · v {FiniteDifference.R(dot)}");
            }

            var largest = x.Select(Math.Abs).DefaultIfEmpty(0).Max();
            var h = c.IsFloat ? FiniteDifference.FloatStep(largest) : FiniteDifference.DoubleStep(largest);
            var plus = x.Zip(v, (a, b) => c.IsFloat ? (float)(a + h * b) : a + h * b).ToArray();
            var minus = x.Zip(v, (a, b) => c.IsFloat ? (float)(a - h * b) : a - h * b).ToArray();
            var fd = (value(plus) - value(minus)) / (2 * h);
            if (!FiniteDifference.Close(t, fd, fdRel, fdAbs))
            {
                errors.Add($"tangent {FiniteDifference.R(t)}, central differences along v {FiniteDifference.R(fd)}");
            }

            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{name} at x = ({string.Join(", ", x.Select(FiniteDifference.R))}), v = ({string.Join(", ", v.Select(FiniteDifference.R))}):"
                    + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors)
                    + Environment.NewLine + run.GeneratedSourceFor(name));
            }
        }, iter: 100, threads: 1, print: s => $"x = ({string.Join(", ", s.X.Select(FiniteDifference.R))}), v = ({string.Join(", ", s.V.Select(FiniteDifference.R))})");
    }

    [Fact]
    public void A_tangent_span_of_another_length_throws_before_anything_is_computed()
    {
        var tangent = s_run.Value.Compiled.Delegate<TangentWrapper>("LoopForSumOfSquares", "T", typeof(double[]), typeof(double[]), typeof(double).MakeByRefType());
        var error = Assert.Throws<ArgumentException>(() => tangent([1.0, 2.0], [1.0], out _));
        Assert.Equal("tangentX", error.ParamName);
        Assert.Contains("tangentX must have the length of x (2), not 1.", error.Message, StringComparison.Ordinal);
    }

    public delegate double TangentWrapper(double[] p, double[] v, out double t);
}
