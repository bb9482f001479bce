using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Rules;

namespace AutoDiff.Generators.Transforms;

/// <summary>
/// The Hessian-vector product by forward mode over the reverse sweep (API.md, "Forward mode"): the backward method's
/// IR with seed 1, and beside every statement that writes a floating value its tangent along the tangent inputs
/// (<c>tangent</c> + the name in PascalCase): a value's, an adjoint's, a buffer element's, a tape's (a tangent tape
/// beside each floating tape, pushed and popped in step). The tangent of the gradient is the Hessian times the tangent
/// vector: <c>hvX = tangentDx</c> for a scalar, accumulated into <c>hvX</c> for a span, where the backward accumulates
/// into <c>gradX</c>. Each expression's tangent comes from the same rules as forward mode: sums and products, the
/// partial derivatives of <see cref="DerivativeRules"/> through <see cref="Simplify.Multiply"/>, the branch taken of a
/// conditional. Methods that call other [Differentiable] methods or registered derivatives get no Hessian-vector
/// method (<see cref="Qualifies"/>).
/// </summary>
internal sealed class HessianVector
{
    private static readonly LiteralExpr Zero = new("0", TypeRef.Int);

    private readonly LoweredMethod _method;
    private readonly NameAllocator _names;
    private readonly Dictionary<int, Local> _valueTangents = new();
    private readonly Dictionary<Local, Local?> _localTangents = new();
    private readonly Dictionary<Tape, Tape> _tangentTapes = new();
    private readonly Local _seed;

    private HessianVector(LoweredMethod method, BackwardMethod backward)
    {
        _method = method;
        _names = method.Names;
        _seed = backward.Seed;
        _localTangents[_seed] = null; // the seed is 1: a constant
    }

    /// <summary>The parts of the Hessian-vector method, in the backward's layout, and its parameters.</summary>
    /// <param name="Method">The backward's parts with their tangents; <see cref="BackwardMethod.Seed"/> is a local set to 1.</param>
    /// <param name="Tangents">Per differentiable parameter, in order: its tangent input.</param>
    /// <param name="Products">Per differentiable parameter, in order: its Hessian-vector output.</param>
    public sealed record Result(BackwardMethod Method, List<(ParameterModel Parameter, Local Tangent, Local Product)> Parameters);

    /// <summary>
    /// A method gets a Hessian-vector method when it is Forward = true, has only scalar and span parameters, and
    /// calls no [Differentiable] method or registered derivative (the product through a callee is not generated yet).
    /// </summary>
    public static bool Qualifies(MethodModel model, LoweredMethod lowered)
        => DifferentiableGenerator.Parser.QualifiesForHessianVector(model) && !CallsDerivatives(lowered.Body);

    private static bool CallsDerivatives(LoweredBlock block) => block.Statements.Any(s => s switch
    {
        LetStmt let => let.Value.DescendantsAndSelf().Any(e => e is UserCallExpr),
        EffectStmt effect => effect.Value.DescendantsAndSelf().Any(e => e is UserCallExpr),
        LoweredIf branch => CallsDerivatives(branch.Then) || CallsDerivatives(branch.Else),
        LoweredLoop loop => CallsDerivatives(loop.Body),
        _ => false,
    });

    public static Result Transform(LoweredMethod method, BackwardMethod backward) => new HessianVector(method, backward).Run(backward);

