using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Helpers;

namespace AutoDiff.Generators.Model;

// The source IR: what the parser reads out of a [Differentiable] method's IOperation tree. It is the method's own
// program in a small typed core language (assignments to variables, if/else, return; switch, ?:, compound
// assignment and ++ are already desugared), with every symbol resolved to printable, fully qualified text.
// Every node is a record whose members have structural equality, so the incremental pipeline can cache it.

/// <summary>How a value's type takes part in differentiation.</summary>
public enum ValueKind
{
    /// <summary><see cref="double"/>: can carry a gradient.</summary>
    Double,

    /// <summary><see cref="float"/>: can carry a gradient.</summary>
    Float,

    /// <summary>An integral type (int, long, ...): never carries a gradient.</summary>
    Integer,

    /// <summary><see cref="bool"/>: never carries a gradient.</summary>
    Bool,

    /// <summary>Anything else (enums, structs, objects): read as a constant.</summary>
    Other,

    /// <summary><c>double[]</c>, <c>Span&lt;double&gt;</c> or <c>ReadOnlySpan&lt;double&gt;</c>: its elements can carry gradients.</summary>
    DoubleArray,

    /// <summary><c>float[]</c>, <c>Span&lt;float&gt;</c> or <c>ReadOnlySpan&lt;float&gt;</c>: its elements can carry gradients.</summary>
    FloatArray,
}

/// <summary>A type as the emitter prints it (<c>double</c>, <c>global::Ns.T</c>) and how it takes part in differentiation.</summary>
public sealed record TypeRef(string Display, ValueKind Kind)
{
    public static readonly TypeRef Double = new("double", ValueKind.Double);
    public static readonly TypeRef Float = new("float", ValueKind.Float);
    public static readonly TypeRef Int = new("int", ValueKind.Integer);
    public static readonly TypeRef Bool = new("bool", ValueKind.Bool);

    /// <summary>True for double and float: the types whose values can carry a gradient.</summary>
    public bool IsFloating => Kind is ValueKind.Double or ValueKind.Float;

    /// <summary>True for arrays and spans of double or float.</summary>
    public bool IsFloatingArray => Kind is ValueKind.DoubleArray or ValueKind.FloatArray;

    /// <summary>A <c>double[,]</c> or <c>float[,]</c>: a floating array read as <c>a[i, j]</c>, whose gradient is an array of the same shape.</summary>
    public bool IsMatrix => IsFloatingArray && Display.EndsWith("[,]", System.StringComparison.Ordinal);

    /// <summary>The element type of a floating array or span.</summary>
    public TypeRef Element => Kind == ValueKind.FloatArray ? Float : Double;

    public override string ToString() => Display;
}

/// <summary>A parameter or local of the source method. <see cref="Id"/> indexes <see cref="MethodModel.Variables"/>.</summary>
public sealed record VariableInfo(int Id, string Name, TypeRef Type, bool IsParameter);

public enum BinaryOp
{
    Add, Subtract, Multiply, Divide, Remainder,
    Equals, NotEquals, LessThan, LessThanOrEqual, GreaterThan, GreaterThanOrEqual,
    ConditionalAnd, ConditionalOr, And, Or, ExclusiveOr, LeftShift, RightShift,
}

public enum UnaryOp
{
    Negate, Plus, Not, BitwiseNot,
}

/// <summary>
/// An expression of the source IR. <see cref="Type"/> is the type of its value. Every kind lists its operands in
/// <see cref="Children"/> and rebuilds itself from new ones in <see cref="Map"/>: the one traversal every stage uses,
/// so a new kind is one edit here (the compiler asks for both members) instead of one per recursive switch.
/// </summary>
public abstract record Expr(TypeRef Type)
{
    /// <summary>The operand expressions, in evaluation order (a receiver first).</summary>
    public abstract IEnumerable<Expr> Children { get; }

    /// <summary>The same node with each operand replaced by <paramref name="map"/> of it (the node itself when nothing changes).</summary>
    public abstract Expr Map(Func<Expr, Expr> map);

