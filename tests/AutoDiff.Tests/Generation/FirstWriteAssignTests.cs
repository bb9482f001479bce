using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Transforms;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// The pass that turns the first accumulation into a still-zero adjoint into an assignment, on hand-made backward
/// IR: keyed by the adjoint's identity, straight-line code only, and never when the value reads the adjoint itself.
/// </summary>
public sealed class FirstWriteAssignTests
{
    private static readonly Local Dx = new("dx", TypeRef.Double);
    private static readonly Local Dy = new("dy", TypeRef.Double);
    private static readonly Local Dz = new("dz", TypeRef.Double);
    private static readonly Local Other = new("dx", TypeRef.Double); // same name, another adjoint

    private static Expr L(Local local) => new LocalExpr(local);

    private static readonly Expr C = new LocalExpr(new Local("c", TypeRef.Double));

    private static BAssign Add(Local target, Expr value) => new(new LocalTarget(target), AssignKind.Add, value);

    private static BAssign Sub(Local target, Expr value) => new(new LocalTarget(target), AssignKind.Subtract, value);

    private static BAssign Set(Local target, Expr value) => new(new LocalTarget(target), AssignKind.Set, value);

    private static BDeclare Zero(Local target) => new(new LocalTarget(target), TypeRef.Double, new LiteralExpr("0", TypeRef.Int));

    private static BBlock Block(params BStmt[] statements)
    {
        var block = new BBlock();
        block.Statements.AddRange(statements);
        return block;
    }

    private static List<string> Shapes(BBlock block) => block.Statements.OfType<BAssign>().Select(a => $"{((LocalTarget)a.Target).Local.Name} {a.Kind} {a.Value.GetType().Name}").ToList();

    [Fact]
    public void First_accumulation_becomes_an_assignment_the_second_stays_and_a_subtraction_is_negated()
    {
        var block = Block(Add(Dx, C), Add(Dx, C), Sub(Dy, C));
        FirstWriteAssign.Run(block, new[] { Zero(Dx), Zero(Dy) });
        Assert.Equal(new[] { "dx Set LocalExpr", "dx Add LocalExpr", "dy Set UnaryExpr" }, Shapes(block));
        Assert.Equal(UnaryOp.Negate, ((UnaryExpr)((BAssign)block.Statements[2]).Value).Op);
    }

    [Fact]
    public void Identity_not_name_decides_which_adjoint_is_known_zero()
    {
        var block = Block(Add(Other, C), Add(Dx, C));
        FirstWriteAssign.Run(block, new[] { Zero(Dx) });
        Assert.Equal(new[] { "dx Add LocalExpr", "dx Set LocalExpr" }, Shapes(block));
    }

    [Fact]
    public void Declarations_and_resets_inside_the_block_start_a_zero_adjoint()
    {
        var block = Block(Zero(Dz), Add(Dz, C), Set(Dz, new LiteralExpr("0", TypeRef.Int)), Add(Dz, C));
        FirstWriteAssign.Run(block, new BDeclare[0]);
        Assert.Equal(new[] { "dz Set LocalExpr", "dz Set LiteralExpr", "dz Set LocalExpr" }, Shapes(block));
    }

    [Fact]
    public void An_accumulation_that_reads_the_adjoint_itself_is_kept_and_ends_what_is_known()
    {
        var block = Block(Add(Dx, new BinaryExpr(BinaryOp.Multiply, L(Dy), L(Dx), TypeRef.Double)), Add(Dx, C));
        FirstWriteAssign.Run(block, new[] { Zero(Dx) });
        Assert.Equal(new[] { "dx Add BinaryExpr", "dx Add LocalExpr" }, Shapes(block));
    }

    [Fact]
    public void Branches_are_rewritten_on_their_own_and_forget_what_they_write()
    {
        var then = Block(Add(Dx, C), Add(Dy, C));
        var @else = Block(Add(Dx, C));
        var block = Block(new BIf(new LiteralExpr("true", TypeRef.Bool), then, @else), Add(Dx, C), Add(Dy, C), Add(Dz, C));
        FirstWriteAssign.Run(block, new[] { Zero(Dx), Zero(Dy), Zero(Dz) });
        Assert.Equal(new[] { "dx Set LocalExpr", "dy Set LocalExpr" }, Shapes(then));
        Assert.Equal(new[] { "dx Set LocalExpr" }, Shapes(@else));
        Assert.Equal(new[] { "dx Add LocalExpr", "dy Add LocalExpr", "dz Set LocalExpr" }, Shapes(block));
    }

    [Fact]
    public void Loop_bodies_know_only_what_they_reset_and_forget_what_they_write()
    {
        var body = Block(Add(Dx, C), Set(Dz, new LiteralExpr("0", TypeRef.Int)), Add(Dz, C), Add(Dz, C));
        var block = Block(new BReverseLoop(new Local("k0", TypeRef.Int), new Local("count0", TypeRef.Int), body), Add(Dx, C), Add(Dz, C), Add(Dy, C));
        FirstWriteAssign.Run(block, new[] { Zero(Dx), Zero(Dy), Zero(Dz) });
        Assert.Equal(new[] { "dx Add LocalExpr", "dz Set LiteralExpr", "dz Set LocalExpr", "dz Add LocalExpr" }, Shapes(body));
        Assert.Equal(new[] { "dx Add LocalExpr", "dz Add LocalExpr", "dy Set LocalExpr" }, Shapes(block));
    }

    [Fact]
    public void Slots_are_straight_line_code_and_out_gradients_end_what_is_known()
    {
        var slot = new BSlot();
        slot.Block.Add(Add(Dx, C));
        var call = new BCall(null, "FBackward", new List<CallArgument> { new OutArgument(Dy) });
        var block = Block(slot, Add(Dx, C), call, Add(Dy, C));
        FirstWriteAssign.Run(block, new[] { Zero(Dx), Zero(Dy) });
        Assert.Equal(new[] { "dx Set LocalExpr" }, Shapes(slot.Block));
        Assert.Equal(new[] { "dx Add LocalExpr", "dy Add LocalExpr" }, Shapes(block));
    }
}
