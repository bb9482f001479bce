using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace AutoDiff.Package.Tests.Infrastructure;

/// <summary>
/// Packs the repository once for all package tests, as <c>dotnet pack -c Release</c> at the root does, into a
/// temporary folder that then serves as a local NuGet feed for the consumer projects.
/// </summary>
/// <remarks>
/// The package gets a version of its own, <c>&lt;Version of Directory.Build.props&gt;-ci.&lt;time&gt;.&lt;random&gt;</c>: NuGet keeps
/// every restored package in its global packages folder and never looks at the feed again for a version it has, so
/// a fixed version would test whatever was packed first. The build goes to a temporary artifacts folder
/// (<c>--artifacts-path</c>), so it is always a fresh build and leaves the repository's bin/obj alone. On dispose
/// the temporary folder and this version's folder in the global packages folder are deleted.
/// </remarks>
public sealed class PackageFixture : IDisposable
{
    public const string PackageId = "AutoDiff.Generators";

    public PackageFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        BaseVersion = ReadBaseVersion(RepositoryRoot);
        Version = $"{BaseVersion}-ci.{DateTime.UtcNow:yyyyMMddHHmmss}.r{Guid.NewGuid().ToString("N")[..8]}";
        Root = Directory.CreateTempSubdirectory("autodiff-package-tests-").FullName;
        FeedDirectory = Path.Combine(Root, "feed");
        Directory.CreateDirectory(FeedDirectory);

        // Consumers live below Root: stop MSBuild's and NuGet's walk up the folders here, so nothing of /tmp or of
        // this repository applies to them, and give them the local feed beside the machine's own sources.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <!-- The machine's sources (user-level NuGet.Config) stay: they serve the framework's packages. -->
                <add key="autodiff-local-feed" value="{FeedDirectory}" />
              </packageSources>
            </configuration>
            """);

        PackResult = DotNet.Run(RepositoryRoot,
        [
            "pack", Path.Combine(RepositoryRoot, "AutoDiff.Generators.sln"),
            "-c", "Release",
            $"-p:Version={Version}",
            $"-p:PackageOutputPath={FeedDirectory}{Path.DirectorySeparatorChar}",
            "--artifacts-path", Path.Combine(Root, "build"),
            "-nodeReuse:false", "-tl:off",
        ]).ShouldSucceed();

        PackagePath = Path.Combine(FeedDirectory, $"{PackageId}.{Version}.nupkg");
        GlobalPackagesFolder = FindGlobalPackagesFolder(Root);
    }

    /// <summary>The folder that holds AutoDiff.Generators.sln.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The Version of Directory.Build.props, e.g. 0.1.0.</summary>
    public string BaseVersion { get; }

    /// <summary>The version of the package packed for this run.</summary>
    public string Version { get; }

    /// <summary>The temporary folder of this run: the feed, the build output and the consumer projects.</summary>
    public string Root { get; }

    /// <summary>The local folder feed the package is packed into.</summary>
    public string FeedDirectory { get; }

    /// <summary>The expected path of the package.</summary>
    public string PackagePath { get; }

    public CommandResult PackResult { get; }

    private string? GlobalPackagesFolder { get; }

    /// <summary>The bytes of one file of the package, by its path inside it (<c>lib/net8.0/AutoDiff.dll</c>).</summary>
    public byte[] ReadPackageEntry(string path)
    {
        using var zip = ZipFile.OpenRead(PackagePath);
        var entry = zip.GetEntry(path) ?? throw new InvalidOperationException($"{path} is not in the package.");
        using var stream = entry.Open();
        var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>A new, empty consumer project folder below <see cref="Root"/>.</summary>
    public string NewConsumerDirectory(string name)
    {
        var directory = Path.Combine(Root, "consumers", name);
        if (Directory.Exists(directory))
        {
            throw new InvalidOperationException($"The consumer '{name}' exists already: give each test its own name.");
        }

        Directory.CreateDirectory(directory);
        return directory;
    }

    public void Dispose()
    {
        TryDelete(Root);
        if (GlobalPackagesFolder is not null)
        {
            TryDelete(Path.Combine(GlobalPackagesFolder, PackageId.ToLowerInvariant(), Version.ToLowerInvariant()));
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temporary folder does no harm; the next run uses new names.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AutoDiff.Generators.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No AutoDiff.Generators.sln above {AppContext.BaseDirectory}.");
    }

    private static string ReadBaseVersion(string repositoryRoot)
    {
        var props = XDocument.Load(Path.Combine(repositoryRoot, "Directory.Build.props"));
        return props.Descendants("Version").Single().Value.Trim();
    }

    /// <summary>The global packages folder as NuGet resolves it for the consumers (<c>dotnet nuget locals</c>).</summary>
    private static string? FindGlobalPackagesFolder(string workingDirectory)
    {
        var result = DotNet.Run(workingDirectory, ["nuget", "locals", "global-packages", "--list"]);
        const string Prefix = "global-packages: ";
        var line = result.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        return result.ExitCode == 0 && line is not null ? line[Prefix.Length..] : null;
    }
}

/// <summary>The package tests share one packed package and run one after another (each consumer build uses both cores).</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Package";
}
