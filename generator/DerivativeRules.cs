using System.Collections.Generic;
using System.Text;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

/// <summary>
/// A built-in derivative: for each argument, the adjoint contribution as a template. In a template, <c>g</c> is the
/// adjoint of the call's result, <c>a</c>, <c>b</c>, <c>c</c> are the arguments, <c>r</c> is the result and <c>M</c> is
/// <c>Math</c> or <c>MathF</c>; decimal literals get an <c>f</c> suffix for float. A null template means no gradient
/// flows to that argument.
/// </summary>
/// <param name="StopsGradient">The function is piecewise constant (Floor, Sign...): no gradient flows, and the generator warns.</param>
internal sealed record DerivativeRule(string Name, int Arity, string?[] Adjoints, bool StopsGradient)
{
    /// <summary>Builds the adjoint expression of argument <paramref name="index"/>, or null when none flows.</summary>
    public string? Adjoint(int index, IReadOnlyList<string> arguments, string result, string adjoint, ValueKind kind)
        => StopsGradient || Adjoints[index] is not { } template ? null : Expand(template, arguments, result, adjoint, kind);

    /// <summary>True when argument <paramref name="index"/>'s template reads the result <c>r</c>, which must then be kept.</summary>
    public bool ReadsResult(int index) => Reads(index, "r");

    /// <summary>True when argument <paramref name="index"/>'s template reads argument <paramref name="argument"/> (<c>a</c>, <c>b</c>, <c>c</c>).</summary>
    public bool ReadsArgument(int index, int argument) => Reads(index, ((char)('a' + argument)).ToString());

    private bool Reads(int index, string word)
        => !StopsGradient && Adjoints[index] is { } template && System.Text.RegularExpressions.Regex.IsMatch(template, @"\b" + word + @"\b");

    private static string Expand(string template, IReadOnlyList<string> arguments, string result, string adjoint, ValueKind kind)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length;)
        {
            var ch = template[i];
            if (char.IsLetter(ch))
            {
                var start = i;
                while (i < template.Length && char.IsLetterOrDigit(template[i]))
                {
                    i++;
                }

                var word = template.Substring(start, i - start);
                sb.Append(word switch
                {
                    "g" => adjoint,
                    "r" => result,
                    "a" => arguments[0],
                    "b" => arguments[1],
                    "c" => arguments[2],
                    "M" => kind == ValueKind.Float ? "global::System.MathF" : "global::System.Math",
                    _ => word,
                });
            }
            else if (char.IsDigit(ch))
            {
                var start = i;
                while (i < template.Length && (char.IsDigit(template[i]) || template[i] == '.'))
                {
                    i++;
                }

                var number = template.Substring(start, i - start);
                sb.Append(number);
                if (kind == ValueKind.Float && number.Contains("."))
                {
                    sb.Append('f');
                }
            }
            else
            {
                sb.Append(ch);
                i++;
            }
        }

        return sb.ToString();
    }
}

/// <summary>
/// The derivative table of <c>System.Math</c>, <c>System.MathF</c> and the equivalent statics of <c>double</c> and
/// <c>float</c>. Adding a function is one line here and one test. Subgradients at kinks follow PyTorch 1.13 (API.md):
/// Abs'(0) = 0, Max/Min ties give half to each input, Clamp passes the gradient at its bounds, Sqrt'(0) = +Infinity,
/// Pow(x, 0) passes none to x.
/// </summary>
internal static class DerivativeRules
{
    private const string Ln10 = "2.302585092994046";
    private const string Ln2 = "0.6931471805599453";

    private static readonly Dictionary<(string Name, int Arity), DerivativeRule> s_rules = Build(
        Rule("Sin", "g * M.Cos(a)"),
        Rule("Cos", "-g * M.Sin(a)"),
        Rule("Tan", "g * (1 + r * r)"),
        Rule("Asin", "g / M.Sqrt(1 - a * a)"),
        Rule("Acos", "-g / M.Sqrt(1 - a * a)"),
        Rule("Atan", "g / (1 + a * a)"),
        Rule("Atan2", "g * b / (a * a + b * b)", "-g * a / (a * a + b * b)"),
        Rule("Sinh", "g * M.Cosh(a)"),
        Rule("Cosh", "g * M.Sinh(a)"),
        Rule("Tanh", "g * (1 - r * r)"),
        Rule("Asinh", "g / M.Sqrt(a * a + 1)"),
        Rule("Acosh", "g / M.Sqrt(a * a - 1)"),
        Rule("Atanh", "g / (1 - a * a)"),
        Rule("Exp", "g * r"),
        Rule("Exp2", "g * r * " + Ln2),
        Rule("Exp10", "g * r * " + Ln10),
        Rule("ExpM1", "g * (r + 1)"),
        Rule("Log", "g / a"),
        Rule("Log", "g / (a * M.Log(b))", "-g * r / (b * M.Log(b))"),
        Rule("LogP1", "g / (a + 1)"),
        Rule("Log10", "g / (a * " + Ln10 + ")"),
        Rule("Log2", "g / (a * " + Ln2 + ")"),
        Rule("Sqrt", "g * 0.5 / r"),
        Rule("Cbrt", "g / (3 * r * r)"),
        Rule("Pow", "b == 0 ? 0 : g * b * M.Pow(a, b - 1)", "a == 0 && b >= 0 ? 0 : g * r * M.Log(a)"),
        Rule("Hypot", "g * a / r", "g * b / r"),
        Rule("Abs", "a > 0 ? g : a < 0 ? -g : 0"),
        Rule("CopySign", "a == 0 ? 0 : g * r / a", null),
        // Ties give half to each input; a NaN input (the result is NaN) gives the full gradient to both, as torch.maximum.
        Rule("Max", "a > b ? g : a == b ? 0.5 * g : a < b ? 0 : g", "b > a ? g : a == b ? 0.5 * g : b < a ? 0 : g"),
        Rule("Min", "a < b ? g : a == b ? 0.5 * g : a > b ? 0 : g", "b < a ? g : a == b ? 0.5 * g : b > a ? 0 : g"),
        Rule("Clamp", "a >= b && a <= c ? g : 0", "a < b ? g : 0", "a > c ? g : 0"),
        Rule("FusedMultiplyAdd", "g * b", "g * a", "g"),
        Rule("Lerp", "g * (1 - c)", "g * c", "g * (b - a)"),
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

    /// <summary>Finds the rule for a static method of Math, MathF, double or float, or null when there is none.</summary>
    public static DerivativeRule? Find(string containingType, string name, int arity)
        => s_mathTypes.Contains(containingType) && s_rules.TryGetValue((name, arity), out var rule) ? rule : null;

    /// <summary>Finds a rule by name and arity (the IR keeps the name once the call is resolved).</summary>
    public static DerivativeRule Get(string name, int arity) => s_rules[(name, arity)];

    private static DerivativeRule Rule(string name, params string?[] adjoints) => new(name, adjoints.Length, adjoints, StopsGradient: false);

    private static DerivativeRule Stop(string name, int arity) => new(name, arity, new string?[arity], StopsGradient: true);

    private static Dictionary<(string, int), DerivativeRule> Build(params DerivativeRule[] rules)
    {
        var map = new Dictionary<(string, int), DerivativeRule>();
        foreach (var rule in rules)
        {
            map.Add((rule.Name, rule.Arity), rule);
        }

        return map;
    }
}
