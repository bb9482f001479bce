using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AutoDiff.Generators;
using AutoDiff.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AutoDiff.Tests.Robustness;

/// <summary>
/// Mutation fuzzing of valid [Differentiable] methods, as an editor sees them while they are typed and edited: tokens
/// deleted (one, or a range), the file cut off at every token (and, for two small methods, every character), statements
/// of every kind inserted, tokens swapped, identifiers replaced by other identifiers or keywords, parameter lists
/// damaged. For every mutant: the generator throws nothing (no CS8785), the analyzer throws nothing (no AD0001), neither
/// reports AUTODIFF900, a generated file has no compiler errors, and no backward method is generated for a method the
/// analyzer reports an error on.
/// </summary>
/// <remarks>
/// <para>The seed is fixed and the count bounded, so CI runs the same mutants every time in well under a minute. For a
/// large run set <c>AUTODIFF_FUZZ_COUNT</c> (e.g. 20000: random mutants per test, and every exhaustive enumeration in
/// full) and optionally <c>AUTODIFF_FUZZ_SEED</c>; <c>AUTODIFF_FUZZ_MINIMIZE=1</c> shrinks the first mutant of each
/// distinct failure to a small reproducer (also on by default in a large run).</para>
/// <para>Mutants are batched, each in its own file and namespace, into one compilation; a failure that cannot be
/// attributed to one file (a generator exception stops the whole generator, AD0001 has no location) re-runs that
/// batch's mutants one by one, so one mutant never hides another's crash.</para>
/// <para>Failures that are known bugs (each with a skipped regression [Fact] below) are counted and printed but do not
/// fail the run: see <see cref="KnownBugs"/>. Remove an entry when its bug is fixed.</para>
/// </remarks>
public sealed class MutationFuzzTests
{
    private const int DefaultSeed = 20261203;
    private const int BatchSize = 40;

    private readonly ITestOutputHelper _output;

    public MutationFuzzTests(ITestOutputHelper output) => _output = output;

    // ---- Settings ----------------------------------------------------------------------------------------------------

