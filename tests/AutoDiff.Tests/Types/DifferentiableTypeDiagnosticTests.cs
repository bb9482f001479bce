using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// The diagnostics of differentiable types (AUTODIFF017-024): ID, severity and exact span, marked inline as
/// <c>{|AUTODIFF018:List&lt;double&gt;|}</c>, one file and namespace per case, all in one compilation. Valid variants
/// get no diagnostic and a generated file; a type with an error gets none.
/// </summary>
public sealed class DifferentiableTypeDiagnosticTests
{
    /// <summary>The severity of each ID, written out so that a change of the descriptors is caught.</summary>
    internal static readonly Dictionary<string, DiagnosticSeverity> Severities = new()
    {
        ["AUTODIFF003"] = DiagnosticSeverity.Error,
        ["AUTODIFF017"] = DiagnosticSeverity.Error,
        ["AUTODIFF018"] = DiagnosticSeverity.Error,
        ["AUTODIFF019"] = DiagnosticSeverity.Error,
        ["AUTODIFF020"] = DiagnosticSeverity.Error,
        ["AUTODIFF021"] = DiagnosticSeverity.Error,
        ["AUTODIFF022"] = DiagnosticSeverity.Error,
        ["AUTODIFF023"] = DiagnosticSeverity.Error,
        ["AUTODIFF024"] = DiagnosticSeverity.Error,
    };

