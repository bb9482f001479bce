using System;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators.Emit;

/// <summary>Prints backward IR statements as C#, one statement per line, blocks indented; expressions by <see cref="ExpressionPrinter"/>.</summary>
internal sealed class BackwardPrinter(ExpressionPrinter expressions, SourceWriter writer)
{
    public void Block(BBlock block)
    {
        foreach (var statement in block.Statements)
        {
            Statement(statement);
        }
    }

    public void Statement(BStmt statement)
    {
        switch (statement)
        {
            case BComment comment:
                writer.WriteLine("// " + comment.Text + Rules(comment));
                break;
            case BDeclare declaration:
                writer.WriteLine($"{declaration.Type.Display} {Target(declaration.Target)} = {(declaration.Initializer is { } initializer ? expressions.Print(initializer) : "default")};");
                break;
            case BAssign { Kind: AssignKind.Add, Value: LiteralExpr { Text: "1" }, Target: LocalTarget { Local.Type.Kind: ValueKind.Integer } } increment:
                writer.WriteLine(Target(increment.Target) + "++;");
                break;
            case BAssign assignment:
                var op = assignment.Kind switch
                {
                    AssignKind.Set => "=",
                    AssignKind.Add => "+=",
                    _ => "-=",
                };
                writer.WriteLine($"{Target(assignment.Target)} {op} {expressions.Print(assignment.Value)};");
                break;
            case BEvaluate evaluation:
                writer.WriteLine(expressions.Print(evaluation.Value) + ";");
                break;
            case BPush push:
                writer.WriteLine($"{push.Tape.Local.Name}.Push({expressions.Print(push.Value)});");
                break;
            case BCall call:
                var receiver = call.Receiver is null ? "" : expressions.Print(call.Receiver, ExpressionPrinter.PrimaryPrecedence) + ".";
                var arguments = string.Join(", ", call.Arguments.Select(Argument));
                writer.WriteLine($"{receiver}{call.Callee}({arguments});");
                break;
            case BIf { Then.Statements: { Count: 1 } exitBody, Else.IsEmpty: true } exit when exitBody[0] is BBreak:
                writer.WriteLine($"if ({expressions.Print(exit.Condition)})");
                writer.WriteLine("    break;");
                break;
            case BIf branch:
                writer.OpenBlock($"if ({expressions.Print(branch.Condition)})");
                Block(branch.Then);
                writer.CloseBlock();
                if (!branch.Else.IsEmpty)
                {
                    writer.OpenBlock("else");
                    Block(branch.Else);
                    writer.CloseBlock();
                }

                break;
            case BWhile loop:
                writer.OpenBlock($"while ({expressions.Print(loop.Condition)})");
                Block(loop.Body);
                writer.CloseBlock();
                break;
            case BBreak:
                writer.WriteLine("break;");
                break;
            case BThrow error:
                writer.WriteLine("throw " + expressions.Print(error.Exception) + ";");
                break;
            case BReverseLoop loop:
                var k = loop.Iteration.Name;
                writer.OpenBlock($"for (int {k} = {loop.Count.Name} - 1; {k} >= 0; {k}--)");
                Block(loop.Body);
                writer.CloseBlock();
                break;
            case BSlot slot:
                Block(slot.Block);
                break;
            default:
                throw new InvalidOperationException("unexpected statement " + statement.GetType().Name);
        }
    }

    // "  =>  dx += dz * y; dy += dz * x", with Math's namespace left out for the reader.
    private string Rules(BComment comment)
    {
        if (comment.Rules.Count == 0)
        {
            return "";
        }

        var inline = new SourceWriter();
        var printer = new BackwardPrinter(expressions, inline);
        foreach (var rule in comment.Rules)
        {
            printer.Statement(rule);
        }

        var steps = inline.ToString().TrimEnd('\n').Replace("\n", " ").Replace("global::System.", "");
        return "  =>  " + steps.TrimEnd(';');
    }

    public string Target(Target target) => target switch
    {
        ValueTarget value => expressions.Name(value.ValueId),
        LocalTarget local => local.Local.Name,
        ElementTarget element => expressions.Print(element.Array, ExpressionPrinter.PrimaryPrecedence) + "[" + expressions.Print(element.Index) + "]",
        _ => throw new InvalidOperationException("unexpected target " + target.GetType().Name),
    };

    private string Argument(CallArgument argument) => argument switch
    {
        InArgument input => expressions.Print(input.Value),
        OutArgument output => "out var " + output.Local.Name,
        DiscardArgument => "out _",
        _ => throw new InvalidOperationException("unexpected argument " + argument.GetType().Name),
    };
}
