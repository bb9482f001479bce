using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// The pages of AUTODIFF017-024 show what the build prints: each page's example, compiled under the file name its
/// output names, reports exactly those lines, and its fixed code reports nothing and gets its generated members.
/// </summary>
public sealed partial class DifferentiableTypeDocsTests
{
    public static TheoryData<string> Ids => new(Enumerable.Range(17, 8).Select(i => $"AUTODIFF{i:000}"));

    private static string Page(string id, [CallerFilePath] string thisFile = "")
        => File.ReadAllText(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "docs", "diagnostics", id + ".md")).Replace("\r\n", "\n");

    /// <summary>The page's example, the lines `dotnet build` prints for it, and its fixed code.</summary>
    private static (string Example, string[] Output, string Fixed) Read(string id)
    {
        var page = Page(id);
        var example = page[page.IndexOf("## Example", StringComparison.Ordinal)..];
        var blocks = CodeBlock().Matches(example).Select(m => (Language: m.Groups[1].Value, Text: m.Groups[2].Value)).ToList();
        Assert.True(blocks.Count >= 3, $"{id}.md: the example needs a csharp block, the build output and the fixed csharp block");
        Assert.Equal(("csharp", ""), (blocks[0].Language, ""));
        Assert.Equal("csharp", blocks[2].Language);
        return (blocks[0].Text, blocks[1].Text.Split('\n', StringSplitOptions.RemoveEmptyEntries), blocks[2].Text);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_example_reports_exactly_what_the_page_shows(string id)
    {
        var (example, output, _) = Read(id);
        var file = output[0][..output[0].IndexOf('(')];
        var run = GeneratorHarness.Run(new SourceFile(file, example));
        var printed = run.AnalyzerDiagnostics.Select(d =>
        {
            var start = d.Location.GetLineSpan().StartLinePosition;
            return $"{file}({start.Line + 1},{start.Character + 1}): {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        }).ToArray();
        Assert.True(output.SequenceEqual(printed), "Printed:\n" + string.Join("\n", printed));
        Assert.All(output, line => Assert.Contains($" {id}: ", line));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_fixed_code_reports_nothing_and_gets_its_generated_members(string id)
    {
        var (_, _, fixedCode) = Read(id);
        var run = GeneratorHarness.Run(new SourceFile("Fixed.cs", fixedCode)).AssertGeneratedCodeClean();
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Empty(run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains(run.GeneratedSources, s => s.HintName.EndsWith(TypeRunExtensions.Suffix, StringComparison.Ordinal));
        Assert.NotNull(run.Assembly);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_page_states_the_descriptor_as_it_is(string id)
    {
        var page = Page(id);
        var descriptor = AutoDiff.Generators.DiagnosticDescriptors.ById(id);
        Assert.StartsWith($"# {id}: {descriptor.Title}\n", page);
        Assert.Contains($"| Message | `{descriptor.MessageFormat}` |", page);
        Assert.Contains($"| Severity | {descriptor.DefaultSeverity} |", page);
        var index = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(PagePath(id)))!, "README.md"));
        Assert.Contains($"| [{id}]({id}.md) | {descriptor.DefaultSeverity} | {descriptor.Title} |", index);
    }

    [Fact]
    public void The_examples_of_differentiable_types_md_compile_and_say_what_they_do()
    {
        var page = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(PagePath("AUTODIFF017")))!, "..", "differentiable-types.md")).Replace("\r\n", "\n");
        var blocks = CodeBlock().Matches(page).Where(m => m.Groups[1].Value == "csharp").Select(m => m.Groups[2].Value).ToList();
        string Block(string containing) => blocks.Single(b => b.Contains(containing, StringComparison.Ordinal));

        // The declarations: Linear and Mlp, the model of the flat-order section, and the float layer.
        var floatLayer = Block("FloatLayer");
        var source = "using System;\n" + Block("public partial class Mlp") + "\nnamespace Order {\n" + Block("public Vec2 Offset;").Replace("using AutoDiff;", "")
            + "\n}\n" + floatLayer.Split('\n')[0] + "\n"
            + "public static class Usage\n{\n"
            + "    public static int Mlp()\n    {\n" + Block("var model = new Mlp();") + "        return n + g.Weights.Length * 100;\n    }\n"
            + "    public static void Float()\n    {\n" + string.Join("\n", floatLayer.Split('\n').Skip(1)) + "\n    }\n}\n";
        var run = GeneratorHarness.Run(new SourceFile("Page.cs", source)).AssertGeneratedCodeClean();
        Assert.Empty(run.AnalyzerDiagnostics);
        Assert.Equal(33 + 1600, run.Compiled.Invoke("Usage", "Mlp"));
        run.Compiled.Invoke("Usage", "Float");
        var model = (IDifferentiable)run.Compiled.Create("Order.Model");
        Assert.Equal(19, model.ParameterCount);
    }

    private static string PagePath(string id, [CallerFilePath] string thisFile = "")
        => Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "docs", "diagnostics", id + ".md");

    [GeneratedRegex("```([a-z]*)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