    internal static readonly Dictionary<string, string> Cases = new()
    {
        // ---- AUTODIFF017: the type, or a type around it, is not partial ---------------------------------------
        ["NotPartial"] = """
            [Differentiable]
            public class {|AUTODIFF017:Linear|}
            {
                public double[] Weights = new double[4];
            }
            """,
        ["ContainingTypeNotPartial"] = """
            public class Outer
            {
                [Differentiable]
                public partial class {|AUTODIFF017:Inner|} { public double W; }
            }
            """,
        ["MethodInNonPartialDifferentiableType"] = """
            [Differentiable]
            public class {|AUTODIFF017:Layer|}
            {
                public double W;
                [Differentiable] public double {|AUTODIFF003:Apply|}(double x) => W * x;
            }
            """,

        // ---- AUTODIFF018: a member of a type that is not a parameter type -------------------------------------
        ["ListMember"] = """
            [Differentiable]
            public partial class C
            {
                public {|AUTODIFF018:System.Collections.Generic.List<double>|} Weights = new();
            }
            """,
        ["PlainStructMember"] = """
            public struct Plain { public double A; }

            [Differentiable]
            public partial class C
            {
                public {|AUTODIFF018:Plain|} P;
            }
            """,
        ["DelegateMember"] = """
            [Differentiable]
            public partial class C
            {
                public double W;
                private {|AUTODIFF018:Func<double, double>|} _activation = Math.Tanh;
            }
            """,
        ["JaggedArrayNullableAndDecimal"] = """
            [Differentiable]
            public partial class C
            {
                public {|AUTODIFF018:double[][]|} Rows = new double[0][];
                public {|AUTODIFF018:double?|} Maybe;
                public {|AUTODIFF018:decimal|} Money;
                public {|AUTODIFF018:(double, double)|} Pair;
                public {|AUTODIFF018:double[,,]|} Cube = new double[1, 1, 1];
            }
            """,
        ["ArrayOfDifferentiableStruct"] = """
            [Differentiable] public partial struct Vec2 { public double X, Y; }

            [Differentiable]
            public partial class Path
            {
                public {|AUTODIFF018:Vec2[]|} Points = new Vec2[3];
            }
            """,
        ["PrivateLayerInPublicModel"] = """
            [Differentiable]
            public partial class Mlp
            {
                private {|AUTODIFF018:Layer|} _hidden = new();

                [Differentiable]
                private partial class Layer { public double W; }
            }
            """,
        ["InternalLayerInPublicModel"] = """
            [Differentiable] internal partial class Layer { public double W; }

            [Differentiable]
            public partial class Model
            {
                internal {|AUTODIFF018:Layer[]|} Layers = { new() };
            }
            """,
        ["CapturedPrimaryConstructorParameter"] = """
            [Differentiable]
            public partial class Scaler(int n, {|AUTODIFF018:double|} scale)
            {
                public double[] W = new double[n];
                public double Apply(double x) => scale * x;
            }
            """,

        // ---- AUTODIFF019: a settable property with accessor bodies ----------------------------------------------
        ["PropertyWithLogic"] = """
            [Differentiable]
            public partial class C
            {
                private double _scale;
                public double {|AUTODIFF019:Scale|} { get => _scale; set => _scale = Math.Max(0, value); }
                public double[] {|AUTODIFF019:Weights|} { get { return _w; } set { _w = value; } }
                private double[] _w = new double[2];
            }
            """,

        // ---- AUTODIFF020: a type that contains itself -----------------------------------------------------------
        ["CycleOfTwoClasses"] = """
            [Differentiable] public partial class A { public double W; public {|AUTODIFF020:B?|} Next; }
            [Differentiable] public partial class B { public double V; public {|AUTODIFF020:A?|} Back; }
            """,
        ["CycleThroughAnArray"] = """
            [Differentiable]
            public partial class Tree
            {
                public double Value;
                public {|AUTODIFF020:Tree[]|} Children = Array.Empty<Tree>();
            }
            """,
        ["CycleBehindAMember"] = """
            [Differentiable] public partial class Holder { public Ring First = new(); }
            [Differentiable] public partial class Ring { public double W; public {|AUTODIFF020:Link?|} Next; }
            [Differentiable] public partial class Link { public double[] V = new double[2]; public {|AUTODIFF020:Ring[]|} Back = Array.Empty<Ring>(); }
            """,

        // ---- AUTODIFF021: an array or class in a differentiable struct ------------------------------------------
        ["ArrayInStruct"] = """
            [Differentiable] public partial class Layer { public double W; }

            [Differentiable]
            public partial struct S
            {
                public double X;
                public {|AUTODIFF021:double[]|} Weights;
                public {|AUTODIFF021:float[,]|} Grid;
                public {|AUTODIFF021:Layer|} Layer;
            }
            """,

        // ---- AUTODIFF022: names the generated code needs --------------------------------------------------------
        ["GeneratedNamesTaken"] = """
            [Differentiable]
            public partial class C
            {
                public double W;
                public int {|AUTODIFF022:ParameterCount|} => 1;
                public class {|AUTODIFF022:Gradient|} { }
                public void {|AUTODIFF022:CopyParametersTo|}(double[] target) { }
            }
            """,
        ["ParameterNamedLikeAGradientMethod"] = """
            [Differentiable]
            public partial class C
            {
                public double {|AUTODIFF022:Add|};
                public double[] {|AUTODIFF022:CopyTo|} = new double[1];
            }
            """,
        ["TypeNamedGradient"] = """
            [Differentiable]
            public partial class {|AUTODIFF022:Gradient|} { public double W; }
            """,
        ["InheritedName"] = """
            public class Base { public void SetParameters(int count) { } }

            [Differentiable]
            public partial class {|AUTODIFF022:Derived|} : Base { public double W; }
            """,

        // ---- AUTODIFF023: scalars SetParameters cannot write ----------------------------------------------------
        ["ReadOnlyScalars"] = """
            [Differentiable] public partial struct Vec2 { public double X, Y; }

            [Differentiable]
            public partial class C
            {
                public readonly double {|AUTODIFF023:Bias|};
                public double {|AUTODIFF023:Scale|} { get; }
                public float {|AUTODIFF023:Gain|} { get; init; }
                public readonly Vec2 {|AUTODIFF023:Offset|};
                public readonly double[] Weights = new double[3];
                public double Settable { get; private set; }
            }
            """,
        ["ReadOnlyStruct"] = """
            [Differentiable]
            public readonly partial struct Vec2
            {
                public readonly double {|AUTODIFF023:X|};
                public double {|AUTODIFF023:Y|} { get; }
            }
            """,
        ["PositionalRecord"] = """
            [Differentiable]
            public partial record Point(double {|AUTODIFF023:X|}, double {|AUTODIFF023:Y|});
            """,

        // ---- AUTODIFF024: types that cannot be differentiable types ---------------------------------------------
        ["GenericType"] = """
            [Differentiable]
            public partial class {|AUTODIFF024:Layer|}<T> { public double W; public T? Tag; }
            """,
        ["NestedInGenericType"] = """
            public partial class Outer<T>
            {
                [Differentiable]
                public partial class {|AUTODIFF024:Inner|} { public double W; }
            }
            """,
        ["StaticClass"] = """
            [Differentiable]
            public static partial class {|AUTODIFF024:Losses|}
            {
                [Differentiable] public static double Square(double x) => x * x;
            }
            """,
        ["RefStruct"] = """
            [Differentiable]
            public ref partial struct {|AUTODIFF024:Window|} { public double W; }
            """,
        ["DerivedFromDifferentiable"] = """
            [Differentiable] public partial class Layer { public double W; }

            [Differentiable]
            public partial class {|AUTODIFF024:Scaled|} : Layer { public double S; }
            """,
        ["BaseHoldsData"] = """
            public class Base { protected double Offset; }

            [Differentiable]
            public partial class {|AUTODIFF024:Derived|} : Base { public double W; }
            """,

        // ---- Valid: no diagnostic ------------------------------------------------------------------------------
        ["ValidMembers"] = """
            public enum Mode { A, B }

            [Differentiable] public partial struct Vec2 { public double X; public double Y { get; set; } }

            [Differentiable]
            public partial class Layer
            {
                public double[] Weights = new double[2];
                public float[,] Grid = new float[1, 1];
                private double _bias;
                public double Bias => _bias;
                public double Norm { get { return Math.Sqrt(_bias * _bias); } }
                [NoGrad] public double Temperature { get => _t; set => _t = value; }
                private double _t;
                [NoGrad] public System.Collections.Generic.List<double> History = new();
                [NoGrad] public Func<double, double> Activation = Math.Tanh;
                public int Count;
                public bool Enabled;
                public string Name = "";
                public Mode Mode;
                public static double Shared;
                public const double Pi = 3.14;
                public Vec2 Offset;
                public readonly double[] Fixed = new double[1];
                public event Action? Changed;
                public double this[int i] { get => Weights[i]; set => Weights[i] = value; }
                public void Raise() => Changed?.Invoke();
            }
            """,
        ["ValidModelOfLayers"] = """
            [Differentiable] public partial class Linear { public double[] W = new double[2]; public double B; }

            [Differentiable]
            public partial class Model
            {
                public Linear First = new();
                public Linear[] Layers = { new() };
                public Linear?[]? Optional;
                [NoGrad] public Model? Parent;
            }
            """,
        ["ValidPrivateLayerInPrivateModel"] = """
            public partial class Outer
            {
                [Differentiable] private partial class Model { public Layer Hidden = new(); }
                [Differentiable] private partial class Layer { public double W; }
            }
            """,
        ["ValidPrimaryConstructorInInitializers"] = """
            [Differentiable]
            public partial class Layer(int n, double[] init)
            {
                public double[] W = init;
                public double[] B { get; set; } = new double[n];
            }
            """,
        ["ValidRecordStructAndRecord"] = """
            [Differentiable] public partial record struct Point(double X, double Y);
            [Differentiable] public partial record Shape { public double Size { get; set; } }
            """,
        ["ValidDifferentiableMethodInDifferentiableType"] = """
            [Differentiable]
            public partial class Layer
            {
                public double W = 2;
                [Differentiable] public double Apply(double x) => W * x * x;
            }
            """,
        ["MemberOfATypeWithErrors"] = """
            [Differentiable] public partial class Model { public Layer Hidden = new(); public double W; }
            [Differentiable] public class {|AUTODIFF017:Layer|} { public double V; }
            """,
    };

