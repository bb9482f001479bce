namespace AutoDiff.Generators;

/// <summary>The names of the pipeline's steps, given to WithTrackingName so that tests can assert what was cached.</summary>
public static class TrackingNames
{
    /// <summary>Each [Differentiable] method read into its model.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The models of methods the generator can emit.</summary>
    public const string Models = nameof(Models);

    /// <summary>Each [DerivativeOf] method in source read into its registration.</summary>
    public const string Registrations = nameof(Registrations);

    /// <summary>The [DerivativeOf] registrations of referenced assemblies.</summary>
    public const string ReferencedRegistrations = nameof(ReferencedRegistrations);

    /// <summary>One registered derivative per target, from source and references.</summary>
    public const string DerivativeIndex = nameof(DerivativeIndex);

    /// <summary>Each model with the registered derivatives of its callees attached.</summary>
    public const string ResolvedModels = nameof(ResolvedModels);

    /// <summary>Models grouped by containing type: one output file each.</summary>
    /// <summary>The IDs of the [Differentiable] methods whose parse failed (errors), sorted.</summary>
    public const string FailedToParse = nameof(FailedToParse);

    /// <summary>Each method's backward method as text, or its failure.</summary>
    public const string GeneratedMethods = nameof(GeneratedMethods);

    /// <summary>One generated file per type: the backward methods that are emitted.</summary>
    public const string Types = nameof(Types);

    /// <summary>The models of each type, for the IR dump.</summary>
    public const string IrModels = nameof(IrModels);

    /// <summary>Whether the project sets the MSBuild property AutoDiffEmitIr to true.</summary>
    public const string EmitIrOption = nameof(EmitIrOption);

    /// <summary>Each type model paired with <see cref="EmitIrOption"/>: the IR dump's output writes a file for each when it is true.</summary>
    public const string IrTypes = nameof(IrTypes);

    /// <summary>Each [Differentiable] class or struct read into its model (null when it has an error).</summary>
    public const string TypeParse = nameof(TypeParse);

    /// <summary>The models of the differentiable types the generator can emit: one output file each.</summary>
    public const string DifferentiableTypes = nameof(DifferentiableTypes);
}
