using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// Source IR to SSA (<see cref="LoweredMethod"/>). Three rewrites make the reverse sweep simple:
    /// <list type="bullet">
    /// <item>every assignment defines a new value, and an if merges what its branches assigned with phis, so no value
    /// the reverse sweep reads is ever overwritten (no tape for loop-free code);</item>
    /// <item>floating-point expressions become one operation per value, and <c>?:</c> of floating type becomes an
    /// if, so the branch not taken is never evaluated (no NaN from it, unlike <c>torch.where</c>);</item>
    /// <item>an if that returns in some path takes the statements after it into its branches, so every path ends
    /// in a return and the method has one result.</item>
    /// </list>
    /// Expressions of other types (conditions, integers) stay trees: they carry no gradient.
    /// </summary>
    internal sealed class Lowering
    {
        private readonly MethodModel _method;
        private readonly List<SsaValue> _values = new();
        private readonly NameAllocator _names = new();

        // Names of the user's locals that no value has used yet: the first value of a local keeps the local's name.
        private readonly HashSet<string> _unclaimedLocalNames = new(StringComparer.Ordinal);
        private string _seedName = "seed";
        private int _temporaryCount;
        private int _branchDepth;
        private SsaValue? _result;

        // Set by every return once the method has a guard 'if (!returned)' (LowerGuarded): made with the first one.
        private SsaValue? _returned;
        private readonly List<LoweredLoop> _loops = new();

        // Element reads of parameter arrays (never written) already made in the scope being lowered: reading x[i] again
        // reuses the value, so its gradient is accumulated once. Scoped like the values: a branch's reads end with it.
        private Dictionary<(int Array, Expr Index), VariableExpr> _elementReads = new();
        private readonly HashSet<int> _parameterValues = new();

        // The loop being lowered (innermost) and the if-depth at its start.
        private int _currentLoop = -1;
        private int _loopBranchDepth;

        private Lowering(MethodModel method) => _method = method;

        /// <summary>A chain of statements still to run after the current block: what a returning if takes into its branches.</summary>
        private sealed class Continuation(EquatableArray<Stmt> statements, int index, Continuation? next)
        {
            public EquatableArray<Stmt> Statements { get; } = statements;

            public int Index { get; } = index;

            public Continuation? Next { get; } = next;
        }

        public static LoweredMethod Lower(MethodModel method) => new Lowering(method).Run();

        private LoweredMethod Run()
        {
            // Every name in scope of the backward method: parameters, gradient parameters and the seed (public
            // names, which never change: seed unless a parameter is named seed), then the user's locals. A local that
            // collides with one of the former, or is named _ (which would capture the generated discards), is renamed.
            foreach (var parameter in _method.Parameters)
            {
                _names.Reserve(parameter.Name);
                _names.Reserve(parameter.GradientName);
            }

            _seedName = BackwardConvention.SeedName(_names);
            if (_method.Forward)
            {
                // The tangent and Hessian-vector methods' parameters (ForwardMode) are in scope of the same body.
                foreach (var name in BackwardConvention.ForwardNamesOf(_method.Parameters).All)
                {
                    _names.Reserve(name);
                }
            }

            foreach (var variable in _method.Variables)
            {
                if (!variable.IsParameter && variable.Name != "_" && !_names.IsTaken(variable.Name))
                {
                    _names.Reserve(variable.Name);
                    _unclaimedLocalNames.Add(variable.Name);
                }
            }

            var environment = new Dictionary<int, Expr>();
            var parameterValues = new int[_method.Parameters.Count];
            _parameterValues.Clear();
            for (var i = 0; i < _method.Parameters.Count; i++)
            {
                var parameter = _method.Parameters[i];
                // A member of this is read as this.Name (its name comes escaped); this itself as this.
                var value = new SsaValue(_values.Count, parameter.Member is null ? NameAllocator.Escape(parameter.Name) : parameter.Name, parameter.Type, isPhi: false);
                _values.Add(value);
                parameterValues[i] = value.Id;
                _parameterValues.Add(value.Id);
                environment[parameter.VariableId] = new VariableExpr(value.Id, parameter.Type);
            }

            var body = new LoweredBlock();
            var end = LowerStatements(_method.Body.Statements, 0, environment, null, body);
            if (end is not null)
            {
                throw new InvalidOperationException("not all code paths return a value");
            }

            var result = SimplifyResult(body);
            return new LoweredMethod(_method, _values, body, result, parameterValues, _names, _seedName, _loops);
        }

        // A single return at the top level needs no result phi: the returned value is the result.
        private Expr SimplifyResult(LoweredBlock body)
        {
            var phi = _result ?? throw new InvalidOperationException("the method has no return");
            var assignments = CountPhiAssignments(body, phi.Id);
            if (assignments == 1 && body.Statements.Count > 0 && body.Statements[body.Statements.Count - 1] is PhiStmt last && last.PhiId == phi.Id)
            {
                body.Statements.RemoveAt(body.Statements.Count - 1);
                return last.Value;
            }

            return new VariableExpr(phi.Id, phi.Type);
        }

        private static int CountPhiAssignments(LoweredBlock block, int phiId)
        {
            var count = 0;
            foreach (var statement in block.Statements)
            {
                count += statement switch
                {
                    PhiStmt phi when phi.PhiId == phiId => 1,
                    LoweredIf branch => CountPhiAssignments(branch.Then, phiId) + CountPhiAssignments(branch.Else, phiId),
                    _ => 0,
                };
            }

            return count;
        }

        /// <summary>Lowers statements from <paramref name="index"/> on, then the continuation; returns the environment at the end, or null when every path returned.</summary>
        private Dictionary<int, Expr>? LowerStatements(EquatableArray<Stmt> statements, int index, Dictionary<int, Expr> environment, Continuation? continuation, LoweredBlock output)
        {
            for (var i = index; i < statements.Count; i++)
            {
                switch (statements[i])
                {
                    case AssignStmt { Value: LiteralExpr or VariableExpr } copy when _currentLoop < 0 && copy.Value.Type.IsFloating && _method.Variables[copy.VariableId].Type.Equals(copy.Value.Type):
                        // v = 0.5 or v = w outside loops: v holds the same operand, no new value (a local and an adjoint fewer).
                        environment[copy.VariableId] = copy.Value is VariableExpr read ? environment[read.Id] : copy.Value;
                        break;

                    case AssignStmt assign:
                        var variable = _method.Variables[assign.VariableId];
                        environment[assign.VariableId] = LowerExpression(assign.Value, environment, output, assign.Line, assign.Source, variable.Name, forceValue: true);
                        break;

                    case ExpressionStmt expression:
                        output.Statements.Add(new EffectStmt(Rewrite(expression.Value, environment), expression.Line, expression.Source));
                        break;

                    case ReturnStmt ret:
                        var returned = LowerExpression(ret.Value, environment, output, ret.Line, ret.Source, null, forceValue: false);
                        _result ??= NewValue("result", _method.ReturnType, isPhi: true);
                        output.Statements.Add(new PhiStmt(_result.Id, returned, ret.Line, ret.Source));
                        if (_returned is not null)
                        {
                            output.Statements.Add(new PhiStmt(_returned.Id, new LiteralExpr("true", TypeRef.Bool), ret.Line, ret.Source));
                        }

                        return null;

                    case IfStmt branch when IsConstant(branch.Condition, out var holds):
                        // if (true) / if (1 > 2): only the branch taken is lowered, in line, so no dead branch is printed.
                        return LowerStatements((holds ? branch.Then : branch.Else).Statements, 0, environment, new Continuation(statements, i + 1, continuation), output);

                    case IfStmt branch when _currentLoop < 0 && IsSpliceable(branch):
                        // if (c) { ... return; } else { E }: E runs after the if (an else-if chain of returns is a sequence).
                        return LowerStatements(
                            new[] { (Stmt)(branch with { Else = Block.Empty }) }.ToEquatableArray(), 0, environment,
                            new Continuation(branch.Else.Statements, 0, new Continuation(statements, i + 1, continuation)), output);

                    case IfStmt branch when _currentLoop < 0 && (Jumps(branch.Then) || Jumps(branch.Else)) && UseGuards(branch, statements, i + 1, continuation):
                    {
                        // The rest of the method runs once, after the if, in guards 'if (!returned)' (see LowerGuarded).
                        var rest = Flatten(statements, i + 1, continuation);
                        var after = LowerGuardedIf(branch, Rewrite(branch.Condition, environment), environment, output);
                        return after is null ? null : LowerGuarded(rest, after, output);
                    }

                    case IfStmt branch when Jumps(branch.Then) || Jumps(branch.Else):
                    {
                        // The rest of this block (and of the enclosing ones, up to the loop body's end) runs in each
                        // branch that falls through; a return ends its path (null), a break or continue ends the iteration.
                        var rest = new Continuation(statements, i + 1, continuation);
                        var condition = Rewrite(branch.Condition, environment);
                        var first = _values.Count;
                        var then = LowerBranch(branch.Then, environment, rest);
                        var @else = LowerBranch(branch.Else, environment, rest);
                        output.Statements.Add(new LoweredIf(condition, then.Block, @else.Block, branch.Line, branch.Source));
                        if (then.Environment is null && @else.Environment is null)
                        {
                            return null;
                        }

                        if ((then.Environment is null || @else.Environment is null) && _currentLoop < 0 && _returned is not null)
                        {
                            // In a guarded part (or a branch of a guarded if): the path that goes on leaves the part.
                            var (live, block) = then.Environment is null ? (@else.Environment!, @else.Block) : (then.Environment, then.Block);
                            return Escape(live, block, first, branch.Line, branch.Source);
                        }

                        if (then.Environment is null || @else.Environment is null)
                        {
                            throw new InvalidOperationException("a path returns from inside a loop (line " + branch.Line + ": " + branch.Source + ")");
                        }

                        MergeWithPhis(environment, then.Environment, then.Block, @else.Environment, @else.Block, branch.Line, branch.Source);
                        return environment;
                    }

                    case BreakStmt brk:
                        environment[brk.FlagId] = new LiteralExpr("true", TypeRef.Bool);
                        return environment;

                    case ContinueStmt:
                        return environment;

                    case LoopStmt loop:
                        LowerLoop(loop, environment, output);
                        break;

                    case StoreStmt store:
                    {
                        var array = (VariableExpr)environment[store.ArrayVariableId];
                        var element = Rewrite(store.Index, environment);
                        var value = LowerExpression(store.Value, environment, output, store.Line, store.Source, null, forceValue: false);
                        output.Statements.Add(new LoweredStore(array.Id, element, value, store.Line, store.Source));
                        break;
                    }

                    case IfStmt branch:
                    {
                        var condition = Rewrite(branch.Condition, environment);
                        var then = LowerBranch(branch.Then, environment, null);
                        var @else = LowerBranch(branch.Else, environment, null);
                        MergeWithPhis(environment, then.Environment!, then.Block, @else.Environment!, @else.Block, branch.Line, branch.Source);
                        output.Statements.Add(new LoweredIf(condition, then.Block, @else.Block, branch.Line, branch.Source));
                        break;
                    }

                    default:
                        throw new InvalidOperationException("unexpected statement " + statements[i].GetType().Name);
                }
            }

            return continuation is null ? environment : LowerStatements(continuation.Statements, continuation.Index, environment, continuation.Next, output);
        }

        private (LoweredBlock Block, Dictionary<int, Expr>? Environment) LowerBranch(Block block, Dictionary<int, Expr> environment, Continuation? continuation)
        {
            var output = new LoweredBlock();
            _branchDepth++;
            var reads = EnterScope();
            var end = LowerStatements(block.Statements, 0, new Dictionary<int, Expr>(environment), continuation, output);
            _elementReads = reads;
            _branchDepth--;
            return (output, end);
        }

        private void MergeWithPhis(Dictionary<int, Expr> environment, Dictionary<int, Expr> then, LoweredBlock thenBlock, Dictionary<int, Expr> @else, LoweredBlock elseBlock, int line, string source)
        {
            foreach (var variableId in then.Keys.Union(@else.Keys).OrderBy(id => id).ToList())
            {
                // A variable declared inside only one branch is out of scope after the if.
                if (!then.TryGetValue(variableId, out var fromThen) || !@else.TryGetValue(variableId, out var fromElse))
                {
                    continue;
                }

                if (fromThen.Equals(fromElse))
                {
                    environment[variableId] = fromThen;
                    continue;
                }

                var variable = _method.Variables[variableId];
                var phi = NewValue(variable.Name, variable.Type, isPhi: true);
                thenBlock.Statements.Add(new PhiStmt(phi.Id, fromThen, line, source));
                elseBlock.Statements.Add(new PhiStmt(phi.Id, fromElse, line, source));
                environment[variableId] = new VariableExpr(phi.Id, phi.Type);
            }
        }

        /// <summary>
        /// How many returning ifs may still take the rest of the method into their branches (nesting the code one level
        /// deeper each): up to this many, a method reads as before (<c>if (c) return a; return b;</c> is an if/else);
        /// beyond, the rest is lowered once, after the if, under guards on a <c>returned</c> flag.
        /// </summary>
        private const int MaxNestedReturns = 3;

        // Guards: a returning if whose branches both fall through (taking the rest into both would copy it twice),
        // one with MaxNestedReturns returning ifs or more after it, or one at the end of a guarded part that falls through.
        private static bool UseGuards(IfStmt branch, EquatableArray<Stmt> statements, int index, Continuation? continuation)
        {
            if (!HasStatements(statements, index, continuation))
            {
                // Last in a guarded part: a branch that falls through goes on after the part.
                return !(AlwaysExits(branch.Then) && AlwaysExits(branch.Else));
            }

            var exits = AlwaysExits(branch.Then) || AlwaysExits(branch.Else);
            return !exits || CountJumps(statements, index, continuation, MaxNestedReturns) >= MaxNestedReturns;
        }

        private static bool HasStatements(EquatableArray<Stmt> statements, int index, Continuation? continuation)
        {
            for (; ; statements = continuation!.Statements, index = continuation.Index, continuation = continuation.Next)
            {
                if (index < statements.Count)
                {
                    return true;
                }

                if (continuation is null)
                {
                    return false;
                }
            }
        }

        // The ifs that may leave the method early, from index on (up to limit), an else-if chain of returns counting one each.
        private static int CountJumps(EquatableArray<Stmt> statements, int index, Continuation? continuation, int limit)
        {
            var all = new List<Stmt>();
            var jumps = 0;
            while (true)
            {
                for (var i = index; i < statements.Count && jumps < limit; i++)
                {
                    var added = all.Count;
                    AddExpanded(statements[i], all, added + limit);
                    for (var j = added; j < all.Count; j++)
                    {
                        jumps += IsJump(all[j]) ? 1 : 0;
                    }
                }

                if (continuation is null || jumps >= limit)
                {
                    return jumps;
                }

                (statements, index, continuation) = (continuation.Statements, continuation.Index, continuation.Next);
            }
        }

        private static bool IsJump(Stmt statement) => statement is IfStmt branch && (Jumps(branch.Then) || Jumps(branch.Else));

        // if (c) { ... return; } else { E } is if (c) { ... return; } followed by E (so an else-if chain of returns is a
        // sequence of ifs that return). Outside loops only, where an early exit is a return.
        private static bool IsSpliceable(IfStmt branch)
            => !IsConstant(branch.Condition, out _) && branch.Else.Statements.Count > 0 && AlwaysExits(branch.Then) && Jumps(branch.Then);

        /// <summary>The rest of the method as a list, else-if chains of returns spliced (<see cref="IsSpliceable"/>); stops after about <paramref name="limit"/> statements.</summary>
        private static void AddExpanded(Stmt statement, List<Stmt> output, int limit = int.MaxValue)
        {
            var current = statement;
            while (current is IfStmt branch && IsSpliceable(branch) && output.Count < limit)
            {
                output.Add(branch with { Else = Block.Empty });
                if (branch.Else.Statements.Count != 1)
                {
                    foreach (var inner in branch.Else.Statements)
                    {
                        AddExpanded(inner, output, limit);
                    }

                    return;
                }

                current = branch.Else.Statements[0];
            }

            output.Add(current);
        }

        private static List<Stmt> Flatten(EquatableArray<Stmt> statements, int index, Continuation? continuation)
        {
            var all = new List<Stmt>();
            while (true)
            {
                for (var i = index; i < statements.Count; i++)
                {
                    AddExpanded(statements[i], all);
                }

                if (continuation is null)
                {
                    return all;
                }

                (statements, index, continuation) = (continuation.Statements, continuation.Index, continuation.Next);
            }
        }

        // Every path through the block ends in a return (or a break or continue).
        private static bool AlwaysExits(Block block)
        {
            if (block.Statements.Count == 0)
            {
                return false;
            }

            return block.Statements[block.Statements.Count - 1] switch
            {
                ReturnStmt or BreakStmt or ContinueStmt => true,
                IfStmt branch when IsConstant(branch.Condition, out var holds) => AlwaysExits(holds ? branch.Then : branch.Else),
                IfStmt branch => AlwaysExits(branch.Then) && AlwaysExits(branch.Else),
                _ => false,
            };
        }

        private static bool IsConstant(Expr condition, out bool value)
        {
            value = condition is LiteralExpr { Text: "true" };
            return condition is LiteralExpr { Text: "true" or "false" };
        }

        /// <summary>
        /// A returning if whose rest runs after it: its branches are lowered alone, and after it the method goes on
        /// with the values of the branches that fall through (those of a branch that returned are never read again:
        /// everything after is guarded by <c>!returned</c>). Null when both branches return.
        /// </summary>
        private Dictionary<int, Expr>? LowerGuardedIf(IfStmt branch, Expr condition, Dictionary<int, Expr> environment, LoweredBlock output)
        {
            _returned ??= NewValue("returned", TypeRef.Bool, isPhi: true);
            var first = _values.Count;
            var then = LowerBranch(branch.Then, environment, null);
            var @else = LowerBranch(branch.Else, environment, null);
            output.Statements.Add(new LoweredIf(condition, then.Block, @else.Block, branch.Line, branch.Source));
            if (then.Environment is null && @else.Environment is null)
            {
                return null;
            }

            if (then.Environment is null || @else.Environment is null)
            {
                var (live, block) = then.Environment is null ? (@else.Environment!, @else.Block) : (then.Environment, then.Block);
                return Escape(live, block, first, branch.Line, branch.Source);
            }

            MergeWithPhis(environment, then.Environment, then.Block, @else.Environment, @else.Block, branch.Line, branch.Source);
            return environment;
        }

        /// <summary>
        /// The rest of the method after a returning if, each part under a guard <c>if (!returned)</c> at the same level,
        /// so the code does not nest deeper with every return: a part ends with the next returning if, or runs to the end
        /// when at most <see cref="MaxNestedReturns"/> are left. A part that is one <c>if (c) { ... return; }</c> becomes
        /// <c>if (!returned &amp;&amp; c)</c>.
        /// </summary>
        private Dictionary<int, Expr>? LowerGuarded(List<Stmt> rest, Dictionary<int, Expr> environment, LoweredBlock output)
        {
            var notReturned = new UnaryExpr(UnaryOp.Not, new VariableExpr(_returned!.Id, TypeRef.Bool), TypeRef.Bool);
            // jumpsFrom[i]: the returning ifs in rest[i..].
            var jumpsFrom = new int[rest.Count + 1];
            for (var i = rest.Count - 1; i >= 0; i--)
            {
                jumpsFrom[i] = jumpsFrom[i + 1] + (IsJump(rest[i]) ? 1 : 0);
            }

            var start = 0;
            while (start < rest.Count)
            {
                var end = rest.Count;
                if (jumpsFrom[start] > MaxNestedReturns)
                {
                    end = start;
                    while (jumpsFrom[end + 1] == jumpsFrom[start])
                    {
                        end++;
                    }

                    end++;
                }

                if (end == start + 1 && rest[start] is IfStmt single && !IsConstant(single.Condition, out _)
                    && (Jumps(single.Then) || Jumps(single.Else)) && single.Else.Statements.Count == 0 && AlwaysExits(single.Then))
                {
                    var condition = new BinaryExpr(BinaryOp.ConditionalAnd, notReturned, Rewrite(single.Condition, environment), TypeRef.Bool);
                    environment = LowerGuardedIf(single, condition, environment, output) ?? throw new InvalidOperationException("an if (c) return that falls through");
                }
                else
                {
                    var part = new Block(new EquatableArray<Stmt>(rest.Skip(start).Take(end - start).ToArray()));
                    var first = _values.Count;
                    var guarded = LowerBranch(part, environment, null);
                    output.Statements.Add(new LoweredIf(notReturned, guarded.Block, new LoweredBlock(), rest[start].Line, rest[start].Source));
                    if (guarded.Environment is null)
                    {
                        return null; // the rest returns in every path (anything after is unreachable)
                    }

                    environment = Escape(guarded.Environment, guarded.Block, first, rest[start].Line, rest[start].Source);
                }

                start = end;
            }

            return environment;
        }

        // After a block that only the path going on leaves through: the values it defined that the method reads after it
        // are passed out by phis assigned at its end (phis are declared at the top; a value is declared in its block).
        private Dictionary<int, Expr> Escape(Dictionary<int, Expr> environment, LoweredBlock block, int first, int line, string source)
        {
            foreach (var variableId in environment.Keys.OrderBy(id => id).ToList())
            {
                if (environment[variableId] is VariableExpr { Id: var id } && id >= first && !_values[id].IsPhi)
                {
                    var variable = _method.Variables[variableId];
                    var phi = NewValue(variable.Name, variable.Type, isPhi: true);
                    block.Statements.Add(new PhiStmt(phi.Id, environment[variableId], line, source));
                    environment[variableId] = new VariableExpr(phi.Id, phi.Type);
                }
            }

            return environment;
        }

        // Whether a block leaves its path early: return, or break/continue of the loop being lowered (those of a
        // nested loop stay inside it).
        private static bool Jumps(Block block) => block.Statements.Any(s => s switch
        {
            ReturnStmt or BreakStmt or ContinueStmt => true,
            IfStmt branch => Jumps(branch.Then) || Jumps(branch.Else),
            _ => false,
        });

        /// <summary>
        /// A loop: every variable the body assigns that has a value before the loop gets a header phi (entry value,
        /// then the value at the end of the previous iteration); the body and step are lowered once, with the phis in
        /// the environment; after the loop the variables hold their phis.
        /// </summary>
        private void LowerLoop(LoopStmt loop, Dictionary<int, Expr> environment, LoweredBlock output)
        {
            var assigned = new SortedSet<int>();
            CollectAssigned(loop.Body, assigned);
            CollectAssigned(loop.Step, assigned);

            var id = _loops.Count;
            var phis = new List<(int VariableId, LoopPhi Phi)>();
            foreach (var variableId in assigned)
            {
                if (!environment.TryGetValue(variableId, out var entry))
                {
                    continue; // declared in the body: a fresh value each iteration
                }

                var variable = _method.Variables[variableId];
                var phi = NewValue(variable.Name, variable.Type, isPhi: true);
                phi.HeaderOf = id;
                phis.Add((variableId, new LoopPhi(phi.Id, entry)));
                environment[variableId] = new VariableExpr(phi.Id, variable.Type);
            }

            var body = new LoweredBlock();
            var lowered = new LoweredLoop(id, _currentLoop, phis.Select(p => p.Phi).ToList(), loop.ConditionFirst, body, loop.Line, loop.Source);
            _loops.Add(lowered);
            if (loop.ConditionFirst)
            {
                lowered.Condition = Rewrite(loop.Condition, environment);
            }

            var (outerLoop, outerBranchDepth) = (_currentLoop, _loopBranchDepth);
            (_currentLoop, _loopBranchDepth) = (id, _branchDepth);
            var reads = EnterScope();
            var end = LowerStatements(loop.Body.Statements, 0, new Dictionary<int, Expr>(environment), null, body)
                ?? throw new InvalidOperationException("a loop body that always returns");
            end = LowerStatements(loop.Step.Statements, 0, end, null, body) ?? throw new InvalidOperationException("a loop step that returns");
            _elementReads = reads;
            (_currentLoop, _loopBranchDepth) = (outerLoop, outerBranchDepth);

            foreach (var (variableId, phi) in phis)
            {
                phi.Back = end[variableId];
            }

            if (!loop.ConditionFirst)
            {
                lowered.Condition = Rewrite(loop.Condition, end);
            }

            output.Statements.Add(lowered);
        }

        private static void CollectAssigned(Block block, SortedSet<int> assigned)
        {
            foreach (var statement in block.Statements)
            {
                switch (statement)
                {
                    case AssignStmt assign:
                        assigned.Add(assign.VariableId);
                        break;
                    case BreakStmt brk:
                        assigned.Add(brk.FlagId);
                        break;
                    case IfStmt branch:
                        CollectAssigned(branch.Then, assigned);
                        CollectAssigned(branch.Else, assigned);
                        break;
                    case LoopStmt loop:
                        CollectAssigned(loop.Body, assigned);
                        CollectAssigned(loop.Step, assigned);
                        break;
                }
            }
        }

        /// <summary>
        /// Lowers an expression to an operand: a value reference or a literal (or a constant tree for non-floating
        /// types). With <paramref name="forceValue"/> the result is always a value named <paramref name="name"/>, so a
        /// user's variable keeps its name in the generated code.
        /// </summary>
        private Expr LowerExpression(Expr expression, Dictionary<int, Expr> environment, LoweredBlock output, int line, string source, string? name, bool forceValue)
        {
            expression = Derivatives.Resolve(expression, _method.Derivatives); // a call with a [DerivativeOf] registration
            if (!expression.Type.IsFloating)
            {
                var tree = Rewrite(expression, environment);
                return forceValue ? Define(tree, output, line, source, name) : tree;
            }

            switch (expression)
            {
                case LiteralExpr or VariableExpr:
                    var operand = expression is VariableExpr v ? environment[v.Id] : expression;
                    return forceValue ? Define(operand, output, line, source, name) : operand;

                case ConditionalExpr conditional when IsConstant(conditional.Condition, out var holds):
                    // c ? a : b with a constant c (0.3 > 0, a const flag): only the arm taken is lowered, as for an if,
                    // so no 'if (true)' with an unreachable else (CS0162) is printed where the user's ?: had no warning.
                    return LowerExpression(holds ? conditional.WhenTrue : conditional.WhenFalse, environment, output, line, source, name, forceValue);

                case ConditionalExpr conditional:
                {
                    var condition = Rewrite(conditional.Condition, environment);
                    var phi = NewValue(name ?? NextTemporaryName(), conditional.Type, isPhi: true);
                    var then = new LoweredBlock();
                    var @else = new LoweredBlock();
                    _branchDepth++;
                    var reads = EnterScope();
                    then.Statements.Add(new PhiStmt(phi.Id, LowerExpression(conditional.WhenTrue, environment, then, line, source, null, false), line, source));
                    _elementReads = reads;
                    reads = EnterScope();
                    @else.Statements.Add(new PhiStmt(phi.Id, LowerExpression(conditional.WhenFalse, environment, @else, line, source, null, false), line, source));
                    _elementReads = reads;
                    _branchDepth--;
                    output.Statements.Add(new LoweredIf(condition, then, @else, line, source));
                    return new VariableExpr(phi.Id, phi.Type);
                }

                case BinaryExpr binary:
                    return Define(binary with
                    {
                        Left = LowerExpression(binary.Left, environment, output, line, source, null, false),
                        Right = LowerExpression(binary.Right, environment, output, line, source, null, false),
                    }, output, line, source, name);

                case UnaryExpr unary:
                    return Define(unary with { Operand = LowerExpression(unary.Operand, environment, output, line, source, null, false) }, output, line, source, name);

                case ConvertExpr convert:
                    return Define(convert with { Operand = LowerExpression(convert.Operand, environment, output, line, source, null, false) }, output, line, source, name);

                case ElementExpr element:
                {
                    var read = element with { Array = Rewrite(element.Array, environment), Index = Rewrite(element.Index, environment) };
                    var key = read.Array is VariableExpr { Id: var arrayId } && _parameterValues.Contains(arrayId) ? (arrayId, read.Index) : ((int, Expr)?)null;
                    if (key is { } k && name is null && _elementReads.TryGetValue(k, out var earlier))
                    {
                        return earlier;
                    }

                    var defined = Define(read, output, line, source, name);
                    if (key is { } added)
                    {
                        _elementReads[added] = defined;
                    }

                    return defined;
                }

                case MathCallExpr call:
                    return Define(call with { Arguments = LowerAll(call.Arguments, environment, output, line, source) }, output, line, source, name);

                case UserCallExpr call:
                    return Define(call with
                    {
                        Receiver = call.Receiver is null ? null : Rewrite(call.Receiver, environment),
                        Arguments = LowerAll(call.Arguments, environment, output, line, source),
                    }, output, line, source, name);

                case OpaqueExpr opaque:
                    return Define(opaque with { Arguments = LowerAll(opaque.Arguments, environment, output, line, source) }, output, line, source, name);

                default:
                    throw new InvalidOperationException("unexpected expression " + expression.GetType().Name);
            }
        }

        private EquatableArray<Expr> LowerAll(EquatableArray<Expr> expressions, Dictionary<int, Expr> environment, LoweredBlock output, int line, string source)
            => expressions.Select(e => LowerExpression(e, environment, output, line, source, null, false)).ToEquatableArray();

        private VariableExpr Define(Expr value, LoweredBlock output, int line, string source, string? name)
        {
            var ssa = NewValue(name ?? NextTemporaryName(), value.Type, isPhi: false, isTemporary: name is null);
            output.Statements.Add(new LetStmt(ssa.Id, value, line, source));
            return new VariableExpr(ssa.Id, value.Type);
        }

        /// <summary>Replaces variable reads in a tree (a condition, an integer expression) with the values they hold.</summary>
        private static Expr Rewrite(Expr expression, Dictionary<int, Expr> environment)
            => expression is VariableExpr variable ? environment[variable.Id] : expression.Map(e => Rewrite(e, environment));

        /// <summary>Starts a scope for <see cref="_elementReads"/>; the caller restores the returned one at its end.</summary>
        private Dictionary<(int Array, Expr Index), VariableExpr> EnterScope()
        {
            var outer = _elementReads;
            _elementReads = new Dictionary<(int Array, Expr Index), VariableExpr>(outer);
            return outer;
        }

        private SsaValue NewValue(string name, TypeRef type, bool isPhi, bool isTemporary = false)
        {
            // A user's local keeps its name (escaped: @out) for its first value; later values and temporaries get
            // fresh names, which avoid every local's name and are never keywords.
            var unique = _unclaimedLocalNames.Remove(name) ? NameAllocator.Escape(name) : _names.Take(name);

            var value = new SsaValue(_values.Count, unique, type, isPhi)
            {
                InBranch = _branchDepth > 0,
                Loop = _currentLoop,
                InLoopBranch = _currentLoop >= 0 && _branchDepth > _loopBranchDepth,
                IsTemporary = isTemporary,
            };
            _values.Add(value);
            return value;
        }

        private string NextTemporaryName()
        {
            while (true)
            {
                var name = "t" + (_temporaryCount++).ToString(CultureInfo.InvariantCulture);
                if (!_names.IsTaken(name))
                {
                    return name;
                }
            }
        }
    }
}