    private static readonly Lazy<(GeneratorRun Run, Dictionary<string, (SyntaxTree Tree, ImmutableArray<ExpectedDiagnostic> Expected)> Files)> s_batch = new(() =>
    {
        var files = new List<SourceFile>();
        var expected = new Dictionary<string, ImmutableArray<ExpectedDiagnostic>>();
        foreach (var (name, markup) in Cases)
        {
            var (text, spans) = DiagnosticMarkup.Parse(Prefix(name) + markup);
            files.Add(new SourceFile(name + ".cs", text));
            expected[name] = spans;
        }

        var run = GeneratorHarness.Run(files.ToArray());
        var trees = run.InputCompilation.SyntaxTrees.ToDictionary(t => System.IO.Path.GetFileNameWithoutExtension(t.FilePath));
        return (run, expected.ToDictionary(e => e.Key, e => (trees[e.Key], e.Value)));
    });

    private static string Prefix(string name) => $"using System;\nusing AutoDiff;\n\nnamespace TypeCases.{name};\n\n";

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
    public void Generator_emits_a_file_for_each_valid_type_only_and_never_throws(string name)
    {
        var (run, files) = s_batch.Value;
        var (tree, _) = files[name];
        Assert.Empty(run.GeneratorExceptions);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Location.GetLineSpan().Path == tree.FilePath));

        var reported = run.AnalyzerDiagnostics.Where(d => d.Location.SourceTree == tree).Select(d => d.Location.SourceSpan).ToList();
        foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>()
            .Where(t => t.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() == "Differentiable")))
        {
            var typeName = string.Join(".", declaration.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Reverse().Select(t => t.Identifier.ValueText));
            var file = run.FindGradientFile($"TypeCases.{name}.{typeName}");
            var hasError = reported.Any(span => declaration.FullSpan.Contains(span));
            if (hasError)
            {
                Assert.True(file is null, $"{typeName} has an error but got {file?.HintName}");
            }
            else if (name.StartsWith("Valid", StringComparison.Ordinal))
            {
                Assert.True(file is not null, $"No file for {typeName}:\n{run.Describe()}");
                Assert.Empty(run.CompilerDiagnostics.Where(d => d.Location.SourceTree == file!.SyntaxTree));
            }
        }
    }

    [Fact]
    public void A_type_that_holds_a_type_with_an_error_gets_no_file_and_no_diagnostic_of_its_own()
    {
        var (run, _) = s_batch.Value;
        Assert.Null(run.FindGradientFile("TypeCases.MemberOfATypeWithErrors.Model"));
        Assert.Null(run.FindGradientFile("TypeCases.CycleBehindAMember.Holder"));
    }

    [Fact]
    public void The_generated_code_of_the_batch_compiles_without_any_warning()
    {
        var (run, _) = s_batch.Value;
        run.AssertGeneratedCodeClean();
    }

    [Fact]
    public void Test_sources_are_valid_CSharp_apart_from_what_is_marked()
    {
        var (run, _) = s_batch.Value;
        var errors = run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test sources themselves have errors:\n" + GeneratorHarness.Format(errors));
    }

    [Fact]
    public void Diagnostics_are_located_in_the_source_tree_and_reported_once()
    {
        var (run, _) = s_batch.Value;
        Assert.All(run.AnalyzerDiagnostics, d => Assert.True(d.Location.IsInSource && d.Location.SourceTree is not null, d.ToString()));
        var duplicates = run.AnalyzerDiagnostics
            .GroupBy(d => (d.Id, d.Location.GetLineSpan().Path, d.Location.SourceSpan, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))
            .Where(g => g.Count() > 1).Select(g => g.First()).ToList();
        Assert.True(duplicates.Count == 0, "Reported more than once:\n" + GeneratorHarness.Format(duplicates));
    }

    [Fact]
    public void Messages_name_the_member_the_type_and_what_to_do()
    {
        var (run, _) = s_batch.Value;
        foreach (var d in run.AnalyzerDiagnostics)
        {
            var message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.DoesNotContain("{0}", message);
            Assert.EndsWith($"docs/diagnostics/{d.Id}.md", d.Descriptor.HelpLinkUri);
        }

        string Message(string name, string id, int index = 0) => run.AnalyzerDiagnostics
            .Where(d => d.Id == id && System.IO.Path.GetFileNameWithoutExtension(d.Location.GetLineSpan().Path) == name)
            .ElementAt(index).GetMessage(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("Type 'Linear' must be declared partial so that the gradient type and the parameter members of differentiable type 'Linear' can be generated into it",
            Message("NotPartial", "AUTODIFF017"));
        Assert.Equal("Type 'Outer' must be declared partial so that the gradient type and the parameter members of differentiable type 'Inner' can be generated into it",
            Message("ContainingTypeNotPartial", "AUTODIFF017"));
        Assert.Equal("'Weights' of type 'List<double>' cannot be a parameter of differentiable type 'C': a collection is not a parameter; hold the values in a double[] or float[], or mark the member [NoGrad] if it is a constant",
            Message("ListMember", "AUTODIFF018"));
        Assert.Contains("'Plain' is not a differentiable type; mark it [Differentiable] (and partial)", Message("PlainStructMember", "AUTODIFF018"));
        Assert.Contains("what a delegate computes is not a parameter", Message("DelegateMember", "AUTODIFF018"));
        Assert.Contains("use double[,] or a flat double[]", Message("JaggedArrayNullableAndDecimal", "AUTODIFF018"));
        Assert.Contains("a nullable value is not a parameter", Message("JaggedArrayNullableAndDecimal", "AUTODIFF018", 1));
        Assert.Contains("only double and float are differentiated", Message("JaggedArrayNullableAndDecimal", "AUTODIFF018", 2));
        Assert.Contains("a tuple is not a parameter", Message("JaggedArrayNullableAndDecimal", "AUTODIFF018", 3));
        Assert.Contains("an array of rank 3", Message("JaggedArrayNullableAndDecimal", "AUTODIFF018", 4));
        Assert.Contains("an array of the differentiable struct 'Vec2'", Message("ArrayOfDifferentiableStruct", "AUTODIFF018"));
        Assert.Contains("'Layer' is less accessible than 'Mlp', so 'Mlp.Gradient' cannot have a public field of type 'Layer.Gradient'", Message("PrivateLayerInPublicModel", "AUTODIFF018"));
        Assert.Contains("'Layer' is less accessible than 'Model'", Message("InternalLayerInPublicModel", "AUTODIFF018"));
        Assert.Contains("'scale' of type 'double'", Message("CapturedPrimaryConstructorParameter", "AUTODIFF018"));
        Assert.Contains("a primary-constructor parameter that members read is hidden state", Message("CapturedPrimaryConstructorParameter", "AUTODIFF018"));
        Assert.StartsWith("Property 'Scale' of type 'double' has accessor bodies", Message("PropertyWithLogic", "AUTODIFF019"));
        Assert.Contains("(A.Next → B.Back → A)", Message("CycleOfTwoClasses", "AUTODIFF020"));
        Assert.Contains("(B.Back → A.Next → B)", Message("CycleOfTwoClasses", "AUTODIFF020", 1));
        Assert.Contains("(Tree.Children → Tree)", Message("CycleThroughAnArray", "AUTODIFF020"));
        Assert.Contains("'Weights' of type 'double[]' cannot be a parameter of differentiable struct 'S'", Message("ArrayInStruct", "AUTODIFF021"));
        Assert.Equal("The name 'ParameterCount' in differentiable type 'C' is taken by the generated code, for the number of parameters (AutoDiff.IDifferentiable); rename it",
            Message("GeneratedNamesTaken", "AUTODIFF022"));
        Assert.Contains("the method C.Gradient.Add, beside which", Message("ParameterNamedLikeAGradientMethod", "AUTODIFF022"));
        Assert.Contains("the base class 'Base' declares 'SetParameters' already", Message("InheritedName", "AUTODIFF022"));
        Assert.Equal("'Bias' is a parameter of differentiable type 'C' but a readonly field, so SetParameters cannot write it: remove readonly, or mark it [NoGrad] if it is a constant",
            Message("ReadOnlyScalars", "AUTODIFF023"));
        Assert.Contains("but a property without a set accessor", Message("ReadOnlyScalars", "AUTODIFF023", 1));
        Assert.Contains("but an init-only property", Message("ReadOnlyScalars", "AUTODIFF023", 2));
        Assert.Contains("remove readonly from the field and from the struct", Message("ReadOnlyStruct", "AUTODIFF023"));
        Assert.Contains("it is generic", Message("GenericType", "AUTODIFF024"));
        Assert.Contains("it is nested in the generic type 'Outer<T>'", Message("NestedInGenericType", "AUTODIFF024"));
        Assert.Contains("a static class has no instances", Message("StaticClass", "AUTODIFF024"));
        Assert.Contains("a ref struct cannot implement", Message("RefStruct", "AUTODIFF024"));
        Assert.Contains("it derives from the differentiable type 'Layer'; hold a 'Layer' in a field instead", Message("DerivedFromDifferentiable", "AUTODIFF024"));
        Assert.Contains("its base class 'Base' holds floating-point data", Message("BaseHoldsData", "AUTODIFF024"));
    }

    [Fact]
    public void Pragma_warning_disable_applies_to_the_type_diagnostics()
    {
        var run = GeneratorHarness.Run(new SourceFile("Pragma.cs", """
            using AutoDiff;
            namespace P;
            [Differentiable]
            public partial class C
            {
            #pragma warning disable AUTODIFF018
                public System.Collections.Generic.List<double> Weights = new();
            #pragma warning restore AUTODIFF018
            }
            """));
        // The harness's analyzer run leaves out suppressed diagnostics.
        Assert.DoesNotContain(run.AnalyzerDiagnostics, d => d.Id == "AUTODIFF018");
        Assert.Null(run.FindGradientFile("P.C")); // suppressing an error does not make the type valid
    }
}
