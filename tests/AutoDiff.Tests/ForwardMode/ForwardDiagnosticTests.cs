using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using AutoDiff.Generators;
using AutoDiff.Generators.CodeFixes;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Verifier = AutoDiff.Tests.CodeFixes.CodeFixVerifier<AutoDiff.Generators.CodeFixes.AddForwardCodeFix>;

namespace AutoDiff.Tests.ForwardMode;

/// <summary>
/// The diagnostics of forward mode (AUTODIFF040-043, and AUTODIFF013/014 for tangent registrations) at their exact
/// spans, marked inline as in <see cref="Diagnostics.DiagnosticTests"/>; valid variants get none. A method with a
/// forward-mode error gets neither a backward nor a tangent. The code fix of AUTODIFF040.
/// </summary>
public sealed class ForwardDiagnosticTests
{
    internal static readonly Dictionary<string, DiagnosticSeverity> Severities = new()
    {
        ["AUTODIFF010"] = DiagnosticSeverity.Warning,
        ["AUTODIFF013"] = DiagnosticSeverity.Error,
        ["AUTODIFF014"] = DiagnosticSeverity.Error,
        ["AUTODIFF015"] = DiagnosticSeverity.Warning,
        ["AUTODIFF040"] = DiagnosticSeverity.Error,
        ["AUTODIFF041"] = DiagnosticSeverity.Error,
        ["AUTODIFF042"] = DiagnosticSeverity.Error,
        ["AUTODIFF043"] = DiagnosticSeverity.Error,
    };

    private const string Library = """
        public static class Lib
        {
            public static double H(double x) => x * x;

            [DerivativeOf(nameof(H))]
            public static double HBackward(double x, double seed, out double gradX)
            {
                gradX = seed * 2 * x;
                return H(x);
            }

            public static double K(double x, double k) => k * x;

            [DerivativeOf(nameof(K))]
            public static double KBackward(double x, [NoGrad] double k, double seed, out double gradX)
            {
                gradX = seed * k;
                return k * x;
            }

            // Differentiates k too, where the backward treats it as a constant: not the tangent of that backward.
            [DerivativeOf(nameof(K), Tangent = true)]
            public static double KTangent(double x, double k, double tangentX, double tangentK, out double tangent)
            {
                tangent = k * tangentX + x * tangentK;
                return k * x;
            }
        }
        """;

