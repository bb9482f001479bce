using System;
using CsCheck;
using Xunit;

namespace AutoDiff.Runtime.Tests;

/// <summary>Property tests: correct backward methods pass at random points, perturbed ones fail.</summary>
public class GradCheckPropertyTests
{
    // f(x) = sum_i a_i sin(b_i x_i) + c x_0 x_{n-1}
    private static double F(double[] a, double[] b, double c, double[] x)
    {
        double s = c * x[0] * x[x.Length - 1];
        for (int i = 0; i < x.Length; i++)
        {
            s += a[i] * Math.Sin(b[i] * x[i]);
        }

        return s;
    }

    private static void Grad(double[] a, double[] b, double c, double[] x, double seed, Span<double> g)
    {
        int last = x.Length - 1;
        for (int i = 0; i < x.Length; i++)
        {
            g[i] += seed * a[i] * b[i] * Math.Cos(b[i] * x[i]);
        }

        g[0] += seed * c * x[last];
        g[last] += seed * c * x[0];
    }

    private static readonly Gen<(double[] A, double[] B, double C, double[] X)> Problems =
        from n in Gen.Int[1, 6]
        from a in Gen.Double[-3, 3].Array[n]
        from b in Gen.Double[-3, 3].Array[n]
        from c in Gen.Double[-2, 2]
        from x in Gen.Double[-5, 5].Array[n]
        select (a, b, c, x);

    [Fact]
    public void CorrectBackwardPassesAtRandomPoints()
    {
        Problems.Sample(p =>
        {
            var result = GradCheck.Check(
                x => F(p.A, p.B, p.C, x),
                (x, s, g) => { Grad(p.A, p.B, p.C, x, s, g); return F(p.A, p.B, p.C, x); },
                p.X,
                new GradCheckOptions { CheckAccumulation = true });
            Assert.True(result.Passed, result.ToString());
        });
    }

    [Fact]
    public void ScaledComponentIsFound()
    {
        Problems.Select(Gen.Double[0.01, 1], Gen.Int[0, 5]).Sample((p, delta, k) =>
        {
            k %= p.X.Length;
            var exact = new double[p.X.Length];
            Grad(p.A, p.B, p.C, p.X, 1, exact);
            var result = GradCheck.Check(
                x => F(p.A, p.B, p.C, x),
                (x, s, g) =>
                {
                    Grad(p.A, p.B, p.C, x, s, g);
                    g[k] *= 1 + delta;
                    return F(p.A, p.B, p.C, x);
                },
                p.X);
            double error = Math.Abs(delta * exact[k]);
            double tolerance = GradCheckOptions.DefaultAbsoluteTolerance + (GradCheckOptions.DefaultRelativeTolerance * Math.Abs(exact[k]));
            if (error > 1.01 * tolerance)
            {
                Assert.False(result.Passed);
                Assert.Contains(result.FailedComponents, c => c.Index == k);
                Assert.All(result.FailedComponents, c => Assert.Equal(k, c.Index));
                Assert.Equal(error, result.Components[k].AbsoluteError, 1e-6 * (1 + error));
            }
            else if (error < 0.99 * tolerance)
            {
                Assert.True(result.Passed, result.ToString());
            }
        });
    }

    [Fact]
    public void CorrectFloatBackwardPassesWithFloatDefaults()
    {
        Problems.Sample(p =>
        {
            int n = p.X.Length;
            float[] a = Array.ConvertAll(p.A, v => (float)v), b = Array.ConvertAll(p.B, v => (float)v);
            float c = (float)p.C;
            float Ff(float[] x)
            {
                float s = c * x[0] * x[n - 1];
                for (int i = 0; i < n; i++)
                {
                    s += a[i] * MathF.Sin(b[i] * x[i]);
                }

                return s;
            }

            var result = GradCheck.Check(
                Ff,
                (x, s, g) =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        g[i] += s * a[i] * b[i] * MathF.Cos(b[i] * x[i]);
                    }

                    g[0] += s * c * x[n - 1];
                    g[n - 1] += s * c * x[0];
                    return Ff(x);
                },
                Array.ConvertAll(p.X, v => (float)v));
            Assert.True(result.Passed, result.ToString());
        });
    }

    [Fact]
    public void SignErrorIsFoundInFloat()
    {
        Gen.Float[0.1f, 4f].Select(Gen.Float[0.1f, 4f]).Sample((x, y) =>
        {
            var result = GradCheck.Check(
                (float u, float v) => u * v,
                (float u, float v, float s, out float gu, out float gv) => { gu = s * v; gv = -s * u; return u * v; },
                x,
                y);
            Assert.False(result.Passed);
            var c = Assert.Single(result.FailedComponents);
            Assert.Equal(1, c.Index);
        });
    }
}
