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
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// AUTODIFF040 (a <c>Forward = true</c> method calls a [Differentiable] method that has no tangent): "Add Forward = true
/// to 'G'", which writes <c>Forward = true</c> into the callee's <c>[Differentiable]</c> attribute (replacing
/// <c>Forward = false</c> where it is written). Not offered where forward mode does not support the callee (an instance
/// method of a differentiable type, a parameter of a differentiable class: AUTODIFF042) or its declaration is not in
/// this solution. The callee may then report AUTODIFF040 at calls of its own: the fix applies there in turn, or Fix All.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddForwardCodeFix)), Shared]
public sealed class AddForwardCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key: one for every callee, so Fix All marks every callee.</summary>
    public const string EquivalenceKey = "AUTODIFF040.AddForward";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticDescriptors.CalleeWithoutTangent.Id);

    // Solution-wide: the callee may be declared in another document.
    public override FixAllProvider GetFixAllProvider() => new AddAll();

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (await FindTargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is { } target)
            {
                var solution = context.Document.Project.Solution;
                context.RegisterCodeFix(
                    CodeAction.Create($"Add Forward = true to '{target.Name}'", ct => AddAsync(solution, new[] { target }, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>The callee's [Differentiable] attribute: its document and span.</summary>
    private sealed record Target(DocumentId DocumentId, TextSpan Span, string Name);

    private static async Task<Target?> FindTargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax call
            || semanticModel?.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        method = method.ReducedFrom ?? method;
        if (DifferentiableGenerator.Parser.IsDifferentiableInstanceMethod(method)
            || method.Parameters.Any(p => DifferentiableGenerator.Parser.RoleOf(p) == Model.ParameterRole.Object)
            || method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.DifferentiableAttributeName) is not { } attribute
            || attribute.ApplicationSyntaxReference is not { } reference
            || document.Project.Solution.GetDocument(reference.SyntaxTree) is not { } targetDocument)
        {
            return null;
        }

        return new Target(targetDocument.Id, reference.Span, method.Name);
    }

    private static async Task<Solution> AddAsync(Solution solution, IEnumerable<Target> targets, CancellationToken cancellationToken)
    {
        foreach (var group in targets.GroupBy(t => t.DocumentId))
        {
            var document = solution.GetDocument(group.Key)!;
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var attributes = group.Select(t => root!.FindNode(t.Span)).Select(n => n.FirstAncestorOrSelf<AttributeSyntax>()).OfType<AttributeSyntax>().Distinct().ToList();
            var newRoot = root!.ReplaceNodes(attributes, (_, rewritten) => WithForward(rewritten));
            solution = document.WithSyntaxRoot(newRoot).Project.Solution;
        }

        return solution;
    }

    /// <summary><c>[Differentiable]</c> -> <c>[Differentiable(Forward = true)]</c>; an existing <c>Forward = false</c> becomes true.</summary>
    private static AttributeSyntax WithForward(AttributeSyntax attribute)
    {
        var value = SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression);
        var arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        var existing = arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == DifferentiableGenerator.Parser.ForwardPropertyName);
        if (existing is not null)
        {
            return attribute.ReplaceNode(existing.Expression, value.WithTriviaFrom(existing.Expression));
        }

        var forward = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(DifferentiableGenerator.Parser.ForwardPropertyName), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
            null,
            value);
        return attribute.WithArgumentList(arguments.AddArguments(forward));
    }

    /// <summary>Fix All: every callee once, in one edit.</summary>
    private sealed class AddAll : FixAllProvider
    {
        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var cancellationToken = fixAllContext.CancellationToken;
            var diagnostics = await FixAllDiagnostics.InScopeAsync(fixAllContext).ConfigureAwait(false);
            var solution = fixAllContext.Solution;
            var targets = new HashSet<Target>();
            foreach (var diagnostic in diagnostics)
            {
                if (solution.GetDocument(diagnostic.Location.SourceTree) is { } document
                    && await FindTargetAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is { } target)
                {
                    targets.Add(target);
                }
            }

            return targets.Count == 0
                ? null
                : CodeAction.Create("Add Forward = true to the called methods", ct => AddAsync(solution, targets, ct), EquivalenceKey);
        }
    }
}
