using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AutoDiff.Generators;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// The IR printer (<see cref="IrPrinter"/>) and the dump that the MSBuild property <c>AutoDiffEmitIr</c> writes
/// (<see cref="IrDump"/>). Golden files (Snapshots/IrPrinterTests.*.verified.cs) hold the source IR and lowered
/// sections of a few methods, and their backward IR; formerly the backward section was only checked to exist, since the backward IR was being
/// replaced. To update: <c>AUTODIFF_ACCEPT=1 dotnet test tests/AutoDiff.Tests --filter "FullyQualifiedName~IrPrinter"</c>.
/// </summary>
public sealed class IrPrinterTests
{
    private const string Source = """
        using System;
        using AutoDiff;

        namespace Ir
        {
            public static partial class StraightLine
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    double z = x * y;
                    return Math.Sin(z) + x;
                }
            }

            public static partial class Branch
            {
                [Differentiable]
                public static double Piecewise(double x, double y)
                {
                    double r;
                    if (x > y) r = x * x;
                    else r = x * y;
                    return x > 1 ? r : Math.Exp(r);
                }
            }

            public static partial class CarriedLoop
            {
                // Horner's rule: p is carried from one iteration to the next; the break adds a flag to the condition.
                [Differentiable]
                public static double Horner(ReadOnlySpan<double> c, double x)
                {
                    double p = 0;
                    for (int i = c.Length - 1; i >= 0; i--)
                    {
                        p = p * x + c[i];
                        if (p > 1e6) break;
                    }

                    return p;
                }
            }

            public static partial class Calls
            {
                [Differentiable] public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

                [Differentiable]
                public static double LogLoss(double x, [NoGrad] double label)
                    => -label * Math.Log(Sigmoid(x)) - (1 - label) * Math.Log(1 - Sigmoid(x));
            }
        }
        """;

    private const string Other = """
        namespace Ir;

        // Nothing to differentiate here.
        public static class Util
        {
            public static int Twice(int n) => n * 2;
        }
        """;

    private static readonly Lazy<(GeneratorDriver Driver, CSharpCompilation Input)> s_run = new(() => Run(emitIr: "true"));

    private static (GeneratorDriver Driver, CSharpCompilation Input) Run(string? emitIr)
    {
        var input = GeneratorHarness.CreateCompilation([new SourceFile("Ir.cs", Source), new SourceFile("Other.cs", Other)]);
        return (CreateDriver(emitIr).RunGenerators(input), input);
    }

    /// <summary>A driver as <see cref="GeneratorHarness.CreateDriver"/> makes it, with the MSBuild property set when <paramref name="emitIr"/> is not null.</summary>
    private static GeneratorDriver CreateDriver(string? emitIr)
        => CSharpGeneratorDriver.Create(
            [new DifferentiableGenerator().AsSourceGenerator()],
            additionalTexts: ImmutableArray<AdditionalText>.Empty,
            parseOptions: GeneratorHarness.ParseOptions,
            optionsProvider: emitIr is null ? null : TestAnalyzerConfigOptionsProvider.WithProperty("AutoDiffEmitIr", emitIr),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The model of a method as the pipeline hands it to the emitters (registrations attached).</summary>
    private static MethodModel Model(string name)
        => s_run.Value.Driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.ResolvedModels]
            .SelectMany(step => step.Outputs)
            .Select(output => (MethodModel)output.Value)
            .Single(model => model.Name == name);

    /// <summary>The whole dump of a method: source IR, lowered SSA and backward IR.</summary>
    private static string AllSections(string name)
    {
        var dump = IrDump.Method(Model(name));
        Assert.DoesNotContain("could not print", dump, StringComparison.Ordinal);
        Assert.Contains("---- backward ----\n", dump, StringComparison.Ordinal);
        return dump;
    }

    /// <summary>The source IR and lowered sections of a method's dump, checking that the backward section follows them.</summary>
    private static string SourceAndLowered(string name)
    {
        var dump = IrDump.Method(Model(name));
        Assert.Contains("---- source IR ----\n", dump, StringComparison.Ordinal);
        Assert.Contains("---- lowered (SSA) ----\n", dump, StringComparison.Ordinal);
        var backward = dump.IndexOf("---- backward ----\n", StringComparison.Ordinal);
        Assert.True(backward > 0, "no backward section:\n" + dump);
        Assert.DoesNotContain("could not print", dump, StringComparison.Ordinal);
        Assert.Contains("returns ", dump[backward..], StringComparison.Ordinal);
        return dump[..backward];
    }

