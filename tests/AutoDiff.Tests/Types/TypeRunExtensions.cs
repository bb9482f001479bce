using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace AutoDiff.Tests.Types;

/// <summary>What the tests of differentiable types ask of a <see cref="GeneratorRun"/>: the type's own generated file.</summary>
internal static class TypeRunExtensions
{
    public const string Suffix = ".AutoDiff.Gradient.g.cs";

    /// <summary>The generated Gradient file of a type (<c>Ns.Outer.Type</c>), or null.</summary>
    public static GeneratedFile? FindGradientFile(this GeneratorRun run, string typeName)
        => run.GeneratedSources.FirstOrDefault(s => s.HintName == typeName + Suffix);

    /// <summary>The generated Gradient file of a type; fails with the run's description when there is none, or when it has any compiler diagnostic.</summary>
    public static string GradientSourceFor(this GeneratorRun run, string typeName)
    {
        var file = run.FindGradientFile(typeName) ?? throw new XunitException($"No file {typeName}{Suffix}." + Environment.NewLine + run.Describe());
        var diagnostics = run.CompilerDiagnostics.Where(d => d.Location.SourceTree == file.SyntaxTree && d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (diagnostics.Count > 0)
        {
            throw new XunitException($"{file.HintName} has compiler diagnostics:" + Environment.NewLine + GeneratorHarness.Format(diagnostics)
                + Environment.NewLine + Numbered(file.Text));
        }

        return file.Text;
    }

    private static string Numbered(string text)
        => string.Join(Environment.NewLine, text.Split('\n').Select((line, i) => (i + 1).ToString().PadLeft(4) + ": " + line));
}
