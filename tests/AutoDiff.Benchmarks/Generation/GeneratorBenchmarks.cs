using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using AutoDiff.Generators;
using Basic.Reference.Assemblies;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AutoDiff.Benchmarks;

/// <summary>
/// Runs <see cref="DifferentiableGenerator"/> with <see cref="CSharpGeneratorDriver"/> over <see cref="SyntheticProject"/>
/// (1 000 [Differentiable] methods in 50 partial classes and files), as the compiler and the IDE do.
/// </summary>
public static class SyntheticCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_references = Net80.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
        .ToImmutableArray();

    private static readonly CSharpCompilationOptions s_options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithOptimizationLevel(OptimizationLevel.Release);

    public static SyntaxTree Parse(string path, string text) => CSharpSyntaxTree.ParseText(text, ParseOptions, path, Encoding.UTF8);

    public static ImmutableArray<SyntaxTree> ParseAll() => SyntheticProject.Files().Select(f => Parse(f.Path, f.Text)).ToImmutableArray();

    public static CSharpCompilation Create(ImmutableArray<SyntaxTree> trees) => CSharpCompilation.Create("Synthetic", trees, s_references, s_options);

    /// <summary>A driver as the compiler makes one: no step tracking.</summary>
    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        new[] { new DifferentiableGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);

    /// <summary>
    /// Runs the generator once over the project and compiles the output: a description of what came out, and whether
    /// it is what the benchmarks assume (one file per class, a backward method per method, no diagnostics, no errors).
    /// </summary>
    public static (bool Ok, string Description) Verify()
    {
        var compilation = Create(ParseAll());
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult().Results.Single();
        int files = result.GeneratedSources.Length;
        int backwards = result.GeneratedSources.Sum(s => CountOccurrences(s.SourceText.ToString(), "Backward(double x, double y, double z"));
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        bool ok = result.Exception is null && generatorDiagnostics.IsEmpty && errors.Count == 0
            && files == SyntheticProject.FileCount && backwards == SyntheticProject.FileCount * SyntheticProject.MethodsPerFile;
        var description = $"{files} generated files, {backwards} backward methods, {generatorDiagnostics.Length} generator diagnostics, "
            + $"{errors.Count} compiler errors in the output{(errors.Count > 0 ? " (first: " + errors[0] + ")" : string.Empty)}"
            + (result.Exception is null ? string.Empty : ", exception " + result.Exception);
        return (ok, description);
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

/// <summary>
/// Generator time over the synthetic 1 000-method project. Cold: a new driver's first run on a new compilation of
/// newly parsed files (parsed beforehand: parsing is the compiler's work, not the generator's; binding the methods,
/// which the generator's semantic queries trigger, is counted). Edit: the warm driver of the unedited project runs
/// on the compilation in which one file's tree is replaced by a new parse with one method's constant changed (a new
/// value each iteration), as the IDE does after a keystroke. Comment edit: the same, but the change is a comment in
/// that file, outside any method: no output may change.
/// </summary>
[Config(typeof(GeneratorConfig))]
[BenchmarkCategory("Generator")]
public class GeneratorBenchmarks
{
    private ImmutableArray<SyntaxTree> _trees;
    private CSharpCompilation _baseCompilation = null!;
    private GeneratorDriver _warmDriver = null!;
    private CSharpCompilation _next = null!;
    private int _edit;

    [GlobalSetup]
    public void Setup()
    {
        _trees = SyntheticCompilation.ParseAll();
        _baseCompilation = SyntheticCompilation.Create(_trees);
        _warmDriver = SyntheticCompilation.CreateDriver().RunGenerators(_baseCompilation);
        var sources = _warmDriver.GetRunResult().Results.Single().GeneratedSources.Length;
        if (sources != SyntheticProject.FileCount)
        {
            throw new InvalidOperationException($"Expected {SyntheticProject.FileCount} generated files, got {sources}: run --check.");
        }
    }

    // Newly parsed files as well: the generator keeps parse results per syntax node, which a cold run must not find.
    [IterationSetup(Target = nameof(Cold))]
    public void NewCompilation() => _next = SyntheticCompilation.Create(SyntheticCompilation.ParseAll());

    [IterationSetup(Target = nameof(EditOneMethod))]
    public void EditOneMethodSetup() => _next = Replace(SyntheticProject.FileText(SyntheticProject.EditedFile, ++_edit));

    [IterationSetup(Target = nameof(EditComment))]
    public void EditCommentSetup() => _next = Replace(SyntheticProject.FileText(SyntheticProject.EditedFile) + "// edit " + ++_edit + Environment.NewLine);

    [Benchmark]
    public GeneratorDriver Cold() => SyntheticCompilation.CreateDriver().RunGenerators(_next);

    [Benchmark]
    public GeneratorDriver EditOneMethod() => _warmDriver.RunGenerators(_next);

    [Benchmark]
    public GeneratorDriver EditComment() => _warmDriver.RunGenerators(_next);

    private CSharpCompilation Replace(string text)
    {
        var old = _trees[SyntheticProject.EditedFile];
        return _baseCompilation.ReplaceSyntaxTree(old, SyntheticCompilation.Parse(old.FilePath, text));
    }
}