    // ---- Snapshots ----------------------------------------------------------------------------------------------------

    [Fact]
    public void StraightLine() => Snapshot.Match(AllSections("F"));

    [Fact]
    public void Branch() => Snapshot.Match(AllSections("Piecewise"));

    [Fact]
    public void CarriedLoop() => Snapshot.Match(AllSections("Horner"));

    [Fact]
    public void Call() => Snapshot.Match(AllSections("LogLoss"));

    [Fact]
    public void Every_statement_has_its_source_line_and_values_are_defined_once()
    {
        foreach (var name in new[] { "F", "Piecewise", "Horner", "LogLoss", "Sigmoid" })
        {
            var model = Model(name);
            var lowered = IrPrinter.PrintLowered(DifferentiableGenerator.Lowering.Lower(model));
            foreach (var line in lowered.Split('\n').Where(l => l.Length > 0).Skip(1))
            {
                var statement = line.Trim();
                if (statement is not "else" && !statement.StartsWith("returns ", StringComparison.Ordinal))
                {
                    Assert.Matches(@"  ; line \d+$", line);
                }
            }

            // Each %id is defined by one let (phis are assigned once per branch, so they may repeat).
            var lets = lowered.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('%') && !l.Contains("= phi(", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).ToList();
            Assert.Equal(lets.Count, lets.Distinct().Count());
        }
    }

    [Fact]
    public void Printing_is_deterministic()
    {
        var again = Run(emitIr: "true").Driver.GetRunResult().GeneratedTrees;
        var first = s_run.Value.Driver.GetRunResult().GeneratedTrees;
        Assert.Equal(first.Select(t => (t.FilePath, t.ToString())), again.Select(t => (t.FilePath, t.ToString())));
    }

    [Fact]
    public void Every_construct_prints_in_every_section()
    {
        // One method with most of the constructs the parser knows, printed through the dump as a user would see it.
        const string Sink = """
            using System;
            using AutoDiff;

            namespace Ir;

            public partial class Sink
            {
                public double Scale;

                [Differentiable] public static double Helper(double x) => x * x;

                [Differentiable]
                public double All(double[] x, float f, int n, [NoGrad] double t)
                {
                    Span<double> h = stackalloc double[2];
                    double[] g = new double[2];
                    double s = 0;
                    foreach (var v in x) s += v;
                    int k = 0;
                    do { s *= 1.0001; k++; } while (k < n);
                    for (int j = 0; j < 2; j++)
                    {
                        h[j] = s * j;
                        if (j == 0) continue;
                        if (s > 100) break;
                    }

                    switch (n) { case 0: s += 1; break; default: s -= (double)f; break; }
                    var m = n switch { 1 => s, _ => -s };
                    g[0] = m * Scale;
                    Helper(s);
                    s += g[0] + h[1] + Helper(s) + Math.Floor(t) + x.Length;
                    return s > 0 ? s : -s;
                }
            }
            """;
        var input = GeneratorHarness.CreateCompilation([new SourceFile("Sink.cs", Sink)]);
        var result = CreateDriver("true").RunGenerators(input).GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        var dump = result.GeneratedSources.Single(s => s.HintName == "Ir.Sink.AutoDiff.ir.g.cs").SourceText.ToString();

        Assert.DoesNotContain("could not print", dump, StringComparison.Ordinal);
        foreach (var expected in new[]
        {
            "stackalloc double[2]", "new double[2]", "loop do-while k", "loop while ", ", break sets broken", "step:", "continue", "break (broken = true)",
            "opaque<int>(x.Length)", "call Ir.Sink.Helper(s)", "(double)f", "Math.Floor(t)", " ? ", "eval call Ir.Sink.Helper(s)",
            "h[j] = ", "= phi(", "phi %", "loop L1", "returns ", "---- backward ----",
        })
        {
            Assert.Contains(expected, dump, StringComparison.Ordinal);
        }
    }

    // ---- Every node kind has a case --------------------------------------------------------------------------------

    [Fact]
    public void Every_node_kind_of_the_source_and_lowered_IR_has_a_case_in_the_printer()
    {
        var kinds = typeof(Expr).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && (typeof(Expr).IsAssignableFrom(t) || typeof(Stmt).IsAssignableFrom(t) || typeof(LoweredStmt).IsAssignableFrom(t)))
            .ToList();
        Assert.True(kinds.Count >= 20, "expected every expression and statement kind, found " + string.Join(", ", kinds.Select(k => k.Name)));

