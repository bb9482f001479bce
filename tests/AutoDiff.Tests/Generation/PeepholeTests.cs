using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators;
using AutoDiff.Generators.Model;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// The peephole that turns the first accumulation into a still-zero adjoint into an assignment, on hand-made blocks:
/// the shapes of line it must recognise, and where it must leave <c>+=</c> alone.
/// </summary>
public sealed class PeepholeTests
{
    private static CodeBlock Block(params object[] nodes)
    {
        var block = new CodeBlock();
        foreach (var node in nodes)
        {
            block.Add(node as CodeNode ?? new CodeLine((string)node));
        }

        return block;
    }

    private static List<string> Lines(CodeBlock block) => block.Nodes.OfType<CodeLine>().Select(l => l.Text).ToList();

    private static List<string> Rewrite(string[] declarations, params object[] lines)
    {
        var block = Block(lines);
        DifferentiableGenerator.Peephole.FirstWritesAssign(block, declarations);
        return Lines(block);
    }

    [Fact]
    public void First_accumulation_into_a_declared_zero_becomes_an_assignment_and_the_second_stays()
        => Assert.Equal(
            new[] { "dx = dz * y;", "dx += dz;", "dy = -dz;", "dw = -(dz * 2);", "dv = -a.b;" },
            Rewrite(new[] { "double dx = 0;", "double dy = 0;", "double dw = 0;", "double dv = 0;" },
                "dx += dz * y;", "dx += dz;", "dy -= dz;", "dw -= dz * 2;", "dv -= a.b;"));

    [Fact]
    public void Declarations_and_resets_inside_the_block_start_a_zero_adjoint()
        => Assert.Equal(
            new[] { "System.Numerics.Vector<double> dv = 0;", "dv = g;", "dv = 0;", "dv = h;" },
            Rewrite(new string[0], "System.Numerics.Vector<double> dv = 0;", "dv += g;", "dv = 0;", "dv += h;"));

    [Fact]
    public void An_accumulation_that_reads_the_adjoint_itself_is_kept_and_ends_what_is_known()
        => Assert.Equal(
            new[] { "dx += dx_2 * dx;", "dx += c;", "dx_2 = c;" },
            Rewrite(new[] { "double dx = 0;", "double dx_2 = 0;" }, "dx += dx_2 * dx;", "dx += c;", "dx_2 += c;"));

    [Fact]
    public void Any_other_write_ends_what_is_known_but_an_unknown_operator_does_not()
        => Assert.Equal(
            new[] { "da *= 2;", "da += c;", "db %= 2;", "db = c;", "dc = d;", "dc += e;" },
            Rewrite(new[] { "double da = 0;", "double db = 0;", "double dc = 0;" },
                "da *= 2;", "da += c;", "db %= 2;", "db += c;", "dc = d;", "dc += e;"));

    [Fact]
    public void Undeclared_adjoints_and_other_lines_are_left_alone()
        => Assert.Equal(
            new[] { "dq += c;", "double t = 0.5;", "doubleTape.Push(x);", "int n = 0;" },
            Rewrite(new[] { "double t_0 = 1;" }, "dq += c;", "double t = 0.5;", "doubleTape.Push(x);", "int n = 0;"));

    [Fact]
    public void Name_as_a_prefix_of_another_identifier_is_not_a_mention()
        => Assert.Equal(
            new[] { "dx = dx1 * x_dx;", "dé = dé2;" },
            Rewrite(new[] { "double dx = 0;", "double dé = 0;" }, "dx += dx1 * x_dx;", "dé += dé2;"));

    [Fact]
    public void Branches_are_rewritten_on_their_own_and_forget_what_they_write()
    {
        var then = Block("dx += a;", "dy += b;");
        var @else = Block("dx += c;");
        var block = Block(new CodeIf("p", then, @else), "dx += d;", "dy += e;", "dz += f;");
        DifferentiableGenerator.Peephole.FirstWritesAssign(block, new[] { "double dx = 0;", "double dy = 0;", "double dz = 0;" });

        Assert.Equal(new[] { "dx = a;", "dy = b;" }, Lines(then));
        Assert.Equal(new[] { "dx = c;" }, Lines(@else));
        Assert.Equal(new[] { "dx += d;", "dy += e;", "dz = f;" }, Lines(block));
    }

    [Fact]
    public void Loop_bodies_know_only_what_they_reset_and_forget_what_they_write()
    {
        var body = Block("dx += a;", "dt = 0;", "dt += b;", "dt += c;");
        var block = Block(new CodeLoop("for (int k = n - 1; k >= 0; k--)", body), "dx += d;", "dt += e;", "dy += f;");
        DifferentiableGenerator.Peephole.FirstWritesAssign(block, new[] { "double dx = 0;", "double dy = 0;", "double dt = 0;" });

        Assert.Equal(new[] { "dx += a;", "dt = 0;", "dt = b;", "dt += c;" }, Lines(body));
        Assert.Equal(new[] { "dx += d;", "dt += e;", "dy = f;" }, Lines(block));
    }

    [Fact]
    public void Slots_are_straight_line_code()
    {
        var slot = new CodeSlot();
        slot.Block.Line("dx += a;");
        var block = Block(slot, "dx += b;");
        DifferentiableGenerator.Peephole.FirstWritesAssign(block, new[] { "double dx = 0;" });

        Assert.Equal(new[] { "dx = a;" }, Lines(slot.Block));
        Assert.Equal(new[] { "dx += b;" }, Lines(block));
    }
}
