using AutoDiff.Generators.Helpers;

namespace AutoDiff.Generators.Model;

/// <summary>
/// A user-written derivative registered with <c>[DerivativeOf]</c>: what a caller's backward method calls in place of
/// the generated or built-in derivative of the target. Equatable, and free of source positions, so that moving the
/// registration in its file does not re-emit its callers.
/// </summary>
/// <param name="TargetId">The documentation comment ID of the target, as in <see cref="CallTarget.Id"/>.</param>
/// <param name="BackwardType">The fully qualified type that declares the derivative, e.g. <c>global::Ns.Rules</c>.</param>
/// <param name="BackwardName">The derivative method's name.</param>
/// <param name="IsStatic">True for a static target (the derivative is static too); an instance target's derivative is an instance method of its type.</param>
/// <param name="Roles">For each of the target's parameters, whether the derivative has a gradient for it.</param>
/// <param name="ParameterNames">The target's parameter names, for messages.</param>
/// <param name="OnlyIn">The type key of the only type that can call the derivative (it is private or protected), or null.</param>
public sealed record CustomDerivative(
    string TargetId,
    string BackwardType,
    string BackwardName,
    bool IsStatic,
    EquatableArray<ParameterRole> Roles,
    EquatableArray<string> ParameterNames,
    string? OnlyIn)
{
    /// <summary>
    /// A registered tangent (<c>[DerivativeOf(..., Tangent = true)]</c>, the forward-mode convention
    /// <c>R FTangent(P1 p1, ..., T1 tangentP1, ..., out R tangent)</c>) rather than a backward; <see cref="BackwardName"/>
    /// then names the tangent method. A target has at most one registration of each kind.
    /// </summary>
    public bool IsTangent { get; init; }

    /// <summary>The target as messages name it, e.g. <c>Math.Cbrt</c>.</summary>
    public string TargetDisplay { get; init; } = "";

    /// <summary>For a backward: the signature a tangent of the same target must have (named after the target), for AUTODIFF041.</summary>
    public string TangentSignature { get; init; } = "";
}

/// <summary>One valid <c>[DerivativeOf]</c> registration, in source or in a referenced assembly.</summary>
/// <param name="Derivative">What callers use.</param>
/// <param name="Display">The derivative method as messages name it, e.g. <c>Rules.CbrtBackward</c>.</param>
/// <param name="TargetDisplay">The target as messages name it, e.g. <c>Math.Cbrt</c>.</param>
/// <param name="Order">Decides which of two registrations of one target counts: source before referenced assemblies, then by file and position.</param>
/// <param name="IsInSource">Declared in this compilation (a duplicate there is AUTODIFF014); otherwise in a referenced assembly.</param>
public sealed record DerivativeRegistration(CustomDerivative Derivative, string Display, string TargetDisplay, string Order, bool IsInSource);

/// <summary>Reading one <c>[DerivativeOf]</c> method: the registration (null when it is invalid) and what is wrong with it.</summary>
public sealed record RegistrationResult(DerivativeRegistration? Registration, EquatableArray<DiagnosticInfo> Diagnostics);
