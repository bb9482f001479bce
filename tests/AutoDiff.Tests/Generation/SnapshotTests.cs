using System;
using System.IO;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// Golden files of the generated code for a representative set of methods (Snapshots/*.verified.cs). To update after
/// an intended change of the emitter: <c>AUTODIFF_ACCEPT=1 dotnet test tests/AutoDiff.Tests --filter SnapshotTests</c>,
/// then review the diff of the .verified.cs files.
/// </summary>
public sealed class SnapshotTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Snap
        {
            public static partial class StraightLine
            {
                // No control flow, no overwrite: no tape, one adjoint per active value.
                [Differentiable] public static double Product(double x, double y) => x * y + Math.Sin(x);
            }

            public static partial class Activity
            {
                // 'scale' depends only on [NoGrad] t, 'unused' never reaches the result: neither gets adjoint code.
                [Differentiable]
                public static double Loss(double x, double y, [NoGrad] double t, int n)
                {
                    var scale = t * t + n;
                    var unused = Math.Exp(y) * x;
                    var z = x * scale;
                    return z * z + y;
                }
            }

            public static partial class Branches
            {
                [Differentiable]
                public static double Piecewise(double x, double y)
                {
                    double r;
                    if (x > y) r = x * x;
                    else if (x > 0) r = x * y;
                    else r = -y;
                    return x > 1 ? r : Math.Exp(r);
                }
            }

            public static partial class Calls
            {
                [Differentiable] public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
                [Differentiable] public static double LogLoss(double x, [NoGrad] double label) => -label * Math.Log(Sigmoid(x)) - (1 - label) * Math.Log(1 - Sigmoid(x));
            }

            public static partial class Floats
            {
                [Differentiable] public static float Softplus(float x) => MathF.Log(1 + MathF.Exp(x));
            }

            public static partial class TapeFreeLoop
            {
                // A sum of independent terms: the index is recomputed from the iteration number and the terms from the
                // (never written) input, so the reverse loop needs no tape.
                [Differentiable]
                public static double Rosenbrock(ReadOnlySpan<double> x)
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
            }

            public static partial class CarriedLoop
            {
                // Loop-carried state the reverse sweep reads (the running product, the Exp results, the hidden buffer):
                // pushed to the tape before it is overwritten, popped where the reverse passes its definition.
                [Differentiable]
                public static double Recurrence(double[] x, [NoGrad] double[] target)
                {
                    Span<double> hidden = stackalloc double[2];
                    double p = 1;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (x[i] > target[i]) continue;
                        p = p * Math.Exp(x[i] - p);
                        hidden[i % 2] = p;
                    }

                    return p + hidden[0] * hidden[1];
                }
            }

            public static partial class Outer
            {
                public partial struct Linear
                {
                    public double W;
                    [Differentiable] public readonly double Predict(double x, double b) => W * x + b;
                }
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Snap.cs", Source)));

    private static string Generated(string type)
    {
        var run = s_run.Value;
        var text = run.GeneratedSourceFor(type);
        run.Compiled.GetType(type); // compiles, warning-free
        return text;
    }

    [Fact]
    public void StraightLine() => Snapshot.Match(Generated("Snap.StraightLine"));

    [Fact]
    public void Activity() => Snapshot.Match(Generated("Snap.Activity"));

    [Fact]
    public void Branches() => Snapshot.Match(Generated("Snap.Branches"));

    [Fact]
    public void Calls() => Snapshot.Match(Generated("Snap.Calls"));

    [Fact]
    public void Floats() => Snapshot.Match(Generated("Snap.Floats"));

    [Fact]
    public void TapeFreeLoop() => Snapshot.Match(Generated("Snap.TapeFreeLoop"));

    [Fact]
    public void CarriedLoop() => Snapshot.Match(Generated("Snap.CarriedLoop"));

    [Fact]
    public void Loop_of_independent_terms_needs_no_tape()
    {
        var text = Generated("Snap.TapeFreeLoop");
        Assert.DoesNotContain("AutoDiff.Tape", text);
        Assert.DoesNotContain(".Push(", text);
        Assert.Contains("for (int k0 = count0 - 1; k0 >= 0; k0--)", text);
    }

    [Fact]
    public void NestedStruct() => Snapshot.Match(Generated("Snap.Outer.Linear"));

    [Fact]
    public void Activity_analysis_leaves_inactive_values_without_adjoints()
    {
        var text = Generated("Snap.Activity");
        var reverse = text[text.IndexOf("// Reverse sweep", StringComparison.Ordinal)..];
        Assert.DoesNotContain("Exp", reverse); // 'unused' = Exp(y) * x gets no adjoint code
        Assert.DoesNotContain("gradT", text);
        Assert.DoesNotContain("gradN", text);
    }

    [Fact]
    public void Output_is_deterministic()
    {
        var again = GeneratorHarness.Run([new SourceFile("Snap.cs", Source)], runAnalyzer: false);
        Assert.Equal(s_run.Value.GeneratedSources.Select(s => (s.HintName, s.Text)), again.GeneratedSources.Select(s => (s.HintName, s.Text)));
    }

    [Fact]
    public void Generated_files_have_the_required_header()
    {
        foreach (var file in s_run.Value.GeneratedSources)
        {
            Assert.StartsWith("// <auto-generated/>", file.Text);
            Assert.Contains("#nullable enable", file.Text);
            Assert.Contains("/// <summary>", file.Text);
            Assert.EndsWith(".AutoDiff.g.cs", file.HintName);
        }
    }

    // ---- The snapshot helper itself ---------------------------------------------------------------------------------

    [Fact]
    public void Snapshot_helper_fails_on_a_missing_file_and_on_a_mismatch_with_a_diff()
    {
        if (Environment.GetEnvironmentVariable("AUTODIFF_ACCEPT") == "1")
        {
            return; // accepting rewrites instead of failing
        }

        var dir = Path.Combine(Path.GetTempPath(), "autodiff-snapshot-" + Guid.NewGuid().ToString("N"));
        var testFile = Path.Combine(dir, "Fake.cs");
        try
        {
            var missing = Assert.Throws<XunitException>(() => Snapshot.Match("a\nb\n", "T", testFile));
            Assert.Contains("No verified snapshot", missing.Message);
            Assert.True(File.Exists(Path.Combine(dir, "Snapshots", "Fake.T.received.cs")));

            File.WriteAllText(Path.Combine(dir, "Snapshots", "Fake.T.verified.cs"), "line 1\nline 2\nline 3\n");
            Snapshot.Match("line 1\r\nline 2\r\nline 3\r\n", "T", testFile); // line endings do not matter
            Assert.False(File.Exists(Path.Combine(dir, "Snapshots", "Fake.T.received.cs")));

            var mismatch = Assert.Throws<XunitException>(() => Snapshot.Match("line 1\nline two\nline 3\n", "T", testFile));
            Assert.Contains("- ", mismatch.Message);
            Assert.Contains("line 2", mismatch.Message);
            Assert.Contains("+ ", mismatch.Message);
            Assert.Contains("line two", mismatch.Message);
            Assert.True(File.Exists(Path.Combine(dir, "Snapshots", "Fake.T.received.cs")));

            // The generator's version is scrubbed.
            File.WriteAllText(Path.Combine(dir, "Snapshots", "Fake.V.verified.cs"), "[GeneratedCode(\"AutoDiff.Generators\", \"<version>\")]\n");
            Snapshot.Match("[GeneratedCode(\"AutoDiff.Generators\", \"1.2.3\")]\n", "V", testFile);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
