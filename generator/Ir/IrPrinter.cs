using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

/// <summary>
/// Prints the IRs of a method as text, one statement a line, indented by nesting, each statement followed by the
/// source line it comes from (<c>; line 9</c>): the source IR (<see cref="PrintSource"/>), the lowered SSA form
/// (<see cref="PrintLowered"/>) and the backward IR (<see cref="BackwardIrText"/>, in BackwardIrDump.cs). Used by the
/// snapshot tests and by the dump that <c>AutoDiffEmitIr</c> writes next to the generated code (<see cref="IrDump"/>).
/// <para>
/// Every switch over node kinds ends in <see cref="UnknownNode"/>, so a node kind added to the IR and not taught
/// to the printer fails the printer's tests instead of printing nothing. The printers may throw; the dump turns
/// an exception into a comment line.
/// </para>
/// </summary>
internal static partial class IrPrinter
{
    /// <summary>The column where the <c>; line N</c> annotations start (or two spaces after a longer statement).</summary>
    private const int AnnotationColumn = 52;

    /// <summary>The message of the exception thrown for a node kind the printer has no case for.</summary>
    internal const string UnknownNodeMessage = "IrPrinter has no case for node kind ";

    /// <summary>
    /// The source IR: the parameters (with their role in the backward method), the locals (parser temporaries
    /// included), then the body as assignments, ifs, loops and returns over the user's variables.
    /// </summary>
    public static string PrintSource(MethodModel method)
    {
        var writer = new IrWriter();
        var names = SourceNames(method);
        var expressions = new IrExpressionPrinter(id => Lookup(names, id));
        var signature = string.Join(", ", method.Parameters.Select(p => Lookup(names, p.VariableId) + ": " + Type(p.Type)));
        writer.Line($"method {method.Name}({signature}): {Type(method.ReturnType)}", method.SourceLine);
        writer.Indent++;
        foreach (var parameter in method.Parameters)
        {
            var role = parameter.Role switch
            {
                ParameterRole.Constant => "constant",
                ParameterRole.Scalar => "gradient out " + parameter.GradientName,
                ParameterRole.Span => "gradient added into span " + parameter.GradientName,
                ParameterRole.Object => "gradient added into " + parameter.GradientName,
                ParameterRole.Struct => "gradient out " + parameter.GradientName + " (a struct gradient)",
                _ => throw UnknownNode(parameter.Role),
            };
            writer.Line($"param {Lookup(names, parameter.VariableId)}: {Type(parameter.Type)}  ({role})");
        }

        foreach (var variable in method.Variables.Where(v => !v.IsParameter))
        {
            writer.Line($"local {Lookup(names, variable.Id)}: {Type(variable.Type)}");
        }

        WriteSourceBlock(writer, method.Body, names, expressions);
        writer.Indent--;
        return writer.ToString();
    }

    /// <summary>
    /// The lowered SSA form: every value defined once (<c>%3 z: double = x * y</c>) and referred to by its unique name,
    /// phis assigned at the end of each branch of an if (<c>phi %6 r_1: double &lt;- r</c>), loops with their header
    /// phis (<c>%4 s_1: double = phi(entry, back)</c>) and condition, and the method's single result (<c>returns t1</c>).
    /// </summary>
    public static string PrintLowered(LoweredMethod method)
    {
        var writer = new IrWriter();
        var values = method.Values;
        var expressions = new IrExpressionPrinter(id => ValueName(values, id));
        var parameters = string.Join(", ", method.ParameterValues.Select(id => Define(values, id)));
        writer.Line($"method {method.Source.Name}({parameters}): {Type(method.Source.ReturnType)}", method.Source.SourceLine);
        writer.Indent++;
        WriteLoweredBlock(writer, method.Body, values, expressions);
        writer.Line("returns " + expressions.Print(method.Result));
        writer.Indent--;
        return writer.ToString();
    }

    /// <summary>Prints one node of the source or lowered IR with placeholder names (<c>v0</c>, <c>v1</c>...): what the exhaustiveness test calls for every node kind.</summary>
    internal static string PrintNode(object node)
    {
        var writer = new IrWriter();
        var expressions = new IrExpressionPrinter(id => "v" + id.ToString(CultureInfo.InvariantCulture));
        switch (node)
        {
            case Expr expression:
                return expressions.Print(expression);
            case Stmt statement:
                WriteSourceStatement(writer, statement, new Dictionary<int, string>(), expressions);
                return writer.ToString();
            case LoweredStmt statement:
                WriteLoweredStatement(writer, statement, new List<SsaValue>(), expressions);
                return writer.ToString();
            default:
                throw UnknownNode(node);
        }
    }

