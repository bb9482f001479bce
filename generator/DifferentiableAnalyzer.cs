using System;
using System.Collections.Immutable;
using System.Linq;
using AutoDiff.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiff.Generators;

/// <summary>
/// Reports the generator's diagnostics live in the editor and in <c>dotnet build</c>. IDEs may run generators only
/// on save, and a generator's diagnostics cannot be configured like an analyzer's; so this analyzer runs the same
/// stages as the generator (<see cref="DifferentiableGenerator.Parser"/>, lowering, activity analysis) on each
/// [Differentiable] method and reports what they find, while the generator stays silent and skips methods with errors.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DifferentiableAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attribute = start.Compilation.GetTypeByMetadataName(DifferentiableGenerator.DifferentiableAttributeName);
            if (attribute is null)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(node => AnalyzeMethod(node, attribute), SyntaxKind.MethodDeclaration);
        });
    }

    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context, INamedTypeSymbol attribute)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.AttributeLists.Count == 0
            || context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not IMethodSymbol method
            || !method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)))
        {
            return;
        }

        var parsed = DifferentiableGenerator.Parser.Parse(method, syntax, context.SemanticModel, context.CancellationToken);
        foreach (var diagnostic in parsed.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(syntax.SyntaxTree));
        }

        if (parsed.Model is null)
        {
            return;
        }

        try
        {
            foreach (var diagnostic in DifferentiableGenerator.BuildBackward(parsed.Model).Diagnostics)
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic(syntax.SyntaxTree));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, syntax.Identifier.GetLocation(),
                method.Name, ex.GetType().Name + ": " + ex.Message).ToDiagnostic(syntax.SyntaxTree));
        }
    }
}
