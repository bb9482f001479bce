using System;

namespace AutoDiff;

/// <summary>
/// Registers a user-written backward method as the derivative of another method, including methods of other
/// assemblies that the generator cannot see into (the counterpart of <c>torch.autograd.Function.backward</c>).
/// </summary>
/// <remarks>
/// The backward method follows the generated convention: the target's parameters, then <c>seed</c>, then one
/// gradient parameter per differentiable parameter, and it returns the target's value. Where the target has
/// overloads, the one whose parameter types equal the leading parameters of this method is chosen.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DerivativeOfAttribute : Attribute
{
    /// <summary>Registers the derivative of <paramref name="methodName"/>, a method of the type that declares this method.</summary>
    public DerivativeOfAttribute(string methodName)
    {
        MethodName = methodName;
    }

    /// <summary>Registers the derivative of <paramref name="methodName"/>, a method of <paramref name="declaringType"/>.</summary>
    public DerivativeOfAttribute(Type declaringType, string methodName)
    {
        DeclaringType = declaringType;
        MethodName = methodName;
    }

    /// <summary>The type that declares the target, or <see langword="null"/> for the type that declares this method.</summary>
    public Type? DeclaringType { get; }

    /// <summary>The name of the target method.</summary>
    public string MethodName { get; }

    /// <summary>
    /// Registers a forward-mode derivative (a tangent) instead of a backward method, for the tangents of
    /// <c>[Differentiable(Forward = true)]</c> methods that call the target. It follows the generated tangent convention:
    /// <c>R FTangent(P1 p1, ..., Pn pn, T1 tangentP1, ..., Tk tangentPk, out R tangent)</c>, with one tangent per
    /// differentiable parameter of the target (the parameter's type for a scalar, <c>ReadOnlySpan&lt;T&gt;</c> of the same
    /// length for an array or span) and <c>[NoGrad]</c> on the same parameters as the target's backward registration; it
    /// returns the target's value and sets <c>tangent</c> to the derivative of the result along the tangents. A target
    /// may have one backward and one tangent registration.
    /// </summary>
    public bool Tangent { get; set; }
}