    private Result Run(BackwardMethod backward)
    {
        var source = _method.Source;
        var names = BackwardConvention.ForwardNamesOf(source.Parameters);
        var parameters = new List<(ParameterModel, Local, Local)>();
        var checks = new List<BStmt>(backward.Checks);
        var hvByGradient = new Dictionary<string, Local>(StringComparer.Ordinal);
        for (var i = 0; i < source.Parameters.Count; i++)
        {
            var parameter = source.Parameters[i];
            if (parameter.Role == ParameterRole.Constant)
            {
                continue;
            }

            if (parameter.Role is not (ParameterRole.Scalar or ParameterRole.Span) || parameter.Member is not null)
            {
                throw new InvalidOperationException("a Hessian-vector product for a parameter of role " + parameter.Role);
            }

            var isSpan = parameter.Role == ParameterRole.Span;
            var element = parameter.Type.Element.Display;
            var tangent = new Local(names.TangentInputs[i], isSpan ? new TypeRef("global::System.ReadOnlySpan<" + element + ">", parameter.Type.Kind) : parameter.Type);
            var product = new Local(names.HessianVectorOutputs[i], isSpan ? new TypeRef("global::System.Span<" + element + ">", parameter.Type.Kind) : parameter.Type);
            _valueTangents[_method.ParameterValues[i]] = tangent;
            hvByGradient[parameter.GradientName] = product;
            parameters.Add((parameter, tangent, product));
            if (isSpan)
            {
                var value = new VariableExpr(_method.ParameterValues[i], parameter.Type);
                checks.Add(LengthCheck(tangent, value, parameter.Name.TrimStart('@')));
                checks.Add(LengthCheck(product, value, parameter.Name.TrimStart('@')));
            }
        }

        // A span parameter's adjoint is the caller's gradient span: its tangent is the product span.
        foreach (var local in backward.Reverse.Descendants().Concat(backward.Forward.Descendants()).SelectMany(LocalsOf).Distinct())
        {
            if (local.Type.IsFloatingArray && hvByGradient.TryGetValue(local.Name, out var product))
            {
                _localTangents[local] = product;
            }
        }

        var declarations = new List<BDeclare>();
        foreach (var declaration in backward.Declarations)
        {
            declarations.AddRange(Statement(declaration).Cast<BDeclare>());
        }

        var forward = Block(backward.Forward);
        var adjointDeclarations = new List<BDeclare>();
        foreach (var declaration in backward.AdjointDeclarations)
        {
            adjointDeclarations.AddRange(Statement(declaration).Cast<BDeclare>());
        }

        var reverse = Block(backward.Reverse);
        var gradients = new List<BAssign>();
        foreach (var gradient in backward.Gradients)
        {
            gradients.Add(gradient);
            if (gradient.Target is LocalTarget { Local: var local } && hvByGradient.TryGetValue(local.Name, out var product))
            {
                gradients.Add(new BAssign(new LocalTarget(product), gradient.Kind, TangentOf(gradient.Value)));
            }
        }

        var tapes = backward.Tapes.Concat(_tangentTapes.Values).ToList();
        var method = new BackwardMethod(checks, tapes, declarations, forward, adjointDeclarations, reverse, gradients, backward.Result, _seed);
        return new Result(method, parameters);
    }

    private static IEnumerable<Local> LocalsOf(BStmt statement)
    {
        var expressions = statement switch
        {
            BAssign assign => new[] { assign.Value }.Concat(assign.Target is ElementTarget e ? new[] { e.Array } : Array.Empty<Expr>()),
            BDeclare declare => declare.Initializer is { } i ? new[] { i } : Array.Empty<Expr>(),
            _ => Array.Empty<Expr>(),
        };
        return expressions.SelectMany(e => e.DescendantsAndSelf()).OfType<LocalExpr>().Select(l => l.Local);
    }

    private static BStmt LengthCheck(Local span, Expr value, string name)
    {
        var read = new LocalExpr(span);
        var message = new OpaqueExpr(
            $"\"{span.Name} must have the length of {name} (\" + {{0}}.Length + \"), not \" + {{1}}.Length + \".\"",
            "message", IsCall: false, new[] { value, read }.ToEquatableArray(), TypeRef.Int, null);
        var exception = new OpaqueExpr($"new global::System.ArgumentException({{0}}, \"{span.Name}\")", "ArgumentException",
            IsCall: true, new Expr[] { message }.ToEquatableArray(), TypeRef.Int, null);
        var then = new BBlock();
        then.Add(new BThrow(exception));
        return new BIf(new BinaryExpr(BinaryOp.NotEquals, Length(read), Length(value), TypeRef.Bool), then, new BBlock());
    }

    private static OpaqueExpr Length(Expr array) => new("{0}.Length", "Length", IsCall: false, new[] { array }.ToEquatableArray(), TypeRef.Int, null);

    // ---- Statements ----------------------------------------------------------------------------------------------

    private BBlock Block(BBlock block)
    {
        var output = new BBlock();
        foreach (var statement in block.Statements)
        {
            output.Statements.AddRange(Statement(statement));
        }

        return output;
    }