    /// <summary>This node and every node below it, each before its operands.</summary>
    public IEnumerable<Expr> DescendantsAndSelf()
    {
        var stack = new Stack<Expr>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            foreach (var child in node.Children.Reverse())
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>The SSA values (after lowering) or variables (before) that the expression reads.</summary>
    public IEnumerable<int> ReferencedValues() => DescendantsAndSelf().OfType<VariableExpr>().Select(v => v.Id);

    private protected static readonly Expr[] None = Array.Empty<Expr>();

    /// <summary>Maps every expression; <paramref name="changed"/> tells whether any came back as a different node.</summary>
    private protected static EquatableArray<Expr> MapAll(EquatableArray<Expr> expressions, Func<Expr, Expr> map, out bool changed)
    {
        Expr[]? mapped = null;
        for (var i = 0; i < expressions.Count; i++)
        {
            var result = map(expressions[i]);
            if (!ReferenceEquals(result, expressions[i]))
            {
                mapped ??= expressions.ToArray();
                mapped[i] = result;
            }
        }

        changed = mapped is not null;
        return mapped is null ? expressions : new EquatableArray<Expr>(mapped);
    }
}

/// <summary>A constant, already formatted as a C# literal of its type (<c>2.0</c>, <c>0.5f</c>, <c>true</c>).</summary>
public sealed record LiteralExpr(string Text, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => None;

    public override Expr Map(Func<Expr, Expr> map) => this;
}

/// <summary>A read of a parameter or local. After lowering, <see cref="Id"/> names an SSA value instead.</summary>
public sealed record VariableExpr(int Id, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => None;

    public override Expr Map(Func<Expr, Expr> map) => this;
}

public sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => new[] { Left, Right };

    public override Expr Map(Func<Expr, Expr> map)
        => (map(Left), map(Right)) is var (left, right) && (!ReferenceEquals(left, Left) || !ReferenceEquals(right, Right)) ? this with { Left = left, Right = right } : this;
}

public sealed record UnaryExpr(UnaryOp Op, Expr Operand, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => new[] { Operand };

    public override Expr Map(Func<Expr, Expr> map) => map(Operand) is var operand && !ReferenceEquals(operand, Operand) ? this with { Operand = operand } : this;
}

/// <summary>A numeric conversion; <see cref="Expr.Type"/> is the target type.</summary>
public sealed record ConvertExpr(Expr Operand, TypeRef Type, LocationInfo? Location) : Expr(Type)
{
    public override IEnumerable<Expr> Children => new[] { Operand };

    public override Expr Map(Func<Expr, Expr> map) => map(Operand) is var operand && !ReferenceEquals(operand, Operand) ? this with { Operand = operand } : this;
}

/// <summary>An element read <c>array[index]</c> of an array or span.</summary>
public sealed record ElementExpr(Expr Array, Expr Index, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => new[] { Array, Index };

    public override Expr Map(Func<Expr, Expr> map)
        => (map(Array), map(Index)) is var (array, index) && (!ReferenceEquals(array, Array) || !ReferenceEquals(index, Index)) ? this with { Array = array, Index = index } : this;
}

/// <summary>A local buffer: <c>new T[length]</c> or <c>stackalloc T[length]</c>; <see cref="Expr.Type"/> is the array or span type.</summary>
public sealed record NewArrayExpr(TypeRef ElementType, Expr Length, bool IsStackalloc, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => new[] { Length };

    public override Expr Map(Func<Expr, Expr> map) => map(Length) is var length && !ReferenceEquals(length, Length) ? this with { Length = length } : this;
}

/// <summary><c>c ? a : b</c> (also what switch expressions lower to).</summary>
public sealed record ConditionalExpr(Expr Condition, Expr WhenTrue, Expr WhenFalse, TypeRef Type) : Expr(Type)
{
    public override IEnumerable<Expr> Children => new[] { Condition, WhenTrue, WhenFalse };

    public override Expr Map(Func<Expr, Expr> map)
    {
        var (condition, whenTrue, whenFalse) = (map(Condition), map(WhenTrue), map(WhenFalse));
        return ReferenceEquals(condition, Condition) && ReferenceEquals(whenTrue, WhenTrue) && ReferenceEquals(whenFalse, WhenFalse)
            ? this
            : this with { Condition = condition, WhenTrue = whenTrue, WhenFalse = whenFalse };
    }
}

