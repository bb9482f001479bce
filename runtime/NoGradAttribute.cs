using System;

namespace AutoDiff;

/// <summary>
/// Marks a parameter of a <see cref="DifferentiableAttribute"/> method as a constant for differentiation
/// (PyTorch's <c>requires_grad=False</c>): no gradient parameter is emitted for it.
/// </summary>
/// <remarks>On a field or auto-property of a differentiable type, the member is a constant of the model, not a parameter.
/// Parameters of integer, bool, enum or other non-floating types are never differentiated and need no attribute.</remarks>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class NoGradAttribute : Attribute
{
}
