using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Rules;
using Xunit;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// The rule table on its own: every partial derivative, evaluated as IR at random points inside the function's smooth
/// region, against central differences of the real <c>System.Math</c> function, for double and float. A new line in the
/// table is checked here with no test of its own.
/// </summary>
public sealed class DerivativeRuleTableTests
{
    public static TheoryData<string, int> Rules()
    {
        var data = new TheoryData<string, int>();
        foreach (var rule in DerivativeRules.All.Where(r => !r.StopsGradient).OrderBy(r => r.Name).ThenBy(r => r.Arity))
        {
            data.Add(rule.Name, rule.Arity);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Every_partial_matches_central_differences_of_the_function(string name, int arity)
    {
        var rule = DerivativeRules.Get(name, arity);
        var function = typeof(Math).GetMethod(name, Enumerable.Repeat(typeof(double), arity).ToArray())
            ?? typeof(double).GetMethod(name, Enumerable.Repeat(typeof(double), arity).ToArray())
            ?? throw new InvalidOperationException($"no Math.{name} with {arity} arguments");
        double F(double[] x) => (double)function.Invoke(null, x.Cast<object>().ToArray())!;

        var random = new Random(name.GetHashCode(StringComparison.Ordinal) ^ arity);
        var checkedPoints = 0;
        for (var attempt = 0; attempt < 200 && checkedPoints < 20; attempt++)
        {
            var x = Enumerable.Range(0, arity).Select(_ => Math.Round(random.NextDouble() * 4 - 1.5, 3)).ToArray();
            if (name is "Clamp" && x[1] > x[2])
            {
                (x[1], x[2]) = (x[2], x[1]);
            }

            if (!Smooth(F, x))
            {
                continue; // at or near a kink or outside the domain: the kink conventions have their own tests
            }

            checkedPoints++;
            var result = F(x);
            for (var i = 0; i < arity; i++)
            {
                var expected = Central(F, x, i);
                var partial = rule.Partial(i, ValueKind.Double);
                var actual = partial is null ? 0 : Evaluate(partial, x, result);
                Assert.True(Math.Abs(actual - expected) <= 1e-6 * (1 + Math.Abs(expected)),
                    $"d{name}/d{(char)('a' + i)} at ({string.Join(", ", x)}): rule {actual}, central differences {expected}");

                if (rule.Partial(i, ValueKind.Float) is { } single)
                {
                    Assert.Equal(actual, Evaluate(single, x, result), 1e-9 * (1 + Math.Abs(actual)));
                }
            }
        }

        Assert.True(checkedPoints >= 5, $"only {checkedPoints} smooth points found for {name}");
    }

    private static double Central(Func<double[], double> f, double[] x, int i, double h = 1e-6)
    {
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[i] += h;
        minus[i] -= h;
        return (f(plus) - f(minus)) / (2 * h);
    }

    // Finite everywhere near x and the central differences agree at two step sizes (no kink within reach).
    private static bool Smooth(Func<double[], double> f, double[] x)
    {
        for (var i = 0; i < x.Length; i++)
        {
            var coarse = Central(f, x, i, 1e-3);
            var fine = Central(f, x, i, 1e-6);
            if (!double.IsFinite(coarse) || !double.IsFinite(fine) || Math.Abs(coarse - fine) > 1e-4 * (1 + Math.Abs(fine)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An interpreter for the IR that rules are written in.</summary>
    private static double Evaluate(Expr expression, double[] arguments, double result)
    {
        object Value(Expr e) => e switch
        {
            LiteralExpr { Type.Kind: ValueKind.Bool } literal => literal.Text == "true",
            LiteralExpr literal => double.Parse(literal.Text.TrimEnd('f'), CultureInfo.InvariantCulture),
            ArgumentExpr argument => arguments[argument.Index],
            ResultExpr => result,
            UnaryExpr { Op: UnaryOp.Negate } negate => -(double)Value(negate.Operand),
            ConditionalExpr conditional => (bool)Value(conditional.Condition) ? Value(conditional.WhenTrue) : Value(conditional.WhenFalse),
            BinaryExpr { Op: BinaryOp.ConditionalAnd } and => (bool)Value(and.Left) && (bool)Value(and.Right),
            BinaryExpr { Op: BinaryOp.ConditionalOr } or => (bool)Value(or.Left) || (bool)Value(or.Right),
            BinaryExpr binary => Binary(binary.Op, (double)Value(binary.Left), (double)Value(binary.Right)),
            MathCallExpr call => typeof(Math).GetMethod(call.Function, call.Arguments.Select(_ => typeof(double)).ToArray())!
                .Invoke(null, call.Arguments.Select(Value).ToArray())!,
            _ => throw new InvalidOperationException("not in the rule language: " + e.GetType().Name),
        };

        return Convert.ToDouble(Value(expression), CultureInfo.InvariantCulture);
    }

    private static object Binary(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Subtract => a - b,
        BinaryOp.Multiply => a * b,
        BinaryOp.Divide => a / b,
        BinaryOp.Equals => a == b,
        BinaryOp.NotEquals => a != b,
        BinaryOp.LessThan => a < b,
        BinaryOp.LessThanOrEqual => a <= b,
        BinaryOp.GreaterThan => a > b,
        BinaryOp.GreaterThanOrEqual => a >= b,
        _ => throw new InvalidOperationException(op.ToString()),
    };
}
