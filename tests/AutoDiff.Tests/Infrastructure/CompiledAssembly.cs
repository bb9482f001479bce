using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>
/// The output compilation of a <see cref="GeneratorRun"/>, emitted in memory and loaded into a collectible
/// <see cref="AssemblyLoadContext"/>. The AutoDiff runtime resolves from the test's own load context.
/// </summary>
/// <remarks>
/// Tests batch many types into one compilation, so one generator bug must not fail them all: when the output does
/// not compile because of errors in some generated files, those files are left out and the rest is emitted. A test
/// that asks for a method of a left-out type then fails with that file's errors (<see cref="GetType(string)"/>).
/// </remarks>
public sealed class CompiledAssembly
{
    private readonly GeneratorRun _run;
    private readonly ImmutableArray<GeneratedFile> _excluded;

    private CompiledAssembly(GeneratorRun run, Assembly assembly, ImmutableArray<GeneratedFile> excluded)
    {
        _run = run;
        Assembly = assembly;
        _excluded = excluded;
    }

    public Assembly Assembly { get; }

    internal static CompiledAssembly? TryEmit(GeneratorRun run)
    {
        var compilation = run.OutputCompilation;
        var excluded = ImmutableArray<GeneratedFile>.Empty;
        for (var attempt = 0; attempt < 6; attempt++)
        {
            using var pe = new MemoryStream();
            var result = compilation.Emit(pe);
            if (result.Success)
            {
                var context = new AssemblyLoadContext("AutoDiff.Tests." + compilation.AssemblyName, isCollectible: true);
                pe.Position = 0;
                return new CompiledAssembly(run, context.LoadFromStream(pe), excluded);
            }

            // Leave out the generated files that have errors, and try again (others may call into them: a few rounds).
            var bad = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => d.Location.SourceTree).Where(run.IsGenerated).Distinct().ToList();
            if (bad.Count == 0)
            {
                return null;
            }

            excluded = excluded.AddRange(run.GeneratedSources.Where(s => bad.Contains(s.SyntaxTree)));
            compilation = compilation.RemoveSyntaxTrees(bad!);
        }

