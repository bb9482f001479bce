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
            var calls = new CallGraph();
            start.RegisterSyntaxNodeAction(node => AnalyzeMethod(node, attribute, derivativeOf, index, calls), SyntaxKind.MethodDeclaration);
            start.RegisterCompilationEndAction(end => calls.ReportCallsOfMethodsWithErrors(end));

            // [Differentiable] classes and structs (AUTODIFF017-024): DifferentiableTypeAnalysis.cs.
            DifferentiableTypeAnalysis.Register(start, attribute);
        });
    }

    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context, INamedTypeSymbol attribute, INamedTypeSymbol? derivativeOf, Lazy<Index> index, CallGraph calls)
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
            var hasErrors = AnalyzeDifferentiable(context, syntax, method, index);
            calls.Add(context, syntax, method, attribute, hasErrors, index);
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
            && index.Value.Registrations.FirstOrDefault(r => r.Derivative.TargetId == registration.Derivative.TargetId
                && r.Derivative.IsTangent == registration.Derivative.IsTangent) is { IsInSource: true } first
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

    /// <summary>Reports the method's diagnostics; returns whether it has errors (then it gets no backward method).</summary>
    private static bool AnalyzeDifferentiable(SyntaxNodeAnalysisContext context, MethodDeclarationSyntax syntax, IMethodSymbol method, Lazy<Index> index)
    {
        var parsed = DifferentiableGenerator.Parser.Parse(method, syntax, context.SemanticModel, context.CancellationToken);
        foreach (var diagnostic in parsed.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic(syntax.SyntaxTree));
        }

        if (parsed.Model is null && parsed.PartialModel is null)
        {
            return true;
        }

        var hasErrors = parsed.Model is null;

        try
        {
            var model = DifferentiableGenerator.Derivatives.Attach(parsed.Model ?? parsed.PartialModel!, index.Value.Derivatives);
            var reported = new HashSet<LocationInfo>(parsed.Diagnostics.Select(d => d.Location).OfType<LocationInfo>());
            foreach (var diagnostic in DifferentiableGenerator.Analyze(model).Activity.Diagnostics)
            {
                hasErrors |= diagnostic.IsError;
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

            hasErrors = true;
        }

        return hasErrors;
    }

    /// <summary>
    /// Which [Differentiable] methods of the compilation have errors and which of them each calls, collected as methods
    /// are analysed; at the end, every call of a method that gets no backward (it has errors, or calls such a method)
    /// from a method without errors of its own is AUTODIFF030: that caller gets no backward either (the generator
    /// leaves it out, see <c>Emitter.LayOut</c>), and the user should see why at the call.
    /// </summary>
    private sealed class CallGraph
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Method> _methods = new(StringComparer.Ordinal);

        private sealed record Method(string Display, bool HasErrors, List<(string Callee, string CalleeDisplay, Location Location)> Calls);

        public void Add(SyntaxNodeAnalysisContext context, MethodDeclarationSyntax syntax, IMethodSymbol method, INamedTypeSymbol attribute, bool hasErrors, Lazy<Index> index)
        {
            var calls = new List<(string, string, Location)>();
            var forward = DifferentiableGenerator.Parser.IsForward(method);
            foreach (var invocation in syntax.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is IMethodSymbol target
                    && target.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute))
                    && target.Locations.Any(l => l.IsInSource))
                {
                    var id = DifferentiableGenerator.Parser.MethodId(target);
                    // A registered derivative replaces the callee's generated backward (and for a tangent, a registered
                    // tangent its generated tangent), as Emitter.Generate decides.
                    if (!index.Value.Registrations.Any(r => r.Derivative.TargetId == id && !r.Derivative.IsTangent)
                        || (forward && !index.Value.Registrations.Any(r => r.Derivative.TargetId == id && r.Derivative.IsTangent)))
                    {
                        calls.Add((id, target.ContainingType.Name + "." + target.Name, invocation.GetLocation()));
                    }
                }
            }

            _methods[DifferentiableGenerator.Parser.MethodId(method)] = new Method(method.ContainingType.Name + "." + method.Name, hasErrors, calls);
        }

        public void ReportCallsOfMethodsWithErrors(CompilationAnalysisContext context)
        {
            // Fixed point: a method without a backward makes its callers lose theirs.
            var missing = new HashSet<string>(_methods.Where(m => m.Value.HasErrors).Select(m => m.Key), StringComparer.Ordinal);
            for (var changed = true; changed;)
            {
                changed = false;
                foreach (var pair in _methods)
                {
                    if (!missing.Contains(pair.Key) && pair.Value.Calls.Any(c => missing.Contains(c.Callee)))
                    {
                        missing.Add(pair.Key);
                        changed = true;
                    }
                }
            }

            foreach (var method in _methods.Values.Where(m => !m.HasErrors))
            {
                foreach (var call in method.Calls.Where(c => missing.Contains(c.Callee)))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CalleeHasErrors, call.Location, call.CalleeDisplay, method.Display));
                }
            }
        }
    }
}
