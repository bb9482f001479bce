using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

/// <summary>
/// The backward convention of API.md in one place: for <c>R M(P1 p1, ..., Pn pn)</c>,
/// <c>R MBackward(P1 p1, ..., Pn pn, R seed, G1 gradP1, ...)</c> with one gradient per differentiable parameter, in
/// parameter order: <c>out R</c>-typed for a scalar, <c>Span&lt;T&gt;</c> (added into) for an array or span. The
/// emitter writes it, the parser checks that no user method takes its place, <c>[DerivativeOf]</c> validates
/// user-written derivatives against it, and the code fix writes their signature from it.
/// </summary>
internal static class BackwardConvention
{
    /// <summary>What follows the method's name in its backward's name.</summary>
    public const string Suffix = "Backward";

    /// <summary>The preferred name of the seed parameter (another when a parameter already has it).</summary>
    public const string Seed = "seed";

    /// <summary><c>F</c> -> <c>FBackward</c>.</summary>
    public static string BackwardName(string methodName) => methodName + Suffix;

    /// <summary>The gradient parameter of a parameter: <c>grad</c> and its name in PascalCase, made unique among <paramref name="taken"/>.</summary>
    public static string GradientName(string parameterName, NameAllocator taken)
    {
        // A parameter being typed has no name yet (F(double x, int )): it still gets a name, and the compiler reports it.
        var bare = NameAllocator.Bare(parameterName);
        return taken.Take(bare.Length == 0 ? "grad" : "grad" + char.ToUpperInvariant(bare[0]) + bare.Substring(1));
    }

    /// <summary>The seed's name among the method's parameters.</summary>
    public static string SeedName(NameAllocator taken) => taken.Take(Seed);

    /// <summary>How many parameters a backward has: the method's own, the seed, one gradient per differentiable parameter.</summary>
    public static int ParameterCount(int parameters, int differentiable) => parameters + 1 + differentiable;

    /// <summary>The declaration of a gradient parameter: <c>out double gradX</c>, <c>global::System.Span&lt;double&gt; gradX</c>.</summary>
    /// <param name="parameterType">The parameter's type as printed (the scalar type for <see cref="ParameterRole.Scalar"/>).</param>
    /// <param name="elementType">The element type of an array or span parameter, as printed.</param>
    public static string GradientDeclaration(ParameterRole role, string parameterType, string elementType, string name, bool qualified = true)
        => role switch
        {
            ParameterRole.Span when parameterType.EndsWith("[,]", System.StringComparison.Ordinal) => $"{parameterType} {name}", // a matrix: same shape
            ParameterRole.Span => $"{(qualified ? "global::System." : "")}Span<{elementType}> {name}",
            ParameterRole.Object => $"{parameterType}.Gradient {name}", // a differentiable class: its gradient, added into
            ParameterRole.Struct => $"out {parameterType}.Gradient {name}", // a differentiable struct: its gradient, assigned
            _ => $"out {parameterType} {name}",
        };

    // ---- Forward mode (API.md, "Forward mode") ---------------------------------------------------------------------

    /// <summary>What follows the method's name in its tangent's name.</summary>
    public const string TangentSuffix = "Tangent";

    /// <summary>What follows the method's name in its Hessian-vector product's name.</summary>
    public const string HessianVectorSuffix = "HessianVector";

    /// <summary>The preferred name of the tangent's <c>out</c> result (another when a parameter already has it).</summary>
    public const string TangentOutput = "tangent";

    /// <summary><c>F</c> -> <c>FTangent</c>.</summary>
    public static string TangentName(string methodName) => methodName + TangentSuffix;

    /// <summary><c>F</c> -> <c>FHessianVector</c>.</summary>
    public static string HessianVectorName(string methodName) => methodName + HessianVectorSuffix;

    /// <summary>The tangent input of a parameter: <c>tangent</c> and its name in PascalCase, made unique among <paramref name="taken"/>.</summary>
    public static string TangentInputName(string parameterName, NameAllocator taken) => taken.Take(Prefixed("tangent", parameterName));

    /// <summary>The Hessian-vector output of a parameter: <c>hv</c> and its name in PascalCase, made unique among <paramref name="taken"/>.</summary>
    public static string HessianVectorOutputName(string parameterName, NameAllocator taken) => taken.Take(Prefixed("hv", parameterName));

    private static string Prefixed(string prefix, string parameterName)
    {
        var bare = NameAllocator.Bare(parameterName);
        return bare.Length == 0 ? prefix : prefix + char.ToUpperInvariant(bare[0]) + bare.Substring(1);
    }

    /// <summary>How many parameters a tangent method has: the method's own, one tangent per differentiable parameter, the <c>out</c> tangent.</summary>
    public static int TangentParameterCount(int parameters, int differentiable) => parameters + differentiable + 1;

    /// <summary>How many parameters a Hessian-vector method has: the method's own, then a tangent, a gradient and a product per differentiable parameter.</summary>
    public static int HessianVectorParameterCount(int parameters, int differentiable) => parameters + 3 * differentiable;

    /// <summary>The declaration of a tangent input: <c>double tangentX</c>, <c>global::System.ReadOnlySpan&lt;double&gt; tangentX</c>.</summary>
    public static string TangentDeclaration(ParameterRole role, string parameterType, string elementType, string name, bool qualified = true)
        => role == ParameterRole.Span ? $"{(qualified ? "global::System." : "")}ReadOnlySpan<{elementType}> {name}" : $"{parameterType} {name}";

    /// <summary>The declaration of a Hessian-vector output: <c>out double hvX</c>, <c>global::System.Span&lt;double&gt; hvX</c> (added into).</summary>
    public static string HessianVectorDeclaration(ParameterRole role, string parameterType, string elementType, string name, bool qualified = true)
        => GradientDeclaration(role, parameterType, elementType, name, qualified);

    /// <summary>
    /// The names of a method's forward-mode parameters, from its parameters' names alone (as the gradients' are), so that
    /// they never change with its body: per parameter its tangent input (<see cref="TangentInputName"/>) and its
    /// Hessian-vector output (<see cref="HessianVectorOutputName"/>), and the <c>out</c> tangent. Each family avoids
    /// the parameters' names and its own; the prefixes keep the families apart from each other and from the gradients.
    /// </summary>
    public static ForwardNames ForwardNamesOf(IReadOnlyList<string> parameterNames)
    {
        var tangents = new NameAllocator(parameterNames);
        var inputs = parameterNames.Select(p => TangentInputName(p, tangents)).ToArray();
        var output = tangents.Take(TangentOutput);
        var products = new NameAllocator(parameterNames.Concat(inputs).Append(output));
        var hv = parameterNames.Select(p => HessianVectorOutputName(p, products)).ToArray();
        return new ForwardNames(inputs, output, hv);
    }

    /// <summary>The forward-mode names of a method's own parameters (not the members of this an instance method reads).</summary>
    public static ForwardNames ForwardNamesOf(IEnumerable<ParameterModel> parameters)
        => ForwardNamesOf(parameters.Where(p => p.Member is null).Select(p => p.Name).ToList());
}

/// <summary>The forward-mode parameter names of one method, by parameter index (<see cref="BackwardConvention.ForwardNamesOf(IReadOnlyList{string})"/>).</summary>
internal sealed record ForwardNames(string[] TangentInputs, string TangentOutput, string[] HessianVectorOutputs)
{
    /// <summary>Every name, for reserving them in the generated methods.</summary>
    public IEnumerable<string> All => TangentInputs.Append(TangentOutput).Concat(HessianVectorOutputs);
}