    // ---- Source IR ----------------------------------------------------------------------------------------------------

    // Variables by name; a name that two variables share (locals of different scopes) gets its id: a#3.
    private static Dictionary<int, string> SourceNames(MethodModel method)
    {
        var counts = method.Variables.GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return method.Variables.ToDictionary(
            v => v.Id,
            v => counts[v.Name] > 1 ? v.Name + "#" + v.Id.ToString(CultureInfo.InvariantCulture) : v.Name);
    }

    private static string Lookup(Dictionary<int, string> names, int id)
        => names.TryGetValue(id, out var name) ? name : "v" + id.ToString(CultureInfo.InvariantCulture);

    private static void WriteSourceBlock(IrWriter writer, Block block, Dictionary<int, string> names, IrExpressionPrinter expressions)
    {
        foreach (var statement in block.Statements)
        {
            WriteSourceStatement(writer, statement, names, expressions);
        }
    }

    private static void WriteSourceStatement(IrWriter writer, Stmt statement, Dictionary<int, string> names, IrExpressionPrinter expressions)
    {
        switch (statement)
        {
            case AssignStmt assign:
                writer.Line(Lookup(names, assign.VariableId) + " = " + expressions.Print(assign.Value), assign.Line);
                break;

            case ExpressionStmt expression:
                writer.Line("eval " + expressions.Print(expression.Value), expression.Line);
                break;

            case ReturnStmt ret:
                writer.Line("return " + expressions.Print(ret.Value), ret.Line);
                break;

            case StoreStmt store:
                writer.Line($"{Lookup(names, store.ArrayVariableId)}[{expressions.Print(store.Index)}] = {expressions.Print(store.Value)}", store.Line);
                break;

            case IfStmt branch:
                writer.Line("if " + expressions.Print(branch.Condition), branch.Line);
                WriteNested(writer, () => WriteSourceBlock(writer, branch.Then, names, expressions));
                if (!branch.Else.Statements.IsEmpty)
                {
                    writer.Line("else");
                    WriteNested(writer, () => WriteSourceBlock(writer, branch.Else, names, expressions));
                }

                break;

            case LoopStmt loop:
            {
                var test = (loop.ConditionFirst ? "while " : "do-while ") + expressions.Print(loop.Condition);
                var flag = loop.BreakFlagId is { } id ? ", break sets " + Lookup(names, id) : "";
                writer.Line("loop " + test + flag, loop.Line);
                writer.Indent++;
                WriteSourceBlock(writer, loop.Body, names, expressions);
                if (!loop.Step.Statements.IsEmpty)
                {
                    writer.Line("step:");
                    WriteNested(writer, () => WriteSourceBlock(writer, loop.Step, names, expressions));
                }

                writer.Indent--;
                break;
            }

            case BreakStmt brk:
                writer.Line("break (" + Lookup(names, brk.FlagId) + " = true)", brk.Line);
                break;

            case ContinueStmt cont:
                writer.Line("continue", cont.Line);
                break;

            default:
                throw UnknownNode(statement);
        }
    }

    // ---- Lowered IR ---------------------------------------------------------------------------------------------------

    private static string ValueName(List<SsaValue> values, int id)
        => id >= 0 && id < values.Count ? values[id].Name : "%" + id.ToString(CultureInfo.InvariantCulture) + "?";

    // A value where it is defined: its id, name and type.
    private static string Define(List<SsaValue> values, int id)
        => "%" + id.ToString(CultureInfo.InvariantCulture) + " " + ValueName(values, id) + (id >= 0 && id < values.Count ? ": " + Type(values[id].Type) : "");

    private static void WriteLoweredBlock(IrWriter writer, LoweredBlock block, List<SsaValue> values, IrExpressionPrinter expressions)
    {
        foreach (var statement in block.Statements)
        {
            WriteLoweredStatement(writer, statement, values, expressions);
        }
    }

