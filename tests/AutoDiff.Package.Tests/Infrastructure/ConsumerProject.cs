using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Text;

namespace AutoDiff.Package.Tests.Infrastructure;

/// <summary>
/// A fresh project in a temporary folder that references the package under test by PackageReference from the local
/// feed, and nothing else: no project reference into this repository.
/// </summary>
public sealed class ConsumerProject
{
    private ConsumerProject(string directory, string name, string targetFramework)
    {
        Directory = directory;
        Name = name;
        TargetFramework = targetFramework;
    }

    /// <summary>The project folder.</summary>
    public string Directory { get; }

    /// <summary>The project (and assembly) name.</summary>
    public string Name { get; }

    public string TargetFramework { get; }

    public string ProjectPath => Path.Combine(Directory, Name + ".csproj");

    /// <summary>
    /// Writes <c>&lt;name&gt;.csproj</c> (SDK project, <paramref name="targetFramework"/>, nullable enabled, warnings as
    /// errors, plus <paramref name="properties"/>, which may override those) and <paramref name="files"/>.
    /// </summary>
    public static ConsumerProject Create(
        PackageFixture package,
        string name,
        IReadOnlyDictionary<string, string>? properties = null,
        IReadOnlyDictionary<string, string>? files = null,
        string targetFramework = "net10.0")
    {
        var directory = package.NewConsumerDirectory(name);
        var all = new Dictionary<string, string>
        {
            ["OutputType"] = "Exe",
            ["TargetFramework"] = targetFramework,
            ["Nullable"] = "enable",
            ["TreatWarningsAsErrors"] = "true",
            ["ImplicitUsings"] = "disable",
        };
        foreach (var (key, value) in properties ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var project = new StringBuilder();
        project.AppendLine("<Project Sdk=\"Microsoft.NET.Sdk\">");
        project.AppendLine("  <PropertyGroup>");
        foreach (var (key, value) in all)
        {
            project.AppendLine($"    <{key}>{SecurityElement.Escape(value)}</{key}>");
        }

        project.AppendLine("  </PropertyGroup>");
        project.AppendLine("  <ItemGroup>");
        project.AppendLine($"    <PackageReference Include=\"{PackageFixture.PackageId}\" Version=\"{package.Version}\" />");
        project.AppendLine("  </ItemGroup>");
        project.AppendLine("</Project>");
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), project.ToString());

        foreach (var (path, content) in files ?? new Dictionary<string, string>())
        {
            var full = Path.Combine(directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        return new ConsumerProject(directory, name, targetFramework);
    }

    /// <summary>The full path of a file of the project.</summary>
    public string PathOf(string relativePath) => Path.Combine(Directory, relativePath);

    /// <summary><c>dotnet build</c> (with its implicit restore), Debug.</summary>
    public CommandResult Build() => DotNet.Run(Directory, ["build", ProjectPath, "-nodeReuse:false", "-tl:off"]);

    /// <summary>Runs the built program with <c>dotnet &lt;name&gt;.dll</c>, with extra environment variables.</summary>
    public CommandResult Run(IReadOnlyDictionary<string, string>? environment = null)
        => DotNet.Run(Directory, [Path.Combine(OutputDirectory, Name + ".dll")], environment);

    /// <summary>bin/Debug/&lt;tfm&gt;/.</summary>
    public string OutputDirectory => Path.Combine(Directory, "bin", "Debug", TargetFramework);

    /// <summary>obj/Debug/&lt;tfm&gt;/.</summary>
    public string IntermediateDirectory => Path.Combine(Directory, "obj", "Debug", TargetFramework);

    /// <summary>
    /// The diagnostic lines (<c>file(line,col): error|warning ID: message [project]</c>) of a build output, each once
    /// (MSBuild repeats them in its summary), in order of first appearance.
    /// </summary>
    public static IReadOnlyList<string> DiagnosticLines(CommandResult build)
        => build.Output.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Contains(": error ", StringComparison.Ordinal) || line.Contains(": warning ", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
