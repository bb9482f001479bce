using System.IO;
using AutoDiff.Tests.Infrastructure;
using Xunit;

namespace AutoDiff.Tests.ForwardMode;

public sealed class ScratchTests
{
    [Fact]
    public void Dump()
    {
        var src = File.ReadAllText("/tmp/scratch.cs");
        var run = GeneratorHarness.Run(new SourceFile("S.cs", src));
        var text = string.Join("\n//=====\n", System.Linq.Enumerable.Select(run.GeneratedSources, s => s.Text));
        File.WriteAllText("/tmp/scratch.out.cs", text + "\n/*\n" + run.Describe() + "\n*/\n");
    }
}
