using AutoDiff.Generators.Helpers;

namespace AutoDiff.Generators.Model;

/// <summary>The [Differentiable] methods of one type, in source order: one generated file.</summary>
public sealed record TypeModel(string TypeKey, EquatableArray<MethodModel> Methods);