        var missing = new List<string>();
        foreach (var kind in kinds)
        {
            // An empty node: printing it may fail on its null members, but never on its kind.
            var node = RuntimeHelpers.GetUninitializedObject(kind);
            try
            {
                IrPrinter.PrintNode(node);
            }
            catch (NotSupportedException ex) when (ex.Message.StartsWith(IrPrinter.UnknownNodeMessage + kind.Name, StringComparison.Ordinal))
            {
                missing.Add(kind.Name);
            }
            catch (Exception)
            {
                // a member of the empty node, not the kind
            }
        }

        Assert.True(missing.Count == 0, "IrPrinter has no case for: " + string.Join(", ", missing));
    }

    [Fact]
    public void An_unknown_node_kind_fails_loudly()
    {
        var ex = Assert.Throws<NotSupportedException>(() => IrPrinter.PrintNode("not a node"));
        Assert.StartsWith(IrPrinter.UnknownNodeMessage, ex.Message, StringComparison.Ordinal);
    }

    // ---- The MSBuild property ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    [InlineData("")]
    public void Without_the_property_no_ir_file_is_generated(string? emitIr)
    {
        var (driver, _) = Run(emitIr);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Equal(
            ["Ir.Branch.AutoDiff.g.cs", "Ir.Calls.AutoDiff.g.cs", "Ir.CarriedLoop.AutoDiff.g.cs", "Ir.StraightLine.AutoDiff.g.cs"],
            result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void With_the_property_each_type_gets_a_comment_only_ir_file_and_the_compilation_is_clean()
    {
        var (driver, input) = s_run.Value;
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        var ir = result.GeneratedSources.Where(s => s.HintName.EndsWith(IrDump.HintNameSuffix, StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["Ir.Branch.AutoDiff.ir.g.cs", "Ir.Calls.AutoDiff.ir.g.cs", "Ir.CarriedLoop.AutoDiff.ir.g.cs", "Ir.StraightLine.AutoDiff.ir.g.cs"],
            ir.Select(s => s.HintName).Order(StringComparer.Ordinal));

        foreach (var file in ir)
        {
            var text = file.SourceText.ToString();
            Assert.StartsWith("// <auto-generated/>\n", text, StringComparison.Ordinal);
            Assert.All(text.TrimEnd('\n').Split('\n'), line => Assert.StartsWith("//", line, StringComparison.Ordinal));
            Assert.Equal(new[] { SyntaxKind.EndOfFileToken }, file.SyntaxTree.GetRoot().DescendantTokens().Select(t => t.Kind()));
            foreach (var section in new[] { "// ---- source IR ----", "// ---- lowered (SSA) ----", "// ---- backward ----" })
            {
                Assert.Contains(section, text, StringComparison.Ordinal);
            }
        }

        Assert.Contains("// ==== LogLoss(double, double), Ir.cs line ", ir.Single(s => s.HintName == "Ir.Calls.AutoDiff.ir.g.cs").SourceText.ToString(), StringComparison.Ordinal);

        // The generated code is the same as without the property.
        var without = Run(emitIr: null).Driver.GetRunResult().Results.Single().GeneratedSources;
        Assert.Equal(
            without.Select(s => (s.HintName, s.SourceText.ToString())),
            result.GeneratedSources.Where(s => !ir.Contains(s)).Select(s => (s.HintName, s.SourceText.ToString())));

        // Input and every generated file together: no error, no warning.
        var output = input.AddSyntaxTrees(result.GeneratedSources.Select(s => s.SyntaxTree));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, GeneratorHarness.Format(problems));
    }

    [Fact]
    public void The_property_is_read_case_insensitively()
    {
        var result = Run(emitIr: " True ").Driver.GetRunResult().Results.Single();
        Assert.Equal(4, result.GeneratedSources.Count(s => s.HintName.EndsWith(IrDump.HintNameSuffix, StringComparison.Ordinal)));
    }

    // ---- Never throws ---------------------------------------------------------------------------------------------

    [Fact]
    public void A_section_that_cannot_be_printed_becomes_a_comment_and_line_breaks_cannot_leave_the_comments()
    {
        // A hand-made model: a name with a Unicode line separator, a literal with a paragraph separator and a line
        // feed, and an assignment to a variable that does not exist (lowering throws on it).
        var body = new Block(new Stmt[]
        {
            new AssignStmt(7, new LiteralExpr("1.0", TypeRef.Double), 3, "y = 1.0;"),
            new ReturnStmt(new LiteralExpr("2.0\u2029int x = 1;\nint y = 2;\r\u0085\u2028", TypeRef.Double), 4, "return 2.0;"),
        }.ToEquatableArray());
        var model = new MethodModel("Ns", "global::Ns.T", EquatableArray<ContainingType>.Empty, "F\u2028class C {}", "public static", true, TypeRef.Double,
            EquatableArray<ParameterModel>.Empty, EquatableArray<VariableInfo>.Empty, body, "T.cs", 2, null);

        var text = IrDump.Write(new TypeModel("global::Ns.T", new[] { model }.ToEquatableArray()), CancellationToken.None);

        Assert.Contains("// (could not print this section: ", text, StringComparison.Ordinal);
        Assert.Contains("// ---- backward ----", text, StringComparison.Ordinal);
        var tree = CSharpSyntaxTree.ParseText(SourceText.From(text), GeneratorHarness.ParseOptions);
        Assert.Equal(new[] { SyntaxKind.EndOfFileToken }, tree.GetRoot().DescendantTokens().Select(t => t.Kind()));
        Assert.Empty(tree.GetDiagnostics());
    }

    // ---- Incrementality -----------------------------------------------------------------------------------------------

    [Fact]
    public void Editing_an_unrelated_file_keeps_the_ir_output_cached()
    {
        var (driver, input) = Run(emitIr: "true");
        var tree = input.SyntaxTrees.Single(t => t.FilePath == "Other.cs");
        var edited = input.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(Other.Replace("n * 2", "n * 3 + 1"))));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Null(result.Exception);
        Assert.Equal(8, result.GeneratedSources.Length);
        var problems = new List<string>();
        foreach (var name in new[] { TrackingNames.Types, TrackingNames.EmitIrOption, TrackingNames.IrTypes })
        {
            problems.AddRange(NotCached(name, result.TrackedSteps[name]));
        }

        foreach (var (name, steps) in result.TrackedOutputSteps)
        {
            problems.AddRange(NotCached("output " + name, steps));
        }

        Assert.True(problems.Count == 0, "Not cached:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Editing_a_method_rewrites_the_ir_file_of_its_type_alone()
    {
        // The converse of the test above, so that it can fail. The edit keeps the length: the methods after it keep their positions.
        var (driver, input) = Run(emitIr: "true");
        var tree = input.SyntaxTrees.Single(t => t.FilePath == "Ir.cs");
        var edited = input.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From(Source.Replace("double z = x * y;", "double z = x + y;"))));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains("z = x + y", result.GeneratedSources.Single(s => s.HintName == "Ir.StraightLine.AutoDiff.ir.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        var irTypes = result.TrackedSteps[TrackingNames.IrTypes].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(
            ["global::Ir.StraightLine"],
            irTypes.Where(o => o.Reason == IncrementalStepRunReason.Modified).Select(o => (((TypeModel, bool))o.Value).Item1.TypeKey));
    }

    [Fact]
    public void Turning_the_property_on_leaves_the_models_cached_and_adds_only_the_ir_files()
    {
        var (driver, input) = Run(emitIr: null);
        var result = driver.WithUpdatedAnalyzerConfigOptions(TestAnalyzerConfigOptionsProvider.WithProperty("AutoDiffEmitIr", "true"))
            .RunGenerators(input).GetRunResult().Results.Single();

        Assert.Null(result.Exception);
        Assert.Equal(8, result.GeneratedSources.Length);
        var problems = new List<string>();
        foreach (var name in new[] { TrackingNames.Parse, TrackingNames.Models, TrackingNames.ResolvedModels, TrackingNames.Types })
        {
            problems.AddRange(NotCached(name, result.TrackedSteps[name]));
        }

        Assert.True(problems.Count == 0, "Not cached:\n" + string.Join("\n", problems));
        Assert.Contains(result.TrackedSteps[TrackingNames.EmitIrOption].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    private static IEnumerable<string> NotCached(string name, IEnumerable<IncrementalGeneratorRunStep> steps)
        => steps.SelectMany(step => step.Outputs.Select((output, i) => (output, i)))
            .Where(t => t.output.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
            .Select(t => $"{name} output {t.i}: {t.output.Reason}");
}
