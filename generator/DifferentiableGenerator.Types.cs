using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// The type pipeline: each <c>[Differentiable]</c> class or struct read into its model (<see cref="TypeParser"/>)
    /// and written to a file of its own (<see cref="TypeEmitter"/>), <c>Ns.Type.AutoDiff.Gradient.g.cs</c>, beside the
    /// <c>Ns.Type.AutoDiff.g.cs</c> of its [Differentiable] methods when it has some. A type with an error, or that holds
    /// a differentiable type with one, gets no file; <see cref="DifferentiableAnalyzer"/> reports why.
    /// </summary>
    private static void InitializeTypes(IncrementalGeneratorInitializationContext context)
    {
        var types = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DifferentiableAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                static (context, cancellationToken) => context.TargetSymbol is INamedTypeSymbol type && IsAttributedDeclaration(type, context.TargetNode, cancellationToken)
                    ? TypeParser.Parse(type, cancellationToken).Model
                    : null)
            .WithTrackingName(TrackingNames.TypeParse)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.DifferentiableTypes);

        context.RegisterSourceOutput(types, static (context, type) => TypeEmitter.Emit(context, type));
    }

    /// <summary>
    /// Whether this declaration of the type is the one whose [Differentiable] counts: the attribute written twice on
    /// parts of one type (the compiler's CS0579) must not make two files of the same name.
    /// </summary>
    private static bool IsAttributedDeclaration(INamedTypeSymbol type, SyntaxNode node, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == DifferentiableAttributeName)
            {
                return attribute.ApplicationSyntaxReference is not { } reference
                    || reference.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>() == node;
            }
        }

        return false;
    }
}
