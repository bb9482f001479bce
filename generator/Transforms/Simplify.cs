using System;
using System.Globalization;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators.Transforms;

/// <summary>
/// Algebra on IR expressions for the code the transforms build: a derivative rule's partial derivative times an
/// adjoint, folded where its operands are literals. It keeps the generated code as short as the hand-written form
/// (<c>dx += dt * 2.0 * x</c> for <c>Pow(x, 2)</c>, <c>dx += dt</c> for <c>x * 1</c>) and never changes a value
/// beyond what reassociating one product does.
/// </summary>
internal static class Simplify
{
    /// <summary>
    /// <c>adjoint * factor</c>, distributed into the branches of a conditional factor and through quotients and
    /// negations, with the literal factors 1, -1 and 0 folded. A literal zero factor passes no gradient (as
    /// <c>Pow(x, 0)</c> passes none in PyTorch).
    /// </summary>
    public static Expr Multiply(Expr adjoint, Expr factor)
    {
        factor = Fold(factor);
        var type = adjoint.Type;
        switch (factor)
        {
            case LiteralExpr literal when Number(literal) is { } value && value == 1:
                return adjoint;
            case LiteralExpr literal when Number(literal) is { } value && value == -1:
                return Negate(adjoint);
            case LiteralExpr literal when Number(literal) is { } value && value == 0:
                return new LiteralExpr("0", TypeRef.Int);
            case ConditionalExpr conditional:
                var whenTrue = Multiply(adjoint, conditional.WhenTrue);
                var whenFalse = Multiply(adjoint, conditional.WhenFalse);
                return IsZero(whenTrue) && IsZero(whenFalse) ? whenTrue : new ConditionalExpr(conditional.Condition, whenTrue, whenFalse, type);
            case BinaryExpr { Op: BinaryOp.Divide } quotient:
                return new BinaryExpr(BinaryOp.Divide, Multiply(adjoint, quotient.Left), quotient.Right, type);
            case BinaryExpr { Op: BinaryOp.Multiply } product:
                return Multiply(Multiply(adjoint, product.Left), product.Right);
            case UnaryExpr { Op: UnaryOp.Negate } negation:
                return Multiply(Negate(adjoint), negation.Operand);
            default:
                return IsZero(adjoint) ? adjoint : new BinaryExpr(BinaryOp.Multiply, adjoint, factor, type);
        }
    }

    /// <summary>True for a literal zero: a contribution that adds nothing.</summary>
    public static bool IsZero(Expr expression) => expression is LiteralExpr literal && Number(literal) is 0;

    private static Expr Negate(Expr operand) => operand switch
    {
        UnaryExpr { Op: UnaryOp.Negate } negated => negated.Operand,
        LiteralExpr literal when Number(literal) is 0 => literal,
        _ => new UnaryExpr(UnaryOp.Negate, operand, operand.Type),
    };

    /// <summary>Folds operations whose operands are all literals, conditionals on a literal condition, and <c>Pow(x, 1)</c>, <c>Pow(x, 0)</c>.</summary>
    public static Expr Fold(Expr expression)
    {
        var folded = expression.Map(Fold);
        switch (folded)
        {
            case BinaryExpr { Left: LiteralExpr left, Right: LiteralExpr right } binary when Number(left) is { } a && Number(right) is { } b:
                return binary.Op switch
                {
                    BinaryOp.Add => Literal(a + b, binary.Type),
                    BinaryOp.Subtract => Literal(a - b, binary.Type),
                    BinaryOp.Multiply => Literal(a * b, binary.Type),
                    BinaryOp.Equals => Boolean(a == b),
                    BinaryOp.NotEquals => Boolean(a != b),
                    BinaryOp.LessThan => Boolean(a < b),
                    BinaryOp.LessThanOrEqual => Boolean(a <= b),
                    BinaryOp.GreaterThan => Boolean(a > b),
                    BinaryOp.GreaterThanOrEqual => Boolean(a >= b),
                    _ => folded,
                };
            case BinaryExpr { Op: BinaryOp.ConditionalAnd, Left: LiteralExpr { Text: var left } } and:
                return left == "false" ? and.Left : left == "true" ? and.Right : folded;
            case BinaryExpr { Op: BinaryOp.ConditionalOr, Left: LiteralExpr { Text: var left } } or:
                return left == "true" ? or.Left : left == "false" ? or.Right : folded;
            case BinaryExpr { Op: BinaryOp.ConditionalAnd, Right: LiteralExpr { Text: "true" } } and:
                return and.Left;
            case BinaryExpr { Op: BinaryOp.ConditionalOr, Right: LiteralExpr { Text: "false" } } or:
                return or.Left;
            case BinaryExpr { Op: BinaryOp.Multiply, Left: LiteralExpr left } product when Number(left) is 1:
                return product.Right;
            case BinaryExpr { Op: BinaryOp.Multiply, Right: LiteralExpr right } product when Number(right) is 1:
                return product.Left;
            case ConditionalExpr { Condition: LiteralExpr { Text: "true" } } conditional:
                return conditional.WhenTrue;
            case ConditionalExpr { Condition: LiteralExpr { Text: "false" } } conditional:
                return conditional.WhenFalse;
            case MathCallExpr { Function: "Pow" } pow when pow.Arguments[1] is LiteralExpr exponent && Number(exponent) is { } c && (c == 1 || c == 0):
                return c == 1 ? pow.Arguments[0] : Literal(1, pow.Type);
            default:
                return folded;
        }
    }

    /// <summary>The value of a numeric literal (<c>2</c>, <c>0.5</c>, <c>2.5f</c>, <c>-1.0</c>), else null.</summary>
    public static double? Number(LiteralExpr literal)
        => literal.Type.Kind is ValueKind.Double or ValueKind.Float or ValueKind.Integer
           && double.TryParse(literal.Text.TrimEnd('f', 'F', 'd', 'D', 'L', 'l', 'u', 'U'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private static LiteralExpr Literal(double value, TypeRef type)
        => type.Kind == ValueKind.Integer && Math.Abs(value) < int.MaxValue && value == Math.Floor(value)
            ? new LiteralExpr(((int)value).ToString(CultureInfo.InvariantCulture), type)
            : new LiteralExpr(DifferentiableGenerator.Parser.FormatFloating(value, type.Kind == ValueKind.Float ? ValueKind.Float : ValueKind.Double), type.IsFloating ? type : TypeRef.Double);

    private static LiteralExpr Boolean(bool value) => new(value ? "true" : "false", TypeRef.Bool);
}
