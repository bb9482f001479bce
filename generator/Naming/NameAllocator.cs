using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace AutoDiff.Generators;

/// <summary>
/// The names of one generated method: every name the user's method has in scope (parameters, locals, the gradient
/// parameters and the seed) and every name the generator makes up. <see cref="Take"/> hands out names that are free
/// and never a keyword, so a generated name needs no escaping; user identifiers are printed with <see cref="Escape"/>.
/// Names are recorded bare (without <c>@</c>): <c>@out</c> and <c>out</c> are the same identifier.
/// </summary>
internal sealed class NameAllocator
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public NameAllocator()
    {
    }

    public NameAllocator(IEnumerable<string> reserved)
    {
        foreach (var name in reserved)
        {
            Reserve(name);
        }
    }

    /// <summary>
    /// The hint itself when it is free and usable as a plain identifier (not a reserved or contextual keyword, not
    /// <c>_</c>), else the first free <c>hint_1</c>, <c>hint_2</c>...; the name returned is taken from then on.
    /// Characters that cannot stand in an identifier are replaced by <c>_</c>.
    /// </summary>
    public string Take(string hint)
    {
        var name = Sanitize(hint);
        if (IsUsable(name) && _taken.Add(name))
        {
            return name;
        }

        for (var i = 1; ; i++)
        {
            var candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (_taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Records a name as taken (a user's name, kept as it is even when it is a keyword written <c>@out</c>).</summary>
    public void Reserve(string name) => _taken.Add(Bare(name));

    public bool IsTaken(string name) => _taken.Contains(Bare(name));

    /// <summary>An identifier as C# source: <c>@</c> before every reserved and contextual keyword (<c>@out</c>, <c>@var</c>, <c>@value</c>).</summary>
    public static string Escape(string identifier)
    {
        if (identifier.Length == 0 || identifier[0] == '@')
        {
            return identifier;
        }

        return IsKeyword(identifier) ? "@" + identifier : identifier;
    }

    /// <summary>The identifier without a leading <c>@</c>.</summary>
    public static string Bare(string identifier)
        => identifier.Length > 0 && identifier[0] == '@' ? identifier.Substring(1) : identifier;

    /// <summary>A reserved or contextual keyword of C#: as an identifier it must be (or may safely be) written with <c>@</c>.</summary>
    public static bool IsKeyword(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None;

    // "_" is a discard wherever no variable of that name is in scope, and the generator writes discards (out _).
    private static bool IsUsable(string name) => name != "_" && !IsKeyword(name);

    private static string Sanitize(string hint)
    {
        var bare = Bare(hint);
        if (bare.Length == 0)
        {
            return "v";
        }

        StringBuilder? sb = null;
        for (var i = 0; i < bare.Length; i++)
        {
            var c = bare[i];
            var ok = i == 0 ? SyntaxFacts.IsIdentifierStartCharacter(c) : SyntaxFacts.IsIdentifierPartCharacter(c);
            if (!ok)
            {
                sb ??= new StringBuilder(bare.Substring(0, i));
                sb.Append(i == 0 && SyntaxFacts.IsIdentifierPartCharacter(c) ? "_" + c : "_");
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? bare;
    }
}
