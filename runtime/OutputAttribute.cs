using System;

namespace AutoDiff;

/// <summary>
/// Marks a <c>Span&lt;double&gt;</c> or <c>Span&lt;float&gt;</c> parameter of a <see cref="DifferentiableAttribute"/>
/// method as an output the method writes (a layer's activations). It gets no gradient parameter; the backward method
/// takes a <c>ReadOnlySpan&lt;T&gt; seed&lt;Name&gt;</c> for it instead: the gradient flowing into that output.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class OutputAttribute : Attribute
{
}
