using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>
/// Analyzer config options for a generator driver, as MSBuild passes them: <c>build_property.X</c> global options
/// for the properties a package makes compiler-visible (<c>CompilerVisibleProperty</c>).
/// </summary>
public sealed class TestAnalyzerConfigOptionsProvider(IReadOnlyDictionary<string, string> globalOptions) : AnalyzerConfigOptionsProvider
{
    private static readonly TestAnalyzerConfigOptions s_empty = new(ImmutableDictionary<string, string>.Empty);

    /// <summary>Global options holding one MSBuild property: <c>build_property.{name} = {value}</c>.</summary>
    public static TestAnalyzerConfigOptionsProvider WithProperty(string name, string value)
        => new(new Dictionary<string, string> { ["build_property." + name] = value });

    public override AnalyzerConfigOptions GlobalOptions { get; } = new TestAnalyzerConfigOptions(globalOptions);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => s_empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => s_empty;

    private sealed class TestAnalyzerConfigOptions(IReadOnlyDictionary<string, string> options) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
            => options.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => options.Keys;
    }
}
