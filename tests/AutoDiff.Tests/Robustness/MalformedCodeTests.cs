using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AutoDiff.Tests.Robustness;

/// <summary>
/// The generator and the analyzer see half-typed code all the time in the editor. Whatever they are fed, no exception
/// may escape (CS8785 from the driver, AD0001 from the analyzer host) and no internal error (AUTODIFF900) is reported.
/// </summary>
public sealed class MalformedCodeTests
{
    private const string Usings = "using System;\nusing AutoDiff;\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "MissingMethodCloseBrace", Usings + "public static partial class C { [Differentiable] public static double F(double x) { return x * x; }" },
        { "MissingClassCloseBrace", Usings + "public static partial class C { [Differentiable] public static double F(double x) => x * x;" },
        { "UnresolvedName", Usings + "public static partial class C { [Differentiable] public static double F(double x) => x * yy; }" },
        { "UnresolvedMethod", Usings + "public static partial class C { [Differentiable] public static double F(double x) => Foo(x) + Math.Sinn(x); }" },
        { "SyntaxErrorInBody", Usings + "public static partial class C { [Differentiable] public static double F(double x) { var y = x * ; return y +; } }" },
        { "AttributeOnProperty", Usings + "public partial class C { [Differentiable] public double P => 1; [Differentiable] public double Q { get; set; } }" },
        { "AttributeOnClassFieldAndLocalFunction", Usings + """
            [Differentiable] public partial class C
            {
                [Differentiable] private double _f;
                public static double G(double x) { [Differentiable] static double L(double v) => v * v; return L(x); }
            }
            """ },
        { "MissingReturnType", Usings + "public static partial class C { [Differentiable] public static F(double x) => x; }" },
        { "HalfTypedAttribute", Usings + "public static partial class C { [Differentiable public static double F(double x) => x; }" },
        { "AttributeWithoutUsing", "public static partial class C { [Differentiable] public static double F(double x) => x * x; }" },
        { "UnclosedParameterList", Usings + "public static partial class C { [Differentiable] public static double F(double x => x; }" },
        { "UnresolvedParameterType", Usings + "public static partial class C { [Differentiable] public static double F(Foo x, double y) => y * y; }" },
        { "UnresolvedReturnType", Usings + "public static partial class C { [Differentiable] public static Foo F(double x) => x; }" },
        { "NotAllPathsReturn", Usings + "public static partial class C { [Differentiable] public static double F(double x) { if (x > 0) return x; } }" },
        { "EmptyBody", Usings + "public static partial class C { [Differentiable] public static double F(double x) { } }" },
        { "DuplicateMethods", Usings + "public static partial class C { [Differentiable] public static double F(double x) => x; [Differentiable] public static double F(double x) => x * 2; }" },
        { "TopLevelLocalFunction", Usings + "Console.WriteLine(F(2));\n[Differentiable] static double F(double x) => x * x;" },
        { "GenericContainingType", Usings + "public partial class G<T> { [Differentiable] public static double F(double x) => x * x; }" },
        { "ThrowExpressionBody", Usings + "public static partial class C { [Differentiable] public static double F(double x) => throw null!; }" },
        { "AttributeWithArguments", Usings + "public static partial class C { [Differentiable(3)] public static double F(double x) => x; }" },
        { "UnfinishedIfAndSwitch", Usings + "public static partial class C { [Differentiable] public static double F(double x, int n) { if (x > ) { return n switch { 0 => x, }; } else return ; } }" },
        { "StrayTokens", Usings + "public static partial class C { [Differentiable] public static double F(double x) => x * x; ) ] } } {{ partial class" },
        { "NamespaceOnly", Usings + "namespace N { [Differentiable] }" },
        { "MethodOutsideType", Usings + "namespace N { [Differentiable] public static double F(double x) => x; }" },
        { "RefReturnAndParamsArray", Usings + "public partial class C { double _v; [Differentiable] public ref double F(double x) => ref _v; [Differentiable] public static double G(params double[] xs) => xs[0]; }" },
        { "ExtensionMethodInGenericType", Usings + "public static partial class E<T> { [Differentiable] public static double F(this double x) => x * x; }" },
        { "CallToUndeclaredDifferentiable", Usings + "public static partial class C { [Differentiable] public static double F(double x) => G(x) + H.I(x); }" },
        { "UnfinishedLoops", Usings + "public static partial class C { [Differentiable] public static double F(double[] x) { double s = 0; for (int i = 0; i < ; i++) s += x[i]; while () { } foreach (var in x) s += ; do s += 1; while; return s; } }" },
        { "BreakAndContinueOutsideLoops", Usings + "public static partial class C { [Differentiable] public static double F(double x) { if (x > 0) break; continue; return x; } }" },
        { "StackallocWithoutSize", Usings + "public static partial class C { [Differentiable] public static double F(double x) { Span<double> b = stackalloc double[]; b[0] = x; return b[0]; } }" },
        { "WriteToUndeclaredBuffer", Usings + "public static partial class C { [Differentiable] public static double F(double x) { buf[0] = x; for (;;) { } } }" },
        { "InfiniteLoopWithoutReturn", Usings + "public static partial class C { [Differentiable] public static double F(double x) { while (true) { x = x * 2; } } }" },
        { "DerivativeOfWithoutArguments", Usings + "public static class R { [DerivativeOf()] public static double G(double x, double seed, out double g) { g = seed; return x; } }" },
        { "DerivativeOfNullAndUnresolved", Usings + "public static class R { [DerivativeOf(null)] static double A(double s) => s; [DerivativeOf(typeof(Missing), \"F\")] static double B(double s) => s; [DerivativeOf(nameof(Nope))] static double C(double s) => s; }" },
        { "DerivativeOfHalfTyped", Usings + "public static class R { public static double F(double x) => x; [DerivativeOf(nameof(F)] public static double FBackward(double x, double seed, out double gradX) { gradX = seed; return x; }" },
        { "DerivativeOfUnresolvedTypes", Usings + "public static class R { public static double F(Foo x) => 1; [DerivativeOf(nameof(F))] public static Bar FBackward(Foo x, double seed, out Baz gradX) => default; }" },
        { "DerivativeOfGenericAndRefTargets", Usings + "public static class R { public static double F<T>(T x) => 1; public static double G(ref double x) => x; public static int H(double x) => 1; [DerivativeOf(nameof(F))] static double A(double x, double s) => s; [DerivativeOf(nameof(G))] static double B(double x, double s, out double g) { g = s; return x; } [DerivativeOf(nameof(H))] static int C(double x, int s, out double g) { g = 0; return 1; } }" },
        { "DerivativeOfOnItself", Usings + "public static partial class R { [DerivativeOf(nameof(F))] public static double F(double x, double seed, out double g) { g = seed; return x; } [Differentiable] public static double D(double x) => x; }" },
        { "DerivativeOfInGenericType", Usings + "public static partial class R<T> { public static double F(double x) => x; [DerivativeOf(nameof(F))] public static double FBackward(double x, double seed, out double gradX) { gradX = seed; return x; } }" },
        { "VeryDeepExpression", Usings + "public static partial class C { [Differentiable] public static double F(double x) => " + string.Join(" + ", Enumerable.Repeat("x * x", 400)) + "; }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void No_exception_escapes_the_generator_or_the_analyzer(string name, string source)
    {
        var run = GeneratorHarness.Run(new SourceFile(name + ".cs", source));
        AssertNoCrash(run);
    }

    [Fact]
    public void Typing_a_file_character_by_character_never_crashes()
    {
        // Every prefix of a valid file, as an editor sees it while the file is being typed, through one driver that
        // keeps its incremental state between runs.
        const string full = """
            using System;
            using AutoDiff;

            namespace Typing;

            public static partial class Losses
            {
                [Differentiable]
                public static double Huber(double x, [NoGrad] double delta, int n)
                {
                    var a = Math.Abs(x);
                    if (a <= delta) return 0.5 * x * x;
                    return delta * (a - 0.5 * delta) + n switch { 0 => x, _ => Square(x) };
                }

                [Differentiable] public static double Square(double v) => v * v;

                [Differentiable]
                public static double Sum(ReadOnlySpan<double> xs)
                {
                    double s = 0;
                    Span<double> buffer = stackalloc double[xs.Length];
                    for (int i = 0; i < xs.Length; i++) { if (xs[i] < 0) continue; buffer[i] = xs[i] * xs[i]; s += buffer[i]; }
                    do { s = s * 0.5; } while (s > 10);
                    foreach (var v in xs) { if (v > 3) break; s += v; }
                    return s;
                }

                [Differentiable] public static double Soft(double x) => Softplus(x) * x;

                public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

                [DerivativeOf(nameof(Softplus))]
                public static double SoftplusBackward(double x, double seed, out double gradX)
                {
                    gradX = seed / (1 + Math.Exp(-x));
                    return Softplus(x);
                }
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation([new SourceFile("Typing.cs", "")]);
        var tree = compilation.SyntaxTrees.Single();
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        var step = 7;
        for (var length = 0; length <= full.Length; length = length == full.Length ? length + 1 : Math.Min(full.Length, length + step))
        {
            var newTree = tree.WithChangedText(SourceText.From(full[..length]));
            compilation = compilation.ReplaceSyntaxTree(tree, newTree);
            tree = newTree;
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            var result = driver.GetRunResult();
            if (result.Results.FirstOrDefault(r => r.Exception is not null).Exception is { } exception)
            {
                Assert.Fail($"Generator threw at length {length}:\n{full[..length]}\n{exception}");
            }

            Assert.DoesNotContain(diagnostics.Concat(output.GetDiagnostics()), d => d.Id is "CS8785" or "AUTODIFF900");
            if (length % (step * 5) == 0 || length >= full.Length)
            {
                var analyzer = GeneratorHarness.RunAnalyzer(compilation);
                Assert.True(!analyzer.Any(d => d.Id is "AD0001" or "AUTODIFF900"), $"Analyzer failed at length {length}:\n{GeneratorHarness.Format(analyzer)}");
            }
        }

        // And the complete file generates the backward methods, the last one calling the registered derivative.
        var generated = driver.GetRunResult().GeneratedTrees.Single().ToString();
        Assert.Contains("HuberBackward", generated);
        Assert.Contains("SumBackward", generated);
        Assert.Contains("global::Typing.Losses.SoftplusBackward(x, ", generated);
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
