using AutoDiff.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace AutoDiff.Tests.CodeFixes;

/// <summary>
/// Runs a code fix of <c>AutoDiff.Generators.CodeFixes</c> the way the IDE does: the generator's
/// <see cref="DifferentiableAnalyzer"/> finds the diagnostics in <c>TestCode</c> (marked <c>{|AUTODIFF001:...|}</c>, or
/// <c>{|#0:...|}</c> with an explicit <see cref="DiagnosticResult"/>), the fix is applied one diagnostic at a time and as
/// Fix All in document, project and solution, and each result must equal <c>FixedCode</c> exactly, compiler errors
/// included. Where a fix must not be offered, <c>FixedCode</c> is <c>TestCode</c>.
/// </summary>
/// <typeparam name="TCodeFix">The code fix under test.</typeparam>
public sealed class CodeFixVerifier<TCodeFix> : CSharpCodeFixTest<DifferentiableAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixVerifier(string testCode, string fixedCode, string equivalenceKey, string? title = null)
    {
        // .NET 8 reference assemblies (fetched from the package registry on first use) and the AutoDiff attributes.
        ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location));
        TestCode = testCode;
        FixedCode = fixedCode;
        CodeActionEquivalenceKey = equivalenceKey;
        if (title is not null)
        {
            CodeActionVerifier = (action, verifier) => verifier.Equal(title, action.Title);
        }
    }

    /// <summary>A diagnostic of the generator's analyzer, by descriptor, for <c>ExpectedDiagnostics</c>.</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

}
