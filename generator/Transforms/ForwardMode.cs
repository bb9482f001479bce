using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Rules;
using AutoDiff.Generators.Transforms;

namespace AutoDiff.Generators;

/// <summary>
/// The tangent method as data, in the parts the emitter lays out (<see cref="Emit.TangentEmitter"/>): statements of the
/// backward IR, printed by the same printer.
/// </summary>
/// <param name="Checks">Argument checks that run first (tangent spans of the wrong length).</param>
/// <param name="Inputs">Per differentiable parameter of the method, in order: the parameter and its tangent input.</param>
/// <param name="Declarations">The phis (values merged after an if or carried by a loop) and their tangents, declared up front.</param>
/// <param name="Body">The one pass: each value of the method, then its tangent.</param>
/// <param name="Result">What the method returns: the primal value.</param>
/// <param name="Tangent">The result's tangent (the literal 0 when it depends on no tangent input).</param>
/// <param name="Output">The <c>out</c> tangent parameter.</param>
internal sealed record TangentMethod(
    List<BStmt> Checks,
    List<(ParameterModel Parameter, Local Tangent)> Inputs,
    List<BDeclare> Declarations,
    BBlock Body,
    Expr Result,
    Expr Tangent,
    Local Output);

public sealed partial class DifferentiableGenerator
{
    /// <summary>
    /// Forward mode (API.md, "Forward mode"; issue 14): from the SSA form and its activity, the tangent method
    /// <c>R MTangent(P1 p1, ..., Pn pn, T1 tangentP1, ..., out R tangent)</c>. It runs the method once, in order, and
    /// beside every active value <c>v = f(a, b)</c> computes its tangent <c>dv = ∂f/∂a · da + ∂f/∂b · db</c> from the same
    /// partial derivatives the reverse sweep uses (<see cref="DerivativeRules"/>, applied through <see cref="Simplify.Multiply"/>).
    /// No tape and no reverse sweep: an if carries the tangents of the branch taken (a phi gets a tangent phi), a loop
    /// carries them like its values (a header phi gets a tangent phi), a local buffer the method writes gets a tangent
    /// buffer of the same length and allocation, an element of an array or span parameter has the tangent input's
    /// element, and a call of a <c>[Differentiable]</c> method calls its <c>Tangent</c> (or a registered tangent).
    /// Only active values (varied and useful, as in reverse mode) get tangents: any other value's tangent is zero.
    /// It runs only on methods the reverse mode accepts, after the same activity analysis, plus <see cref="Check"/>.
    /// </summary>
    internal sealed class ForwardMode
    {
        /// <summary>The literal 0, which C# converts to any numeric type.</summary>
        private static readonly LiteralExpr Zero = new("0", TypeRef.Int);

        private readonly LoweredMethod _method;
        private readonly bool[] _active;
        private readonly HashSet<LoweredStore> _deadStores;
        private readonly NameAllocator _names;
        private readonly Local?[] _tangents;
        private readonly Dictionary<int, LetStmt> _definitions = new();
        private readonly SortedSet<int> _phis = new();

        private ForwardMode(LoweredMethod method, ActivityResult activity)
        {
            _method = method;
            _active = activity.Active;
            _deadStores = activity.DeadStores;
            _names = method.Names;
            _tangents = new Local?[method.Values.Count];
            Index(method.Body);
        }

        /// <summary>The tangent method of a method that the reverse mode accepts and <see cref="Check"/> finds nothing wrong with.</summary>
        public static TangentMethod Transform(LoweredMethod method, ActivityResult activity) => new ForwardMode(method, activity).Run();