    /// <summary>A statement of the backward and, after it, its tangent (none when it writes nothing floating).</summary>
    private IEnumerable<BStmt> Statement(BStmt statement)
    {
        switch (statement)
        {
            case BComment comment:
                // The rule's text stays the backward's: the tangent lines follow each step.
                var copy = new BComment(comment.Text);
                copy.Rules.AddRange(comment.Rules);
                return new[] { copy };

            case BDeclare declare:
            {
                var result = new List<BStmt> { declare };
                if (TangentTarget(declare.Target) is { } target)
                {
                    var type = TangentType(declare.Target, declare.Type);
                    Expr? initializer = declare.Initializer switch
                    {
                        null => type.IsFloating ? Zero : null,
                        NewArrayExpr buffer => buffer with { Type = type },
                        PopExpr pop => PopTangent(pop),
                        { } value => TangentOf(value, Read(declare.Target)),
                    };
                    result.Add(new BDeclare(target, type, initializer));
                    if (declare.Initializer is NewArrayExpr { IsStackalloc: true })
                    {
                        result.Add(Clear(((LocalTarget)target).Local));
                    }
                }
                else if (declare.Initializer is PopExpr pop && IsFloatingTape(pop.Tape))
                {
                    result.Add(new BEvaluate(PopTangent(pop)));
                }

                return result;
            }

            case BAssign assign:
            {
                var result = new List<BStmt> { assign };
                if (TangentTarget(assign.Target) is { } target)
                {
                    // The tangent reads the operands' values before the assignment: first when the assignment overwrites one.
                    var overwritesOperand = ReadsTarget(assign.Value, assign.Target);
                    var tangent = new BAssign(target, assign.Kind, assign.Value is PopExpr pop ? PopTangent(pop)
                        : TangentOf(assign.Value, assign.Kind == AssignKind.Set && !overwritesOperand ? Read(assign.Target) : null));
                    result.Insert(overwritesOperand ? 0 : 1, tangent);
                }
                else if (assign.Value is PopExpr pop && IsFloatingTape(pop.Tape))
                {
                    result.Add(new BEvaluate(PopTangent(pop)));
                }

                return result;
            }

            case BEvaluate { Value: OpaqueExpr { Format: "{0}.Clear()", Arguments: var arguments } } clear
                when arguments[0] is LocalExpr { Local: var cleared } && LocalTangent(cleared) is { } tangent:
                return new BStmt[] { clear, Clear(tangent) };

            case BPush push:
                return IsFloatingTape(push.Tape)
                    ? new BStmt[] { push, new BPush(TangentTape(push.Tape), TangentOf(push.Value)) }
                    : new BStmt[] { push };

            case BIf branch:
                return new[] { new BIf(branch.Condition, Block(branch.Then), Block(branch.Else)) };

            case BWhile loop:
                return new[] { new BWhile(loop.Condition, Block(loop.Body)) };

            case BReverseLoop loop:
                return new[] { new BReverseLoop(loop.Iteration, loop.Count, Block(loop.Body)) };

            case BSlot slot:
                return Block(slot.Block).Statements;

            case BEvaluate or BThrow or BBreak:
                return new[] { statement };

            case BCall:
                throw new InvalidOperationException("a call of a callee's backward in a Hessian-vector product");

            default:
                throw new InvalidOperationException("unexpected statement " + statement.GetType().Name);
        }
    }

    private static BEvaluate Clear(Local buffer)
        => new(new OpaqueExpr("{0}.Clear()", "Clear", IsCall: true, new Expr[] { new LocalExpr(buffer) }.ToEquatableArray(), TypeRef.Int, null));

    private static bool IsFloatingTape(Tape tape) => tape.Element.IsFloating;

    private Tape TangentTape(Tape tape)
    {
        if (!_tangentTapes.TryGetValue(tape, out var tangent))
        {
            var name = _names.Take("tangent" + Pascal(tape.Local.Name));
            tangent = new Tape(new Local(name, tape.Local.Type), tape.Element, tape.Capacity);
            _tangentTapes[tape] = tangent;
        }

        return tangent;
    }

    private PopExpr PopTangent(PopExpr pop) => new(TangentTape(pop.Tape));