    private static void WriteLoweredStatement(IrWriter writer, LoweredStmt statement, List<SsaValue> values, IrExpressionPrinter expressions)
    {
        switch (statement)
        {
            case LetStmt let:
                writer.Line(Define(values, let.ValueId) + " = " + expressions.Print(let.Value), let.Line);
                break;

            case PhiStmt phi:
                writer.Line("phi " + Define(values, phi.PhiId) + " <- " + expressions.Print(phi.Value), phi.Line);
                break;

            case EffectStmt effect:
                writer.Line("eval " + expressions.Print(effect.Value), effect.Line);
                break;

            case LoweredStore store:
                writer.Line($"{ValueName(values, store.ArrayId)}[{expressions.Print(store.Index)}] = {expressions.Print(store.Value)}", store.Line);
                break;

            case LoweredIf branch:
                writer.Line("if " + expressions.Print(branch.Condition), branch.Line);
                WriteNested(writer, () => WriteLoweredBlock(writer, branch.Then, values, expressions));
                if (branch.Else.Statements.Count > 0)
                {
                    writer.Line("else");
                    WriteNested(writer, () => WriteLoweredBlock(writer, branch.Else, values, expressions));
                }

                break;

            case LoweredLoop loop:
            {
                var id = "L" + loop.Id.ToString(CultureInfo.InvariantCulture);
                var parent = loop.Parent >= 0 ? " in L" + loop.Parent.ToString(CultureInfo.InvariantCulture) : "";
                writer.Line("loop " + id + parent, loop.Line);
                writer.Indent++;
                foreach (var phi in loop.Phis)
                {
                    writer.Line($"{Define(values, phi.PhiId)} = phi({expressions.Print(phi.Entry)}, {expressions.Print(phi.Back)})", loop.Line);
                }

                var test = "while " + expressions.Print(loop.Condition);
                if (loop.ConditionFirst)
                {
                    writer.Line(test, loop.Line);
                }

                WriteLoweredBlock(writer, loop.Body, values, expressions);
                if (!loop.ConditionFirst)
                {
                    writer.Line(test, loop.Line);
                }

                writer.Indent--;
                break;
            }

            default:
                throw UnknownNode(statement);
        }
    }

    // ---- Shared -------------------------------------------------------------------------------------------------------

    private static void WriteNested(IrWriter writer, Action write)
    {
        writer.Indent++;
        write();
        writer.Indent--;
    }

    /// <summary>A type as the dump shows it: without <c>global::</c>.</summary>
    internal static string Type(TypeRef type) => Clean(type.Display);

    /// <summary>Drops <c>global::</c> from printed names and types, which the generated code needs and a reader does not.</summary>
    internal static string Clean(string text) => text.Replace("global::", "");

    internal static NotSupportedException UnknownNode(object? node)
        => new(UnknownNodeMessage + (node?.GetType().Name ?? "null") + (node is Enum ? "." + node : ""));

    /// <summary>Lines with indentation and <c>; line N</c> annotations at a fixed column.</summary>
    private sealed class IrWriter
    {
        private readonly StringBuilder _sb = new();

        public int Indent { get; set; }

        public void Line(string text, int? sourceLine = null)
        {
            var start = _sb.Length;
            _sb.Append(' ', Indent * 2).Append(text);
            if (sourceLine is { } line && line > 0)
            {
                var width = _sb.Length - start;
                _sb.Append(' ', width < AnnotationColumn - 2 ? AnnotationColumn - width : 2)
                    .Append("; line ").Append(line.ToString(CultureInfo.InvariantCulture));
            }

            _sb.Append('\n');
        }

        public override string ToString() => _sb.ToString();
    }
}

/// <summary>
/// Prints IR expressions on one line in C#-like syntax with the fewest parentheses that keep the meaning; variables
/// (or SSA values) by the name the caller gives. Calls of other [Differentiable] methods read <c>call F(...)</c>
/// (arguments the callee does not differentiate marked <c>[nograd]</c>); operations without a derivative read
/// <c>opaque&lt;T&gt;(...)</c>.
/// </summary>
internal sealed class IrExpressionPrinter(Func<int, string> name)
{
    // C#'s precedence levels, as the C# printer has them.
    private const int Conditional = ExpressionPrinter.Conditional;
    private const int ConditionalOr = ExpressionPrinter.ConditionalOr;
    private const int ConditionalAnd = ExpressionPrinter.ConditionalAnd;
    private const int LogicalOr = ExpressionPrinter.LogicalOr;
    private const int LogicalXor = ExpressionPrinter.LogicalXor;
    private const int LogicalAnd = ExpressionPrinter.LogicalAnd;
    private const int Equality = ExpressionPrinter.Equality;
    private const int Relational = ExpressionPrinter.Relational;
    private const int Shift = ExpressionPrinter.Shift;
    private const int Additive = ExpressionPrinter.Additive;
    private const int Multiplicative = ExpressionPrinter.Multiplicative;
    private const int Unary = ExpressionPrinter.Unary;
    private const int Primary = ExpressionPrinter.Primary;