    /// <summary>The cases; the method with the error is F.</summary>
    internal static readonly Dictionary<string, string> Cases = new()
    {
        // ---- AUTODIFF040: a [Differentiable] callee without Forward = true ------------------------------------------
        ["CalleeWithoutTangent"] = """
            public static partial class C
            {
                [Differentiable] public static double G(double x) => x * x;
                [Differentiable(Forward = true)] public static double F(double x, double y) => {|AUTODIFF040:G(x * y)|} + Math.Sin({|AUTODIFF040:G(y)|});
            }
            """,
        ["CalleeWithoutTangentOnThis"] = """
            public partial class C
            {
                [Differentiable(Forward = false)] public double G(double x) => x * x;
                [Differentiable(Forward = true)] public double F(double x) => {|AUTODIFF040:G(x)|} * {|AUTODIFF040:this.G(x)|};
            }
            """,
        // Valid: the call carries no tangent (its argument is [NoGrad]), so the primal is called.
        ["CalleeWithoutTangentOnConstants"] = """
            public static partial class C
            {
                [Differentiable] public static double G(double x) => x * x;
                [Differentiable(Forward = true)] public static double F(double x, [NoGrad] double c) => x * G(c) + G(2.0);
            }
            """,
        // Valid: both Forward.
        ["CalleeWithTangent"] = """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double G(double x) => x * x;
                [Differentiable(Forward = true)] public static double F(double x) => G(x) + G(G(x));
            }
            """,

        // ---- AUTODIFF041: a registered backward without a matching registered tangent ------------------------------
        ["RegisteredBackwardWithoutTangent"] = Library + """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F(double x) => {|AUTODIFF041:Lib.H(x)|} * x;
            }
            """,
        ["RegisteredTangentOfOtherParameters"] = Library + """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F(double x) => {|AUTODIFF041:Lib.K(x, 2.0)|};
            }
            """,
        // Valid: without Forward the registered backward is enough.
        ["RegisteredBackwardWithoutForward"] = Library + """
            public static partial class C
            {
                [Differentiable] public static double F(double x) => Lib.H(x) * x + Lib.K(x, 2.0);
            }
            """,

        // ---- AUTODIFF042: forward mode of differentiable types, not yet ---------------------------------------------
        ["InstanceMethodOfDifferentiableType"] = """
            [Differentiable]
            public partial class Layer
            {
                public double W;

                [Differentiable({|AUTODIFF042:Forward = true|})] public double F(double x) => W * x;
            }
            """,
        ["DifferentiableClassParameter"] = """
            [Differentiable]
            public partial class Layer
            {
                public double W;

                [Differentiable] public double Apply(double x) => W * x;
            }

            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F({|AUTODIFF042:Layer layer|}, double x) => layer.Apply(x) + x;
            }
            """,
        // Valid: a [NoGrad] layer is a constant.
        ["NoGradDifferentiableClassParameter"] = """
            [Differentiable]
            public partial class Layer
            {
                public double W;
            }

            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F([NoGrad] Layer layer, double x) => x * x;
            }
            """,

        // ---- AUTODIFF043: the tangent's name taken ----------------------------------------------------------------
        ["TangentNameTaken"] = """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double {|AUTODIFF043:F|}(double x, int n) => x * n;

                public static double FTangent(double x, int n, double t, out double r)
                {
                    r = t * n;
                    return x * n;
                }
            }
            """,
        ["HessianVectorNameTaken"] = """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double {|AUTODIFF043:F|}(double x) => x * x;

                public static double FHessianVector(double x, double t, out double g, out double h)
                {
                    g = 2 * x;
                    h = 2 * t;
                    return x * x;
                }
            }
            """,
        // Two Forward overloads whose tangents would take the same parameters: the second is reported, the first is generated.
        ["OverloadsWithTheSameTangent"] = """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F(double x, [NoGrad] double k, [NoGrad] double j) => x * k * j;
                [Differentiable(Forward = true)] public static double {|AUTODIFF043:F|}(double x, double y) => x * y;
            }
            """,
        // Valid: overloads whose tangents differ (a span, or a count), and a backward-only overload.
        ["OverloadsWithDistinctTangents"] = """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F(double x, double y) => x * y;
                [Differentiable(Forward = true)] public static double F(double[] x, double y) => x[0] * y;
                [Differentiable] public static double F(double x, [NoGrad] double k, [NoGrad] double j) => x * k * j;
            }
            """,
        // Valid: another overload of the same name (other parameters), and the name free without Forward.
        ["TangentNameOfAnotherOverload"] = """
            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F(double x) => x * x;
                public static double FTangent(double x) => 2 * x;
                [Differentiable] public static double G(double x) => x * x;
                public static double GTangent(double x, double t, out double r) { r = 2 * x * t; return x * x; }
            }
            """,

        // ---- Tangent registrations: AUTODIFF013, AUTODIFF014, AUTODIFF015 ----------------------------------------------
        ["TangentRegistrationWithoutTangentInput"] = """
            public static partial class C
            {
                public static double Helper(double x) => x * x;

                [{|AUTODIFF013:DerivativeOf(nameof(Helper), Tangent = true)|}]
                public static double HelperTangent(double x, out double tangent)
                {
                    tangent = 2 * x;
                    return x * x;
                }

                [Differentiable] public static double F(double x) => x;
            }
            """,
        ["TangentRegistrationWithBackwardSignature"] = """
            public static partial class C
            {
                public static double Helper(double x, double y) => x * y;

                [{|AUTODIFF013:DerivativeOf(nameof(Helper), Tangent = true)|}]
                public static double HelperTangent(double x, double y, double seed, out double gradX, out double gradY)
                {
                    gradX = seed * y;
                    gradY = seed * x;
                    return x * y;
                }

                [Differentiable] public static double F(double x) => x;
            }
            """,
        ["TangentRegistrationOfSpanTakingSpan"] = """
            public static partial class C
            {
                public static double Sum(double[] x) => x.Sum();

                [{|AUTODIFF013:DerivativeOf(nameof(Sum), Tangent = true)|}]
                public static double SumTangent(double[] x, Span<double> tangentX, out double tangent)
                {
                    tangent = 0;
                    foreach (var t in tangentX) tangent += t;
                    return x.Sum();
                }

                [Differentiable] public static double F(double x) => x;
            }
            """,
        ["DuplicateTangentRegistration"] = """
            public static partial class C
            {
                public static double Helper(double x) => x * x;

                [DerivativeOf(nameof(Helper), Tangent = true)]
                public static double HelperTangent(double x, double tangentX, out double tangent)
                {
                    tangent = 2 * x * tangentX;
                    return x * x;
                }

                [{|AUTODIFF014:DerivativeOf(nameof(Helper), Tangent = true)|}]
                public static double HelperTangent2(double x, double tangentX, out double tangent)
                {
                    tangent = 2 * x * tangentX;
                    return x * x;
                }

                [Differentiable] public static double F(double x) => x;
            }
            """,
        ["TangentRegistrationReplacesBuiltInRule"] = """
            public static class SinRules
            {
                [{|AUTODIFF015:DerivativeOf(typeof(Math), nameof(Math.Tanh), Tangent = true)|}]
                public static double TanhTangent(double x, double tangentX, out double tangent)
                {
                    var t = Math.Tanh(x);
                    tangent = (1 - t * t) * tangentX;
                    return t;
                }
            }

            public static partial class C
            {
                [Differentiable(Forward = true)] public static double F(double x) => Math.Tanh(x) * x;
            }
            """,
        // Valid: a backward and a tangent for one target are not duplicates.
        ["BackwardAndTangentRegistration"] = """
            public static partial class C
            {
                public static double Helper(double x) => x * x;

                [DerivativeOf(nameof(Helper))]
                public static double HelperBackward(double x, double seed, out double gradX)
                {
                    gradX = seed * 2 * x;
                    return x * x;
                }

                [DerivativeOf(nameof(Helper), Tangent = true)]
                public static double HelperTangent(double x, double tangentX, out double tangent)
                {
                    tangent = 2 * x * tangentX;
                    return x * x;
                }

                [Differentiable(Forward = true)] public static double F(double x) => Helper(x) * x;
            }
            """,
    };

