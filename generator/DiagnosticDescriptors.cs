using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace AutoDiff.Generators;

/// <summary>
/// Every diagnostic the generator and its analyzer report, in one place. IDs are stable: they are part of the
/// public contract (<c>API.md</c>), documented under <c>docs/diagnostics/</c> and tracked in AnalyzerReleases.*.md.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Category = "AutoDiff";
    private const string HelpLinkBase = "https://github.com/autodiff-generators/AutoDiff.Generators/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");

    /// <summary>AUTODIFF001: a call to a method that is neither [Differentiable] nor has a derivative rule.</summary>
    public static readonly DiagnosticDescriptor NonDifferentiableCall = Create(
        "AUTODIFF001",
        "Call to a method that has no derivative",
        "'{0}' has no derivative: {1}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF002: a language construct the generator does not differentiate.</summary>
    public static readonly DiagnosticDescriptor UnsupportedConstruct = Create(
        "AUTODIFF002",
        "Construct not supported in a [Differentiable] method",
        "{0} is not supported in a [Differentiable] method: {1}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF003: the [Differentiable] method's type, or a type that contains it, is not partial.</summary>
    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        "AUTODIFF003",
        "Type of a [Differentiable] method must be partial",
        "Type '{0}' must be declared partial so that the backward method of '{1}' can be generated into it",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF004: the return type is neither double nor float.</summary>
    public static readonly DiagnosticDescriptor InvalidReturnType = Create(
        "AUTODIFF004",
        "[Differentiable] method must return double or float",
        "[Differentiable] method '{0}' returns '{1}'; it must return double or float (a scalar loss or output)",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF005: a ref or out parameter.</summary>
    public static readonly DiagnosticDescriptor InvalidParameterModifier = Create(
        "AUTODIFF005",
        "ref and out parameters are not supported",
        "Parameter '{0}' is '{1}'; a [Differentiable] method takes its inputs by value, so return the result instead",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF006: the result depends on no differentiable parameter, so the gradient is always zero.</summary>
    public static readonly DiagnosticDescriptor ResultNotDifferentiable = Create(
        "AUTODIFF006",
        "Result does not depend on any differentiable parameter",
        "The result of '{0}' does not depend on any differentiable parameter, so its gradient is always zero; remove [Differentiable] or check which parameters are [NoGrad]",
        DiagnosticSeverity.Warning);

    /// <summary>AUTODIFF007: an operation whose derivative is zero almost everywhere stops the gradient.</summary>
    public static readonly DiagnosticDescriptor GradientStops = Create(
        "AUTODIFF007",
        "Gradient stops at an operation that is piecewise constant",
        "{0} is piecewise constant, so no gradient flows through it; if that is intended, suppress this warning",
        DiagnosticSeverity.Warning);

    /// <summary>AUTODIFF008: the generator's own backward method name is already taken.</summary>
    public static readonly DiagnosticDescriptor BackwardNameTaken = Create(
        "AUTODIFF008",
        "Backward method name is already in use",
        "Type '{0}' already declares '{1}' with the signature of the backward method of '{2}'; rename one of them",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF009: the method has no body the generator can read (abstract, extern, partial definition, interface).</summary>
    public static readonly DiagnosticDescriptor NoBody = Create(
        "AUTODIFF009",
        "[Differentiable] method has no body",
        "[Differentiable] method '{0}' has no body to differentiate; put the attribute on a method with a body, or use [DerivativeOf] to supply its derivative",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF010: a value that carries a gradient is passed to a [NoGrad] parameter of a [Differentiable] callee.</summary>
    public static readonly DiagnosticDescriptor GradientIntoNoGradParameter = Create(
        "AUTODIFF010",
        "Gradient stops at a [NoGrad] parameter",
        "A value that depends on a differentiable parameter is passed to the [NoGrad] parameter '{1}' of '{0}', so no gradient flows back through that argument; if that is intended, suppress this warning",
        DiagnosticSeverity.Warning);

    /// <summary>AUTODIFF011: the target named by [DerivativeOf] does not exist.</summary>
    public static readonly DiagnosticDescriptor DerivativeTargetNotFound = Create(
        "AUTODIFF011",
        "Target of [DerivativeOf] not found",
        "[DerivativeOf] names no method: '{0}' has no method named '{1}'; name a method of that type, e.g. with nameof({0}.Method)",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF012: the target has overloads, and the derivative's leading parameters select none, or more than one.</summary>
    public static readonly DiagnosticDescriptor DerivativeTargetAmbiguous = Create(
        "AUTODIFF012",
        "Target of [DerivativeOf] is ambiguous among overloads",
        "[DerivativeOf] cannot pick an overload of '{0}': {1}. The derivative's leading parameters (those before seed) select the overload with the same parameter types; write the signature of the one you mean: {2}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF013: the [DerivativeOf] method's signature does not follow the backward convention for its target.</summary>
    public static readonly DiagnosticDescriptor DerivativeSignatureMismatch = Create(
        "AUTODIFF013",
        "[DerivativeOf] method does not follow the backward convention",
        "'{0}' cannot be the derivative of '{1}': {2}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF014: a second derivative registered for a method that already has one.</summary>
    public static readonly DiagnosticDescriptor DuplicateDerivative = Create(
        "AUTODIFF014",
        "Two derivatives registered for one method",
        "'{1}' already has a registered derivative, '{2}', so '{0}' is not used; remove one of the two [DerivativeOf] attributes",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF015: a registration replaces the built-in rule or the generated backward of its target.</summary>
    public static readonly DiagnosticDescriptor DerivativeShadowsBuiltIn = Create(
        "AUTODIFF015",
        "Registered derivative replaces a built-in or generated derivative",
        "'{0}' replaces the {2} derivative of '{1}' in every [Differentiable] method that calls it; if that is intended, suppress this warning",
        DiagnosticSeverity.Warning);

    /// <summary>AUTODIFF016: the [DerivativeOf] method only throws (a template still to be filled in).</summary>
    public static readonly DiagnosticDescriptor DerivativeNotImplemented = Create(
        "AUTODIFF016",
        "Registered derivative is not implemented",
        "'{0}' only throws: complete the derivative of '{1}': return its value and set each gradient to seed times the partial derivative of the result with respect to that parameter (add it into a Span gradient)",
        DiagnosticSeverity.Error);

    /// <summary>
    /// AUTODIFF030: a call of a [Differentiable] method that has errors (directly or through its own callees): it gets no
    /// backward method, so neither does the caller. Reported when the whole compilation has been analysed.
    /// </summary>
    public static readonly DiagnosticDescriptor CalleeHasErrors = new(
        "AUTODIFF030",
        "Called [Differentiable] method has errors",
        "'{0}' has errors, so it gets no backward method, and neither does '{1}', which calls it here: fix the errors of '{0}' first",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "AUTODIFF030.md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);
    /// <summary>AUTODIFF017: a [Differentiable] type, or a type that contains it, is not partial.</summary>
    public static readonly DiagnosticDescriptor DifferentiableTypeNotPartial = Create(
        "AUTODIFF017",
        "Differentiable type must be partial",
        "Type '{0}' must be declared partial so that the gradient type and the parameter members of differentiable type '{1}' can be generated into it",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF018: a member of a differentiable type holds floating-point data in a type that is not a parameter type, and is not [NoGrad].</summary>
    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "AUTODIFF018",
        "Member of a differentiable type cannot be a parameter",
        "'{0}' of type '{1}' cannot be a parameter of differentiable type '{2}': {3}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF019: a settable property with accessor bodies, of a type that holds floating-point data, in a differentiable type.</summary>
    public static readonly DiagnosticDescriptor PropertyWithLogic = Create(
        "AUTODIFF019",
        "Settable property with accessor bodies in a differentiable type",
        "Property '{0}' of type '{1}' has accessor bodies, so it holds no value of its own and is not a parameter of differentiable type '{2}': make it an auto-implemented property to make it a parameter, or mark it [NoGrad] (the fields it reads and writes are parameters in their own right)",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF020: a differentiable type holds itself through its differentiable members.</summary>
    public static readonly DiagnosticDescriptor DifferentiableTypeCycle = Create(
        "AUTODIFF020",
        "Differentiable type contains itself",
        "'{0}' of type '{1}' makes differentiable type '{2}' contain itself ({3}), so its gradient and its flat parameter view would never end; mark a member of the cycle [NoGrad]",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF021: a differentiable struct has an array, a matrix or a differentiable class among its parameters.</summary>
    public static readonly DiagnosticDescriptor ReferenceInDifferentiableStruct = Create(
        "AUTODIFF021",
        "Differentiable struct holds an array or a class",
        "'{0}' of type '{1}' cannot be a parameter of differentiable struct '{2}': a differentiable struct holds only double, float and differentiable struct members, so that a copy of it is a copy of its parameters; make '{2}' a class, or mark the member [NoGrad]",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF022: a differentiable type declares (or inherits) a member with a name the generated code needs.</summary>
    public static readonly DiagnosticDescriptor GeneratedNameTaken = Create(
        "AUTODIFF022",
        "Name used by the generated members of a differentiable type",
        "The name '{0}' in differentiable type '{1}' is taken by the generated code, for {2}; rename it",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF023: a scalar or struct parameter of a differentiable type that SetParameters cannot assign.</summary>
    public static readonly DiagnosticDescriptor ReadOnlyParameter = Create(
        "AUTODIFF023",
        "Parameter of a differentiable type cannot be set",
        "'{0}' is a parameter of differentiable type '{1}' but {2}, so SetParameters cannot write it: {3}, or mark it [NoGrad] if it is a constant",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF024: [Differentiable] on a class or struct that cannot be a differentiable type (generic, static, ref struct, derived from one that holds data).</summary>
    public static readonly DiagnosticDescriptor UnsupportedDifferentiableType = Create(
        "AUTODIFF024",
        "Type cannot be a differentiable type",
        "'{0}' cannot be a differentiable type: {1}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF040: a Forward = true method calls a [Differentiable] method that is not Forward = true, where the tangent flows through the call.</summary>
    public static readonly DiagnosticDescriptor CalleeWithoutTangent = Create(
        "AUTODIFF040",
        "Called [Differentiable] method has no tangent method",
        "'{0}' has no tangent method, so the tangent of '{1}' cannot follow this call: mark '{0}' [Differentiable(Forward = true)]",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF041: a Forward = true method calls a method whose registered derivative has no registered tangent.</summary>
    public static readonly DiagnosticDescriptor RegisteredDerivativeWithoutTangent = Create(
        "AUTODIFF041",
        "Called method has a registered derivative but no registered tangent",
        "'{0}' has a registered backward method but no matching registered tangent method, so the tangent of '{1}' cannot follow this call: register one with [DerivativeOf(..., Tangent = true)] and the signature '{2}'",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF042: Forward = true on a method the forward mode does not support yet (an instance method of a differentiable type, a differentiable class parameter).</summary>
    public static readonly DiagnosticDescriptor ForwardNotSupported = Create(
        "AUTODIFF042",
        "Forward mode is not supported for this method yet",
        "Forward = true is not supported yet for {0}: {1}",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF043: the name of the generated tangent or Hessian-vector method is already taken.</summary>
    public static readonly DiagnosticDescriptor TangentNameTaken = Create(
        "AUTODIFF043",
        "Tangent method name is already in use",
        "Type '{0}' already has a method '{1}' with the parameters of the {2} of '{3}'; rename one of them, or remove Forward = true",
        DiagnosticSeverity.Error);

    /// <summary>AUTODIFF900: the generator failed internally; it emits nothing for the method instead of crashing the build.</summary>
    public static readonly DiagnosticDescriptor InternalError = Create(
        "AUTODIFF900",
        "AutoDiff generator internal error",
        "The AutoDiff generator failed on '{0}': {1}. Please report this with the method's source.",
        DiagnosticSeverity.Error);

    /// <summary>Every descriptor, for the analyzer's SupportedDiagnostics.</summary>
    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        NonDifferentiableCall, UnsupportedConstruct, TypeNotPartial, InvalidReturnType, InvalidParameterModifier,
        ResultNotDifferentiable, GradientStops, BackwardNameTaken, NoBody, GradientIntoNoGradParameter,
        DerivativeTargetNotFound, DerivativeTargetAmbiguous, DerivativeSignatureMismatch, DuplicateDerivative, DerivativeShadowsBuiltIn,
        DerivativeNotImplemented, DifferentiableTypeNotPartial, UnsupportedMemberType, PropertyWithLogic, DifferentiableTypeCycle,
        ReferenceInDifferentiableStruct, GeneratedNameTaken, ReadOnlyParameter, UnsupportedDifferentiableType, CalleeHasErrors,
        CalleeWithoutTangent, RegisteredDerivativeWithoutTangent, ForwardNotSupported, TangentNameTaken, InternalError);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = All.ToDictionary(d => d.Id);

    /// <summary>Looks a descriptor up by its ID (diagnostics travel through the pipeline as IDs).</summary>
    public static DiagnosticDescriptor ById(string id) => s_byId[id];
}
