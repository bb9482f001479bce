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
            if (CheckGeneratedNameFree(BackwardConvention.TangentName(_method.Name), BackwardConvention.TangentParameterCount(_method.Parameters.Length, differentiable), "tangent method"))
            {
                CheckGeneratedNameFree(BackwardConvention.HessianVectorName(_method.Name), BackwardConvention.HessianVectorParameterCount(_method.Parameters.Length, differentiable), "Hessian-vector method");
            }

            CheckOverloadsApart();
        }

        // Two Forward overloads whose generated methods would have the same parameter list, e.g. F(double x, [NoGrad] double k,
        // [NoGrad] double j) and F(double x, double y): both tangents take (double, double, double, double, out double).
        // The later one in source order is reported; the first keeps its methods.
        private void CheckOverloadsApart()
        {
            var own = GeneratedSignatures(_method);
            foreach (var member in _method.ContainingType.GetMembers(_method.Name))
            {
                if (member is not IMethodSymbol other || SymbolEqualityComparer.Default.Equals(other, _method) || !IsForward(other)
                    || other.Locations.FirstOrDefault() is not { IsInSource: true } otherLocation || !IsBefore(otherLocation, _syntax.Identifier.GetLocation()))
                {
                    continue;
                }

                var theirs = GeneratedSignatures(other);
                for (var i = 0; i < own.Length; i++)
                {
                    if (own[i].Signature == theirs[i].Signature)
                    {
                        var overload = other.Name + "(" + string.Join(", ", other.Parameters.Select(p => p.Type.ToDisplayString())) + ")";
                        Report(DiagnosticDescriptors.TangentNameTaken, _syntax.Identifier.GetLocation(), _method.ContainingType.Name, own[i].Name,
                            "generated " + own[i].What + " of the overload '" + overload + "', which are those of the " + own[i].What, _method.Name);
                        return;
                    }
                }
            }
        }

        private static bool IsBefore(Location a, Location b)
        {
            var byPath = string.CompareOrdinal(a.SourceTree?.FilePath, b.SourceTree?.FilePath);
            return byPath < 0 || (byPath == 0 && a.SourceSpan.Start < b.SourceSpan.Start);
        }

        /// <summary>The parameter lists of a method's tangent and Hessian-vector methods, as types and ref kinds.</summary>
        private static (string Name, string What, string Signature)[] GeneratedSignatures(IMethodSymbol method)
        {
            var own = method.Parameters.Select(p => Parser.RefModifier(p.RefKind) + p.Type.ToDisplayString()).ToList();
            var differentiable = method.Parameters.Where(p => RoleOf(p) != ParameterRole.Constant).ToList();
            string Tangent(IParameterSymbol p) => RoleOf(p) == ParameterRole.Span ? "System.ReadOnlySpan<" + TypeOf(p.Type).Element.Display + ">" : p.Type.ToDisplayString();
            string Output(IParameterSymbol p) => RoleOf(p) == ParameterRole.Span ? "System.Span<" + TypeOf(p.Type).Element.Display + ">" : "out " + p.Type.ToDisplayString();
            var tangent = own.Concat(differentiable.Select(Tangent)).Append("out " + method.ReturnType.ToDisplayString());
            var hessianVector = own.Concat(differentiable.Select(Tangent)).Concat(differentiable.Select(Output)).Concat(differentiable.Select(Output));
            return new[]
            {
                (BackwardConvention.TangentName(method.Name), "tangent method", string.Join(",", tangent)),
                (BackwardConvention.HessianVectorName(method.Name), "Hessian-vector method", string.Join(",", hessianVector)),
            };
        }

        // As for the backward (CheckBackwardNameFree): a user method with the generated name, its parameter count and the
        // method's own parameter types first would be ambiguous with, or identical to, the generated one.
        private bool CheckGeneratedNameFree(string name, int parameterCount, string what)
        {
            foreach (var member in _method.ContainingType.GetMembers(name))
            {
                if (member is IMethodSymbol existing && !IsGeneratedByUs(existing)
                    && existing.Parameters.Length == parameterCount
                    && _method.Parameters.Select(p => p.Type).SequenceEqual(existing.Parameters.Take(_method.Parameters.Length).Select(p => p.Type), SymbolEqualityComparer.Default))
                {
                    Report(DiagnosticDescriptors.TangentNameTaken, _syntax.Identifier.GetLocation(), _method.ContainingType.Name, name, what, _method.Name);
                    return false;
                }
            }

            return true;
        }
    }
}