        /// <summary>
        /// What stops a tangent where a backward goes through (AUTODIFF040, AUTODIFF041): an active call of a
        /// [Differentiable] method that has no tangent method, or of a method whose registered backward has no matching
        /// registered tangent. Reported at the call.
        /// </summary>
        public static IEnumerable<DiagnosticInfo> Check(LoweredMethod method, ActivityResult activity)
        {
            var diagnostics = new List<DiagnosticInfo>();
            Walk(method.Body);
            return diagnostics;

            void Walk(LoweredBlock block)
            {
                foreach (var statement in block.Statements)
                {
                    switch (statement)
                    {
                        // A method of a differentiable class called on its instance has no tangent yet: AUTODIFF042 at the
                        // instance's parameter (or at Forward = true of an instance method) says so.
                        case LetStmt { Value: UserCallExpr { Location: { } location, ReceiverIsDifferentiable: false } call } let when activity.Active[let.ValueId]:
                            var backward = RegisteredBackward(method.Source, call);
                            if (backward is not null)
                            {
                                if (RegisteredTangent(method.Source, call) is null)
                                {
                                    diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.RegisteredDerivativeWithoutTangent.Id, location,
                                        new[] { backward.TargetDisplay, method.Source.Name, backward.TangentSignature }.ToEquatableArray()));
                                }
                            }
                            else if (!call.HasTangent && RegisteredTangent(method.Source, call) is null)
                            {
                                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.CalleeWithoutTangent.Id, location,
                                    new[] { call.Callee.Substring(call.Callee.LastIndexOf('.') + 1), method.Source.Name }.ToEquatableArray()));
                            }

