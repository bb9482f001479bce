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
}