    public string Print(Expr expression) => Print(expression, 0);

    private string Print(Expr expression, int minimumPrecedence)
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
                return (name(variable.Id), Primary);

            case BinaryExpr binary:
            {
                var (symbol, precedence) = global::AutoDiff.Generators.ExpressionPrinter.Operator(binary.Op);
                return (Print(binary.Left, precedence) + " " + symbol + " " + Print(binary.Right, precedence + 1), precedence);
            }

            case UnaryExpr unary:
            {
                var symbol = unary.Op switch
                {
                    UnaryOp.Negate => "-",
                    UnaryOp.Plus => "+",
                    UnaryOp.Not => "!",
                    UnaryOp.BitwiseNot => "~",
                    _ => throw IrPrinter.UnknownNode(unary.Op),
                };
                return (symbol + UnaryOperand(unary.Operand), Unary);
            }

            case ConvertExpr convert:
                return ("(" + IrPrinter.Type(convert.Type) + ")" + UnaryOperand(convert.Operand), Unary);

            case ConditionalExpr conditional:
                return (Print(conditional.Condition, ConditionalOr) + " ? " + Print(conditional.WhenTrue, Conditional) + " : " + Print(conditional.WhenFalse, Conditional), Conditional);

            case ElementExpr element:
                return (Print(element.Array, Primary) + "[" + Print(element.Index) + "]", Primary);

            case NewArrayExpr buffer:
                return ((buffer.IsStackalloc ? "stackalloc " : "new ") + IrPrinter.Type(buffer.ElementType) + "[" + Print(buffer.Length) + "]", Primary);

            case MathCallExpr call:
                return (Callee(call.Callee) + "(" + string.Join(", ", call.Arguments.Select(a => Print(a))) + ")", Primary);

            case UserCallExpr call:
            {
                var receiver = call.Receiver is null ? "" : Print(call.Receiver, Primary) + ".";
                var arguments = call.Arguments.Select((argument, i) =>
                    (i < call.Roles.Count && call.Roles[i] == ParameterRole.Constant ? "[nograd] " : "") + Print(argument));
                return ("call " + receiver + Callee(call.Callee) + "(" + string.Join(", ", arguments) + ")", Primary);
            }

            case OpaqueExpr opaque:
                return ("opaque<" + IrPrinter.Type(opaque.Type) + ">(" + Format(opaque) + ")", Primary);

            // The kinds of the backward IR and of derivative rules, should one be printed here.
            case Ir.LocalExpr local:
                return (local.Local?.Name ?? "?", Primary);

            case Ir.PopExpr pop:
                return ((pop.Tape?.Local.Name ?? "?") + ".Pop()", Primary);

            case Ir.ArgumentExpr argument:
                return (((char)('a' + argument.Index)).ToString(), Primary);

            case Ir.ResultExpr:
                return ("r", Primary);

            default:
                throw IrPrinter.UnknownNode(expression);
        }
    }

    // Math functions read Math.Sin, MathF.Exp, double.Hypot; user methods by their full name without global::.
    private static string Callee(string callee)
    {
        var text = IrPrinter.Clean(callee);
        return text.StartsWith("System.", StringComparison.Ordinal) ? text.Substring("System.".Length) : text;
    }

    private string UnaryOperand(Expr operand)
    {
        var text = Print(operand, Unary);
        return text.StartsWith("-", StringComparison.Ordinal) || text.StartsWith("+", StringComparison.Ordinal) ? "(" + text + ")" : text;
    }

    // The construct's own text with {0}, {1}... replaced by its printed arguments.
    private string Format(OpaqueExpr opaque)
    {
        var sb = new StringBuilder();
        var format = IrPrinter.Clean(opaque.Format);
        for (var i = 0; i < format.Length; i++)
        {
            var end = format[i] == '{' ? format.IndexOf('}', i) : -1;
            if (end > i + 1 && int.TryParse(format.Substring(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < opaque.Arguments.Count)
            {
                sb.Append(Print(opaque.Arguments[index], Primary));
                i = end;
            }
            else
            {
                sb.Append(format[i]);
            }
        }

        return sb.ToString();
    }
}