                            break;
                        case LoweredIf branch:
                            Walk(branch.Then);
                            Walk(branch.Else);
                            break;
                        case LoweredLoop loop:
                            Walk(loop.Body);
                            break;
                    }
                }
            }
        }

        /// <summary>The registered backward a call was resolved to (a call of a method with a [DerivativeOf] backward), or null.</summary>
        private static CustomDerivative? RegisteredBackward(MethodModel method, UserCallExpr call)
            => call.TargetId is { } id ? method.Derivatives.FirstOrDefault(d => !d.IsTangent && d.TargetId == id) : null;

        /// <summary>The registered tangent of a call's target whose differentiable parameters are the call's, or null.</summary>
        private static CustomDerivative? RegisteredTangent(MethodModel method, UserCallExpr call)
            => call.TargetId is { } id ? RegisteredTangent(method, id, call.Roles) : null;

        private static CustomDerivative? RegisteredTangent(MethodModel method, string targetId, IEnumerable<ParameterRole> roles)
            => method.Derivatives.FirstOrDefault(d => d.IsTangent && d.TargetId == targetId && d.Roles.SequenceEqual(roles));

        private TangentMethod Run()
        {
            var source = _method.Source;
            var names = BackwardConvention.ForwardNamesOf(source.Parameters);
            var inputs = new List<(ParameterModel, Local)>();
            var checks = new List<BStmt>();
            var own = 0;
            for (var i = 0; i < source.Parameters.Count; i++)
            {
                var parameter = source.Parameters[i];
                if (parameter.Member is not null)
                {
                    throw new InvalidOperationException("a parameter member of this in a forward-mode method");
                }

                var name = names.TangentInputs[own++];
                switch (parameter.Role)
                {
                    case ParameterRole.Constant:
                        continue;
                    case ParameterRole.Scalar:
                        break;
                    case ParameterRole.Span:
                        break;
                    default:
                        throw new InvalidOperationException("a parameter of role " + parameter.Role + " in a forward-mode method");
                }

                var type = parameter.Role == ParameterRole.Span
                    ? new TypeRef("global::System.ReadOnlySpan<" + parameter.Type.Element.Display + ">", parameter.Type.Kind)
                    : parameter.Type;
                var tangent = new Local(name, type);
                _tangents[_method.ParameterValues[i]] = tangent;
                inputs.Add((parameter, tangent));
                if (parameter.Role == ParameterRole.Span)
                {
                    checks.Add(LengthCheck(parameter, Value(_method.ParameterValues[i]), tangent));
                }
            }

            var body = new BBlock();
            Block(_method.Body, body);

            var declarations = new List<BDeclare>();
            foreach (var id in _phis)
            {
                declarations.Add(new BDeclare(new ValueTarget(id), _method.Values[id].Type, null));
            }

            foreach (var id in _phis.Where(id => _active[id]))
            {
                declarations.Add(new BDeclare(new LocalTarget(TangentLocal(id)), _method.Values[id].Type, Zero));
            }

            var output = new Local(names.TangentOutput, source.ReturnType);
            return new TangentMethod(checks, inputs, declarations, body, _method.Result, TangentOf(_method.Result) ?? Zero, output);
        }

        // A tangent span of another length than its parameter would be read out of bounds or only in part: the tangent
        // method throws first, naming the tangent parameter (the message is built only when it throws).
        private static BStmt LengthCheck(ParameterModel parameter, Expr value, Local tangent)
        {
            var name = parameter.Name.TrimStart('@');
            var tangentRead = new LocalExpr(tangent);
            var message = new OpaqueExpr(
                $"\"{tangent.Name} must have the length of {name} (\" + {{0}}.Length + \"), not \" + {{1}}.Length + \".\"",
                "message", IsCall: false, new[] { value, tangentRead }.ToEquatableArray(), TypeRef.Int, null);
            var exception = new OpaqueExpr($"new global::System.ArgumentException({{0}}, \"{tangent.Name}\")", "ArgumentException",
                IsCall: true, new Expr[] { message }.ToEquatableArray(), TypeRef.Int, null);
            var then = new BBlock();
            then.Add(new BThrow(exception));
            return new BIf(new BinaryExpr(BinaryOp.NotEquals, Length(tangentRead), Length(value), TypeRef.Bool), then, new BBlock());
        }

        private static OpaqueExpr Length(Expr array) => new("{0}.Length", "Length", IsCall: false, new[] { array }.ToEquatableArray(), TypeRef.Int, null);

        private VariableExpr Value(int valueId) => new(valueId, _method.Values[valueId].Type);

        // Definitions (to tell a stackalloc'd buffer from an array) and every phi, which is declared up front.
        private void Index(LoweredBlock block)
        {
            foreach (var statement in block.Statements)
            {
                switch (statement)
                {
                    case LetStmt let:
                        _definitions[let.ValueId] = let;
                        break;
                    case PhiStmt phi:
                        _phis.Add(phi.PhiId);
                        break;
                    case LoweredIf branch:
                        Index(branch.Then);
                        Index(branch.Else);
                        break;
                    case LoweredLoop loop:
                        foreach (var phi in loop.Phis)
                        {
                            _phis.Add(phi.PhiId);
                        }

                        Index(loop.Body);
                        break;
                }
            }
        }

        // ---- The pass ---------------------------------------------------------------------------------------------

        private void Block(LoweredBlock block, BBlock output)
        {
            var lastLine = -1;
            foreach (var statement in block.Statements)
            {
                if (statement.Line != lastLine && statement is not PhiStmt)
                {
                    output.Add(new BComment("line " + statement.Line.ToString(CultureInfo.InvariantCulture) + ": " + statement.Source));
                    lastLine = statement.Line;
                }

                switch (statement)
                {
                    case LetStmt let:
                        Let(let, output);
                        break;

                    case PhiStmt phi:
                        output.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, phi.Value));
                        if (_active[phi.PhiId])
                        {
                            // Assigned in every path (a branch of a loop body runs again): zero when the value carries none.
                            output.Add(new BAssign(new LocalTarget(TangentLocal(phi.PhiId)), AssignKind.Set, TangentOf(phi.Value) ?? Zero));
                        }

                        break;

                    case EffectStmt effect:
                        output.Add(new BEvaluate(effect.Value));
                        break;

                    case LoweredStore store:
                        output.Add(new BAssign(new ElementTarget(Value(store.ArrayId), store.Index), AssignKind.Set, store.Value));
                        if (_active[store.ArrayId] && !_deadStores.Contains(store))
                        {
                            // The element's tangent is overwritten too: zero when the stored value carries none.
                            output.Add(new BAssign(new ElementTarget(new LocalExpr(TangentLocal(store.ArrayId)), store.Index), AssignKind.Set, TangentOf(store.Value) ?? Zero));
                        }

                        break;

                    case LoweredIf branch:
                        var then = new BBlock();
                        var @else = new BBlock();
                        Block(branch.Then, then);
                        Block(branch.Else, @else);
                        output.Add(new BIf(branch.Condition, then, @else));
                        lastLine = -1;
                        break;

                    case LoweredLoop loop:
                        Loop(loop, output);
                        lastLine = -1;
                        break;

                    default:
                        throw new InvalidOperationException("unexpected statement " + statement.GetType().Name);
                }
            }
        }

        private void Loop(LoweredLoop loop, BBlock output)
        {
            foreach (var phi in loop.Phis)
            {
                output.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, phi.Entry));
                if (_active[phi.PhiId])
                {
                    output.Add(new BAssign(new LocalTarget(TangentLocal(phi.PhiId)), AssignKind.Set, TangentOf(phi.Entry) ?? Zero));
                }
            }

            var body = new BBlock();
            Block(loop.Body, body);
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

                body.Add(new BAssign(new ValueTarget(phi.PhiId), AssignKind.Set, phi.Back));
                if (_active[phi.PhiId])
                {
                    body.Add(new BAssign(new LocalTarget(TangentLocal(phi.PhiId)), AssignKind.Set, TangentOf(phi.Back) ?? Zero));
                }
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
                output.Add(new BWhile(new LiteralExpr("true", TypeRef.Bool), body));
            }
        }

        private void Let(LetStmt let, BBlock output)
        {
            var value = _method.Values[let.ValueId];
            var target = new ValueTarget(value.Id);
            if (!_active[let.ValueId])
            {
                output.Add(new BDeclare(target, value.Type, let.Value));
                return;
            }

            switch (let.Value)
            {
                case UserCallExpr call:
                    // The callee's tangent returns the value and gives its tangent: dv declared by its out argument.
                    output.Add(new BDeclare(target, value.Type, TangentCall(call, TangentLocal(value.Id))));
                    return;

                case MathCallExpr { TargetId: { } id } math when RegisteredTangent(_method.Source, id, math.Arguments.Select(_ => ParameterRole.Scalar)) is { IsStatic: true } registered:
                    // A registered tangent replaces the built-in rule (AUTODIFF015 says so at the registration).
                    var roles = math.Arguments.Select(_ => ParameterRole.Scalar).ToEquatableArray();
                    output.Add(new BDeclare(target, value.Type, TangentCall(null, registered.BackwardType + "." + registered.BackwardName, math.Arguments, roles, TangentLocal(value.Id))));
                    return;

                case NewArrayExpr buffer:
                {
                    // The buffer's tangent: same length and allocation, zero (as the buffer's elements before any store).
                    output.Add(new BDeclare(target, value.Type, let.Value));
                    var tangent = TangentLocal(value.Id);
                    output.Add(new BDeclare(new LocalTarget(tangent), tangent.Type, buffer with { Length = Length(Value(value.Id)), Type = tangent.Type }));
                    if (buffer.IsStackalloc)
                    {
                        output.Add(new BEvaluate(new OpaqueExpr("{0}.Clear()", "Clear", IsCall: true, new Expr[] { new LocalExpr(tangent) }.ToEquatableArray(), TypeRef.Int, null)));
                    }

                    return;
                }

                default:
                    output.Add(new BDeclare(target, value.Type, let.Value));
                    var local = TangentLocal(value.Id);
                    output.Add(new BDeclare(new LocalTarget(local), local.Type, Tangent(let.Value, Value(value.Id))));
                    return;
            }
        }

        /// <summary>The tangent of <c>v = value</c>: the sum over its active operands of the partial derivative times their tangent.</summary>
        private Expr Tangent(Expr value, VariableExpr self)
        {
            var type = self.Type;
            var terms = new List<(Expr Term, bool Negated)>();
            void Add(Expr operand, Func<Expr, Expr> times, bool negated = false)
            {
                if (TangentOf(operand) is { } tangent && times(tangent) is var term && !Simplify.IsZero(term))
                {
                    terms.Add((term, negated));
                }
            }

            switch (value)
            {
                case VariableExpr copy:
                    // A copy of a buffer (an alias) shares the buffer's tangent.
                    return TangentOf(copy) ?? (type.IsFloatingArray ? throw new InvalidOperationException("a copy of a buffer without a tangent") : Zero);

                case BinaryExpr { Op: BinaryOp.Add } add:
                    Add(add.Left, t => t);
                    Add(add.Right, t => t);
                    break;

                case BinaryExpr { Op: BinaryOp.Subtract } subtract:
                    Add(subtract.Left, t => t);
                    Add(subtract.Right, t => t, negated: true);
                    break;

                case BinaryExpr { Op: BinaryOp.Multiply } multiply:
                    Add(multiply.Left, t => Simplify.Multiply(t, multiply.Right));
                    Add(multiply.Right, t => Simplify.Multiply(t, multiply.Left));
                    break;

                case BinaryExpr { Op: BinaryOp.Divide } divide:
                    // d(a/b) = da / b - db * (a/b) / b: the quotient is reused, as in the reverse sweep.
                    Add(divide.Left, t => new BinaryExpr(BinaryOp.Divide, t, divide.Right, type));
                    Add(divide.Right, t => new BinaryExpr(BinaryOp.Divide, new BinaryExpr(BinaryOp.Multiply, t, self, type), divide.Right, type), negated: true);
                    break;

                case BinaryExpr { Op: BinaryOp.Remainder } remainder:
                    // a % b = a - trunc(a/b) * b (C#'s and IEEE fmod's definition).
                    Add(remainder.Left, t => t);
                    var quotient = new BinaryExpr(BinaryOp.Divide, remainder.Left, remainder.Right, type);
                    Add(remainder.Right, t => new BinaryExpr(BinaryOp.Multiply, t, DerivativeRules.MathCall("Truncate", type, quotient), type), negated: true);
                    break;

                case UnaryExpr { Op: UnaryOp.Negate } negate:
                    Add(negate.Operand, t => t, negated: true);
                    break;

                case UnaryExpr { Op: UnaryOp.Plus } plus:
                    Add(plus.Operand, t => t);
                    break;

                case ConvertExpr { Operand: VariableExpr operand }:
                    // double -> float narrows the tangent too; float -> double widens implicitly.
                    Add(operand, t => operand.Type.Kind == ValueKind.Double && type.Kind == ValueKind.Float ? new ConvertExpr(t, TypeRef.Float, null) : t);
                    break;

                case MathCallExpr call:
                    // The rule's partial derivatives, instantiated at this call: dv = Σ df/d(arg_i) * d(arg_i).
                    var rule = DerivativeRules.Get(call.Function, call.Arguments.Count);
                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (rule.Partial(i, type.Kind) is { } partial)
                        {
                            Add(call.Arguments[i], t => Simplify.Multiply(t, DerivativeRules.Instantiate(partial, call.Arguments, self)));
                        }
                    }

                    break;

                case ElementExpr { Array: VariableExpr array } element:
                    if (TangentOf(array) is { } arrayTangent)
                    {
                        return new ElementExpr(arrayTangent, element.Index, type);
                    }

                    break;

                default:
                    throw new InvalidOperationException("no tangent rule for " + value.GetType().Name);
            }

            return Sum(terms, type);
        }

        private static Expr Sum(List<(Expr Term, bool Negated)> terms, TypeRef type)
        {
            if (terms.Count == 0)
            {
                return Zero;
            }

            var sum = terms[0].Negated ? Negate(terms[0].Term) : terms[0].Term;
            for (var i = 1; i < terms.Count; i++)
            {
                sum = new BinaryExpr(terms[i].Negated ? BinaryOp.Subtract : BinaryOp.Add, sum, terms[i].Term, type);
            }

            return sum;
        }

        private static Expr Negate(Expr operand) => operand is UnaryExpr { Op: UnaryOp.Negate } negated ? negated.Operand : new UnaryExpr(UnaryOp.Negate, operand, operand.Type);

        /// <summary>
        /// <c>FTangent(args, tangents, out T dv)</c> for a call of a [Differentiable] method (or a registered tangent): one
        /// tangent per differentiable parameter of the callee, a zero one for an argument that carries none (a new array
        /// of the argument's length for a span).
        /// </summary>
        private Expr TangentCall(UserCallExpr call, Local output)
        {
            var source = _method.Source;
            var registered = RegisteredTangent(source, call);
            if (registered is null && (RegisteredBackward(source, call) is not null || !call.HasTangent || call.ReceiverIsDifferentiable))
            {
                throw new InvalidOperationException("a call without a tangent method: " + call.Callee);
            }

            var callee = registered is null ? call.Callee + BackwardConvention.TangentSuffix
                : registered.IsStatic ? registered.BackwardType + "." + registered.BackwardName
                : call.Receiver is not null ? registered.BackwardName
                : "this." + registered.BackwardName;
            return TangentCall(call.Receiver, callee, call.Arguments, call.Roles, output);
        }

        private Expr TangentCall(Expr? receiver, string callee, EquatableArray<Expr> callArguments, EquatableArray<ParameterRole> roles, Local output)
        {
            var values = new List<Expr>();
            var format = new StringBuilder();
            if (receiver is not null)
            {
                values.Add(receiver);
                format.Append("{0}.");
            }

            format.Append(callee).Append('(');
            var arguments = new List<string>();
            foreach (var argument in callArguments)
            {
                arguments.Add(Placeholder(values, argument));
            }

            for (var i = 0; i < callArguments.Count; i++)
            {
                var argument = callArguments[i];
                switch (roles[i])
                {
                    case ParameterRole.Constant:
                        break;
                    case ParameterRole.Scalar:
                        arguments.Add(Placeholder(values, TangentOf(argument) ?? Zero));
                        break;
                    case ParameterRole.Span:
                        var element = argument.Type.Element;
                        arguments.Add(Placeholder(values, TangentOf(argument)
                            ?? new NewArrayExpr(element, Length(argument), IsStackalloc: false, new TypeRef(element.Display + "[]", argument.Type.Kind))));
                        break;
                    default:
                        throw new InvalidOperationException("a callee parameter of role " + roles[i] + " in forward mode");
                }
            }

            arguments.Add("out " + output.Type.Display + " " + output.Name);
            format.Append(string.Join(", ", arguments)).Append(')');
            return new OpaqueExpr(format.ToString(), "tangent call", IsCall: true, values.ToEquatableArray(), output.Type, null);
        }

        private static string Placeholder(List<Expr> values, Expr value)
        {
            values.Add(value);
            return "{" + (values.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
        }

        /// <summary>The tangent of an operand: its tangent local when it is active, else null (zero).</summary>
        private Expr? TangentOf(Expr operand)
        {
            if (operand is not VariableExpr { Id: var id })
            {
                return null;
            }

            // A parameter's tangent is its tangent input (none for a [NoGrad] one); any other value has one when active.
            return _tangents[id] is { } known ? new LocalExpr(known)
                : _active[id] && Array.IndexOf(_method.ParameterValues, id) < 0 ? new LocalExpr(TangentLocal(id))
                : null;
        }

        /// <summary>The tangent local of a value, made on first use: <c>d</c> and its name; a buffer's has the buffer's shape.</summary>
        private Local TangentLocal(int valueId)
        {
            if (_tangents[valueId] is { } known)
            {
                return known;
            }

            var value = _method.Values[valueId];
            var name = _names.Take("d" + NameAllocator.Bare(value.Name));
            var type = value.Type;
            if (type.IsFloatingArray)
            {
                var isStackalloc = _definitions.TryGetValue(valueId, out var let) && let.Value is NewArrayExpr { IsStackalloc: true };
                type = new TypeRef(isStackalloc ? "global::System.Span<" + type.Element.Display + ">" : type.Element.Display + "[]", type.Kind);
            }

            return _tangents[valueId] = new Local(name, type);
        }
    }
}
