using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators.Ir;

// The backward IR: the generated method as data, built by the reverse-mode transform, rewritten by the clean-up
// passes (Transforms/) and turned into C# by the printer (Emit/BackwardPrinter). Statements are typed nodes over IR
// expressions (Model/SourceIr.cs's Expr, whose VariableExpr names an SSA value, plus the kinds below for what only
// the generated code has: adjoints, flags, counters, tapes). Nothing here is text: a name is given once, by the name
// allocator, to a Local; a pass that asks "is this the same adjoint" compares Locals by identity. Built and consumed
// inside one output step, so these are plain classes rather than equatable pipeline models.

/// <summary>A local (or parameter) of the generated method that the source method does not have: an adjoint, a branch flag, an iteration count, a tape, a callee's gradient.</summary>
internal sealed class Local(string name, TypeRef type)
{
    /// <summary>The name as printed; given by the method's name allocator, so it never clashes or needs escaping.</summary>
    public string Name { get; } = name;

    public TypeRef Type { get; } = type;

    public override string ToString() => Name;
}

/// <summary>A tape: a stack of values of one type that a loop's forward sweep pushes and its reverse sweep pops.</summary>
internal sealed class Tape(Local local, TypeRef element, int capacity)
{
    public Local Local { get; } = local;

    public TypeRef Element { get; } = element;

    /// <summary>Elements that fit on the stack before the tape grows into pooled memory.</summary>
    public int Capacity { get; } = capacity;
}

/// <summary>A read of a generated local.</summary>
internal sealed record LocalExpr(Local Local) : Expr(Local.Type)
{
    public override IEnumerable<Expr> Children => None;

    public override Expr Map(Func<Expr, Expr> map) => this;
}

/// <summary><c>tape.Pop()</c>: the value pushed last.</summary>
internal sealed record PopExpr(Tape Tape) : Expr(Tape.Element)
{
    public override IEnumerable<Expr> Children => None;

    public override Expr Map(Func<Expr, Expr> map) => this;
}

/// <summary>A placeholder in a derivative rule: argument <see cref="Index"/> of the call (0 is <c>a</c>).</summary>
internal sealed record ArgumentExpr(int Index, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => None;

    public override Expr Map(Func<Expr, Expr> map) => this;
}

/// <summary>A placeholder in a derivative rule: the call's result <c>r</c> (reused rather than recomputed: Exp, Sqrt, Tanh).</summary>
internal sealed record ResultExpr(TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => None;

    public override Expr Map(Func<Expr, Expr> map) => this;
}

/// <summary>What a statement writes.</summary>
internal abstract record Target;

/// <summary>An SSA value of the forward sweep (restored from a tape, or recomputed).</summary>
internal sealed record ValueTarget(int ValueId) : Target;

/// <summary>A generated local.</summary>
internal sealed record LocalTarget(Local Local) : Target;

/// <summary>An element of an adjoint buffer or gradient span: <c>array[index]</c>.</summary>
internal sealed record ElementTarget(Expr Array, Expr Index) : Target;

internal enum AssignKind
{
    /// <summary><c>=</c></summary>
    Set,

    /// <summary><c>+=</c>: an adjoint accumulation.</summary>
    Add,

    /// <summary><c>-=</c></summary>
    Subtract,
}

/// <summary>
/// A statement of the backward IR. <see cref="Blocks"/> lists the blocks nested in it, the one traversal the passes
/// use; a new kind must say what it nests (the member is abstract).
/// </summary>
internal abstract class BStmt
{
    public abstract IEnumerable<BBlock> Blocks { get; }

    private protected static readonly BBlock[] NoBlocks = Array.Empty<BBlock>();
}

/// <summary>A <c>//</c> comment: the source line a block comes from, and the rule it applies.</summary>
internal sealed class BComment(string text) : BStmt
{
    public string Text { get; } = text;

    /// <summary>The adjoint steps of the line, as the rule states them (<c>dx += dz * y</c>), before clean-ups rewrite them; printed after <c>=&gt;</c>.</summary>
    public List<BStmt> Rules { get; } = new();

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary><c>T name = initializer;</c> (<c>= default</c> when null) of an SSA value or a generated local.</summary>
internal sealed class BDeclare(Target target, TypeRef type, Expr? initializer) : BStmt
{
    public Target Target { get; } = target;

    public TypeRef Type { get; } = type;

    public Expr? Initializer { get; } = initializer;

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary><c>target = value</c>, <c>+=</c> or <c>-=</c>.</summary>
internal sealed class BAssign(Target target, AssignKind kind, Expr value) : BStmt
{
    public Target Target { get; } = target;

    public AssignKind Kind { get; } = kind;

