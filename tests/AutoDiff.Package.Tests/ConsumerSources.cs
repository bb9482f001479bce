using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Xunit;

namespace AutoDiff.Package.Tests;

/// <summary>The source files of the consumer projects, and what their programs must print.</summary>
internal static class ConsumerSources
{
    /// <summary>
    /// [Differentiable] methods of several shapes (Math and MathF, switch and conditional, [NoGrad], span and array
    /// parameters, a call between [Differentiable] methods, an instance method of a nested struct), public and
    /// documented so that a consumer can build them with GenerateDocumentationFile and warnings as errors.
    /// </summary>
    public const string Functions = """
        using System;
        using AutoDiff;

        namespace Consumer;

        /// <summary>Functions whose backward methods the package's generator writes.</summary>
        public static partial class Functions
        {
            /// <summary>sin(x y) + x.</summary>
            [Differentiable]
            public static double F(double x, double y)
            {
                double z = x * y;
                return Math.Sin(z) + x;
            }

            /// <summary>A float function with a switch expression, a conditional and a [NoGrad] parameter.</summary>
            [Differentiable]
            public static float Scaled(float x, [NoGrad] float scale, int mode)
            {
                float r = mode switch { 0 => x * scale, 1 => MathF.Exp(x), _ => -x };
                return r > 0 ? r : 0.5f * r;
            }

            /// <summary>Reads a span and an array, and calls <see cref="F"/>.</summary>
            [Differentiable]
            public static double Weighted(ReadOnlySpan<double> w, double[] x, [NoGrad] double bias)
            {
                return w[0] * x[0] + w[1] * x[1] + F(w[0], bias) + w.Length;
            }

            /// <summary>A nested struct with an instance method.</summary>
            public partial struct Point
            {
                /// <summary>Factor of the norm.</summary>
                public double Scale;

                /// <summary>Scale times the Euclidean norm of (a, b).</summary>
                [Differentiable]
                public double Norm(double a, double b) => Math.Sqrt(a * a + b * b) * Scale;
            }
        }
        """;

    /// <summary>Calls every backward method of <see cref="Functions"/>, prints "name value gradients...", and runs GradCheck.</summary>
    public const string Program = """
        using System;
        using System.Globalization;
        using AutoDiff;

        namespace Consumer;

        internal static class Program
        {
            private static int Main()
            {
                double f = Functions.FBackward(2.0, 3.0, 1.0, out double fx, out double fy);
                Print("F", f, fx, fy);
                float s1 = Functions.ScaledBackward(2f, 3f, 1, 1f, out float s1x);
                Print("Scaled1", s1, s1x);
                float s0 = Functions.ScaledBackward(-1f, 3f, 0, 1f, out float s0x);
                Print("Scaled0", s0, s0x);
                double[] w = { 1.0, 2.0 }, x = { 3.0, 4.0 };
                double[] gw = new double[2], gx = new double[2];
                double weighted = Functions.WeightedBackward(w, x, 0.5, 1.0, gw, gx);
                Print("Weighted", weighted, gw[0], gw[1], gx[0], gx[1]);
                var point = new Functions.Point { Scale = 2.0 };
                double norm = point.NormBackward(3.0, 4.0, 1.0, out double na, out double nb);
                Print("Norm", norm, na, nb);
                GradCheckResult check = GradCheck.Check(Functions.F, Functions.FBackward, 2.0, 3.0);
                Console.WriteLine("GradCheck " + (check.Passed ? "passed" : "failed"));
                return check.Passed ? 0 : 1;
            }

            private static void Print(string name, params double[] values)
                => Console.WriteLine(name + " " + string.Join(" ", Array.ConvertAll(values, v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        """;

    /// <summary>The files of a console consumer: <see cref="Functions"/> and <see cref="Program"/>.</summary>
    public static Dictionary<string, string> ConsoleApp() => new() { ["Functions.cs"] = Functions, ["Program.cs"] = Program };

    /// <summary>
    /// Checks the program's output line by line against the closed forms: each value and gradient to 1e-12 relative
    /// (1e-6 for the float function), and GradCheck passed.
    /// </summary>
    public static void AssertProgramOutput(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        double[] Values(string name)
        {
            var line = lines.SingleOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"No line '{name} ...' in the program output:{Environment.NewLine}{output}");
            return line[(name.Length + 1)..].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }

        // F(x, y) = sin(x y) + x at (2, 3): dF/dx = y cos(x y) + 1, dF/dy = x cos(x y).
        AssertClose([Math.Sin(6) + 2, 3 * Math.Cos(6) + 1, 2 * Math.Cos(6)], Values("F"), 1e-12);
        // Scaled(2, 3, mode 1) = exp(2), derivative exp(2); Scaled(-1, 3, mode 0) = 0.5 * 3 * -1, derivative 0.5 * 3.
        AssertClose([Math.Exp(2), Math.Exp(2)], Values("Scaled1"), 1e-6);
        AssertClose([-1.5, 1.5], Values("Scaled0"), 1e-6);
        // Weighted = w0 x0 + w1 x1 + F(w0, 0.5) + 2 at w = (1, 2), x = (3, 4); F's gradient adds into dw0.
        AssertClose([14 + Math.Sin(0.5), 3 + 0.5 * Math.Cos(0.5) + 1, 4, 1, 2], Values("Weighted"), 1e-12);
        // Norm = 2 sqrt(a^2 + b^2) at (3, 4): gradient 2 (a, b) / 5.
        AssertClose([10, 1.2, 1.6], Values("Norm"), 1e-12);
        Assert.Contains("GradCheck passed", lines);
    }

    private static void AssertClose(double[] expected, double[] actual, double relativeTolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = relativeTolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"component {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
