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
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DifferentiableAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (context, cancellationToken) => context.TargetSymbol is IMethodSymbol method && context.TargetNode is MethodDeclarationSyntax syntax
                    ? new ParsedMethod(Parser.MethodId(method), ParseCache.Parse(method, syntax, context.SemanticModel, cancellationToken).Model)
                    : null)
            .WithTrackingName(TrackingNames.Parse)
            .Where(static parsed => parsed is not null)
            .Select(static (parsed, _) => parsed!);

        var models = parsed
            .Where(static parsed => parsed.Model is not null)
            .Select(static (parsed, _) => parsed.Model!)
            .WithTrackingName(TrackingNames.Models);

        // The methods that get no backward at parse time (errors); their callers get none either.
        var failedToParse = parsed
            .Where(static parsed => parsed.Model is null)
            .Select(static (parsed, _) => parsed.Id)
            .Collect()
            .Select(static (ids, _) => ids.Sort(StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.FailedToParse);

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

        // Each method's backward is generated on its own, so that an edit regenerates only the edited method; then the
        // methods are laid out per type, leaving out every method that calls one which got no backward.
        var generated = resolved
            .Select(static (model, cancellationToken) => Emitter.Generate(model, cancellationToken))
            .WithTrackingName(TrackingNames.GeneratedMethods);

        var files = generated
            .Collect()
            .Combine(failedToParse)
            .SelectMany(static (all, _) => Emitter.LayOut(all.Left, all.Right))
            .WithTrackingName(TrackingNames.Types);

        context.RegisterSourceOutput(files, static (context, type) => Emitter.Emit(context, type));

        // The IR dump works on the models, grouped per type.
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
            .WithTrackingName(TrackingNames.IrModels);

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
