using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators.Transforms;

/// <summary>
/// Substitutes a value that is computed once and read once, both in the method's straight-line code, into the one
/// statement that reads it, as a careful person writes a gradient by hand: <c>dt19 = da_1; dt16 = dt19;</c> becomes
/// <c>dt16 = da_1;</c>, and <c>double t0 = x * 0.5; double t2 = t0 + t1;</c> becomes <c>double t2 = x * 0.5 + t1;</c>.
/// Two kinds of values qualify: adjoints (a <see cref="Local"/> declared zero and assigned once in the reverse sweep, or
/// the result's adjoint, which only holds the seed) and the forward sweep's temporaries (<see cref="SsaValue.IsTemporary"/>:
/// never a user's variable, which stays visible in the debugger). A method of n statements then declares a few locals
/// per statement rather than one per operation and adjoint (C# allows 65 534 locals), and its code is that much shorter.
/// Only straight-line code at the top level moves: a value is never moved into a loop or a branch, nor past a
/// statement that writes what it reads, and only values without side effects (arithmetic and Math calls) move.
/// </summary>
internal static class SingleUseInlining
{
    /// <summary>Inlined expressions stay short enough to read: at most this many nodes.</summary>
    private const int MaxNodes = 12;

    public static void Run(BackwardMethod method, IReadOnlyList<SsaValue> values)
    {
        // A slot is printed inline: its statements are the block's own (a loop's adjoint declarations sit in one).
        Flatten(method.Forward);
        Flatten(method.Reverse);
        var counts = new Counts();
        counts.AddMethod(method);
        InlineForwardTemporaries(method, values, counts);
        InlineAdjoints(method, counts);
    }

    private static void InlineForwardTemporaries(BackwardMethod method, IReadOnlyList<SsaValue> values, Counts counts)
    {
        foreach (var block in AllBlocks(method.Forward).ToList())
        {
            InlineForwardTemporaries(block.Statements, values, counts);
        }
    }

    private static void InlineForwardTemporaries(List<BStmt> statements, IReadOnlyList<SsaValue> values, Counts counts)
    {
        for (var i = 0; i < statements.Count; i++)
        {
            if (statements[i] is not BDeclare { Target: ValueTarget { ValueId: var id }, Initializer: { } value }
                || !values[id].IsTemporary
                || counts.ValueReads(id) != 1
                || counts.ValueWrites(id) != 1
                || !IsMovable(value))
            {
                continue;
            }

            var read = new VariableExpr(id, values[id].Type);
            if (FindReader(statements, i + 1, read, value) is { } j)
            {
                statements[j] = Substitute(statements[j], read, value);
                statements.RemoveAt(i);
                i--;
            }
        }
    }

