using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Rules;
using AutoDiff.Generators.Transforms;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// The reverse-mode transform: from the SSA form and its activity, the backward method's body. The forward
    /// sweep is the method itself; the reverse sweep visits its definitions in reverse order and, for each active
    /// <c>v = f(a, b)</c>, adds <c>dv * df/da</c> to <c>da</c> and <c>dv * df/db</c> to <c>db</c>. The reverse of an if
    /// is an if on the branch the forward sweep took; the reverse of a loop runs its iterations last to first.
    /// <para>
    /// Outside loops SSA guarantees every value the reverse sweep reads is still there. A loop redefines its body's
    /// values in every iteration, so for each value the reverse sweep reads (found while generating it, then closed
    /// over what restoring needs) one of three things is done, cheapest first:
    /// an integer induction variable (<c>i = i + c</c>) is recomputed from the iteration number; a cheap value at the
    /// top of the body (arithmetic, element reads of buffers the method never writes) is recomputed at the start of
    /// its reverse iteration; anything else is pushed to a tape before it is overwritten and popped where the reverse
    /// sweep passes its definition (Tapenade's store-on-overwrite). A loop summing independent terms needs no tape.
    /// </para>
    /// </summary>
    internal sealed class ReverseMode
    {
        private enum Strategy
        {
            /// <summary>Pushed before each overwrite, popped at its definition's mirror.</summary>
            Taped,

            /// <summary>Recomputed at the start of each reverse iteration of its loop.</summary>
            Recomputed,

            /// <summary>An induction variable: set from the iteration number at the start of each reverse iteration.</summary>
            Induction,
        }

        /// <summary>What the reverse of one loop leaves to fill once every reader is known.</summary>
        private sealed class LoopReverse(Local count, Local iteration)
        {
            public Local Count { get; } = count;

            public Local Iteration { get; } = iteration;

            /// <summary>Adjoint declarations of the values the body defines (zero at each reverse iteration).</summary>
            public BSlot Adjoints { get; } = new();

            /// <summary>Restores the iteration's header phis and recomputes cheap values.</summary>
            public BSlot Restore { get; } = new();

            /// <summary>After the reverse loop: pops what the forward loop's entry pushed (nested loops only).</summary>
            public BSlot EntryRestore { get; } = new();

            public bool Emitted { get; set; }
        }

        private readonly LoweredMethod _method;
        private readonly bool[] _active;
        private readonly HashSet<LoweredStore> _deadStores;
        private readonly NameAllocator _names;
        private readonly Local?[] _adjoints;
        private readonly HashSet<int> _readInReverse = new();
        private readonly Dictionary<int, HashSet<int>> _readContexts = new();
        private readonly HashSet<int> _adjointsUsed = new();
        private readonly Dictionary<LoweredIf, Local> _branchFlags = new();
        private readonly HashSet<LoweredIf> _nestedIfs = new();
        private readonly HashSet<LoweredIf> _tapedFlags = new();
        private readonly HashSet<int> _assignedPhis = new();
        private readonly Dictionary<int, LoopReverse> _loopReverse = new();
        private readonly Dictionary<int, BSlot> _popSlots = new();
        private readonly Dictionary<LoweredIf, BSlot> _ifPopSlots = new();
        private readonly Dictionary<int, LetStmt> _definitions = new();
        private readonly Dictionary<LoweredIf, SortedSet<int>> _ifPhis = new();
        private readonly HashSet<int> _storedArrays = new();
        private readonly Dictionary<int, Strategy> _strategies = new();
        private readonly Dictionary<string, Tape> _tapes = new(StringComparer.Ordinal);
        private readonly Local _seed;
        private int _context = -1;
        private int _branchCount;
        private int _gradientTemporaryCount;
        private int _loopCount;

        private ReverseMode(LoweredMethod method, bool[] active, HashSet<LoweredStore> deadStores)
        {
            _deadStores = deadStores;
            _method = method;
            _active = active;
            _names = method.Names;
            _seed = new Local(method.SeedName, method.Source.ReturnType);
            _adjoints = new Local?[method.Values.Count];
            Index(method.Body);
        }

        public static BackwardMethod Transform(LoweredMethod method, ActivityResult activity) => new ReverseMode(method, activity.Active, activity.DeadStores).Run();

        private BackwardMethod Run()
        {
            var resultValue = _method.Result as VariableExpr;
            var reverse = new BBlock();
            if (resultValue is not null && _active[resultValue.Id])
            {
                _adjointsUsed.Add(resultValue.Id);
                ReverseBlock(_method.Body, reverse, nested: false);
            }

            DecideStrategies();
            FillSlots(reverse);

            var forward = new BBlock();
            ForwardBlock(_method.Body, forward, nested: false);
            var result = _method.Result;
            if (resultValue is not null && _strategies.ContainsKey(resultValue.Id))
            {
                // The reverse sweep restores this variable to earlier iterations' values: keep the result first.
                var kept = new Local(_names.Take("value"), resultValue.Type);
                forward.Add(new BDeclare(new LocalTarget(kept), kept.Type, resultValue));
                result = new LocalExpr(kept);
            }

            var declarations = HoistedDeclarations();
            var adjointDeclarations = _adjointsUsed
                .Where(id => !_method.Values[id].Type.IsFloatingArray && _method.Values[id].Loop < 0)
                .OrderBy(id => id)
                .Select(id => new BDeclare(new LocalTarget(Adjoint(id)), _method.Values[id].Type,
                    resultValue is not null && id == resultValue.Id ? new LocalExpr(_seed) : Zero))
                .ToList();

            FirstWriteAssign.Run(reverse, adjointDeclarations);

            var gradients = new List<BAssign>();
            var thisGradient = _method.Source.ThisGradient;
            if (thisGradient is { IsStruct: true })
            {
                // out gradThis: every member zero but those this method reads.
                gradients.Add(new BAssign(new LocalTarget(new Local(thisGradient.Name, new TypeRef(thisGradient.TypeName, ValueKind.Other))), AssignKind.Set, new LiteralExpr("default", TypeRef.Int)));
            }

            foreach (var structParameter in _method.Source.Parameters.Where(p => p is { Role: ParameterRole.Struct, Member: null }))
            {
                // out gradP of a struct parameter: likewise.
                gradients.Add(new BAssign(new LocalTarget(new Local(structParameter.GradientName, new TypeRef(structParameter.Type.Display + ".Gradient", ValueKind.Other))), AssignKind.Set, new LiteralExpr("default", TypeRef.Int)));
            }

            for (var i = 0; i < _method.Source.Parameters.Count; i++)
            {
                var parameter = _method.Source.Parameters[i];
                if (parameter.Role is ParameterRole.Constant or ParameterRole.Span or ParameterRole.Object or ParameterRole.Struct)
                {
                    continue; // Spans and the gradients of objects are accumulated into directly.
                }

                var valueId = _method.ParameterValues[i];
                var gradient = new Local(parameter.GradientName, parameter.Type);
                if (parameter.Member is not null)
                {
                    // A member of gradThis: accumulated for a class (as PyTorch's .grad), assigned for a struct (out).
                    if (_adjointsUsed.Contains(valueId))
                    {
                        gradients.Add(new BAssign(new LocalTarget(gradient), parameter.MemberOfStruct ? AssignKind.Set : AssignKind.Add, new LocalExpr(Adjoint(valueId))));
                    }

                    continue;
                }

                gradients.Add(new BAssign(new LocalTarget(gradient), AssignKind.Set, _adjointsUsed.Contains(valueId) ? new LocalExpr(Adjoint(valueId)) : Zero));
            }

            var backward = new BackwardMethod(LengthChecks(), _tapes.Values.ToList(), declarations, forward, adjointDeclarations, reverse, gradients, result, _seed);
            SingleUseInlining.Run(backward, _method.Values);
            return backward;
        }

        // A gradient span of another length than its parameter would be written out of bounds or only in part: the
        // backward throws first, naming the gradient parameter (the message is built only when it throws).
        private List<BStmt> LengthChecks()
        {
            var checks = new List<BStmt>();
            if (_method.Source.ThisGradient is { IsStruct: false } thisGradient)
            {
                var self = new LocalExpr(new Local(thisGradient.Name, new TypeRef(thisGradient.TypeName, ValueKind.Other)));
                var then = new BBlock();
                then.Add(new BThrow(new OpaqueExpr($"new global::System.ArgumentNullException(\"{thisGradient.Name}\")", "ArgumentNullException", IsCall: true, EquatableArray<Expr>.Empty, TypeRef.Int, null)));
                checks.Add(new BIf(new OpaqueExpr("{0} is null", "null check", IsCall: false, new Expr[] { self }.ToEquatableArray(), TypeRef.Bool, null), then, new BBlock()));
            }

            for (var i = 0; i < _method.Source.Parameters.Count; i++)
            {
                var parameter = _method.Source.Parameters[i];
                if (parameter is { Role: ParameterRole.Object, Member: null })
                {
                    // A differentiable class parameter: its gradient object must exist (the callee's backward adds into it).
                    var gradientObject = new LocalExpr(new Local(parameter.GradientName, new TypeRef(parameter.Type.Display + ".Gradient", ValueKind.Other)));
                    var missing = new BBlock();
                    missing.Add(new BThrow(new OpaqueExpr($"new global::System.ArgumentNullException(\"{parameter.GradientName}\")", "ArgumentNullException", IsCall: true, EquatableArray<Expr>.Empty, TypeRef.Int, null)));
                    checks.Add(new BIf(new OpaqueExpr("{0} is null", "null check", IsCall: false, new Expr[] { gradientObject }.ToEquatableArray(), TypeRef.Bool, null), missing, new BBlock()));
                    continue;
                }

                if (parameter.Role != ParameterRole.Span)
                {
                    continue;
                }

                var gradient = new LocalExpr(Adjoint(_method.ParameterValues[i]));
                var value = Value(_method.ParameterValues[i]);
                var name = parameter.Name.TrimStart('@');
                if (parameter.Member is not null)
                {
                    // gradThis.W: an array of the gradient object, which may also be null.
                    var wrong = new BBlock();
                    wrong.Add(new BThrow(new OpaqueExpr($"new global::System.ArgumentException(\"{parameter.GradientName} must be an array of the length of {name}; create the gradient with NewGradient().\", \"{_method.Source.ThisGradient!.Name}\")",
                        "ArgumentException", IsCall: true, EquatableArray<Expr>.Empty, TypeRef.Int, null)));
                    var shape = parameter.Type.IsMatrix ? "({0} is null || {0}.GetLength(0) != {1}.GetLength(0) || {0}.GetLength(1) != {1}.GetLength(1))" : "({0} is null || {0}.Length != {1}.Length)";
                    checks.Add(new BIf(new OpaqueExpr(shape, "length check", IsCall: false, new Expr[] { gradient, value }.ToEquatableArray(), TypeRef.Bool, null), wrong, new BBlock()));
                    continue;
                }

                if (parameter.Type.IsMatrix)
                {
                    // A matrix's gradient has its shape: rows and columns both.
                    var rows = new OpaqueExpr($"\"{parameter.GradientName} must have the shape of {name} (\" + {{0}}.GetLength(0) + \" x \" + {{0}}.GetLength(1) + \"), not \" + {{1}}?.GetLength(0) + \" x \" + {{1}}?.GetLength(1) + \".\"",
                        "message", IsCall: false, new Expr[] { value, gradient }.ToEquatableArray(), TypeRef.Int, null);
                    var matrixThen = new BBlock();
                    matrixThen.Add(new BThrow(new OpaqueExpr($"new global::System.ArgumentException({{0}}, \"{parameter.GradientName}\")", "ArgumentException", IsCall: true, new Expr[] { rows }.ToEquatableArray(), TypeRef.Int, null)));
                    checks.Add(new BIf(new OpaqueExpr("({0} is null || {0}.GetLength(0) != {1}.GetLength(0) || {0}.GetLength(1) != {1}.GetLength(1))", "shape check", IsCall: false, new Expr[] { gradient, value }.ToEquatableArray(), TypeRef.Bool, null), matrixThen, new BBlock()));
                    continue;
                }

                var message = new OpaqueExpr(
                    $"\"{parameter.GradientName} must have the length of {name} (\" + {{0}}.Length + \"), not \" + {{1}}.Length + \".\"",
                    "message", IsCall: false, new Expr[] { value, gradient }.ToEquatableArray(), TypeRef.Int, null);
                var exception = new OpaqueExpr($"new global::System.ArgumentException({{0}}, \"{parameter.GradientName}\")", "ArgumentException",
                    IsCall: true, new Expr[] { message }.ToEquatableArray(), TypeRef.Int, null);
                var then = new BBlock();
                then.Add(new BThrow(exception));
                checks.Add(new BIf(new BinaryExpr(BinaryOp.NotEquals, Length(gradient), Length(value), TypeRef.Bool), then, new BBlock()));
            }

            return checks;
        }

        /// <summary>The literal 0, which C# converts to any numeric type.</summary>
        private static readonly LiteralExpr Zero = new("0", TypeRef.Int);

        private static readonly LiteralExpr One = new("1", TypeRef.Int);

        private static LiteralExpr Bool(bool value) => new(value ? "true" : "false", TypeRef.Bool);

        private VariableExpr Value(int valueId) => new(valueId, _method.Values[valueId].Type);

        private LocalExpr AdjointOf(int valueId) => new(Adjoint(valueId));

        private static OpaqueExpr Length(Expr array) => new("{0}.Length", "Length", IsCall: false, new[] { array }.ToEquatableArray(), TypeRef.Int, null);

        private static BComment LineComment(LoweredStmt statement, string suffix = "") => new(LineText(statement) + suffix);

        // Definitions, the phis each if assigns, and the buffers the method writes.
        private void Index(LoweredBlock block)
        {
            foreach (var statement in block.Statements)
            {
                switch (statement)
                {
                    case LetStmt let:
                        _definitions[let.ValueId] = let;
                        break;
                    case LoweredStore store:
                        _storedArrays.Add(store.ArrayId);
                        break;
                    case LoweredIf branch:
                        var phis = new SortedSet<int>(branch.Then.Statements.Concat(branch.Else.Statements).OfType<PhiStmt>().Select(p => p.PhiId));
                        if (phis.Count > 0)
                        {
                            _ifPhis[branch] = phis;
                        }

                        Index(branch.Then);
                        Index(branch.Else);
                        break;
                    case LoweredLoop loop:
                        Index(loop.Body);
                        break;
                }
            }
        }

        // ---- Forward sweep --------------------------------------------------------------------------------------

        private void ForwardBlock(LoweredBlock block, BBlock output, bool nested)
        {
            var lastLine = -1;
            foreach (var statement in block.Statements)
            {
                if (statement.Line != lastLine && statement is not PhiStmt)
                {
                    output.Add(LineComment(statement));
                    lastLine = statement.Line;
                }

                switch (statement)
                {
                    case LetStmt let:
                        var value = _method.Values[let.ValueId];
                        if (IsTaped(let.ValueId))
                        {
                            output.Add(new BPush(Tape(value.Type), Value(value.Id)));
                        }

                        output.Add(IsHoisted(value)
                            ? new BAssign(new ValueTarget(value.Id), AssignKind.Set, let.Value)
                            : new BDeclare(new ValueTarget(value.Id), value.Type, let.Value));
                        if (let.Value is NewArrayExpr buffer && _adjointsUsed.Contains(let.ValueId))
                        {
                            // The buffer's adjoint: same length, zero.
                            var adjoint = Adjoint(let.ValueId);
                            output.Add(new BDeclare(new LocalTarget(adjoint), adjoint.Type, buffer with { Length = Length(Value(value.Id)), Type = adjoint.Type }));
                            if (buffer.IsStackalloc)
                            {
                                output.Add(new BEvaluate(new OpaqueExpr("{0}.Clear()", "Clear", IsCall: true, new Expr[] { new LocalExpr(adjoint) }.ToEquatableArray(), TypeRef.Int, null)));
                            }
                        }

                        break;

                    case PhiStmt phi:
                        _assignedPhis.Add(phi.PhiId);
                        output.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, phi.Value));
                        break;

                    case EffectStmt effect:
                        output.Add(new BEvaluate(effect.Value));
                        break;

                    case LoweredStore store:
                        output.Add(new BAssign(new ElementTarget(Value(store.ArrayId), store.Index), AssignKind.Set, store.Value));
                        break;

                    case LoweredIf branch:
                        // If-phis the reverse sweep needs are saved before the if overwrites them.
                        foreach (var phiId in TapedPhisOf(branch))
                        {
                            output.Add(new BPush(Tape(_method.Values[phiId].Type), Value(phiId)));
                        }

                        var then = new BBlock();
                        var @else = new BBlock();
                        ForwardBlock(branch.Then, then, nested: true);
                        ForwardBlock(branch.Else, @else, nested: true);
                        var condition = branch.Condition;
                        if (_branchFlags.TryGetValue(branch, out var flag))
                        {
                            if (_tapedFlags.Contains(branch))
                            {
                                output.Add(new BPush(Tape(TypeRef.Bool), new LocalExpr(flag)));
                            }

                            output.Add(nested
                                ? new BAssign(new LocalTarget(flag), AssignKind.Set, condition)
                                : new BDeclare(new LocalTarget(flag), TypeRef.Bool, condition));
                            condition = new LocalExpr(flag);
                        }

                        output.Add(new BIf(condition, then, @else));
                        lastLine = -1;
                        break;

                    case LoweredLoop loop:
                        ForwardLoop(loop, output);
                        lastLine = -1;
                        break;
                }
            }
        }

        private void ForwardLoop(LoweredLoop loop, BBlock output)
        {
            var info = _loopReverse.TryGetValue(loop.Id, out var reverse) && reverse.Emitted ? reverse : null;
            var nestedInLoop = loop.Parent >= 0;

            // Entry: a loop that runs again (inside another loop) saves what its reverse will restore.
            foreach (var phi in loop.Phis)
            {
                if (nestedInLoop && IsTaped(phi.PhiId) && ReadOutside(phi.PhiId, loop.Id))
                {
                    output.Add(new BPush(Tape(_method.Values[phi.PhiId].Type), Value(phi.PhiId)));
                }

                _assignedPhis.Add(phi.PhiId);
                output.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, phi.Entry));
            }

            if (info is not null)
            {
                if (nestedInLoop)
                {
                    output.Add(new BPush(Tape(TypeRef.Int), new LocalExpr(info.Count)));
                }

                output.Add(new BAssign(new LocalTarget(info.Count), AssignKind.Set, Zero));
            }

            var body = new BBlock();
            ForwardBlock(loop.Body, body, nested: true);
            foreach (var phi in loop.Phis)
            {
                if (phi.Back is VariableExpr { Id: var back } && back == phi.PhiId)
                {
                    continue;
                }

                if (phi.Back is VariableExpr { Id: var other } && _method.Values[other].HeaderOf == loop.Id)
                {
                    throw new InvalidOperationException("a loop phi carried into another phi of the same loop");
                }

                if (info is not null && IsTaped(phi.PhiId) && ReadWithin(phi.PhiId, loop.Id))
                {
                    // Restored at the start of each reverse iteration (a loop with no reverse needs no restoring).
                    body.Add(new BPush(Tape(_method.Values[phi.PhiId].Type), Value(phi.PhiId)));
                }

                body.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, phi.Back));
            }

            if (info is not null)
            {
                body.Add(new BAssign(new LocalTarget(info.Count), AssignKind.Add, One));
            }

            if (loop.ConditionFirst)
            {
                output.Add(new BWhile(loop.Condition, body));
            }
            else
            {
                var exit = new BBlock();
                exit.Add(new BBreak());
                body.Add(new BIf(new UnaryExpr(UnaryOp.Not, loop.Condition, TypeRef.Bool), exit, new BBlock()));
                output.Add(new BWhile(Bool(true), body));
            }
        }

        private static string LineText(LoweredStmt statement)
            => "line " + statement.Line.ToString(CultureInfo.InvariantCulture) + ": " + statement.Source;

        // Phis and values the reverse sweep reads outside the scope that defines them are declared up front.
        private bool IsHoisted(SsaValue value)
            => value.IsPhi ? _assignedPhis.Contains(value.Id)
             : (value.InBranch || value.Loop >= 0) && _readInReverse.Contains(value.Id) && !(_strategies.TryGetValue(value.Id, out var s) && s == Strategy.Recomputed);

        private bool IsTaped(int valueId) => _strategies.TryGetValue(valueId, out var strategy) && strategy == Strategy.Taped;

        private IEnumerable<int> TapedPhisOf(LoweredIf branch)
            => _ifPhis.TryGetValue(branch, out var phis) ? phis.Where(id => _method.Values[id].Loop >= 0 && IsTaped(id)) : Enumerable.Empty<int>();

        private List<BDeclare> HoistedDeclarations()
        {
            var declarations = new List<BDeclare>();
            foreach (var value in _method.Values)
            {
                if (IsHoisted(value))
                {
                    declarations.Add(new BDeclare(new ValueTarget(value.Id), value.Type, null));
                }
            }

            foreach (var flag in _nestedIfs.Select(i => _branchFlags[i]).OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                declarations.Add(new BDeclare(new LocalTarget(flag), TypeRef.Bool, Bool(false)));
            }

            foreach (var loop in _loopReverse.Values.Where(l => l.Emitted))
            {
                declarations.Add(new BDeclare(new LocalTarget(loop.Count), TypeRef.Int, Zero));
            }

            return declarations;
        }

        /// <summary>The tape for values of one type, made on first use: on the stack while it fits, pooled memory after.</summary>
        private Tape Tape(TypeRef type)
        {
            if (type.Kind is ValueKind.Other or ValueKind.DoubleArray or ValueKind.FloatArray)
            {
                throw new InvalidOperationException($"a value of type {type.Display} computed in a loop is needed by the reverse sweep");
            }

            if (!_tapes.TryGetValue(type.Display, out var tape))
            {
                var name = _names.Take(type.Display.Replace("global::", "").Replace(".", "") + "Tape");
                var tapeType = new TypeRef("global::AutoDiff.Tape<" + type.Display + ">", ValueKind.Other);
                tape = new Tape(new Local(name, tapeType), type, type.Kind == ValueKind.Bool ? 256 : 64);
                _tapes[type.Display] = tape;
            }

            return tape;
        }

        // ---- Reverse sweep --------------------------------------------------------------------------------------

        private void ReverseBlock(LoweredBlock block, BBlock output, bool nested)
        {
            var lastLine = -1;
            BComment? comment = null;
            for (var i = block.Statements.Count - 1; i >= 0; i--)
            {
                var statement = block.Statements[i];
                var code = new BBlock();
                switch (statement)
                {
                    case LetStmt let:
                        // Every use of the value is behind us in the reverse sweep: an adjoint none of them wrote is
                        // zero, and passes nothing on (not even 0 * an infinite partial).
                        if (_active[let.ValueId] && _adjointsUsed.Contains(let.ValueId))
                        {
                            ReverseLet(let, code);
                        }

                        if (_method.Values[let.ValueId].Loop >= 0)
                        {
                            // Restores the previous iteration's value if the reverse sweep turns out to need it.
                            code.Add(_popSlots[let.ValueId] = new BSlot());
                        }

                        break;

                    case PhiStmt { Value: VariableExpr source } phi when _active[phi.PhiId] && _active[source.Id]:
                        Accumulate(source, AdjointOf(phi.PhiId), code);
                        break;

                    case LoweredStore store:
                        ReverseStore(store, code);
                        break;

                    case LoweredIf branch:
                        ReverseIf(branch, code, nested);
                        break;

                    case LoweredLoop loop:
                        ReverseLoop(loop, code);
                        break;
                }

                if (code.Statements.Count == 0)
                {
                    continue;
                }

                if (!code.IsEmpty && statement is not (LoweredIf or LoweredLoop))
                {
                    if (statement.Line != lastLine || comment is null)
                    {
                        output.Add(comment = LineComment(statement));
                        lastLine = statement.Line;
                    }

                    // The comment states the rule: the accumulations as written here, before any clean-up rewrites them.
                    comment.Rules.AddRange(code.Statements.Where(s => s is BAssign { Kind: not AssignKind.Set } or BCall));
                }
                else if (statement is LoweredIf or LoweredLoop)
                {
                    lastLine = -1;
                    comment = null;
                }

                output.Statements.AddRange(code.Statements);
            }
        }

        private void ReverseIf(LoweredIf branch, BBlock code, bool nested)
        {
            var then = new BBlock();
            var @else = new BBlock();
            ReverseBlock(branch.Then, then, nested: true);
            ReverseBlock(branch.Else, @else, nested: true);
            if (!then.IsEmpty || !@else.IsEmpty)
            {
                if (_context >= 0 && CanReevaluate(branch.Condition))
                {
                    // Inside a loop the branch taken is found again from the condition's (restored) operands.
                    code.Add(new BIf(Read(branch.Condition), then, @else));
                }
                else
                {
                    var flag = new Local(_names.Take("branch" + (_branchCount++).ToString(CultureInfo.InvariantCulture)), TypeRef.Bool);
                    _branchFlags[branch] = flag;
                    if (nested)
                    {
                        _nestedIfs.Add(branch);
                    }

                    code.Add(new BIf(new LocalExpr(flag), then, @else));
                    if (_context >= 0)
                    {
                        _tapedFlags.Add(branch);
                        code.Add(new BAssign(new LocalTarget(flag), AssignKind.Set, new PopExpr(Tape(TypeRef.Bool))));
                    }
                }
            }

            if (_context >= 0 && _ifPhis.ContainsKey(branch))
            {
                code.Add(_ifPopSlots[branch] = new BSlot());
            }
        }

        // A condition can be evaluated again in the reverse sweep when it is pure and reads no buffer the method writes.
        private bool CanReevaluate(Expr condition) => condition.DescendantsAndSelf().All(node => node switch
        {
            LiteralExpr or VariableExpr or BinaryExpr or UnaryExpr or ConvertExpr or ConditionalExpr or MathCallExpr => true,
            ElementExpr { Array: VariableExpr array } => !_storedArrays.Contains(array.Id),
            OpaqueExpr { Format: "{0}.Length" } => true,
            _ => false, // calls and other opaque operations may have effects or read what the method changed
        });

        /// <summary>
        /// The reverse of a loop: its iterations last to first. Each starts by passing the adjoint of the header phis
        /// back along the back edge (to the values the previous iteration ended with), then restores the iteration's
        /// values, then runs the body's reverse. After the loop the phis' adjoints flow to their entry values.
        /// </summary>
        private void ReverseLoop(LoweredLoop loop, BBlock code)
        {
            var info = new LoopReverse(
                new Local(_names.Take("count" + _loopCount.ToString(CultureInfo.InvariantCulture)), TypeRef.Int),
                new Local(_names.Take("k" + _loopCount.ToString(CultureInfo.InvariantCulture)), TypeRef.Int));
            _loopCount++;
            _loopReverse[loop.Id] = info;

            var body = new BBlock();
            body.Add(info.Adjoints);
            var outerContext = _context;
            _context = loop.Id;
            foreach (var phi in loop.Phis.Where(p => _active[p.PhiId]))
            {
                if (phi.Back is VariableExpr { Id: var self } && self == phi.PhiId)
                {
                    continue; // unchanged by the body: its adjoint carries over as it is
                }

                _adjointsUsed.Add(phi.PhiId);
                if (phi.Back is VariableExpr { Id: var back } && _active[back])
                {
                    _adjointsUsed.Add(back);
                    body.Add(new BAssign(new LocalTarget(Adjoint(back)), AssignKind.Add, AdjointOf(phi.PhiId)));
                }

                body.Add(new BAssign(new LocalTarget(Adjoint(phi.PhiId)), AssignKind.Set, Zero));
            }

            var backEdge = !body.IsEmpty;
            body.Add(info.Restore);
            var inner = new BBlock();
            ReverseBlock(loop.Body, inner, nested: true);
            _context = outerContext;

            if (!inner.IsEmpty || backEdge)
            {
                info.Emitted = true;
                body.Statements.AddRange(inner.Statements);
                code.Add(LineComment(loop, " (its iterations, last first)"));
                code.Add(new BReverseLoop(info.Iteration, info.Count, body));
            }

            foreach (var phi in loop.Phis.Where(p => _active[p.PhiId] && p.Entry is VariableExpr { Id: var entry } && _active[entry]))
            {
                _adjointsUsed.Add(phi.PhiId);
                Accumulate(phi.Entry, AdjointOf(phi.PhiId), code);
            }

            code.Add(info.EntryRestore);
        }

        // A buffer write: the written value gets the element's adjoint, which then restarts at zero for the old value.
        private void ReverseStore(LoweredStore store, BBlock code)
        {
            if (!_active[store.ArrayId] || _deadStores.Contains(store))
            {
                return;
            }

            _adjointsUsed.Add(store.ArrayId);
            var index = Read(store.Index);
            var adjoint = AdjointOf(store.ArrayId);
            Accumulate(store.Value, new ElementExpr(adjoint, index, store.Value.Type), code);
            code.Add(new BAssign(new ElementTarget(adjoint, index), AssignKind.Set, Zero));
        }

        private void ReverseLet(LetStmt let, BBlock output)
        {
            var value = _method.Values[let.ValueId];
            var self = Value(value.Id);
            var adjoint = AdjointOf(let.ValueId);
            var type = value.Type;
            switch (let.Value)
            {
                case VariableExpr copy:
                    Accumulate(copy, adjoint, output);
                    break;

                case BinaryExpr { Op: BinaryOp.Add } add:
                    Accumulate(add.Left, adjoint, output);
                    Accumulate(add.Right, adjoint, output);
                    break;

                case BinaryExpr { Op: BinaryOp.Subtract } subtract:
                    Accumulate(subtract.Left, adjoint, output);
                    Accumulate(subtract.Right, adjoint, output, negate: true);
                    break;

                case BinaryExpr { Op: BinaryOp.Multiply } multiply:
                    // Only the active side's contribution is written, so only what it reads is kept for the reverse sweep.
                    Accumulate(multiply.Left, Simplify.Multiply(adjoint, multiply.Right), output);
                    Accumulate(multiply.Right, Simplify.Multiply(adjoint, multiply.Left), output);
                    break;

                case BinaryExpr { Op: BinaryOp.Divide } divide:
                    // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b: reuse the quotient.
                    Accumulate(divide.Left, new BinaryExpr(BinaryOp.Divide, adjoint, divide.Right, type), output);
                    Accumulate(divide.Right, new BinaryExpr(BinaryOp.Divide, new BinaryExpr(BinaryOp.Multiply, adjoint, self, type), divide.Right, type), output, negate: true);
                    break;

                case BinaryExpr { Op: BinaryOp.Remainder } remainder:
                    // a % b = a - trunc(a/b) * b, C#'s (and IEEE fmod's) definition.
                    Accumulate(remainder.Left, adjoint, output);
                    var quotient = new BinaryExpr(BinaryOp.Divide, remainder.Left, remainder.Right, type);
                    Accumulate(remainder.Right, new BinaryExpr(BinaryOp.Multiply, adjoint, DerivativeRules.MathCall("Truncate", type, quotient), type), output, negate: true);
                    break;

                case UnaryExpr { Op: UnaryOp.Negate } negate:
                    Accumulate(negate.Operand, adjoint, output, negate: true);
                    break;

                case UnaryExpr { Op: UnaryOp.Plus } plus:
                    Accumulate(plus.Operand, adjoint, output);
                    break;

                case ConvertExpr { Operand: VariableExpr operand }:
                    // double -> float is narrowed back: the adjoint of a float value is a float.
                    Accumulate(operand, operand.Type.Kind == ValueKind.Float && type.Kind == ValueKind.Double ? new ConvertExpr(adjoint, TypeRef.Float, null) : adjoint, output);
                    break;

                case MathCallExpr call:
                    // The rule's partial derivatives, instantiated at this call: d(arg_i) += d(result) * df/d(arg_i).
                    var rule = DerivativeRules.Get(call.Function, call.Arguments.Count);
                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (IsActive(call.Arguments[i]) && rule.Partial(i, type.Kind) is { } partial)
                        {
                            Accumulate(call.Arguments[i], Simplify.Multiply(adjoint, DerivativeRules.Instantiate(partial, call.Arguments, self)), output);
                        }
                    }

                    break;

                case ElementExpr { Array: VariableExpr array } element when _active[array.Id]:
                    _adjointsUsed.Add(array.Id);
                    output.Add(new BAssign(new ElementTarget(AdjointOf(array.Id), Read(element.Index)), AssignKind.Add, adjoint));
                    break;

                case UserCallExpr call:
                    ReverseCall(call, adjoint, output);
                    break;
            }
        }

        // The caller's backward calls the callee's backward with the adjoint of the call's result as its seed.
        private void ReverseCall(UserCallExpr call, Expr adjoint, BBlock output)
        {
            var arguments = call.Arguments.Select(a => (CallArgument)new InArgument(Read(a))).ToList();
            arguments.Add(new InArgument(adjoint));
            if (call is { ReceiverIsDifferentiable: true, Receiver: VariableExpr or ElementExpr { Array: VariableExpr } })
            {
                // gradThis of the callee: the gradient of the receiver, which it adds into (of an element of an array
                // of layers: that element of the array of gradients).
                var element = call.Receiver as ElementExpr;
                var receiver = element?.Array as VariableExpr ?? (VariableExpr)call.Receiver;
                var parameter = _method.Source.Parameters[Array.IndexOf(_method.ParameterValues, receiver.Id)];
                var gradient = new LocalExpr(new Local(parameter.GradientName, new TypeRef(parameter.Type.Display + ".Gradient", ValueKind.Other)));
                arguments.Add(new InArgument(element is null ? gradient : new ElementExpr(gradient, Read(element.Index), element.Type)));
            }

            var accumulations = new List<(VariableExpr Target, Local Gradient)>();
            for (var i = 0; i < call.Arguments.Count; i++)
            {
                if (call.Roles[i] == ParameterRole.Constant)
                {
                    continue;
                }

                if (call.Roles[i] == ParameterRole.Span)
                {
                    // The callee adds into the span: pass ours, or a scratch one when no gradient is wanted here.
                    var element = call.Arguments[i].Type.Element;
                    arguments.Add(new InArgument(IsActive(call.Arguments[i])
                        ? AdjointOf(((VariableExpr)call.Arguments[i]).Id)
                        : new NewArrayExpr(element, Length(Read(call.Arguments[i])), IsStackalloc: false, new TypeRef(element.Display + "[]", call.Arguments[i].Type.Kind))));
                    if (call.Arguments[i] is VariableExpr spanArgument && _active[spanArgument.Id])
                    {
                        _adjointsUsed.Add(spanArgument.Id);
                    }
                }
                else if (IsActive(call.Arguments[i]))
                {
                    var gradient = new Local(_names.Take("g" + (_gradientTemporaryCount++).ToString(CultureInfo.InvariantCulture)), call.Arguments[i].Type);
                    arguments.Add(new OutArgument(gradient));
                    accumulations.Add(((VariableExpr)call.Arguments[i], gradient));
                }
                else
                {
                    // `out _` would assign a user's local named _; then an unused local takes the gradient instead.
                    arguments.Add(_names.IsTaken("_") ? new OutArgument(new Local(_names.Take("unused"), call.Arguments[i].Type)) : new DiscardArgument());
                }
            }

            output.Add(new BCall(call.Receiver is null ? null : Read(call.Receiver), call.BackwardCallee, arguments));
            foreach (var (target, gradient) in accumulations)
            {
                Accumulate(target, new LocalExpr(gradient), output);
            }
        }

        private bool IsActive(Expr operand) => operand is VariableExpr v && _active[v.Id];

        /// <summary>Adds a contribution to the adjoint of an active value (nothing for a constant operand or a zero contribution).</summary>
        private void Accumulate(Expr target, Expr contribution, BBlock output, bool negate = false)
        {
            if (target is not VariableExpr variable || !_active[variable.Id] || Simplify.IsZero(contribution))
            {
                return;
            }

            _adjointsUsed.Add(variable.Id);
            output.Add(new BAssign(new LocalTarget(Adjoint(variable.Id)), negate ? AssignKind.Subtract : AssignKind.Add, Read(contribution)));
        }

        /// <summary>Marks every value an expression of the reverse sweep reads as read here (so it is kept in scope, or restored in a loop).</summary>
        private Expr Read(Expr expression)
        {
            foreach (var id in expression.ReferencedValues())
            {
                ReadAt(id, _context);
            }

            return expression;
        }

        /// <summary>Records that the reverse sweep reads a value inside the reverse iteration of a loop (-1: outside loops); true if new.</summary>
        private bool ReadAt(int valueId, int context)
        {
            _readInReverse.Add(valueId);
            if (!_readContexts.TryGetValue(valueId, out var contexts))
            {
                _readContexts[valueId] = contexts = new HashSet<int>();
            }

            return contexts.Add(context);
        }

        // ---- Restoring overwritten values --------------------------------------------------------------------------

        /// <summary>Chooses, for every value defined in a loop that the reverse sweep reads, how it is restored; closes over what recomputing reads.</summary>
        private void DecideStrategies()
        {
            bool changed;
            do
            {
                changed = false;
                foreach (var id in _readInReverse.ToList())
                {
                    var value = _method.Values[id];
                    if (value.Loop < 0 && value.HeaderOf < 0)
                    {
                        continue; // defined once: SSA keeps it
                    }

                    var strategy = Decide(value);
                    if (!_strategies.TryGetValue(id, out var old) || old != strategy)
                    {
                        _strategies[id] = strategy;
                        changed = true;
                    }

                    if (strategy == Strategy.Recomputed)
                    {
                        foreach (var operand in _definitions[id].Value.ReferencedValues())
                        {
                            changed |= ReadAt(operand, value.Loop);
                        }
                    }
                    else if (strategy == Strategy.Induction)
                    {
                        foreach (var operand in Folded(_method.Loops[value.HeaderOf].Phis.First(p => p.PhiId == id).Entry).ReferencedValues())
                        {
                            changed |= ReadAt(operand, value.HeaderOf);
                        }
                    }
                }
            }
            while (changed);
        }

        private Strategy Decide(SsaValue value)
        {
            if (value.HeaderOf >= 0)
            {
                var loop = _method.Loops[value.HeaderOf];
                var readOnlyInside = _readContexts[value.Id].All(context => IsWithin(context, loop.Id));
                return readOnlyInside && InductionStep(loop, value.Id) is not null ? Strategy.Induction : Strategy.Taped;
            }

            if (!value.IsPhi && !value.InLoopBranch && _definitions.TryGetValue(value.Id, out var let) && IsCheap(let.Value))
            {
                return Strategy.Recomputed;
            }

            return Strategy.Taped;
        }

        // A header phi read inside its loop's reverse is restored per iteration (back edge); one read after the loop
        // (its exit value) is restored per execution of the loop (entry), which matters when the loop runs again.
        private bool ReadWithin(int valueId, int loopId) => _readContexts[valueId].Any(c => IsWithin(c, loopId));

        private bool ReadOutside(int valueId, int loopId) => _readContexts[valueId].Any(c => !IsWithin(c, loopId));

        private bool IsWithin(int context, int loopId)
        {
            for (var c = context; c >= 0; c = _method.Loops[c].Parent)
            {
                if (c == loopId)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>For <c>i = i + c</c> (or <c>- c</c>) at the top of the loop's body with an int literal c: the signed step, else null.</summary>
        private int? InductionStep(LoweredLoop loop, int phiId)
        {
            var phi = loop.Phis.First(p => p.PhiId == phiId);
            if (_method.Values[phiId].Type.Display != "int" || phi.Back is not VariableExpr { Id: var back }
                || _method.Values[back] is not { Loop: var backLoop, InLoopBranch: false } || backLoop != loop.Id
                || !_definitions.TryGetValue(back, out var let))
            {
                return null;
            }

            return let.Value switch
            {
                BinaryExpr { Op: BinaryOp.Add, Left: VariableExpr { Id: var left }, Right: LiteralExpr step } when left == phiId && ParseInt(step) is { } c => c,
                BinaryExpr { Op: BinaryOp.Add, Left: LiteralExpr step, Right: VariableExpr { Id: var right } } when right == phiId && ParseInt(step) is { } c => c,
                BinaryExpr { Op: BinaryOp.Subtract, Left: VariableExpr { Id: var left }, Right: LiteralExpr step } when left == phiId && ParseInt(step) is { } c => -c,
                _ => null,
            };
        }

        private static int? ParseInt(LiteralExpr literal)
            => literal.Type.Display == "int" && int.TryParse(literal.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

        // Cheaper to compute again than to store: arithmetic, conversions, cheap Math and reads of buffers never written.
        private bool IsCheap(Expr value) => value.DescendantsAndSelf().All(node => node switch
        {
            LiteralExpr or VariableExpr or BinaryExpr or UnaryExpr or ConvertExpr => true,
            ConditionalExpr c => !c.Type.IsFloating,
            ElementExpr { Array: VariableExpr array } => !_storedArrays.Contains(array.Id),
            MathCallExpr m => DerivativeRules.Get(m.Function, m.Arguments.Count).Cheap,
            OpaqueExpr { Format: "{0}.Length" } => true,
            _ => false, // calls, allocations and other opaque operations are taped
        });

        /// <summary>Writes the restoring code into the slots the reverse sweep left, now that every reader is known.</summary>
        private void FillSlots(BBlock reverse)
        {
            foreach (var loop in _method.Loops)
            {
                if (!_loopReverse.TryGetValue(loop.Id, out var info))
                {
                    continue;
                }

                // Adjoints of the body's values start at zero in each reverse iteration.
                foreach (var id in _adjointsUsed.Where(id => _method.Values[id].Loop == loop.Id && !_method.Values[id].Type.IsFloatingArray).OrderBy(id => id))
                {
                    info.Adjoints.Block.Add(new BDeclare(new LocalTarget(Adjoint(id)), _method.Values[id].Type, Zero));
                }

                // The iteration's header phis: from the iteration number, or popped (last pushed first).
                var restore = info.Restore.Block;
                foreach (var phi in loop.Phis.Where(p => _strategies.TryGetValue(p.PhiId, out var s) && s == Strategy.Induction))
                {
                    restore.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, InductionValue(phi, InductionStep(loop, phi.PhiId)!.Value, info.Iteration)));
                }

                foreach (var phi in Enumerable.Reverse(loop.Phis).Where(p => info.Emitted && IsTaped(p.PhiId) && ReadWithin(p.PhiId, loop.Id)
                    && !(p.Back is VariableExpr { Id: var b } && b == p.PhiId)))
                {
                    restore.Add(Pop(phi.PhiId));
                }

                foreach (var id in _strategies.Where(s => s.Value == Strategy.Recomputed && _method.Values[s.Key].Loop == loop.Id).Select(s => s.Key).OrderBy(id => id))
                {
                    restore.Add(new BDeclare(new ValueTarget(id), _method.Values[id].Type, _definitions[id].Value));
                }

                if (!restore.IsEmpty)
                {
                    restore.Statements.Insert(0, new BComment("this iteration's values"));
                }

                if (loop.Parent >= 0)
                {
                    // A nested loop pushed its count and taped phis on entry; pop them in reverse order.
                    if (info.Emitted)
                    {
                        info.EntryRestore.Block.Add(new BAssign(new LocalTarget(info.Count), AssignKind.Set, new PopExpr(Tape(TypeRef.Int))));
                    }

                    foreach (var phi in Enumerable.Reverse(loop.Phis).Where(p => IsTaped(p.PhiId) && ReadOutside(p.PhiId, loop.Id)))
                    {
                        info.EntryRestore.Block.Add(Pop(phi.PhiId));
                    }
                }
            }

            foreach (var pair in _popSlots.Where(p => IsTaped(p.Key)))
            {
                pair.Value.Block.Add(Pop(pair.Key));
            }

            foreach (var pair in _ifPopSlots)
            {
                foreach (var phiId in TapedPhisOf(pair.Key).Reverse())
                {
                    pair.Value.Block.Add(Pop(phiId));
                }
            }

            // Every push needs its pop: a slot that was filled must be part of the sweep.
            var attached = new HashSet<BSlot>(reverse.Descendants().OfType<BSlot>());
            foreach (var slot in _popSlots.Values.Concat(_ifPopSlots.Values).Concat(_loopReverse.Values.SelectMany(l => new[] { l.Restore, l.EntryRestore })))
            {
                if (!slot.Block.IsEmpty && !attached.Contains(slot))
                {
                    throw new InvalidOperationException("a value restored in a part of the reverse sweep that is not emitted");
                }
            }
        }

        private BAssign Pop(int valueId) => new(new ValueTarget(valueId), AssignKind.Set, new PopExpr(Tape(_method.Values[valueId].Type)));

        private Expr InductionValue(LoopPhi phi, int step, Local iteration)
        {
            var entry = Folded(phi.Entry);
            Expr offset = Math.Abs(step) == 1
                ? new LocalExpr(iteration)
                : new BinaryExpr(BinaryOp.Multiply, new LocalExpr(iteration), new LiteralExpr(Math.Abs(step).ToString(CultureInfo.InvariantCulture), TypeRef.Int), TypeRef.Int);
            if (entry is LiteralExpr { Text: "0" } && step > 0)
            {
                return offset;
            }

            return new BinaryExpr(step > 0 ? BinaryOp.Add : BinaryOp.Subtract, entry, offset, TypeRef.Int);
        }

        // A value defined as a literal (int i = 0) is printed as the literal.
        private Expr Folded(Expr operand)
            => operand is VariableExpr { Id: var id } && _definitions.TryGetValue(id, out var let) && let.Value is LiteralExpr literal ? literal : operand;

        /// <summary>The adjoint of a value, made on first use. An array parameter's adjoint is the caller's gradient span itself.</summary>
        private Local Adjoint(int valueId)
        {
            if (_adjoints[valueId] is { } known)
            {
                return known;
            }

            var value = _method.Values[valueId];
            Local adjoint;
            if (Array.IndexOf(_method.ParameterValues, valueId) is var index and >= 0 && _method.Source.Parameters[index].Role == ParameterRole.Span)
            {
                var parameter = _method.Source.Parameters[index];
                adjoint = new Local(parameter.GradientName, new TypeRef("global::System.Span<" + parameter.Type.Element.Display + ">", parameter.Type.Kind));
            }
            else
            {
                // A member of this (this.b) gets the member's adjoint name (db), a member of a struct parameter (p.X) dp_X.
                var bare = value.Name.StartsWith("this.", StringComparison.Ordinal) ? value.Name.Substring("this.".Length) : value.Name;
                bare = bare.Replace("@", "").Replace('.', '_');
                var name = _names.Take("d" + bare);
                var type = value.Type;
                if (type.IsFloatingArray)
                {
                    // A local buffer's adjoint has the buffer's shape: a stackalloc'd span, or an array.
                    var isStackalloc = _definitions.TryGetValue(valueId, out var let) && let.Value is NewArrayExpr { IsStackalloc: true };
                    type = new TypeRef(isStackalloc ? "global::System.Span<" + type.Element.Display + ">" : type.Element.Display + "[]", type.Kind);
                }

                adjoint = new Local(name, type);
            }

            return _adjoints[valueId] = adjoint;
        }
    }
}
