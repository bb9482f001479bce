using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// The gradient cases of other suites (<see cref="GradientCase"/>), compiled again with every <c>[Differentiable]</c>
/// made <c>[Differentiable(Forward = true)]</c>, and checked in forward mode: at random points and random directions v,
/// the generated <c>FTangent</c> returns the primal's value, its tangent equals <c>gradient · v</c> from the generated
/// <c>FBackward</c> (the same derivative by the other mode: an identity up to rounding), and matches central finite
/// differences of the compiled primal along v.
/// </summary>
public sealed class TangentSuite
{
    public const int Iterations = 100;

    private readonly Dictionary<string, GradientCase> _cases;
    private readonly Lazy<GeneratorRun> _run;

    /// <summary>The cases of gradient suites, each suite's source (its extra source included) a file of its own.</summary>
    public TangentSuite(IEnumerable<GradientSuite> suites)
    {
        var list = suites.ToList();
        _cases = list.SelectMany(s => s.Names.Select(n => s[n])).ToDictionary(c => c.Name);
        Sources = list.Select((s, i) => new SourceFile($"Tangents{i}.cs", Forward(s.Source))).ToArray();
        _run = new Lazy<GeneratorRun>(() => GeneratorHarness.Run(Sources));
    }

    /// <summary>Cases of this suite's own, in one file.</summary>
    public TangentSuite(IEnumerable<GradientCase> cases, string extraSource = "")
    {
        _cases = cases.ToDictionary(c => c.Name);
        var source = new StringBuilder();
        source.AppendLine("using System;");
        source.AppendLine("using AutoDiff;");
        source.AppendLine();
        foreach (var c in _cases.Values)
        {
            source.AppendLine(Forward(c.ToSource()));
        }

        source.AppendLine(extraSource);
        Sources = [new SourceFile("Tangents.cs", source.ToString())];
        _run = new Lazy<GeneratorRun>(() => GeneratorHarness.Run(Sources));
    }

    /// <summary>Every <c>[Differentiable]</c> of a source made <c>[Differentiable(Forward = true)]</c>.</summary>
    public static string Forward(string source) => source.Replace("[Differentiable]", "[Differentiable(Forward = true)]");

    public SourceFile[] Sources { get; }

    public GeneratorRun Run => _run.Value;

    public IEnumerable<string> Names => _cases.Keys;

    public GradientCase this[string name] => _cases[name];

    public TheoryData<string> TheoryData() => new(_cases.Keys);

    /// <summary>The primal, backward and tangent of a static method.</summary>
    public TangentFunction Function(string type, string method = "F") => TangentFunction.Of(Run.Compiled, type, method);

    /// <summary>Checks one case at random points and directions.</summary>
    public void Verify(string name, int iterations = Iterations)
    {
        var c = _cases[name];
        var declaration = Run.InputCompilation.SyntaxTrees.SelectMany(t => t.GetRoot().DescendantNodes())
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>()
            .First(t => t.Identifier.Text == c.Name);
        var inCase = Run.AnalyzerDiagnostics.Where(d => d.Location.SourceTree == declaration.SyntaxTree && declaration.Span.Contains(d.Location.SourceSpan)).ToList();
        Assert.True(inCase.Select(d => d.Id).OrderBy(id => id).SequenceEqual((c.Expect ?? []).OrderBy(id => id)),
            $"Expected diagnostics [{string.Join(", ", c.Expect ?? [])}] on {c.Name}, got:" + Environment.NewLine + GeneratorHarness.Format(inCase));
        Verify(Function(name), c.Domains, c.UsesFloat || Function(name).UsesFloat, c.Avoid, iterations);
    }