    private static void InlineAdjoints(BackwardMethod method, Counts counts)
    {
        // The reverse sweep and the copies into the out gradients, as one straight-line sequence.
        var statements = method.Reverse.Statements;
        var declared = method.AdjointDeclarations.Where(d => d.Target is LocalTarget).ToDictionary(d => ((LocalTarget)d.Target).Local);
        var removed = new Dictionary<Local, Expr>();

        // The result's adjoint holds the seed and nothing else: every read is the seed.
        foreach (var declaration in method.AdjointDeclarations.ToList())
        {
            if (declaration is { Target: LocalTarget { Local: var local }, Initializer: LocalExpr { Local: var seed } initializer }
                && seed == method.Seed && counts.LocalWrites(local) == 1)
            {
                method.AdjointDeclarations.Remove(declaration);
                removed[local] = initializer;
                SubstituteIn(method.Reverse, new LocalExpr(local), initializer);
                var read = new LocalExpr(local);

                for (var k = 0; k < method.Gradients.Count; k++)
                {
                    method.Gradients[k] = (BAssign)Substitute(method.Gradients[k], read, initializer);
                }
            }
        }

        // The top level of the reverse sweep and the copies into the out gradients, as one straight-line sequence;
        // then each nested block on its own (the body of a branch or of a reverse loop iteration).
        var sequence = new List<BStmt>(statements);
        sequence.AddRange(method.Gradients);
        var reverseCount = statements.Count;
        InlineIn(sequence, reverseCount, declared, counts, removed);
        statements.Clear();
        statements.AddRange(sequence.Take(sequence.Count - method.Gradients.Count));
        for (var i = 0; i < method.Gradients.Count; i++)
        {
            method.Gradients[i] = (BAssign)sequence[sequence.Count - method.Gradients.Count + i];
        }

        foreach (var block in statements.SelectMany(st => st.Blocks).SelectMany(AllBlocks).ToList())
        {
            InlineIn(block.Statements, block.Statements.Count, declared, counts, removed);
        }

        if (removed.Count == 0)
        {
            return;
        }

        method.AdjointDeclarations.RemoveAll(d => d.Target is LocalTarget { Local: var local } && removed.ContainsKey(local));

        // The rule comments name the steps in terms of the adjoints that remain (each removed adjoint's value is in
        // terms of adjoints written before it, which were removed before it or remain).
        foreach (var comment in method.Reverse.Descendants().OfType<BComment>())
        {
            for (var k = comment.Rules.Count - 1; k >= 0; k--)
            {
                if (comment.Rules[k] is BAssign { Target: LocalTarget { Local: var target } } && removed.ContainsKey(target))
                {
                    comment.Rules.RemoveAt(k);
                    continue;
                }

                if (comment.Rules[k] is BAssign rule)
                {
                    comment.Rules[k] = new BAssign(rule.Target, rule.Kind, ReplaceRemoved(rule.Value, removed));
                }
                else if (comment.Rules[k] is BCall call)
                {
                    comment.Rules[k] = new BCall(call.Receiver is null ? null : ReplaceRemoved(call.Receiver, removed), call.Callee,
                        call.Arguments.Select(a => a is InArgument input ? new InArgument(ReplaceRemoved(input.Value, removed)) : a).ToList());
                }
            }
        }
    }

    private static void Flatten(BBlock block)
    {
        if (block.Statements.Exists(st => st is BSlot))
        {
            var flat = new List<BStmt>();
            foreach (var statement in block.Statements)
            {
                if (statement is BSlot slot)
                {
                    Flatten(slot.Block);
                    flat.AddRange(slot.Block.Statements);
                }
                else
                {
                    flat.Add(statement);
                }
            }

            block.Statements.Clear();
            block.Statements.AddRange(flat);
        }

        foreach (var inner in block.Statements.SelectMany(st => st.Blocks))
        {
            Flatten(inner);
        }
    }

    private static IEnumerable<BBlock> AllBlocks(BBlock block) => block.Statements.SelectMany(st => st.Blocks).SelectMany(AllBlocks).Prepend(block);

