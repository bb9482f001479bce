using System.Linq;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// What the parser reads for forward mode (<c>[Differentiable(Forward = true)]</c>, API.md "Forward mode"): the flag
    /// itself, and what a forward-mode method must not be: an instance method of a differentiable type or a method with
    /// a parameter of a differentiable class (their tangents, <c>T.Gradient</c> values, are not generated yet:
    /// AUTODIFF042), or a method whose tangent or Hessian-vector method would clash with one the user declared (AUTODIFF043).
    /// </summary>
    internal sealed partial class Parser
    {
        /// <summary>The name of the attribute's property that asks for forward mode.</summary>
        internal const string ForwardPropertyName = "Forward";

        /// <summary>True when the method carries <c>[Differentiable(Forward = true)]</c>.</summary>
        internal static bool IsForward(IMethodSymbol method) => ForwardAttribute(method) is not null;

        private static AttributeData? ForwardAttribute(IMethodSymbol method)
            => method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttributeName
                && a.NamedArguments.Any(n => n.Key == ForwardPropertyName && n.Value.Value is true));

        /// <summary>
        /// A method gets <c>MHessianVector</c> when it has only scalar and span parameters (API.md): not an instance
        /// method of a differentiable type, no differentiable class parameter.
        /// </summary>
        internal static bool QualifiesForHessianVector(MethodModel method)
            => method.Forward && method.ThisGradient is null && method.Parameters.All(p => p.Member is null && p.Role is ParameterRole.Constant or ParameterRole.Scalar or ParameterRole.Span);

        private void CheckForward()
        {
            if (ForwardAttribute(_method) is not { } attribute)
            {
                return;
            }

            var argument = (attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax)?.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == ForwardPropertyName);
            var supported = true;
            if (IsDifferentiableInstanceMethod(_method))
            {
                Report(DiagnosticDescriptors.ForwardNotSupported, argument?.GetLocation() ?? _syntax.Identifier.GetLocation(),
                    $"an instance method of differentiable type '{_method.ContainingType.Name}'",
                    "its tangent with respect to the instance (tangentThis) is not generated yet; make it a static method that takes the parameters it needs as double, float, arrays or spans, or remove Forward = true");
                supported = false;
            }

            for (var i = 0; i < _method.Parameters.Length; i++)
            {
                var parameter = _method.Parameters[i];
                if (RoleOf(parameter) == ParameterRole.Object)
                {
                    Report(DiagnosticDescriptors.ForwardNotSupported, _syntax.ParameterList.Parameters[i].GetLocation(),
                        $"parameter '{parameter.Name}' of differentiable class '{parameter.Type.Name}'",
                        $"its tangent (a '{parameter.Type.Name}.Gradient') is not generated yet; pass its parameters as arrays or spans, mark it [NoGrad], or remove Forward = true");
                    supported = false;
                }
            }

            if (!supported)
            {
                return;
            }

            var differentiable = _method.Parameters.Count(p => RoleOf(p) != ParameterRole.Constant);
            CheckGeneratedNameFree(BackwardConvention.TangentName(_method.Name), BackwardConvention.TangentParameterCount(_method.Parameters.Length, differentiable), "tangent method");
            CheckGeneratedNameFree(BackwardConvention.HessianVectorName(_method.Name), BackwardConvention.HessianVectorParameterCount(_method.Parameters.Length, differentiable), "Hessian-vector method");
        }

        // As for the backward (CheckBackwardNameFree): a user method with the generated name, its parameter count and the
        // method's own parameter types first would be ambiguous with, or identical to, the generated one.
        private void CheckGeneratedNameFree(string name, int parameterCount, string what)
        {
            foreach (var member in _method.ContainingType.GetMembers(name))
            {
                if (member is IMethodSymbol existing && !IsGeneratedByUs(existing)
                    && existing.Parameters.Length == parameterCount
                    && _method.Parameters.Select(p => p.Type).SequenceEqual(existing.Parameters.Take(_method.Parameters.Length).Select(p => p.Type), SymbolEqualityComparer.Default))
                {
                    Report(DiagnosticDescriptors.TangentNameTaken, _syntax.Identifier.GetLocation(), _method.ContainingType.Name, name, what, _method.Name);
                    return;
                }
            }
        }
    }
}
