using AutoDiff.Generators.Helpers;

namespace AutoDiff.Generators.Model;

/// <summary>Whether a differentiable type is a class (its <c>Gradient</c> is a class) or a struct (a struct).</summary>
public enum DifferentiableTypeKind
{
    Class,
    Struct,
}

/// <summary>The floating-point type of a parameter's elements, or of a type's flat parameter view.</summary>
public enum FloatingType
{
    Double,
    Float,
}

/// <summary>The shape of one parameter of a differentiable type, and so of its member in <c>T.Gradient</c>.</summary>
public enum DifferentiableParameterKind
{
    /// <summary>A <c>double</c> or <c>float</c>: one component.</summary>
    Scalar,

    /// <summary>A <c>double[]</c> or <c>float[]</c>: its length in components.</summary>
    Array,

    /// <summary>A <c>double[,]</c> or <c>float[,]</c>: its length in components, row-major.</summary>
    Matrix,

    /// <summary>A member of a differentiable type <c>U</c> (class or struct): the components of <c>U</c>.</summary>
    Nested,

    /// <summary>A <c>U[]</c> of a differentiable class <c>U</c> (PyTorch's <c>nn.ModuleList</c>): each element's components, in order.</summary>
    NestedArray,
}

/// <summary>A differentiable type named by a parameter of another one (<see cref="DifferentiableParameterKind.Nested"/> or <see cref="DifferentiableParameterKind.NestedArray"/>).</summary>
/// <param name="FullyQualifiedName">The type as generated code names it, e.g. <c>global::Demo.Linear</c>; its gradient is this followed by <c>.Gradient</c>.</param>
/// <param name="Kind">Class or struct: a class member can be null, a struct member is copied.</param>
/// <param name="SpanElement">The element type of its public flat view (<c>CopyParametersTo</c>, <c>Gradient.CopyTo</c>).</param>
public sealed record DifferentiableTypeRef(string FullyQualifiedName, DifferentiableTypeKind Kind, FloatingType SpanElement)
{
    /// <summary>The gradient type's name in generated code: <c>global::Demo.Linear.Gradient</c>.</summary>
    public string GradientName => FullyQualifiedName + ".Gradient";
}

/// <summary>
/// One parameter of a differentiable type: an instance field or auto-implemented property, not <c>[NoGrad]</c>, of a
/// floating type, array, matrix or differentiable type. Its member in <c>T.Gradient</c> has the same name.
/// </summary>
/// <param name="Name">The member's identifier without <c>@</c> (<c>Weights</c>, <c>_bias</c>, <c>class</c> for <c>@class</c>).</param>
/// <param name="Element">
/// The element type of a scalar, array or matrix; for <see cref="DifferentiableParameterKind.Nested"/> and
/// <see cref="DifferentiableParameterKind.NestedArray"/>, the nested type's <see cref="DifferentiableTypeRef.SpanElement"/>.
/// </param>
/// <param name="IsProperty">An auto-implemented property (a struct member read through it is a copy).</param>
/// <param name="IsNullable">
/// The member is declared nullable (<c>double[]?</c>, <c>Linear?</c>); its gradient member is declared so too. Only
/// for reference types (arrays, matrices, classes); whatever the annotation, a member that is null at run time has a
/// null gradient and no components.
/// </param>
/// <param name="ElementIsNullable">For <see cref="DifferentiableParameterKind.NestedArray"/>: the elements are declared nullable (<c>Linear?[]</c>).</param>
/// <param name="Type">The nested differentiable type, for <see cref="DifferentiableParameterKind.Nested"/> and <see cref="DifferentiableParameterKind.NestedArray"/>; else null.</param>
public sealed record DifferentiableParameter(
    string Name,
    DifferentiableParameterKind Kind,
    FloatingType Element,
    bool IsProperty,
    bool IsNullable,
    bool ElementIsNullable,
    DifferentiableTypeRef? Type)
{
    /// <summary>The member is a reference the generated code tests for null: an array, a matrix, a class or an array of classes.</summary>
    public bool IsReference => Kind != DifferentiableParameterKind.Scalar
        && !(Kind == DifferentiableParameterKind.Nested && Type?.Kind == DifferentiableTypeKind.Struct);
}

/// <summary>
/// A <c>[Differentiable]</c> class or struct as the generator emits it (<see cref="TypeEmitter"/>): where to reopen it,
/// and its parameters in declaration order (the flat order of <c>CopyParametersTo</c>, depth first, arrays row-major).
/// Immutable and equatable end to end (strings, enums, records and <see cref="EquatableArray{T}"/>), with no
/// location, so an edit elsewhere, or one that only moves the type, leaves the pipeline's output cached.
/// </summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Name">The type's name, e.g. <c>Linear</c>.</param>
/// <param name="FullyQualifiedName">The type as generated code names it, e.g. <c>global::Demo.Outer.Linear</c>.</param>
/// <param name="ContainingTypes">The types the type is nested in, outermost first, as partial declarations.</param>
/// <param name="Declaration">The type's own partial declaration without base list, e.g. <c>partial class Linear</c>, <c>readonly partial struct Vec2</c>, <c>partial record Point</c>.</param>
/// <param name="Accessibility">The declared accessibility keyword, e.g. <c>public</c>, <c>internal</c>, <c>private protected</c>.</param>
/// <param name="SpanElement">
/// The element type of the flat view: <see cref="FloatingType.Float"/> when the type has parameters and every one of
/// them is float (nested types included), else <see cref="FloatingType.Double"/>.
/// </param>
public sealed record DifferentiableTypeModel(
    string Namespace,
    string Name,
    string FullyQualifiedName,
    EquatableArray<ContainingType> ContainingTypes,
    string Declaration,
    DifferentiableTypeKind Kind,
    string Accessibility,
    EquatableArray<DifferentiableParameter> Parameters,
    FloatingType SpanElement)
{
    /// <summary>The gradient type's name in generated code: <c>global::Demo.Linear.Gradient</c>.</summary>
    public string GradientName => FullyQualifiedName + ".Gradient";

    /// <summary>The type as a reference to it from another type's parameter.</summary>
    public DifferentiableTypeRef AsReference => new(FullyQualifiedName, Kind, SpanElement);
}

/// <summary>A type parse result: the model (null when the type cannot be generated) and the diagnostics of the type's own declarations.</summary>
/// <remarks>
/// The model is null when the type has an error, and also when a differentiable type it holds has one (that type's
/// diagnostics are reported at that type, not here): the gradient of this one would name a gradient that is not generated.
/// </remarks>
public sealed record TypeParseResult(DifferentiableTypeModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
