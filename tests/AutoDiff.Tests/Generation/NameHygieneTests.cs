using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AutoDiff.Tests.Infrastructure;
using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Sdk;

namespace AutoDiff.Tests.Generation;

/// <summary>
/// "Every method the generator accepts gets a backward method that compiles, whatever the names in the user's code"
/// (API.md, Soundness): methods whose parameters, locals and loop indices are drawn from every C# keyword as a verbatim
/// identifier (reserved and contextual), every single letter (so every <c>d</c>+letter adjoint, <c>o</c> -> <c>do</c>
/// included), the generator's own name shapes (<c>t0</c>, <c>dx</c>, <c>gradX</c>, <c>seed</c>, <c>k0</c>,
/// <c>doubleTape</c>...) and <c>_</c>, with loops, branches, calls and discards. Each batch is one compilation that
/// must have no warning or error anywhere (input and generated files), and every gradient must match central
/// finite differences.
/// </summary>
public sealed class NameHygieneTests
{
    /// <summary>Reserved keywords, each as it is written as an identifier (<c>@out</c>).</summary>
    internal static readonly string[] ReservedKeywords = SyntaxFacts.GetKeywordKinds()
        .Select(SyntaxFacts.GetText).Where(IsWord).Distinct().OrderBy(s => s, StringComparer.Ordinal).Select(k => "@" + k).ToArray();

    /// <summary>
    /// Contextual keywords (<c>@nameof</c>, <c>@await</c>, <c>@when</c>...), and the words with a meaning in some
    /// places that Roslyn does not list among them (<c>var</c>, <c>dynamic</c>, <c>value</c>, <c>notnull</c>, <c>nint</c>...).
    /// </summary>
    internal static readonly string[] ContextualKeywords = SyntaxFacts.GetContextualKeywordKinds()
        .Select(SyntaxFacts.GetText)
        .Concat(["var", "dynamic", "value", "notnull", "nint", "nuint", "args"])
        .Where(IsWord).Distinct().OrderBy(s => s, StringComparer.Ordinal).Select(k => "@" + k).ToArray();

    internal static readonly string[] Letters = Enumerable.Range('a', 26).Select(c => ((char)c).ToString()).ToArray();

    /// <summary>Names the generator itself makes, and plain contextual keywords a user may well write.</summary>
    internal static readonly string[] Shapes =
    [
        "t0", "t1", "t2", "dt0", "dt1", "dx", "dy", "da", "gradX", "gradY", "gradA", "gradP", "seed", "seed_1", "k0", "k1",
        "count0", "count1", "i_1", "x_1", "a_1", "branch0", "branch1", "g0", "g1", "doubleTape", "intTape", "boolTape",
        "value_1", "result", "returned", "broken", "switchValue", "index", "collection", "unused", "dvalue", "dresult", "__1", "do_1",
    ];

    /// <summary>Every name tried, as written in source; distinct as identifiers.</summary>
    internal static readonly string[] Pool = ReservedKeywords.Concat(ContextualKeywords).Concat(Letters).Concat(Shapes).Append("_")
        .GroupBy(Bare).Select(g => g.First()).ToArray();

    private static bool IsWord(string text) => text.Length > 0 && text.All(c => char.IsLetter(c) || c == '_') && SyntaxFacts.IsValidIdentifier(text);

    private static string Bare(string name) => name.TrimStart('@');

