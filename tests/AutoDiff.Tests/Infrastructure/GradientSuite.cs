using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>The range one argument is drawn from: doubles in [Lo, Hi], or integers when <see cref="IsInteger"/>.</summary>
public readonly record struct Domain(double Lo, double Hi, bool IsInteger = false)
{
    public static implicit operator Domain((double Lo, double Hi) range) => new(range.Lo, range.Hi);

    public static Domain Int(int lo, int hi) => new(lo, hi, IsInteger: true);

    public Gen<double> Gen => IsInteger ? CsCheck.Gen.Int[(int)Lo, (int)Hi].Select(i => (double)i) : CsCheck.Gen.Double[Lo, Hi];
}

/// <summary>
/// One gradient property: a [Differentiable] method (generated into its own partial class <see cref="Name"/>, so a
/// generator bug in one case does not break the others), the domain of each parameter, and the hand-derived value and
/// gradient (one entry per differentiable parameter, in parameter order).
/// </summary>
/// <param name="Parameters">The parameter list, e.g. <c>double x, [NoGrad] double k, int n</c>.</param>
/// <param name="Body">An expression (<c>x * y</c>), or a block body starting with <c>{</c>.</param>
/// <param name="Members">Extra members of the class (helper [Differentiable] methods, fields, nested types).</param>
/// <param name="Avoid">Samples to skip (e.g. within 1e-4 of a kink, where finite differences straddle it).</param>
/// <param name="Expect">The IDs of the (warning) diagnostics the analyzer must report on this case; none when null.</param>
public sealed record GradientCase(
    string Name,
    string Parameters,
    string Body,
    Domain[] Domains,
    Func<double[], double> Value,
    Func<double[], double[]> Gradient,
    string ReturnType = "double",
    string Members = "",
    Func<double[], bool>? Avoid = null,
    string[]? Expect = null)
{
    public bool IsFloat => ReturnType == "float";

    /// <summary>Some value passes through float, so results carry float rounding even when the method returns double.</summary>
    public bool UsesFloat => IsFloat || Parameters.Contains("float") || Body.Contains("float") || Body.Contains("MathF");

    public string ToSource()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"public static partial class {Name}");
        sb.AppendLine("{");
        sb.Append("    [Differentiable] public static ").Append(ReturnType).Append(" F(").Append(Parameters).Append(')');
        sb.AppendLine(Body.TrimStart().StartsWith('{') ? Environment.NewLine + "    " + Body.Trim() : " => " + Body + ";");
        if (Members.Length > 0)
        {
            sb.AppendLine(Members);
        }

        sb.AppendLine("}");
        return sb.ToString();
    }

    public override string ToString() => Name;
}

/// <summary>
/// A batch of <see cref="GradientCase"/>s compiled once (lazily, on first use) and checked one by one: at random points
/// of the domain, the generated backward must return the primal's value, match the hand-derived gradient and central
/// finite differences of the compiled primal, and scale linearly with the seed.
/// </summary>
public sealed class GradientSuite
{
    public const int Iterations = 150;

    private readonly Dictionary<string, GradientCase> _cases;
    private readonly Lazy<GeneratorRun> _run;

    public GradientSuite(IEnumerable<GradientCase> cases, string extraSource = "")
    {
        _cases = cases.ToDictionary(c => c.Name);
        var source = new StringBuilder();
        source.AppendLine("using System;");
        source.AppendLine("using AutoDiff;");
        source.AppendLine();
        foreach (var c in _cases.Values)
        {
            source.AppendLine(c.ToSource());
        }

        source.AppendLine(extraSource);
        Source = source.ToString();
        _run = new Lazy<GeneratorRun>(() => GeneratorHarness.Run(Source));
    }

    public string Source { get; }

    public GeneratorRun Run => _run.Value;

    public IEnumerable<string> Names => _cases.Keys;