    private static readonly Lazy<(GeneratorRun Run, Dictionary<string, (SyntaxTree Tree, ImmutableArray<ExpectedDiagnostic> Expected)> Files)> s_batch = new(() =>
    {
        var files = new List<SourceFile>();
        var expected = new Dictionary<string, ImmutableArray<ExpectedDiagnostic>>();
        foreach (var (name, markup) in Cases)
        {
            var (text, spans) = DiagnosticMarkup.Parse($"using System;\nusing System.Linq;\nusing AutoDiff;\n\nnamespace Cases.{name};\n\n" + markup);
            files.Add(new SourceFile(name + ".cs", text));
            expected[name] = spans;
        }

        var run = GeneratorHarness.Run(files.ToArray());
        var trees = run.InputCompilation.SyntaxTrees.ToDictionary(t => System.IO.Path.GetFileNameWithoutExtension(t.FilePath));
        return (run, expected.ToDictionary(e => e.Key, e => (trees[e.Key], e.Value)));
    });

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Reports_exactly_the_marked_diagnostics(string name)
    {
        var (run, files) = s_batch.Value;
        var (tree, expected) = files[name];
        DiagnosticMarkup.Verify(run.AnalyzerDiagnostics, tree, expected, Severities);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void A_method_with_an_error_gets_neither_backward_nor_tangent_and_a_valid_one_gets_both(string name)
    {
        var (run, files) = s_batch.Value;
        var (tree, expected) = files[name];
        var text = string.Concat(run.GeneratedSources.Where(s => s.HintName.StartsWith($"Cases.{name}.", StringComparison.Ordinal)).Select(s => s.Text));
        var errorInF = expected.Any(e => Severities[e.Id] == DiagnosticSeverity.Error
            && tree.GetRoot().FindNode(e.Span).AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().FirstOrDefault()?.Identifier.Text == "F");
        if (name == "OverloadsWithTheSameTangent")
        {
            // The first overload keeps its methods; the second has neither.
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @" FTangent\("));
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @" FBackward\("));
            Assert.Contains("FTangent(double x, double k, double j, double tangentX, out double tangent)", text, StringComparison.Ordinal);
        }
        else if (errorInF)
        {
            Assert.DoesNotContain(" FBackward(", text, StringComparison.Ordinal);
            Assert.DoesNotContain(" FTangent(", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(" FBackward(", text, StringComparison.Ordinal);
            Assert.Equal(Cases[name].Contains("Forward = true)] public static double F(", StringComparison.Ordinal), text.Contains(" FTangent(", StringComparison.Ordinal));
        }

        Assert.Empty(run.GeneratorExceptions);
        Assert.Empty(run.GeneratedCodeDiagnostics);
    }

    [Fact]
    public void Messages_name_the_callee_the_caller_and_the_signature_to_register()
    {
        var (run, files) = s_batch.Value;
        string Message(string name, string id) => run.AnalyzerDiagnostics
            .First(d => d.Id == id && d.Location.SourceTree == files[name].Tree)
            .GetMessage(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("'G' has no tangent method, so the tangent of 'F' cannot follow this call: mark 'G' [Differentiable(Forward = true)]",
            Message("CalleeWithoutTangent", "AUTODIFF040"));
        Assert.Equal("'Lib.H' has a registered backward method but no matching registered tangent method, so the tangent of 'F' cannot follow this call: "
            + "register one with [DerivativeOf(..., Tangent = true)] and the signature 'static double HTangent(double x, double tangentX, out double tangent)'",
            Message("RegisteredBackwardWithoutTangent", "AUTODIFF041"));
        Assert.Contains("'static double KTangent(double x, [NoGrad] double k, double tangentX, out double tangent)'", Message("RegisteredTangentOfOtherParameters", "AUTODIFF041"), StringComparison.Ordinal);
        Assert.Equal("Forward = true is not supported yet for an instance method of differentiable type 'Layer': its tangent with respect to the instance (tangentThis) is not generated yet; "
            + "make it a static method that takes the parameters it needs as double, float, arrays or spans, or remove Forward = true",
            Message("InstanceMethodOfDifferentiableType", "AUTODIFF042"));
        Assert.Contains("parameter 'layer' of differentiable class 'Layer'", Message("DifferentiableClassParameter", "AUTODIFF042"), StringComparison.Ordinal);
        Assert.Equal("Type 'C' already has a method 'FTangent' with the parameters of the tangent method of 'F'; rename one of them, or remove Forward = true",
            Message("TangentNameTaken", "AUTODIFF043"));
        Assert.Contains("Hessian-vector method", Message("HessianVectorNameTaken", "AUTODIFF043"), StringComparison.Ordinal);
        Assert.Equal("Type 'C' already has a method 'FTangent' with the parameters of the generated tangent method of the overload 'F(double, double, double)', which are those of the tangent method of 'F'; rename one of them, or remove Forward = true",
            Message("OverloadsWithTheSameTangent", "AUTODIFF043"));
        Assert.Contains("its signature must be 'static double HelperTangent(double x, double tangentX, out double tangent)'",
            Message("TangentRegistrationWithoutTangentInput", "AUTODIFF013"), StringComparison.Ordinal);
        Assert.Contains("ReadOnlySpan<double> tangentX", Message("TangentRegistrationOfSpanTakingSpan", "AUTODIFF013"), StringComparison.Ordinal);
        foreach (var d in run.AnalyzerDiagnostics)
        {
            Assert.DoesNotMatch(@"\{[0-9]+\}", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.EndsWith($"docs/diagnostics/{d.Id}.md", d.Descriptor.HelpLinkUri);
            Assert.True(d.Location.IsInSource);
        }
    }

    [Fact]
    public void A_registered_tangent_replaces_the_built_in_rule_in_forward_mode_only()
    {
        var (run, _) = s_batch.Value;
        var text = run.GeneratedSourceFor("Cases.TangentRegistrationReplacesBuiltInRule.C");
        var tangent = text[text.IndexOf(" FTangent(", StringComparison.Ordinal)..];
        var backward = text[..text.IndexOf(" FTangent(", StringComparison.Ordinal)];
        Assert.Contains("global::Cases.TangentRegistrationReplacesBuiltInRule.SinRules.TanhTangent(x, tangentX, out double", tangent, StringComparison.Ordinal);
        Assert.DoesNotContain("TanhTangent", backward, StringComparison.Ordinal);
        var f = TangentFunction.Of(run.Compiled, "Cases.TangentRegistrationReplacesBuiltInRule.C", "F");
        TangentSuite.Verify(f, [(-2.0, 2.0)], false, null, 30);
    }

    [Fact]
    public void Every_forward_descriptor_is_documented_and_tracked()
    {
        var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "generator/AnalyzerReleases.Unshipped.md"));
        var index = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "docs/diagnostics/README.md"));
        foreach (var descriptor in new[] { DiagnosticDescriptors.CalleeWithoutTangent, DiagnosticDescriptors.RegisteredDerivativeWithoutTangent, DiagnosticDescriptors.ForwardNotSupported, DiagnosticDescriptors.TangentNameTaken })
        {
            var page = System.IO.File.ReadAllText(System.IO.Path.Combine(root, $"docs/diagnostics/{descriptor.Id}.md"));
            Assert.Contains($"# {descriptor.Id}: {descriptor.Title}", page, StringComparison.Ordinal);
            Assert.Contains($"{descriptor.Id} | AutoDiff | {descriptor.DefaultSeverity} | {descriptor.Title}", unshipped, StringComparison.Ordinal);
            Assert.Contains($"[{descriptor.Id}]({descriptor.Id}.md)", index, StringComparison.Ordinal);
            Assert.Equal(Severities[descriptor.Id], descriptor.DefaultSeverity);
        }
    }

    // ---- The code fix of AUTODIFF040 ---------------------------------------------------------------------------------

    /// <summary>The example of docs/diagnostics/AUTODIFF040.md, whose fixed code the page shows.</summary>
    [Fact]
    public Task Fix_adds_Forward_to_the_callee() => new Verifier(
        """
        using System;
        using AutoDiff;

        public static partial class Activations
        {
            [Differentiable]
            public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

            [Differentiable(Forward = true)]
            public static double Loss(double x, double y) => {|AUTODIFF040:Softplus(x * y)|} + y;
        }
        """,
        """
        using System;
        using AutoDiff;

        public static partial class Activations
        {
            [Differentiable(Forward = true)]
            public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

            [Differentiable(Forward = true)]
            public static double Loss(double x, double y) => Softplus(x * y) + y;
        }
        """,
        AddForwardCodeFix.EquivalenceKey, "Add Forward = true to 'Softplus'").RunAsync();

    [Fact]
    public Task Fix_turns_Forward_false_true_and_keeps_other_arguments_and_fixes_all_calls() => new Verifier(
        """
        using AutoDiff;

        public partial class Model
        {
            [AutoDiff.Differentiable(Forward = false)] public double Square(double x) => x * x;
            [Differentiable()] public double Cube(double x) => x * x * x;

            [Differentiable(Forward = true)]
            public double Loss(double x) => {|AUTODIFF040:Square(x)|} + {|AUTODIFF040:Cube(x)|} + {|AUTODIFF040:this.Square(x * 2)|};
        }
        """,
        """
        using AutoDiff;

        public partial class Model
        {
            [AutoDiff.Differentiable(Forward = true)] public double Square(double x) => x * x;
            [Differentiable(Forward = true)] public double Cube(double x) => x * x * x;

            [Differentiable(Forward = true)]
            public double Loss(double x) => Square(x) + Cube(x) + this.Square(x * 2);
        }
        """,
        AddForwardCodeFix.EquivalenceKey).RunAsync();

    [Fact]
    public Task Fix_reaches_a_callee_in_another_file()
    {
        var test = new Verifier(
            """
            using AutoDiff;

            public static partial class Loss
            {
                [Differentiable(Forward = true)] public static double Total(double x) => {|AUTODIFF040:Geometry.Norm(x, 2.0)|};
            }
            """,
            """
            using AutoDiff;

            public static partial class Loss
            {
                [Differentiable(Forward = true)] public static double Total(double x) => Geometry.Norm(x, 2.0);
            }
            """,
            AddForwardCodeFix.EquivalenceKey);
        const string Geometry = """
            using System;
            using AutoDiff;

            public static partial class Geometry
            {
                [Differentiable]
                public static double Norm(double x, double y) => Math.Sqrt(x * x + y * y);
            }
            """;
        test.TestState.Sources.Add(Geometry);
        test.FixedState.Sources.Add(Geometry.Replace("[Differentiable]", "[Differentiable(Forward = true)]"));
        return test.RunAsync();
    }
}