    /// <summary>The opt-in large count (null in CI).</summary>
    private static int? LargeCount => int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_COUNT"), out var n) && n > 0 ? n : null;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_SEED"), out var s) ? s : DefaultSeed;

    private static bool Minimize => Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_MINIMIZE") is { } m ? m == "1" : LargeCount is not null;

    /// <summary>How many random mutants a test makes: its CI budget, or the opt-in count.</summary>
    private static int Count(int ci) => LargeCount ?? ci;

    /// <summary>An exhaustive enumeration in a large run; a seeded sample of <paramref name="ci"/> of it in CI.</summary>
    private static IEnumerable<Mutant> Sample(IEnumerable<Mutant> all, int ci, Random random)
    {
        var list = all.ToList();
        if (LargeCount is not null || list.Count <= ci)
        {
            return list;
        }

        return list.OrderBy(_ => random.Next()).Take(ci).OrderBy(m => m.Description, StringComparer.Ordinal).ToList();
    }

    // ---- The corpus: valid methods from the gradient tests --------------------------------------------------------

    /// <summary>A valid class body (the members of <c>public static partial class C</c>), known to generate cleanly.</summary>
    internal sealed record SeedMethod(string Name, string Members)
    {
        public string ClassText => "public static partial class C\n{\n" + Members.TrimEnd() + "\n}\n";
    }

    internal static readonly SeedMethod[] Corpus =
    [
        // ArithmeticGradientTests (Locals, ReassignedLocal) and the README's example.
        new("StraightLine", """
            [Differentiable]
            public static double F(double x, double y)
            {
                double z = x * y;
                var a = z + x;
                a = a * a - y / 2;
                return Math.Sin(z) + a;
            }
            """),
        // MathGradientTests.
        new("MathCalls", """
            [Differentiable]
            public static double F(double x, double y) => Math.Exp(x) * Math.Log(1 + y * y) + Math.Pow(x, 3) - Math.Atan2(y, x) + Math.Max(x, y) + Math.Sqrt(Math.Abs(x) + 1);
            """),
        // ArithmeticGradientTests.CompoundOnParameter, ControlFlowGradientTests.EarlyReturn.
        new("CompoundAndEarlyReturn", """
            [Differentiable]
            public static double F(double x, double y)
            {
                x += y;
                x *= x;
                y -= x;
                if (x < 0) return x * x;
                var z = x * 3;
                if (z > 6) return z;
                return Math.Exp(y) / (1 + z);
            }
            """),
        // ControlFlowGradientTests.ElseIfChain and NestedIfs.
        new("IfElse", """
            [Differentiable]
            public static double F(double x, double y)
            {
                double r;
                if (x < -1) r = -x;
                else if (x < 0) r = x * x;
                else if (x < 1) r = Math.Sin(x);
                else r = x * x * x;
                if (y > 0)
                {
                    if (x > 0) { r = r * y; }
                    else { r = r * x; r += y; }
                }
                else
                {
                    var t = x * y;
                    if (t > 1 && !(y < -2)) r = t * t;
                }
                return r;
            }
            """),
        // ControlFlowGradientTests.ConditionalInsideExpression and NestedConditional.
        new("Conditional", """
            [Differentiable]
            public static double F(double x, double y) => x * (y > 0 ? y : -y) + (x < 0 ? -x : x < 1 ? x * x : 2 * x - 1);
            """),
        // ControlFlowGradientTests.SwitchStatementOnInt.
        new("SwitchStatement", """
            [Differentiable]
            public static double F(double x, int mode)
            {
                double r;
                switch (mode)
                {
                    case 0: r = x; break;
                    case 1: r = x * x; break;
                    case 2:
                    case 3: r = Math.Sin(x); break;
                    default: r = -x; break;
                }
                return r * 2;
            }
            """),
        // ControlFlowGradientTests.SwitchExpressionOnInt and SwitchExpressionOnDoubleRelational.
        new("SwitchExpression", """
            [Differentiable]
            public static double F(double x, double y, int k) => k switch { 0 => x * y, 1 => x + y, _ => y } + x switch { < -1 => -x, < 1 => x * x, _ => 2 * x - 1 };
            """),
        // LoopGradientTests.Break.
        new("ForBreak", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * x[i];
                    if (s > 3) break;
                    s = s * 1.1;
                }

                return s;
            }
            """),
        // LoopGradientTests.WhileTrueBreakCarried.
        new("WhileTrueBreak", """
            [Differentiable] public static double F(double[] x)
            {
                int i = 0;
                double s = 0.25;
                while (true)
                {
                    if (i >= x.Length) break;
                    s = Math.Tanh(x[i]) * s + x[i];
                    i++;
                }

                return s;
            }
            """),
        // LoopGradientTests.DoWhileFalseAndFloatAccumulator.
        new("DoAndForeachFloat", """
            [Differentiable] public static double F(float[] x)
            {
                double s = 1;
                do { s = s * 2; } while (false);
                foreach (float v in x) s += v * (double)v;
                return s;
            }
            """),
        // LoopGradientTests.SwitchWithContinueInLoop.
        new("SwitchContinueInLoop", """
            [Differentiable] public static double F(double[] x)
            {
                double s = 0.5;
                for (int i = 0; i < x.Length; i++)
                {
                    switch (i % 3)
                    {
                        case 0:
                            s = s * x[i];
                            break;
                        case 1:
                            if (x[i] < 0) continue;
                            s += Math.Exp(0.5 * x[i]);
                            break;
                        default:
                            s -= x[i] * x[i];
                            break;
                    }

                    s = Math.Tanh(s);
                }

                return s;
            }
            """),
        // LoopGradientTests.SoftmaxBuffer.
        new("NewArrayBuffer", """
            [Differentiable] public static double F(double[] x)
            {
                double m = x[0];
                for (int i = 1; i < x.Length; i++) m = Math.Max(m, x[i]);
                double[] e = new double[x.Length];
                double sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    e[i] = Math.Exp(x[i] - m);
                    sum += e[i];
                }

                double r = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    r += (i + 1) * e[i] / sum;
                }

                return r;
            }
            """),
        // LoopGradientTests.StackallocOverwritten.
        new("Stackalloc", """
            [Differentiable] public static double F(double[] x)
            {
                Span<double> buffer = stackalloc double[x.Length];
                for (int pass = 0; pass < 3; pass++)
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        buffer[i] = Math.Sin(buffer[i] + x[i]);
                    }
                }

                double s = 0;
                for (int i = 0; i < buffer.Length; i++)
                {
                    s += buffer[i] * buffer[i];
                }

                return s;
            }
            """),
        // LoopGradientTests.CallsSpanHelper: spans and calls of other [Differentiable] methods.
        new("SpansAndCalls", """
            [Differentiable] public static double LogSumExp(ReadOnlySpan<double> x)
            {
                double m = double.NegativeInfinity;
                foreach (var v in x) m = Math.Max(m, v);
                double s = 0;
                foreach (var v in x) s += Math.Exp(v - m);
                return m + Math.Log(s);
            }

            [Differentiable] public static double Cube(double v) => v * v * v;

            [Differentiable] public static double F(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += Cube(x[i]) * s + Cube(x[i]);
                }

                return LogSumExp(x) * 2 - s;
            }
            """),
        // LoopGradientTests.NoGradTargetsAndIntDimension; CallAndStructureGradientTests' Scaled helper.
        new("NoGrad", """
            [Differentiable] public static double Mse(double[] prediction, [NoGrad] double[] target, int n)
            {
                double s = 0;
                for (int i = 0; i < n; i++)
                {
                    double d = prediction[i] - target[i];
                    s += d * d;
                }

                return s / n;
            }

            [Differentiable] public static double Scaled(double x, [NoGrad] double k, int n) => k * n * x * x;
            """),
        // LoopGradientTests.FloatLoop; ArithmeticGradientTests.FloatArithmetic.
        new("Float", """
            [Differentiable] public static float F(float[] x)
            {
                float s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s = s * 0.5f + MathF.Sin(x[i]);
                }

                return s;
            }

            [Differentiable] public static float G(float x, float y) => x * y + x / (1f + y * y);
            """),
        // LoopGradientTests.ForeachSpanCarried-like, with a while loop: spans, while, compound ops.
        new("WhileOverSpan", """
            [Differentiable] public static double F(ReadOnlySpan<double> x, double scale)
            {
                double s = 0;
                int i = 0;
                while (i < x.Length)
                {
                    s = s * scale + x[i];
                    i += 1;
                }

                return s;
            }
            """),
    ];

    /// <summary>Two small methods typed character by character.</summary>
    private static readonly SeedMethod[] Small =
    [
        new("SmallExpression", "[Differentiable] public static double F(double x) => x * x + Math.Sin(x);"),
        new("SmallBlock", "[Differentiable] public static double F(double x, int n) { var y = x * n; if (y > 1) return y; return Math.Exp(x); }"),
    ];

    // ---- Mutants -------------------------------------------------------------------------------------------------------

    /// <summary>
    /// A mutated class text and how it was made. <see cref="Truncated"/>: the file ends where the class text ends (the
    /// namespace is left open, as in an editor while typing).
    /// </summary>
    internal sealed record Mutant(string Description, string ClassText, bool Truncated = false, bool Raw = false)
    {
        /// <summary>The file: the class text in namespace Fuzz.M<paramref name="id"/> (a <see cref="Raw"/> mutant is the whole file).</summary>
        public string FileText(int id) => Raw ? ClassText : "using System;\nusing AutoDiff;\n\nnamespace " + Namespace(id) + "\n{\n" + ClassText + (Truncated ? "" : "\n}\n");

        public static string Namespace(int id) => "Fuzz.M" + id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A seed's class text with its tokens and syntax, to mutate.</summary>
    private sealed class Parsed
    {
        public Parsed(SeedMethod seed)
            : this(seed.Name, seed.ClassText)
        {
        }

        public Parsed(string name, string text)
        {
            Name = name;
            Text = text;
            Root = CSharpSyntaxTree.ParseText(Text, GeneratorHarness.ParseOptions).GetRoot();
            Tokens = Root.DescendantTokens().Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToList();
            Methods = Root.DescendantNodes().OfType<MethodDeclarationSyntax>().ToList();
        }

        public string Name { get; }

        public string Text { get; }

        public SyntaxNode Root { get; }

        public List<SyntaxToken> Tokens { get; }

        public List<MethodDeclarationSyntax> Methods { get; }

        public string Replace(TextSpanLite span, string with) => Text[..span.Start] + with + Text[span.End..];
    }

    internal readonly record struct TextSpanLite(int Start, int End);

    private static readonly Lazy<Parsed[]> s_parsed = new(() => Corpus.Select(s => new Parsed(s)).ToArray());

    private static IEnumerable<Mutant> DeleteEachToken(Parsed p)
        => p.Tokens.Select((t, i) => new Mutant($"{p.Name}: delete token {i} '{t.Text}'", p.Replace(new(t.SpanStart, t.Span.End), "")));

    private static Mutant DeleteRange(Parsed p, Random random)
    {
        var i = random.Next(p.Tokens.Count);
        var n = 2 + random.Next(Math.Min(12, p.Tokens.Count - i));
        var j = Math.Min(p.Tokens.Count - 1, i + n - 1);
        return new Mutant($"{p.Name}: delete tokens {i}..{j} '{Shorten(p.Text[p.Tokens[i].SpanStart..p.Tokens[j].Span.End])}'",
            p.Replace(new(p.Tokens[i].SpanStart, p.Tokens[j].Span.End), ""));
    }

    private static IEnumerable<Mutant> TruncateAtEachToken(Parsed p)
    {
        var seen = new HashSet<int>();
        foreach (var (t, i) in p.Tokens.Select((t, i) => (t, i)))
        {
            foreach (var at in new[] { t.SpanStart, t.Span.End })
            {
                if (seen.Add(at))
                {
                    yield return new Mutant($"{p.Name}: truncate at {at} ({(at == t.SpanStart ? "before" : "after")} token {i} '{t.Text}')", p.Text[..at], Truncated: true);
                }
            }
        }
    }

    private static IEnumerable<Mutant> TruncateAtEachCharacter(Parsed p)
        => Enumerable.Range(0, p.Text.Length + 1).Select(at => new Mutant($"{p.Name}: truncate at character {at}", p.Text[..at], Truncated: true));

    private static Mutant SwapTokens(Parsed p, Random random)
    {
        var i = random.Next(p.Tokens.Count - 1);
        var j = random.Next(2) == 0 ? i + 1 : random.Next(p.Tokens.Count);
        if (j == i)
        {
            j = i + 1;
        }

        var (a, b) = i < j ? (p.Tokens[i], p.Tokens[j]) : (p.Tokens[j], p.Tokens[i]);
        var text = p.Text[..a.SpanStart] + b.Text + p.Text[a.Span.End..b.SpanStart] + a.Text + p.Text[b.Span.End..];
        return new Mutant($"{p.Name}: swap '{a.Text}' and '{b.Text}' (tokens {Math.Min(i, j)}, {Math.Max(i, j)})", text);
    }

    private static readonly string[] s_keywords =
    [
        "int", "double", "float", "var", "void", "return", "if", "else", "for", "while", "class", "this", "base", "null", "true",
        "default", "new", "static", "ref", "out", "in", "params", "await", "yield", "value", "nameof", "dynamic", "_", "async",
        "checked", "typeof", "sizeof", "stackalloc", "is", "as", "switch", "case", "break", "continue", "goto", "throw", "@if",
        "@double", "object", "string", "decimal", "long", "Span<double>", "Math", "F", "C", "global", "unsafe", "fixed", "lock",
        "operator", "implicit", "partial", "record", "struct", "where", "when", "select", "from", "let", "field", "scoped",
    ];

    private static readonly string[] s_expressions =
    [
        "1e400", "double.NaN", "\"s\"", "'c'", "null", "default", "x", "y", "0", "-0.0", "int.MaxValue", "(x)", "(double)x", "x[0]",
        "new double[2]", "Math.PI", "x ?? 1", "x!", "(x, y)", "() => x", "F(x)", "this", "throw new Exception()", "x switch { _ => 1 }",
        "stackalloc double[1]", "ref x", "out var q", "nameof(x)", "sizeof(double)", "typeof(double)", "checked(x * 2)", "$\"{x}\"",
    ];

    private static Mutant ReplaceIdentifier(Parsed p, Random random)
    {
        var identifiers = p.Tokens.Select((t, i) => (t, i)).Where(e => e.t.IsKind(SyntaxKind.IdentifierToken)).ToList();
        if (identifiers.Count == 0)
        {
            return ReplaceAnyToken(p, random);
        }

        var (token, index) = identifiers[random.Next(identifiers.Count)];
        var with = random.Next(3) switch
        {
            0 => identifiers[random.Next(identifiers.Count)].t.Text,
            1 => s_keywords[random.Next(s_keywords.Length)],
            _ => s_expressions[random.Next(s_expressions.Length)],
        };
        return new Mutant($"{p.Name}: replace identifier {index} '{token.Text}' with '{with}'", p.Replace(new(token.SpanStart, token.Span.End), with));
    }

    private static Mutant ReplaceAnyToken(Parsed p, Random random)
    {
        var i = random.Next(p.Tokens.Count);
        var token = p.Tokens[i];
        var with = random.Next(2) == 0 ? s_keywords[random.Next(s_keywords.Length)] : p.Tokens[random.Next(p.Tokens.Count)].Text;
        return new Mutant($"{p.Name}: replace token {i} '{token.Text}' with '{with}'", p.Replace(new(token.SpanStart, token.Span.End), with));
    }

    /// <summary>Statements of every kind; <c>§</c> is a local or parameter of the method, <c>¤</c> the method's name.</summary>
    internal static readonly (string Kind, string Text)[] Statements =
    [
        ("declaration", "double q = § * 2;"),
        ("declaration", "var q = §;"),
        ("declaration", "int q;"),
        ("declaration", "double § = 1;"),
        ("declaration", "const double kc = 2; § *= kc;"),
        ("declaration", "(double ta, double tb) = (§, §); § = ta * tb;"),
        ("declaration", "ref double rr = ref §; rr = 3;"),
        ("declaration", "dynamic dy = §; § = dy;"),
        ("declaration", "var list = new System.Collections.Generic.List<double> { § };"),
        ("declaration", "double[] arr = new double[3]; arr[1] = §; § = arr[1];"),
        ("declaration", "Span<double> sb = stackalloc double[2]; sb[0] = §; § = sb[0] * sb[1];"),
        ("declaration", "var s2 = $\"{§}\";"),
        ("assignment", "§ = § * §;"),
        ("assignment", "§ = 3;"),
        ("assignment", "§ = default;"),
        ("assignment", "§ = null;"),
        ("assignment", "§ = \"text\";"),
        ("assignment", "_ = §;"),
        ("assignment", "§ = ¤(§);"),
        ("compound", "§ += 1.5;"),
        ("compound", "§ *= §;"),
        ("compound", "§ -= § / 2;"),
        ("compound", "§ /= 3;"),
        ("compound", "§ %= 2;"),
        ("compound", "§ ??= 1;"),
        ("compound", "§ <<= 1;"),
        ("increment", "§++;"),
        ("increment", "--§;"),
        ("call", "Console.WriteLine(§);"),
        ("call", "Math.Sin(§);"),
        ("call", "¤(§);"),
        ("call", "Helper(§);"),
        ("call", "double.TryParse(\"1\", out var pv); § += pv;"),
        ("return", "return §;"),
        ("return", "return;"),
        ("return", "return 0;"),
        ("return", "return ¤(§) * §;"),
        ("break", "break;"),
        ("continue", "continue;"),
        ("if", "if (§ > 0) § = -§;"),
        ("if", "if (§ > 0) return §; else { }"),
        ("if", "if (§ is double pd) § = pd;"),
        ("loop", "for (int k = 0; k < 3; k++) § += 1;"),
        ("loop", "while (§ > 10) § /= 2;"),
        ("loop", "do { § *= 0.5; } while (§ > 1);"),
        ("loop", "foreach (var e in new[] { 1.0, 2.0 }) § += e;"),
        ("loop", "while (true) { }"),
        ("loop", "for (;;) break;"),
        ("loop", "for (int k = 0; k < 2; k++) { if (k == 1) continue; § += k; }"),
        ("throw", "throw new InvalidOperationException();"),
        ("throw", "throw;"),
        ("throw", "if (§ < 0) throw new ArgumentException(nameof(§));"),
        ("lambda", "Func<double, double> lf = v => v * §;"),
        ("lambda", "Func<double, double> lg = v => v * §; § = lg(§);"),
        ("lambda", "var lam = () => §;"),
        ("lambda", "Action act = () => { § = 2; }; act();"),
        ("local function", "double Lf(double v) => v * §;"),
        ("local function", "static double Sq(double v) { return v * v; } § = Sq(§);"),
        ("local function", "double Cap(double v) { § = v; return v; } Cap(1);"),
        ("goto", "goto End; End: ;"),
        ("goto", "goto Nowhere;"),
        ("goto", "L1: § += 1;"),
        ("try", "try { § = Math.Log(§); } catch (Exception) { § = 0; }"),
        ("try", "try { } finally { § = 1; }"),
        ("using", "using (var ms = new System.IO.MemoryStream()) { § += ms.Length; }"),
        ("using", "using var ms2 = new System.IO.MemoryStream();"),
        ("lock", "lock (typeof(C)) { § += 1; }"),
        ("yield", "yield return §;"),
        ("yield", "yield break;"),
        ("await", "await System.Threading.Tasks.Task.Yield();"),
        ("await", "var aw = await System.Threading.Tasks.Task.FromResult(§);"),
        ("unsafe", "unsafe { double* p = &§; *p = 2; }"),
        ("fixed", "unsafe { fixed (double* p = new double[] { § }) { § = *p; } }"),
        ("fixed", "fixed (double* p = new double[1]) { }"),
        ("checked", "checked { § = § * 2; }"),
        ("checked", "unchecked { int ov = int.MaxValue + 1; }"),
        ("switch", "switch ((int)§) { case 0: § = 1; break; default: break; }"),
        ("switch", "§ = (int)§ switch { 0 => 1, _ => § };"),
        ("switch", "switch (§) { }"),
        ("stray", "}"),
        ("stray", "{"),
        ("stray", ";"),
        ("stray", ")"),
        ("stray", "else"),
        ("stray", "/*"),
        ("stray", "\""),
        ("stray", "#if false\n"),
        ("stray", "\n#endif\n"),
        ("stray", "\n#region r\n"),
        ("stray", "[Differentiable]"),
        ("nested declaration", "[Differentiable] static double Inner(double v) => v * v;"),
        ("nested declaration", "public static double Member(double v) => v;"),
    ];

    private sealed record Position(int At, string Method, string[] Variables);

    /// <summary>Every position where a statement can go: before each statement, and before each block's closing brace.</summary>
    private static List<Position> StatementPositions(Parsed p)
    {
        var positions = new List<Position>();
        foreach (var method in p.Methods)
        {
            var variables = method.ParameterList.Parameters.Select(q => q.Identifier.Text)
                .Concat(method.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.Text))
                .Concat(method.DescendantNodes().OfType<ForEachStatementSyntax>().Select(f => f.Identifier.Text))
                .Where(n => n.Length > 0).Distinct().ToArray();
            foreach (var statement in method.DescendantNodes().OfType<StatementSyntax>().Where(s => s is not BlockSyntax || s.Parent is not MethodDeclarationSyntax))
            {
                positions.Add(new(statement.SpanStart, method.Identifier.Text, variables));
            }

            foreach (var block in method.DescendantNodes().OfType<BlockSyntax>())
            {
                positions.Add(new(block.CloseBraceToken.SpanStart, method.Identifier.Text, variables));
            }
        }

        return positions;
    }

    private static Mutant Insert(Parsed p, Position position, (string Kind, string Text) statement, Random random)
    {
        var text = statement.Text.Replace("¤", position.Method);
        while (text.Contains('§'))
        {
            var index = text.IndexOf('§');
            var variable = position.Variables.Length == 0 ? "x" : position.Variables[random.Next(position.Variables.Length)];
            text = text[..index] + variable + text[(index + 1)..];
        }

        return new Mutant($"{p.Name}: insert {statement.Kind} '{Shorten(text)}' at {position.At} (in {position.Method})", p.Text[..position.At] + text + " " + p.Text[position.At..]);
    }

    /// <summary>Damage to the parameter list and the return type of each [Differentiable] method.</summary>
    private static IEnumerable<Mutant> DamageSignatures(Parsed p)
    {
        foreach (var method in p.Methods)
        {
            var list = method.ParameterList;
            var parameters = list.Parameters;
            Mutant Edit(string what, int start, int end, string with) => new($"{p.Name}: {method.Identifier.Text}: {what}", p.Replace(new(start, end), with));

            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                var name = parameter.Identifier;
                yield return Edit($"parameter {i} without a name", name.SpanStart, name.Span.End, "");
                if (parameter.Type is { } type)
                {
                    yield return Edit($"parameter {i} without a type", type.SpanStart, type.Span.End, "");
                    yield return Edit($"parameter {i} of unknown type", type.SpanStart, type.Span.End, "Foo");
                    yield return Edit($"parameter {i} of type void", type.SpanStart, type.Span.End, "void");
                    yield return Edit($"parameter {i} of type double?", type.SpanStart, type.Span.End, "double?");
                    yield return Edit($"parameter {i} of type object", type.SpanStart, type.Span.End, "object");
                    yield return Edit($"parameter {i} of type int", type.SpanStart, type.Span.End, "int");
                    yield return Edit($"parameter {i} of type var", type.SpanStart, type.Span.End, "var");
                    yield return Edit($"parameter {i} of type dynamic", type.SpanStart, type.Span.End, "dynamic");
                    yield return Edit($"parameter {i} of type double*", type.SpanStart, type.Span.End, "double*");
                    yield return Edit($"parameter {i} of type List<double>", type.SpanStart, type.Span.End, "System.Collections.Generic.List<double>");
                }

                yield return Edit($"parameter {i} by ref", parameter.SpanStart, parameter.SpanStart, "ref ");
                yield return Edit($"parameter {i} out", parameter.SpanStart, parameter.SpanStart, "out ");
                yield return Edit($"parameter {i} in", parameter.SpanStart, parameter.SpanStart, "in ");
                yield return Edit($"parameter {i} params", parameter.SpanStart, parameter.SpanStart, "params ");
                yield return Edit($"parameter {i} this", parameter.SpanStart, parameter.SpanStart, "this ");
                yield return Edit($"parameter {i} scoped", parameter.SpanStart, parameter.SpanStart, "scoped ");
                yield return Edit($"parameter {i} [NoGrad] half typed", parameter.SpanStart, parameter.SpanStart, "[NoGrad ");
                yield return Edit($"parameter {i} [NoGrad(1)]", parameter.SpanStart, parameter.SpanStart, "[NoGrad(1)] ");
                yield return Edit($"parameter {i} [Differentiable]", parameter.SpanStart, parameter.SpanStart, "[Differentiable] ");
                yield return Edit($"parameter {i} default value missing", parameter.Span.End, parameter.Span.End, " = ");
                yield return Edit($"parameter {i} default value of the wrong type", parameter.Span.End, parameter.Span.End, " = \"s\"");
                yield return Edit($"parameter {i} deleted", parameter.SpanStart, parameter.Span.End, "");
                yield return Edit($"parameter {i} named like a keyword", name.SpanStart, name.Span.End, "@double");
                yield return Edit($"parameter {i} named seed", name.SpanStart, name.Span.End, "seed");
                yield return Edit($"parameter {i} named _", name.SpanStart, name.Span.End, "_");
                yield return Edit($"parameter {i} with a non-ASCII name", name.SpanStart, name.Span.End, "ä" + name.Text);
                yield return Edit($"parameter {i} named like another", name.SpanStart, name.Span.End, parameters[(i + 1) % parameters.Count].Identifier.Text);
                if (i + 1 < parameters.Count)
                {
                    var comma = parameters.GetSeparator(i);
                    yield return Edit($"comma after parameter {i} deleted", comma.SpanStart, comma.Span.End, "");
                }
            }

            yield return Edit("trailing comma", list.CloseParenToken.SpanStart, list.CloseParenToken.SpanStart, ", ");
            yield return Edit("trailing 'int'", list.CloseParenToken.SpanStart, list.CloseParenToken.SpanStart, parameters.Count > 0 ? ", int " : "int ");
            yield return Edit("trailing 'int x'", list.CloseParenToken.SpanStart, list.CloseParenToken.SpanStart, parameters.Count > 0 ? ", int x" : "int x");
            yield return Edit("leading ', double'", list.OpenParenToken.Span.End, list.OpenParenToken.Span.End, ", double ");
            yield return Edit("leading 'double , '", list.OpenParenToken.Span.End, list.OpenParenToken.Span.End, "double , ");
            yield return Edit("__arglist", list.CloseParenToken.SpanStart, list.CloseParenToken.SpanStart, parameters.Count > 0 ? ", __arglist" : "__arglist");
            yield return Edit("no parameters", list.OpenParenToken.Span.End, list.CloseParenToken.SpanStart, "");
            yield return Edit("no close paren", list.CloseParenToken.SpanStart, list.CloseParenToken.Span.End, "");
            yield return Edit("no open paren", list.OpenParenToken.SpanStart, list.OpenParenToken.Span.End, "");
            yield return Edit("generic method", method.Identifier.Span.End, method.Identifier.Span.End, "<T>");
            yield return Edit("half-typed type parameter list", method.Identifier.Span.End, method.Identifier.Span.End, "<");
            yield return Edit("no name", method.Identifier.SpanStart, method.Identifier.Span.End, "");
            yield return Edit("named like its backward", method.Identifier.Span.End, method.Identifier.Span.End, "Backward");
            var returnType = method.ReturnType;
            foreach (var type in new[] { "", "void", "int", "double?", "Foo", "Task<double>", "ref double", "var", "dynamic", "(double, double)", "double[]", "Span<double>" })
            {
                yield return Edit($"return type '{type}'", returnType.SpanStart, returnType.Span.End, type);
            }

            foreach (var modifier in new[] { "async ", "extern ", "abstract ", "virtual ", "unsafe ", "override ", "new ", "partial ", "readonly " })
            {
                yield return Edit($"modifier {modifier.Trim()}", returnType.SpanStart, returnType.SpanStart, modifier);
            }

            var attribute = method.AttributeLists.First();
            yield return Edit("attribute unclosed", attribute.CloseBracketToken.SpanStart, attribute.CloseBracketToken.Span.End, "");
            yield return Edit("attribute with arguments", attribute.CloseBracketToken.SpanStart, attribute.CloseBracketToken.SpanStart, "(Forward = true)");
            yield return Edit("attribute with a bad argument", attribute.CloseBracketToken.SpanStart, attribute.CloseBracketToken.SpanStart, "(Forward = 3)");
            yield return Edit("attribute twice", attribute.CloseBracketToken.SpanStart, attribute.CloseBracketToken.SpanStart, ", Differentiable");
            yield return Edit("attribute target return", attribute.OpenBracketToken.Span.End, attribute.OpenBracketToken.Span.End, "return: ");
            yield return Edit("body deleted", method.ParameterList.Span.End, method.Span.End, ";");
            yield return Edit("body emptied", method.ParameterList.Span.End, method.Span.End, " { }");
            yield return Edit("expression body half typed", method.ParameterList.Span.End, method.Span.End, " => ");
            yield return Edit("body is throw", method.ParameterList.Span.End, method.Span.End, " => throw new NotImplementedException();");
            yield return Edit("body and expression body", method.ParameterList.Span.End, method.ParameterList.Span.End, " => 1 ");
        }
    }

    private static string Shorten(string s)
    {
        s = Regex.Replace(s, @"\s+", " ");
        return s.Length <= 40 ? s : s[..37] + "...";
    }

    // ---- Tests ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void Fuzz_deleting_one_token()
    {
        var random = new Random(Seed);
        Check("delete one token", Sample(s_parsed.Value.SelectMany(DeleteEachToken), ci: 200, random));
    }

    [Fact]
    public void Fuzz_deleting_a_range_of_tokens()
    {
        var random = new Random(Seed + 1);
        Check("delete a range of tokens", Enumerable.Range(0, Count(ci: 120)).Select(i => DeleteRange(s_parsed.Value[i % Corpus.Length], random)));
    }

    [Fact]
    public void Fuzz_truncating_at_every_token_boundary()
    {
        var random = new Random(Seed + 2);
        Check("truncate at a token boundary", Sample(s_parsed.Value.SelectMany(TruncateAtEachToken), ci: 200, random));
    }

    [Fact]
    public void Fuzz_truncating_small_methods_at_every_character()
        => Check("truncate at every character", Small.Select(s => new Parsed(s)).SelectMany(TruncateAtEachCharacter));

    [Fact]
    public void Fuzz_inserting_every_kind_of_statement()
    {
        var random = new Random(Seed + 3);
        var parsed = s_parsed.Value.Select(p => (p, positions: StatementPositions(p))).Where(e => e.positions.Count > 0).ToArray();
        IEnumerable<Mutant> Mutants()
        {
            // Every statement once at a random position of a random seed; then (in a large run) random pairs.
            for (var i = 0; i < Statements.Length; i++)
            {
                var (p, positions) = parsed[random.Next(parsed.Length)];
                yield return Insert(p, positions[random.Next(positions.Count)], Statements[i], random);
            }

            for (var i = 0; i < Count(ci: 100); i++)
            {
                var (p, positions) = parsed[i % parsed.Length];
                yield return Insert(p, positions[random.Next(positions.Count)], Statements[random.Next(Statements.Length)], random);
            }
        }

        Check("insert a statement", Mutants());
    }

    [Fact]
    public void Fuzz_swapping_tokens_and_replacing_identifiers()
    {
        var random = new Random(Seed + 4);
        Check("swap or replace tokens", Enumerable.Range(0, Count(ci: 150)).Select(i => (i % 3) switch
        {
            0 => SwapTokens(s_parsed.Value[i % Corpus.Length], random),
            1 => ReplaceIdentifier(s_parsed.Value[i % Corpus.Length], random),
            _ => ReplaceAnyToken(s_parsed.Value[i % Corpus.Length], random),
        }));
    }

    [Fact]
    public void Fuzz_damaging_parameter_lists_and_signatures()
    {
        var random = new Random(Seed + 5);
        Check("damage the signature", Sample(s_parsed.Value.SelectMany(DamageSignatures), ci: 200, random));
    }

    [Fact]
    public void Fuzz_several_mutations_at_once()
    {
        // Two to four random edits on top of each other: a half-edited method, not one keystroke away from valid.
        var random = new Random(Seed + 6);
        IEnumerable<Mutant> Mutants()
        {
            for (var i = 0; i < Count(ci: 80); i++)
            {
                var seed = Corpus[i % Corpus.Length];
                var current = new Parsed(seed);
                var description = new List<string>();
                for (var k = 2 + random.Next(3); k > 0; k--)
                {
                    var mutant = random.Next(4) switch
                    {
                        0 => DeleteRange(current, random),
                        1 => SwapTokens(current, random),
                        2 => ReplaceIdentifier(current, random),
                        _ => StatementPositions(current) is { Count: > 0 } positions
                            ? Insert(current, positions[random.Next(positions.Count)], Statements[random.Next(Statements.Length)], random)
                            : ReplaceAnyToken(current, random),
                    };
                    description.Add(mutant.Description[(seed.Name.Length + 2)..]);
                    current = new Parsed(seed.Name, mutant.ClassText);
                    if (current.Tokens.Count < 4)
                    {
                        break;
                    }
                }

                yield return new Mutant(seed.Name + ": " + string.Join("; ", description), current.Text);
            }
        }

        Check("several mutations", Mutants());
    }

    /// <summary>
    /// The editor's view: one driver kept across edits of one file, mutant after mutant, back to the valid text every
    /// few edits. The generator must not throw, and what it generates must be what a fresh driver generates for the same
    /// compilation (the parse cache and the incremental pipeline reuse nothing stale).
    /// </summary>
    [Fact]
    public void Fuzz_editing_one_file_through_one_incremental_driver()
    {
        var random = new Random(Seed + 7);
        var steps = Count(ci: 60);
        var problems = new List<string>();
        var seeds = s_parsed.Value;
        var other = new SourceFile("Other.cs", "using System;\nusing AutoDiff;\nnamespace Other { public static partial class O { [Differentiable] public static double H(double x) => x * x; } }");
        var compilation = GeneratorHarness.CreateCompilation([new SourceFile(FileName(0), ""), other]);
        var tree = compilation.SyntaxTrees.First(t => t.FilePath == FileName(0));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new DifferentiableGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions);
        var watch = Stopwatch.StartNew();
        var generatedSteps = 0;
        for (var step = 0; step < steps; step++)
        {
            var seed = seeds[(step / 6) % seeds.Length];
            var mutant = step % 6 == 0 ? new Mutant(seed.Name + ": unchanged", seed.Text) : (random.Next(5) switch
            {
                0 => DeleteRange(seed, random),
                1 => SwapTokens(seed, random),
                2 => ReplaceIdentifier(seed, random),
                3 => TruncateAtEachToken(seed).ElementAt(random.Next(seed.Tokens.Count)),
                _ => StatementPositions(seed) is { Count: > 0 } positions
                    ? Insert(seed, positions[random.Next(positions.Count)], Statements[random.Next(Statements.Length)], random)
                    : DeleteRange(seed, random),
            });
            var newTree = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(mutant.FileText(0)));
            compilation = compilation.ReplaceSyntaxTree(tree, newTree);
            tree = newTree;
            driver = driver.RunGenerators(compilation);
            var incremental = driver.GetRunResult();
            var fresh = CSharpGeneratorDriver.Create([new DifferentiableGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions)
                .RunGenerators(compilation).GetRunResult();
            string Text(GeneratorDriverRunResult r) => string.Join("\n----\n", r.Results.SelectMany(x => x.GeneratedSources).OrderBy(g => g.HintName, StringComparer.Ordinal).Select(g => g.HintName + "\n" + g.SourceText));
            string Diagnostics(GeneratorDriverRunResult r) => GeneratorHarness.Format(r.Diagnostics.OrderBy(d => d.Location.SourceSpan.Start));
            generatedSteps += incremental.GeneratedTrees.Length > 1 ? 1 : 0;
            if (incremental.Results.Any(r => r.Exception is not null) || incremental.Diagnostics.Any(d => d.Id is "CS8785" or "AUTODIFF900"))
            {
                problems.Add($"step {step}, {mutant.Description}: generator failed\n" + Diagnostics(incremental) + string.Join("\n", incremental.Results.Select(r => r.Exception).OfType<Exception>()));
            }
            else if (Text(incremental) != Text(fresh) || Diagnostics(incremental) != Diagnostics(fresh))
            {
                problems.Add($"step {step}, {mutant.Description}: the incremental driver generated something else than a fresh one\nincremental:\n{Text(incremental)}\nfresh:\n{Text(fresh)}\nsource:\n{mutant.FileText(0)}");
            }
        }

        _output.WriteLine($"one incremental driver: seed {Seed}, {steps} edits in {watch.Elapsed.TotalSeconds:F1} s; {problems.Count} failures; {generatedSteps} edits generated a backward method in the edited file");
        Assert.True(problems.Count == 0, string.Join("\n\n", problems.Take(5)));
    }

    /// <summary>The seeds themselves: valid, so they must generate, compile and get no error (a check on the oracle too).</summary>
    [Fact]
    public void Fuzz_corpus_is_valid_and_generates()
    {
        var mutants = Corpus.Concat(Small).Select(s => new Mutant(s.Name + ": unchanged", s.ClassText)).ToList();
        var outcomes = RunBatch(mutants, 0);
        foreach (var outcome in outcomes)
        {
            Assert.True(outcome.Failures.Count == 0, outcome.Mutant.Description + ":\n" + string.Join("\n", outcome.Failures.Select(f => f.Detail)));
            Assert.True(outcome.BackwardMethods > 0, outcome.Mutant.Description + ": no backward method generated");
            Assert.True(outcome.AnalyzerErrors == 0, outcome.Mutant.Description + ": analyzer errors on valid code");
        }
    }

    // ---- Regression facts: minimized reproducers of the bugs the fuzzer found -------------------------------------

    [Fact] // fixed
    public void Bug_parameter_without_a_name_is_an_internal_error()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double x, int ) => x * x;
            }
            """);

    [Fact] // fixed: the caller gets no backward either (AUTODIFF030 at the call)
    public void Bug_caller_of_a_method_with_an_error_calls_a_missing_backward()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double G(double x) { using var ms = new System.IO.MemoryStream(); return x * x; }
                [Differentiable] public static double F(double x) => G(x) * 2;
            }
            """);

    [Fact] // fixed
    public void Bug_caller_of_a_method_with_a_compile_error_calls_a_missing_backward()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double G(double x) => x * y;
                [Differentiable] public static double F(double x) => G(x) * 2;
            }
            """);

    [Fact] // fixed
    public void Bug_instance_method_in_a_static_class_is_generated()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public double F(double x) => x * x;
            }
            """);

    [Fact] // fixed
    public void Bug_class_without_a_name_is_generated()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class
            {
                [Differentiable] public static double F(double x) => x * x;
            }
            """);

    [Fact] // fixed
    public void Bug_local_redeclaring_a_parameter_is_generated()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double x, double s)
                {
                    double s = 1;
                    return x * s;
                }
            }
            """);

    [Fact] // fixed, with the case above
    public void Bug_local_redeclaring_an_enclosing_local_is_generated()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double x)
                {
                    double s = x * x;
                    for (int i = 0; i < 2; i++) { double s = 2; x += s; }
                    return x * s;
                }
            }
            """);

    [Fact] // fixed
    public void Bug_multiplying_by_a_zero_literal_leaves_an_undeclared_adjoint()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double x) => x * x * 0.0 + x;
            }
            """);

    [Fact] // fixed
    public void Bug_discard_assignment_becomes_a_bare_expression_statement()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double x) { _ = x; return x * x; }
            }
            """);

    [Fact] // fixed: kept as a pattern
    public void Bug_constant_pattern_on_an_object_becomes_an_equality()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double x, object mode) { switch (mode) { case 3: return x; default: return x * x; } }
            }
            """);

    [Fact] // fixed
    public void Bug_type_named_var_breaks_the_generated_locals()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class var
            {
                [Differentiable] public static double F(double[] x) { double s = 0; for (int i = 0; i < x.Length; i++) s = s * x[i] + 1; return s; }
            }
            """);

    [Fact] // fixed: an AUTODIFF002 at the assignment
    public void Bug_array_reassigned_in_a_loop_is_an_internal_error()
        => AssertRobust("""
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double[] x, [NoGrad] double[] z)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) { s += x[i] * x[i]; x = z; }
                    return s;
                }
            }
            """);

    [Fact(Skip = "bug (found while minimizing): reading an array parameter through a local alias reassigned in a loop (y = x) gives AUTODIFF006 'does not depend on any differentiable parameter', and a zero gradient, though it does")]
    public void Bug_array_alias_reassigned_in_a_loop_is_reported_as_not_depending_on_the_parameter()
    {
        var run = GeneratorHarness.Run(new SourceFile("Repro.cs", """
            using System;
            using AutoDiff;
            public static partial class C
            {
                [Differentiable] public static double F(double[] x)
                {
                    double s = 0;
                    double[] y = x;
                    for (int i = 0; i < x.Length; i++) { s += y[i] * y[i]; y = x; }
                    return s;
                }
            }
            """));
        Assert.DoesNotContain(run.AnalyzerDiagnostics, d => d.Id == "AUTODIFF006");
    }

    // ---- The engine ----------------------------------------------------------------------------------------------------

    internal sealed record Failure(string Kind, string Signature, string Detail);

    internal sealed class Outcome(Mutant mutant, int id)
    {
        public Mutant Mutant { get; } = mutant;

        public int Id { get; } = id;

        public List<Failure> Failures { get; } = [];

        public int BackwardMethods { get; set; }

        public int AnalyzerErrors { get; set; }
    }

    /// <summary>A known bug: failures whose signature matches are counted, not failed (each has a skipped [Fact] above).</summary>
    internal sealed record KnownBug(string Name, Regex Signature);

    internal static readonly KnownBug[] KnownBugs =
    [
        new("parameter without a name", new Regex(@"^AUTODIFF900 .*IndexOutOfRangeException.* at AutoDiff\.Generators\.DifferentiableGenerator\.Parser\.GradientName\(\)$", RegexOptions.CultureInvariant)),
        new("compile errors the generator does not see (CS0136, CS0708, CS1001, CS0201 ...): it generates for a method that does not compile", new Regex(@"^generated code: .*\((repeats an error of the user code|user code has other errors)\)$", RegexOptions.CultureInvariant)),
        new("zero literal in a product: undeclared adjoint", new Regex(@"^generated code: CS0103 The name '…' does not exist in the current context \(user code compiles\)$", RegexOptions.CultureInvariant)),
        new("discard assignment: bare expression statement", new Regex(@"^generated code: CS0201 Only assignment, call, increment, decrement, await, and new object expressions can be used as a statement \(user code compiles\)$", RegexOptions.CultureInvariant)),
        new("the C# compiler itself throws (not the generator)", new Regex(@"^the C# compiler threw ", RegexOptions.CultureInvariant)),
        new("array reassigned in a loop: ReverseMode.Tape throws", new Regex(@"^AUTODIFF900 \(generator\) InvalidOperationException: a value of type .* computed in a loop is needed by the reverse sweep.* at AutoDiff\.Generators\.DifferentiableGenerator\.ReverseMode\.Tape\(\)$", RegexOptions.CultureInvariant)),
        new("type named var", new Regex(@"^generated code: .*CS0723 Cannot declare a variable of static type", RegexOptions.CultureInvariant)),
    ];

    private void Check(string what, IEnumerable<Mutant> mutants)
    {
        var watch = Stopwatch.StartNew();
        var all = mutants.ToList();
        var outcomes = new List<Outcome>();
        for (var start = 0; start < all.Count; start += BatchSize)
        {
            outcomes.AddRange(RunBatch(all.Skip(start).Take(BatchSize).ToList(), start));
        }

        // AUTODIFF900 carries only the exception's type and message: tell internal errors apart by where they were thrown.
        foreach (var outcome in outcomes)
        {
            for (var i = 0; i < outcome.Failures.Count; i++)
            {
                if (outcome.Failures[i] is { Kind: "internal error" } internalError)
                {
                    var site = ThrowSite(outcome.Mutant.FileText(outcome.Id));
                    var top = site.Split('\n').Skip(1).FirstOrDefault(l => l.Contains("AutoDiff.Generators", StringComparison.Ordinal)) ?? "?";
                    outcome.Failures[i] = internalError with { Signature = internalError.Signature + " " + Regex.Replace(top, @"\(.*$", "()"), Detail = internalError.Detail + "\nThrown: " + site };
                }
            }
        }

        var failures = outcomes.SelectMany(o => o.Failures.Select(f => (o, f))).ToList();
        int CountOf(string kind) => failures.Count(e => e.f.Kind == kind);
        _output.WriteLine($"{what}: seed {Seed}, {all.Count} inputs in {watch.Elapsed.TotalSeconds:F1} s; "
            + $"crashes {CountOf("crash")}, internal errors {CountOf("internal error")}, generated-code failures {CountOf("generated code")}, "
            + $"analyzer/generator disagreements {CountOf("disagreement")}, C# compiler crashes {CountOf("compiler crash")}; "
            + $"{outcomes.Count(o => o.BackwardMethods > 0)} mutants generated a backward method, {outcomes.Count(o => o.AnalyzerErrors > 0)} got an analyzer error");

        var distinct = failures.GroupBy(e => e.f.Signature).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var unknown = new List<string>();
        foreach (var group in distinct)
        {
            var known = KnownBugs.FirstOrDefault(b => b.Signature.IsMatch(group.Key));
            var (outcome, failure) = group.First();
            var source = outcome.Mutant.FileText(outcome.Id);
            var report = new StringBuilder();
            report.AppendLine($"[{(known is null ? "NEW" : "known: " + known.Name)}] {group.Count()} x {group.Key}");
            report.AppendLine("  first: " + outcome.Mutant.Description);
            report.AppendLine("  " + failure.Detail.Replace("\n", "\n  "));
            if (Minimize && known is null || Environment.GetEnvironmentVariable("AUTODIFF_FUZZ_MINIMIZE") == "1")
            {
                source = MinimizeSource(source, group.Key);
                report.AppendLine("  minimized reproducer:");
            }
            else
            {
                report.AppendLine("  reproducer:");
            }

            report.AppendLine("    " + source.Replace("\n", "\n    "));

            _output.WriteLine(report.ToString());
            if (known is null)
            {
                unknown.Add(report.ToString());
            }
        }

        Assert.True(unknown.Count == 0, $"{unknown.Count} distinct new failure(s) of {what}:\n" + string.Join("\n", unknown));
    }

    /// <summary>Runs one batch of mutants (each its own file and namespace) and checks every oracle per mutant.</summary>
    private static List<Outcome> RunBatch(IReadOnlyList<Mutant> mutants, int firstId, bool isolated = false)
    {
        var outcomes = mutants.Select((m, i) => new Outcome(m, firstId + i)).ToList();
        var byFile = outcomes.ToDictionary(o => FileName(o.Id));
        var compilation = GeneratorHarness.CreateCompilation(outcomes.Select(o => new SourceFile(FileName(o.Id), o.Mutant.FileText(o.Id))));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new DifferentiableGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        var generatorExceptions = run.Results.Where(r => r.Exception is not null).Select(r => r.Exception!).ToList();

        var analyzerExceptions = new ConcurrentBag<(Exception Exception, Diagnostic Diagnostic)>();
        var analyzerDiagnostics = compilation.WithAnalyzers(
                [new DifferentiableAnalyzer()],
                new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (ex, _, d) => analyzerExceptions.Add((ex, d)),
                    concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

        // A crash that stops more than one mutant's analysis: run each mutant alone, so that each gets its own verdict.
        if (!isolated && outcomes.Count > 1 && (generatorExceptions.Count > 0 || !analyzerExceptions.IsEmpty
            || generatorDiagnostics.Concat(analyzerDiagnostics).Any(d => d.Id is "CS8785" or "AD0001" or "AUTODIFF900" && !byFile.ContainsKey(d.Location.SourceTree?.FilePath ?? d.Location.GetLineSpan().Path ?? ""))))
        {
            return outcomes.SelectMany(o => RunBatch([o.Mutant], o.Id, isolated: true)).ToList();
        }

        foreach (var ex in generatorExceptions)
        {
            foreach (var o in outcomes)
            {
                o.Failures.Add(new("crash", "generator threw " + ExceptionSignature(ex), "Generator exception: " + ex));
            }
        }

        foreach (var (ex, d) in analyzerExceptions)
        {
            foreach (var o in outcomes)
            {
                o.Failures.Add(new("crash", "analyzer threw " + ExceptionSignature(ex), "Analyzer exception (AD0001): " + ex));
            }
        }

        // By file: the generator reports its diagnostics at external-file locations (path and span, no syntax tree).
        Outcome? Owner(Diagnostic d) => outcomes.Count == 1 ? outcomes[0]
            : (d.Location.SourceTree?.FilePath ?? d.Location.GetLineSpan().Path) is { } path && byFile.TryGetValue(path, out var o) ? o : null;

        foreach (var d in generatorDiagnostics.Concat(analyzerDiagnostics))
        {
            var fromAnalyzer = analyzerDiagnostics.Contains(d);
            if (d.Id is "AUTODIFF900" or "CS8785" or "AD0001")
            {
                var owner = Owner(d);
                var kind = d.Id == "AUTODIFF900" ? "internal error" : "crash";
                var failure = new Failure(kind, $"{d.Id} ({(fromAnalyzer ? "analyzer" : "generator")}) {NormalizeMessage(d)}", GeneratorHarness.Format([d]).Trim());
                foreach (var o in owner is null ? outcomes : [owner])
                {
                    if (!(d.Id == "AD0001" && !analyzerExceptions.IsEmpty))
                    {
                        o.Failures.Add(failure);
                    }
                }
            }
        }

        // Generated files: no compiler errors; no backward method for a method with an analyzer error.
        var outputCompilation = (CSharpCompilation)output;
        foreach (var generated in run.Results.SelectMany(r => r.GeneratedSources))
        {
            var owner = outcomes.Count == 1 ? outcomes[0] : outcomes.FirstOrDefault(o => generated.HintName.StartsWith(Mutant.Namespace(o.Id) + ".", StringComparison.Ordinal)
                || generated.SourceText.ToString().Contains("namespace " + Mutant.Namespace(o.Id) + "\n", StringComparison.Ordinal));
            var tree = generated.SyntaxTree;
            var errors = ErrorsOf(outputCompilation, tree, outcomes.Count == 1 ? outcomes[0] : owner);
            if (errors.Any(e => e.Id == "FUZZ001"))
            {
                continue;
            }

            var backward = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().ToList();
            if (owner is null)
            {
                if (errors.Count > 0)
                {
                    foreach (var o in outcomes)
                    {
                        o.Failures.Add(new("generated code", "generated code of an unknown mutant has errors " + string.Join(",", errors.Select(e => e.Id).Distinct().Order()),
                            generated.HintName + "\n" + GeneratorHarness.Format(errors) + Listing(generated.SourceText.ToString())));
                    }
                }

                continue;
            }

            owner.BackwardMethods += backward.Count;
            if (errors.Count > 0)
            {
                var userErrors = ErrorsOf(outputCompilation, outputCompilation.SyntaxTrees.First(t => t.FilePath == FileName(owner.Id)), owner);
                // The signature: the generated errors without names, and whether the user's own code compiles (and
                // if not, whether the generated code only repeats an error of the user's code).
                var messages = string.Join(" | ", errors.Select(e => e.Id + " " + NormalizeNames(e.GetMessage(CultureInfo.InvariantCulture))).Distinct().Order(StringComparer.Ordinal));
                var context = userErrors.Count == 0 ? "user code compiles"
                    : errors.All(e => userErrors.Any(u => u.Id == e.Id)) ? "repeats an error of the user code"
                    : "user code has other errors";
                owner.Failures.Add(new("generated code", $"generated code: {messages} ({context})",
                    generated.HintName + "\n" + GeneratorHarness.Format(errors) + "User code errors:\n" + GeneratorHarness.Format(userErrors) + Listing(generated.SourceText.ToString())));
            }

            // Agreement: the analyzer's errors, by method, against the generated backward methods (same name and primal parameter types).
            var userTree = compilation.SyntaxTrees.First(t => t.FilePath == FileName(owner.Id));
            var outputUserTree = outputCompilation.SyntaxTrees.First(t => t.FilePath == FileName(owner.Id));
            foreach (var d in analyzerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "AUTODIFF900" && d.Location.SourceTree == userTree))
            {
                if (userTree.GetRoot().FindNode(d.Location.SourceSpan).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().LastOrDefault() is not { } method)
                {
                    continue;
                }

                var userModel = outputCompilation.GetSemanticModel(outputUserTree);
                var generatedModel = outputCompilation.GetSemanticModel(tree);
                var primal = userModel.GetDeclaredSymbol(outputUserTree.GetRoot().FindNode(method.Span).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().First());
                foreach (var candidate in backward.Where(b => b.Identifier.ValueText == method.Identifier.ValueText + "Backward"))
                {
                    var symbol = generatedModel.GetDeclaredSymbol(candidate);
                    if (primal is null || symbol is null || (primal.Parameters.Length < symbol.Parameters.Length
                        && primal.Parameters.Select(p => p.Type).Zip(symbol.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a, b.Type)).All(e => e)
                        && SymbolEqualityComparer.Default.Equals(primal.ContainingType, symbol.ContainingType)))
                    {
                        owner.Failures.Add(new("disagreement", $"backward generated for a method with analyzer error {d.Id}",
                            GeneratorHarness.Format([d]).Trim() + "\nyet generated " + candidate.Identifier.Text + Listing(generated.SourceText.ToString())));
                    }
                }
            }
        }

        foreach (var o in outcomes)
        {
            o.AnalyzerErrors = analyzerDiagnostics.Count(d => d.Severity == DiagnosticSeverity.Error && Owner(d) == o);
        }

        return outcomes;
    }

    /// <summary>
    /// The compiler errors of one file. The C# compiler itself can throw on some hostile inputs (a NullReferenceException
    /// in its binder): that is not the generator's doing, so it is recorded as a "compiler crash" (counted, known) and
    /// the file counts as having errors.
    /// </summary>
    private static List<Diagnostic> ErrorsOf(CSharpCompilation compilation, SyntaxTree tree, Outcome? owner)
    {
        try
        {
            return compilation.GetSemanticModel(tree).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            owner?.Failures.Add(new("compiler crash", "the C# compiler threw " + ex.GetType().Name, "Roslyn threw while computing the diagnostics of " + tree.FilePath + ": " + ex));
            return [Diagnostic.Create(new DiagnosticDescriptor("FUZZ001", "compiler crash", "the C# compiler threw", "Fuzz", DiagnosticSeverity.Error, true), Location.None)];
        }
    }

    private static string FileName(int id) => "M" + id.ToString(CultureInfo.InvariantCulture) + ".cs";

    /// <summary>The exception's type and its first frame in the generator (or its first frame): what tells two crashes apart.</summary>
    internal static string ExceptionSignature(Exception ex)
    {
        var frames = (ex.StackTrace ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("at ", StringComparison.Ordinal)).ToList();
        var top = frames.FirstOrDefault(f => f.Contains("AutoDiff.Generators", StringComparison.Ordinal)) ?? frames.FirstOrDefault() ?? "";
        top = Regex.Replace(top, @" in .*$", "");
        return ex.GetType().Name + " at " + top;
    }

    /// <summary>An internal error's message without the method's name: the exception type and message.</summary>
    private static string NormalizeMessage(Diagnostic d)
    {
        var message = d.GetMessage(CultureInfo.InvariantCulture);
        message = Regex.Replace(message, @"^The AutoDiff generator failed on '[^']*': ", "");
        message = Regex.Replace(message, @"'[^']*'", "'…'");
        message = Regex.Replace(message, @"\d+", "N");
        return message;
    }

    /// <summary>A compiler message without the names in it (but for a generated name's Backward suffix).</summary>
    private static string NormalizeNames(string message)
        => Regex.Replace(Regex.Replace(message, @"'[^']*?(Backward)?'", m => "'…" + m.Groups[1].Value + "'"), @"\d+", "N");

    private static string Listing(string text)
    {
        var sb = new StringBuilder("\n");
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            sb.Append((i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(4)).Append(": ").AppendLine(lines[i].TrimEnd('\r'));
        }

        return sb.ToString();
    }

    // ---- Minimizing ----------------------------------------------------------------------------------------------------

    /// <summary>Greedy delta debugging: drop lines, then tokens, while the file still fails with the same signature.</summary>
    private static string MinimizeSource(string source, string signature)
    {
        var budget = 400;
        bool Fails(string text) => budget-- > 0 && RunBatch([new Mutant("min", text, Raw: true)], 0, isolated: true)[0].Failures.Any(f => f.Signature == signature);

        // Keep the usings and the namespace line; shrink what follows.
        var open = source.IndexOf("\n{\n", StringComparison.Ordinal);
        var header = open >= 0 ? source[..(open + 3)] : "";
        var body = source[header.Length..];
        if (!Fails(header + body))
        {
            return source;
        }

        // Lines.
        var lines = body.Split('\n').ToList();
        for (var chunk = Math.Max(1, lines.Count / 2); chunk >= 1; chunk /= 2)
        {
            for (var i = 0; i + chunk <= lines.Count && budget > 0;)
            {
                var candidate = lines.Take(i).Concat(lines.Skip(i + chunk)).ToList();
                if (Fails(header + string.Join("\n", candidate)))
                {
                    lines = candidate;
                }
                else
                {
                    i += chunk;
                }
            }
        }

        body = string.Join("\n", lines);

        // Tokens.
        for (var changed = true; changed && budget > 0;)
        {
            changed = false;
            var tokens = CSharpSyntaxTree.ParseText(body, GeneratorHarness.ParseOptions).GetRoot().DescendantTokens().Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToList();
            for (var i = tokens.Count - 1; i >= 0 && budget > 0; i--)
            {
                var candidate = body[..tokens[i].SpanStart] + body[tokens[i].Span.End..];
                if (Fails(header + candidate))
                {
                    body = candidate;
                    changed = true;
                    break;
                }
            }
        }

        return Regex.Replace(header + body, @"\n\s*\n", "\n");
    }

    /// <summary>
    /// The stack of the first exception thrown inside the generator or analyzer while one file is processed: AUTODIFF900
    /// carries only the exception's type and message, the stack is lost where the generator catches it.
    /// </summary>
    internal static string ThrowSite(string source)
    {
        string? site = null;
        void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (site is null)
            {
                var stack = new StackTrace(1, false).ToString();
                if (stack.Contains("AutoDiff.Generators", StringComparison.Ordinal))
                {
                    site = e.Exception.GetType().Name + ": " + e.Exception.Message + "\n" + string.Join("\n",
                        stack.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.Contains("OnFirstChance", StringComparison.Ordinal)).Take(8));
                }
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        try
        {
            RunBatch([new Mutant("throw site", source, Raw: true)], 0, isolated: true);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }

        return site ?? "(no exception seen)";
    }

    private static void AssertRobust(string source)
    {
        var run = GeneratorHarness.Run(new SourceFile("Repro.cs", source));
        Assert.True(run.GeneratorExceptions.IsEmpty, "Generator threw:\n" + string.Join("\n", run.GeneratorExceptions));
        var crashes = run.GeneratorDiagnostics.Concat(run.AnalyzerDiagnostics)
            .Where(d => d.Id is "CS8785" or "AD0001" or "AUTODIFF900")
            .ToList();
        Assert.True(crashes.Count == 0, "Crash diagnostics:\n" + GeneratorHarness.Format(crashes));
        Assert.True(run.GeneratedCodeDiagnostics.All(d => d.Severity != DiagnosticSeverity.Error), "Generated code does not compile:\n" + run.Describe());
    }
}