    private static string Verbatim(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    [Fact]
    public void The_pool_has_every_keyword_letter_and_generated_shape()
    {
        Assert.Superset(new HashSet<string>(["@out", "@in", "@if", "@class", "@do", "@double", "@var", "@nameof", "@await", "@yield", "@record", "@when", "@global", "@dynamic"]),
            new HashSet<string>(Pool));
        Assert.True(ReservedKeywords.Length >= 77 && ContextualKeywords.Length >= 30, $"{ReservedKeywords.Length} reserved, {ContextualKeywords.Length} contextual keywords");
        Assert.Subset(new HashSet<string>(Pool), new HashSet<string>(Letters.Concat(Shapes).Append("_")));
        Assert.Equal(Pool.Length, Pool.Select(Bare).Distinct().Count());
    }

    // ---- The four reported cases --------------------------------------------------------------------------------

    [Fact]
    public void Local_named_o_whose_adjoint_would_be_the_keyword_do()
    {
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double x)
            {
                double o = x * x;
                double p = o * x;
                return o + p;
            }
            """);
        AssertMatchesFiniteDifferences(f, [[0.7], [-1.3], [2.0]], x => [2 * x[0] + 3 * x[0] * x[0]]);
    }

    [Fact]
    public void Verbatim_identifiers_keep_their_at_sign()
    {
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double @out, double @in, double @var)
            {
                double @if = @out * @in;
                double @class = @if + @var;
                @if = @class * @out;
                double @nameof = @if - @in;
                return @nameof + @class;
            }
            """);
        // if1 = (out in + var) out; result = if1 - in + out in + var
        AssertMatchesFiniteDifferences(f, [[0.5, 1.5, -0.25], [-1.0, 0.3, 2.0]],
            x => [2 * x[0] * x[1] + x[2] + x[1], x[0] * x[0] - 1 + x[0], x[0] + 1]);
        Assert.Equal(["out", "in", "var", "seed", "gradOut", "gradIn", "gradVar"], f.Backward.GetParameters().Select(p => p.Name));
    }

    [Fact]
    public void Discards_of_values_and_calls_compile()
    {
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double x, double a)
            {
                _ = a;
                _ = a * x + 1;
                _ = G(x);
                _ = Math.Sin(a);
                double b = G(a) * x;
                _ = b;
                return b + a;
            }

            [Differentiable]
            public static double G(double x) => x * x;
            """);
        AssertMatchesFiniteDifferences(f, [[0.5, 1.5], [-1.0, 0.3]], x => [x[1] * x[1], 2 * x[1] * x[0] + 1]);
    }

    [Fact]
    public void Discards_that_may_throw_are_kept()
    {
        var run = GeneratorHarness.Run(Program(["""
            [Differentiable]
            public static double F(double x, int n, [NoGrad] double[] w)
            {
                _ = 12 / n;
                _ = w[n];
                return x * w[0];
            }
            """]));
        AssertClean(run);
        var backward = run.Compiled.GetMethod("N0", "FBackward");
        var gradient = new object?[] { 1.5, 1, new[] { 2.0, 3.0 }, 1.0, null };
        Assert.Equal(3.0, (double)CompiledAssembly.Call(backward, null, gradient)!);
        Assert.Equal(2.0, (double)gradient[4]!);
        Assert.Throws<DivideByZeroException>(() => CompiledAssembly.Call(backward, null, [1.5, 0, new[] { 2.0 }, 1.0, null]));
        Assert.Throws<IndexOutOfRangeException>(() => CompiledAssembly.Call(backward, null, [1.5, 2, new[] { 2.0, 3.0 }, 1.0, null]));
    }

    [Fact]
    public void Local_named_like_a_gradient_parameter_is_renamed_and_the_gradient_parameter_keeps_its_name()
    {
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double x, double y)
            {
                double gradX = x * y;
                double gradY = gradX + x;
                double seed = gradY * y;
                return seed + gradX;
            }
            """);
        AssertMatchesFiniteDifferences(f, [[0.5, 1.5], [-1.0, 0.3]], x => [x[1] * x[1] + x[1] + x[1], 2 * x[0] * x[1] + x[0] + x[0]]);
        Assert.Equal(["x", "y", "seed", "gradX", "gradY"], f.Backward.GetParameters().Select(p => p.Name));
    }

    [Fact]
    public void Parameter_named_seed_moves_the_seed_and_locals_named_like_the_signature_are_renamed()
    {
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double seed, double x)
            {
                double seed_1 = seed * x;
                double gradSeed = seed_1 + x;
                double gradX = gradSeed * seed_1;
                return gradX + seed;
            }
            """);
        // s1 = s x, g = s x + x, result = (s x + x) s x + s
        AssertMatchesFiniteDifferences(f, [[0.5, 1.5], [-1.0, 0.3]],
            x => [(x[1]) * x[0] * x[1] + (x[0] * x[1] + x[1]) * x[1] + 1, (x[0] + 1) * x[0] * x[1] + (x[0] * x[1] + x[1]) * x[0]]);
        Assert.Equal(["seed", "x", "seed_1", "gradSeed", "gradX"], f.Backward.GetParameters().Select(p => p.Name));
    }

    [Fact]
    public void Local_named_underscore_is_not_overwritten_by_the_generated_out_discards()
    {
        // H's gradient for the constant 3.0 is discarded with out _; the local _ must not receive it.
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double x)
            {
                double _ = x * 2;
                double r = H(x, 3.0) * _;
                r = H(r, 3.0);
                return r * _;
            }

            [Differentiable]
            public static double H(double a, double b) => a * b + a;
            """);
        // r1 = 4x * 2x = 8 x^2 (H(x, 3) = 4x), r2 = 4 r1 = 32 x^2, result = 64 x^3
        AssertMatchesFiniteDifferences(f, [[0.5], [-1.0], [1.7]], x => [192 * x[0] * x[0]]);
    }

    [Fact]
    public void Parameter_named_underscore_is_not_overwritten_by_the_generated_out_discards()
    {
        var f = CompileSingle("""
            [Differentiable]
            public static double F(double _, double x)
            {
                double r = H(x, 3.0) * _;
                r = H(r, 3.0);
                return r * _;
            }

            [Differentiable]
            public static double H(double a, double b) => a * b + a;
            """);
        // result = 4 (4 x u) u = 16 x u^2
        AssertMatchesFiniteDifferences(f, [[0.5, 1.5], [-1.0, 0.3]], x => [32 * x[1] * x[0], 16 * x[0] * x[0]]);
        Assert.Equal(["_", "x", "seed", "grad_", "gradX"], f.Backward.GetParameters().Select(p => p.Name));
    }

    // ---- Every name in every role ---------------------------------------------------------------------------------

    private static readonly Lazy<(GeneratorRun Run, string[] Sources)> s_everyName = new(() =>
    {
        var sources = Enumerable.Range(0, Pool.Length).Select(EveryRoleMethod).ToArray();
        return (GeneratorHarness.Run(Program(sources)), sources);
    });

    // Method k gives role r the name Pool[k + r]: over all k every name takes every role once.
    private static string EveryRoleMethod(int k)
    {
        string N(int role) => Pool[(k + role * 7) % Pool.Length];
        string p0 = N(0), p1 = N(1), n = N(2), a = N(3), b = N(4), i = N(5), m = N(6), h0 = N(7), h1 = N(8), hl = N(9);
        var usesUnderscore = new[] { p0, p1, n, a, b, i, m }.Contains("_");

        // Locals named like what the generator derives from the names above: p0's gradient parameter, a's adjoint.
        var taken = new[] { p0, p1, n, a, b, i, m }.Select(Bare).ToHashSet();
        var derived = new[] { "grad" + char.ToUpperInvariant(Bare(p0)[0]) + Bare(p0).Substring(1), "d" + Bare(a), "d" + Bare(p1) }
            .Where(taken.Add).Select(Verbatim).ToArray();
        var declareDerived = string.Concat(derived.Select(d => $"\n        double {d} = {a} * 0.5;"));
        var useDerived = string.Concat(derived.Select(d => $" + {d}"));
        var discards = usesUnderscore ? "" : $"""
                    _ = {a};
                    _ = {a} * 2.0 + {p1};
                    _ = H({a}, {p1});
                    _ = Math.Cos({b});
            """;
        return $$"""
                [Differentiable]
                public static double F(double {{p0}}, double {{p1}}, int {{n}})
                {
                    double {{a}} = {{p0}} * {{p1}};
                    double {{b}} = Math.Sin({{p0}}) + 0.5;{{declareDerived}}
            {{discards}}
                    for (int {{i}} = 0; {{i}} < {{n}}; {{i}}++)
                    {
                        double {{m}} = H({{a}}, {{b}}) * 0.5;
                        {{a}} = Math.Tanh({{a}} * {{p1}} + {{m}});
                        if ({{i}} % 2 == 0)
                        {
                            {{b}} += 0.25 * Math.Sin({{a}} + {{i}});
                        }

                        if ({{i}} > 6)
                        {
                            return {{a}} * {{b}};
                        }

                        if ({{i}} == 5)
                        {
                            break;
                        }
                    }

                    switch ({{n}})
                    {
                        case 1:
                            {{b}} = {{b}} * 0.5 + {{p0}};
                            break;
                        default:
                            {{b}} += 0.125;
                            break;
                    }

                    if ({{n}} > 2)
                    {
                        double {{m}} = {{b}} * {{p0}};
                        {{b}} = {{m}} - {{a}};
                    }
                    else
                    {
                        {{a}} = {{n}} > 1 ? {{a}} * {{p0}} : {{a}} + H({{p1}}, 3.0);
                    }

                    return {{a}} + {{b}} * {{p1}}{{useDerived}};
                }

                [Differentiable]
                public static double H(double {{h0}}, double {{h1}})
                {
                    double {{hl}} = {{h0}} * {{h1}};
                    return Math.Sin({{hl}}) + {{h0}};
                }
            """;
    }

    [Fact]
    public void Every_name_in_every_role_compiles_without_warnings()
    {
        AssertClean(s_everyName.Value.Run);
    }

    [Fact]
    public void Every_name_in_every_role_matches_finite_differences()
    {
        var (run, sources) = s_everyName.Value;
        var random = new Random(1234);
        var errors = new List<string>();
        for (var k = 0; k < sources.Length; k++)
        {
            var points = Enumerable.Range(0, 4).Select(j => new[] { Uniform(random), Uniform(random), j }).ToArray();
            if (Check(run, "N" + k, points) is { } error)
            {
                errors.Add(error + Environment.NewLine + sources[k]);
            }
        }

        Assert.True(errors.Count == 0, $"{errors.Count} of {sources.Length} methods fail:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Take(5)));
    }

    // ---- Random programs over the names (CsCheck) -------------------------------------------------------------------

    private const int MethodsPerBatch = 40;

    [Fact]
    public void Random_programs_over_every_name_compile_and_match_finite_differences()
    {
        Gen.Int[0, int.MaxValue].Array[MethodsPerBatch].Sample(seeds =>
        {
            var sources = seeds.Select(seed => new ProgramWriter(seed).Write()).ToArray();
            var run = GeneratorHarness.Run(Program(sources));
            AssertClean(run);
            var random = new Random(seeds[0]);
            for (var k = 0; k < sources.Length; k++)
            {
                var points = Enumerable.Range(0, 3).Select(j => new[] { Uniform(random), Uniform(random), Uniform(random), j + 1 }).ToArray();
                if (Check(run, "N" + k, points) is { } error)
                {
                    throw new XunitException(error + Environment.NewLine + sources[k] + Environment.NewLine + run.GeneratedSourceFor("N" + k));
                }
            }
        }, iter: 3, threads: 1, print: seeds => "seeds " + string.Join(", ", seeds));
    }

    /// <summary>Writes one class of a random F(double, double, double, int) and its helper H, names drawn from <see cref="Pool"/>.</summary>
    private sealed class ProgramWriter(int seed)
    {
        private readonly Random _random = new(seed);
        private readonly StringBuilder _sb = new();
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);
        private readonly List<string> _doubles = new();
        private readonly List<string> _indices = new();
        private readonly HashSet<string> _innerInScope = new(StringComparer.Ordinal);
        private string[] _inner = [];
        private string _count = "";
        private bool _discards;
        private int _indent = 1;

        public string Write()
        {
            var parameters = new[] { Fresh(), Fresh(), Fresh() };
            _count = Fresh();
            var locals = Enumerable.Range(0, 1 + _random.Next(3)).Select(_ => Fresh()).ToArray();
            var indices = new[] { Fresh(), Fresh() };
            _inner = [Fresh(), Fresh()];
            _discards = !_used.Contains("_");
            var helper = new[] { Fresh(), Fresh(), Fresh() };

            Line("[Differentiable]");
            Line($"public static double F(double {parameters[0]}, double {parameters[1]}, double {parameters[2]}, int {_count})");
            Line("{");
            _indent++;
            _doubles.AddRange(parameters);
            foreach (var local in locals)
            {
                Line($"double {local} = {Expression(1)};");
                _doubles.Add(local);
            }

            _indexPool = indices;
            Block(3 + _random.Next(4), depth: 0);
            Line($"return {string.Join(" + ", locals)} + 0.5 * {parameters[0]} * {parameters[1]} * {parameters[2]};");
            _indent--;
            Line("}");
            Line("");
            Line("[Differentiable]");
            Line($"public static double H(double {helper[0]}, double {helper[1]})");
            Line("{");
            Line($"    double {helper[2]} = {helper[0]} * {helper[1]};");
            Line($"    return Math.Sin({helper[2]}) + {helper[0]} * 0.5;");
            Line("}");
            return _sb.ToString();

            void Block(int statements, int depth)
            {
                for (var i = 0; i < statements; i++)
                {
                    Statement(depth, locals);
                }
            }
        }

        private string[] _indexPool = [];

        private string Fresh()
        {
            while (true)
            {
                var name = Pool[_random.Next(Pool.Length)];
                if (_used.Add(Bare(name)))
                {
                    return name;
                }
            }
        }

        private void Statement(int depth, string[] locals)
        {
            var target = locals[_random.Next(locals.Length)];
            var inLoop = _indices.Count > 0;
            switch (_random.Next(10))
            {
                case 0 when depth < 2 && _indices.Count < _indexPool.Length:
                {
                    var index = _indexPool[_indices.Count];
                    Line($"for (int {index} = 0; {index} < {_count}; {index}++)");
                    Open();
                    _indices.Add(index);
                    var count = 1 + _random.Next(3);
                    for (var i = 0; i < count; i++)
                    {
                        Statement(depth + 1, locals);
                    }

                    _indices.RemoveAt(_indices.Count - 1);
                    Close();
                    break;
                }

                case 1 when depth < 3:
                {
                    var condition = inLoop && _random.Next(2) == 0 ? $"{_indices[_random.Next(_indices.Count)]} % 2 == 0" : $"{_count} > {_random.Next(4)}";
                    Line($"if ({condition})");
                    Open();
                    Statement(depth + 1, locals);
                    Close();
                    if (_random.Next(2) == 0)
                    {
                        Line("else");
                        Open();
                        Statement(depth + 1, locals);
                        Close();
                    }

                    break;
                }

                case 2 when _inner.Any(CanDeclare):
                {
                    // A local of an inner block; sibling blocks reuse the same name.
                    var name = _inner.First(CanDeclare);
                    var initializer = Expression(2);
                    _innerInScope.Add(name);
                    _blocks.Peek().Declared.Add(name);
                    _blocks.Peek().Within.Add(name);
                    _doubles.Add(name);
                    Line($"double {name} = {initializer};");
                    Line($"{target} {(inLoop ? "+= 0.25 * Math.Sin(" + name + ")" : "= " + target + " * 0.5 + " + name)};");
                    break;
                }

                case 3 when _discards:
                    Line(_random.Next(3) switch
                    {
                        0 => $"_ = {Leaf()};",
                        1 => $"_ = {Expression(2)};",
                        _ => $"_ = H({Expression(1)}, {Leaf()});",
                    });
                    break;

                case 4:
                    Line($"{target} = {_count} > {_random.Next(4)} ? {Squashed(inLoop)} : {Squashed(inLoop)};");
                    break;

                case 5:
                    Line($"{target} = H({Expression(1)}, {Expression(1)}){(inLoop ? " * 0.5" : "")};");
                    break;

                case 6:
                    Line($"{target} += {(inLoop ? "0.25 * Math.Sin(" + Expression(2) + ")" : Expression(2))};");
                    break;

                default:
                    var value = Squashed(inLoop);
                    Line($"{target} = {(value == target ? target + " * 0.5" : value)};");
                    break;
            }
        }

        // Inside loops values are squashed so that nothing overflows however often the loop runs.
        private string Squashed(bool inLoop) => inLoop ? $"Math.Tanh({Expression(2)})" : Expression(2);

        private string Expression(int depth)
        {
            if (depth == 0)
            {
                return Leaf();
            }

            return _random.Next(9) switch
            {
                0 => $"{Expression(depth - 1)} + {Expression(depth - 1)}",
                1 => $"{Expression(depth - 1)} - {Expression(depth - 1)}",
                2 => $"({Expression(depth - 1)}) * ({Expression(depth - 1)})",
                3 => $"Math.Sin({Expression(depth - 1)})",
                4 => $"Math.Cos({Expression(depth - 1)})",
                5 => $"0.5 * Math.Tanh({Expression(depth - 1)})",
                6 => $"H({Expression(depth - 1)}, {Leaf()})",
                7 when _indices.Count > 0 => $"{_indices[_random.Next(_indices.Count)]} * 0.125 + {Leaf()}",
                _ => Leaf(),
            };
        }

        private string Leaf()
        {
            return _random.Next(6) == 0 ? "0.75" : _doubles[_random.Next(_doubles.Count)];
        }

        // Inner locals: those declared in each open block, and those declared anywhere within it so far (C# forbids a
        // block to declare a name that one of its nested blocks declares, before or after).
        private readonly Stack<(List<string> Declared, HashSet<string> Within)> _blocks = new();

        private void Open()
        {
            Line("{");
            _indent++;
            _blocks.Push((new List<string>(), new HashSet<string>(StringComparer.Ordinal)));
        }

        private void Close()
        {
            _indent--;
            Line("}");
            var (declared, within) = _blocks.Pop();
            foreach (var name in declared)
            {
                _innerInScope.Remove(name);
                _doubles.Remove(name);
            }

            if (_blocks.Count > 0)
            {
                _blocks.Peek().Within.UnionWith(within);
            }
        }

        private bool CanDeclare(string name) => _blocks.Count > 0 && !_innerInScope.Contains(name) && !_blocks.Peek().Within.Contains(name);

        private void Line(string text) => _sb.Append(' ', 4 * _indent).AppendLine(text);
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    private static string Program(IEnumerable<string> methods)
    {
        var sb = new StringBuilder("using System;\nusing AutoDiff;\n\n");
        var k = 0;
        foreach (var method in methods)
        {
            sb.AppendLine($"public static partial class N{k++}").AppendLine("{").AppendLine(method).AppendLine("}");
        }

        return sb.ToString();
    }

    private static double Uniform(Random random) => -1.5 + 3 * random.NextDouble();

    private static DifferentiableFunction CompileSingle(string members)
    {
        var run = GeneratorHarness.Run(Program([members]));
        AssertClean(run);
        return run.Compiled.Function("N0", "F");
    }

    /// <summary>No generator exception and no warning or error anywhere: generator, analyzer, compiler on every file.</summary>
    private static void AssertClean(GeneratorRun run)
    {
        var bad = run.CompilerDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Concat(run.AnalyzerDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning))
            .Concat(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning))
            .ToList();
        if (!run.GeneratorExceptions.IsEmpty || bad.Count > 0)
        {
            var files = bad.Select(d => d.Location.SourceTree).Where(run.IsGenerated).Distinct().Take(1)
                .Select(t => Environment.NewLine + "--- " + t!.FilePath + Environment.NewLine + t.GetText());
            var input = bad.Where(d => !run.IsGenerated(d.Location.SourceTree)).Take(1)
                .Select(d => Environment.NewLine + "--- input near the first: " + d.Location.SourceTree?.GetText().GetSubText(
                    Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(Math.Max(0, d.Location.SourceSpan.Start - 400), Math.Min(d.Location.SourceTree.Length, d.Location.SourceSpan.End + 400))));
            throw new XunitException($"{bad.Count} diagnostics (and {run.GeneratorExceptions.Length} exceptions); the first 30:" + Environment.NewLine
                + GeneratorHarness.Format(bad.Take(30)) + string.Concat(run.GeneratorExceptions.Select(e => e + Environment.NewLine))
                + string.Concat(input) + string.Concat(files));
        }
    }

    /// <summary>The backward's value and gradient against the primal and central differences at each point; null when all match.</summary>
    private static string? Check(GeneratorRun run, string type, double[][] points)
    {
        DifferentiableFunction f;
        try
        {
            f = run.Compiled.Function(type, "F");
        }
        catch (XunitException ex)
        {
            return type + ": " + ex.Message;
        }

        foreach (var x in points)
        {
            var error = Compare(f, x, expected: null);
            if (error is not null)
            {
                return type + ": " + error;
            }
        }

        return null;
    }

    private static string? Compare(DifferentiableFunction f, double[] x, Func<double[], double[]>? expected)
    {
        var differentiable = GradientSuite.DifferentiableIndices(f);
        var (value, gradient) = f.ValueAndGradient(x);
        var primal = f.Value(x);
        var errors = new List<string?>
        {
            value.Equals(primal) ? null : $"backward returned {FiniteDifference.R(value)}, the method returns {FiniteDifference.R(primal)}",
        };
        var fd = FiniteDifference.Gradient(f.Value, x);
        errors.Add(FiniteDifference.Compare("gradient vs central differences", gradient, differentiable.Select(i => fd[i]).ToArray(), 1e-5, 1e-6));
        if (expected is not null)
        {
            errors.Add(FiniteDifference.Compare("gradient vs hand formula", gradient, expected(x), 1e-9, 1e-12));
        }

        errors.RemoveAll(e => e is null);
        return errors.Count == 0 ? null : $"at ({string.Join(", ", x.Select(FiniteDifference.R))}): " + string.Join("; ", errors);
    }

    private static void AssertMatchesFiniteDifferences(DifferentiableFunction f, double[][] points, Func<double[], double[]> expected)
    {
        foreach (var x in points)
        {
            Assert.Null(Compare(f, x, expected));
        }
    }
}
