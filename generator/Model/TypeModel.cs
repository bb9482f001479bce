using AutoDiff.Generators.Helpers;

namespace AutoDiff.Generators.Model;

/// <summary>The [Differentiable] methods of one type, in source order: one generated file.</summary>
public sealed record TypeModel(string TypeKey, EquatableArray<MethodModel> Methods);

/// <summary>What parsing gives the pipeline for one [Differentiable] method: its model, or only its identity when it has errors.</summary>
/// <param name="Id">The method's <see cref="MethodModel.Id"/>.</param>
public sealed record ParsedMethod(string Id, MethodModel? Model);

/// <summary>
/// One method's backward method as C# text (unindented), or null when the method has errors (or the generator failed on
/// it: <see cref="InternalError"/>); and the [Differentiable] methods in this compilation whose generated backward it calls.
/// </summary>
public sealed record GeneratedMethod(
    string Id,
    string TypeKey,
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string SourceFileName,
    int SourceLine,
    string Name,
    string? Text,
    EquatableArray<string> Callees,
    DiagnosticInfo? InternalError);

/// <summary>One generated file: the backward methods of one type, in source order, and the generator's failures on its methods.</summary>
public sealed record GeneratedType(
    string TypeKey,
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    EquatableArray<string> Methods,
    EquatableArray<DiagnosticInfo> InternalErrors);
