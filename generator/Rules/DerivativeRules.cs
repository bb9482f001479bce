using System;
using System.Collections.Generic;
using System.Globalization;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators.Rules;

/// <summary>
/// A built-in derivative: the partial derivative of the function with respect to each argument, as an IR expression
/// over the arguments (<c>a</c>, <c>b</c>, <c>c</c>) and the result (<c>r</c>), and what the transforms need to know
/// about the function. The reverse sweep applies a partial as <c>da += dr * ∂f/∂a</c>, a forward sweep as
/// <c>ṙ = Σ ∂f/∂aᵢ · ȧᵢ</c>: one rule, both directions.
/// </summary>
/// <param name="Partials">Per argument, the partial derivative for double and for float (null: no gradient flows to that argument).</param>
/// <param name="StopsGradient">Piecewise constant (Floor, Sign...): no gradient flows, and the generator warns.</param>
/// <param name="Cheap">Cheaper to compute again in a reverse loop iteration than to keep on a tape.</param>
/// <param name="Domain">Where the function and its derivative are finite, for documentation (empty: everywhere).</param>
internal sealed record DerivativeRule(string Name, int Arity, (Expr Double, Expr Float)?[] Partials, bool StopsGradient, bool Cheap, string Domain)
{
    /// <summary>The partial derivative with respect to argument <paramref name="index"/> for values of <paramref name="kind"/>, or null when none flows.</summary>
    public Expr? Partial(int index, ValueKind kind)
        => StopsGradient || Partials[index] is not { } partial ? null : kind == ValueKind.Float ? partial.Float : partial.Double;
}

/// <summary>
/// The derivative table of <c>System.Math</c>, <c>System.MathF</c> and the equivalent statics of <c>double</c> and
/// <c>float</c>. Adding a function is one line here and one test. A partial is written as a C# expression over
/// <c>a b c</c> (the arguments), <c>r</c> (the result, reused rather than recomputed) and <c>M</c> (<c>Math</c> or
/// <c>MathF</c>), parsed once into IR. Subgradients at kinks follow PyTorch 1.13 (API.md): Abs'(0) = 0, Max/Min ties
/// give half to each input, Clamp passes the gradient at its bounds, Sqrt'(0) = +Infinity, Pow(x, 0) passes none to x.
/// </summary>
internal static class DerivativeRules
{
    private const string Ln10 = "2.302585092994046";
    private const string Ln2 = "0.6931471805599453";

    private static readonly Dictionary<(string Name, int Arity), DerivativeRule> s_rules = Build(
        Rule("Sin", "M.Cos(a)"),
        Rule("Cos", "-M.Sin(a)"),
        Rule("Tan", "1 + r * r"),
        Rule("Asin", "1 / M.Sqrt(1 - a * a)").In("-1 < a < 1"),
        Rule("Acos", "-1 / M.Sqrt(1 - a * a)").In("-1 < a < 1"),
        Rule("Atan", "1 / (1 + a * a)"),
        Rule("Atan2", "b / (a * a + b * b)", "-a / (a * a + b * b)").In("(a, b) != (0, 0)"),
        Rule("Sinh", "M.Cosh(a)"),
        Rule("Cosh", "M.Sinh(a)"),
        Rule("Tanh", "1 - r * r"),
        Rule("Asinh", "1 / M.Sqrt(a * a + 1)"),
        Rule("Acosh", "1 / M.Sqrt(a * a - 1)").In("a > 1"),
        Rule("Atanh", "1 / (1 - a * a)").In("-1 < a < 1"),
        Rule("Exp", "r"),
        Rule("Exp2", "r * " + Ln2),
        Rule("Exp10", "r * " + Ln10),
        Rule("ExpM1", "r + 1"),
        Rule("Log", "1 / a").In("a > 0"),
        Rule("Log", "1 / (a * M.Log(b))", "-r / (b * M.Log(b))").In("a > 0, b > 0, b != 1"),
        Rule("LogP1", "1 / (a + 1)").In("a > -1"),
        Rule("Log10", "1 / (a * " + Ln10 + ")").In("a > 0"),
        Rule("Log2", "1 / (a * " + Ln2 + ")").In("a > 0"),
        Rule("Sqrt", "0.5 / r").In("a > 0 (+Infinity at 0)").Cheap(),
        Rule("Cbrt", "1 / (3 * r * r)").In("a != 0"),
        // With a literal exponent the partial folds (Pow(x, 2): 2 * x; Pow(x, 0): nothing, as PyTorch).
        Rule("Pow", "b == 0 ? 0 : b * M.Pow(a, b - 1)", "a == 0 && b >= 0 ? 0 : r * M.Log(a)").In("a > 0 for the exponent's gradient"),
        Rule("Hypot", "a / r", "b / r"),
        Rule("Abs", "a > 0 ? 1 : a < 0 ? -1 : 0").Cheap(),
        Rule("CopySign", "a == 0 ? 0 : r / a", null).Cheap(),
        // Ties give half to each input; a NaN input (the result is NaN) gives the full gradient to both, as torch.maximum.
        Rule("Max", "a > b ? 1 : a == b ? 0.5 : a < b ? 0 : 1", "b > a ? 1 : a == b ? 0.5 : b < a ? 0 : 1").Cheap(),
        Rule("Min", "a < b ? 1 : a == b ? 0.5 : a > b ? 0 : 1", "b < a ? 1 : a == b ? 0.5 : b > a ? 0 : 1").Cheap(),
        Rule("Clamp", "a >= b && a <= c ? 1 : 0", "a < b ? 1 : 0", "a > c ? 1 : 0").Cheap(),
        Rule("FusedMultiplyAdd", "b", "a", "1").Cheap(),
        Rule("Lerp", "1 - c", "c", "b - a"),
        Stop("Floor", 1),
        Stop("Ceiling", 1),
        Stop("Truncate", 1),
        Stop("Round", 1),
        Stop("Round", 2),
        Stop("Round", 3),
        Stop("Sign", 1));

