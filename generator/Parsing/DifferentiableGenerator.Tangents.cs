using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// Registered tangents: <c>[DerivativeOf(nameof(F), Tangent = true)]</c> on a user-written forward-mode derivative
    /// of <c>F</c>, which a <c>[Differentiable(Forward = true)]</c> caller's tangent calls where it calls <c>F</c>. It
    /// follows the tangent convention: <c>R FTangent(P1 p1, ..., Pn pn, T1 tangentP1, ..., Tk tangentPk, out R tangent)</c>,
    /// one tangent per differentiable parameter of <c>F</c> (the parameter's type for a scalar, <c>ReadOnlySpan&lt;T&gt;</c>
    /// for an array or span), [NoGrad] on the same parameters as the backward registration of <c>F</c>. A target has at
    /// most one backward and one tangent registration; reading, choosing among overloads and validating (AUTODIFF011-016)
    /// are those of backward registrations (<see cref="Derivatives.Read"/>), with this convention in place of the backward's.
    /// </summary>
    internal static partial class Derivatives
    {
        /// <summary>The name of <c>DerivativeOfAttribute</c>'s property that registers a tangent.</summary>
        internal const string TangentPropertyName = "Tangent";

        /// <summary>True for <c>[DerivativeOf(..., Tangent = true)]</c>.</summary>
        internal static bool IsTangentRegistration(AttributeData attribute)
            => attribute.NamedArguments.Any(n => n.Key == TangentPropertyName && n.Value.Value is true);

        private static bool FollowsTangentConvention(IMethodSymbol target, IMethodSymbol derivative)
        {
            var roles = Roles(target, derivative).ToList();
            var count = target.Parameters.Length;
            var parameters = derivative.Parameters;
            if (derivative.IsGenericMethod || derivative.IsStatic != target.IsStatic
                || !SymbolEqualityComparer.Default.Equals(derivative.ReturnType, target.ReturnType)
                || parameters.Length != count + roles.Count(r => r != ParameterRole.Constant) + 1)
            {
                return false;
            }

            for (var i = 0; i < count; i++)
            {
                if (!SymbolEqualityComparer.Default.Equals(parameters[i].Type, target.Parameters[i].Type) || parameters[i].RefKind != target.Parameters[i].RefKind)
                {
                    return false;
                }
            }

            var next = count;
            for (var i = 0; i < count; i++)
            {
                if (roles[i] == ParameterRole.Constant)
                {
                    continue;
                }

                var tangent = parameters[next++];
                var ok = tangent.RefKind == RefKind.None && roles[i] switch
                {
                    ParameterRole.Scalar => SymbolEqualityComparer.Default.Equals(tangent.Type, target.Parameters[i].Type),
                    ParameterRole.Span => IsReadOnlySpanOf(tangent.Type, Parser.TypeOf(target.Parameters[i].Type).Element.Kind),
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }

            var output = parameters[next];
            return output.RefKind == RefKind.Out && SymbolEqualityComparer.Default.Equals(output.Type, target.ReturnType);
        }

        private static bool IsReadOnlySpanOf(ITypeSymbol type, ValueKind element)
            => type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
               && named.ConstructedFrom.ToDisplayString() == "System.ReadOnlySpan<T>"
               && named.TypeArguments[0].SpecialType == (element == ValueKind.Float ? SpecialType.System_Single : SpecialType.System_Double);

        /// <summary>
        /// The signature a tangent of <paramref name="target"/> named <paramref name="name"/> must have, as C#, e.g.
        /// <c>static double CbrtTangent(double x, double tangentX, out double tangent)</c>; [NoGrad] where
        /// <paramref name="derivative"/> (the tangent itself, or the target's backward registration) has it.
        /// </summary>
        internal static string ExpectedTangentSignature(IMethodSymbol target, string name, IMethodSymbol? derivative = null)
        {
            var roles = Roles(target, derivative).ToList();
            var returnType = target.ReturnType.ToDisplayString(s_messageFormat);
            var names = target.Parameters.Select((p, i) => derivative is not null && i < derivative.Parameters.Length && derivative.Parameters[i].Name != BackwardConvention.Seed
                && derivative.Parameters[i].RefKind != RefKind.Out && SymbolEqualityComparer.Default.Equals(derivative.Parameters[i].Type, p.Type)
                    ? derivative.Parameters[i].Name
                    : p.Name).ToList();
            var forward = BackwardConvention.ForwardNamesOf(names);
            var parameters = new List<string>();
            for (var i = 0; i < target.Parameters.Length; i++)
            {
                var parameter = target.Parameters[i];
                var noGrad = roles[i] == ParameterRole.Constant && Parser.TypeOf(parameter.Type) is { } t && (t.IsFloating || t.IsFloatingArray) ? "[NoGrad] " : "";
                parameters.Add(noGrad + Parser.RefModifier(parameter.RefKind) + parameter.Type.ToDisplayString(s_messageFormat) + " " + NameAllocator.Escape(names[i]));
            }

            for (var i = 0; i < target.Parameters.Length; i++)
            {
                if (roles[i] != ParameterRole.Constant)
                {
                    var type = Parser.TypeOf(target.Parameters[i].Type);
                    parameters.Add(BackwardConvention.TangentDeclaration(roles[i], target.Parameters[i].Type.ToDisplayString(s_messageFormat), type.Element.Display, forward.TangentInputs[i], qualified: false));
                }
            }

            parameters.Add("out " + returnType + " " + forward.TangentOutput);
            return (target.IsStatic ? "static " : "") + returnType + " " + name + "(" + string.Join(", ", parameters) + ")";
        }
    }
}
