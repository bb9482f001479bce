using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// Runs the generator's own <see cref="DifferentiableAnalyzer"/> on a document of a changed solution. A fix that
/// would only trade one AUTODIFF error for another is not offered: the analyzer, not a copy of its rules, decides.
/// </summary>
internal static class AnalyzerProbe
{
    /// <summary>The AUTODIFF errors the analyzer reports in <paramref name="document"/>.</summary>
    public static async Task<ImmutableArray<Diagnostic>> ErrorsAsync(Document document, CancellationToken cancellationToken)
    {
        var compilation = await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is null || tree is null)
        {
            return ImmutableArray<Diagnostic>.Empty;
        }

        var analyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()), document.Project.AnalyzerOptions);
        var diagnostics = await analyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(tree), filterSpan: null, cancellationToken).ConfigureAwait(false);
        return diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("AUTODIFF", System.StringComparison.Ordinal)).ToImmutableArray();
    }

    /// <summary>Where <paramref name="span"/> of the old text lies in the new one, given the edits between them (none inside it).</summary>
    public static TextSpan Map(TextSpan span, ImmutableArray<TextChange> changes)
    {
        var shift = changes.Where(c => c.Span.End <= span.Start).Sum(c => c.NewText!.Length - c.Span.Length);
        return new TextSpan(span.Start + shift, span.Length);
    }
}
