using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// A [Differentiable] method of a shape whose generated code must grow linearly with it (issue 9): its name, the
/// method's own text (what the generated size is compared with), the whole file, and the primal parameters.
/// </summary>
/// <param name="Parameters">The primal parameter list as declared, e.g. <c>double x, double y, int k</c>.</param>
public sealed record GrowthShape(string Name, int Size, string Method, string Parameters)
{
    public const string TypeName = "Growth.Shapes";

    public string MethodName => Name;

    /// <summary>The compilation unit: the method alone in <see cref="TypeName"/>.</summary>
    public string Source => "using System;\nusing AutoDiff;\n\nnamespace Growth\n{\n    public static partial class Shapes\n    {\n" + Method + "    }\n}\n";

    /// <summary>The method's text in bytes (UTF-8), from its attribute to its closing brace.</summary>
    public int MethodBytes => Encoding.UTF8.GetByteCount(Method);

    public override string ToString() => Name + "(" + Size.ToString(CultureInfo.InvariantCulture) + ")";
}

/// <summary>
/// The shapes the fuzzer found superlinear (issue 9): else-if chains of returns, sequences of <c>if (c) return ...;</c>,
/// switches of returning sections, nested ifs, long straight-line code, and ifs on constant conditions. Each method
/// takes <c>double x, double y</c> (and <c>int k</c> for the switch), is defined for every input, and has its branch
/// boundaries at <see cref="Threshold"/>s in [-3, 3] on x.
/// </summary>
public static class CodeGrowthShapes
{
    private const string Indent = "        ";

    /// <summary>The i-th of n increasing thresholds strictly inside (-3, 3).</summary>
    public static double Threshold(int i, int n) => Math.Round(-3.0 + 6.0 * (i + 1) / (n + 1), 6);

    public static IReadOnlyList<double> Thresholds(int n)
    {
        var all = new double[n];
        for (var i = 0; i < n; i++)
        {
            all[i] = Threshold(i, n);
        }

        return all;
    }

    private static string F(double value) => value.ToString("0.0#####", CultureInfo.InvariantCulture);

    private static string Coefficient(int i) => F(1 + (i % 17) * 0.0625);

    private static GrowthShape Shape(string name, int size, string parameters, string body)
        => new(name, size, $"{Indent}[Differentiable]\n{Indent}public static double {name}({parameters})\n{Indent}{{\n{body}{Indent}}}\n", parameters);

    /// <summary><c>if (x &lt; t0) return ...; else if (x &lt; t1) return ...; ... else return ...;</c>: n returning branches and a final else.</summary>
    public static GrowthShape ElseIfChain(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x * y;\n");
        for (var i = 0; i < n; i++)
        {
            body.Append(Indent).Append(i == 0 ? "    if" : "    else if").Append(" (x < ").Append(F(Threshold(i, n))).Append(")\n");
            body.Append(Indent).Append("        return a * ").Append(Coefficient(i)).Append(" + x * x - ").Append(F(i * 0.5)).Append(";\n");
        }

        body.Append(Indent).Append("    else\n");
        body.Append(Indent).Append("        return a - y;\n");
        return Shape("ElseIfChain", n, "double x, double y", body.ToString());
    }

    /// <summary><c>if (x &lt; t_i) return ...;</c> n times without else, with an assignment between them, then a return.</summary>
    public static GrowthShape ReturnSequence(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x * y;\n");
        for (var i = 0; i < n; i++)
        {
            body.Append(Indent).Append("    if (x < ").Append(F(Threshold(i, n))).Append(") return a * ").Append(Coefficient(i)).Append(" + x;\n");
            body.Append(Indent).Append("    a = a * 0.5 + y;\n");
        }

        body.Append(Indent).Append("    return a - y;\n");
        return Shape("ReturnSequence", n, "double x, double y", body.ToString());
    }

