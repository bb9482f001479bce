using System.Collections.Generic;

namespace AutoDiff.Generators.Model;

// The lowered IR: the method in static single assignment form with structured control flow. Every value is
// defined once (a reassigned variable gets a new value per assignment, merged by phis after an if), floating-point
// expressions are split into one operation per value (three-address code) so the reverse sweep can reach every
// intermediate, and every return assigns the single result. Built and consumed inside one output step, so these
// are plain classes rather than equatable pipeline models.

/// <summary>An SSA value. <see cref="Name"/> is unique in the generated method.</summary>
/// <param name="IsPhi">Assigned at the end of each branch of an if (or by each return) rather than defined once.</param>
internal sealed class SsaValue(int id, string name, TypeRef type, bool isPhi)
{
    public int Id { get; } = id;

    public string Name { get; } = name;

    public TypeRef Type { get; } = type;

    public bool IsPhi { get; } = isPhi;

    /// <summary>An intermediate result of an expression (<c>t0</c>), not a value of one of the user's variables.</summary>
    public bool IsTemporary { get; set; }

    /// <summary>The value was defined inside an if; its declaration moves to the top when the reverse sweep reads it.</summary>
    public bool InBranch { get; set; }

    /// <summary>The innermost loop whose body defines the value (a header phi belongs to the loop around its own), or -1.</summary>
    public int Loop { get; set; } = -1;

    /// <summary>Defined inside an if within its innermost loop's body (so not recomputable at the start of a reverse iteration).</summary>
    public bool InLoopBranch { get; set; }

    /// <summary>For a loop's header phi, that loop's id; else -1.</summary>
    public int HeaderOf { get; set; } = -1;

    public override string ToString() => Name;
}

internal abstract class LoweredStmt(int line, string source)
{
    public int Line { get; } = line;

    public string Source { get; } = source;
}

/// <summary><c>value = expression</c>. For a floating value the expression is one operation over values, literals and constant trees.</summary>
internal sealed class LetStmt(int valueId, Expr value, int line, string source) : LoweredStmt(line, source)
{
    public int ValueId { get; } = valueId;

    public Expr Value { get; } = value;
}

/// <summary>Assigns a phi at the end of a branch: <c>phi = value</c>.</summary>
internal sealed class PhiStmt(int phiId, Expr value, int line, string source) : LoweredStmt(line, source)
{
    public int PhiId { get; } = phiId;

    public Expr Value { get; } = value;
}

/// <summary>An expression evaluated for its side effect only.</summary>
internal sealed class EffectStmt(Expr value, int line, string source) : LoweredStmt(line, source)
{
    public Expr Value { get; } = value;
}

internal sealed class LoweredIf(Expr condition, LoweredBlock then, LoweredBlock @else, int line, string source) : LoweredStmt(line, source)
{
    public Expr Condition { get; } = condition;

    public LoweredBlock Then { get; } = then;

    public LoweredBlock Else { get; } = @else;
}

/// <summary><c>array[index] = value</c> into a local buffer.</summary>
internal sealed class LoweredStore(int arrayId, Expr index, Expr value, int line, string source) : LoweredStmt(line, source)
{
    public int ArrayId { get; } = arrayId;

    public Expr Index { get; } = index;

    public Expr Value { get; } = value;
}

/// <summary>A loop-carried variable: its header phi holds <see cref="Entry"/> in the first iteration and <see cref="Back"/> (the value at the end of the previous iteration) after.</summary>
internal sealed class LoopPhi(int phiId, Expr entry)
{
    public int PhiId { get; } = phiId;

    public Expr Entry { get; } = entry;

    public Expr Back { get; set; } = entry;
}

/// <summary>
/// A loop in SSA form: header phis for the variables its body assigns, a body (step included), and a condition over
/// values (tested before each iteration, or after it for a do loop). Values the body defines are redefined by every
/// iteration; the reverse sweep restores the ones it reads (<see cref="DifferentiableGenerator.ReverseMode"/>).
/// </summary>
internal sealed class LoweredLoop(int id, int parent, List<LoopPhi> phis, bool conditionFirst, LoweredBlock body, int line, string source) : LoweredStmt(line, source)
{
    public int Id { get; } = id;

    /// <summary>The id of the loop around this one, or -1.</summary>
    public int Parent { get; } = parent;

    public List<LoopPhi> Phis { get; } = phis;

    public bool ConditionFirst { get; } = conditionFirst;

    public Expr Condition { get; set; } = new LiteralExpr("true", TypeRef.Bool);

    public LoweredBlock Body { get; } = body;
}

internal sealed class LoweredBlock
{
    public List<LoweredStmt> Statements { get; } = new();
}

/// <summary>A method in SSA form: its values, body and result (a value reference or a literal).</summary>
internal sealed class LoweredMethod(MethodModel source, List<SsaValue> values, LoweredBlock body, Expr result, int[] parameterValues, NameAllocator names, string seedName, List<LoweredLoop> loops)
{
    /// <summary>Every loop, indexed by <see cref="LoweredLoop.Id"/>.</summary>
    public List<LoweredLoop> Loops { get; } = loops;

    public MethodModel Source { get; } = source;

    public List<SsaValue> Values { get; } = values;

    public LoweredBlock Body { get; } = body;

    public Expr Result { get; } = result;

    /// <summary>The value of each parameter on entry, by parameter index.</summary>
    public int[] ParameterValues { get; } = parameterValues;

    /// <summary>Every name taken in the generated method so far (the user's included); later stages take theirs from it.</summary>
    public NameAllocator Names { get; } = names;

    /// <summary>The seed parameter's name: <c>seed</c>, unless a parameter has that name.</summary>
    public string SeedName { get; } = seedName;
}