/// <summary>A call of a function with a built-in derivative rule (<see cref="DerivativeRules"/>).</summary>
/// <param name="Function">The rule's name, e.g. <c>Sin</c>.</param>
/// <param name="Callee">The callee as printed, e.g. <c>global::System.Math.Sin</c>.</param>
public sealed record MathCallExpr(string Function, string Callee, EquatableArray<Expr> Arguments, TypeRef Type, LocationInfo? Location) : Expr(Type)
{
    public override IEnumerable<Expr> Children => Arguments;

    public override Expr Map(Func<Expr, Expr> map) => MapAll(Arguments, map, out var changed) is var arguments && changed ? this with { Arguments = arguments } : this;


    /// <summary>The callee's identity (<see cref="CallTarget.Id"/>), so that a [DerivativeOf] registration can replace the built-in rule.</summary>
    public string? TargetId { get; init; }
}

/// <summary>How a callee's parameter takes part in its backward method.</summary>
public enum ParameterRole
{
    /// <summary>Not differentiated: no gradient parameter (NoGrad, integer, bool, ...).</summary>
    Constant,

    /// <summary>A double/float scalar: an <c>out</c> gradient parameter.</summary>
    Scalar,

    /// <summary>An array or span of double/float: a <c>Span</c> gradient parameter that the gradient is added into.</summary>
    Span,

    /// <summary>
    /// An instance of a differentiable class: a <c>C.Gradient</c> the gradient of its parameters is added into, which
    /// calls of its [Differentiable] methods pass on as their <c>gradThis</c>.
    /// </summary>
    Object,

    /// <summary>
    /// A value of a differentiable struct: an <c>out S.Gradient</c>, assigned member by member from the members the
    /// method reads (the others stay zero).
    /// </summary>
    Struct,
}

/// <summary>A call of another [Differentiable] method (or one with a registered derivative): its backward is called in the reverse sweep.</summary>
/// <param name="Receiver">The receiver as an expression for instance calls on another object, else null.</param>
/// <param name="Callee">The primal callee as printed (<c>global::Ns.T.F</c>, <c>this.F</c>, or a member name when <see cref="Receiver"/> is set).</param>
/// <param name="BackwardCallee">The backward callee, printed likewise.</param>
/// <param name="Roles">For each argument, whether the callee differentiates it.</param>
/// <param name="ParameterNames">The callee's parameter names, for messages.</param>
public sealed record UserCallExpr(
    Expr? Receiver,
    string Callee,
    string BackwardCallee,
    EquatableArray<Expr> Arguments,
    EquatableArray<ParameterRole> Roles,
    EquatableArray<string> ParameterNames,
    TypeRef Type,
    LocationInfo? Location) : Expr(Type)
{
    public override IEnumerable<Expr> Children => Receiver is null ? Arguments : Arguments.Prepend(Receiver);

    public override Expr Map(Func<Expr, Expr> map)
    {
        var receiver = Receiver is null ? null : map(Receiver);
        var arguments = MapAll(Arguments, map, out var changed);
        return ReferenceEquals(receiver, Receiver) && !changed ? this : this with { Receiver = receiver, Arguments = arguments };
    }


    /// <summary>The callee's identity (<see cref="CallTarget.Id"/>), so that a [DerivativeOf] registration can replace its generated backward.</summary>
    public string? TargetId { get; init; }

    /// <summary>
    /// The callee differentiates with respect to its instance (a method of a differentiable class): <see cref="Receiver"/>
    /// is a value of role <see cref="ParameterRole.Object"/>, whose gradient the backward call passes as <c>gradThis</c>.
    /// </summary>
    public bool ReceiverIsDifferentiable { get; init; }

    /// <summary>The callee is <c>[Differentiable(Forward = true)]</c>: it has a generated <c>Tangent</c> method that a caller's tangent calls.</summary>
    public bool HasTangent { get; init; }
}

/// <summary>
/// A call, member read or other operation that has no derivative: fine as long as no gradient must flow through it.
/// Activity analysis decides: a varied argument is AUTODIFF001 for a call (<see cref="IsCall"/>), AUTODIFF002 otherwise.
/// <see cref="Format"/> has <c>{0}</c>, <c>{1}</c>... placeholders for <see cref="Arguments"/> (a receiver is argument 0);
/// <see cref="Display"/> names the construct in messages.
/// </summary>
public sealed record OpaqueExpr(string Format, string Display, bool IsCall, EquatableArray<Expr> Arguments, TypeRef Type, LocationInfo? Location) : Expr(Type)
{
    public override IEnumerable<Expr> Children => Arguments;

