using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using Xunit.Sdk;

namespace AutoDiff.Package.Tests.Infrastructure;

/// <summary>The exit code and the interleaved standard output and error of one command.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Output)
{
    /// <summary>Fails the test with the command and its whole output unless it exited with 0.</summary>
    public CommandResult ShouldSucceed()
    {
        if (ExitCode != 0)
        {
            throw new XunitException($"'{CommandLine}' exited with {ExitCode}:{Environment.NewLine}{Output}");
        }

        return this;
    }
}

/// <summary>
/// Runs the <c>dotnet</c> CLI in a child process the way a user's shell would: without the MSBuild and test-host
/// variables that <c>dotnet test</c> puts into this process's environment (a nested build that inherits
/// <c>MSBUILD_EXE_PATH</c>, <c>MSBuildSDKsPath</c>, <c>MSBuildExtensionsPath</c> or <c>DOTNET_HOST_PATH</c> runs
/// against the outer build's state), with node reuse off so that no MSBuild node outlives the command.
/// </summary>
public static class DotNet
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    /// <summary>The <c>dotnet</c> executable that runs these tests, else the one on PATH.</summary>
    private static readonly string s_executable = FindExecutable();

    /// <summary>Runs <c>dotnet args</c> in <paramref name="workingDirectory"/>, with extra environment variables.</summary>
    public static CommandResult Run(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(s_executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        CleanEnvironment(start.Environment);
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        var commandLine = "dotnet " + string.Join(' ', start.ArgumentList);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new XunitException($"'{commandLine}' did not finish within {s_timeout.TotalMinutes} minutes:{Environment.NewLine}{output}");
        }

        process.WaitForExit(); // drains the asynchronous readers
        lock (output)
        {
            return new CommandResult(commandLine, process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static void CleanEnvironment(IDictionary<string, string?> environment)
    {
        var inherited = new List<string>(environment.Keys);
        foreach (var key in inherited)
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_STARTUP_HOOKS", StringComparison.OrdinalIgnoreCase))
            {
                environment.Remove(key);
            }
        }

        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["MSBUILDTERMINALLOGGER"] = "off";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
    }

    private static string FindExecutable()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        return "dotnet";
    }
}