    /// <summary>
    /// Inlines the adjoints assigned among the first <paramref name="candidates"/> statements of one straight-line
    /// sequence into their readers in it; removes what it inlines from the sequence (declarations in it too).
    /// </summary>
    private static void InlineIn(List<BStmt> sequence, int candidates, Dictionary<Local, BDeclare> declared, Counts counts, Dictionary<Local, Expr> removed)
    {
        var gone = new bool[sequence.Count];
        var declaredHere = new Dictionary<Local, int>();
        var any = false;
        for (var i = 0; i < candidates; i++)
        {
            if (sequence[i] is BDeclare { Target: LocalTarget { Local: var declaredLocal }, Initializer: { } initial } && Simplify.IsZero(initial))
            {
                declaredHere[declaredLocal] = i;
                continue;
            }

            if (gone[i]
                || sequence[i] is not BAssign { Target: LocalTarget { Local: var local }, Kind: AssignKind.Set, Value: var value }
                || !(declaredHere.ContainsKey(local) || declared.TryGetValue(local, out var declaration) && declaration.Initializer is { } zero && Simplify.IsZero(zero))
                || counts.LocalWrites(local) != 2 // the declaration and this assignment
                || !IsMovable(value))
            {
                continue;
            }

            var read = new LocalExpr(local);
            var inlined = false;
            if (counts.LocalReads(local) > 1 && IsAlias(value) && FindReaders(sequence, i + 1, read, value, gone, counts.LocalReads(local)) is { } readers)
            {
                // A copy of another adjoint that no longer changes (dt19 = da_1), or its negation: every read is that adjoint.
                foreach (var k in readers)
                {
                    sequence[k] = Substitute(sequence[k], read, value);
                }

                inlined = true;
            }
            else if (counts.LocalReads(local) == 1 && FindReader(sequence, i + 1, read, value, gone) is { } j)
            {
                sequence[j] = Substitute(sequence[j], read, value);
                inlined = true;
            }

            if (inlined)
            {
                gone[i] = true;
                if (declaredHere.TryGetValue(local, out var at))
                {
                    gone[at] = true;
                }

                removed[local] = value;
                any = true;
            }
        }

        if (any)
        {
            var kept = sequence.Where((_, k) => !gone[k]).ToList();
            sequence.Clear();
            sequence.AddRange(kept);
        }
    }

    /// <summary>
    /// The index of the statement after <paramref name="start"/> that reads <paramref name="read"/>, when it is a plain
    /// statement at this level and nothing before it writes what <paramref name="value"/> reads; else null.
    /// </summary>
    private static int? FindReader(List<BStmt> statements, int start, Expr read, Expr value, bool[]? gone = null)
    {
        var operands = Operands(value);
        for (var j = start; j < statements.Count; j++)
        {
            if (gone is not null && gone[j])
            {
                continue;
            }

            var statement = statements[j];
            if (statement is BDeclare or BAssign or BEvaluate or BPush or BCall or BThrow && Reads(statement, read))
            {
                // The statement's own write happens after it reads (x = x * 2), so only statements before it count.
                return statement is BCall && Writes(statement, operands) ? null : j;
            }

            if (statement.Blocks.Any(b => b.Descendants().Any(s => Reads(s, read))) || Writes(statement, operands))
            {
                return null; // read in a nested block, or an operand changes before the read
            }
        }

        return null;
    }

    private static bool IsAlias(Expr value) => value is LocalExpr or LiteralExpr or UnaryExpr { Op: UnaryOp.Negate, Operand: LocalExpr };

    /// <summary>
    /// The indices of the <paramref name="count"/> statements after <paramref name="start"/> that read
    /// <paramref name="read"/>, when all are plain statements at this level and nothing up to the last writes what
    /// <paramref name="value"/> reads; else null.
    /// </summary>
    private static List<int>? FindReaders(List<BStmt> statements, int start, Expr read, Expr value, bool[] gone, int count)
    {
        var operands = Operands(value);
        var readers = new List<int>();
        for (var j = start; j < statements.Count && readers.Count < count; j++)
        {
            if (gone[j])
            {
                continue;
            }

            var statement = statements[j];
            var plain = statement is BDeclare or BAssign or BEvaluate or BPush or BCall or BThrow;
            if (plain && Reads(statement, read))
            {
                readers.Add(j);
                if (statement is BCall && Writes(statement, operands))
                {
                    return null;
                }

                // The reader may write an operand itself (dx = dx2 * y reads before it writes): later readers see the change.
                if (readers.Count < count && Writes(statement, operands))
                {
                    return null;
                }

                continue;
            }

            if (statement.Blocks.Any(b => b.Descendants().Any(s => Reads(s, read))) || Writes(statement, operands))
            {
                return null;
            }
        }

        return readers.Count == count ? readers : null;
    }