    private static readonly HashSet<string> s_mathTypes = new()
    {
        "global::System.Math", "global::System.MathF", "double", "float",
    };

    /// <summary>Every rule, for tests and documentation.</summary>
    public static IEnumerable<DerivativeRule> All => s_rules.Values;

    /// <summary>Finds the rule for a static method of Math, MathF, double or float, or null when there is none.</summary>
    public static DerivativeRule? Find(string containingType, string name, int arity)
        => s_mathTypes.Contains(containingType) && s_rules.TryGetValue((name, arity), out var rule) ? rule : null;

    /// <summary>Finds a rule by name and arity (the IR keeps the name once the call is resolved).</summary>
    public static DerivativeRule Get(string name, int arity) => s_rules[(name, arity)];

    /// <summary>A partial with its placeholders replaced: <c>a b c</c> by the call's arguments, <c>r</c> by its result.</summary>
    public static Expr Instantiate(Expr partial, EquatableArray<Expr> arguments, Expr result) => partial switch
    {
        ArgumentExpr argument => arguments[argument.Index],
        ResultExpr => result,
        _ => partial.Map(p => Instantiate(p, arguments, result)),
    };

    /// <summary>A call of <c>Math.F</c> (or <c>MathF.F</c> for float) in generated code.</summary>
    public static MathCallExpr MathCall(string function, TypeRef type, params Expr[] arguments)
        => new(function, (type.Kind == ValueKind.Float ? "global::System.MathF." : "global::System.Math.") + function, arguments.ToEquatableArray(), type, null);

    private static Builder Rule(string name, params string?[] partials) => new(name, partials.Length, partials, stops: false);

    private static Builder Stop(string name, int arity) => new(name, arity, new string?[arity], stops: true);

    private static Dictionary<(string, int), DerivativeRule> Build(params Builder[] builders)
    {
        var map = new Dictionary<(string, int), DerivativeRule>();
        foreach (var builder in builders)
        {
            var rule = builder.ToRule();
            map.Add((rule.Name, rule.Arity), rule);
        }

        return map;
    }

    /// <summary>One line of the table: the partials as text, and the flags.</summary>
    private sealed class Builder(string name, int arity, string?[] partials, bool stops)
    {
        private bool _cheap;
        private string _domain = "";

        public Builder Cheap()
        {
            _cheap = true;
            return this;
        }

        public Builder In(string domain)
        {
            _domain = domain;
            return this;
        }

        public DerivativeRule ToRule()
        {
            var parsed = new (Expr, Expr)?[arity];
            for (var i = 0; i < arity; i++)
            {
                if (partials[i] is { } text)
                {
                    parsed[i] = (new PartialParser(text, TypeRef.Double).Parse(), new PartialParser(text, TypeRef.Float).Parse());
                }
            }

            // Piecewise-constant functions are cheap comparisons.
            return new DerivativeRule(name, arity, parsed, stops, _cheap || stops, _domain);
        }
    }

    /// <summary>
    /// Parses a partial written in the table into IR: literals, <c>a b c r</c>, <c>M.F(..)</c>, unary minus,
    /// <c>* / + -</c>, comparisons, <c>&amp;&amp; ||</c> and <c>?:</c>, with C#'s precedence. The table is fixed, so a
    /// syntax error is a bug in this file, found by the first test that loads the rules.
    /// </summary>
    private sealed class PartialParser(string text, TypeRef floating)
    {
        private int _at;

