using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit.Sdk;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>A diagnostic a test expects: its ID and exact span.</summary>
public sealed record ExpectedDiagnostic(string Id, TextSpan Span, LinePositionSpan LineSpan)
{
    public override string ToString() => $"{Id} at {DiagnosticMarkup.Format(LineSpan)}";
}

/// <summary>
/// Test sources mark expected diagnostics inline as <c>{|AUTODIFF001:Helper(x)|}</c>; markers nest. <see cref="Parse"/>
/// strips them and records each ID with the span of the text it encloses, and <see cref="Verify"/> compares those with
/// the diagnostics actually reported on a syntax tree: same IDs at the same start and end line and column, nothing more.
/// </summary>
public static class DiagnosticMarkup
{
    public static (string Text, ImmutableArray<ExpectedDiagnostic> Expected) Parse(string markup)
    {
        var text = new StringBuilder();
        var open = new Stack<(string Id, int Start)>();
        var spans = new List<(string Id, TextSpan Span)>();
        for (var i = 0; i < markup.Length;)
        {
            if (markup[i] == '{' && i + 1 < markup.Length && markup[i + 1] == '|')
            {
                var colon = markup.IndexOf(':', i + 2);
                if (colon < 0)
                {
                    throw new ArgumentException($"Unterminated marker at {i}: '{{|' needs 'ID:'.");
                }

                open.Push((markup.Substring(i + 2, colon - i - 2), text.Length));
                i = colon + 1;
            }
            else if (markup[i] == '|' && i + 1 < markup.Length && markup[i + 1] == '}' && open.Count > 0)
            {
                var (id, start) = open.Pop();
                spans.Add((id, TextSpan.FromBounds(start, text.Length)));
                i += 2;
            }
            else
            {
                text.Append(markup[i]);
                i++;
            }
        }

        if (open.Count > 0)
        {
            throw new ArgumentException($"Unclosed marker '{open.Peek().Id}'.");
        }

        var source = text.ToString();
        var lines = SourceText.From(source).Lines;
        return (source, spans
            .OrderBy(s => s.Span.Start).ThenBy(s => s.Id, StringComparer.Ordinal)
            .Select(s => new ExpectedDiagnostic(s.Id, s.Span, lines.GetLinePositionSpan(s.Span)))
            .ToImmutableArray());
    }

    /// <summary>
    /// Fails unless the AUTODIFF diagnostics located in <paramref name="tree"/> are exactly the expected ones (ID, start
    /// and end), each with the expected severity. AD0001 (an analyzer crash) in the tree always fails.
    /// </summary>
    public static void Verify(IEnumerable<Diagnostic> diagnostics, SyntaxTree tree, IEnumerable<ExpectedDiagnostic> expected,
        IReadOnlyDictionary<string, DiagnosticSeverity> severities)
    {
        // Matched by file path, not SourceTree, so that a diagnostic with a file (not source) location is still found;
        // DiagnosticTests asserts separately that locations are in source.
        var actual = diagnostics.Where(d => d.Location.GetLineSpan().Path == tree.FilePath).ToList();
        var expectedKeys = expected.Select(e => Key(e.Id, e.LineSpan)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var actualKeys = actual.Select(d => Key(d.Id, d.Location.GetLineSpan().Span)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var wrongSeverity = actual.Where(d => severities.TryGetValue(d.Id, out var s) && s != d.Severity).ToList();

        if (expectedKeys.SequenceEqual(actualKeys) && wrongSeverity.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        sb.AppendLine("Expected diagnostics:");
        foreach (var e in expected)
        {
            sb.AppendLine($"  {e}    {Excerpt(tree, e.Span)}");
        }

        sb.AppendLine("Actual diagnostics:");
        foreach (var d in actual)
        {
            sb.AppendLine($"  {d.Id} at {Format(d.Location.GetLineSpan().Span)} ({d.Severity})    {Excerpt(tree, d.Location.SourceSpan)}");
            sb.AppendLine($"      {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        foreach (var d in wrongSeverity)
        {
            sb.AppendLine($"Severity of {d.Id} is {d.Severity}, expected {severities[d.Id]}.");
        }

        sb.AppendLine("Source:");
        var lines = tree.GetText().Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            sb.Append((i + 1).ToString().PadLeft(4)).Append(": ").AppendLine(lines[i].ToString());
        }

        throw new XunitException(sb.ToString());
    }

    /// <summary>1-based <c>(line,col)-(line,col)</c>.</summary>
    public static string Format(LinePositionSpan span)
        => $"({span.Start.Line + 1},{span.Start.Character + 1})-({span.End.Line + 1},{span.End.Character + 1})";

    private static string Key(string id, LinePositionSpan span) => id + " " + Format(span);

    private static string Excerpt(SyntaxTree tree, TextSpan span)
    {
        var text = tree.GetText().ToString(span).Replace("\r", "").Replace("\n", "\\n");
        return "'" + (text.Length > 60 ? text[..57] + "..." : text) + "'";
    }
}