    public Expr Value { get; } = value;

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary>An expression evaluated for its effect: a user's statement, <c>span.Clear()</c>.</summary>
internal sealed class BEvaluate(Expr value) : BStmt
{
    public Expr Value { get; } = value;

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary><c>tape.Push(value);</c></summary>
internal sealed class BPush(Tape tape, Expr value) : BStmt
{
    public Tape Tape { get; } = tape;

    public Expr Value { get; } = value;

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary>An argument of a callee's backward: a value passed in, an <c>out</c> gradient received into a local, or discarded.</summary>
internal abstract record CallArgument;

internal sealed record InArgument(Expr Value) : CallArgument;

internal sealed record OutArgument(Local Local) : CallArgument;

internal sealed record DiscardArgument : CallArgument;

/// <summary>A call of a callee's backward method: <c>receiver.FBackward(args, seed, out var g0, span, out _)</c>.</summary>
internal sealed class BCall(Expr? receiver, string callee, List<CallArgument> arguments) : BStmt
{
    public Expr? Receiver { get; } = receiver;

    /// <summary>The backward method as the parser resolved it (<c>global::Ns.T.FBackward</c>, <c>this.FBackward</c>).</summary>
    public string Callee { get; } = callee;

    public List<CallArgument> Arguments { get; } = arguments;

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

internal sealed class BIf(Expr condition, BBlock then, BBlock @else) : BStmt
{
    public Expr Condition { get; } = condition;

    public BBlock Then { get; } = then;

    public BBlock Else { get; } = @else;

    public override IEnumerable<BBlock> Blocks => new[] { Then, Else };
}

/// <summary>A forward loop: <c>while (condition) body</c>.</summary>
internal sealed class BWhile(Expr condition, BBlock body) : BStmt
{
    public Expr Condition { get; } = condition;

    public BBlock Body { get; } = body;

    public override IEnumerable<BBlock> Blocks => new[] { Body };
}

/// <summary><c>throw exception;</c>: an argument check at the top of the method, or a user's guard.</summary>
internal sealed class BThrow(Expr exception) : BStmt
{
    public Expr Exception { get; } = exception;

    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary><c>break;</c> (the exit of a do loop's <c>while (true)</c>).</summary>
internal sealed class BBreak : BStmt
{
    public override IEnumerable<BBlock> Blocks => NoBlocks;
}

/// <summary>The reverse of a loop: <c>for (int k = count - 1; k &gt;= 0; k--) body</c>.</summary>
internal sealed class BReverseLoop(Local iteration, Local count, BBlock body) : BStmt
{
    public Local Iteration { get; } = iteration;

    public Local Count { get; } = count;

    public BBlock Body { get; } = body;

    public override IEnumerable<BBlock> Blocks => new[] { Body };
}

/// <summary>
/// A place in the reverse sweep filled once the whole sweep is known: restoring a value overwritten by a later loop
/// iteration, whose need shows only after every reader has been generated. Printed inline.
/// </summary>
internal sealed class BSlot : BStmt
{
    public BBlock Block { get; } = new();

    public override IEnumerable<BBlock> Blocks => new[] { Block };
}

internal sealed class BBlock
{
    public List<BStmt> Statements { get; } = new();

    /// <summary>True when the block does nothing (comments alone do nothing).</summary>
    public bool IsEmpty => Statements.TrueForAll(s => s is BComment || (s is BSlot slot && slot.Block.IsEmpty));

    public void Add(BStmt statement) => Statements.Add(statement);

    /// <summary>Every statement of the block and of the blocks nested in it, each before what it contains.</summary>
    public IEnumerable<BStmt> Descendants()
    {
        foreach (var statement in Statements)
        {
            yield return statement;
            foreach (var inner in statement.Blocks.SelectMany(b => b.Descendants()))
            {
                yield return inner;
            }
        }
    }
}

/// <summary>The backward method, in the parts the emitter lays out.</summary>
/// <param name="Checks">Argument checks that run before anything is computed or written (gradient spans of the wrong length).</param>
/// <param name="Tapes">The tapes loops push overwritten values to; disposed in a finally.</param>
/// <param name="Declarations">Values declared up front because the reverse sweep reads them outside the scope that defines them.</param>
/// <param name="AdjointDeclarations">The adjoint accumulators, zero but for the result's, which starts at the seed.</param>
/// <param name="Gradients">Copies of parameter adjoints to the <c>out</c> gradient parameters.</param>
/// <param name="Result">What the method returns: the primal value.</param>
/// <param name="Seed">The seed parameter.</param>
internal sealed record BackwardMethod(
    List<BStmt> Checks,
    List<Tape> Tapes,
    List<BDeclare> Declarations,
    BBlock Forward,
    List<BDeclare> AdjointDeclarations,
    BBlock Reverse,
    List<BAssign> Gradients,
    Expr Result,
    Local Seed);
