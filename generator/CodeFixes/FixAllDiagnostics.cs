using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>The diagnostics a solution-wide Fix All works on, for the scopes a <see cref="FixAllProvider"/> offers by default.</summary>
internal static class FixAllDiagnostics
{
    public static async Task<ImmutableArray<Diagnostic>> InScopeAsync(FixAllContext context)
    {
        var projects = context.Scope switch
        {
            FixAllScope.Project => new[] { context.Project },
            FixAllScope.Solution => context.Solution.Projects.ToArray(),
            _ => new Project[0],
        };

        var diagnostics = new List<Diagnostic>();
        if (context.Scope == FixAllScope.Document && context.Document is not null)
        {
            diagnostics.AddRange(await context.GetDocumentDiagnosticsAsync(context.Document).ConfigureAwait(false));
        }

        foreach (var project in projects)
        {
            diagnostics.AddRange(await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
        }

        return diagnostics.Where(d => d.Location.IsInSource).ToImmutableArray();
    }
}
