using System;
using System.Globalization;
using System.Linq;
using AutoDiff.Generators.Emit;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

// The "backward" section of the IR dump: the typed backward IR (Ir/BackwardIr.cs) of a method, one statement a line,
// each named by its kind (let, set, accumulate, push, pop, call, if, while, reverse for), with expressions as C#.
// It is the IR the emitter prints, after the clean-up passes; the rule each step applies is on its line comment.
internal static partial class IrPrinter
{
    /// <summary>The backward IR of a method, or why there is none.</summary>
    public static string BackwardIrText(MethodModel method)
    {
        var (generated, diagnostics) = DifferentiableGenerator.BuildBackward(method);
        if (generated is null)
        {
            return "no backward method: the method has errors (" + string.Join(", ", diagnostics.Where(d => d.IsError).Select(d => d.DescriptorId).Distinct()) + ")\n";
        }

        var body = generated.Method;
        var writer = new SourceWriter();
        var dump = new BackwardDump(new ExpressionPrinter(generated.Lowered.Values), writer);
        writer.WriteLine("checks:");
        dump.Block(body.Checks);
        writer.WriteLine("tapes:" + (body.Tapes.Count == 0 ? " none" : ""));
        foreach (var tape in body.Tapes)
        {
            writer.WriteLine($"    {tape.Local.Name}: Tape<{tape.Element.Display}> ({tape.Capacity.ToString(CultureInfo.InvariantCulture)} on the stack)");
        }

        writer.WriteLine("hoisted:");
        dump.Block(body.Declarations);
        writer.WriteLine("forward:");
        dump.Block(body.Forward.Statements);
        writer.WriteLine($"reverse (seed {body.Seed.Name}):");
        dump.Block(body.AdjointDeclarations);
        dump.Block(body.Reverse.Statements);
        writer.WriteLine("gradients:");
        dump.Block(body.Gradients);
        writer.WriteLine("returns " + dump.Expression(body.Result));
        return writer.ToString().Replace("global::", "");
    }

    private sealed class BackwardDump(ExpressionPrinter expressions, SourceWriter writer)
    {
        private readonly BackwardPrinter _targets = new(expressions, new SourceWriter());

        public string Expression(Expr expression) => expressions.Print(expression);

        public void Block(System.Collections.Generic.IEnumerable<BStmt> statements)
        {
            writer.Indentation++;
            foreach (var statement in statements)
            {
                Statement(statement);
            }

            writer.Indentation--;
        }

        private void Statement(BStmt statement)
        {
            switch (statement)
            {
                case BComment comment:
                    writer.WriteLine("// " + comment.Text);
                    break;
                case BDeclare declaration:
                    writer.WriteLine($"let {_targets.Target(declaration.Target)}: {declaration.Type.Display}" + (declaration.Initializer is { } initializer ? " = " + Expression(initializer) : ""));
                    break;
                case BAssign { Value: PopExpr pop } restore:
                    writer.WriteLine($"pop {_targets.Target(restore.Target)} <- {pop.Tape.Local.Name}");
                    break;
                case BAssign assignment:
                    var kind = assignment.Kind switch
                    {
                        AssignKind.Set => "set",
                        AssignKind.Add => "accumulate",
                        _ => "accumulate -",
                    };
                    writer.WriteLine($"{kind} {_targets.Target(assignment.Target)} {(assignment.Kind == AssignKind.Set ? "=" : assignment.Kind == AssignKind.Add ? "+=" : "-=")} {Expression(assignment.Value)}");
                    break;
                case BEvaluate evaluation:
                    writer.WriteLine("evaluate " + Expression(evaluation.Value));
                    break;
                case BPush push:
                    writer.WriteLine($"push {push.Tape.Local.Name} <- {Expression(push.Value)}");
                    break;
                case BCall call:
                    var arguments = string.Join(", ", call.Arguments.Select(a => a switch
                    {
                        InArgument input => Expression(input.Value),
                        OutArgument output => "out " + output.Local.Name,
                        _ => "out _",
                    }));
                    writer.WriteLine($"call {(call.Receiver is null ? "" : Expression(call.Receiver) + ".")}{call.Callee}({arguments})");
                    break;
                case BThrow error:
                    writer.WriteLine("throw " + Expression(error.Exception));
                    break;
                case BBreak:
                    writer.WriteLine("break");
                    break;
                case BIf branch:
                    writer.WriteLine($"if {Expression(branch.Condition)}:");
                    Block(branch.Then.Statements);
                    if (!branch.Else.IsEmpty)
                    {
                        writer.WriteLine("else:");
                        Block(branch.Else.Statements);
                    }

                    break;
                case BWhile loop:
                    writer.WriteLine($"while {Expression(loop.Condition)}:");
                    Block(loop.Body.Statements);
                    break;
                case BReverseLoop loop:
                    writer.WriteLine($"reverse for {loop.Iteration.Name} from {loop.Count.Name} - 1 down to 0:");
                    Block(loop.Body.Statements);
                    break;
                case BSlot slot when !slot.Block.IsEmpty:
                    writer.WriteLine("restore:");
                    Block(slot.Block.Statements);
                    break;
                case BSlot:
                    break; // nothing to restore here
                default:
                    throw new NotSupportedException("the backward IR printer has no case for " + statement.GetType().Name);
            }
        }
    }
}
