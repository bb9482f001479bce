using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// AUTODIFF003 (the type of a [Differentiable] method is not partial) and AUTODIFF017 (a [Differentiable] type, or a
/// type containing it, is not partial): "Make 'T' partial". Adds <c>partial</c> to the method's type (or the
/// differentiable type itself) and to every type containing it that lacks it, so that one fix clears every such
/// diagnostic of the method or type.
/// </summary>
/// <remarks>
/// AUTODIFF003 is reported at the method's name, once per non-partial declaration around it; AUTODIFF017 likewise at
/// the differentiable type's name. The fix is the same for
/// all of them, so it is offered once per method; its title names the declarations it changes, outermost first
/// (<c>'Outer.Inner'</c> when both lack <c>partial</c>).
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeTypePartialCodeFix)), Shared]
public sealed class MakeTypePartialCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key: one for every method, so Fix All applies it to all of them.</summary>
    public const string EquivalenceKey = "AUTODIFF003.MakePartial";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticDescriptors.TypeNotPartial.Id, DiagnosticDescriptors.DifferentiableTypeNotPartial.Id);

    // Document-wide: every declaration that changes is an ancestor of a diagnostic's method, so in its document.
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(
        async (context, document, diagnostics) => await MakePartialAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var group in context.Diagnostics.GroupBy(d => DeclarationAt(root, d)))
        {
            var types = group.Key is null ? new List<TypeDeclarationSyntax>() : Missing(group.Key).ToList();
            if (types.Count == 0)
            {
                continue;
            }

            var title = $"Make '{Display(types)}' partial";
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => MakePartialAsync(context.Document, group, ct), EquivalenceKey),
                group.ToImmutableArray());
        }
    }

    private static async Task<Document> MakePartialAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var types = diagnostics
            .Select(d => DeclarationAt(root, d))
            .Where(m => m is not null)
            .SelectMany(m => Missing(m!))
            .Distinct()
            .ToList();
        return document.WithSyntaxRoot(root.ReplaceNodes(types, (_, rewritten) => PartialTypes.WithPartial(rewritten)));
    }

    // AUTODIFF003 is reported at the method's identifier, AUTODIFF017 at the differentiable type's.
    private static MemberDeclarationSyntax? DeclarationAt(SyntaxNode root, Diagnostic diagnostic)
        => root.FindToken(diagnostic.Location.SourceSpan.Start).Parent switch
        {
            MethodDeclarationSyntax method when diagnostic.Id == DiagnosticDescriptors.TypeNotPartial.Id => method,
            TypeDeclarationSyntax type when diagnostic.Id == DiagnosticDescriptors.DifferentiableTypeNotPartial.Id => type,
            _ => null,
        };

    // For a method, its type and the types around it; for a differentiable type, itself and the types around it.
    private static IEnumerable<TypeDeclarationSyntax> Missing(MemberDeclarationSyntax declaration)
        => declaration is TypeDeclarationSyntax type && !type.Modifiers.Any(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword)
            ? new[] { type }.Concat(PartialTypes.Missing(type))
            : PartialTypes.Missing(declaration);

    // The changed declarations' names from the outermost to the innermost, with the declarations between them.
    private static string Display(List<TypeDeclarationSyntax> innermostFirst)
    {
        var innermost = innermostFirst[0];
        var outermost = innermostFirst[innermostFirst.Count - 1];
        var path = innermost.AncestorsAndSelf().OfType<TypeDeclarationSyntax>()
            .TakeWhile(t => t != outermost)
            .Append(outermost)
            .Reverse()
            .Select(t => t.Identifier.ValueText);
        return string.Join(".", path);
    }
}
