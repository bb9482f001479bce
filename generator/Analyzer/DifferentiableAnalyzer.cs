using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
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
/// It also validates each [DerivativeOf] method (AUTODIFF011-016) and, like the generator, gives the calls of every
/// [Differentiable] method the registered derivatives of the whole compilation and its references; and it checks each
/// [Differentiable] class or struct with <see cref="TypeParser"/> (AUTODIFF017-024, <see cref="DifferentiableTypeAnalysis"/>).
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

            var derivativeOf = start.Compilation.GetTypeByMetadataName(DifferentiableGenerator.DerivativeOfAttributeName);
            var compilation = start.Compilation;
            var cancellationToken = start.CancellationToken;

            // One registered derivative per target, over the whole compilation: built once, on first use.
            var index = new Lazy<Index>(
                () => new Index(DifferentiableGenerator.Derivatives.Index(ScanSource(compilation, derivativeOf, cancellationToken)
                    .Concat(DifferentiableGenerator.Derivatives.ReadReferenced(compilation, cancellationToken)))),
                System.Threading.LazyThreadSafetyMode.PublicationOnly);
            start.RegisterSyntaxNodeAction(node => AnalyzeMethod(node, attribute, derivativeOf, index), SyntaxKind.MethodDeclaration);

            // [Differentiable] classes and structs (AUTODIFF017-024): DifferentiableTypeAnalysis.cs.
            DifferentiableTypeAnalysis.Register(start, attribute);
        });
    }

    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context, INamedTypeSymbol attribute, INamedTypeSymbol? derivativeOf, Lazy<Index> index)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.AttributeLists.Count == 0
            || context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not IMethodSymbol method)
        {
            return;
        }

        var attributes = method.GetAttributes();
        if (attributes.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, derivativeOf)) is { } registration)
        {
            AnalyzeRegistration(context, method, registration, index);
        }

        if (attributes.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)))
        {
            AnalyzeDifferentiable(context, syntax, method, index);
        }
    }

    private static void AnalyzeRegistration(SyntaxNodeAnalysisContext context, IMethodSymbol method, AttributeData attribute, Lazy<Index> index)
    {
        var tree = context.Node.SyntaxTree;
        var result = DifferentiableGenerator.Derivatives.Read(method, attribute, DifferentiableGenerator.Derivatives.SourceOrder(attribute), isInSource: true, context.CancellationToken);
        foreach (var diagnostic in result.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(tree));
        }

        // A second registration of the same target (the first in file and position order counts).
        if (result.Registration is { } registration
            && index.Value.Registrations.FirstOrDefault(r => r.Derivative.TargetId == registration.Derivative.TargetId) is { IsInSource: true } first
            && first.Order != registration.Order)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateDerivative, attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation(),
                registration.Display, registration.TargetDisplay, first.Display).ToDiagnostic(tree));
        }
    }

    /// <summary>The registration used for each target (as the generator chooses them), and what callers attach.</summary>
    private sealed class Index(EquatableArray<DerivativeRegistration> registrations)
    {
        public EquatableArray<DerivativeRegistration> Registrations { get; } = registrations;

        public EquatableArray<CustomDerivative> Derivatives { get; } = registrations.Select(r => r.Derivative).ToEquatableArray();
    }

    /// <summary>Every valid [DerivativeOf] registration declared in the compilation's source.</summary>
    private static IEnumerable<DerivativeRegistration> ScanSource(Compilation compilation, INamedTypeSymbol? derivativeOf, System.Threading.CancellationToken cancellationToken)
    {
        if (derivativeOf is null)
        {
            yield break;
        }

        // The names of attributed methods, found in syntax; then their symbols (a compilation-wide index has no
        // semantic model of its own to ask, and must not create one).
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees)
        {
            // Methods are members of types, which are members of namespaces: no need to look into method bodies.
            foreach (var syntax in tree.GetRoot(cancellationToken)
                .DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax)
                .OfType<MethodDeclarationSyntax>())
            {
                if (syntax.AttributeLists.Count > 0)
                {
                    names.Add(syntax.Identifier.ValueText);
                }
            }
        }

        foreach (var symbol in compilation.GetSymbolsWithName(names.Contains, SymbolFilter.Member, cancellationToken))
        {
            if (symbol is IMethodSymbol method
                && method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, derivativeOf)) is { } attribute
                && DifferentiableGenerator.Derivatives.Read(method, attribute, DifferentiableGenerator.Derivatives.SourceOrder(attribute), isInSource: true, cancellationToken).Registration is { } registration)
            {
                yield return registration;
            }
        }
    }

    private static void AnalyzeDifferentiable(SyntaxNodeAnalysisContext context, MethodDeclarationSyntax syntax, IMethodSymbol method, Lazy<Index> index)
    {
        var parsed = DifferentiableGenerator.Parser.Parse(method, syntax, context.SemanticModel, context.CancellationToken);
        foreach (var diagnostic in parsed.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(syntax.SyntaxTree));
        }

        if (parsed.Model is null && parsed.PartialModel is null)
        {
            return;
        }

        try
        {
            var model = DifferentiableGenerator.Derivatives.Attach(parsed.Model ?? parsed.PartialModel!, index.Value.Derivatives);
            var reported = new HashSet<LocationInfo>(parsed.Diagnostics.Select(d => d.Location).OfType<LocationInfo>());
            foreach (var diagnostic in DifferentiableGenerator.Analyze(model).Activity.Diagnostics)
            {
                // For a method that already has errors, only further errors at other constructs: a warning such as
                // "the result does not depend on a parameter" may be an effect of what the errors left out.
                if (parsed.Model is not null || (diagnostic.IsError && diagnostic.Location is { } location && reported.Add(location)))
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic(syntax.SyntaxTree));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The partial model of a method with errors may not lower (a statement left out); its errors stand as they are.
            if (parsed.Model is not null)
            {
                context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, syntax.Identifier.GetLocation(),
                    method.Name, ex.GetType().Name + ": " + ex.Message).ToDiagnostic(syntax.SyntaxTree));
            }
        }
    }
}