    /// <summary><c>switch (k) { case 0: return ...; ... default: return ...; }</c> with n returning sections.</summary>
    public static GrowthShape Switch(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x * y;\n");
        body.Append(Indent).Append("    switch (k)\n");
        body.Append(Indent).Append("    {\n");
        for (var i = 0; i < n; i++)
        {
            body.Append(Indent).Append("        case ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(":\n");
            body.Append(Indent).Append("            return a * ").Append(Coefficient(i)).Append(" + Math.Sin(x);\n");
        }

        body.Append(Indent).Append("        default:\n");
        body.Append(Indent).Append("            return a - y;\n");
        body.Append(Indent).Append("    }\n");
        return Shape("Switch", n, "double x, double y, int k", body.ToString());
    }

    /// <summary>n ifs nested in each other's then-branch, each updating a and the innermost returning, then a return after them all.</summary>
    public static GrowthShape NestedIfs(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x * y;\n");
        for (var i = 0; i < n; i++)
        {
            var pad = Indent + new string(' ', 4 * (i + 1)); // indented as written: the method, like its backward, grows with n * depth
            body.Append(pad).Append("if (x > ").Append(F(Threshold(i, n))).Append(")\n");
            body.Append(pad).Append("{\n");
            body.Append(pad).Append("    a = a * ").Append(Coefficient(i)).Append(" + x;\n");
        }

        body.Append(Indent).Append(new string(' ', 4 * (n + 1))).Append("return a;\n");
        for (var i = n - 1; i >= 0; i--)
        {
            var pad = Indent + new string(' ', 4 * (i + 1));
            body.Append(pad).Append("}\n");
            body.Append(pad).Append("a = a - y;\n");
        }

        body.Append(Indent).Append("    return a * x;\n");
        return Shape("NestedIfs", n, "double x, double y", body.ToString());
    }

    /// <summary>
    /// n returning ifs in the then-branches of n ifs that fall through: <c>if (x &lt; t) { if (y &lt; 0) return ...; a = ...; } else { a = ...; }</c>.
    /// Taking the rest of the method into every branch that falls through copies it twice per if.
    /// </summary>
    public static GrowthShape ReturnsInFallingThroughIfs(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x * y;\n");
        for (var i = 0; i < n; i++)
        {
            body.Append(Indent).Append("    if (x < ").Append(F(Threshold(i, n))).Append(")\n");
            body.Append(Indent).Append("    {\n");
            body.Append(Indent).Append("        if (y < ").Append(F(Threshold(n - 1 - i, n))).Append(") return a * ").Append(Coefficient(i)).Append(";\n");
            body.Append(Indent).Append("        a = a + x;\n");
            body.Append(Indent).Append("    }\n");
            body.Append(Indent).Append("    else\n");
            body.Append(Indent).Append("    {\n");
            body.Append(Indent).Append("        a = a * 0.5;\n");
            body.Append(Indent).Append("    }\n");
        }

        body.Append(Indent).Append("    return a;\n");
        return Shape("ReturnsInFallingThroughIfs", n, "double x, double y", body.ToString());
    }

    /// <summary>n statements of straight-line code: assignments with arithmetic and Math calls, a constant and a copy among them.</summary>
    public static GrowthShape StraightLine(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x;\n");
        body.Append(Indent).Append("    double b = y;\n");
        for (var i = 0; i < n; i++)
        {
            body.Append(Indent).Append("    ").Append((i % 6) switch
            {
                0 => "a = a * 0.5 + b * " + Coefficient(i) + ";",
                1 => "b = Math.Sin(a) + b * 0.25;",
                2 => "double c" + i.ToString(CultureInfo.InvariantCulture) + " = " + F(i * 0.001) + ";",
                3 => "a = a + c" + (i - 1).ToString(CultureInfo.InvariantCulture) + " * b;",
                4 => "b = a;",
                _ => "a = a - b * 0.125 + x;",
            }).Append('\n');
        }

        body.Append(Indent).Append("    return a + b;\n");
        return Shape("StraightLine", n, "double x, double y", body.ToString());
    }

    /// <summary>n statements of straight-line code of eight operations each (what hits C#'s 65 534 locals at 5 000 statements).</summary>
    public static GrowthShape HeavyStraightLine(int n)
    {
        var body = new StringBuilder();
        body.Append(Indent).Append("    double a = x;\n");
        body.Append(Indent).Append("    double b = y;\n");
        for (var i = 0; i < n; i++)
        {
            body.Append(Indent).Append(i % 2 == 0
                ? "    a = a * 0.5 + b * b - Math.Sin(a) * 0.25 + x * y;\n"
                : "    b = b * 0.5 - a * a + Math.Cos(b) * 0.25 - x * y;\n");
        }

        body.Append(Indent).Append("    return a + b;\n");
        return Shape("HeavyStraightLine", n, "double x, double y", body.ToString());
    }

    /// <summary>Ifs on constant conditions (literal, folded comparison, const local), with and without else and return.</summary>
    public static GrowthShape ConstantConditions()
    {
        const string body = """
                    const bool on = false;
                    double a = x * y;
                    if (true) a = a + x; else a = a - x;
                    if (1 > 2) a = Math.Sqrt(a);
                    if (on) { a = a * a; } else { a = a * 2.0; }
                    if (!on) a = a + y;
                    if (true) { a = a * x; }
                    if (false) return a * 3.0;
                    if (1 < 2) { if (x > 0) return a + 1.0; }
                    else return a - 1.0;
                    if (2 > 1) return a * y;
                    return a;

            """;
        return Shape("ConstantConditions", 1, "double x, double y", body);
    }

    /// <summary>Floating conditionals on constant conditions (folded comparison, const local, literal): only the arm taken runs.</summary>
    public static GrowthShape ConstantConditionals()
    {
        const string body = """
                    const bool on = false;
                    double a = x * y;
                    a = (1 > 2 ? Math.Sqrt(a) : a + x) * (on ? 3.0 : 1.5);
                    double b = true ? a * y : a - 3.0;
                    return !on ? a + b : b;

            """;
        return Shape("ConstantConditionals", 1, "double x, double y", body);
    }

    /// <summary>A constant condition in front of the method's only return: the rest is never reached.</summary>
    public static GrowthShape ConstantReturn()
    {
        const string body = """
                    double a = x * y;
                    if (true) return a + x;
                    return a - x;

            """;
        return Shape("ConstantReturn", 1, "double x, double y", body);
    }
}