    /// <summary>
    /// The property itself, for any compiled function of scalar parameters: tangent = gradient · v (tight), tangent =
    /// central differences along v (loose), value = primal (exact).
    /// </summary>
    public static void Verify(TangentFunction f, Domain[] domains, bool usesFloat, Func<double[], bool>? avoid, int iterations = Iterations)
    {
        Assert.True(domains.Length == f.Arity, $"{domains.Length} domains for {f.Arity} parameters");
        var k = f.Differentiable.Length;
        var (identityRel, identityAbs, fdRel, fdAbs) = usesFloat || f.UsesFloat ? (1e-4, 1e-5, 3e-2, 3e-3) : (1e-10, 1e-12, 1e-5, 1e-6);
        Gen<double[]> points = Gen.Const(Array.Empty<double>());
        foreach (var domain in domains)
        {
            var d = domain;
            points = points.SelectMany(prefix => d.Gen.Select(v => prefix.Append(v).ToArray()));
        }

        var samples = points.SelectMany(x => Gen.Double[-1, 1].Array[k].Select(v => (X: x, V: v)));
        if (avoid is not null)
        {
            samples = samples.Where(s => !avoid(s.X));
        }

        samples.Sample(sample =>
        {
            var x = f.IsFloat ? sample.X.Select(v => (double)(float)v).ToArray() : sample.X;
            var v = f.Differentiable.Select((i, j) => f.IsFloatParameter(i) ? (double)(float)sample.V[j] : sample.V[j]).ToArray();
            var errors = new List<string?>();
            var primal = f.Value(x);
            var (value, tangent) = f.Tangent(x, v);
            if (!value.Equals(primal))
            {
                errors.Add($"the tangent method returned {FiniteDifference.R(value)}, the method returns {FiniteDifference.R(primal)}");
            }

            var gradient = f.Gradient(x);
            var dot = 0.0;
            var scale = 0.0;
            for (var j = 0; j < k; j++)
            {
                dot += gradient[j] * v[j];
                scale += Math.Abs(gradient[j] * v[j]);
            }

            if (!FiniteDifference.Close(tangent, dot, identityRel, identityAbs + identityRel * scale))
            {
                errors.Add($"tangent {FiniteDifference.R(tangent)}, gradient · v {FiniteDifference.R(dot)} (gradient {string.Join(", ", gradient.Select(FiniteDifference.R))})");
            }

            var fd = Directional(f.Value, x, v, f, usesFloat);
            if (!FiniteDifference.Close(tangent, fd, fdRel, fdAbs))
            {
                errors.Add($"tangent {FiniteDifference.R(tangent)}, central differences along v {FiniteDifference.R(fd)}");
            }

            errors.RemoveAll(e => e is null);
            if (errors.Count > 0)
            {
                throw new XunitException($"{f.Name}({Print(x)}) along ({Print(v)}):" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors));
            }
        }, iter: iterations, threads: 1, print: s => $"x = ({Print(s.X)}), v = ({Print(s.V)})");
    }

    /// <summary>(f(x + h v) - f(x - h v)) / 2h, with h rounded so that the steps are exact in each parameter's precision.</summary>
    public static double Directional(Func<double[], double> f, double[] x, double[] v, TangentFunction shape, bool usesFloat)
    {
        var largest = x.Where((_, i) => shape.Differentiable.Contains(i)).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var h = usesFloat ? FiniteDifference.FloatStep(largest) : FiniteDifference.DoubleStep(largest);
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        for (var j = 0; j < shape.Differentiable.Length; j++)
        {
            var i = shape.Differentiable[j];
            plus[i] = shape.IsFloatParameter(i) ? (float)(x[i] + h * v[j]) : x[i] + h * v[j];
            minus[i] = shape.IsFloatParameter(i) ? (float)(x[i] - h * v[j]) : x[i] - h * v[j];
        }

        return (f(plus) - f(minus)) / (2 * h);
    }

    private static string Print(double[] x) => string.Join(", ", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}

/// <summary>
/// A [Differentiable(Forward = true)] method of scalar parameters with its backward and tangent, called with doubles
/// (float, int, bool and enum arguments converted): the value, the gradient (seed 1) and the tangent along v (one
/// entry per differentiable parameter, in parameter order).
/// </summary>
public sealed class TangentFunction
{
    private readonly object? _target;

    private TangentFunction(string name, MethodInfo primal, MethodInfo backward, MethodInfo tangent, object? target)
    {
        Name = name;
        Primal = primal;
        Backward = backward;
        TangentMethod = tangent;
        _target = target;
        var parameters = primal.GetParameters();
        Differentiable = parameters.Select((p, i) => (p, i))
            .Where(t => (t.p.ParameterType == typeof(double) || t.p.ParameterType == typeof(float)) && !t.p.CustomAttributes.Any(a => a.AttributeType.Name == "NoGradAttribute"))
            .Select(t => t.i).ToArray();
        var expected = parameters.Select(p => p.ParameterType)
            .Concat(Differentiable.Select(i => parameters[i].ParameterType))
            .Append(primal.ReturnType.MakeByRefType());
        if (!tangent.GetParameters().Select(p => p.ParameterType).SequenceEqual(expected) || tangent.ReturnType != primal.ReturnType || !tangent.GetParameters()[^1].IsOut)
        {
            throw new XunitException($"{CompiledAssembly.Describe(tangent)} does not follow the tangent convention for {CompiledAssembly.Describe(primal)}.");
        }
    }

