using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using AutoDiff.Generators;
using AutoDiff.Generators.Model;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AutoDiff.Tests.Types;

/// <summary>
/// Where a differentiable type can be and what it can be called: the global namespace, nested in classes, structs,
/// records and interfaces, names that are keywords or the generated code's own locals and parameters, names of
/// object's members; XML documentation on; types of another assembly; the model the parser hands the method pipeline.
/// </summary>
public sealed class DifferentiableTypeLayoutTests
{
    private const string Layouts = """
        using System;
        using AutoDiff;

        [Differentiable]
        public partial class GlobalLayer { public double W; }

        namespace App.System
        {
            // A namespace named System and a type named AutoDiff: the generated code names everything with global::.
            public class AutoDiff { }

            public static partial class Outer
            {
                public partial struct Middle
                {
                    [Differentiable]
                    internal partial class Inner { public double[] W = new double[2]; }
                }

                public partial record Holder
                {
                    [Differentiable] public partial struct Point { public double X, Y; }
                }

                public partial interface IHost
                {
                    [Differentiable] public partial class Hosted { public float Gain; }
                }
            }

            // Internal: it holds Inner, which is internal.
            [Differentiable]
            internal partial class Names
            {
                public double @class;
                public double[] @double = new double[1];
                public double destination, source, other, offset, count, n, i, j, a, b, element, value;
                public double[] Element = new double[1];
                public double[] I = new double[1];
                public global::App.System.Outer.Middle.Inner? inner;
                public new double ToString;
                public new double Equals;
                public new double GetHashCode;
                public new double GetType;
                public new double MemberwiseClone;
                public new double ReferenceEquals;
                public double Finalize; // object.Finalize is not hidden by a field: no new
            }

            [Differentiable]
            public partial struct StructNames
            {
                public new double ToString;
                public new double Equals;
                public new double GetHashCode;
                public new double GetType;
                public new double MemberwiseClone;
                public new double ReferenceEquals;
                public double destination;
            }

            [Differentiable]
            public partial class Gradients
            {
                // Named like the gradient's own members' parameters and the model's generated locals.
                public double[] weights = new double[1], Weights = new double[1];
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> s_run = new(() => GeneratorHarness.Run(new SourceFile("Layouts.cs", Layouts)).AssertGeneratedCodeClean());

    [Theory]
    [InlineData("GlobalLayer")]
    [InlineData("App.System.Outer.Middle.Inner")]
    [InlineData("App.System.Outer.Holder.Point")]
    [InlineData("App.System.Outer.IHost.Hosted")]
    [InlineData("App.System.Names")]
    [InlineData("App.System.StructNames")]
    [InlineData("App.System.Gradients")]
    public void Every_layout_and_name_compiles_warning_free(string type)
    {
        var run = s_run.Value;
        Assert.Empty(run.AnalyzerDiagnostics);
        run.GradientSourceFor(type);
        var compiled = run.Compiled.GetType(type.Replace("Outer.Middle.", "Outer+Middle+").Replace("Outer.Holder.", "Outer+Holder+").Replace("Outer.IHost.", "Outer+IHost+"));
        Assert.True(typeof(IDifferentiable).IsAssignableFrom(compiled));
    }

    [Fact]
    public void The_analyzer_reports_nothing_on_the_compilation_with_the_generated_code()
    {
        // As in a real build, where analyzers see the generated files too: the generated Gradient, NewGradient... are
        // not mistaken for user members that take the generator's names (AUTODIFF022).
        var run = s_run.Value;
        Assert.Empty(GeneratorHarness.RunAnalyzer(run.OutputCompilation));
        var runtime = GeneratorHarness.Run(new SourceFile("Model.cs", """
            using AutoDiff;
            namespace M;
            [Differentiable] public partial class Linear { public double[] W = new double[2]; [Differentiable] public double F(double x) => x * x; }
            [Differentiable] public partial struct Vec2F { public float X, Y; }
            [Differentiable] public partial class Model { public Linear L = new(); public Vec2F P; public Linear[] Ls = { }; }
            """));
        Assert.Empty(GeneratorHarness.RunAnalyzer(runtime.OutputCompilation));
    }

    [Fact]
    public void Names_that_are_keywords_locals_or_object_members_keep_their_place_in_the_flat_order()
    {
        var run = s_run.Value;
        var names = (IDifferentiable)run.Compiled.Create("App.System.Names");
        Assert.Equal(2 + 12 + 1 + 1 + 7, names.ParameterCount); // inner is null: no parameters
        var values = Enumerable.Range(1, names.ParameterCount).Select(v => (double)v).ToArray();
        names.SetParameters(values);
        var copy = new double[values.Length];
        names.CopyParametersTo(copy);
        Assert.Equal(values, copy);
        Assert.Equal(17.0, names.GetType().GetField("ToString")!.GetValue(names));
        Assert.Contains("public new double ToString;", run.GradientSourceFor("App.System.Names"));
    }

    [Fact]
    public void Generated_members_are_documented_when_the_project_asks_for_XML_documentation()
    {
        // CS1591 (missing XML comment) and CS1574 (unresolved cref) are reported only with documentation on.
        var options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create("Docs", new[] { CSharpSyntaxTree.ParseText(Layouts, options, "Docs.cs") },
            GeneratorHarness.References, GeneratorHarness.CompilationOptions.WithSpecificDiagnosticOptions(new[] { new System.Collections.Generic.KeyValuePair<string, ReportDiagnostic>("CS1591", ReportDiagnostic.Warn) }));
        var driver = CSharpGeneratorDriver.Create(new[] { new DifferentiableGenerator().AsSourceGenerator() }, parseOptions: options);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var generated = output.SyntaxTrees.Where(t => t.FilePath.EndsWith(TypeRunExtensions.Suffix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(generated);
        var diagnostics = output.GetDiagnostics().Where(d => generated.Contains(d.Location.SourceTree!) && d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(diagnostics.Count == 0, GeneratorHarness.Format(diagnostics));

        // The check is live: the undocumented user types of the same compilation do get CS1591.
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS1591" && d.Location.SourceTree!.FilePath == "Docs.cs");
    }

    // ---- Types of another assembly ------------------------------------------------------------------------------

    private const string Library = """
        using AutoDiff;