        public Expr Parse()
        {
            var result = Conditional();
            Skip();
            if (_at != text.Length)
            {
                throw new InvalidOperationException($"derivative rule '{text}': unexpected '{text.Substring(_at)}'");
            }

            return result;
        }

        private Expr Conditional()
        {
            var condition = Binary(0);
            if (!Eat("?"))
            {
                return condition;
            }

            var whenTrue = Conditional();
            Expect(":");
            var whenFalse = Conditional();
            return new ConditionalExpr(condition, whenTrue, whenFalse, Wider(whenTrue.Type, whenFalse.Type));
        }

        // Binary operators by level, loosest first.
        private static readonly (string Symbol, BinaryOp Op)[][] s_levels =
        {
            new[] { ("||", BinaryOp.ConditionalOr) },
            new[] { ("&&", BinaryOp.ConditionalAnd) },
            new[] { ("==", BinaryOp.Equals), ("!=", BinaryOp.NotEquals) },
            new[] { ("<=", BinaryOp.LessThanOrEqual), (">=", BinaryOp.GreaterThanOrEqual), ("<", BinaryOp.LessThan), (">", BinaryOp.GreaterThan) },
            new[] { ("+", BinaryOp.Add), ("-", BinaryOp.Subtract) },
            new[] { ("*", BinaryOp.Multiply), ("/", BinaryOp.Divide) },
        };

        private Expr Binary(int level)
        {
            if (level == s_levels.Length)
            {
                return Unary();
            }

            var left = Binary(level + 1);
            while (true)
            {
                var op = Array.Find(s_levels[level], o => Eat(o.Symbol));
                if (op.Symbol is null)
                {
                    return left;
                }

                var right = Binary(level + 1);
                var type = level <= 3 ? TypeRef.Bool : Wider(left.Type, right.Type);
                left = new BinaryExpr(op.Op, left, right, type);
            }
        }

        private Expr Unary()
        {
            if (Eat("-"))
            {
                var operand = Unary();
                return new UnaryExpr(UnaryOp.Negate, operand, operand.Type);
            }

            return Primary();
        }

        private Expr Primary()
        {
            Skip();
            if (Eat("("))
            {
                var inner = Conditional();
                Expect(")");
                return inner;
            }

            var start = _at;
            if (_at < text.Length && char.IsDigit(text[_at]))
            {
                while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] == '.'))
                {
                    _at++;
                }

                var number = text.Substring(start, _at - start);
                return number.Contains(".")
                    ? new LiteralExpr(floating.Kind == ValueKind.Float ? number + "f" : number, floating)
                    : new LiteralExpr(number, TypeRef.Int);
            }

            while (_at < text.Length && char.IsLetterOrDigit(text[_at]))
            {
                _at++;
            }

            var word = text.Substring(start, _at - start);
            switch (word)
            {
                case "a" or "b" or "c":
                    return new ArgumentExpr(word[0] - 'a', floating);
                case "r":
                    return new ResultExpr(floating);
                case "M":
                    Expect(".");
                    var nameStart = _at;
                    while (_at < text.Length && char.IsLetterOrDigit(text[_at]))
                    {
                        _at++;
                    }

                    var function = text.Substring(nameStart, _at - nameStart);
                    Expect("(");
                    var arguments = new List<Expr> { Conditional() };
                    while (Eat(","))
                    {
                        arguments.Add(Conditional());
                    }

                    Expect(")");
                    return MathCall(function, floating, arguments.ToArray());
                default:
                    throw new InvalidOperationException($"derivative rule '{text}': unknown name '{word}' at {_at.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        private TypeRef Wider(TypeRef left, TypeRef right) => left.IsFloating || right.IsFloating ? floating : left;

        private bool Eat(string symbol)
        {
            Skip();
            if (string.CompareOrdinal(text, _at, symbol, 0, symbol.Length) != 0)
            {
                return false;
            }

            // "<" must not eat the start of "<=", nor "-" a negative literal's sign in "a - 1" (both handled by order and grammar).
            _at += symbol.Length;
            return true;
        }

        private void Expect(string symbol)
        {
            if (!Eat(symbol))
            {
                throw new InvalidOperationException($"derivative rule '{text}': expected '{symbol}' at {_at.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        private void Skip()
        {
            while (_at < text.Length && text[_at] == ' ')
            {
                _at++;
            }
        }
    }
}