    public override Expr Map(Func<Expr, Expr> map) => MapAll(Arguments, map, out var changed) is var arguments && changed ? this with { Arguments = arguments } : this;


    /// <summary>For a call that a [DerivativeOf] registration may give a derivative: what the call resolves by.</summary>
    public CallTarget? Target { get; init; }

    /// <summary>What a user can do about a call without a derivative: the callee decides whether it can carry [Differentiable].</summary>
    public CallFix Fix { get; init; } = CallFix.RegisterDerivative;
}

/// <summary>What AUTODIFF001 advises for a call without a derivative.</summary>
public enum CallFix
{
    /// <summary>A method of this compilation that returns double or float: mark it [Differentiable], or register a derivative.</summary>
    MarkOrRegister,

    /// <summary>A method of another assembly, a constructor or an operator: only a [DerivativeOf] registration gives it a derivative.</summary>
    RegisterDerivative,

    /// <summary>A method of this compilation that returns something other than double or float (an array, a struct): it cannot be [Differentiable] as it is.</summary>
    Rewrite,

    /// <summary>A delegate's Invoke: nothing can name it; call a [Differentiable] method directly.</summary>
    CallDirectly,

    /// <summary>A constructor or a user-defined operator: neither can carry [Differentiable] or be named by [DerivativeOf].</summary>
    Compute,
}

/// <summary>
/// A called method that a [DerivativeOf] registration anywhere in the compilation (or in a referenced assembly) may give
/// a derivative. Registrations are matched after parsing (<see cref="CustomDerivative"/>), so the parse of a method does
/// not depend on other files.
/// </summary>
/// <param name="Id">The documentation comment ID of the callee, e.g. <c>M:System.Math.Cbrt(System.Double)</c>.</param>
/// <param name="Callee">The primal callee as printed (as <see cref="UserCallExpr.Callee"/>).</param>
/// <param name="HasReceiver">Argument 0 of the call is its receiver.</param>
public sealed record CallTarget(string Id, string Callee, bool HasReceiver);

/// <summary>A statement of the source IR. <see cref="Line"/> is the 1-based source line, <see cref="Source"/> its text for comments.</summary>
public abstract record Stmt(int Line, string Source);

/// <summary><c>v = value</c>: a declaration with initializer or an assignment (compound ones desugared).</summary>
public sealed record AssignStmt(int VariableId, Expr Value, int Line, string Source) : Stmt(Line, Source);

/// <summary>An expression evaluated for its side effect (a call whose result is discarded).</summary>
public sealed record ExpressionStmt(Expr Value, int Line, string Source) : Stmt(Line, Source);

public sealed record IfStmt(Expr Condition, Block Then, Block Else, int Line, string Source) : Stmt(Line, Source);

public sealed record ReturnStmt(Expr Value, int Line, string Source) : Stmt(Line, Source);

/// <summary><c>array[index] = value</c> into a local buffer (compound assignments desugared).</summary>
public sealed record StoreStmt(int ArrayVariableId, Expr Index, Expr Value, int Line, string Source) : Stmt(Line, Source);

/// <summary>
/// A loop in one shape for while, for, foreach and do: <see cref="Condition"/> is tested before each iteration
/// (<see cref="ConditionFirst"/>) or after it (do), <see cref="Body"/> runs, then <see cref="Step"/> (a for loop's
/// increments, which <c>continue</c> does not skip). Initializers come as statements before the loop. A loop with
/// <c>break</c> has a bool variable <see cref="BreakFlagId"/> that the parser sets to false before the loop, that
/// <see cref="BreakStmt"/> sets, and that the condition tests.
/// </summary>
public sealed record LoopStmt(Expr Condition, bool ConditionFirst, Block Body, Block Step, int? BreakFlagId, int Line, string Source) : Stmt(Line, Source);

/// <summary><c>break</c>: sets the loop's break flag and ends the iteration.</summary>
public sealed record BreakStmt(int FlagId, int Line, string Source) : Stmt(Line, Source);

/// <summary><c>continue</c>: ends the iteration (the step still runs).</summary>
public sealed record ContinueStmt(int Line, string Source) : Stmt(Line, Source);

public sealed record Block(EquatableArray<Stmt> Statements)
{
    public static readonly Block Empty = new(EquatableArray<Stmt>.Empty);
}
