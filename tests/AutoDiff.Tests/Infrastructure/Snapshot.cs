using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace AutoDiff.Tests.Infrastructure;

/// <summary>
/// Golden-file snapshots of generated code. <c>Snapshot.Match(text)</c> compares against
/// <c>Snapshots/&lt;TestFile&gt;.&lt;TestName&gt;.verified.cs</c> beside the test file. On a mismatch it writes
/// <c>*.received.cs</c> next to it and fails with a line diff; with <c>AUTODIFF_ACCEPT=1</c> it overwrites the verified
/// file and passes. A missing verified file fails (unless accepting).
/// </summary>
public static partial class Snapshot
{
    private const int MaxDiffLines = 40;

    public static void Match(string actual, string? name = null, [CallerFilePath] string testFile = "", [CallerMemberName] string testName = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        var stem = Path.GetFileNameWithoutExtension(testFile) + "." + (name ?? testName);
        var verifiedPath = Path.Combine(directory, stem + ".verified.cs");
        var receivedPath = Path.Combine(directory, stem + ".received.cs");
        var text = Scrub(actual);
        var accept = Environment.GetEnvironmentVariable("AUTODIFF_ACCEPT") == "1";

        if (accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, text, new UTF8Encoding(false));
            File.Delete(receivedPath);
            return;
        }

        if (!File.Exists(verifiedPath))
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(receivedPath, text, new UTF8Encoding(false));
            throw new XunitException($"No verified snapshot {verifiedPath}. The output was written to {receivedPath}; "
                + "review it and rename it, or rerun with AUTODIFF_ACCEPT=1.");
        }

        var verified = Normalize(File.ReadAllText(verifiedPath));
        if (verified == text)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, text, new UTF8Encoding(false));
        throw new XunitException($"Snapshot mismatch: {verifiedPath}" + Environment.NewLine
            + $"received: {receivedPath} (rerun with AUTODIFF_ACCEPT=1 to accept)" + Environment.NewLine
            + Diff(verified, text));
    }

    /// <summary>Line endings to \n, the generator's version to a placeholder.</summary>
    public static string Scrub(string text)
        => VersionPattern().Replace(Normalize(text), "\"AutoDiff.Generators\", \"<version>\"");

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    [GeneratedRegex("\"AutoDiff\\.Generators\", \"[0-9][0-9A-Za-z.+-]*\"")]
    private static partial Regex VersionPattern();

    /// <summary>A unified line diff (LCS-based) of at most <see cref="MaxDiffLines"/> changed lines, with line numbers.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var sb = new StringBuilder();
        var shown = 0;
        int x = 0, y = 0;
        var lastPrinted = -2;
        while ((x < a.Length || y < b.Length) && shown < MaxDiffLines)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
                continue;
            }

            if (lastPrinted != x - 1 && x > 0)
            {
                sb.AppendLine($"@@ verified line {x + 1}, received line {y + 1} @@");
                sb.AppendLine($"  {x,4}       {a[x - 1]}");
            }

            if (y < b.Length && (x >= a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                sb.AppendLine($"+      {y + 1,4} {b[y]}");
                y++;
            }
            else
            {
                sb.AppendLine($"- {x + 1,4}      {a[x]}");
                x++;
            }

            lastPrinted = x - 1;
            shown++;
        }

        if (shown >= MaxDiffLines)
        {
            sb.AppendLine($"... (diff truncated after {MaxDiffLines} lines)");
        }

        return sb.ToString();
    }
}
