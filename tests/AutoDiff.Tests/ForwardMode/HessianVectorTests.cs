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
/// <c>MHessianVector</c> (forward mode over the reverse sweep): it returns the primal's value and the backward's
/// gradient bit for bit, and the Hessian times v matches central differences of the backward's gradient along v and
/// the hand-derived Hessians of Rosenbrock, a quadratic form and log-sum-exp; u · Hv = v · Hu. Over every scalar case
/// of the reverse-mode suites that gets one (no calls of other derivatives), the loop cases of
/// <see cref="LoopGradientTests"/> (loops with tapes, buffers, branches) and the hand-derived ones.
/// </summary>
public sealed class HessianVectorTests
{
    // ---- Scalar methods: every case of ScalarTangentTests' suite that gets a Hessian-vector method ----------------

    public static TheoryData<string> ScalarCases => new(ScalarTangentTests.Suite.Names.Where(n => n != "Kinks"));

    [Theory]
    [MemberData(nameof(ScalarCases))]
    public void Scalar_product_matches_differences_of_gradients(string name)
    {
        var suite = ScalarTangentTests.Suite;
        var c = suite[name];
        var f = suite.Function(name);
        var calls = suite.Run.GeneratedSourceFor(name).Contains("Backward(", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(suite.Run.GeneratedSourceFor(name), @"\.\w+Backward\(");
        if (f.HessianVectorMethod is null)
        {
            Assert.True(calls, $"{name} calls no other derivative but has no Hessian-vector method");
            return;
        }

        var usesFloat = c.UsesFloat || f.UsesFloat;
        var k = f.Differentiable.Length;
        var (fdRel, fdAbs) = usesFloat ? (5e-2, 5e-3) : (1e-5, 1e-6);
        Gen<double[]> points = Gen.Const(Array.Empty<double>());
        foreach (var domain in c.Domains)
        {
            var d = domain;
            points = points.SelectMany(prefix => d.Gen.Select(v => prefix.Append(v).ToArray()));
        }

        var samples = points.SelectMany(x => Gen.Double[-1, 1].Array[k].SelectMany(v => Gen.Double[-1, 1].Array[k].Select(u => (X: x, V: v, U: u))));
        if (c.Avoid is { } avoid)
        {
            // Differences of gradients straddle a kink of the gradient from further away than those of values.
            samples = samples.Where(s => !avoid(s.X) && !avoid(s.X.Select(a => a + 2e-3).ToArray()) && !avoid(s.X.Select(a => a - 2e-3).ToArray()));
        }

        samples.Sample(sample =>
        {
            var x = f.IsFloat ? sample.X.Select(a => (double)(float)a).ToArray() : sample.X;
            var v = f.Differentiable.Select((i, j) => f.IsFloatParameter(i) ? (double)(float)sample.V[j] : sample.V[j]).ToArray();
            var u = f.Differentiable.Select((i, j) => f.IsFloatParameter(i) ? (double)(float)sample.U[j] : sample.U[j]).ToArray();
            var errors = new List<string?>();
            var (value, gradient, hv) = f.HessianVector(x, v);
            if (!value.Equals(f.Value(x)))
            {
                errors.Add($"value {FiniteDifference.R(value)}, the method returns {FiniteDifference.R(f.Value(x))}");
            }

            var backward = f.Gradient(x);
            if (!gradient.SequenceEqual(backward))
            {
                errors.Add($"gradient ({string.Join(", ", gradient.Select(FiniteDifference.R))}), the backward's ({string.Join(", ", backward.Select(FiniteDifference.R))})");
            }

            var fd = GradientDifferences(f.Gradient, x, v, f.Differentiable, i => f.IsFloatParameter(i), usesFloat);
            errors.Add(FiniteDifference.Compare("Hv vs differences of gradients along v", hv, fd, fdRel, fdAbs));
            var hu = f.HessianVector(x, u).Product;
            var uHv = u.Zip(hv, (a, b) => a * b).Sum();
            var vHu = v.Zip(hu, (a, b) => a * b).Sum();
            var scale = u.Zip(hv, (a, b) => Math.Abs(a * b)).Sum() + v.Zip(hu, (a, b) => Math.Abs(a * b)).Sum();
            if (!FiniteDifference.Close(uHv, vHu, usesFloat ? 1e-3 : 1e-9, (usesFloat ? 1e-4 : 1e-11) * (1 + scale)))
            {
                errors.Add($"u · Hv = {FiniteDifference.R(uHv)}, v · Hu = {FiniteDifference.R(vHu)}: the Hessian is not symmetric");
            }

            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{name}({string.Join(", ", x.Select(FiniteDifference.R))}) along ({string.Join(", ", v.Select(FiniteDifference.R))}):\n  "
                    + string.Join("\n  ", errors));
            }
        }, iter: 60, threads: 1, print: s => $"x = ({string.Join(", ", s.X.Select(FiniteDifference.R))}), v = ({string.Join(", ", s.V.Select(FiniteDifference.R))})");
    }

    /// <summary>(∇f(x + h v) - ∇f(x - h v)) / 2h over the differentiable parameters.</summary>
    private static double[] GradientDifferences(Func<double[], double[]> gradient, double[] x, double[] v, int[] differentiable, Func<int, bool> isFloat, bool usesFloat)
    {
        var largest = differentiable.Select(i => Math.Abs(x[i])).DefaultIfEmpty(0).Max();
        var h = usesFloat ? FiniteDifference.FloatStep(largest) : FiniteDifference.DoubleStep(largest);
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        for (var j = 0; j < differentiable.Length; j++)
        {
            var i = differentiable[j];
            plus[i] = isFloat(i) ? (float)(x[i] + h * v[j]) : x[i] + h * v[j];
            minus[i] = isFloat(i) ? (float)(x[i] - h * v[j]) : x[i] - h * v[j];
        }

        var gp = gradient(plus);
        var gm = gradient(minus);
        return gp.Zip(gm, (a, b) => (a - b) / (2 * h)).ToArray();
    }

    // ---- Methods over arrays: loop cases and hand-derived Hessians ---------------------------------------------------

    /// <param name="Hessian">The hand-derived Hessian at x (row-major n x n), or null to compare with differences only.</param>
    public sealed record ArrayCase(string Name, string Source, int MinLength = 0, bool FixedLength = false, Func<double[], double[,]>? Hessian = null,
        Func<double[], bool>? Avoid = null, double Lo = -2, double Hi = 2)
    {
        public override string ToString() => Name;
    }

    private static readonly ArrayCase[] s_handDerived =
    [
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
            """, MinLength: 2, Hessian: x =>
            {
                var n = x.Length;
                var h = new double[n, n];
                for (var i = 0; i < n - 1; i++)
                {
                    h[i, i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
                    h[i + 1, i + 1] += 200;
                    h[i, i + 1] += -400 * x[i];
                    h[i + 1, i] += -400 * x[i];
                }

                return h;
            }),

        new("QuadraticForm", """
            // x^T A x with A[i, j] = sin(i + 2j): not symmetric, so the Hessian is A + A^T.
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    double row = 0;
                    for (int j = 0; j < x.Length; j++)
                    {
                        row += Math.Sin(i + 2.0 * j) * x[j];
                    }

                    s += x[i] * row;
                }

                return s;
            }
            """, Hessian: x =>
            {
                var n = x.Length;
                var h = new double[n, n];
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        h[i, j] = Math.Sin(i + 2.0 * j) + Math.Sin(j + 2.0 * i);
                    }
                }

                return h;
            }),

        new("LogSumExp", """
            // The stable form: the maximum is subtracted and added back (its derivatives cancel).
            [Differentiable] public static double F(ReadOnlySpan<double> x)
            {
                double m = double.NegativeInfinity;
                foreach (var v in x) m = Math.Max(m, v);
                double s = 0;
                foreach (var v in x) s += Math.Exp(v - m);
                return m + Math.Log(s);
            }
            """, MinLength: 1, Hessian: x =>
            {
                var m = x.Max();
                var e = x.Select(v => Math.Exp(v - m)).ToArray();
                var p = e.Select(v => v / e.Sum()).ToArray();
                var h = new double[x.Length, x.Length];
                for (var i = 0; i < x.Length; i++)
                {
                    for (var j = 0; j < x.Length; j++)
                    {
                        h[i, j] = (i == j ? p[i] : 0) - p[i] * p[j];
                    }
                }

                return h;
            }, Avoid: x => x.Any(a => x.Count(b => Math.Abs(a - b) < 1e-3) > 1)),
    ];

    private static IEnumerable<ArrayCase> LoopCases()
    {
        var field = typeof(LoopGradientTests).GetField("s_cases", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new XunitException("LoopGradientTests.s_cases not found: the Hessian-vector tests reuse its cases.");
        // Those over F(double[] x) that call no other derivative (they get a Hessian-vector method).
        return ((LoopGradientTests.LoopCase[])field.GetValue(null)!)
            .Where(c => c.DefaultWrappers && !c.IsFloat && c.Source.Split("[Differentiable]").Length == 2)
            .Select(c => new ArrayCase("Loop" + c.Name, c.Source, c.MinLength, c.FixedLength, Avoid: c.Avoid, Lo: c.Lo, Hi: c.Hi));
    }

    private static readonly ArrayCase[] s_cases = s_handDerived.Concat(LoopCases()).ToArray();

    public static TheoryData<string> ArrayCases => new(s_cases.Select(c => c.Name));

    private static readonly Lazy<GeneratorRun> s_run = new(() =>
    {
        var sb = new StringBuilder("using System;\nusing System.Linq;\nusing AutoDiff;\n");
        foreach (var c in s_cases)
        {
            sb.AppendLine($"public static partial class {c.Name}").AppendLine("{").AppendLine(TangentSuite.Forward(c.Source))
                .AppendLine("    public static double V(double[] p) => F(p);")
                .AppendLine("    public static double G(double[] p, double[] g) => FBackward(p, 1.0, g);")
                .AppendLine("    public static double H(double[] p, double[] v, double[] g, double[] hv) => FHessianVector(p, v, g, hv);")
                .AppendLine("}");
        }

        return GeneratorHarness.Run(new SourceFile("Hessians.cs", sb.ToString()));
    });

    [Fact]
    public void Generated_code_compiles_warning_free()
    {
        s_run.Value.AssertGeneratedCodeClean();
        ScalarTangentTests.Suite.Run.AssertGeneratedCodeClean();
    }

    [Theory]
    [MemberData(nameof(ArrayCases))]
    public void Array_product_matches_the_Hessian_and_differences_of_gradients(string name)
    {
        var c = s_cases.Single(x => x.Name == name);
        var run = s_run.Value;
        var value = run.Compiled.Delegate<Func<double[], double>>(name, "V", typeof(double[]));
        var backward = run.Compiled.Delegate<Func<double[], double[], double>>(name, "G", typeof(double[]), typeof(double[]));
        var product = run.Compiled.Delegate<Func<double[], double[], double[], double[], double>>(name, "H", typeof(double[]), typeof(double[]), typeof(double[]), typeof(double[]));
        double[] Gradient(double[] x)
        {
            var g = new double[x.Length];
            backward(x, g);
            return g;
        }

        var lengths = c.FixedLength ? Gen.Const(c.MinLength) : Gen.Int[c.MinLength, c.MinLength + 6];
        var gen = lengths.SelectMany(n => Gen.Double[c.Lo, c.Hi].Array[n].SelectMany(x => Gen.Double[-1, 1].Array[n].SelectMany(v =>
            Gen.Double[-1, 1].Array[n].Select(prefill => (X: x, V: v, Prefill: prefill)))));
        if (c.Avoid is { } avoid)
        {
            gen = gen.Where(s => !avoid(s.X));
        }

        gen.Sample(sample =>
        {
            var (x, v) = (sample.X, sample.V);
            var errors = new List<string?>();
            var g = new double[x.Length];
            var hv = (double[])sample.Prefill.Clone();
            var returned = product(x, v, g, hv);
            if (!returned.Equals(value(x)))
            {
                errors.Add($"value {FiniteDifference.R(returned)}, the method returns {FiniteDifference.R(value(x))}");
            }

            if (!g.SequenceEqual(Gradient(x)))
            {
                errors.Add("the gradient differs from the backward's");
            }

            // The product is added into what the span held.
            var added = hv.Zip(sample.Prefill, (a, b) => a - b).ToArray();
            var all = Enumerable.Range(0, x.Length).ToArray();
            var fd = GradientDifferences(Gradient, x, v, all, _ => false, usesFloat: false);
            // Next to a kink of the gradient (x^3 for x >= 0 only) differences are no reference: two step sizes disagree there.
            var fdQuarter = GradientDifferences(Gradient, x, v.Select(a => a / 4).ToArray(), all, _ => false, usesFloat: false).Select(a => 4 * a).ToArray();
            if (FiniteDifference.Compare("", fd, fdQuarter, 1e-4, 1e-7) is null)
            {
                errors.Add(FiniteDifference.Compare("Hv vs differences of gradients along v", added, fd, 1e-5, 1e-6));
            }
            if (c.Hessian is { } hessian)
            {
                var h = hessian(x);
                var expected = Enumerable.Range(0, x.Length).Select(i => Enumerable.Range(0, x.Length).Sum(j => h[i, j] * v[j])).ToArray();
                errors.Add(FiniteDifference.Compare("Hv vs the hand-derived Hessian times v", added, expected, 1e-9, 1e-10));
            }

            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{name} at x = ({string.Join(", ", x.Select(FiniteDifference.R))}), v = ({string.Join(", ", v.Select(FiniteDifference.R))}):\n  "
                    + string.Join("\n  ", errors) + "\n" + run.GeneratedSourceFor(name));
            }
        }, iter: 80, threads: 1, print: s => $"x = ({string.Join(", ", s.X.Select(FiniteDifference.R))}), v = ({string.Join(", ", s.V.Select(FiniteDifference.R))})");
    }

    [Fact]
    public void Spans_of_another_length_throw_before_anything_is_written()
    {
        var product = s_run.Value.Compiled.Delegate<Func<double[], double[], double[], double[], double>>("Rosenbrock", "H", typeof(double[]), typeof(double[]), typeof(double[]), typeof(double[]));
        var g = new double[2];
        var hv = new double[2];
        Assert.Equal("tangentX", Assert.Throws<ArgumentException>(() => product([1, 2], [1], g, hv)).ParamName);
        Assert.Equal("gradX", Assert.Throws<ArgumentException>(() => product([1, 2], [1, 0], new double[3], hv)).ParamName);
        Assert.Equal("hvX", Assert.Throws<ArgumentException>(() => product([1, 2], [1, 0], g, new double[1])).ParamName);
        Assert.All(g.Concat(hv), a => Assert.Equal(0, a));
    }

    [Fact]
    public void Methods_that_call_other_derivatives_get_no_Hessian_vector_method_yet()
    {
        var text = CallTangentTests.Suite.Run.GeneratedSourceFor("CallsForwardHelpers");
        Assert.Contains(" FTangent(", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" FHessianVector(", text, StringComparison.Ordinal);
        Assert.Contains(" SigmoidHessianVector(", text, StringComparison.Ordinal);
    }
}
