using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// Names an AutoDiff attribute in code a fix adds: written fully qualified, then <see cref="AddAsync"/> adds
/// <c>using AutoDiff;</c> where it is missing and would not clash with a name in the file, and the action's clean-up
/// shortens the name (to <c>[Differentiable]</c>, or <c>[AutoDiff.Differentiable]</c> where the using was not added).
/// </summary>
internal static class AutoDiffImport
{
    // Only the attribute's name asks for an import: the other names a fix writes are shortened, never imported.
    private static readonly SyntaxAnnotation s_import = new(nameof(AutoDiffImport));

    /// <summary>The attribute's type name, marked for the import.</summary>
    public static NameSyntax Name(SyntaxGenerator generator, INamedTypeSymbol attribute)
        => ((NameSyntax)generator.TypeExpression(attribute)).WithAdditionalAnnotations(s_import);

    /// <summary>An attribute of that type, without arguments.</summary>
    public static AttributeSyntax Attribute(SyntaxGenerator generator, INamedTypeSymbol attribute)
        => SyntaxFactory.Attribute(Name(generator, attribute));

    /// <summary>Adds the using directives the marked names need. (Roslyn's clean-up would not: it did not add them for the names it was asked to import.)</summary>
    public static Task<Document> AddAsync(Document document, CancellationToken cancellationToken)
        => ImportAdder.AddImportsAsync(document, s_import, cancellationToken: cancellationToken);
}