    public static TangentFunction Of(CompiledAssembly assembly, string type, string method, object? target = null)
    {
        var function = assembly.Function(type, method, target);
        var hessianVector = assembly.GetType(type).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .SingleOrDefault(m => m.Name == method + "HessianVector");
        return new TangentFunction(type + "." + method, function.Primal, function.Backward, assembly.GetMethod(type, method + "Tangent"), target)
        {
            Function = function,
            HessianVectorMethod = hessianVector,
        };
    }

    public string Name { get; }

    public MethodInfo Primal { get; }

    public MethodInfo Backward { get; }

    public MethodInfo TangentMethod { get; }

    private DifferentiableFunction Function { get; init; } = null!;

    /// <summary>The indices of the parameters that get a tangent input.</summary>
    public int[] Differentiable { get; }

    public int Arity => Primal.GetParameters().Length;

    public bool IsFloat => Primal.ReturnType == typeof(float);

    /// <summary>Some value passes through float (a float result or parameter).</summary>
    public bool UsesFloat => IsFloat || Primal.GetParameters().Any(p => p.ParameterType == typeof(float));

    public bool IsFloatParameter(int index) => Primal.GetParameters()[index].ParameterType == typeof(float);

    public double Value(double[] x) => Function.Value(x);

    public double[] Gradient(double[] x) => Function.Gradient(x);

    /// <summary>The tangent method's value and tangent along <paramref name="v"/>.</summary>
    public (double Value, double Tangent) Tangent(double[] x, double[] v)
    {
        var parameters = Primal.GetParameters();
        var args = new object?[parameters.Length + Differentiable.Length + 1];
        for (var i = 0; i < parameters.Length; i++)
        {
            args[i] = Convert(parameters[i].ParameterType, x[i]);
        }

        for (var j = 0; j < Differentiable.Length; j++)
        {
            args[parameters.Length + j] = Convert(parameters[Differentiable[j]].ParameterType, v[j]);
        }

        var value = ToDouble(CompiledAssembly.Call(TangentMethod, _target, args));
        return (value, ToDouble(args[^1]));
    }

    /// <summary>The Hessian-vector method, or null when the method gets none (it calls other derivatives).</summary>
    public MethodInfo? HessianVectorMethod { get; init; }

    /// <summary>The Hessian-vector method's value, gradient and Hessian times <paramref name="v"/>.</summary>
    public (double Value, double[] Gradient, double[] Product) HessianVector(double[] x, double[] v)
    {
        var method = HessianVectorMethod ?? throw new XunitException($"{Name} has no Hessian-vector method.");
        var parameters = Primal.GetParameters();
        var k = Differentiable.Length;
        var args = new object?[parameters.Length + 3 * k];
        for (var i = 0; i < parameters.Length; i++)
        {
            args[i] = Convert(parameters[i].ParameterType, x[i]);
        }

        for (var j = 0; j < k; j++)
        {
            args[parameters.Length + j] = Convert(parameters[Differentiable[j]].ParameterType, v[j]);
        }

        var value = ToDouble(CompiledAssembly.Call(method, _target, args));
        return (value,
            Enumerable.Range(0, k).Select(j => ToDouble(args[parameters.Length + k + j])).ToArray(),
            Enumerable.Range(0, k).Select(j => ToDouble(args[parameters.Length + 2 * k + j])).ToArray());
    }

    private static object? Convert(Type type, double x)
        => type == typeof(double) ? x
            : type == typeof(float) ? (float)x
            : type == typeof(bool) ? x != 0
            : type.IsEnum ? Enum.ToObject(type, (int)x)
            : System.Convert.ChangeType(x, type, CultureInfo.InvariantCulture);

    private static double ToDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        _ => throw new XunitException($"Expected a double or float, got {value?.GetType().Name ?? "null"}."),
    };
}
