using System;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators;

/// <summary>
/// Emits a reverse-mode backward method for every method marked [Differentiable]. The pipeline: parse each method
/// into an equatable model (<see cref="Parser"/>), group the models by containing type, and for each type lower,
/// analyze, transform and emit one file (<see cref="Emitter"/>), and, when the project sets AutoDiffEmitIr, a second,
/// comment-only file with the IRs of its methods (<see cref="IrDump"/>). Diagnostics are reported by
/// <see cref="DifferentiableAnalyzer"/>, which runs the same stages; the generator only skips methods with errors.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DifferentiableGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DifferentiableAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (context, cancellationToken) => context.TargetSymbol is IMethodSymbol method && context.TargetNode is MethodDeclarationSyntax syntax
                    ? ParseCache.Parse(method, syntax, context.SemanticModel, cancellationToken).Model
                    : null)
            .WithTrackingName(TrackingNames.Parse)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);

        // [DerivativeOf] registrations: in source (one model each) and in referenced libraries, one per target. Each
        // method gets those of its own callees, so editing a derivative re-emits only the types that call its target.
        var registrations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DerivativeOfAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (context, cancellationToken) => context.TargetSymbol is IMethodSymbol method && context.Attributes.Length > 0
                    ? Derivatives.Read(method, context.Attributes[0], Derivatives.SourceOrder(context.Attributes[0]), isInSource: true, cancellationToken).Registration
                    : null)
            .WithTrackingName(TrackingNames.Registrations)
            .Where(static registration => registration is not null)
            .Select(static (registration, _) => registration!);

        var referenced = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => Derivatives.ReadReferenced(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.ReferencedRegistrations);

        var index = registrations
            .Collect()
            .Combine(referenced)
            .Select(static (all, _) => Derivatives.Index(all.Left.Concat(all.Right)).Select(r => r.Derivative).ToEquatableArray())
            .WithTrackingName(TrackingNames.DerivativeIndex);

        var resolved = models
            .Combine(index)
            .Select(static (pair, _) => Derivatives.Attach(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.ResolvedModels);

        var types = resolved
            .Collect()
            .SelectMany(static (all, _) => all
                .GroupBy(m => m.TypeKey, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new TypeModel(g.Key, g
                    .OrderBy(m => m.SourceFileName, StringComparer.Ordinal)
                    .ThenBy(m => m.SourceLine)
                    .ThenBy(m => m.Name, StringComparer.Ordinal)
                    .ToEquatableArray())))
            .WithTrackingName(TrackingNames.Types);

        context.RegisterSourceOutput(types, static (context, type) => Emitter.Emit(context, type));

        // [Differentiable] classes and structs: their Gradient and flat parameter view (DifferentiableGenerator.Types.cs).
        InitializeTypes(context);

        // <AutoDiffEmitIr>true</AutoDiffEmitIr> also writes each type's IRs as a comment-only file (IrDump). The
        // options are read into one bool, so editing other options leaves it cached, and the dump is an output of
        // its own: without the property it emits nothing, and turning it on or off leaves the outputs above cached.
        var emitIr = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => IrDump.IsEnabled(options.GlobalOptions))
            .WithTrackingName(TrackingNames.EmitIrOption);

        var irTypes = types
            .Combine(emitIr)
            .WithTrackingName(TrackingNames.IrTypes);

        context.RegisterSourceOutput(irTypes, static (context, pair) =>
        {
            if (pair.Right)
            {
                IrDump.Emit(context, pair.Left);
            }
        });
    }
}
