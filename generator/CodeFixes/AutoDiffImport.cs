using System.Linq;
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
/// shortens the name (to <c>[Differentiable]</c>, or <c>[AutoDiff.Differentiable]</c> where the short name is taken).
/// </summary>
internal static class AutoDiffImport
{
    // Only the attribute's name asks for an import: the other names a fix writes are shortened, never imported.
    private static readonly SyntaxAnnotation s_import = new(nameof(AutoDiffImport));

    /// <summary>
    /// The attribute's type name, marked for the import unless another type of its short name (<c>Differentiable</c> or
    /// <c>DifferentiableAttribute</c>) is in scope at <paramref name="position"/>: then it stays qualified, unimported.
    /// </summary>
    public static NameSyntax Name(SyntaxGenerator generator, INamedTypeSymbol attribute, SemanticModel semanticModel, int position)
    {
        var shortName = attribute.Name.Substring(0, attribute.Name.Length - "Attribute".Length);
        var clash = new[] { shortName, attribute.Name }
            .SelectMany(n => semanticModel.LookupNamespacesAndTypes(position, name: n))
            .Any(s => !SymbolEqualityComparer.Default.Equals(s, attribute));
        var name = (NameSyntax)generator.TypeExpression(attribute);
        return clash ? name : name.WithAdditionalAnnotations(s_import);
    }

    /// <summary>An attribute of that type, without arguments.</summary>
    public static AttributeSyntax Attribute(SyntaxGenerator generator, INamedTypeSymbol attribute, SemanticModel semanticModel, int position)
        => SyntaxFactory.Attribute(Name(generator, attribute, semanticModel, position));

    /// <summary>
    /// Adds the using directives the marked names need. Done here, not by the code action's clean-up, which did not add
    /// imports for names from <c>SyntaxGenerator.TypeExpression(symbol, addImport: true)</c> (Roslyn 4.14).
    /// </summary>
    public static Task<Document> AddAsync(Document document, CancellationToken cancellationToken)
        => ImportAdder.AddImportsAsync(document, s_import, cancellationToken: cancellationToken);
}
