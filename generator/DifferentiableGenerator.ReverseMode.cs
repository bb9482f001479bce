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
    /// is an if on the branch the forward sweep took. SSA guarantees every value it reads is still there.
    /// </summary>
    internal sealed class ReverseMode
    {
        private readonly LoweredMethod _method;
        private readonly bool[] _active;
        private readonly ExpressionPrinter _printer;
        private readonly HashSet<string> _names;
        private readonly string[] _adjointNames;
        private readonly HashSet<int> _readInReverse = new();
        private readonly HashSet<int> _adjointsUsed = new();
        private readonly Dictionary<LoweredIf, string> _branchFlags = new();
        private readonly HashSet<LoweredIf> _nestedIfs = new();
        private readonly HashSet<int> _assignedPhis = new();
        private readonly string _seed;
        private int _branchCount;
        private int _gradientTemporaryCount;

        private ReverseMode(LoweredMethod method, bool[] active)
        {
            _method = method;
            _active = active;
            _printer = new ExpressionPrinter(method.Values);
            _names = method.Names;
            _seed = Parser.UniqueName("seed", _names);
            _adjointNames = new string[method.Values.Count];
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

            var forward = new CodeBlock();
            ForwardBlock(_method.Body, forward, nested: false);

            var declarations = HoistedDeclarations();
            var adjointDeclarations = _adjointsUsed
                .Where(id => !_method.Values[id].Type.IsFloatingArray)
                .OrderBy(id => id)
                .Select(id => resultValue is not null && id == resultValue.Id
                    ? $"{_method.Values[id].Type.Display} {Adjoint(id)} = {_seed};"
                    : $"{_method.Values[id].Type.Display} {Adjoint(id)} = 0;")
                .ToList();

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

            return new BackwardBody(declarations, forward, adjointDeclarations, reverse, gradients, _printer.Print(_method.Result), _seed);
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
                        var declare = IsHoisted(value) ? "" : value.Type.Display + " ";
                        output.Line($"{declare}{value.Name} = {_printer.Print(let.Value)};");
                        break;

                    case PhiStmt phi:
                        _assignedPhis.Add(phi.PhiId);
                        output.Line($"{_printer.Name(phi.PhiId)} = {_printer.Print(phi.Value)};");
                        break;

                    case EffectStmt effect:
                        output.Line(_printer.Print(effect.Value) + ";");
                        break;

                    case LoweredIf branch:
                        var then = new CodeBlock();
                        var @else = new CodeBlock();
                        ForwardBlock(branch.Then, then, nested: true);
                        ForwardBlock(branch.Else, @else, nested: true);
                        var condition = _printer.Print(branch.Condition);
                        if (_branchFlags.TryGetValue(branch, out var flag))
                        {
                            output.Line(nested ? $"{flag} = {condition};" : $"bool {flag} = {condition};");
                            condition = flag;
                        }

                        output.Add(new CodeIf(condition, then, @else));
                        lastLine = -1;
                        break;
                }
            }
        }

        private static string LineComment(LoweredStmt statement)
            => "line " + statement.Line.ToString(CultureInfo.InvariantCulture) + ": " + statement.Source;

        // Phis and values the reverse sweep reads outside the branch that defines them are declared up front.
        private bool IsHoisted(SsaValue value) => value.IsPhi ? _assignedPhis.Contains(value.Id) : value.InBranch && _readInReverse.Contains(value.Id);

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

            return declarations.Distinct().ToList();
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
                    case LetStmt let when _active[let.ValueId]:
                        ReverseLet(let, code);
                        break;

                    case PhiStmt { Value: VariableExpr source } phi when _active[phi.PhiId] && _active[source.Id]:
                        Accumulate(source, Adjoint(phi.PhiId), code);
                        break;

                    case LoweredIf branch:
                        var then = new CodeBlock();
                        var @else = new CodeBlock();
                        ReverseBlock(branch.Then, then, nested: true);
                        ReverseBlock(branch.Else, @else, nested: true);
                        if (!then.IsEmpty || !@else.IsEmpty)
                        {
                            var flag = "branch" + (_branchCount++).ToString(CultureInfo.InvariantCulture);
                            flag = Parser.UniqueName(flag, _names);
                            _branchFlags[branch] = flag;
                            if (nested)
                            {
                                _nestedIfs.Add(branch);
                            }

                            code.Add(new CodeIf(flag, then, @else));
                        }

                        break;
                }

                if (code.IsEmpty)
                {
                    continue;
                }

                if (statement.Line != lastLine && statement is not LoweredIf)
                {
                    output.Add(new CodeComment(LineComment(statement)));
                    lastLine = statement.Line;
                }
                else if (statement is LoweredIf)
                {
                    lastLine = -1;
                }

                output.Nodes.AddRange(code.Nodes);
            }
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
                    Accumulate(multiply.Left, Product(adjoint, multiply.Right), output);
                    Accumulate(multiply.Right, Product(adjoint, multiply.Left), output);
                    break;

                case BinaryExpr { Op: BinaryOp.Divide } divide:
                    // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b: reuse the quotient.
                    Accumulate(divide.Left, adjoint + " / " + Operand(divide.Right), output);
                    Accumulate(divide.Right, adjoint + " * " + value.Name + " / " + Operand(divide.Right), output, negate: true);
                    _readInReverse.Add(value.Id);
                    break;

                case BinaryExpr { Op: BinaryOp.Remainder } remainder:
                    // a % b = a - trunc(a/b) * b, C#'s (and IEEE fmod's) definition.
                    var math = value.Type.Kind == ValueKind.Float ? "global::System.MathF" : "global::System.Math";
                    Accumulate(remainder.Left, adjoint, output);
                    Accumulate(remainder.Right, $"{adjoint} * {math}.Truncate({Operand(remainder.Left)} / {Operand(remainder.Right)})", output, negate: true);
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
                    if (power != 0)
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
                    var arguments = call.Arguments.Select(a => Operand(a)).ToList();
                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (IsActive(call.Arguments[i]) && rule.Adjoint(i, arguments, value.Name, adjoint, value.Type.Kind) is { } contribution)
                        {
                            if (rule.ReadsResult(i))
                            {
                                _readInReverse.Add(value.Id); // Exp, Sqrt, Tanh... reuse the result
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
                    var name = Parser.UniqueName("g" + (_gradientTemporaryCount++).ToString(CultureInfo.InvariantCulture), _names);
                    outs.Add("out var " + name);
                    accumulations.Add(((VariableExpr)call.Arguments[i], name));
                }
                else
                {
                    outs.Add("out _");
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
                _readInReverse.Add(id);
            }

            return _printer.Print(operand, precedence);
        }

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
                _adjointNames[valueId] = Parser.UniqueName("d" + (name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name), _names);
            }

            return _adjointNames[valueId];
        }
    }
}
