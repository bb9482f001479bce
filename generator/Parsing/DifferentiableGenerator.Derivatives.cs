using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    internal const string DerivativeOfAttributeName = "AutoDiff.DerivativeOfAttribute";

    /// <summary>The name of the runtime assembly: a referenced library that references it may ship [DerivativeOf] methods.</summary>
    private const string RuntimeAssemblyName = "AutoDiff";

    /// <summary>
    /// User-written derivatives (<c>[DerivativeOf]</c>): reading and validating a registration (AUTODIFF011-016), finding
    /// those of referenced assemblies, choosing one per target, and resolving the calls of a [Differentiable] method to
    /// them. The parser keeps the identity of every call that a registration could give a derivative
    /// (<see cref="CallTarget"/>, <see cref="MethodModel.CallTargets"/>); the pipeline then attaches the registrations a
    /// method needs (<see cref="Attach"/>), and lowering turns those calls into calls of the registered backward
    /// (<see cref="Resolve"/>), so a method's parse never depends on another file.
    /// </summary>
    internal static partial class Derivatives
    {
        private static readonly SymbolDisplayFormat s_messageFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
            .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

        /// <summary>
        /// The identity of a method that can have a registered derivative: its documentation comment ID, the same in
        /// source and in metadata. Null for what cannot (generic methods and methods of generic types, ref or out
        /// parameters, a result other than double or float).
        /// </summary>
        public static string? TargetId(IMethodSymbol method)
            => method.MethodKind == MethodKind.Ordinary
               && !method.IsGenericMethod
               && !IsInGenericType(method.ContainingType)
               && method.ReturnType.SpecialType is SpecialType.System_Double or SpecialType.System_Single
               && !method.Parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.Out)
                ? method.GetDocumentationCommentId()
                : null;

        private static bool IsInGenericType(INamedTypeSymbol? type)
        {
            for (; type is not null; type = type.ContainingType)
            {
                if (type.IsGenericType)
                {
                    return true;
                }
            }

            return false;
        }

        // ---- Reading a registration -------------------------------------------------------------------------------

        /// <summary>The order of a registration in source: by file, then position (the first of two duplicates counts).</summary>
        public static string SourceOrder(AttributeData attribute)
            => attribute.ApplicationSyntaxReference is { } reference
                ? "0|" + reference.SyntaxTree.FilePath + "|" + reference.Span.Start.ToString("D10", CultureInfo.InvariantCulture)
                : "0|";

        /// <summary>
        /// Reads and validates one [DerivativeOf] method. Every diagnostic is at the attribute. Never throws but for
        /// cancellation. The registration is null when the method cannot be used as the derivative it claims to be.
        /// </summary>
        public static RegistrationResult Read(IMethodSymbol derivative, AttributeData attribute, string order, bool isInSource, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            try
            {
                var registration = ReadCore(derivative, attribute, order, isInSource, location, diagnostics, cancellationToken);
                return new RegistrationResult(registration, diagnostics.ToEquatableArray());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new RegistrationResult(null, new[]
                {
                    DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, derivative.Name, ex.GetType().Name + ": " + ex.Message),
                }.ToEquatableArray());
            }
        }

        private static DerivativeRegistration? ReadCore(IMethodSymbol derivative, AttributeData attribute, string order, bool isInSource, Location? location,
            List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var arguments = attribute.ConstructorArguments;
            var (type, name) = arguments.Length switch
            {
                1 => (derivative.ContainingType, arguments[0].Value as string),
                2 => (arguments[0].Value as INamedTypeSymbol, arguments[1].Value as string),
                _ => (null, null),
            };
            if (type is null || name is null || type.TypeKind == TypeKind.Error || arguments.Any(a => a.Kind == TypedConstantKind.Error))
            {
                return null; // The compiler reports a malformed attribute.
            }

            var display = derivative.ContainingType.Name + "." + derivative.Name;
            var tangent = IsTangentRegistration(attribute); // DifferentiableGenerator.Tangents.cs
            var candidates = type.GetMembers(name).OfType<IMethodSymbol>()
                .Where(m => m.MethodKind == MethodKind.Ordinary && !SymbolEqualityComparer.Default.Equals(m, derivative))
                .ToList();
            if (candidates.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeTargetNotFound, location, type.ToDisplayString(s_messageFormat), name));
                return null;
            }

            // The overload whose parameter types equal the derivative's leading parameters, and whose backward signature
            // the derivative follows (a shorter overload's types can be a prefix of a longer one's). A single candidate is
            // the target even when the derivative does not follow it: then the message gives its expected signature.
            var conventional = candidates.Where(c => LeadingTypesMatch(c, derivative) && Problem(c, derivative, tangent) is null).ToList();
            IMethodSymbol target;
            if (conventional.Count == 1 || candidates.Count == 1)
            {
                target = conventional.Count == 1 ? conventional[0] : candidates[0];
            }
            else
            {
                var reason = conventional.Count == 0
                    ? $"'{display}' follows the backward convention of none of the {candidates.Count.ToString(CultureInfo.InvariantCulture)} overloads"
                    : $"'{display}' follows the backward convention of {conventional.Count.ToString(CultureInfo.InvariantCulture)} of the overloads";
                var listed = string.Join(", ", (conventional.Count == 0 ? candidates : conventional).Select(c => TargetId(c) is null
                    ? "'" + Signature(c) + "' (it cannot have a derivative)"
                    : "'" + (tangent ? ExpectedTangentSignature(c, derivative.Name, derivative) : ExpectedSignature(c, derivative.Name, derivative)) + "' for '" + Signature(c) + "'"));
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeTargetAmbiguous, location, type.Name + "." + name, reason, listed));
                return null;
            }

            var targetDisplay = target.ContainingType.Name + "." + target.Name;
            if (Problem(target, derivative, tangent) is { } problem)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeSignatureMismatch, location, display, targetDisplay, problem));
                return null;
            }

            // Private and protected derivatives serve only callers in their own type, so only a target of that type that is
            // no more accessible; any other target can be called from everywhere in the project.
            var reach = Reach(derivative.DeclaredAccessibility);
            var sameType = SymbolEqualityComparer.Default.Equals(derivative.ContainingType, target.ContainingType);
            if (reach < 2 && (!sameType || reach < Reach(target.DeclaredAccessibility)))
            {
                var targetAccessibility = Parser.AccessibilityKeyword(target.DeclaredAccessibility);
                var what = sameType ? targetAccessibility : "a " + targetAccessibility + " method of another type";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeSignatureMismatch, location, display, targetDisplay,
                    $"it is {Parser.AccessibilityKeyword(derivative.DeclaredAccessibility)} and '{targetDisplay}' is {what}; "
                    + $"make it internal or public, so that every [Differentiable] method that calls '{targetDisplay}' can call it"));
                return null;
            }

            if (tangent ? Parser.IsForward(target) : Parser.IsDifferentiable(target))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeShadowsBuiltIn, location, display, targetDisplay, "generated"));
            }
            else if (Parser.BuiltInRule(target) is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeShadowsBuiltIn, location, display, targetDisplay, "built-in"));
            }

            if (OnlyThrows(derivative, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeNotImplemented, location, display, targetDisplay));
            }

            var targetId = TargetId(target);
            if (targetId is null)
            {
                return null; // Problem() rules out every reason for this; kept so that a gap cannot crash.
            }

            var onlyIn = reach < 2
                ? derivative.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
                : null;
            var custom = new CustomDerivative(
                targetId,
                derivative.ContainingType.ToDisplayString(Parser.s_typeFormat),
                NameAllocator.Escape(derivative.Name),
                target.IsStatic,
                Roles(target, derivative).ToEquatableArray(),
                target.Parameters.Select(p => p.Name).ToEquatableArray(),
                onlyIn)
            {
                IsTangent = tangent,
                TargetDisplay = targetDisplay,
                TangentSignature = tangent ? "" : ExpectedTangentSignature(target, target.Name + BackwardConvention.TangentSuffix, derivative),
            };
            return new DerivativeRegistration(custom, display, targetDisplay, order, isInSource);
        }

        // Who can call a method within this compilation: its own type (0), also derived types (1), every type (2).
        private static int Reach(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Private => 0,
            Accessibility.Protected or Accessibility.ProtectedAndInternal => 1,
            _ => 2,
        };

        private static bool LeadingTypesMatch(IMethodSymbol target, IMethodSymbol derivative)
            => derivative.Parameters.Length > target.Parameters.Length
               && target.Parameters.Select(p => p.Type).SequenceEqual(derivative.Parameters.Take(target.Parameters.Length).Select(p => p.Type), SymbolEqualityComparer.Default);

        /// <summary>Why <paramref name="derivative"/> cannot be the derivative of <paramref name="target"/>, or null when it can.</summary>
        private static string? Problem(IMethodSymbol target, IMethodSymbol derivative, bool tangent = false)
        {
            var targetDisplay = target.ContainingType.Name + "." + target.Name;
            if (target.IsGenericMethod || IsInGenericType(target.ContainingType))
            {
                return $"'{targetDisplay}' is generic or a method of a generic type; only such methods of non-generic types can have a registered derivative";
            }

            if (target.ReturnType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single))
            {
                return $"'{targetDisplay}' returns '{target.ReturnType.ToDisplayString(s_messageFormat)}'; only a method that returns double or float has a derivative";
            }

            if (target.Parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.Out))
            {
                return $"'{targetDisplay}' has a ref or out parameter; only a method that takes its inputs by value has a derivative";
            }

            if (IsInGenericType(derivative.ContainingType))
            {
                return $"a derivative must be declared in a non-generic type, and '{derivative.ContainingType.ToDisplayString(s_messageFormat)}' is generic";
            }

            if (tangent && target.Parameters.Any(p => Parser.RoleOf(p) == ParameterRole.Object))
            {
                return $"'{targetDisplay}' has a parameter of a differentiable class, and forward mode does not support those yet";
            }

            var expected = tangent ? ExpectedTangentSignature(target, derivative.Name, derivative) : ExpectedSignature(target, derivative.Name, derivative);
            if (!target.IsStatic && !SymbolEqualityComparer.Default.Equals(derivative.ContainingType, target.ContainingType))
            {
                return $"'{targetDisplay}' is an instance method, so its derivative must be an instance method of '{target.ContainingType.Name}' with the signature '{expected}'";
            }

            return (tangent ? FollowsTangentConvention(target, derivative) : FollowsConvention(target, derivative)) ? null : $"its signature must be '{expected}'";
        }

        /// <summary>For each parameter of the target: its role, Constant when it or the derivative's parameter is [NoGrad].</summary>
        private static IEnumerable<ParameterRole> Roles(IMethodSymbol target, IMethodSymbol? derivative)
            => target.Parameters.Select((p, i) =>
                derivative is not null && i < derivative.Parameters.Length
                && SymbolEqualityComparer.Default.Equals(derivative.Parameters[i].Type, p.Type)
                && Parser.RoleOf(derivative.Parameters[i]) == ParameterRole.Constant
                    ? ParameterRole.Constant
                    : Parser.RoleOf(p));

        private static bool FollowsConvention(IMethodSymbol target, IMethodSymbol derivative)
        {
            var roles = Roles(target, derivative).ToList();
            var count = target.Parameters.Length;
            var parameters = derivative.Parameters;
            if (derivative.IsGenericMethod || derivative.IsStatic != target.IsStatic
                || !SymbolEqualityComparer.Default.Equals(derivative.ReturnType, target.ReturnType)
                || parameters.Length != count + 1 + roles.Count(r => r != ParameterRole.Constant))
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

            var seed = parameters[count];
            if (seed.RefKind != RefKind.None || !SymbolEqualityComparer.Default.Equals(seed.Type, target.ReturnType))
            {
                return false;
            }

            var next = count + 1;
            for (var i = 0; i < count; i++)
            {
                var gradient = roles[i] == ParameterRole.Constant ? null : parameters[next++];
                var ok = roles[i] switch
                {
                    ParameterRole.Scalar => gradient!.RefKind == RefKind.Out && SymbolEqualityComparer.Default.Equals(gradient.Type, target.Parameters[i].Type),
                    ParameterRole.Span => gradient!.RefKind == RefKind.None && IsSpanOf(gradient.Type, Parser.TypeOf(target.Parameters[i].Type).Element.Kind),
                    ParameterRole.Object => gradient!.RefKind == RefKind.None && gradient.Type.ToDisplayString() == target.Parameters[i].Type.ToDisplayString() + ".Gradient",
                    ParameterRole.Struct => gradient!.RefKind == RefKind.Out && gradient.Type.ToDisplayString() == target.Parameters[i].Type.ToDisplayString() + ".Gradient",
                    _ => true,
                };
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsSpanOf(ITypeSymbol type, ValueKind element)
            => type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
               && named.ConstructedFrom.ToDisplayString() == "System.Span<T>"
               && named.TypeArguments[0].SpecialType == (element == ValueKind.Float ? SpecialType.System_Single : SpecialType.System_Double);

        /// <summary>
        /// The signature a derivative of <paramref name="target"/> named <paramref name="name"/> must have, as C#, e.g.
        /// <c>static double CbrtBackward(double x, double seed, out double gradX)</c>. Parameter names are the
        /// derivative's own where its parameter has the target's type (names are not checked), else the target's.
        /// </summary>
        internal static string ExpectedSignature(IMethodSymbol target, string name, IMethodSymbol? derivative = null)
        {
            var roles = Roles(target, derivative).ToList();
            var returnType = target.ReturnType.ToDisplayString(s_messageFormat);
            var names = target.Parameters.Select((p, i) => derivative is not null && i < derivative.Parameters.Length && derivative.Parameters[i].Name != BackwardConvention.Seed
                && derivative.Parameters[i].RefKind != RefKind.Out && SymbolEqualityComparer.Default.Equals(derivative.Parameters[i].Type, p.Type)
                    ? derivative.Parameters[i].Name
                    : p.Name).ToList();
            var taken = new NameAllocator(names);
            var seed = BackwardConvention.SeedName(taken);
            var parameters = new List<string>();
            for (var i = 0; i < target.Parameters.Length; i++)
            {
                var parameter = target.Parameters[i];
                var modifier = Parser.RefModifier(parameter.RefKind);
                var noGrad = roles[i] == ParameterRole.Constant && Parser.TypeOf(parameter.Type) is { } t && (t.IsFloating || t.IsFloatingArray) ? "[NoGrad] " : "";
                parameters.Add(noGrad + modifier + parameter.Type.ToDisplayString(s_messageFormat) + " " + NameAllocator.Escape(names[i]));
            }

            parameters.Add(returnType + " " + seed);
            for (var i = 0; i < target.Parameters.Length; i++)
            {
                var gradientName = BackwardConvention.GradientName(names[i], taken);
                var type = Parser.TypeOf(target.Parameters[i].Type);
                if (roles[i] != ParameterRole.Constant)
                {
                    parameters.Add(BackwardConvention.GradientDeclaration(roles[i], target.Parameters[i].Type.ToDisplayString(s_messageFormat), type.Element.Display, gradientName, qualified: false));
                }
            }

            return (target.IsStatic ? "static " : "") + returnType + " " + name + "(" + string.Join(", ", parameters) + ")";
        }

        private static string Signature(IMethodSymbol method)
            => method.Name + "(" + string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(s_messageFormat))) + ")";

        // A body that is a single throw, or ends in one with no return before it: the template the code fix writes.
        private static bool OnlyThrows(IMethodSymbol derivative, CancellationToken cancellationToken)
        {
            foreach (var reference in derivative.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not MethodDeclarationSyntax syntax)
                {
                    continue;
                }

                if (syntax.ExpressionBody?.Expression is ThrowExpressionSyntax)
                {
                    return true;
                }

                if (syntax.Body is { Statements.Count: > 0 } body && body.Statements[body.Statements.Count - 1] is ThrowStatementSyntax
                    && !body.DescendantNodes().OfType<ReturnStatementSyntax>().Any())
                {
                    return true;
                }
            }

            return false;
        }

        // ---- Registrations of referenced assemblies -------------------------------------------------------------

        /// <summary>
        /// The valid [DerivativeOf] registrations of referenced libraries: public methods of public types in assemblies
        /// that reference the AutoDiff runtime (others cannot carry the attribute, so the BCL is never walked).
        /// </summary>
        public static EquatableArray<DerivativeRegistration> ReadReferenced(Compilation compilation, CancellationToken cancellationToken)
        {
            var registrations = new List<DerivativeRegistration>();
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (assembly.Name == RuntimeAssemblyName || !assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == RuntimeAssemblyName)))
                {
                    continue;
                }

                var types = new Stack<INamespaceOrTypeSymbol>();
                types.Push(assembly.GlobalNamespace);
                while (types.Count > 0)
                {
                    var container = types.Pop();
                    foreach (var member in container.GetMembers())
                    {
                        switch (member)
                        {
                            case INamespaceSymbol ns:
                                types.Push(ns);
                                break;
                            case INamedTypeSymbol { DeclaredAccessibility: Accessibility.Public } type:
                                types.Push(type);
                                break;
                            case IMethodSymbol { DeclaredAccessibility: Accessibility.Public } method
                                when method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DerivativeOfAttributeName) is { } attribute:
                                var order = "1|" + assembly.Name + "|" + method.GetDocumentationCommentId();
                                if (Read(method, attribute, order, isInSource: false, cancellationToken).Registration is { } registration)
                                {
                                    registrations.Add(registration);
                                }

                                break;
                        }
                    }
                }
            }

            return registrations.OrderBy(r => r.Order, StringComparer.Ordinal).ToEquatableArray();
        }

        // ---- Choosing and attaching ---------------------------------------------------------------------------------

        /// <summary>
        /// One registration per target, sorted by target: the first by <see cref="DerivativeRegistration.Order"/> (source
        /// before referenced assemblies, so a project can override a library's derivative; a second one in source is AUTODIFF014).
        /// </summary>
        public static EquatableArray<DerivativeRegistration> Index(IEnumerable<DerivativeRegistration> registrations)
            => registrations
                .GroupBy(r => (r.Derivative.TargetId, r.Derivative.IsTangent))
                .Select(g => g.OrderBy(r => r.Order, StringComparer.Ordinal).First())
                .OrderBy(r => r.Derivative.TargetId, StringComparer.Ordinal)
                .ThenBy(r => r.Derivative.IsTangent)
                .ToEquatableArray();

        /// <summary>Gives a method the registered derivatives of its callees that it can call (<see cref="CustomDerivative.OnlyIn"/>).</summary>
        public static MethodModel Attach(MethodModel model, EquatableArray<CustomDerivative> index)
        {
            var derivatives = model.CallTargets.IsEmpty || index.IsEmpty
                ? EquatableArray<CustomDerivative>.Empty
                : index.Where(d => (d.OnlyIn is null || d.OnlyIn == model.TypeKey) && model.CallTargets.Contains(d.TargetId)).ToEquatableArray();
            return derivatives.Equals(model.Derivatives) ? model : model with { Derivatives = derivatives };
        }

        /// <summary>
        /// A call whose target has a registered derivative, as a call of that derivative's backward (a
        /// <see cref="UserCallExpr"/>); any other expression unchanged. Used by lowering on every floating expression.
        /// </summary>
        public static Expr Resolve(Expr expression, EquatableArray<CustomDerivative> derivatives)
        {
            var id = expression switch
            {
                OpaqueExpr { Target: { } target } => target.Id,
                MathCallExpr math => math.TargetId,
                UserCallExpr user => user.TargetId,
                _ => null,
            };
            var derivative = id is null ? null : derivatives.FirstOrDefault(d => d.TargetId == id && !d.IsTangent); // a tangent serves forward mode only
            if (derivative is null)
            {
                return expression;
            }

            string Backward(bool hasReceiver) => derivative.IsStatic ? derivative.BackwardType + "." + derivative.BackwardName
                : hasReceiver ? derivative.BackwardName
                : "this." + derivative.BackwardName;

            return expression switch
            {
                OpaqueExpr { Target: { } target } opaque => new UserCallExpr(
                    target.HasReceiver ? opaque.Arguments[0] : null,
                    target.Callee,
                    Backward(target.HasReceiver),
                    target.HasReceiver ? opaque.Arguments.Skip(1).ToEquatableArray() : opaque.Arguments,
                    derivative.Roles,
                    derivative.ParameterNames,
                    opaque.Type,
                    opaque.Location) { TargetId = id },
                MathCallExpr math => new UserCallExpr(null, math.Callee, Backward(false), math.Arguments, derivative.Roles, derivative.ParameterNames, math.Type, math.Location)
                {
                    TargetId = id,
                },
                UserCallExpr user => user with { BackwardCallee = Backward(user.Receiver is not null), Roles = derivative.Roles },
                _ => expression,
            };
        }
    }
}
