using Microsoft.CodeAnalysis;

namespace AutoDiff.Generators;

/// <summary>Emits a reverse-mode backward method for every method marked [Differentiable].</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class DifferentiableGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
