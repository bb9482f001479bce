using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// AUTODIFF001 (a call to a method without a derivative): "Mark 'F' as [Differentiable]", when <c>F</c> is a method of
/// this solution whose body the generator can differentiate. Adds the attribute (and <c>using AutoDiff;</c> where the
/// name does not resolve yet), and makes <c>F</c>'s type and the types containing it partial where they are not.
/// </summary>
/// <remarks>
/// Whether the body can be differentiated is not guessed: the fix builds the changed solution and runs the generator's
/// own analyzer on it, and is offered only when <c>F</c> then has no AUTODIFF error and the call no longer has one.
/// So a helper that itself calls a non-differentiable method gets no offer; mark that one first.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkDifferentiableCodeFix)), Shared]
public sealed class MarkDifferentiableCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key: one for every callee, so Fix All marks every callee that can be marked.</summary>
    public const string EquivalenceKey = "AUTODIFF001.MarkDifferentiable";

    // Finds the marked methods again after the edit, for the analyzer check.
    private static readonly SyntaxAnnotation s_marked = new(nameof(MarkDifferentiableCodeFix));

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticDescriptors.NonDifferentiableCall.Id);

    // Solution-wide: the callee may be declared in another document, so the document-based helpers do not fit.
    public override FixAllProvider GetFixAllProvider() => new MarkAll();

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (await CheckedTargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is { } checkedTarget)
            {
                context.RegisterCodeFix(
                    CodeAction.Create($"Mark '{checkedTarget.Target.Name}' as [Differentiable]", _ => Task.FromResult(checkedTarget.Changed), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>Whether this fix would be offered for <paramref name="diagnostic"/>.</summary>
    internal static async Task<bool> CanMarkAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        => await CheckedTargetAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>The declaration of a method to mark: its document and span in the solution the diagnostic came from.</summary>
    private sealed record Target(DocumentId DocumentId, TextSpan Span, string Name);

    /// <summary>The callee of the diagnostic's call, when marking it alone passes the analyzer; with that changed solution.</summary>
    private static async Task<(Target Target, Solution Changed)?> CheckedTargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var target = await FindTargetAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        return target is null ? null : await CheckAsync(document, diagnostic, target, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(Target Target, Solution Changed)?> CheckAsync(Document document, Diagnostic diagnostic, Target target, CancellationToken cancellationToken)
    {
        var changed = await MarkAsync(document.Project.Solution, new[] { target }, cancellationToken).ConfigureAwait(false);

        // The callee must be free of AUTODIFF errors once marked...
        var targetDocument = changed.GetDocument(target.DocumentId)!;
        var targetRoot = await targetDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var markedSpan = targetRoot!.GetAnnotatedNodes(s_marked).Single().Span;
        var targetErrors = await AnalyzerProbe.ErrorsAsync(targetDocument, cancellationToken).ConfigureAwait(false);
        if (targetErrors.Any(d => markedSpan.Contains(d.Location.SourceSpan)))
        {
            return null;
        }

        // ...and the call must be fixed by it (which fails when, say, the callee's project does not see the attribute).
        var callerDocument = changed.GetDocument(document.Id)!;
        var callerErrors = callerDocument.Id == targetDocument.Id
            ? targetErrors
            : await AnalyzerProbe.ErrorsAsync(callerDocument, cancellationToken).ConfigureAwait(false);
        var changes = (await callerDocument.GetTextChangesAsync(document, cancellationToken).ConfigureAwait(false)).ToImmutableArray();
        var callSpan = AnalyzerProbe.Map(diagnostic.Location.SourceSpan, changes);
        return callerErrors.Any(d => d.Location.SourceSpan == callSpan) ? null : (target, changed);
    }

    private static async Task<Target?> FindTargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null
            || NonDifferentiableCall.Find(root, semanticModel, diagnostic, cancellationToken) is not { Target: var method }
            || method.IsGenericMethod || method.IsAbstract || method.IsExtern || !NonDifferentiableCall.IsFloating(method.ReturnType)
            || method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.DifferentiableAttributeName)
            || method.DeclaringSyntaxReferences.Length != 1
            || await method.DeclaringSyntaxReferences[0].GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is not MethodDeclarationSyntax declaration)
        {
            return null;
        }

        // A body to differentiate, in a class, struct or record (which can be made partial), in a document we can edit.
        var hasBody = declaration.Body is not null || declaration.ExpressionBody is not null;
        var inPartialableTypes = declaration.Parent is TypeDeclarationSyntax
            && !declaration.Ancestors().Any(a => a is InterfaceDeclarationSyntax);
        var targetDocument = document.Project.Solution.GetDocument(declaration.SyntaxTree);
        if (!hasBody || declaration.Modifiers.Any(SyntaxKind.PartialKeyword) || !inPartialableTypes || targetDocument is null)
        {
            return null;
        }

        var targetCompilation = await targetDocument.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        return targetCompilation?.GetTypeByMetadataName(DifferentiableGenerator.DifferentiableAttributeName) is null
            ? null
            : new Target(targetDocument.Id, declaration.Span, method.Name);
    }

    /// <summary>Adds [Differentiable] to each target, and <c>partial</c> to the types around them that lack it.</summary>
    private static async Task<Solution> MarkAsync(Solution solution, IEnumerable<Target> targets, CancellationToken cancellationToken)
    {
        foreach (var group in targets.GroupBy(t => t.DocumentId))
        {
            var document = solution.GetDocument(group.Key)!;
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var attribute = semanticModel!.Compilation.GetTypeByMetadataName(DifferentiableGenerator.DifferentiableAttributeName)!;
            var generator = SyntaxGenerator.GetGenerator(document);

            var methods = group.Select(t => root!.FindNode(t.Span)).OfType<MethodDeclarationSyntax>().ToList();
            var types = methods.SelectMany(PartialTypes.Missing).Distinct();
            var newRoot = root!.ReplaceNodes(methods.Cast<SyntaxNode>().Concat(types), (original, rewritten) => rewritten switch
            {
                MethodDeclarationSyntax method => generator.AddAttributes(method, AutoDiffImport.Attribute(generator, attribute, semanticModel, original.SpanStart))
                    .WithAdditionalAnnotations(s_marked),
                TypeDeclarationSyntax type => PartialTypes.WithPartial(type),
                _ => rewritten,
            });
            var changed = await AutoDiffImport.AddAsync(document.WithSyntaxRoot(newRoot), cancellationToken).ConfigureAwait(false);
            solution = changed.Project.Solution;
        }

        return solution;
    }

    /// <summary>Fix All: each callee that passes the check alone, all marked in one edit.</summary>
    private sealed class MarkAll : FixAllProvider
    {
        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var cancellationToken = fixAllContext.CancellationToken;
            var diagnostics = await FixAllDiagnostics.InScopeAsync(fixAllContext).ConfigureAwait(false);
            var solution = fixAllContext.Solution;
            var targets = new HashSet<Target>();
            var checkedTargets = new HashSet<Target>();
            foreach (var diagnostic in diagnostics)
            {
                // Each callee is checked once, however many calls it has.
                if (solution.GetDocument(diagnostic.Location.SourceTree) is { } document
                    && await FindTargetAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is { } target
                    && checkedTargets.Add(target)
                    && await CheckAsync(document, diagnostic, target, cancellationToken).ConfigureAwait(false) is not null)
                {
                    targets.Add(target);
                }
            }

            return targets.Count == 0
                ? null
                : CodeAction.Create("Mark the called methods as [Differentiable]", ct => MarkAsync(solution, targets, ct), EquivalenceKey);
        }
    }
}
