using System;

namespace AutoDiff.Benchmarks;

/// <summary>
/// The baseline: value and gradient of each kernel as a careful engineer writes them by hand. One fused pass where
/// the kernel allows it, no allocation, the same convention as the generated methods (value returned, <c>seed</c>
/// times the gradient added into the span gradients), so that both do the same work and can be compared directly.
/// </summary>
public static class HandWrittenGradients
{
    /// <summary>Value and gradient of <see cref="Kernels.Rosenbrock"/>.</summary>
    public static double Rosenbrock(ReadOnlySpan<double> x, double seed, Span<double> gradX)
    {
        double sum = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double xi = x[i];
            double a = x[i + 1] - xi * xi;
            double b = 1 - xi;
            sum += 100 * a * a + b * b;

            // d/dx[i] = -400 a x[i] - 2 b, d/dx[i+1] = 200 a.
            double ga = 200 * seed * a;
            gradX[i] -= 2 * ga * xi + 2 * seed * b;
            gradX[i + 1] += ga;
        }

        return sum;
    }

    /// <summary>Value and gradient of <see cref="Kernels.LogisticRegression"/>: dL/dz = sigmoid(z) - y per row.</summary>
    public static double LogisticRegression(double[] w, double b, double[] x, double[] y, double seed, Span<double> gradW, out double gradB)
    {
        int d = w.Length;
        int m = y.Length;
        double scale = seed / m;
        double total = 0;
        double gb = 0;
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> row = x.AsSpan(i * d, d);
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += w[j] * row[j];
            }

            double e = Math.Exp(-Math.Abs(z));
            total += Math.Max(z, 0) - z * y[i] + Math.Log(1 + e);

            // The logistic sigmoid from the same exp(-|z|), stable for both signs of z.
            double sigmoid = z >= 0 ? 1 / (1 + e) : e / (1 + e);
            double g = (sigmoid - y[i]) * scale;
            gb += g;
            for (int j = 0; j < d; j++)
            {
                gradW[j] += g * row[j];
            }
        }

        gradB = gb;
        return total / m;
    }

    /// <summary>
    /// Value and gradient of <see cref="Kernels.Mlp"/>: per row, the forward pass into a stack buffer, then
    /// back-propagation through the output and the tanh layer while the row is in cache.
    /// </summary>
    public static double Mlp(ReadOnlySpan<double> w1, ReadOnlySpan<double> b1, ReadOnlySpan<double> w2, double b2,
        ReadOnlySpan<double> x, ReadOnlySpan<double> y, double seed,
        Span<double> gradW1, Span<double> gradB1, Span<double> gradW2, out double gradB2)
    {
        int hidden = b1.Length;
        int inputs = w1.Length / hidden;
        int batch = y.Length;
        Span<double> h = stackalloc double[hidden];
        double scale = 2 * seed / batch;
        double total = 0;
        double gb2 = 0;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<double> xn = x.Slice(n * inputs, inputs);
            double output = b2;
            for (int k = 0; k < hidden; k++)
            {
                ReadOnlySpan<double> row = w1.Slice(k * inputs, inputs);
                double a = b1[k];
                for (int j = 0; j < inputs; j++)
                {
                    a += row[j] * xn[j];
                }

                h[k] = Math.Tanh(a);
                output += w2[k] * h[k];
            }

            double r = output - y[n];
            total += r * r;

            double g = scale * r;
            gb2 += g;
            for (int k = 0; k < hidden; k++)
            {
                gradW2[k] += g * h[k];
                double ga = g * w2[k] * (1 - h[k] * h[k]);
                gradB1[k] += ga;
                Span<double> gradRow = gradW1.Slice(k * inputs, inputs);
                for (int j = 0; j < inputs; j++)
                {
                    gradRow[j] += ga * xn[j];
                }
            }
        }

        gradB2 = gb2;
        return total / batch;
    }

    /// <summary>Value and gradient of <see cref="Kernels.MathChain"/>: the chain forward, then its adjoints in reverse by hand.</summary>
    public static double MathChain(double x, double y, double z, double seed, out double gradX, out double gradY, out double gradZ)
    {
        double sinX = Math.Sin(x);
        double cosY = Math.Cos(y);
        double a = sinX * cosY + z;
        double ex = Math.Exp(-0.5 * (a * a));
        double den = 1 + y * y;
        double b = ex / den;
        double u = 1 + b + x * x;
        double sq = Math.Sqrt(2 + Math.Cos(z));
        double c = Math.Log(u) - sq;
        double th = Math.Tanh(a - c);
        double bz = b * z;
        double at = Math.Atan(bz);
        double d = th * at;
        double w = 1.5 + b * b;
        double pw = Math.Pow(w, 0.75);
        double dd = 0.1 * d;
        double e = pw + Math.Sinh(dd);
        double result = d * e;

        // result = d e
        double gd = seed * e;
        double ge = seed * d;
        // e = w^0.75 + sinh(0.1 d)
        gd += ge * 0.1 * Math.Cosh(dd);
        double gb = ge * 0.75 * pw / w * 2 * b;
        // d = tanh(a - c) atan(b z)
        double gamc = gd * at * (1 - th * th);
        double gbz = gd * th / (1 + bz * bz);
        double ga = gamc;
        double gc = -gamc;
        gb += gbz * z;
        double gz = gbz * b;
        // c = log(1 + b + x^2) - sqrt(2 + cos z)
        double gu = gc / u;
        gz += gc * 0.5 / sq * Math.Sin(z);
        gb += gu;
        double gx = gu * 2 * x;
        // b = exp(-a^2 / 2) / (1 + y^2)
        ga -= gb / den * ex * a;
        double gy = -gb * b / den * 2 * y;
        // a = sin(x) cos(y) + z
        gz += ga;
        gx += ga * cosY * Math.Cos(x);
        gy -= ga * sinX * Math.Sin(y);

        gradX = gx;
        gradY = gy;
        gradZ = gz;
        return result;
    }
}
