using AutoDiff.Generators.Helpers;

namespace AutoDiff.Generators.Model;

/// <summary>One type that contains the method, outermost first: enough to reopen it as a partial declaration.</summary>
/// <param name="Declaration">The declaration keywords and name, e.g. <c>static partial class Losses</c> or <c>partial struct Layer&lt;T&gt;</c>.</param>
/// <param name="Constraints">Type parameter constraints are not repeated on other parts of a partial type; always empty today.</param>
public sealed record ContainingType(string Declaration, string Name);

/// <summary>A parameter of the [Differentiable] method as the backward method repeats it.</summary>
/// <param name="Declaration">The parameter as declared, e.g. <c>double x</c>, <c>in double y</c>, <c>int n</c>.</param>
/// <param name="GradientName">The gradient parameter's name when <see cref="Role"/> is not Constant.</param>
public sealed record ParameterModel(int VariableId, string Name, string Declaration, TypeRef Type, ParameterRole Role, string GradientName)
{
    /// <summary>
    /// For a parameter member of this (an instance method of a differentiable type): the member's name. It is not in
    /// the signature; its value is read as <c>this.Name</c> and its gradient is <see cref="GradientName"/>
    /// (<c>gradThis.Name</c>), accumulated for a class, assigned for a struct.
    /// </summary>
    public string? Member { get; init; }

    /// <summary>The member belongs to a struct (this, or a struct parameter): its gradient member is assigned (the gradient is <c>out</c>), not added into.</summary>
    public bool MemberOfStruct { get; init; }
}

/// <summary>The backward's gradient of the instance: <c>T.Gradient gradThis</c> (accumulated) for a class, <c>out T.Gradient gradThis</c> for a struct.</summary>
public sealed record ThisGradientModel(string Name, string TypeName, bool IsStruct)
{
    public string Declaration => (IsStruct ? "out " : "") + TypeName + " " + Name;
}

/// <summary>
/// Everything the generator knows about one [Differentiable] method: where to put the backward method, its
/// signature, and the body as source IR. Immutable and equatable end to end (strings, numbers, records and
/// <see cref="EquatableArray{T}"/>), so that the incremental pipeline caches it across edits elsewhere.
/// </summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="TypeKey">A stable key of the containing type (its metadata name), used to group methods into one file per type.</param>
/// <param name="Modifiers">Accessibility and <c>static</c>, e.g. <c>public static</c>.</param>
/// <param name="Variables">Parameters and locals; <see cref="VariableExpr.Id"/> indexes this.</param>
public sealed record MethodModel(
    string Namespace,
    string TypeKey,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    string Modifiers,
    bool IsStatic,
    TypeRef ReturnType,
    EquatableArray<ParameterModel> Parameters,
    EquatableArray<VariableInfo> Variables,
    Block Body,
    string SourceFileName,
    int SourceLine,
    LocationInfo? Location)
{
    /// <summary>For an instance method of a differentiable type, its gradient with respect to the instance; else null.</summary>
    public ThisGradientModel? ThisGradient { get; init; }

    /// <summary>The method's identity in the pipeline: its documentation comment ID (<c>M:Ns.T.F(System.Double)</c>).</summary>
    public string Id { get; init; } = "";

    /// <summary>The <see cref="CallTarget.Id"/> of every call that a [DerivativeOf] registration could give a derivative, sorted.</summary>
    public EquatableArray<string> CallTargets { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// The <see cref="Id"/> of every [Differentiable] method this one calls, sorted: the backward calls their generated
    /// backward methods (unless a registration replaces one), so it is generated only when they are.
    /// </summary>
    public EquatableArray<string> DifferentiableCallees { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The registered derivatives of this method's callees (the pipeline attaches them after parsing), sorted by target.</summary>
    public EquatableArray<CustomDerivative> Derivatives { get; init; } = EquatableArray<CustomDerivative>.Empty;

    /// <summary>
    /// <c>[Differentiable(Forward = true)]</c>: the method also gets its forward-mode derivative, <c>MTangent</c>
    /// (<see cref="DifferentiableGenerator.ForwardMode"/>), and, where it qualifies, <c>MHessianVector</c>.
    /// </summary>
    public bool Forward { get; init; }

    /// <summary>The backward method's name: the method's name followed by <c>Backward</c>.</summary>
    public string BackwardName => BackwardConvention.BackwardName(Name);
}

/// <summary>A parse result: the model (null when the method cannot be generated) and the diagnostics found on the way.</summary>
public sealed record ParseResult(MethodModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>
    /// For a method with errors (no <see cref="Model"/>): the model of what could be read, for the analyzer to report
    /// the errors that later stages find (every error of a method in one build); never emitted.
    /// </summary>
    public MethodModel? PartialModel { get; init; }
}