        namespace Lib
        {
            [Differentiable] public partial class Linear { public double[] W = new double[3]; public double B; }
            [Differentiable] public partial struct Vec2F { public float X, Y; }
        }
        """;

    private const string LibraryWithoutGenerator = """
        using AutoDiff;

        namespace Raw
        {
            [Differentiable] public partial class Layer { public double W; }
        }
        """;

    private const string Consumer = """
        using AutoDiff;

        namespace App
        {
            [Differentiable]
            public partial class Model
            {
                public Lib.Linear First = new();
                public Lib.Linear[] More = { new(), new() };
                public Lib.Vec2F Offset;
                public double Scale;
            }
        }
        """;

    private static (byte[] Image, MetadataReference Reference) Build(string source, string name, bool withGenerator)
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { new SourceFile(name + ".cs", source) }, name);
        Compilation output = compilation;
        if (withGenerator)
        {
            GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out output, out _);
        }

        using var stream = new MemoryStream();
        var result = output.Emit(stream);
        Assert.True(result.Success, GeneratorHarness.Format(result.Diagnostics));
        return (stream.ToArray(), MetadataReference.CreateFromImage(stream.ToArray()));
    }

    [Fact]
    public void Differentiable_types_of_a_referenced_assembly_nest_by_their_generated_members()
    {
        var (image, library) = Build(Library, "Lib", withGenerator: true);
        var consumer = GeneratorHarness.CreateCompilation(new[] { new SourceFile("App.cs", Consumer) }, "App").AddReferences(library);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(consumer, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(GeneratorHarness.RunAnalyzer(consumer));
        var generated = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("App.Model" + TypeRunExtensions.Suffix, StringComparison.Ordinal)).ToString();
        // The float struct of the library is read as double through its explicit interface members, without boxing.
        Assert.Contains("CopyParametersTo(this.Offset, destination.Slice(offset, n));", generated);

        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, GeneratorHarness.Format(emitted.Diagnostics));

        var context = new AssemblyLoadContext("AutoDiff.Tests.CrossAssembly", isCollectible: true);
        try
        {
            context.LoadFromStream(new MemoryStream(image));
            var app = context.LoadFromStream(new MemoryStream(stream.ToArray()));
            var model = (IDifferentiable)Activator.CreateInstance(app.GetType("App.Model")!)!;
            Assert.Equal(4 + 2 * 4 + 2 + 1, model.ParameterCount);
            var values = Enumerable.Range(0, model.ParameterCount).Select(v => v + 0.5).ToArray();
            model.SetParameters(values);
            var copy = new double[values.Length];
            model.CopyParametersTo(copy);
            Assert.Equal(values, copy);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void A_differentiable_type_of_an_assembly_built_without_the_generator_is_AUTODIFF018()
    {
        var (_, raw) = Build(LibraryWithoutGenerator, "Raw", withGenerator: false);
        var consumer = GeneratorHarness.CreateCompilation(new[] { new SourceFile("App.cs", "using AutoDiff;\nnamespace App;\n[Differentiable] public partial class M { public Raw.Layer L = new(); }") }, "App")
            .AddReferences(raw);
        var diagnostics = GeneratorHarness.RunAnalyzer(consumer);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("AUTODIFF018", diagnostic.Id);
        Assert.Contains("its assembly has no 'Layer.Gradient'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Raw.Layer", consumer.SyntaxTrees.Single().GetText().ToString(diagnostic.Location.SourceSpan));
    }

    // ---- The model, as the method pipeline reads it -------------------------------------------------------------

    [Fact]
    public void TypeParser_gives_the_parameters_in_declaration_order_with_their_kinds()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { new SourceFile("Model.cs", """
            using AutoDiff;
            namespace Demo;
            [Differentiable] public partial class Linear { public double[] W = new double[1]; public double[]? B; [NoGrad] public int Inputs; }
            [Differentiable] public partial struct Vec2F { public float X; public float Y { get; set; } }
            public static partial class Outer
            {
                [Differentiable]
                internal partial class Model
                {
                    public Linear Hidden = new();
                    public double Scale;
                    public float[,] Grid = new float[1, 1];
                    public Vec2F Offset { get; set; }
                    public Linear?[] Layers = { };
                    public string Name = "";
                }
            }
            """) });
        var type = compilation.GetTypeByMetadataName("Demo.Outer+Model")!;
        var result = TypeParser.Parse(type, default);
        Assert.Empty(result.Diagnostics);
        var model = result.Model!;
        Assert.Equal("Demo", model.Namespace);
        Assert.Equal("Model", model.Name);
        Assert.Equal("global::Demo.Outer.Model", model.FullyQualifiedName);
        Assert.Equal("global::Demo.Outer.Model.Gradient", model.GradientName);
        Assert.Equal(new[] { "static partial class Outer" }, model.ContainingTypes.Select(c => c.Declaration));
        Assert.Equal("partial class Model", model.Declaration);
        Assert.Equal(DifferentiableTypeKind.Class, model.Kind);
        Assert.Equal("internal", model.Accessibility);
        Assert.Equal(FloatingType.Double, model.SpanElement);

        var linear = new DifferentiableTypeRef("global::Demo.Linear", DifferentiableTypeKind.Class, FloatingType.Double);
        var vec = new DifferentiableTypeRef("global::Demo.Vec2F", DifferentiableTypeKind.Struct, FloatingType.Float);
        Assert.Equal(new[]
        {
            new DifferentiableParameter("Hidden", DifferentiableParameterKind.Nested, FloatingType.Double, false, false, false, linear),
            new DifferentiableParameter("Scale", DifferentiableParameterKind.Scalar, FloatingType.Double, false, false, false, null),
            new DifferentiableParameter("Grid", DifferentiableParameterKind.Matrix, FloatingType.Float, false, false, false, null),
            new DifferentiableParameter("Offset", DifferentiableParameterKind.Nested, FloatingType.Float, true, false, false, vec),
            new DifferentiableParameter("Layers", DifferentiableParameterKind.NestedArray, FloatingType.Double, false, false, true, linear),
        }, model.Parameters);

        var vecModel = TypeParser.Parse(compilation.GetTypeByMetadataName("Demo.Vec2F")!, default).Model!;
        Assert.Equal(FloatingType.Float, vecModel.SpanElement);
        Assert.Equal(DifferentiableTypeKind.Struct, vecModel.Kind);
        Assert.True(TypeParser.IsDifferentiableType(compilation.GetTypeByMetadataName("Demo.Linear")));
        Assert.False(TypeParser.IsDifferentiableType(compilation.GetSpecialType(SpecialType.System_Double)));

        // Equatable: a second parse of the same symbol is equal, which is what keeps the pipeline cached.
        Assert.Equal(model, TypeParser.Parse(type, default).Model);
    }
}
