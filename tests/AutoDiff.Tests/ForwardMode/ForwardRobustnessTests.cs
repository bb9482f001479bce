using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using AutoDiff.Tests.Robustness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// Forward mode on code being typed: the valid methods of <see cref="MutationFuzzTests.Corpus"/> with <c>Forward = true</c>,
/// cut off at random tokens and with random tokens deleted (a fixed seed, so the same mutants every run). For every
/// mutant: the generator and the analyzer throw nothing, nothing reports AUTODIFF900, no tangent method is generated for
/// a method the analyzer reports an error on, and a generated tangent method has no compiler error where the user's
/// code compiles.
/// </summary>
public sealed class ForwardRobustnessTests
{
    private const int Mutants = 320;
    private const int BatchSize = 40;

    private static IEnumerable<(string Description, string Text)> Corpus()
        => MutationFuzzTests.Corpus.Select(s => (s.Name, TangentSuite.Forward(s.ClassText)));

    private static List<(string Description, string Text)> MakeMutants()
    {
        var random = new Random(20261204);
        var corpus = Corpus().ToList();
        var mutants = corpus.Select(c => (c.Description + ": unchanged", c.Text)).ToList();
        while (mutants.Count < Mutants)
        {
            var (name, text) = corpus[random.Next(corpus.Count)];
            var tokens = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
            var token = tokens[random.Next(tokens.Count)];
            mutants.Add(random.Next(2) == 0
                ? ($"{name}: cut before '{token.Text}' at {token.SpanStart}", text[..token.SpanStart])
                : ($"{name}: '{token.Text}' at {token.SpanStart} deleted", text.Remove(token.SpanStart, token.Span.Length)));
        }

        return mutants;
    }

    [Fact]
    public void Mutants_never_crash_and_never_get_a_tangent_that_does_not_compile()
    {
        var mutants = MakeMutants();
        var problems = new List<string>();
        var tangents = 0;
        for (var start = 0; start < mutants.Count; start += BatchSize)
        {
            var batch = mutants.Skip(start).Take(BatchSize).Select((m, i) => (m.Description, Path: $"M{start + i}.cs",
                Text: $"using System;\nusing AutoDiff;\n\nnamespace Fuzz.M{(start + i).ToString(CultureInfo.InvariantCulture)}\n{{\n{m.Text}\n}}\n")).ToList();
            var run = GeneratorHarness.Run(batch.Select(b => new SourceFile(b.Path, b.Text)).ToArray());
            problems.AddRange(run.GeneratorExceptions.Select(e => "generator threw: " + e));
            problems.AddRange(run.AnalyzerDiagnostics.Where(d => d.Id is "AD0001" or "AUTODIFF900").Select(d => d.ToString()));
            problems.AddRange(run.GeneratorDiagnostics.Where(d => d.Id == "AUTODIFF900").Select(d => d.ToString()));
            foreach (var (description, path, _) in batch)
            {
                var input = run.InputCompilation.SyntaxTrees.Single(t => t.FilePath == path);
                var ns = "Fuzz." + System.IO.Path.GetFileNameWithoutExtension(path);
                var generated = run.GeneratedSources.Where(s => s.HintName.StartsWith(ns + ".", StringComparison.Ordinal)).ToList();
                var tangentMethods = generated.SelectMany(g => g.SyntaxTree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
                    .Where(m => m.Identifier.Text.EndsWith("Tangent", StringComparison.Ordinal)).ToList();
                tangents += tangentMethods.Count;
                var errors = run.AnalyzerDiagnostics.Where(d => d.Location.SourceTree == input && d.Severity == DiagnosticSeverity.Error).ToList();
                foreach (var method in tangentMethods)
                {
                    var primal = method.Identifier.Text[..^"Tangent".Length];
                    var declaration = input.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.Identifier.Text == primal);
                    if (declaration is not null && errors.Any(e => declaration.Span.Contains(e.Location.SourceSpan)))
                    {
                        problems.Add($"{description}: a tangent for {primal} despite " + GeneratorHarness.Format(errors));
                    }
                }

                var userCompiles = !run.InputCompilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == input);
                if (userCompiles)
                {
                    foreach (var error in run.CompilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && generated.Any(g => g.SyntaxTree == d.Location.SourceTree)))
                    {
                        var inTangent = error.Location.SourceTree!.GetRoot().FindNode(error.Location.SourceSpan).AncestorsAndSelf().OfType<MethodDeclarationSyntax>()
                            .Any(m => m.Identifier.Text.EndsWith("Tangent", StringComparison.Ordinal));
                        if (inTangent)
                        {
                            problems.Add($"{description}: the tangent does not compile: {error}");
                        }
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));
        Assert.True(tangents > Mutants / 10, $"only {tangents} tangent methods were generated: the mutants test little");
    }
}
