using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

/// <summary>Prints IR expressions as C#, with SSA values by name and the fewest parentheses that keep the meaning.</summary>
internal sealed class ExpressionPrinter(IReadOnlyList<SsaValue> values)
{
    // C# precedence levels, lowest to highest (the IR printer uses the same).
    internal const int Conditional = 1;
    internal const int ConditionalOr = 2;
    internal const int ConditionalAnd = 3;
    internal const int LogicalOr = 4;
    internal const int LogicalXor = 5;
    internal const int LogicalAnd = 6;
    internal const int Equality = 7;
    internal const int Relational = 8;
    internal const int Shift = 9;
    internal const int Additive = 10;
    internal const int Multiplicative = 11;
    internal const int Unary = 12;
    internal const int Primary = 13;

    /// <summary>The precedence of a primary expression: what a receiver or an indexed array must have.</summary>
    public const int PrimaryPrecedence = Primary;

    public string Name(int valueId) => values[valueId].Name;

    public string Print(Expr expression) => Print(expression, 0);

    public string Print(Expr expression, int minimumPrecedence)
    {
        var (text, precedence) = PrintWithPrecedence(expression);
        return precedence < minimumPrecedence ? "(" + text + ")" : text;
    }

    private (string Text, int Precedence) PrintWithPrecedence(Expr expression)
    {
        switch (expression)
        {
            case LiteralExpr literal:
                return (literal.Text, literal.Text.StartsWith("-", StringComparison.Ordinal) ? Unary : Primary);

            case VariableExpr variable:
                return (values[variable.Id].Name, Primary);

            case BinaryExpr binary:
            {
                var (symbol, precedence) = Operator(binary.Op);
                return (Print(binary.Left, precedence) + " " + symbol + " " + Print(binary.Right, precedence + 1), precedence);
            }

            case UnaryExpr unary:
            {
                var symbol = unary.Op switch
                {
                    UnaryOp.Negate => "-",
                    UnaryOp.Plus => "+",
                    UnaryOp.Not => "!",
                    _ => "~",
                };

                return (symbol + UnaryOperand(unary.Operand), Unary);
            }

            case ConvertExpr convert:
                return ("(" + convert.Type.Display + ")" + UnaryOperand(convert.Operand), Unary);

            case ConditionalExpr conditional:
                return (Print(conditional.Condition, ConditionalOr) + " ? " + Print(conditional.WhenTrue, Conditional) + " : " + Print(conditional.WhenFalse, Conditional), Conditional);

            case ElementExpr element:
                return (Print(element.Array, Primary) + "[" + Print(element.Index, 0) + "]", Primary);

            case NewArrayExpr buffer:
                return ((buffer.IsStackalloc ? "stackalloc " : "new ") + buffer.ElementType.Display + "[" + Print(buffer.Length, 0) + "]", Primary);

            case MathCallExpr call:
                return (call.Callee + "(" + Arguments(call.Arguments) + ")", Primary);

            case UserCallExpr call:
                var receiver = call.Receiver is null ? "" : Print(call.Receiver, Primary) + ".";
                return (receiver + call.Callee + "(" + Arguments(call.Arguments) + ")", Primary);

            case OpaqueExpr opaque:
                return (Format(opaque), Primary);

            case LocalExpr local:
                return (local.Local.Name, Primary);

            case PopExpr pop:
                return (pop.Tape.Local.Name + ".Pop()", Primary);

            default:
                // Rule placeholders (ArgumentExpr, ResultExpr) are instantiated before anything is printed.
                throw new InvalidOperationException("unexpected expression " + expression.GetType().Name);
        }
    }

    // The operand of a prefix operator or cast; a signed one is parenthesized so that "- -x" never prints as "--x"
    // and "(T)-x" is never read as a subtraction.
    private string UnaryOperand(Expr operand)
    {
        var text = Print(operand, Unary);
        return text.StartsWith("-", StringComparison.Ordinal) || text.StartsWith("+", StringComparison.Ordinal) ? "(" + text + ")" : text;
    }

    public string Arguments(IEnumerable<Expr> arguments)
    {
        var sb = new StringBuilder();
        foreach (var argument in arguments)
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(Print(argument, 0));
        }

        return sb.ToString();
    }

    // Fills {0}, {1}... An argument in an argument list needs no parentheses; a receiver or cast operand needs primary.
    private string Format(OpaqueExpr opaque)
    {
        var sb = new StringBuilder();
        var format = opaque.Format;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] == '{' && i + 1 < format.Length && char.IsDigit(format[i + 1]))
            {
                var end = format.IndexOf('}', i);
                var index = int.Parse(format.Substring(i + 1, end - i - 1), CultureInfo.InvariantCulture);
                var previous = i > 0 ? format[i - 1] : ' ';
                var next = end + 1 < format.Length ? format[end + 1] : ' ';
                var inArgumentList = (previous == '(' || previous == ' ') && (next == ',' || next == ')');
                sb.Append(Print(opaque.Arguments[index], inArgumentList ? 0 : Primary));
                i = end;
            }
            else
            {
                sb.Append(format[i]);
            }
        }

        return sb.ToString();
    }

    /// <summary>A binary operator's C# symbol and precedence level (1 = conditional ... 13 = primary); shared with the IR printer.</summary>
    internal static (string Symbol, int Precedence) Operator(BinaryOp op) => op switch
    {
        BinaryOp.Add => ("+", Additive),
        BinaryOp.Subtract => ("-", Additive),
        BinaryOp.Multiply => ("*", Multiplicative),
        BinaryOp.Divide => ("/", Multiplicative),
        BinaryOp.Remainder => ("%", Multiplicative),
        BinaryOp.Equals => ("==", Equality),
        BinaryOp.NotEquals => ("!=", Equality),
        BinaryOp.LessThan => ("<", Relational),
        BinaryOp.LessThanOrEqual => ("<=", Relational),
        BinaryOp.GreaterThan => (">", Relational),
        BinaryOp.GreaterThanOrEqual => (">=", Relational),
        BinaryOp.ConditionalAnd => ("&&", ConditionalAnd),
        BinaryOp.ConditionalOr => ("||", ConditionalOr),
        BinaryOp.And => ("&", LogicalAnd),
        BinaryOp.Or => ("|", LogicalOr),
        BinaryOp.ExclusiveOr => ("^", LogicalXor),
        BinaryOp.LeftShift => ("<<", Shift),
        BinaryOp.RightShift => (">>", Shift),
        _ => throw new InvalidOperationException("unexpected operator " + op),
    };
}
