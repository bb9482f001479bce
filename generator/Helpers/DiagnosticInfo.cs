using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generators.Helpers;

/// <summary>A source location as plain values, so diagnostics can travel through the incremental pipeline.</summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode node) => From(node.GetLocation());
}

/// <summary>An equatable diagnostic: descriptor ID, location and message arguments (strings only).</summary>
public sealed record DiagnosticInfo(string DescriptorId, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] args)
        => new(descriptor.Id, LocationInfo.From(location), args.ToEquatableArray());

    /// <summary>An error by default: the generator emits nothing for a method that has one.</summary>
    public bool IsError => DiagnosticDescriptors.ById(DescriptorId).DefaultSeverity == DiagnosticSeverity.Error;

    /// <summary>
    /// Rebuilds the diagnostic. Given the syntax tree it was found in, the location is a real source location in that
    /// tree, so that <c>#pragma warning disable</c> and <c>.editorconfig</c> severities apply to it.
    /// </summary>
    public Diagnostic ToDiagnostic(SyntaxTree? tree = null)
    {
        var descriptor = DiagnosticDescriptors.ById(DescriptorId);
        var location = Location is null ? Microsoft.CodeAnalysis.Location.None
            : tree is not null && tree.FilePath == Location.FilePath ? Microsoft.CodeAnalysis.Location.Create(tree, Location.Span)
            : Location.ToLocation();
        return Diagnostic.Create(descriptor, location, MessageArgs.Cast<object>().ToArray());
    }
}