    public TheoryData<string> TheoryData()
    {
        var data = new TheoryData<string>();
        foreach (var name in _cases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    public GradientCase this[string name] => _cases[name];

    /// <summary>The compiled function of a case (static method <c>F</c> of class <c>name</c>).</summary>
    public DifferentiableFunction Function(string name) => Run.Compiled.Function(name, "F");

    /// <summary>Checks one case at <see cref="Iterations"/> random points.</summary>
    public void Verify(string name, int iterations = Iterations)
    {
        var c = _cases[name];
        AssertDiagnosticsOn(c.Name, c.Expect ?? []);
        var f = Function(name);
        Verify(f, c, iterations);
    }

    /// <summary>Fails unless the analyzer reports exactly these IDs (in any order) on a case's class; valid code gets none.</summary>
    public void AssertDiagnosticsOn(string className, string[] expectedIds)
    {
        var span = Run.InputCompilation.SyntaxTrees.First().GetRoot()
            .DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>()
            .First(t => t.Identifier.Text == className).Span;
        var inCase = Run.AnalyzerDiagnostics.Where(d => span.Contains(d.Location.SourceSpan)).ToList();
        if (!inCase.Select(d => d.Id).OrderBy(id => id).SequenceEqual(expectedIds.OrderBy(id => id)))
        {
            throw new XunitException($"Expected diagnostics [{string.Join(", ", expectedIds)}] on {className}, got:" + Environment.NewLine + GeneratorHarness.Format(inCase));
        }
    }

    /// <summary>The property check itself, usable with any compiled function.</summary>
    public static void Verify(DifferentiableFunction f, GradientCase c, int iterations = Iterations)
    {
        var differentiable = DifferentiableIndices(f);
        Assert.True(differentiable.Length == f.GradientParameters.Length,
            $"{c.Name}: the backward has {f.GradientParameters.Length} gradient parameters, expected {differentiable.Length}: {CompiledAssembly.Describe(f.Backward)}");
        Assert.True(c.Domains.Length == f.Arity, $"{c.Name}: {c.Domains.Length} domains for {f.Arity} parameters");

        // Tolerances: the hand formula is the same math in another order; finite differences carry O(h^2) and eps/h error.
        var (formulaRel, formulaAbs, fdRel, fdAbs) = c.UsesFloat ? (2e-4, 1e-5, 2e-2, 2e-3) : (1e-9, 1e-12, 1e-5, 1e-6);

        Gen<double[]> gen = Gen.Const(Array.Empty<double>());
        foreach (var domain in c.Domains)
        {
            var d = domain;
            gen = gen.SelectMany(prefix => d.Gen.Select(v => prefix.Append(v).ToArray()));
        }

        // Seeds are nonzero quarters in [-3, 3], so that seed times a gradient neither underflows nor loses digits.
        var withSeed = gen.SelectMany(x => Gen.Int[1, 12].SelectMany(k => Gen.Bool.Select(negative => (X: x, Seed: (negative ? -k : k) / 4.0))));
        if (c.Avoid is { } avoid)
        {
            withSeed = withSeed.Where(s => !avoid(s.X));
        }

        withSeed.Sample(sample =>
        {
            var x = c.IsFloat ? sample.X.Select(v => (double)(float)v).ToArray() : sample.X;
            var errors = new List<string>();
            var (value, gradient) = f.ValueAndGradient(x);
            var primal = f.Value(x);
            if (!value.Equals(primal))
            {
                errors.Add($"backward returned {FiniteDifference.R(value)}, the method returns {FiniteDifference.R(primal)}");
            }

            var expectedValue = c.Value(x);
            if (!FiniteDifference.Close(primal, expectedValue, formulaRel, formulaAbs))
            {
                errors.Add($"the method returns {FiniteDifference.R(primal)}, the hand formula {FiniteDifference.R(expectedValue)} (test bug?)");
            }

            errors.Add(FiniteDifference.Compare("gradient vs hand formula", gradient, c.Gradient(x), formulaRel, formulaAbs)!);
            var fd = FiniteDifference.Gradient(f.Value, x, f.Primal.GetParameters().Select(p => c.UsesFloat).ToArray());
            errors.Add(FiniteDifference.Compare("gradient vs central differences", gradient, differentiable.Select(i => fd[i]).ToArray(), fdRel, fdAbs)!);

            var seed = c.IsFloat ? (float)sample.Seed : sample.Seed;
            var (seededValue, seeded) = f.Run(seed, x);
            if (!seededValue.Equals(value))
            {
                errors.Add($"backward with seed {seed} returned {FiniteDifference.R(seededValue)}, with seed 1 {FiniteDifference.R(value)}");
            }

            errors.Add(FiniteDifference.Compare($"backward with seed {seed} vs seed times gradient", seeded,
                gradient.Select(g => seed * g).ToArray(), c.UsesFloat ? 1e-5 : 1e-12, c.UsesFloat ? 1e-5 : 1e-11)!);

            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{c.Name}.F({Print(x)}):" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors));
            }
        }, iter: iterations, threads: 1, print: s => $"x = ({Print(s.X)}), seed = {FiniteDifference.R(s.Seed)}");
    }

    /// <summary>The parameters the contract differentiates: double and float without [NoGrad].</summary>
    public static int[] DifferentiableIndices(DifferentiableFunction f)
        => f.Primal.GetParameters()
            .Select((p, i) => (p, i))
            .Where(t => (t.p.ParameterType == typeof(double) || t.p.ParameterType == typeof(float))
                && !t.p.CustomAttributes.Any(a => a.AttributeType.Name == "NoGradAttribute"))
            .Select(t => t.i)
            .ToArray();

    private static string Print(double[] x) => string.Join(", ", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
