using System.Collections.Generic;
using System.Linq;

namespace AutoDiff.Generators.Model;

// The generated method body as a tree of C# lines: what the reverse-mode transform decides, before the emitter
// lays it out with indentation.

internal abstract class CodeNode;

/// <summary>One statement, e.g. <c>dx += dz * y;</c>.</summary>
internal sealed class CodeLine(string text) : CodeNode
{
    public string Text { get; } = text;
}

/// <summary>A <c>//</c> comment line.</summary>
internal sealed class CodeComment(string text) : CodeNode
{
    public string Text { get; } = text;
}

internal sealed class CodeIf(string condition, CodeBlock then, CodeBlock @else) : CodeNode
{
    public string Condition { get; } = condition;

    public CodeBlock Then { get; } = then;

    public CodeBlock Else { get; } = @else;
}

/// <summary>A loop: <see cref="Header"/> is e.g. <c>while (i &lt; n)</c> or <c>for (int k = n - 1; k &gt;= 0; k--)</c>.</summary>
internal sealed class CodeLoop(string header, CodeBlock body) : CodeNode
{
    public string Header { get; } = header;

    public CodeBlock Body { get; } = body;
}

/// <summary>
/// A place in the reverse sweep that is filled once the whole sweep is known: restoring a value overwritten by a
/// later loop iteration, whose need shows only after every reader has been generated. Written inline.
/// </summary>
internal sealed class CodeSlot : CodeNode
{
    public CodeBlock Block { get; } = new();
}

internal sealed class CodeBlock
{
    public List<CodeNode> Nodes { get; } = new();

    /// <summary>True when the block has no statement (comments alone do nothing).</summary>
    public bool IsEmpty => !Nodes.Exists(n => n is CodeLine or CodeIf or CodeLoop || (n is CodeSlot slot && !slot.Block.IsEmpty));

    public void Add(CodeNode node) => Nodes.Add(node);

    public void Line(string text) => Nodes.Add(new CodeLine(text));

    /// <summary>Every node of the block and of the blocks nested in it (slots, branches, loop bodies), each before what it contains.</summary>
    public IEnumerable<CodeNode> Descendants()
    {
        foreach (var node in Nodes)
        {
            yield return node;
            var nested = node switch
            {
                CodeSlot slot => slot.Block.Descendants(),
                CodeIf branch => branch.Then.Descendants().Concat(branch.Else.Descendants()),
                CodeLoop loop => loop.Body.Descendants(),
                _ => Enumerable.Empty<CodeNode>(),
            };
            foreach (var inner in nested)
            {
                yield return inner;
            }
        }
    }
}

/// <summary>The body of a backward method, in the parts the emitter lays out.</summary>
/// <param name="Declarations">Values declared up front because the reverse sweep reads them outside the branch that defines them.</param>
/// <param name="AdjointDeclarations">The adjoint accumulators, zero but for the result's, which starts at <c>seed</c>.</param>
/// <param name="Gradients">Lines that copy parameter adjoints to the gradient parameters.</param>
/// <param name="Tapes">The tapes (name and declaration) that loops push overwritten values to; disposed in a finally.</param>
internal sealed record BackwardBody(
    List<(string Name, string Declaration)> Tapes,
    List<string> Declarations,
    CodeBlock Forward,
    List<string> AdjointDeclarations,
    CodeBlock Reverse,
    List<string> Gradients,
    string Result,
    string SeedName);