        return null;
    }

    /// <summary>
    /// A type of the compiled assembly by its full metadata name (<c>Ns.Outer+Inner</c>; a dot between nested types is
    /// accepted). Fails when the type's generated file did not compile or has warnings.
    /// </summary>
    public Type GetType(string name)
    {
        var type = Assembly.GetType(name) ?? FindNested(name)
            ?? throw new XunitException($"Type '{name}' is not in the compiled assembly.");
        var file = _run.FindGeneratedFile(type.FullName!.Replace('+', '.'));
        if (file is not null && _excluded.Contains(file))
        {
            throw new XunitException($"The generated file {file.HintName} does not compile (or calls into one that does not):" + Environment.NewLine
                + GeneratorHarness.Format(_run.CompilerDiagnostics.Where(d => d.Location.SourceTree == file.SyntaxTree)) + Listing(file));
        }

        if (file is not null && _run.CompilerDiagnostics.Any(d => d.Location.SourceTree == file.SyntaxTree && d.Severity >= DiagnosticSeverity.Warning))
        {
            throw new XunitException($"The generated file {file.HintName} has compiler warnings (TreatWarningsAsErrors):" + Environment.NewLine
                + GeneratorHarness.Format(_run.CompilerDiagnostics.Where(d => d.Location.SourceTree == file.SyntaxTree)) + Listing(file));
        }

        return type;
    }

    /// <summary>
    /// The methods named <paramref name="name"/> of a type; with <paramref name="parameterTypes"/> the overload with exactly
    /// those parameter types (for a backward method: only its leading, primal parameters are compared).
    /// </summary>
    public MethodInfo GetMethod(string typeName, string name, params Type[] parameterTypes)
    {
        var type = GetType(typeName);
        var candidates = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == name)
            .Where(m => parameterTypes.Length == 0
                || (name.EndsWith("Backward", StringComparison.Ordinal)
                    ? m.GetParameters().Select(p => p.ParameterType).Take(parameterTypes.Length).SequenceEqual(parameterTypes)
                    : m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameterTypes)))
            .ToList();
        if (name.EndsWith("Backward", StringComparison.Ordinal) && parameterTypes.Length > 0)
        {
            // The primal parameters are followed by the seed, whose type is the return type, and then only gradients
            // (out scalars or spans): that tells F(double)'s backward from F(double, double)'s.
            candidates = candidates.Where(m => m.GetParameters().Length > parameterTypes.Length
                && m.GetParameters()[parameterTypes.Length].ParameterType == m.ReturnType
                && m.GetParameters().Skip(parameterTypes.Length + 1).All(p => p.ParameterType.IsByRef || p.ParameterType.Name.StartsWith("Span", StringComparison.Ordinal))).ToList();
        }

        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new XunitException($"'{typeName}' has no method '{name}'{Signature(parameterTypes)}." + Environment.NewLine
                + "It has: " + string.Join(", ", type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(Describe))
                + Environment.NewLine + _run.Describe()),
            _ => throw new XunitException($"'{typeName}.{name}' is ambiguous: " + string.Join(", ", candidates.Select(Describe))),
        };
    }

    /// <summary>Invokes a static method by name (the first overload by that name when not ambiguous).</summary>
    public object? Invoke(string typeName, string name, params object?[] args)
    {
        var method = GetMethod(typeName, name);
        return Call(method, null, args);
    }

    /// <summary>A static method as a typed delegate, e.g. <c>Delegate&lt;Func&lt;double, double&gt;&gt;("C", "F")</c>.</summary>
    public T Delegate<T>(string typeName, string name, params Type[] parameterTypes)
        where T : Delegate
        => GetMethod(typeName, name, parameterTypes).CreateDelegate<T>();

    /// <summary>A new instance of a type, through its constructor that takes these arguments.</summary>
    public object Create(string typeName, params object?[] args)
        => Activator.CreateInstance(GetType(typeName), args)!;

    /// <summary>
    /// The primal and backward of a [Differentiable] method, called with doubles whatever its parameter types
    /// (float, int, bool and enum arguments are converted). <paramref name="parameterTypes"/> picks an overload.
    /// </summary>
    public DifferentiableFunction Function(string typeName, string name, object? target = null, params Type[] parameterTypes)
        => new(GetMethod(typeName, name, parameterTypes), GetMethod(typeName, name + "Backward", parameterTypes), target);

    /// <summary>Short for <see cref="Function"/> on a static method of scalar parameters: <c>Compiled.Scalar("C", "F")</c>.</summary>
    public DifferentiableFunction Scalar(string typeName, string name) => Function(typeName, name);

    internal static object? Call(MethodInfo method, object? target, object?[] args)
    {
        try
        {
            return method.Invoke(target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    internal static string Describe(MethodInfo m)
        => $"{m.ReturnType.Name} {m.Name}({string.Join(", ", m.GetParameters().Select(p => (p.IsOut ? "out " : "") + p.ParameterType.Name.TrimEnd('&') + " " + p.Name))})";

    private static string Signature(Type[] types) => types.Length == 0 ? "" : "(" + string.Join(", ", types.Select(t => t.Name)) + ")";

    private Type? FindNested(string name)
    {
        // "Ns.Outer.Inner": try "Ns.Outer+Inner", then "Ns+Outer+Inner"; the caller can pass '+' to be exact.
        var parts = name.Split('.');
        for (var i = parts.Length - 1; i > 0; i--)
        {
            var candidate = string.Join(".", parts.Take(i)) + "+" + string.Join("+", parts.Skip(i));
            if (Assembly.GetType(candidate) is { } type)
            {
                return type;
            }
        }

        return null;
    }

    private static string Listing(GeneratedFile file)
    {
        var sb = new StringBuilder();
        var lines = file.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            sb.Append((i + 1).ToString().PadLeft(4)).Append(": ").AppendLine(lines[i].TrimEnd('\r'));
        }

        return sb.ToString();
    }
}

/// <summary>
/// A [Differentiable] method and its generated backward, called with doubles. Arguments are converted to the method's
/// parameter types (float, int, bool, enum); the value and gradients come back as doubles, one gradient per
/// differentiable parameter in parameter order.
/// </summary>
public sealed class DifferentiableFunction
{
    private readonly object? _target;

    public DifferentiableFunction(MethodInfo primal, MethodInfo backward, object? target)
    {
        Primal = primal;
        Backward = backward;
        _target = target;
        var n = primal.GetParameters().Length;
        var backwardParameters = backward.GetParameters();
        if (backwardParameters.Length < n + 1)
        {
            throw new XunitException($"{CompiledAssembly.Describe(backward)} is not a backward method of {CompiledAssembly.Describe(primal)}.");
        }

        GradientParameters = backwardParameters.Skip(n + 1).ToImmutableArray();
        if (GradientParameters.Any(p => !p.IsOut))
        {
            throw new XunitException($"Every parameter after seed must be out for a scalar function: {CompiledAssembly.Describe(backward)}");
        }
    }

    public MethodInfo Primal { get; }

    public MethodInfo Backward { get; }

    /// <summary>The backward method's gradient parameters (those after <c>seed</c>).</summary>
    public ImmutableArray<ParameterInfo> GradientParameters { get; }

    public int Arity => Primal.GetParameters().Length;

    /// <summary>The primal value.</summary>
    public double Value(params double[] x) => ToDouble(CompiledAssembly.Call(Primal, _target, Convert(Primal.GetParameters(), x)));

    /// <summary>The backward method's value and gradients with seed 1.</summary>
    public (double Value, double[] Gradient) ValueAndGradient(params double[] x) => Run(1.0, x);

    /// <summary>The gradient with seed 1.</summary>
    public double[] Gradient(params double[] x) => Run(1.0, x).Gradient;

    /// <summary>The backward method with an arbitrary seed.</summary>
    public (double Value, double[] Gradient) Run(double seed, params double[] x)
    {
        var primalParameters = Primal.GetParameters();
        var args = new object?[primalParameters.Length + 1 + GradientParameters.Length];
        Convert(primalParameters, x).CopyTo(args, 0);
        args[primalParameters.Length] = Primal.ReturnType == typeof(float) ? (object)(float)seed : seed;
        var value = ToDouble(CompiledAssembly.Call(Backward, _target, args));
        var gradient = args.Skip(primalParameters.Length + 1).Select(ToDouble).ToArray();
        return (value, gradient);
    }

    private static object?[] Convert(ParameterInfo[] parameters, double[] x)
    {
        if (x.Length != parameters.Length)
        {
            throw new XunitException($"Expected {parameters.Length} arguments, got {x.Length}.");
        }

        var args = new object?[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var type = parameters[i].ParameterType;
            args[i] = type == typeof(double) ? x[i]
                : type == typeof(float) ? (float)x[i]
                : type == typeof(bool) ? x[i] != 0
                : type.IsEnum ? Enum.ToObject(type, (int)x[i])
                : System.Convert.ChangeType(x[i], type, System.Globalization.CultureInfo.InvariantCulture);
        }

        return args;
    }

    private static double ToDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        _ => throw new XunitException($"Expected a double or float, got {value?.GetType().Name ?? "null"}."),
    };
}
