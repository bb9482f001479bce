using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// The call an AUTODIFF001 is reported at, for both of its fixes. The diagnostic's span is the whole invocation
/// (<c>Helper(x)</c>); AUTODIFF001 at an object creation or a user-defined operator has no fix.
/// </summary>
/// <param name="Call">The invocation.</param>
/// <param name="Target">The method called; an extension method in its static form, as <c>[DerivativeOf]</c> names it.</param>
/// <param name="Caller">The [Differentiable] method that contains the call.</param>
internal sealed record NonDifferentiableCall(InvocationExpressionSyntax Call, IMethodSymbol Target, MethodDeclarationSyntax Caller)
{
    public static NonDifferentiableCall? Find(SyntaxNode root, SemanticModel semanticModel, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        // Innermost: an argument `G(Helper(x))` has the same span as the invocation it holds.
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax call
            || call.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } caller
            || semanticModel.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        var target = method.ReducedFrom ?? method;
        // Delegates' Invoke and local functions have no name that [DerivativeOf] or a declaration could carry.
        return target.MethodKind == MethodKind.Ordinary ? new NonDifferentiableCall(call, target, caller) : null;
    }

    /// <summary>Whether <paramref name="type"/> is <c>double</c> or <c>float</c>, the return types of the backward convention.</summary>
    public static bool IsFloating(ITypeSymbol type) => type.SpecialType is SpecialType.System_Double or SpecialType.System_Single;
}