    private static bool Reads(BStmt statement, Expr read) => Counts.ExpressionsOf(statement).Any(e => e.DescendantsAndSelf().Any(d => Same(d, read)));

    /// <summary>The same local or SSA value (by identity, whatever the type recorded at each read).</summary>
    private static bool Same(Expr a, Expr b) => (a, b) switch
    {
        (LocalExpr x, LocalExpr y) => x.Local == y.Local,
        (VariableExpr x, VariableExpr y) => x.Id == y.Id,
        _ => false,
    };

    /// <summary>The locals and values an expression reads.</summary>
    private static HashSet<object> Operands(Expr value)
    {
        var operands = new HashSet<object>();
        foreach (var e in value.DescendantsAndSelf())
        {
            switch (e)
            {
                case LocalExpr local:
                    operands.Add(local.Local);
                    break;
                case VariableExpr variable:
                    operands.Add(variable.Id);
                    break;
            }
        }

        return operands;
    }

    private static bool Writes(BStmt statement, HashSet<object> operands)
    {
        if (operands.Count == 0)
        {
            return false;
        }

        foreach (var inner in statement.Blocks.SelectMany(b => b.Descendants()).Prepend(statement))
        {
            foreach (var written in Counts.WritesOf(inner))
            {
                if (operands.Contains(written))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Arithmetic, conversions and Math calls over locals, values and literals: evaluating it later gives the same value and no effect.</summary>
    private static bool IsMovable(Expr value)
    {
        var nodes = 0;
        foreach (var e in value.DescendantsAndSelf())
        {
            if (++nodes > MaxNodes)
            {
                return false;
            }

            switch (e)
            {
                case LiteralExpr or VariableExpr or LocalExpr or UnaryExpr or ConvertExpr or MathCallExpr or ConditionalExpr:
                    break;
                case BinaryExpr binary when binary.Op is not (BinaryOp.Divide or BinaryOp.Remainder) || binary.Type.Kind is ValueKind.Double or ValueKind.Float:
                    break; // an integer division may throw
                default:
                    return false;
            }
        }

        return true;
    }

    private static Expr ReplaceRemoved(Expr expression, Dictionary<Local, Expr> removed)
        => expression is LocalExpr local && removed.TryGetValue(local.Local, out var value) ? value : expression.Map(e => ReplaceRemoved(e, removed));

    private static Expr Replace(Expr expression, Expr from, Expr to)
        => Same(expression, from) ? to : expression.Map(e => Replace(e, from, to));

    /// <summary>Replaces every read in the block and the blocks nested in it (for a value that never changes).</summary>
    private static void SubstituteIn(BBlock block, Expr from, Expr to)
    {
        for (var i = 0; i < block.Statements.Count; i++)
        {
            block.Statements[i] = Substitute(block.Statements[i], from, to);
            foreach (var inner in block.Statements[i].Blocks)
            {
                SubstituteIn(inner, from, to);
            }
        }
    }

    private static BStmt Substitute(BStmt statement, Expr from, Expr to)
    {
        Expr R(Expr e) => Replace(e, from, to);
        return statement switch
        {
            BDeclare { Initializer: { } initializer } declare => new BDeclare(declare.Target, declare.Type, R(initializer)),
            BAssign assign => new BAssign(assign.Target is ElementTarget element ? new ElementTarget(R(element.Array), R(element.Index)) : assign.Target, assign.Kind, R(assign.Value)),
            BEvaluate evaluate => new BEvaluate(R(evaluate.Value)),
            BPush push => new BPush(push.Tape, R(push.Value)),
            BThrow @throw => new BThrow(R(@throw.Exception)),
            BIf branch => new BIf(R(branch.Condition), branch.Then, branch.Else),
            BWhile loop => new BWhile(R(loop.Condition), loop.Body),
            BCall call => new BCall(call.Receiver is null ? null : R(call.Receiver), call.Callee,
                call.Arguments.Select(a => a is InArgument input ? new InArgument(R(input.Value)) : a).ToList()),
            _ => statement,
        };
    }

    /// <summary>How often each local and each SSA value is read and written, over the whole method.</summary>
    private sealed class Counts
    {
        private readonly Dictionary<Local, int> _localReads = new();
        private readonly Dictionary<Local, int> _localWrites = new();
        private readonly Dictionary<int, int> _valueReads = new();
        private readonly Dictionary<int, int> _valueWrites = new();

        public int LocalReads(Local local) => _localReads.TryGetValue(local, out var n) ? n : 0;

        public int LocalWrites(Local local) => _localWrites.TryGetValue(local, out var n) ? n : 0;

        public int ValueReads(int id) => _valueReads.TryGetValue(id, out var n) ? n : 0;

        public int ValueWrites(int id) => _valueWrites.TryGetValue(id, out var n) ? n : 0;

        public void AddMethod(BackwardMethod method)
        {
            foreach (var statement in method.Checks.Concat(method.Declarations).Concat(method.Forward.Descendants())
                .Concat(method.AdjointDeclarations).Concat(method.Reverse.Descendants()).Concat(method.Gradients))
            {
                foreach (var expression in ExpressionsOf(statement))
                {
                    AddReads(expression);
                }

                foreach (var written in WritesOf(statement))
                {
                    if (written is Local local)
                    {
                        _localWrites[local] = LocalWrites(local) + 1;
                    }
                    else
                    {
                        _valueWrites[(int)written] = ValueWrites((int)written) + 1;
                    }
                }
            }

            AddReads(method.Result);
        }

        private void AddReads(Expr expression)
        {
            foreach (var e in expression.DescendantsAndSelf())
            {
                switch (e)
                {
                    case LocalExpr local:
                        _localReads[local.Local] = LocalReads(local.Local) + 1;
                        break;
                    case VariableExpr variable:
                        _valueReads[variable.Id] = ValueReads(variable.Id) + 1;
                        break;
                }
            }
        }

        /// <summary>The expressions a statement evaluates itself (not those of the blocks nested in it).</summary>
        public static IEnumerable<Expr> ExpressionsOf(BStmt statement) => statement switch
        {
            BDeclare declare => declare.Initializer is { } initializer ? new[] { initializer } : Array.Empty<Expr>(),
            BAssign assign => assign.Target is ElementTarget element ? new[] { element.Array, element.Index, assign.Value } : new[] { assign.Value },
            BEvaluate evaluate => new[] { evaluate.Value },
            BPush push => new[] { push.Value },
            BCall call => (call.Receiver is null ? Array.Empty<Expr>() : new[] { call.Receiver })
                .Concat(call.Arguments.OfType<InArgument>().Select(a => a.Value)),
            BIf branch => new[] { branch.Condition },
            BWhile loop => new[] { loop.Condition },
            BThrow @throw => new[] { @throw.Exception },
            BReverseLoop loop => new Expr[] { new LocalExpr(loop.Count) },
            BComment or BBreak or BSlot => Array.Empty<Expr>(),
            _ => throw new InvalidOperationException("unknown statement kind " + statement.GetType().Name),
        };

        /// <summary>The locals (<see cref="Local"/>) and SSA values (their id) a statement writes itself.</summary>
        public static IEnumerable<object> WritesOf(BStmt statement) => statement switch
        {
            BDeclare { Target: var target } => TargetOf(target),
            BAssign { Target: var target } => TargetOf(target),
            BCall call => call.Arguments.OfType<OutArgument>().Select(a => (object)a.Local),
            BReverseLoop loop => new object[] { loop.Iteration },
            _ => Array.Empty<object>(),
        };

        private static IEnumerable<object> TargetOf(Target target) => target switch
        {
            LocalTarget local => new object[] { local.Local },
            ValueTarget value => new object[] { value.ValueId },
            _ => Array.Empty<object>(),
        };
    }
}
