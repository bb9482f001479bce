using System;

namespace AutoDiff;

/// <summary>
/// Marks a method whose reverse-mode derivative the AutoDiff source generator emits at compile time.
/// </summary>
/// <remarks>
/// For <c>R M(P1 p1, ..., Pn pn)</c> with <c>R</c> = <see cref="double"/> or <see cref="float"/>, the generator adds
/// <c>R MBackward(P1 p1, ..., Pn pn, R seed, G1 g1, ..., Gk gk)</c> to the same partial type: it returns the value of
/// <c>M</c> and writes <c>seed</c> times the gradient into one gradient parameter per differentiable parameter.
/// Anything the generator cannot differentiate is a compile-time <c>AUTODIFF</c> diagnostic.
/// On a <c>partial</c> class or struct it makes a differentiable type (PyTorch's <c>nn.Module</c>): its floating-point
/// fields and auto-properties are its parameters, and the generator adds a nested <c>Gradient</c> type of the same shape.
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
    /// <summary>
    /// Also emit the forward-mode derivative (a Jacobian-vector product), on a method only:
    /// <c>R MTangent(P1 p1, ..., Pn pn, T1 tangentP1, ..., Tk tangentPk, out R tangent)</c>, with one tangent input per
    /// differentiable parameter (the parameter's own type for a scalar, <c>ReadOnlySpan&lt;T&gt;</c> of the same length for an
    /// array or span). It returns the value of <c>M</c> and sets <c>tangent</c> to the derivative of the result along the
    /// tangent inputs, in one pass without a tape. For a method that returns <c>double</c> or <c>float</c> and has only scalar
    /// and span parameters it also emits <c>MHessianVector</c>: the value, the gradient and the Hessian times the tangent vector.
    /// A [Differentiable] method that a <c>Forward = true</c> method calls needs <c>Forward = true</c> too.
    /// </summary>
    public bool Forward { get; set; }
}
