using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// Adds the <c>partial</c> modifier to type declarations: for "Make 'T' partial" (AUTODIFF003) and for
/// "Mark 'F' as [Differentiable]" (AUTODIFF001), which must leave the newly marked method's type partial too.
/// </summary>
internal static class PartialTypes
{
    /// <summary>
    /// The declarations that must become partial for the generator to add a member next to <paramref name="member"/>:
    /// its type's and every containing type's, where <c>partial</c> is missing (the rule AUTODIFF003 checks).
    /// </summary>
    public static IEnumerable<TypeDeclarationSyntax> Missing(SyntaxNode member)
        => member.Ancestors().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword));

    /// <summary>
    /// The declaration with <c>partial</c> appended to its modifiers. Appended, not sorted in, because C# requires
    /// <c>partial</c> right before <c>class</c>/<c>struct</c>/<c>record</c>, and the user's own order is kept.
    /// </summary>
    public static TypeDeclarationSyntax WithPartial(TypeDeclarationSyntax type)
    {
        if (type.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return type;
        }

        if (type.Modifiers.Count == 0)
        {
            // `class C` -> `partial class C`: the keyword's leading trivia (indentation, doc comment) moves to `partial`.
            var keyword = type.Keyword;
            var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return type.WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial));
        }

        return type.WithModifiers(type.Modifiers.Add(
            SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space)));
    }
}
