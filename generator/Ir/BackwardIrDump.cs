using System.Linq;
using System.Text;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

// The "backward" section of the IR dump. For now it is the generated C# of the backward method's body, read off
// the reverse mode's code tree (Model/Code.cs) without the signature and doc comment; it is to become a printer of
// the typed backward IR, which replaces this file.
internal static partial class IrPrinter
{
    /// <summary>The backward method's body as the generator builds it, or why there is none.</summary>
    public static string BackwardIrText(MethodModel method)
    {
        var (body, diagnostics) = DifferentiableGenerator.BuildBackward(method);
        var sb = new StringBuilder();
        if (body is null)
        {
            sb.Append("no backward method: the method has errors (")
                .Append(string.Join(", ", diagnostics.Where(d => d.IsError).Select(d => d.DescriptorId).Distinct()))
                .Append(")\n");
            return sb.ToString();
        }

        foreach (var (_, declaration) in body.Tapes)
        {
            sb.Append(declaration).Append('\n');
        }

        foreach (var declaration in body.Declarations)
        {
            sb.Append(declaration).Append('\n');
        }

        sb.Append("// forward sweep\n");
        WriteCode(sb, body.Forward, 0);
        sb.Append("// reverse sweep, seeded with ").Append(body.SeedName).Append('\n');
        foreach (var declaration in body.AdjointDeclarations)
        {
            sb.Append(declaration).Append('\n');
        }

        WriteCode(sb, body.Reverse, 0);
        foreach (var gradient in body.Gradients)
        {
            sb.Append(gradient).Append('\n');
        }

        sb.Append("return ").Append(body.Result).Append(";\n");
        return sb.ToString();
    }

    private static void WriteCode(StringBuilder sb, CodeBlock block, int indent)
    {
        foreach (var node in block.Nodes)
        {
            switch (node)
            {
                case CodeComment comment:
                    sb.Append(' ', indent * 4).Append("// ").Append(comment.Text).Append('\n');
                    break;
                case CodeLine line:
                    sb.Append(' ', indent * 4).Append(line.Text).Append('\n');
                    break;
                case CodeSlot slot:
                    WriteCode(sb, slot.Block, indent);
                    break;
                case CodeLoop loop:
                    sb.Append(' ', indent * 4).Append(loop.Header).Append('\n');
                    WriteCode(sb, loop.Body, indent + 1);
                    break;
                case CodeIf branch:
                    sb.Append(' ', indent * 4).Append("if (").Append(branch.Condition).Append(")\n");
                    WriteCode(sb, branch.Then, indent + 1);
                    if (!branch.Else.IsEmpty)
                    {
                        sb.Append(' ', indent * 4).Append("else\n");
                        WriteCode(sb, branch.Else, indent + 1);
                    }

                    break;
                default:
                    throw UnknownNode(node);
            }
        }
    }
}
