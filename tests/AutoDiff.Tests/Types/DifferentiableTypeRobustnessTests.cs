using System;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// The type pipeline on half-typed and invalid code: whatever it is fed, neither the generator nor the analyzer
/// throws (CS8785, AD0001) or reports an internal error (AUTODIFF900), and nothing it generates adds an error of its own.
/// </summary>
public sealed class DifferentiableTypeRobustnessTests
{
    private const string Usings = "using System;\nusing AutoDiff;\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "SyntaxErrorInInitializer", Usings + "[Differentiable] public partial class C { public double[] W = ; public double B; }" },
        { "UnresolvedMemberTypes", Usings + "[Differentiable] public partial class C { public Missing M; public Missing[] Ms; public double[] W = new double[1]; }" },
        { "UnresolvedBaseType", Usings + "[Differentiable] public partial class C : Missing { public double W; }" },
        { "HalfTypedClass", Usings + "[Differentiable] public partial class" },
        { "HalfTypedMember", Usings + "[Differentiable] public partial class C { public double" },
        { "HalfTypedAttribute", Usings + "[Differentiable public partial class C { public double W; }" },
        { "AttributeOnInterfaceAndEnum", Usings + "[Differentiable] public partial interface I { double W { get; set; } } [Differentiable] public enum E { A }" },
        { "AttributeOnDelegate", Usings + "[Differentiable] public delegate double D(double x);" },
        { "AttributeTwiceOnParts", Usings + "[Differentiable] public partial class C { public double W; } [Differentiable] public partial class C { public double V; }" },
        { "StructContainingItself", Usings + "[Differentiable] public partial struct S { public double W; public S Inner; }" },
        { "StructsContainingEachOther", Usings + "[Differentiable] public partial struct A { public B B; } [Differentiable] public partial struct B { public A A; }" },
        { "GenericWithConstraints", Usings + "[Differentiable] public partial class L<T> where T : struct { public T W; public double B; }" },
        { "KeywordNames", Usings + "[Differentiable] public partial class @class { public double @double; public double[] @int = new double[1]; }" },
        { "DuplicateMembers", Usings + "[Differentiable] public partial class C { public double W; public double W; }" },
        { "PropertyInitializerError", Usings + "[Differentiable] public partial class C { public double P { get; set; } = ; }" },
        { "AttributeWithArguments", Usings + "[Differentiable(1)] public partial class C { public double W; }" },
        { "AttributeWithoutUsing", "[Differentiable] public partial class C { public double W; }" },
        { "StaticAndRefStruct", Usings + "[Differentiable] public static partial class S { } [Differentiable] public ref partial struct R { public double W; }" },
        { "FileLocalType", Usings + "[Differentiable] file partial class F { public double W; }" },
        { "NestedDifferentiableTypesOfTheSameName", Usings + "[Differentiable] public partial class Layer { public double W; public Inner.Layer L = new(); } public static partial class Inner { [Differentiable] public partial class Layer { public double V; } }" },
        { "PrimaryConstructorWithErrors", Usings + "[Differentiable] public partial class C(Missing m, double x) { public double W = x; public double G() => m + x; }" },
        { "FixedBufferInUnsafeStruct", Usings + "[Differentiable] public unsafe partial struct S { public fixed double Buffer[4]; public double W; }" },
        { "MemberOfTypeFromAnotherErrorneousType", Usings + "[Differentiable] public partial class M { public L Layer = new(); } [Differentiable] public partial class L<T> { public double W; }" },
        { "TypeInTopLevelProgram", "using AutoDiff;\nSystem.Console.WriteLine(1);\n[Differentiable] partial class P { public double W; }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void No_exception_escapes_and_generated_code_adds_no_error(string name, string source)
    {
        var run = GeneratorHarness.Run(new SourceFile(name + ".cs", source));
        AssertNoCrash(run);
        var generatedErrors = run.GeneratedCodeDiagnostics.Where(d => run.IsGenerated(d.Location.SourceTree)
            && d.Location.SourceTree!.FilePath.EndsWith(TypeRunExtensions.Suffix, StringComparison.Ordinal)).ToList();
        Assert.True(generatedErrors.Count == 0, "The generated Gradient code has diagnostics:\n" + GeneratorHarness.Format(generatedErrors) + run.Describe());
    }

    [Fact]
    public void The_attribute_twice_on_parts_of_a_type_makes_one_file()
    {
        var run = GeneratorHarness.Run(new SourceFile("Twice.cs", Usings + "[Differentiable] public partial class C { public double W; } [Differentiable] public partial class C { public double V; }"));
        Assert.Single(run.GeneratedSources, s => s.HintName == "C" + TypeRunExtensions.Suffix);
    }

    [Fact]
    public void Typing_a_differentiable_type_character_by_character_never_crashes()
    {
        const string full = """
            using System;
            using AutoDiff;

            namespace Typing;

            [Differentiable]
            public partial struct Vec2 { public double X; public double Y { get; set; } }

            [Differentiable]
            public partial class Layer
            {
                public double[,] Weights = new double[2, 3];
                public float[]? Extra;
                [NoGrad] public int Inputs;
                public Vec2 Offset;
                public double Scale { get => _scale; set => _scale = value; }
                private double _scale;
                [Differentiable] public double Apply(double x) => Scale * x;
            }

            [Differentiable]
            public partial class Model(int layers)
            {
                public Layer[] Layers = new Layer[layers];
                public Layer? Head;
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation([new SourceFile("Typing.cs", "")]);
        var tree = compilation.SyntaxTrees.Single();
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        const int step = 5;
        for (var length = 0; length <= full.Length; length = length == full.Length ? length + 1 : Math.Min(full.Length, length + step))
        {
            var newTree = tree.WithChangedText(SourceText.From(full[..length]));
            compilation = compilation.ReplaceSyntaxTree(tree, newTree);
            tree = newTree;
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            if (driver.GetRunResult().Results.FirstOrDefault(r => r.Exception is not null).Exception is { } exception)
            {
                Assert.Fail($"Generator threw at length {length}:\n{full[..length]}\n{exception}");
            }

            Assert.DoesNotContain(diagnostics.Concat(output.GetDiagnostics()), d => d.Id is "CS8785" or "AUTODIFF900");
            if (length % (step * 6) == 0 || length >= full.Length)
            {
                var analyzer = GeneratorHarness.RunAnalyzer(compilation);
                Assert.True(!analyzer.Any(d => d.Id is "AD0001" or "AUTODIFF900"), $"Analyzer failed at length {length}:\n{GeneratorHarness.Format(analyzer)}");
            }
        }

        // The complete file: Layer has a property with logic (AUTODIFF019), so it and Model get no file; Vec2 does.
        var hints = driver.GetRunResult().GeneratedTrees.Select(t => System.IO.Path.GetFileName(t.FilePath)).ToList();
        Assert.Contains("Typing.Vec2" + TypeRunExtensions.Suffix, hints);
        Assert.DoesNotContain("Typing.Layer" + TypeRunExtensions.Suffix, hints);
        Assert.DoesNotContain("Typing.Model" + TypeRunExtensions.Suffix, hints);
        Assert.Contains(GeneratorHarness.RunAnalyzer(compilation), d => d.Id == "AUTODIFF019");
    }

    private static void AssertNoCrash(GeneratorRun run)
    {
        Assert.True(run.GeneratorExceptions.IsEmpty, "Generator threw:\n" + string.Join("\n", run.GeneratorExceptions));
        var crashes = run.GeneratorDiagnostics.Concat(run.CompilerDiagnostics).Concat(run.AnalyzerDiagnostics)
            .Where(d => d.Id is "CS8785" or "AD0001" or "AUTODIFF900")
            .ToList();
        Assert.True(crashes.Count == 0, "Crash diagnostics:\n" + GeneratorHarness.Format(crashes));
    }
}
