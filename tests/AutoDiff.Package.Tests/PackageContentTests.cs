using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using AutoDiff.Package.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Package.Tests;

/// <summary>What <c>dotnet pack -c Release</c> at the repository root puts into the package, file by file.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageContentTests
{
    private readonly PackageFixture _package;

    public PackageContentTests(PackageFixture package) => _package = package;

    [Fact]
    public void Packing_the_solution_makes_exactly_one_package_named_after_id_and_version()
    {
        Assert.Equal([Path.GetFileName(_package.PackagePath)], Directory.GetFiles(_package.FeedDirectory).Select(Path.GetFileName));
        Assert.Equal(1, CountOccurrences(_package.PackResult.Output, "Successfully created package"));
    }

    [Fact]
    public void Package_holds_the_generator_and_code_fixes_as_analyzers_the_runtime_per_framework_and_the_readme()
    {
        using var zip = ZipFile.OpenRead(_package.PackagePath);
        var files = zip.Entries.Select(e => e.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal)
                && !name.StartsWith("package/", StringComparison.Ordinal)
                && name != "[Content_Types].xml"
                && name != "AutoDiff.Generators.nuspec")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "README.md",
                "analyzers/dotnet/cs/AutoDiff.Generators.CodeFixes.dll",
                "analyzers/dotnet/cs/AutoDiff.Generators.dll",
                "build/AutoDiff.Generators.props",
                "buildTransitive/AutoDiff.Generators.props",
                "lib/net8.0/AutoDiff.dll",
                "lib/net8.0/AutoDiff.xml",
                "lib/netstandard2.0/AutoDiff.dll",
                "lib/netstandard2.0/AutoDiff.xml",
            ],
            files);

        Assert.Equal(File.ReadAllBytes(Path.Combine(_package.RepositoryRoot, "README.md")), _package.ReadPackageEntry("README.md"));
    }

    [Theory]
    [InlineData("build/AutoDiff.Generators.props")]
    [InlineData("buildTransitive/AutoDiff.Generators.props")]
    public void Props_make_AutoDiffEmitIr_visible_to_the_generator(string path)
    {
        Assert.Equal(File.ReadAllBytes(Path.Combine(_package.RepositoryRoot, "generator", "build", "AutoDiff.Generators.props")), _package.ReadPackageEntry(path));
        var items = XDocument.Load(new MemoryStream(_package.ReadPackageEntry(path))).Descendants("CompilerVisibleProperty");
        Assert.Contains(items, item => item.Attribute("Include")?.Value == "AutoDiffEmitIr");
    }

    [Fact]
    public void Nuspec_has_id_version_license_readme_tags_description_and_repository()
    {
        var metadata = ReadNuspec().Root!.Element(Nuspec("metadata"))!;

        Assert.Equal("AutoDiff.Generators", metadata.Element(Nuspec("id"))!.Value);
        Assert.Equal(_package.Version, metadata.Element(Nuspec("version"))!.Value);
        Assert.StartsWith(_package.BaseVersion + "-ci.", _package.Version, StringComparison.Ordinal);

        var license = metadata.Element(Nuspec("license"))!;
        Assert.Equal("expression", license.Attribute("type")!.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(_package.RepositoryRoot, "LICENSE")), StringComparison.Ordinal);

        Assert.Equal("README.md", metadata.Element(Nuspec("readme"))!.Value);
        Assert.Contains("reverse-mode automatic differentiation", metadata.Element(Nuspec("description"))!.Value, StringComparison.Ordinal);
        var tags = metadata.Element(Nuspec("tags"))!.Value.Split(' ');
        Assert.Contains("autodiff", tags);
        Assert.Contains("source-generator", tags);

        const string Repository = "https://github.com/autodiff-generators/AutoDiff.Generators";
        Assert.Equal(Repository, metadata.Element(Nuspec("projectUrl"))!.Value);
        var repository = metadata.Element(Nuspec("repository"))!;
        Assert.Equal("git", repository.Attribute("type")!.Value);
        Assert.Equal(Repository, repository.Attribute("url")!.Value);
    }

    [Fact]
    public void Only_dependency_is_System_Memory_for_netstandard2_0()
    {
        var dependencies = ReadNuspec().Root!.Element(Nuspec("metadata"))!.Element(Nuspec("dependencies"))!;
        var groups = dependencies.Elements(Nuspec("group"))
            .ToDictionary(
                g => g.Attribute("targetFramework")!.Value,
                g => string.Join(",", g.Elements(Nuspec("dependency")).Select(d => d.Attribute("id")!.Value)));

        Assert.Equal(
            new Dictionary<string, string> { ["net8.0"] = "", [".NETStandard2.0"] = "System.Memory" },
            groups);
        Assert.Empty(dependencies.Elements(Nuspec("dependency"))); // none outside the framework groups
    }

    [Fact]
    public void Generator_is_built_against_Roslyn_4_8_and_code_fixes_alone_reference_Workspaces()
    {
        var generator = AssemblyReferences("analyzers/dotnet/cs/AutoDiff.Generators.dll");
        Assert.Equal(new Version(4, 8, 0, 0), generator["Microsoft.CodeAnalysis"]);
        Assert.Equal(new Version(4, 8, 0, 0), generator["Microsoft.CodeAnalysis.CSharp"]);
        Assert.DoesNotContain(generator.Keys, name => name.Contains("Workspaces", StringComparison.Ordinal));
        Assert.DoesNotContain("AutoDiff", generator.Keys);

        var codeFixes = AssemblyReferences("analyzers/dotnet/cs/AutoDiff.Generators.CodeFixes.dll");
        Assert.Equal(new Version(4, 8, 0, 0), codeFixes["Microsoft.CodeAnalysis.Workspaces"]);
    }

    [Theory]
    [InlineData("lib/netstandard2.0/AutoDiff.dll")]
    [InlineData("lib/net8.0/AutoDiff.dll")]
    public void Runtime_assembly_is_AutoDiff_with_the_package_version(string path)
    {
        using var pe = OpenAssembly(path);
        var reader = pe.GetMetadataReader();
        var definition = reader.GetAssemblyDefinition();
        Assert.Equal("AutoDiff", reader.GetString(definition.Name));
        Assert.Equal(new Version(_package.BaseVersion + ".0"), definition.Version);
        Assert.DoesNotContain(AssemblyReferences(path).Keys, name => name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
    }

    private XDocument ReadNuspec() => XDocument.Load(new MemoryStream(_package.ReadPackageEntry("AutoDiff.Generators.nuspec")));

    private static XName Nuspec(string name) => XName.Get(name, "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd");

    private PEReader OpenAssembly(string path) => new(new MemoryStream(_package.ReadPackageEntry(path)));

    private Dictionary<string, Version> AssemblyReferences(string path)
    {
        using var pe = OpenAssembly(path);
        var reader = pe.GetMetadataReader();
        return reader.AssemblyReferences
            .Select(handle => reader.GetAssemblyReference(handle))
            .ToDictionary(r => reader.GetString(r.Name), r => r.Version);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
