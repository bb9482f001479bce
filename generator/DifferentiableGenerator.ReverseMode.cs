using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generators.Model;

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
        private sealed class LoopReverse(string count, string iteration)
        {
            public string Count { get; } = count;

            public string Iteration { get; } = iteration;

            /// <summary>Adjoint declarations of the values the body defines (zero at each reverse iteration).</summary>
            public CodeSlot Adjoints { get; } = new();

            /// <summary>Restores the iteration's header phis and recomputes cheap values.</summary>
            public CodeSlot Restore { get; } = new();

            /// <summary>After the reverse loop: pops what the forward loop's entry pushed (nested loops only).</summary>
            public CodeSlot EntryRestore { get; } = new();

            public bool Emitted { get; set; }
        }

        private readonly LoweredMethod _method;
        private readonly bool[] _active;
        private readonly ExpressionPrinter _printer;
        private readonly NameAllocator _names;
        private readonly string[] _adjointNames;
        private readonly HashSet<int> _readInReverse = new();
        private readonly Dictionary<int, HashSet<int>> _readContexts = new();
        private readonly HashSet<int> _adjointsUsed = new();
        private readonly Dictionary<LoweredIf, string> _branchFlags = new();
        private readonly HashSet<LoweredIf> _nestedIfs = new();
        private readonly HashSet<LoweredIf> _tapedFlags = new();
        private readonly HashSet<int> _assignedPhis = new();
        private readonly Dictionary<int, LoopReverse> _loopReverse = new();
        private readonly Dictionary<int, CodeSlot> _popSlots = new();
        private readonly Dictionary<LoweredIf, CodeSlot> _ifPopSlots = new();
        private readonly Dictionary<int, LetStmt> _definitions = new();
        private readonly Dictionary<LoweredIf, SortedSet<int>> _ifPhis = new();
        private readonly HashSet<int> _storedArrays = new();
        private readonly Dictionary<int, Strategy> _strategies = new();
        private readonly Dictionary<string, (string Name, string Declaration)> _tapes = new(StringComparer.Ordinal);
        private readonly string _seed;
        private int _context = -1;
        private int _branchCount;
        private int _gradientTemporaryCount;
        private int _loopCount;

        private ReverseMode(LoweredMethod method, bool[] active)
        {
            _method = method;
            _active = active;
            _printer = new ExpressionPrinter(method.Values);
            _names = method.Names;
            _seed = method.SeedName;
            _adjointNames = new string[method.Values.Count];
            Index(method.Body);
        }

        public static BackwardBody Transform(LoweredMethod method, bool[] active) => new ReverseMode(method, active).Run();

        private BackwardBody Run()
        {
            var resultValue = _method.Result as VariableExpr;
            var reverse = new CodeBlock();
            if (resultValue is not null && _active[resultValue.Id])
            {
                _adjointsUsed.Add(resultValue.Id);
                ReverseBlock(_method.Body, reverse, nested: false);
            }

            DecideStrategies();
            FillSlots(reverse);

            var forward = new CodeBlock();
            ForwardBlock(_method.Body, forward, nested: false);
            var result = _printer.Print(_method.Result);
            if (resultValue is not null && _strategies.ContainsKey(resultValue.Id))
            {
                // The reverse sweep restores this variable to earlier iterations' values: keep the result first.
                result = _names.Take("value");
                forward.Line($"{_method.Values[resultValue.Id].Type.Display} {result} = {_printer.Name(resultValue.Id)};");
            }

            var declarations = HoistedDeclarations();
            var adjointDeclarations = _adjointsUsed
                .Where(id => !_method.Values[id].Type.IsFloatingArray && _method.Values[id].Loop < 0)
                .OrderBy(id => id)
                .Select(id => resultValue is not null && id == resultValue.Id
                    ? $"{_method.Values[id].Type.Display} {Adjoint(id)} = {_seed};"
                    : $"{_method.Values[id].Type.Display} {Adjoint(id)} = 0;")
                .ToList();

            Peephole.FirstWritesAssign(reverse, adjointDeclarations);

            var gradients = new List<string>();
            for (var i = 0; i < _method.Source.Parameters.Count; i++)
            {
                var parameter = _method.Source.Parameters[i];
                if (parameter.Role is ParameterRole.Constant or ParameterRole.Span)
                {
                    continue; // Spans are accumulated into directly.
                }

                var valueId = _method.ParameterValues[i];
                gradients.Add(_adjointsUsed.Contains(valueId) ? $"{parameter.GradientName} = {Adjoint(valueId)};" : $"{parameter.GradientName} = 0;");
            }

            return new BackwardBody(_tapes.Values.ToList(), declarations, forward, adjointDeclarations, reverse, gradients, result, _seed);
        }

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

        private void ForwardBlock(LoweredBlock block, CodeBlock output, bool nested)
        {
            var lastLine = -1;
            foreach (var statement in block.Statements)
            {
                if (statement.Line != lastLine && statement is not PhiStmt)
                {
                    output.Add(new CodeComment(LineComment(statement)));
                    lastLine = statement.Line;
                }

                switch (statement)
                {
                    case LetStmt let:
                        var value = _method.Values[let.ValueId];
                        if (IsTaped(let.ValueId))
                        {
                            output.Line($"{Tape(value.Type)}.Push({value.Name});");
                        }

                        var declare = IsHoisted(value) ? "" : value.Type.Display + " ";
                        output.Line($"{declare}{value.Name} = {_printer.Print(let.Value)};");
                        if (let.Value is NewArrayExpr buffer && _adjointsUsed.Contains(let.ValueId))
                        {
                            // The buffer's adjoint: same length, zero.
                            var element = buffer.ElementType.Display;
                            if (buffer.IsStackalloc)
                            {
                                output.Line($"global::System.Span<{element}> {Adjoint(let.ValueId)} = stackalloc {element}[{value.Name}.Length];");
                                output.Line($"{Adjoint(let.ValueId)}.Clear();");
                            }
                            else
                            {
                                output.Line($"{element}[] {Adjoint(let.ValueId)} = new {element}[{value.Name}.Length];");
                            }
                        }

                        break;

                    case PhiStmt phi:
                        _assignedPhis.Add(phi.PhiId);
                        output.Line($"{_printer.Name(phi.PhiId)} = {_printer.Print(phi.Value)};");
                        break;

                    case EffectStmt effect:
                        output.Line(_printer.Print(effect.Value) + ";");
                        break;

                    case LoweredStore store:
                        output.Line($"{_printer.Name(store.ArrayId)}[{_printer.Print(store.Index)}] = {_printer.Print(store.Value)};");
                        break;

                    case LoweredIf branch:
                        // If-phis the reverse sweep needs are saved before the if overwrites them.
                        foreach (var phiId in TapedPhisOf(branch))
                        {
                            output.Line($"{Tape(_method.Values[phiId].Type)}.Push({_printer.Name(phiId)});");
                        }

                        var then = new CodeBlock();
                        var @else = new CodeBlock();
                        ForwardBlock(branch.Then, then, nested: true);
                        ForwardBlock(branch.Else, @else, nested: true);
                        var condition = _printer.Print(branch.Condition);
                        if (_branchFlags.TryGetValue(branch, out var flag))
                        {
                            if (_tapedFlags.Contains(branch))
                            {
                                output.Line($"{Tape(TypeRef.Bool)}.Push({flag});");
                            }

                            output.Line(nested ? $"{flag} = {condition};" : $"bool {flag} = {condition};");
                            condition = flag;
                        }

                        output.Add(new CodeIf(condition, then, @else));
                        lastLine = -1;
                        break;

                    case LoweredLoop loop:
                        ForwardLoop(loop, output);
                        lastLine = -1;
                        break;
                }
            }
        }

        private void ForwardLoop(LoweredLoop loop, CodeBlock output)
        {
            var info = _loopReverse.TryGetValue(loop.Id, out var reverse) && reverse.Emitted ? reverse : null;
            var nestedInLoop = loop.Parent >= 0;

            // Entry: a loop that runs again (inside another loop) saves what its reverse will restore.
            foreach (var phi in loop.Phis)
            {
                if (nestedInLoop && IsTaped(phi.PhiId) && ReadOutside(phi.PhiId, loop.Id))
                {
                    output.Line($"{Tape(_method.Values[phi.PhiId].Type)}.Push({_printer.Name(phi.PhiId)});");
                }

                _assignedPhis.Add(phi.PhiId);
                output.Line($"{_printer.Name(phi.PhiId)} = {_printer.Print(phi.Entry)};");
            }

            if (info is not null)
            {
                if (nestedInLoop)
                {
                    output.Line($"{Tape(TypeRef.Int)}.Push({info.Count});");
                }

                output.Line($"{info.Count} = 0;");
            }

            var body = new CodeBlock();
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
                    body.Line($"{Tape(_method.Values[phi.PhiId].Type)}.Push({_printer.Name(phi.PhiId)});");
                }

                body.Line($"{_printer.Name(phi.PhiId)} = {_printer.Print(phi.Back)};");
            }

            if (info is not null)
            {
                body.Line($"{info.Count}++;");
            }

            if (loop.ConditionFirst)
            {
                output.Add(new CodeLoop($"while ({_printer.Print(loop.Condition)})", body));
            }
            else
            {
                body.Line($"if (!{_printer.Print(loop.Condition, 12)})");
                body.Line("    break;");
                output.Add(new CodeLoop("while (true)", body));
            }
        }

        private static string LineComment(LoweredStmt statement)
            => "line " + statement.Line.ToString(CultureInfo.InvariantCulture) + ": " + statement.Source;

        // Phis and values the reverse sweep reads outside the scope that defines them are declared up front.
        private bool IsHoisted(SsaValue value)
            => value.IsPhi ? _assignedPhis.Contains(value.Id)
             : (value.InBranch || value.Loop >= 0) && _readInReverse.Contains(value.Id) && !(_strategies.TryGetValue(value.Id, out var s) && s == Strategy.Recomputed);

        private bool IsTaped(int valueId) => _strategies.TryGetValue(valueId, out var strategy) && strategy == Strategy.Taped;

        private IEnumerable<int> TapedPhisOf(LoweredIf branch)
            => _ifPhis.TryGetValue(branch, out var phis) ? phis.Where(id => _method.Values[id].Loop >= 0 && IsTaped(id)) : Enumerable.Empty<int>();

        private List<string> HoistedDeclarations()
        {
            var declarations = new List<string>();
            foreach (var value in _method.Values)
            {
                if (IsHoisted(value))
                {
                    declarations.Add($"{value.Type.Display} {value.Name} = default;");
                }
            }

            foreach (var flag in _nestedIfs.Select(i => _branchFlags[i]).OrderBy(f => f, StringComparer.Ordinal))
            {
                declarations.Add($"bool {flag} = false;");
            }

            foreach (var loop in _loopReverse.Values.Where(l => l.Emitted))
            {
                declarations.Add($"int {loop.Count} = 0;");
            }

            return declarations.Distinct().ToList();
        }

        /// <summary>The tape for values of one type, made on first use: on the stack while it fits, pooled memory after.</summary>
        private string Tape(TypeRef type)
        {
            if (type.Kind is ValueKind.Other or ValueKind.DoubleArray or ValueKind.FloatArray)
            {
                throw new InvalidOperationException($"a value of type {type.Display} computed in a loop is needed by the reverse sweep");
            }

            if (!_tapes.TryGetValue(type.Display, out var tape))
            {
                var name = _names.Take(type.Display.Replace("global::", "").Replace(".", "") + "Tape");
                var capacity = type.Kind == ValueKind.Bool ? 256 : 64;
                tape = (name, $"var {name} = new global::AutoDiff.Tape<{type.Display}>(stackalloc {type.Display}[{capacity.ToString(CultureInfo.InvariantCulture)}]);");
                _tapes[type.Display] = tape;
            }

            return tape.Name;
        }

        // ---- Reverse sweep --------------------------------------------------------------------------------------

        private void ReverseBlock(LoweredBlock block, CodeBlock output, bool nested)
        {
            var lastLine = -1;
            for (var i = block.Statements.Count - 1; i >= 0; i--)
            {
                var statement = block.Statements[i];
                var code = new CodeBlock();
                switch (statement)
                {
                    case LetStmt let:
                        if (_active[let.ValueId])
                        {
                            ReverseLet(let, code);
                        }

                        if (_method.Values[let.ValueId].Loop >= 0)
                        {
                            // Restores the previous iteration's value if the reverse sweep turns out to need it.
                            code.Add(_popSlots[let.ValueId] = new CodeSlot());
                        }

                        break;

                    case PhiStmt { Value: VariableExpr source } phi when _active[phi.PhiId] && _active[source.Id]:
                        Accumulate(source, Adjoint(phi.PhiId), code);
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

                if (code.Nodes.Count == 0)
                {
                    continue;
                }

                if (!code.IsEmpty && statement is not (LoweredIf or LoweredLoop) && statement.Line != lastLine)
                {
                    output.Add(new CodeComment(LineComment(statement)));
                    lastLine = statement.Line;
                }
                else if (statement is LoweredIf or LoweredLoop)
                {
                    lastLine = -1;
                }

                output.Nodes.AddRange(code.Nodes);
            }
        }

        private void ReverseIf(LoweredIf branch, CodeBlock code, bool nested)
        {
            var then = new CodeBlock();
            var @else = new CodeBlock();
            ReverseBlock(branch.Then, then, nested: true);
            ReverseBlock(branch.Else, @else, nested: true);
            if (!then.IsEmpty || !@else.IsEmpty)
            {
                if (_context >= 0 && CanReevaluate(branch.Condition))
                {
                    // Inside a loop the branch taken is found again from the condition's (restored) operands.
                    code.Add(new CodeIf(Operand(branch.Condition, precedence: 0), then, @else));
                }
                else
                {
                    var flag = _names.Take("branch" + (_branchCount++).ToString(CultureInfo.InvariantCulture));
                    _branchFlags[branch] = flag;
                    if (nested)
                    {
                        _nestedIfs.Add(branch);
                    }

                    code.Add(new CodeIf(flag, then, @else));
                    if (_context >= 0)
                    {
                        _tapedFlags.Add(branch);
                        code.Line($"{flag} = {Tape(TypeRef.Bool)}.Pop();");
                    }
                }
            }

            if (_context >= 0 && _ifPhis.ContainsKey(branch))
            {
                code.Add(_ifPopSlots[branch] = new CodeSlot());
            }
        }

        // A condition can be evaluated again in the reverse sweep when it is pure and reads no buffer the method writes.
        private bool CanReevaluate(Expr condition) => condition switch
        {
            LiteralExpr or VariableExpr => true,
            BinaryExpr b => CanReevaluate(b.Left) && CanReevaluate(b.Right),
            UnaryExpr u => CanReevaluate(u.Operand),
            ConvertExpr c => CanReevaluate(c.Operand),
            ConditionalExpr c => CanReevaluate(c.Condition) && CanReevaluate(c.WhenTrue) && CanReevaluate(c.WhenFalse),
            ElementExpr { Array: VariableExpr array } e => !_storedArrays.Contains(array.Id) && CanReevaluate(e.Index),
            MathCallExpr m => m.Arguments.All(CanReevaluate),
            OpaqueExpr { Format: "{0}.Length" } o => o.Arguments.All(CanReevaluate),
            _ => false,
        };

        /// <summary>
        /// The reverse of a loop: its iterations last to first. Each starts by passing the adjoint of the header phis
        /// back along the back edge (to the values the previous iteration ended with), then restores the iteration's
        /// values, then runs the body's reverse. After the loop the phis' adjoints flow to their entry values.
        /// </summary>
        private void ReverseLoop(LoweredLoop loop, CodeBlock code)
        {
            var info = new LoopReverse(
                _names.Take("count" + _loopCount.ToString(CultureInfo.InvariantCulture)),
                _names.Take("k" + _loopCount.ToString(CultureInfo.InvariantCulture)));
            _loopCount++;
            _loopReverse[loop.Id] = info;

            var body = new CodeBlock();
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
                    body.Line($"{Adjoint(back)} += {Adjoint(phi.PhiId)};");
                }

                body.Line($"{Adjoint(phi.PhiId)} = 0;");
            }

            var backEdge = !body.IsEmpty;
            body.Add(info.Restore);
            var inner = new CodeBlock();
            ReverseBlock(loop.Body, inner, nested: true);
            _context = outerContext;

            if (!inner.IsEmpty || backEdge)
            {
                info.Emitted = true;
                body.Nodes.AddRange(inner.Nodes);
                code.Add(new CodeComment(LineComment(loop) + " (its iterations, last first)"));
                code.Add(new CodeLoop($"for (int {info.Iteration} = {info.Count} - 1; {info.Iteration} >= 0; {info.Iteration}--)", body));
            }

            foreach (var phi in loop.Phis.Where(p => _active[p.PhiId] && p.Entry is VariableExpr { Id: var entry } && _active[entry]))
            {
                _adjointsUsed.Add(phi.PhiId);
                Accumulate(phi.Entry, Adjoint(phi.PhiId), code);
            }

            code.Add(info.EntryRestore);
        }

        // A buffer write: the written value gets the element's adjoint, which then restarts at zero for the old value.
        private void ReverseStore(LoweredStore store, CodeBlock code)
        {
            if (!_active[store.ArrayId])
            {
                return;
            }

            _adjointsUsed.Add(store.ArrayId);
            var element = $"{Adjoint(store.ArrayId)}[{Operand(store.Index, precedence: 0)}]";
            Accumulate(store.Value, element, code);
            code.Line($"{element} = 0;");
        }

        private void ReverseLet(LetStmt let, CodeBlock output)
        {
            var value = _method.Values[let.ValueId];
            var adjoint = Adjoint(let.ValueId);
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
                    if (IsActive(multiply.Left))
                    {
                        Accumulate(multiply.Left, Product(adjoint, multiply.Right), output);
                    }

                    if (IsActive(multiply.Right))
                    {
                        Accumulate(multiply.Right, Product(adjoint, multiply.Left), output);
                    }

                    break;

                case BinaryExpr { Op: BinaryOp.Divide } divide:
                    // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b: reuse the quotient.
                    if (IsActive(divide.Left))
                    {
                        Accumulate(divide.Left, adjoint + " / " + Operand(divide.Right), output);
                    }

                    if (IsActive(divide.Right))
                    {
                        Accumulate(divide.Right, adjoint + " * " + Operand(new VariableExpr(value.Id, value.Type)) + " / " + Operand(divide.Right), output, negate: true);
                    }

                    break;

                case BinaryExpr { Op: BinaryOp.Remainder } remainder:
                    // a % b = a - trunc(a/b) * b, C#'s (and IEEE fmod's) definition.
                    var math = value.Type.Kind == ValueKind.Float ? "global::System.MathF" : "global::System.Math";
                    Accumulate(remainder.Left, adjoint, output);
                    if (IsActive(remainder.Right))
                    {
                        Accumulate(remainder.Right, $"{adjoint} * {math}.Truncate({Operand(remainder.Left)} / {Operand(remainder.Right)})", output, negate: true);
                    }

                    break;

                case UnaryExpr { Op: UnaryOp.Negate } negate:
                    Accumulate(negate.Operand, adjoint, output, negate: true);
                    break;

                case UnaryExpr { Op: UnaryOp.Plus } plus:
                    Accumulate(plus.Operand, adjoint, output);
                    break;

                case ConvertExpr { Operand: VariableExpr operand }:
                    // double -> float is narrowed back: the adjoint of a float value is a float.
                    var narrowed = operand.Type.Kind == ValueKind.Float && value.Type.Kind == ValueKind.Double ? "(float)" + adjoint : adjoint;
                    Accumulate(operand, narrowed, output);
                    break;

                case MathCallExpr { Function: "Pow" } pow when pow.Arguments[1] is LiteralExpr exponent && TryParseLiteral(exponent, out var power):
                    var powBase = pow.Arguments[0];
                    // x^c with a constant c: c * x^(c-1), folded (and nothing at all for c = 0, as PyTorch).
                    if (power != 0 && IsActive(powBase))
                    {
                        var factor = Parser.FormatFloating(power, value.Type.Kind);
                        var derivative = power switch
                        {
                            1 => adjoint,
                            2 => $"{adjoint} * {factor} * {Operand(powBase)}",
                            _ => $"{adjoint} * {factor} * {(value.Type.Kind == ValueKind.Float ? "global::System.MathF" : "global::System.Math")}.Pow({Operand(powBase, 0)}, {Parser.FormatFloating(power - 1, value.Type.Kind)})",
                        };
                        Accumulate(powBase, derivative, output);
                    }

                    break;

                case MathCallExpr call:
                    var rule = DerivativeRules.Get(call.Function, call.Arguments.Count);
                    var arguments = call.Arguments.Select(a => _printer.PrintOperand(a)).ToList();
                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (!IsActive(call.Arguments[i]))
                        {
                            continue;
                        }

                        if (rule.Adjoint(i, arguments, value.Name, adjoint, value.Type.Kind) is { } contribution)
                        {
                            // Record what the contribution reads: the arguments it uses, and the result (Exp, Sqrt, Tanh...).
                            for (var j = 0; j < call.Arguments.Count; j++)
                            {
                                if (rule.ReadsArgument(i, j))
                                {
                                    Operand(call.Arguments[j]);
                                }
                            }

                            if (rule.ReadsResult(i))
                            {
                                Operand(new VariableExpr(value.Id, value.Type));
                            }

                            Accumulate(call.Arguments[i], contribution, output);
                        }
                    }

                    break;

                case ElementExpr { Array: VariableExpr array } element when _active[array.Id]:
                    _adjointsUsed.Add(array.Id);
                    output.Line($"{Adjoint(array.Id)}[{Operand(element.Index, precedence: 0)}] += {adjoint};");
                    break;

                case UserCallExpr call:
                    ReverseCall(call, adjoint, output);
                    break;
            }
        }

        // The caller's backward calls the callee's backward with the adjoint of the call's result as its seed.
        private void ReverseCall(UserCallExpr call, string adjoint, CodeBlock output)
        {
            var arguments = call.Arguments.Select(a => Operand(a, precedence: 0)).ToList();
            var outs = new List<string>();
            var accumulations = new List<(VariableExpr Target, string Gradient)>();
            for (var i = 0; i < call.Arguments.Count; i++)
            {
                if (call.Roles[i] == ParameterRole.Constant)
                {
                    continue;
                }

                if (call.Roles[i] == ParameterRole.Span)
                {
                    // The callee adds into the span: pass ours, or a scratch one when no gradient is wanted here.
                    outs.Add(IsActive(call.Arguments[i])
                        ? Adjoint(((VariableExpr)call.Arguments[i]).Id)
                        : $"new {call.Arguments[i].Type.Element.Display}[{Operand(call.Arguments[i])}.Length]");
                    if (call.Arguments[i] is VariableExpr spanArgument && _active[spanArgument.Id])
                    {
                        _adjointsUsed.Add(spanArgument.Id);
                    }
                }
                else if (IsActive(call.Arguments[i]))
                {
                    var name = _names.Take("g" + (_gradientTemporaryCount++).ToString(CultureInfo.InvariantCulture));
                    outs.Add("out var " + name);
                    accumulations.Add(((VariableExpr)call.Arguments[i], name));
                }
                else
                {
                    outs.Add(_names.IsTaken("_") ? "out var " + _names.Take("unused") : "out _");
                }
            }

            var receiver = call.Receiver is null ? "" : Operand(call.Receiver) + ".";
            var allArguments = string.Join(", ", arguments.Concat(new[] { adjoint }).Concat(outs));
            output.Line($"{receiver}{call.BackwardCallee}({allArguments});");
            foreach (var (target, gradient) in accumulations)
            {
                Accumulate(target, gradient, output);
            }
        }

        private static bool TryParseLiteral(LiteralExpr literal, out double value)
            => double.TryParse(literal.Text.TrimEnd('f'), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

        private bool IsActive(Expr operand) => operand is VariableExpr v && _active[v.Id];

        private void Accumulate(Expr target, string contribution, CodeBlock output, bool negate = false)
        {
            if (target is not VariableExpr variable || !_active[variable.Id])
            {
                return;
            }

            _adjointsUsed.Add(variable.Id);
            output.Line($"{Adjoint(variable.Id)} {(negate ? "-=" : "+=")} {contribution};");
        }

        private string Product(string adjoint, Expr factor) => adjoint + " * " + Operand(factor);

        // Prints an operand the reverse sweep reads, and remembers that it does (so the value is kept in scope).
        private string Operand(Expr operand) => Operand(operand, precedence: 13);

        private string Operand(Expr operand, int precedence)
        {
            foreach (var id in Activity.ReferencedValues(operand))
            {
                ReadAt(id, _context);
            }

            return _printer.Print(operand, precedence);
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
                        foreach (var operand in Activity.ReferencedValues(_definitions[id].Value))
                        {
                            changed |= ReadAt(operand, value.Loop);
                        }
                    }
                    else if (strategy == Strategy.Induction)
                    {
                        foreach (var operand in Activity.ReferencedValues(Folded(_method.Loops[value.HeaderOf].Phis.First(p => p.PhiId == id).Entry)))
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
        private bool IsCheap(Expr value) => value switch
        {
            LiteralExpr or VariableExpr => true,
            BinaryExpr b => IsCheap(b.Left) && IsCheap(b.Right),
            UnaryExpr u => IsCheap(u.Operand),
            ConvertExpr c => IsCheap(c.Operand),
            ConditionalExpr c => !c.Type.IsFloating && IsCheap(c.Condition) && IsCheap(c.WhenTrue) && IsCheap(c.WhenFalse),
            ElementExpr { Array: VariableExpr array } e => !_storedArrays.Contains(array.Id) && IsCheap(e.Index),
            MathCallExpr m => s_cheapFunctions.Contains(m.Function) && m.Arguments.All(IsCheap),
            OpaqueExpr { Format: "{0}.Length" } o => o.Arguments.All(IsCheap),
            _ => false,
        };

        private static readonly HashSet<string> s_cheapFunctions = new(StringComparer.Ordinal)
        {
            "Abs", "Max", "Min", "Sqrt", "Floor", "Ceiling", "Truncate", "Round", "Sign", "Clamp", "CopySign", "FusedMultiplyAdd",
        };

        /// <summary>Writes the restoring code into the slots the reverse sweep left, now that every reader is known.</summary>
        private void FillSlots(CodeBlock reverse)
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
                    info.Adjoints.Block.Line($"{_method.Values[id].Type.Display} {Adjoint(id)} = 0;");
                }

                // The iteration's header phis: from the iteration number, or popped (last pushed first).
                foreach (var phi in loop.Phis.Where(p => _strategies.TryGetValue(p.PhiId, out var s) && s == Strategy.Induction))
                {
                    info.Restore.Block.Line($"{_printer.Name(phi.PhiId)} = {InductionValue(phi, InductionStep(loop, phi.PhiId)!.Value, info.Iteration)};");
                }

                foreach (var phi in Enumerable.Reverse(loop.Phis).Where(p => info.Emitted && IsTaped(p.PhiId) && ReadWithin(p.PhiId, loop.Id)
                    && !(p.Back is VariableExpr { Id: var b } && b == p.PhiId)))
                {
                    info.Restore.Block.Line($"{_printer.Name(phi.PhiId)} = {Tape(_method.Values[phi.PhiId].Type)}.Pop();");
                }

                foreach (var id in _strategies.Where(s => s.Value == Strategy.Recomputed && _method.Values[s.Key].Loop == loop.Id).Select(s => s.Key).OrderBy(id => id))
                {
                    var value = _method.Values[id];
                    info.Restore.Block.Line($"{value.Type.Display} {value.Name} = {_printer.Print(_definitions[id].Value)};");
                }

                if (!info.Restore.Block.IsEmpty)
                {
                    info.Restore.Block.Nodes.Insert(0, new CodeComment("this iteration's values"));
                }

                if (loop.Parent >= 0)
                {
                    // A nested loop pushed its count and taped phis on entry; pop them in reverse order.
                    if (info.Emitted)
                    {
                        info.EntryRestore.Block.Line($"{info.Count} = {Tape(TypeRef.Int)}.Pop();");
                    }

                    foreach (var phi in Enumerable.Reverse(loop.Phis).Where(p => IsTaped(p.PhiId) && ReadOutside(p.PhiId, loop.Id)))
                    {
                        info.EntryRestore.Block.Line($"{_printer.Name(phi.PhiId)} = {Tape(_method.Values[phi.PhiId].Type)}.Pop();");
                    }
                }
            }

            foreach (var pair in _popSlots.Where(p => IsTaped(p.Key)))
            {
                pair.Value.Block.Line($"{_printer.Name(pair.Key)} = {Tape(_method.Values[pair.Key].Type)}.Pop();");
            }

            foreach (var pair in _ifPopSlots)
            {
                foreach (var phiId in TapedPhisOf(pair.Key).Reverse())
                {
                    pair.Value.Block.Line($"{_printer.Name(phiId)} = {Tape(_method.Values[phiId].Type)}.Pop();");
                }
            }

            // Every push needs its pop: a slot that was filled must be part of the sweep.
            var attached = new HashSet<CodeSlot>(reverse.Descendants().OfType<CodeSlot>());
            foreach (var slot in _popSlots.Values.Concat(_ifPopSlots.Values).Concat(_loopReverse.Values.SelectMany(l => new[] { l.Restore, l.EntryRestore })))
            {
                if (!slot.Block.IsEmpty && !attached.Contains(slot))
                {
                    throw new InvalidOperationException("a value restored in a part of the reverse sweep that is not emitted");
                }
            }
        }

        private string InductionValue(LoopPhi phi, int step, string iteration)
        {
            var entry = _printer.Print(Folded(phi.Entry), 10);
            var offset = Math.Abs(step) == 1 ? iteration : iteration + " * " + Math.Abs(step).ToString(CultureInfo.InvariantCulture);
            if (entry == "0" && step > 0)
            {
                return offset;
            }

            return entry + (step > 0 ? " + " : " - ") + offset;
        }

        // A value defined as a literal (int i = 0) is printed as the literal.
        private Expr Folded(Expr operand)
            => operand is VariableExpr { Id: var id } && _definitions.TryGetValue(id, out var let) && let.Value is LiteralExpr literal ? literal : operand;

        private string Adjoint(int valueId)
        {
            if (_adjointNames[valueId] is null && Array.IndexOf(_method.ParameterValues, valueId) is var index and >= 0 && _method.Source.Parameters[index].Role == ParameterRole.Span)
            {
                // An array parameter's adjoint is the caller's gradient span itself.
                _adjointNames[valueId] = _method.Source.Parameters[index].GradientName;
            }

            if (_adjointNames[valueId] is null)
            {
                var name = _method.Values[valueId].Name;
                _adjointNames[valueId] = _names.Take("d" + (name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name));
            }

            return _adjointNames[valueId];
        }
    }
}
