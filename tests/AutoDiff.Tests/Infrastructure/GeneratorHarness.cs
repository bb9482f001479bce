using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using AutoDiff.Generators;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Sdk;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>One input file of a test compilation: its path (used in diagnostics and hint-name comments) and text.</summary>
public sealed record SourceFile(string Path, string Text)
{
    public static implicit operator SourceFile(string text) => new("Input0.cs", text);
}

/// <summary>
/// Runs <see cref="DifferentiableGenerator"/> and <see cref="DifferentiableAnalyzer"/> over C# source text the way the
/// compiler does, and gives tests everything they assert on: the generated files, every kind of diagnostic, the driver's
/// tracked steps, and (when the output compiles) an emitted assembly to call the generated backward methods.
/// </summary>
/// <remarks>
/// Compiling is the slow part (0.3-1 s a compilation), so tests batch many methods into one source and compile it
/// once per test class (a static <see cref="Lazy{T}"/> or a class fixture), then look methods up by type and name.
/// </remarks>
public static class GeneratorHarness
{
    /// <summary>The parse options of every test compilation: the newest C# the reference compiler knows.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>.NET 8 reference assemblies plus the AutoDiff runtime (the attributes).</summary>
    public static readonly ImmutableArray<MetadataReference> References = Net80.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location))
        .ToImmutableArray();

    /// <summary>Nullable enabled, every warning level on, unsafe allowed (so that unsafe code reaches our diagnostic, not CS0227).</summary>
    public static readonly CSharpCompilationOptions CompilationOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithWarningLevel(9999)
        .WithAllowUnsafe(true)
        .WithOptimizationLevel(OptimizationLevel.Release)
        .WithDeterministic(true);

    /// <summary>Builds the input compilation from source files (named Input0.cs, Input1.cs ... unless given a path).</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<SourceFile> sources, string assemblyName = "TestInput")
    {
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(
            s.Text, ParseOptions, path: s.Path == "Input0.cs" ? $"Input{i}.cs" : s.Path, encoding: Encoding.UTF8));
        return CSharpCompilation.Create(assemblyName + "_" + Guid.NewGuid().ToString("N"), trees, References, CompilationOptions);
    }

    /// <summary>A fresh driver with step tracking on, as the incrementality tests need.</summary>
    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            new[] { new DifferentiableGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs generator and analyzer over the given sources.</summary>
    public static GeneratorRun Run(params SourceFile[] sources) => Run(sources, runAnalyzer: true);

    /// <summary>Runs the generator (and, unless told not to, the analyzer) over the given sources.</summary>
    public static GeneratorRun Run(IEnumerable<SourceFile> sources, bool runAnalyzer)
    {
        var input = CreateCompilation(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var generatorDiagnostics);
        var analyzerDiagnostics = runAnalyzer ? RunAnalyzer(input) : ImmutableArray<Diagnostic>.Empty;
        return new GeneratorRun(input, (CSharpCompilation)output, driver, generatorDiagnostics, analyzerDiagnostics);
    }

    /// <summary>Runs <see cref="DifferentiableAnalyzer"/> over a compilation and returns every diagnostic it reports, including AD0001.</summary>
    public static ImmutableArray<Diagnostic> RunAnalyzer(Compilation compilation)
    {
        var withAnalyzers = compilation.WithAnalyzers(
            ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer()),
            new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: null,
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false));

        // GetAllDiagnosticsAsync also returns AD0001 (an analyzer exception), which GetAnalyzerDiagnosticsAsync keeps to itself.
        return withAnalyzers.GetAllDiagnosticsAsync().GetAwaiter().GetResult()
            .Where(d => d.Id.StartsWith("AUTODIFF", StringComparison.Ordinal) || d.Id == "AD0001")
            .OrderBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    /// <summary>One line per diagnostic, for failure messages: <c>Input0.cs(3,9-3,20): error AUTODIFF001: message</c>.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics)
    {
        var sb = new StringBuilder();
        foreach (var d in diagnostics)
        {
            var span = d.Location.GetLineSpan();
            var where = d.Location.IsInSource || d.Location.Kind == LocationKind.ExternalFile
                ? $"{Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}-{span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})"
                : "(no location)";
            sb.Append("  ").Append(where).Append(": ").Append(d.Severity.ToString().ToLowerInvariant()).Append(' ')
                .Append(d.Id).Append(": ").AppendLine(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.Length == 0 ? "  (none)" + Environment.NewLine : sb.ToString();
    }
}

/// <summary>The result of one generator and analyzer run.</summary>
public sealed class GeneratorRun
{
    private readonly Lazy<CompiledAssembly?> _assembly;
    private readonly Lazy<ImmutableArray<Diagnostic>> _compilerDiagnostics;

    internal GeneratorRun(CSharpCompilation input, CSharpCompilation output, GeneratorDriver driver,
        ImmutableArray<Diagnostic> generatorDiagnostics, ImmutableArray<Diagnostic> analyzerDiagnostics)
    {
        InputCompilation = input;
        OutputCompilation = output;
        Driver = driver;
        RunResult = driver.GetRunResult();
        GeneratorDiagnostics = generatorDiagnostics;
        AnalyzerDiagnostics = analyzerDiagnostics;
        GeneratedSources = RunResult.Results.SelectMany(r => r.GeneratedSources)
            .Select(s => new GeneratedFile(s.HintName, s.SourceText.ToString(), s.SyntaxTree))
            .ToImmutableArray();
        _compilerDiagnostics = new(() => output.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden).ToImmutableArray());
        _assembly = new(() => CompiledAssembly.TryEmit(this));
    }

    public CSharpCompilation InputCompilation { get; }

    public CSharpCompilation OutputCompilation { get; }

    public GeneratorDriver Driver { get; }

    public GeneratorDriverRunResult RunResult { get; }

    /// <summary>The files the generator added, in the driver's order.</summary>
    public ImmutableArray<GeneratedFile> GeneratedSources { get; }

    /// <summary>Diagnostics the generator itself reported (it should report none but AUTODIFF900 and CS8785 crashes).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    /// <summary>AUTODIFF and AD0001 diagnostics of <see cref="DifferentiableAnalyzer"/>, ordered by position.</summary>
    public ImmutableArray<Diagnostic> AnalyzerDiagnostics { get; }

    /// <summary>Compiler warnings and errors of the output compilation (input plus generated code).</summary>
    public ImmutableArray<Diagnostic> CompilerDiagnostics => _compilerDiagnostics.Value;

    /// <summary>Compiler warnings and errors located in generated files: any of them fails a test.</summary>
    public ImmutableArray<Diagnostic> GeneratedCodeDiagnostics => CompilerDiagnostics
        .Where(d => d.Severity >= DiagnosticSeverity.Warning && IsGenerated(d.Location.SourceTree))
        .ToImmutableArray();

    /// <summary>Exceptions the generator threw (the driver turns them into CS8785).</summary>
    public ImmutableArray<Exception> GeneratorExceptions => RunResult.Results.Where(r => r.Exception is not null).Select(r => r.Exception!).ToImmutableArray();

    /// <summary>The emitted output compilation, or null when it has errors (the emit diagnostics then explain why).</summary>
    public CompiledAssembly? Assembly => _assembly.Value;

    /// <summary>The emitted output compilation; fails the test with every diagnostic when it does not compile.</summary>
    public CompiledAssembly Compiled => Assembly ?? throw new XunitException(
        "The output compilation does not compile." + Environment.NewLine + Describe());

    public bool IsGenerated(SyntaxTree? tree) => tree is not null && GeneratedSources.Any(s => s.SyntaxTree == tree);

    /// <summary>The generated file of a type, found by its metadata-ish name (e.g. <c>Ns.Outer.Inner</c> or just <c>C</c>); null when none.</summary>
    public GeneratedFile? FindGeneratedFile(string typeName)
    {
        var hint = typeName.Replace('+', '.') + ".AutoDiff.g.cs";
        return GeneratedSources.FirstOrDefault(s => s.HintName == hint)
            ?? GeneratedSources.FirstOrDefault(s => s.HintName.EndsWith("." + hint, StringComparison.Ordinal));
    }

    /// <summary>The generated source of a type; fails the test with the available files and all diagnostics when missing.</summary>
    public string GeneratedSourceFor(string typeName)
        => FindGeneratedFile(typeName)?.Text ?? throw new XunitException(
            $"No generated file for type '{typeName}'." + Environment.NewLine + Describe());

    /// <summary>Fails unless the generator threw nothing and the generated code compiles without any warning (TreatWarningsAsErrors).</summary>
    public GeneratorRun AssertGeneratedCodeClean()
    {
        if (!GeneratorExceptions.IsEmpty || !GeneratedCodeDiagnostics.IsEmpty
            || GeneratorDiagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning))
        {
            throw new XunitException("The generated code is not clean." + Environment.NewLine + Describe());
        }

        return this;
    }

    /// <summary>Everything useful in a failure message: hint names, all diagnostics.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine("Generated files: " + (GeneratedSources.IsEmpty ? "(none)" : string.Join(", ", GeneratedSources.Select(s => s.HintName))));
        foreach (var ex in GeneratorExceptions)
        {
            sb.AppendLine("Generator exception: " + ex);
        }

        sb.AppendLine("Generator diagnostics:").Append(GeneratorHarness.Format(GeneratorDiagnostics));
        sb.AppendLine("Analyzer diagnostics:").Append(GeneratorHarness.Format(AnalyzerDiagnostics));
        var errors = CompilerDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Take(30).ToList();
        sb.AppendLine("Compiler diagnostics (first 30 warnings and errors):").Append(GeneratorHarness.Format(errors));
        foreach (var tree in errors.Select(e => e.Location.SourceTree).Where(IsGenerated).Distinct().Take(2))
        {
            sb.AppendLine("--- " + Path.GetFileName(tree!.FilePath) + " ---");
            var lines = tree.GetText().Lines;
            for (var i = 0; i < lines.Count; i++)
            {
                sb.Append((i + 1).ToString().PadLeft(4)).Append(": ").AppendLine(lines[i].ToString());
            }
        }

        return sb.ToString();
    }
}

/// <summary>One generated file.</summary>
public sealed record GeneratedFile(string HintName, string Text, SyntaxTree SyntaxTree);
