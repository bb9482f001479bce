namespace AutoDiff.Generators;

/// <summary>The names of the pipeline's steps, given to WithTrackingName so that tests can assert what was cached.</summary>
public static class TrackingNames
{
    /// <summary>Each [Differentiable] method read into its model.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The models of methods the generator can emit.</summary>
    public const string Models = nameof(Models);

    /// <summary>Models grouped by containing type: one output file each.</summary>
    public const string Types = nameof(Types);
}