    /// <summary>Where a statement's tangent goes: the tangent of the value, local or buffer element it writes; null when that is not floating.</summary>
    private Target? TangentTarget(Target target) => target switch
    {
        ValueTarget { ValueId: var id } when IsFloatingValue(id) => new LocalTarget(ValueTangent(id)),
        LocalTarget { Local: var local } when LocalTangent(local) is { } tangent => new LocalTarget(tangent),
        ElementTarget element when TangentOf(element.Array) is LocalExpr array => new ElementTarget(array, element.Index),
        _ => null,
    };

    private TypeRef TangentType(Target target, TypeRef declared) => TangentTarget(target) is LocalTarget { Local: var local } ? local.Type : declared;

    private bool IsFloatingValue(int id) => _method.Values[id].Type.IsFloating || _method.Values[id].Type.IsFloatingArray;

    private Local ValueTangent(int id)
    {
        if (!_valueTangents.TryGetValue(id, out var tangent))
        {
            var value = _method.Values[id];
            _valueTangents[id] = tangent = new Local(_names.Take("tangent" + Pascal(value.Name)), value.Type);
        }

        return tangent;
    }

    private Local? LocalTangent(Local local)
    {
        if (_localTangents.TryGetValue(local, out var known))
        {
            return known;
        }

        var tangent = local.Type.IsFloating || local.Type.IsFloatingArray ? new Local(_names.Take("tangent" + Pascal(local.Name)), local.Type) : null;
        _localTangents[local] = tangent;
        return tangent;
    }

    private static string Pascal(string name)
    {
        var bare = NameAllocator.Bare(name).Replace("this.", "");
        return bare.Length == 0 ? "" : char.ToUpperInvariant(bare[0]) + bare.Substring(1);
    }

    // ---- Expressions -----------------------------------------------------------------------------------------------

    private static bool ReadsTarget(Expr value, Target target) => value.DescendantsAndSelf().Any(e => (e, target) switch
    {
        (VariableExpr { Id: var read }, ValueTarget { ValueId: var written }) => read == written,
        (LocalExpr { Local: var read }, LocalTarget { Local: var written }) => ReferenceEquals(read, written),
        (ElementExpr { Array: var read }, ElementTarget { Array: var written }) => read.Equals(written),
        _ => false,
    });

    /// <summary>What a statement just wrote, read back: a Math call's result <c>r</c> in its rule, rather than calling it again.</summary>
    private Expr? Read(Target target) => target switch
    {
        ValueTarget { ValueId: var id } => new VariableExpr(id, _method.Values[id].Type),
        LocalTarget { Local: var local } => new LocalExpr(local),
        _ => null,
    };

