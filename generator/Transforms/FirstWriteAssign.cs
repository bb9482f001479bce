using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators.Transforms;

/// <summary>
/// Turns the first accumulation into an adjoint that is still zero into an assignment: <c>dx = 0; ... dx += c;</c>
/// becomes <c>dx = c;</c>. The JIT cannot do this itself (<c>0.0 + c</c> is not <c>c</c> when c is -0.0), and in a
/// reverse loop those additions chain from one iteration to the next (the adjoint of a running sum passes through
/// two of them per iteration); as moves they cost nothing. Keyed by the adjoint's <see cref="Local"/>: straight-line
/// code only, since a write inside an if or a loop ends what is known about that adjoint.
/// </summary>
internal static class FirstWriteAssign
{
    /// <param name="zeroAdjoints">Declarations in effect where <paramref name="reverse"/> starts; those initialised to 0 count.</param>
    public static void Run(BBlock reverse, IEnumerable<BDeclare> zeroAdjoints)
    {
        var zero = new HashSet<Local>();
        foreach (var declaration in zeroAdjoints)
        {
            Note(declaration, zero);
        }

        Rewrite(reverse, zero);
    }

    private static void Rewrite(BBlock block, HashSet<Local> zero)
    {
        for (var i = 0; i < block.Statements.Count; i++)
        {
            switch (block.Statements[i])
            {
                case BDeclare declaration:
                    Note(declaration, zero);
                    break;
                case BAssign assignment:
                    block.Statements[i] = Rewrite(assignment, zero);
                    break;
                case BSlot slot:
                    Rewrite(slot.Block, zero); // printed inline: straight-line code
                    break;
                case BIf branch:
                    Rewrite(branch.Then, new HashSet<Local>(zero));
                    Rewrite(branch.Else, new HashSet<Local>(zero));
                    Forget(branch, zero);
                    break;
                case BWhile or BReverseLoop:
                    // The body runs again: what holds at its start is only what it declares or resets itself.
                    foreach (var body in block.Statements[i].Blocks)
                    {
                        Rewrite(body, new HashSet<Local>());
                    }

                    Forget(block.Statements[i], zero);
                    break;
                case BCall call:
                    // An out gradient is written by the callee.
                    foreach (var output in call.Arguments.OfType<OutArgument>())
                    {
                        zero.Remove(output.Local);
                    }

                    break;
                case BComment or BEvaluate or BPush or BBreak or BThrow:
                    break;
            }
        }
    }

    private static BAssign Rewrite(BAssign assignment, HashSet<Local> zero)
    {
        if (assignment.Target is not LocalTarget { Local: var local })
        {
            return assignment;
        }

        if (assignment.Kind == AssignKind.Set)
        {
            if (Simplify.IsZero(assignment.Value))
            {
                zero.Add(local); // dx = 0;
            }
            else
            {
                zero.Remove(local);
            }

            return assignment;
        }

        var known = zero.Remove(local);
        if (!known || Mentions(assignment.Value, local))
        {
            return assignment;
        }

        var value = assignment.Kind == AssignKind.Subtract ? new UnaryExpr(UnaryOp.Negate, assignment.Value, assignment.Value.Type) : assignment.Value;
        return new BAssign(assignment.Target, AssignKind.Set, value);
    }

    private static void Note(BDeclare declaration, HashSet<Local> zero)
    {
        if (declaration.Target is LocalTarget { Local: var local })
        {
            if (declaration.Initializer is { } initializer && Simplify.IsZero(initializer))
            {
                zero.Add(local);
            }
            else
            {
                zero.Remove(local);
            }
        }
    }

    // After an if or loop: an adjoint it writes may no longer be zero.
    private static void Forget(BStmt statement, HashSet<Local> zero)
    {
        if (zero.Count == 0)
        {
            return;
        }

        foreach (var inner in statement.Blocks.SelectMany(b => b.Descendants()))
        {
            switch (inner)
            {
                case BAssign { Target: LocalTarget { Local: var local } }:
                    zero.Remove(local);
                    break;
                case BDeclare { Target: LocalTarget { Local: var declared } }:
                    zero.Remove(declared);
                    break;
                case BCall call:
                    foreach (var output in call.Arguments.OfType<OutArgument>())
                    {
                        zero.Remove(output.Local);
                    }

                    break;
            }
        }
    }

    private static bool Mentions(Expr value, Local local) => value.DescendantsAndSelf().Any(e => e is LocalExpr l && l.Local == local);
}
