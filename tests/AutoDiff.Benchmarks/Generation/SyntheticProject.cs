using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AutoDiff.Benchmarks;

/// <summary>
/// A synthetic project for the generator benchmarks: <see cref="FileCount"/> files, each one static partial class of
/// <see cref="MethodsPerFile"/> [Differentiable] methods of realistic size (9 to 25 lines, 16 on average: locals, Math calls,
/// compound assignments, an if/else or a conditional, sometimes a call to another [Differentiable] method of the class
/// and a [NoGrad] parameter). Deterministic: the same text on every run.
/// </summary>
public static class SyntheticProject
{
    public const int FileCount = 50;
    public const int MethodsPerFile = 20;

    /// <summary>The file whose method <see cref="EditedMethod"/> the edit benchmark changes.</summary>
    public const int EditedFile = 17;

    public const int EditedMethod = 7;

    private static readonly string[] s_unary =
    {
        "Math.Sin({0})", "Math.Cos({0})", "Math.Tanh({0})", "Math.Atan({0})", "Math.Exp(-{0} * {0})",
        "Math.Log(1 + {0} * {0})", "Math.Sqrt(1 + {0} * {0})", "Math.Pow(1 + {0} * {0}, 0.75)", "Math.Abs({0})",
        "{0} * {0}", "Math.Sinh(0.1 * {0})", "Math.Cbrt({0})",
    };

    private static readonly string[] s_binary = { "{0} * {1}", "{0} + {1}", "{0} - {1}", "{0} / (1 + {1} * {1})", "Math.Max({0}, {1})", "Math.Atan2({0}, 1 + {1} * {1})", "double.Hypot({0}, {1})" };

    public static string FileName(int file) => $"Model{file:D2}.cs";

    /// <summary>The text of one file; <paramref name="edit"/> changes one constant of method <see cref="EditedMethod"/> (0 = unedited).</summary>
    public static string FileText(int file, int edit = 0)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using System;");
        sb.AppendLine("using AutoDiff;");
        sb.AppendLine();
        sb.AppendLine("namespace Synthetic;");
        sb.AppendLine();
        sb.AppendLine($"public static partial class Model{file:D2}");
        sb.AppendLine("{");
        var random = new Random(1000 + file);
        var takesNoGrad = new List<bool>();
        for (int method = 0; method < MethodsPerFile; method++)
        {
            if (method > 0)
            {
                sb.AppendLine();
            }

            double scale = 0.5 + method / 100.0;
            if (file == EditedFile && method == EditedMethod && edit != 0)
            {
                scale += edit / 1000.0;
            }

            takesNoGrad.Add(WriteMethod(sb, random, method, scale, takesNoGrad));
        }

        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>All files, unedited.</summary>
    public static IEnumerable<(string Path, string Text)> Files()
    {
        for (int file = 0; file < FileCount; file++)
        {
            yield return (FileName(file), FileText(file));
        }
    }

    // Returns whether the method takes the [NoGrad] parameter c, which its callers must pass.
    private static bool WriteMethod(StringBuilder sb, Random random, int index, double scale, List<bool> takesNoGrad)
    {
        var culture = CultureInfo.InvariantCulture;
        bool noGrad = random.Next(3) == 0;
        sb.AppendLine("    [Differentiable]");
        sb.AppendLine($"    public static double F{index:D2}(double x, double y, double z{(noGrad ? ", [NoGrad] double c" : string.Empty)})");
        sb.AppendLine("    {");
        var names = new List<string> { "x", "y", "z" };
        if (noGrad)
        {
            names.Add("c");
        }

        int locals = 3 + random.Next(4);
        for (int i = 0; i < locals; i++)
        {
            string name = "v" + i.ToString(culture);
            sb.AppendLine($"        double {name} = {Expression(random, names)};");
            names.Add(name);
            if (random.Next(3) == 0)
            {
                sb.AppendLine($"        {name} += {Pick(random, names)} * {(0.25 + i / 10.0).ToString(culture)};");
            }
        }

        string last = names[names.Count - 1];
        string other = names[3 + random.Next(names.Count - 3)];
        if (random.Next(2) == 0)
        {
            sb.AppendLine($"        if ({last} > {other})");
            sb.AppendLine("        {");
            sb.AppendLine($"            {last} = {Expression(random, names)};");
            sb.AppendLine("        }");
            sb.AppendLine("        else");
            sb.AppendLine("        {");
            sb.AppendLine($"            {last} -= {Expression(random, names)};");
            sb.AppendLine("        }");
        }
        else
        {
            sb.AppendLine($"        double t = {last} > 0 ? {Expression(random, names)} : {Expression(random, names)};");
            names.Add("t");
            last = "t";
        }

        if (index > 0 && random.Next(4) == 0)
        {
            // A call to another [Differentiable] method of the class: its backward is called in the reverse sweep.
            int callee = random.Next(index);
            string extra = takesNoGrad[callee] ? ", 1.5" : string.Empty;
            sb.AppendLine($"        {last} += F{callee:D2}({Pick(random, names)}, {Pick(random, names)}, {last}{extra});");
        }

        sb.AppendLine($"        return {scale.ToString("R", culture)} * {last} + {Expression(random, names)};");
        sb.AppendLine("    }");
        return noGrad;
    }

    private static string Expression(Random random, List<string> names)
    {
        string a = string.Format(CultureInfo.InvariantCulture, s_unary[random.Next(s_unary.Length)], Pick(random, names));
        string b = string.Format(CultureInfo.InvariantCulture, s_unary[random.Next(s_unary.Length)], Pick(random, names));
        return string.Format(CultureInfo.InvariantCulture, s_binary[random.Next(s_binary.Length)], a, b);
    }

    private static string Pick(Random random, List<string> names) => names[random.Next(names.Count)];
}
