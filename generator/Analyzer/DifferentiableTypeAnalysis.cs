using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiff.Generators;

/// <summary>
/// The part of <see cref="DifferentiableAnalyzer"/> that checks <c>[Differentiable]</c> classes and structs: it runs
/// <see cref="TypeParser"/>, as the generator does, once per type (a symbol action, so a type declared in several
/// partial declarations is checked once), and reports its diagnostics (AUTODIFF017-024) where they are.
/// </summary>
internal static class DifferentiableTypeAnalysis
{
    public static void Register(CompilationStartAnalysisContext start, INamedTypeSymbol attribute)
        => start.RegisterSymbolAction(context => Analyze(context, attribute), SymbolKind.NamedType);

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol attribute)
    {
        if (context.Symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } type
            || !type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)))
        {
            return;
        }

        foreach (var diagnostic in TypeParser.Parse(type, context.CancellationToken).Diagnostics)
        {
            // Located in the tree of the declaration it was found in, so that #pragma and .editorconfig apply.
            var tree = diagnostic.Location is { } location
                ? type.DeclaringSyntaxReferences.Select(r => r.SyntaxTree).FirstOrDefault(t => t.FilePath == location.FilePath)
                  ?? context.Compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == location.FilePath)
                : null;
            context.ReportDiagnostic(diagnostic.ToDiagnostic(tree));
        }
    }
}
