using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using AutoDiff.Tests.Gradients;
using AutoDiff.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// The random loop programs of <see cref="RandomLoopProgramTests"/> (loops, nested loops, branches, break/continue,
/// carried values, buffer writes; fixed seeds), compiled with <c>Forward = true</c>: at random points and directions the
/// tangent equals gradient · v from the backward and matches central differences along v. Where the reverse mode has
/// to tape, recompute or count iterations, forward mode carries tangents like values; these programs test that the
/// two agree on the combinations.
/// </summary>
public sealed class RandomProgramTangentTests
{
    private const int Programs = 150;

    private static readonly Lazy<(GeneratorRun Run, string[] Sources)> s_run = new(() =>
    {
        var writer = typeof(RandomLoopProgramTests).GetNestedType("ProgramWriter", BindingFlags.NonPublic)
            ?? throw new XunitException("RandomLoopProgramTests.ProgramWriter not found: the forward-mode tests reuse its programs.");
        var sources = Enumerable.Range(0, Programs)
            .Select(seed => TangentSuite.Forward((string)writer.GetMethod("Write")!.Invoke(Activator.CreateInstance(writer, seed), null)!))
            .ToArray();
        var all = new StringBuilder("using System;\nusing AutoDiff;\n");
        for (var i = 0; i < Programs; i++)
        {
            all.AppendLine($"public static partial class P{i}").AppendLine("{").AppendLine(sources[i])
                .AppendLine("    public static double V(double[] p) => F(p, p.Length > 0 ? p[0] : 0.3);")
                .AppendLine("    public static double G(double[] p, double[] g)")
                .AppendLine("    {")
                .AppendLine("        var v = FBackward(p, p.Length > 0 ? p[0] : 0.3, 1.0, g, out var ga);")
                .AppendLine("        if (p.Length > 0) g[0] += ga;")
                .AppendLine("        return v;")
                .AppendLine("    }")
                .AppendLine("    public static double T(double[] p, double[] v, out double t) => FTangent(p, p.Length > 0 ? p[0] : 0.3, v, v.Length > 0 ? v[0] : 0, out t);")
                .AppendLine("}");
        }

        return (GeneratorHarness.Run(all.ToString()), sources);
    });

    public static TheoryData<int> Seeds() => new(Enumerable.Range(0, Programs));

    [Fact]
    public void Generated_code_compiles_warning_free() => s_run.Value.Run.AssertGeneratedCodeClean();

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_loop_program_tangent_is_gradient_times_direction(int seed)
    {
        var (run, sources) = s_run.Value;
        var name = "P" + seed;
        Assert.Contains(" FTangent(", run.GeneratedSourceFor(name), StringComparison.Ordinal);
        var value = run.Compiled.Delegate<Func<double[], double>>(name, "V", typeof(double[]));
        var backward = run.Compiled.Delegate<Func<double[], double[], double>>(name, "G", typeof(double[]), typeof(double[]));
        var tangent = run.Compiled.Delegate<ArrayTangentTests.TangentWrapper>(name, "T", typeof(double[]), typeof(double[]), typeof(double).MakeByRefType());
        var random = new Random(seed * 7919 + 1);
        for (var sample = 0; sample < 6; sample++)
        {
            var n = sample == 0 ? 0 : sample == 1 ? 1 : random.Next(2, 9);
            // Inputs in ±[0.1, 1.2]: away from the sign boundaries the branches test.
            var x = Enumerable.Range(0, n).Select(_ => (random.Next(2) == 0 ? -1 : 1) * (0.1 + 1.1 * random.NextDouble())).ToArray();
            var v = Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble() - 1).ToArray();
            var primal = value(x);
            var returned = tangent(x, v, out var t);
            var g = new double[n];
            backward(x, g);
            var dot = g.Zip(v, (a, b) => a * b).Sum();
            var scale = g.Zip(v, (a, b) => Math.Abs(a * b)).Sum();
            var largest = x.Select(Math.Abs).DefaultIfEmpty(0).Max();
            var h = FiniteDifference.DoubleStep(largest);
            double Fd(double step) => (value(x.Zip(v, (a, b) => a + step * b).ToArray()) - value(x.Zip(v, (a, b) => a - step * b).ToArray())) / (2 * step);
            var fd = Fd(h);
            // Near a pole of a random program (s / (1 + s * t) with the denominator near 0) differences are no reference:
            // where two step sizes disagree, only the identity with the backward is checked there.
            var fdReliable = FiniteDifference.Close(fd, Fd(h / 4), 1e-4, 1e-5);
            var errors = new List<string?>
            {
                returned.Equals(primal) ? null : $"the tangent method returned {FiniteDifference.R(returned)}, the method returns {FiniteDifference.R(primal)}",
                FiniteDifference.Close(t, dot, 1e-10, 1e-12 + 1e-10 * scale) ? null : $"tangent {FiniteDifference.R(t)}, gradient · v {FiniteDifference.R(dot)}",
                !fdReliable || FiniteDifference.Close(t, fd, 1e-5, 1e-6) ? null : $"tangent {FiniteDifference.R(t)}, central differences along v {FiniteDifference.R(fd)}",
            };
            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{name} at x = ({string.Join(", ", x.Select(FiniteDifference.R))}), v = ({string.Join(", ", v.Select(FiniteDifference.R))}):\n  "
                    + string.Join("\n  ", errors) + "\n" + sources[seed] + "\n" + run.GeneratedSourceFor(name));
            }
        }
    }
}