    /// <summary>
    /// The tangent of an expression along the tangent inputs (the literal 0 when it has none); <paramref name="self"/> is
    /// where the expression's value was just stored, if anywhere.
    /// </summary>
    private Expr TangentOf(Expr expression, Expr? self = null)
    {
        var type = expression.Type;
        if (!type.IsFloating && !type.IsFloatingArray)
        {
            return Zero;
        }

        switch (expression)
        {
            case LiteralExpr:
                return Zero;
            case VariableExpr { Id: var id }:
                return _valueTangents.TryGetValue(id, out var tangent) ? new LocalExpr(tangent)
                    : Array.IndexOf(_method.ParameterValues, id) >= 0 ? Zero // a [NoGrad] parameter
                    : new LocalExpr(ValueTangent(id));
            case LocalExpr { Local: var local }:
                return LocalTangent(local) is { } localTangent ? new LocalExpr(localTangent) : Zero;
            case ElementExpr element:
                return TangentOf(element.Array) is LocalExpr array ? new ElementExpr(array, element.Index, type) : Zero;
            case BinaryExpr { Op: BinaryOp.Add } add:
                return Sum(type, (TangentOf(add.Left), false), (TangentOf(add.Right), false));
            case BinaryExpr { Op: BinaryOp.Subtract } subtract:
                return Sum(type, (TangentOf(subtract.Left), false), (TangentOf(subtract.Right), true));
            case BinaryExpr { Op: BinaryOp.Multiply } multiply:
                return Sum(type, (Simplify.Multiply(TangentOf(multiply.Left), multiply.Right), false), (Simplify.Multiply(TangentOf(multiply.Right), multiply.Left), false));
            case BinaryExpr { Op: BinaryOp.Divide } divide:
            {
                // d(a/b) = da / b - db * (a/b) / b.
                var da = TangentOf(divide.Left);
                var db = TangentOf(divide.Right);
                return Sum(type,
                    (Simplify.IsZero(da) ? Zero : new BinaryExpr(BinaryOp.Divide, da, divide.Right, type), false),
                    (Simplify.IsZero(db) ? Zero : new BinaryExpr(BinaryOp.Divide, Simplify.Multiply(db, self ?? divide), divide.Right, type), true));
            }

            case BinaryExpr { Op: BinaryOp.Remainder } remainder:
            {
                var quotient = new BinaryExpr(BinaryOp.Divide, remainder.Left, remainder.Right, type);
                return Sum(type, (TangentOf(remainder.Left), false), (Simplify.Multiply(TangentOf(remainder.Right), DerivativeRules.MathCall("Truncate", type, quotient)), true));
            }

            case UnaryExpr { Op: UnaryOp.Negate } negate:
                return Sum(type, (TangentOf(negate.Operand), true));
            case UnaryExpr { Op: UnaryOp.Plus } plus:
                return TangentOf(plus.Operand);
            case ConvertExpr convert:
            {
                var operand = TangentOf(convert.Operand);
                return Simplify.IsZero(operand) || !convert.Operand.Type.IsFloating ? Zero
                    : convert.Operand.Type.Kind == ValueKind.Double && type.Kind == ValueKind.Float ? new ConvertExpr(operand, TypeRef.Float, null)
                    : operand;
            }

            case ConditionalExpr conditional:
            {
                var whenTrue = TangentOf(conditional.WhenTrue);
                var whenFalse = TangentOf(conditional.WhenFalse);
                if (Simplify.IsZero(whenTrue) && Simplify.IsZero(whenFalse))
                {
                    return Zero;
                }

                // A rule's special case at one point (Pow's exponent exactly 0: no gradient to the base, as PyTorch) is
                // left at once along a direction that moves off the point: there the derivative is the general case's.
                // It is the special case's only where the direction stays on the point (the compared values' tangents agree).
                var condition = conditional.Condition;
                if (condition is BinaryExpr { Op: BinaryOp.Equals, Left: var left, Right: var right } && (left.Type.IsFloating || right.Type.IsFloating)
                    && Sum(left.Type.IsFloating ? left.Type : right.Type, (TangentOf(left), false), (TangentOf(right), true)) is var moves && !Simplify.IsZero(moves))
                {
                    condition = new BinaryExpr(BinaryOp.ConditionalAnd, condition, new BinaryExpr(BinaryOp.Equals, moves, Zero, TypeRef.Bool), TypeRef.Bool);
                }

                return new ConditionalExpr(condition, whenTrue, whenFalse, type);
            }

            case MathCallExpr call:
            {
                // The same partials as forward mode, at the call's arguments; r is the call itself.
                var rule = DerivativeRules.Get(call.Function, call.Arguments.Count);
                var terms = new List<(Expr, bool)>();
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    if (rule.Partial(i, type.Kind) is { } partial)
                    {
                        terms.Add((Simplify.Multiply(TangentOf(call.Arguments[i]), DerivativeRules.Instantiate(partial, call.Arguments, self ?? call)), false));
                    }
                }

                return Sum(type, terms.ToArray());
            }

            case NewArrayExpr:
                throw new InvalidOperationException("a buffer allocated inside an expression");
            case OpaqueExpr:
                // Reads the differentiation never goes through (the activity analysis rejects a varied one): constants.
                return Zero;
            default:
                throw new InvalidOperationException("no tangent rule for " + expression.GetType().Name + " in a Hessian-vector product");
        }
    }

    private static Expr Sum(TypeRef type, params (Expr Term, bool Negated)[] terms)
    {
        Expr? sum = null;
        foreach (var (term, negated) in terms)
        {
            if (Simplify.IsZero(term))
            {
                continue;
            }

            sum = sum is null
                ? negated ? (term is UnaryExpr { Op: UnaryOp.Negate } n ? n.Operand : new UnaryExpr(UnaryOp.Negate, term, type)) : term
                : new BinaryExpr(negated ? BinaryOp.Subtract : BinaryOp.Add, sum, term, type);
        }

        return sum ?? Zero;
    }
}
