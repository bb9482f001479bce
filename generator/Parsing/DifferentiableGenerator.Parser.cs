using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    internal const string DifferentiableAttributeName = "AutoDiff.DifferentiableAttribute";
    internal const string NoGradAttributeName = "AutoDiff.NoGradAttribute";

    /// <summary>The suffix of every file the generator adds; members declared there are the generator's own.</summary>
    internal const string HintNameSuffix = ".AutoDiff.g.cs";

    /// <summary>
    /// Reads a [Differentiable] method into the source IR (<see cref="MethodModel"/>), reporting what cannot be
    /// differentiated. Used by the generator's pipeline and by <see cref="DifferentiableAnalyzer"/>, so that the
    /// editor and the build report the same diagnostics the generator acts on.
    /// </summary>
    internal sealed partial class Parser
    {
        internal static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

        private readonly IMethodSymbol _method;
        private readonly MethodDeclarationSyntax _syntax;
        private readonly SemanticModel _semanticModel;
        private readonly CancellationToken _cancellationToken;
        private readonly List<DiagnosticInfo> _diagnostics = new();

        // False when the signature is such that the body cannot be read (a return type other than double or float,
        // ref parameters, no body...); true when only the declaration around it is wrong (a type that is not partial).
        private bool _bodyReadable = true;
        private readonly List<VariableInfo> _variables = new();
        private readonly Dictionary<ISymbol, int> _variableIds = new(SymbolEqualityComparer.Default);
        private readonly SortedSet<string> _callTargets = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _differentiableCallees = new(StringComparer.Ordinal);

        // An instance method of a differentiable type differentiates with respect to the instance: each parameter
        // member it reads (a scalar or array field of this) is an implicit parameter whose gradient is gradThis's member.
        private readonly List<ParameterModel> _memberParameters = new();
        private string? _thisGradientName;

        // The loops being read, innermost last: where break and continue go.
        private readonly List<LoopContext> _loops = new();

        // Locals that hold a buffer this method allocated (new T[n] or stackalloc): the only arrays it may write.
        private readonly HashSet<int> _localBuffers = new();

        // How deep in if/loop/switch the statement being read is; buffers are allocated at depth 0 only.
        private int _depth;

        // A return inside a loop stores its value and leaves every enclosing loop; the outermost one then returns it.
        private (int Result, int Returned)? _loopReturn;
        private int _loopReturnCount;

        // The method has C# errors (half-typed code in the editor): the compiler reports those; we stay quiet.
        private bool _hasCompilerErrors;

        /// <summary>A loop being read: its labels (to match break and continue) and its break flag, made at the first break.</summary>
        private sealed class LoopContext(ILabelSymbol exit, ILabelSymbol @continue)
        {
            public ILabelSymbol Exit { get; } = exit;

            public ILabelSymbol Continue { get; } = @continue;

            public int? BreakFlagId { get; set; }

            /// <summary>The body has a break of its own (not one made for a return).</summary>
            public bool HasBreak { get; set; }
        }

        private Parser(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken)
        {
            _method = method;
            _syntax = syntax;
            _semanticModel = semanticModel;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Parses one method. Never throws (but for cancellation): an internal failure becomes AUTODIFF900.</summary>
        public static ParseResult Parse(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken)
        {
            try
            {
                return new Parser(method, syntax, semanticModel, cancellationToken).Run();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new ParseResult(null, ImmutableDiagnostics(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InternalError, syntax.Identifier.GetLocation(), method.Name, ex.GetType().Name + ": " + ex.Message)));
            }
        }

        private static EquatableArray<DiagnosticInfo> ImmutableDiagnostics(params DiagnosticInfo[] diagnostics) => diagnostics.ToEquatableArray();

        private ParseResult Run()
        {
            var signatureOk = CheckSignature();
            var parameters = signatureOk || _bodyReadable ? ReadParameters() : default;

            Block? body = null;
            if (signatureOk || _bodyReadable)
            {
                var operation = _semanticModel.GetOperation(_syntax, _cancellationToken) as IMethodBodyOperation;
                var bodyOperation = operation?.BlockBody ?? operation?.ExpressionBody;
                if (bodyOperation is null)
                {
                    Report(DiagnosticDescriptors.NoBody, _syntax.Identifier.GetLocation(), _method.Name);
                }
                else if (HasCompilerErrors(bodyOperation))
                {
                    _hasCompilerErrors = true;
                }
                else
                {
                    body = ReadBlock(bodyOperation.Operations);
                }
            }

            if (_hasCompilerErrors)
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            var hasErrors = _diagnostics.Any(d => d.IsError);
            if (body is null)
            {
                return new ParseResult(null, _diagnostics.ToEquatableArray());
            }

            if (_memberParameters.Count > 0)
            {
                parameters = parameters.Concat(_memberParameters).ToEquatableArray();
            }

            var lineSpan = _syntax.Identifier.GetLocation().GetLineSpan();
            var model = new MethodModel(
                Namespace: _method.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
                TypeKey: _method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                ContainingTypes: ReadContainingTypes(),
                Name: _method.Name,
                Modifiers: Modifiers(),
                IsStatic: _method.IsStatic,
                ReturnType: TypeOf(_method.ReturnType),
                Parameters: parameters,
                Variables: _variables.ToEquatableArray(),
                Body: body,
                SourceFileName: System.IO.Path.GetFileName(_syntax.SyntaxTree.FilePath),
                SourceLine: lineSpan.StartLinePosition.Line + 1,
                Location: LocationInfo.From(_syntax.Identifier.GetLocation()))
            {
                Id = MethodId(_method),
                Forward = IsForward(_method),
                ThisGradient = ThisGradient(),
                CallTargets = _callTargets.ToEquatableArray(),
                DifferentiableCallees = _differentiableCallees.ToEquatableArray(),
            };
            if (hasErrors || !signatureOk)
            {
                // No backward method; but the rest of the body is analysed for what else the user must fix, so that
                // every error of the method shows in one build (a non-partial type does not hide the body's errors).
                return new ParseResult(null, _diagnostics.ToEquatableArray()) { PartialModel = model };
            }

            // A semantic error that leaves the operation tree valid (a local read before it is assigned) shows when the
            // method is lowered; only then is it worth asking the compiler for the method's diagnostics.
            try
            {
                Lowering.Lower(model);
            }
            catch (Exception) when (_semanticModel.GetDiagnostics(_syntax.Span, _cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            return new ParseResult(model, _diagnostics.ToEquatableArray());
        }

        /// <summary>
        /// Whether the body has C# errors, which the compiler reports; the generator then stays quiet. Cheaper than the
        /// method's full diagnostics (which run flow and nullable analysis): syntax errors, operations the compiler
        /// could not bind, and a block body whose end is reachable (not all code paths return a value).
        /// </summary>
        private bool HasCompilerErrors(IOperation body)
        {
            if (_syntax.ContainsDiagnostics)
            {
                return true;
            }

            // Declaration errors the compiler reports outside the body, which the backward method would repeat: an
            // instance method in a static class (CS0708), a containing type still without a name (CS1001).
            if (!_method.IsStatic && _method.ContainingType.IsStatic
                || _syntax.Ancestors().OfType<BaseTypeDeclarationSyntax>().Any(t => t.Identifier.IsMissing))
            {
                return true;
            }

            foreach (var operation in body.DescendantsAndSelf())
            {
                if (operation is IInvalidOperation || operation.Type is { TypeKind: TypeKind.Error }
                    || operation is IConversionOperation { Conversion.Exists: false })
                {
                    return true;
                }
            }

            if (_syntax.Body is { } block && _semanticModel.AnalyzeControlFlow(block) is { Succeeded: true, EndPointIsReachable: true })
            {
                return true;
            }

            // A local named like a parameter or like a local of an enclosing scope is CS0136, which binding does not
            // show in the operation tree. Two locals of one name are often legal (sibling scopes): only then, ask the
            // compiler, which is costly, whether the body has errors.
            return HasRepeatedLocalNames() && _semanticModel.GetDiagnostics(_syntax.Span, _cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error);
        }

        private bool HasRepeatedLocalNames()
        {
            var names = new HashSet<string>(_method.Parameters.Select(p => p.Name), StringComparer.Ordinal);
            foreach (var node in _syntax.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
            {
                var identifier = node switch
                {
                    VariableDeclaratorSyntax declarator => declarator.Identifier,
                    SingleVariableDesignationSyntax designation => designation.Identifier,
                    ForEachStatementSyntax forEach => forEach.Identifier,
                    CatchDeclarationSyntax @catch => @catch.Identifier,
                    _ => default,
                };
                if (identifier.ValueText.Length > 0 && !names.Add(identifier.ValueText))
                {
                    return true;
                }
            }

            return false;
        }

        // ---- Signature --------------------------------------------------------------------------------------------

        private bool CheckSignature()
        {
            var ok = true;
            foreach (var type in _syntax.Ancestors().OfType<TypeDeclarationSyntax>())
            {
                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Report(DiagnosticDescriptors.TypeNotPartial, _syntax.Identifier.GetLocation(), type.Identifier.Text, _method.Name);
                    ok = false;
                }

                if (type is InterfaceDeclarationSyntax)
                {
                    Report(DiagnosticDescriptors.UnsupportedConstruct, _syntax.Identifier.GetLocation(), "A method of an interface", "put it in a partial class or struct");
                    ok = false;
                    _bodyReadable = false;
                }
            }

            if (_syntax.Parent is not TypeDeclarationSyntax)
            {
                ok = false;
                _bodyReadable = false;
            }

            if (_method.ReturnType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single))
            {
                if (_method.ReturnType.TypeKind == TypeKind.Error)
                {
                    _hasCompilerErrors = true;
                }
                else
                {
                    Report(DiagnosticDescriptors.InvalidReturnType, _syntax.ReturnType.GetLocation(), _method.Name, _method.ReturnType.ToDisplayString());
                }

                ok = false;
                _bodyReadable = false;
            }

            if (_method.IsGenericMethod)
            {
                Report(DiagnosticDescriptors.UnsupportedConstruct, _syntax.TypeParameterList?.GetLocation() ?? _syntax.Identifier.GetLocation(),
                    "A generic method", "write it for double or float");
                ok = false;
                _bodyReadable = false;
            }

            if (_method.IsAbstract || _method.IsExtern || (_syntax.Body is null && _syntax.ExpressionBody is null))
            {
                Report(DiagnosticDescriptors.NoBody, _syntax.Identifier.GetLocation(), _method.Name);
                ok = false;
                _bodyReadable = false;
            }

            for (var i = 0; i < _method.Parameters.Length; i++)
            {
                var parameter = _method.Parameters[i];
                var parameterSyntax = _syntax.ParameterList.Parameters[i];
                if (parameter.RefKind is RefKind.Ref or RefKind.Out)
                {
                    Report(DiagnosticDescriptors.InvalidParameterModifier, parameterSyntax.GetLocation(), parameter.Name,
                        parameter.RefKind == RefKind.Ref ? "ref" : "out");
                    ok = false;
                    _bodyReadable = false;
                }
                else if (parameter.IsParams)
                {
                    Report(DiagnosticDescriptors.UnsupportedConstruct, parameterSyntax.GetLocation(), "A params parameter", "take a plain parameter instead");
                    ok = false;
                    _bodyReadable = false;
                }
                else if (parameter.Type.TypeKind == TypeKind.Error)
                {
                    _hasCompilerErrors = true;
                    ok = false;
                    _bodyReadable = false;
                }
                else if (!IsNoGrad(parameter) && RoleOf(parameter) == ParameterRole.Constant && HoldsFloatingData(parameter.Type))
                {
                    // It holds floating-point data the generator does not differentiate: a gradient would be dropped silently.
                    Report(DiagnosticDescriptors.UnsupportedConstruct, parameterSyntax.GetLocation(),
                        $"Differentiable parameter '{parameter.Name}' of type '{parameter.Type.ToDisplayString()}'",
                        "take double, float, double[], Span<double> or ReadOnlySpan<double> (or float) parameters, or mark it [NoGrad] if it is a constant");
                    ok = false;
                }
            }

            if (ok)
            {
                CheckBackwardNameFree();
                CheckForward(); // DifferentiableGenerator.Parser.Forward.cs
            }

            return ok;
        }

        private void CheckBackwardNameFree()
        {
            // The backward's leading parameters are the method's own: a user method with that name and those leading
            // parameter types would be ambiguous with, or identical to, the generated one.
            var backwardName = BackwardConvention.BackwardName(_method.Name);
            foreach (var member in _method.ContainingType.GetMembers(backwardName))
            {
                if (member is not IMethodSymbol existing || IsGeneratedByUs(existing))
                {
                    continue;
                }

                var expectedCount = BackwardConvention.ParameterCount(_method.Parameters.Length, _method.Parameters.Count(p => RoleOf(p) != ParameterRole.Constant));
                var leadingMatch = existing.Parameters.Length == expectedCount
                    && _method.Parameters.Select(p => p.Type).SequenceEqual(existing.Parameters.Take(_method.Parameters.Length).Select(p => p.Type), SymbolEqualityComparer.Default);
                if (leadingMatch)
                {
                    Report(DiagnosticDescriptors.BackwardNameTaken, _syntax.Identifier.GetLocation(), _method.ContainingType.Name, backwardName, _method.Name);
                }
            }
        }

        private static bool IsGeneratedByUs(ISymbol symbol)
            => symbol.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(HintNameSuffix, StringComparison.Ordinal));

        /// <summary>
        /// Whether a value of this type can hold floating-point data: a double or float, anywhere inside it (an array or
        /// span element, a type argument of a collection or delegate, a field of a struct or class), or anything whose
        /// contents are not known (object, dynamic, a type parameter, a delegate, an interface). Integers, bool, char,
        /// enums and string hold none. A parameter that holds floating-point data and is not differentiated is an error
        /// unless it is [NoGrad] (API.md), so that no gradient is dropped without the user saying so.
        /// </summary>
        internal static bool HoldsFloatingData(ITypeSymbol type) => HoldsFloatingData(type, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));

        private static bool HoldsFloatingData(ITypeSymbol type, HashSet<ITypeSymbol> visiting)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Decimal or SpecialType.System_Object:
                    return true;
                case SpecialType.System_Boolean or SpecialType.System_Char or SpecialType.System_String or SpecialType.System_SByte or SpecialType.System_Byte
                    or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
                    or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr:
                    return false;
            }

            switch (type)
            {
                case { TypeKind: TypeKind.Enum or TypeKind.Pointer or TypeKind.FunctionPointer }:
                    return type.TypeKind != TypeKind.Enum;
                case IArrayTypeSymbol array:
                    return HoldsFloatingData(array.ElementType, visiting);
                case { TypeKind: TypeKind.Delegate or TypeKind.TypeParameter or TypeKind.Dynamic }:
                    return true; // what a delegate computes or a type parameter stands for is not known here
                case { TypeKind: TypeKind.Error }:
                    return false; // a compiler error is reported already
                case INamedTypeSymbol { TypeKind: TypeKind.Interface } contract:
                    // IEnumerable<double> holds doubles; IComparable or IDisposable (of System) nothing; a user's interface may.
                    return contract.TypeArguments.Length > 0
                        ? contract.TypeArguments.Any(t => HoldsFloatingData(t, visiting))
                        : contract.ContainingNamespace?.ToDisplayString() != "System";
                case INamedTypeSymbol named:
                    if (!visiting.Add(named))
                    {
                        return false; // a cycle: what it holds is decided where it started
                    }

                    if (named.TypeArguments.Any(t => HoldsFloatingData(t, visiting)))
                    {
                        return true;
                    }

                    // A type in source: every instance field (auto-properties' backing fields included). A type from a
                    // reference assembly has placeholder private fields (an object _dummy in a struct such as
                    // ReadOnlySpan<int>): what it shows is its public fields (Vector2.X); Complex keeps its parts private.
                    return named.DeclaringSyntaxReferences.Length > 0
                        ? named.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst).Any(f => HoldsFloatingData(f.Type, visiting))
                        : named.ToDisplayString() == "System.Numerics.Complex"
                          || named.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst && f.DeclaredAccessibility == Accessibility.Public).Any(f => HoldsFloatingData(f.Type, visiting));
                default:
                    return false;
            }
        }


        private static bool IsNoGrad(IParameterSymbol parameter)
            => parameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NoGradAttributeName);

        /// <summary>How a parameter takes part in differentiation; shared with callers that call this method's backward.</summary>
        internal static ParameterRole RoleOf(IParameterSymbol parameter)
        {
            if (IsNoGrad(parameter))
            {
                return ParameterRole.Constant;
            }

            var type = TypeOf(parameter.Type);
            return type.IsFloating ? ParameterRole.Scalar : type.IsFloatingArray ? ParameterRole.Span
                : IsDifferentiableClass(parameter.Type) ? ParameterRole.Object
                : parameter.Type.TypeKind == TypeKind.Struct && HasDifferentiableAttribute(parameter.Type) && parameter.RefKind is RefKind.None or RefKind.In ? ParameterRole.Struct
                : ParameterRole.Constant;
        }

        /// <summary>A [Differentiable] class: its instances' parameters get their gradient in a <c>C.Gradient</c>.</summary>
        internal static bool IsDifferentiableClass(ITypeSymbol type) => type.TypeKind == TypeKind.Class && HasDifferentiableAttribute(type);

        private EquatableArray<ParameterModel> ReadParameters()
        {
            var parameters = new List<ParameterModel>();
            var taken = new NameAllocator(_method.Parameters.Select(p => p.Name));
            foreach (var parameter in _method.Parameters)
            {
                var id = DeclareVariable(parameter, parameter.Name, parameter.Type, isParameter: true);
                var declaration = RefModifier(parameter.RefKind) + parameter.Type.ToDisplayString(s_typeFormat) + " " + NameAllocator.Escape(parameter.Name);
                var gradientName = BackwardConvention.GradientName(parameter.Name, taken);
                parameters.Add(new ParameterModel(id, parameter.Name, declaration, TypeOf(parameter.Type), RoleOf(parameter), gradientName));
                _parameterGradientNames[parameter.Name] = gradientName;
            }

            if (IsDifferentiableInstanceMethod(_method))
            {
                _thisGradientName = BackwardConvention.GradientName("this", taken);
            }

            return parameters.ToEquatableArray();
        }

        /// <summary>The modifier a by-value parameter is declared with: <c>in </c>, <c>ref readonly </c> or nothing.</summary>
        internal static string RefModifier(RefKind refKind) => refKind switch
        {
            RefKind.In => "in ",
            RefKind.RefReadOnlyParameter => "ref readonly ",
            _ => "",
        };


        private string Modifiers()
        {
            var accessibility = AccessibilityKeyword(_method.DeclaredAccessibility);
            return _method.IsStatic ? accessibility + " static" : accessibility;
        }

        internal static string AccessibilityKeyword(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };

        private EquatableArray<ContainingType> ReadContainingTypes()
        {
            var types = new List<ContainingType>();
            for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
            {
                var keyword = type switch
                {
                    { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                    { IsRecord: true } => "record",
                    { TypeKind: TypeKind.Struct } => "struct",
                    { TypeKind: TypeKind.Interface } => "interface",
                    _ => "class",
                };
                var modifiers = type.IsStatic ? "static " : "";
                if (type.TypeKind == TypeKind.Struct && type.IsReadOnly)
                {
                    modifiers += "readonly ";
                }

                if (type.IsRefLikeType)
                {
                    modifiers += "ref ";
                }

                var name = type.Name + (type.TypeParameters.Length > 0 ? "<" + string.Join(", ", type.TypeParameters.Select(t => t.Name)) + ">" : "");
                types.Insert(0, new ContainingType($"{modifiers}partial {keyword} {name}", type.Name));
            }

            return types.ToEquatableArray();
        }

        // ---- Statements -------------------------------------------------------------------------------------------

        private Block ReadBlock(IEnumerable<IOperation> operations)
        {
            var statements = new List<Stmt>();
            foreach (var operation in operations)
            {
                ReadStatement(operation, statements);
            }

            return new Block(statements.ToEquatableArray());
        }

        private Block ReadEmbedded(IOperation? operation)
        {
            if (operation is null)
            {
                return Block.Empty;
            }

            var statements = new List<Stmt>();
            ReadStatement(operation, statements);
            return new Block(statements.ToEquatableArray());
        }

        private void ReadStatement(IOperation operation, List<Stmt> output)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var (line, source) = SourceOf(operation.Syntax);
            switch (operation)
            {
                case IBlockOperation when operation.Syntax is UnsafeStatementSyntax || operation.Syntax.Parent is UnsafeStatementSyntax:
                    Report(DiagnosticDescriptors.UnsupportedConstruct, (operation.Syntax as UnsafeStatementSyntax ?? operation.Syntax.Parent!).GetLocation(),
                        "Unsafe code", "use safe code in a [Differentiable] method");
                    break;

                case IBlockOperation block:
                    foreach (var inner in block.Operations)
                    {
                        ReadStatement(inner, output);
                    }

                    break;

                case IVariableDeclarationGroupOperation group:
                    foreach (var declaration in group.Declarations)
                    {
                        foreach (var declarator in declaration.Declarators)
                        {
                            ReadDeclarator(declarator, output);
                        }
                    }

                    break;

                case IExpressionStatementOperation { Operation: var expression }:
                    ReadExpressionStatement(expression, line, source, output);
                    break;

                case IReturnOperation { ReturnedValue: { } value } when _loops.Count > 0:
                {
                    var returnType = TypeOf(_method.ReturnType);
                    _loopReturn ??= (DeclareSynthetic("result", returnType), DeclareSynthetic("returned", TypeRef.Bool));
                    output.Add(new AssignStmt(_loopReturn.Value.Result, Coerce(Read(value), returnType), line, source));
                    output.Add(new AssignStmt(_loopReturn.Value.Returned, new LiteralExpr("true", TypeRef.Bool), line, source));
                    var innermost = _loops[_loops.Count - 1];
                    innermost.BreakFlagId ??= DeclareSynthetic("broken", TypeRef.Bool);
                    output.Add(new BreakStmt(innermost.BreakFlagId.Value, line, source));
                    _loopReturnCount++;
                    break;
                }

                case IReturnOperation { ReturnedValue: { } value }:
                    output.Add(new ReturnStmt(Read(value), line, source));
                    break;

                case IConditionalOperation conditional:
                    _depth++;
                    output.Add(new IfStmt(Read(conditional.Condition), ReadEmbedded(conditional.WhenTrue), ReadEmbedded(conditional.WhenFalse), line, source));
                    _depth--;
                    break;

                case ISwitchOperation switchOperation:
                    _depth++;
                    ReadSwitch(switchOperation, output);
                    _depth--;
                    break;

                case IEmptyOperation:
                    break;

                case ILoopOperation loop:
                    ReadLoop(loop, line, source, output);
                    break;

                case IBranchOperation { BranchKind: BranchKind.Continue } branch when _loops.Count > 0 && SymbolEqualityComparer.Default.Equals(branch.Target, _loops[_loops.Count - 1].Continue):
                    output.Add(new ContinueStmt(line, source));
                    break;

                case IBranchOperation { BranchKind: BranchKind.Break } branch when _loops.Count > 0 && SymbolEqualityComparer.Default.Equals(branch.Target, _loops[_loops.Count - 1].Exit):
                    var loopContext = _loops[_loops.Count - 1];
                    loopContext.BreakFlagId ??= DeclareSynthetic("broken", TypeRef.Bool);
                    loopContext.HasBreak = true;
                    output.Add(new BreakStmt(loopContext.BreakFlagId.Value, line, source));
                    break;

                case IBranchOperation branch:
                    Unsupported(operation, branch.BranchKind switch
                    {
                        BranchKind.Break => "'break' outside a switch section's end",
                        BranchKind.Continue => "'continue'",
                        _ => "'goto'",
                    }, "rewrite the control flow with if/else");
                    break;

                case ILabeledOperation:
                    Unsupported(operation, "A label", "rewrite the control flow with if/else");
                    break;

                case ITryOperation:
                    Unsupported(operation, "try/catch/finally", "move the error handling into the caller");
                    break;

                case IThrowOperation thrown:
                    ReadThrow(thrown, output);
                    break;

                case IUsingOperation or IUsingDeclarationOperation:
                    Unsupported(operation, "A using statement", "create and dispose the resource in the caller");
                    break;

                case ILockOperation:
                    Unsupported(operation, "A lock statement", "take the lock in the caller");
                    break;

                case ILocalFunctionOperation:
                    Unsupported(operation, "A local function", "make it a [Differentiable] method of the type");
                    break;

                case IInvalidOperation:
                    _hasCompilerErrors = true;
                    break;

                default:
                    if (operation.Syntax is UnsafeStatementSyntax or FixedStatementSyntax)
                    {
                        Unsupported(operation, "Unsafe code", "use safe code in a [Differentiable] method");
                    }
                    else
                    {
                        Unsupported(operation, "The statement '" + source + "'", "rewrite it with assignments, if/else and return");
                    }

                    break;
            }
        }

        // for, while, do and foreach all become one LoopStmt: initializers before it, a condition, a body and a step.
        private void ReadLoop(ILoopOperation loop, int line, string source, List<Stmt> output)
        {
            Expr condition;
            var conditionFirst = true;
            var body = new List<Stmt>();
            var step = new List<Stmt>();
            IOperation? bodyOperation = loop.Body;
            switch (loop)
            {
                case IForLoopOperation forLoop:
                    foreach (var before in forLoop.Before)
                    {
                        ReadStatement(before, output);
                    }

                    condition = forLoop.Condition is null ? new LiteralExpr("true", TypeRef.Bool) : Read(forLoop.Condition);
                    _depth++;
                    foreach (var bottom in forLoop.AtLoopBottom)
                    {
                        ReadStatement(bottom, step);
                    }

                    _depth--;
                    break;

                case IWhileLoopOperation whileLoop when whileLoop.Condition is not null:
                    condition = Read(whileLoop.Condition);
                    if (whileLoop.ConditionIsUntil)
                    {
                        condition = new UnaryExpr(UnaryOp.Not, condition, TypeRef.Bool);
                    }

                    conditionFirst = whileLoop.ConditionIsTop;
                    break;

                case IForEachLoopOperation forEach when ReadForEachHeader(forEach, line, source, output, body) is { } foreachCondition:
                    condition = foreachCondition.Condition;
                    step.Add(foreachCondition.Step);
                    break;

                case IForEachLoopOperation:
                    return; // reported

                default:
                    Unsupported(loop, "This loop", "write it as a for, while, do or foreach loop");
                    return;
            }

            var context = new LoopContext(loop.ExitLabel, loop.ContinueLabel);
            var returnsBefore = _loopReturnCount;
            _loops.Add(context);
            _depth++;
            if (bodyOperation is not null)
            {
                ReadStatement(bodyOperation, body);
            }

            _depth--;
            _loops.RemoveAt(_loops.Count - 1);

            if (context.BreakFlagId is null && (condition is LiteralExpr { Text: "true" } || loop.Syntax is ForStatementSyntax { Condition: null }))
            {
                // Without a way out the method never returns: nothing to differentiate, and no reverse sweep to run.
                Unsupported(loop, "A loop that never exits", "give it a condition or a break");
                return;
            }

            // A loop with no condition and no break of its own is left only by its returns.
            var onlyReturns = condition is LiteralExpr { Text: "true" } && !context.HasBreak;
            var stepBlock = new Block(step.ToEquatableArray());
            if (context.BreakFlagId is { } flag)
            {
                // break sets the flag, ends the iteration, skips the step, and the condition ends the loop.
                var notBroken = new UnaryExpr(UnaryOp.Not, new VariableExpr(flag, TypeRef.Bool), TypeRef.Bool);
                output.Add(new AssignStmt(flag, new LiteralExpr("false", TypeRef.Bool), line, source));
                condition = condition is LiteralExpr { Text: "true" } ? notBroken : new BinaryExpr(BinaryOp.ConditionalAnd, notBroken, condition, TypeRef.Bool);
                if (step.Count > 0)
                {
                    stepBlock = new Block(ImmutableSingle(new IfStmt(notBroken, stepBlock, Block.Empty, line, source)));
                }
            }

            var returns = _loopReturnCount > returnsBefore && _loopReturn is not null;
            if (returns && _loops.Count == 0)
            {
                var returnType = TypeOf(_method.ReturnType);
                output.Add(new AssignStmt(_loopReturn!.Value.Result, new LiteralExpr(FormatFloating(0, returnType.Kind), returnType), line, source));
                output.Add(new AssignStmt(_loopReturn.Value.Returned, new LiteralExpr("false", TypeRef.Bool), line, source));
            }

            output.Add(new LoopStmt(condition, conditionFirst, new Block(body.ToEquatableArray()), stepBlock, context.BreakFlagId, line, source));
            if (returns)
            {
                // After the loop: leave the enclosing loop too, or return what the loop returned.
                var returned = new VariableExpr(_loopReturn!.Value.Returned, TypeRef.Bool);
                Stmt exit;
                if (_loops.Count > 0)
                {
                    var outer = _loops[_loops.Count - 1];
                    outer.BreakFlagId ??= DeclareSynthetic("broken", TypeRef.Bool);
                    exit = new BreakStmt(outer.BreakFlagId.Value, line, source);
                }
                else
                {
                    exit = new ReturnStmt(new VariableExpr(_loopReturn.Value.Result, TypeOf(_method.ReturnType)), line, source);
                }

                output.Add(onlyReturns ? exit : new IfStmt(returned, new Block(ImmutableSingle(exit)), Block.Empty, line, source));
            }
        }

        // foreach (var v in xs) is: index = 0; while (index < xs.Length) { v = xs[index]; ...; index = index + 1; }
        private (Expr Condition, Stmt Step)? ReadForEachHeader(IForEachLoopOperation forEach, int line, string source, List<Stmt> output, List<Stmt> body)
        {
            var collectionOperation = forEach.Collection;
            while (collectionOperation is IConversionOperation { Conversion.IsImplicit: true } conversion && conversion.Operand.Type is { } operandType
                && (operandType is IArrayTypeSymbol || FloatingArrayKind(operandType) is not null))
            {
                collectionOperation = conversion.Operand;
            }

            if (forEach.LoopControlVariable is not IVariableDeclaratorOperation declarator
                || collectionOperation.Type is not ({ } collectionType and (IArrayTypeSymbol { Rank: 1 } or INamedTypeSymbol))
                || (collectionType is INamedTypeSymbol && FloatingArrayKind(collectionType) is null))
            {
                Unsupported(forEach, "This foreach loop", "loop over a one-dimensional array or a Span/ReadOnlySpan of double or float, with one loop variable");
                return null;
            }

            var collection = Read(collectionOperation);
            if (collection is not VariableExpr)
            {
                var id = DeclareSynthetic("collection", collection.Type);
                output.Add(new AssignStmt(id, collection, line, source));
                collection = new VariableExpr(id, collection.Type);
            }

            var index = DeclareSynthetic("index", TypeRef.Int);
            var indexRead = new VariableExpr(index, TypeRef.Int);
            output.Add(new AssignStmt(index, new LiteralExpr("0", TypeRef.Int), line, source));
            var length = new OpaqueExpr("{0}.Length", "Length", IsCall: false, new[] { collection }.ToEquatableArray(), TypeRef.Int, null);
            var elementType = collectionType is IArrayTypeSymbol array ? TypeOf(array.ElementType) : TypeOf(collectionType).Element;
            var variable = DeclareVariable(declarator.Symbol, declarator.Symbol.Name, declarator.Symbol.Type, isParameter: false);
            body.Add(new AssignStmt(variable, Coerce(new ElementExpr(collection, indexRead, elementType), _variables[variable].Type), line, source));
            var step = new AssignStmt(index, new BinaryExpr(BinaryOp.Add, indexRead, new LiteralExpr("1", TypeRef.Int), TypeRef.Int), line, source);
            return (new BinaryExpr(BinaryOp.LessThan, indexRead, length, TypeRef.Bool), step);
        }

        private void ReadDeclarator(IVariableDeclaratorOperation declarator, List<Stmt> output)
        {
            var local = declarator.Symbol;
            if (local.IsRef)
            {
                Unsupported(declarator, "A ref local", "copy the value into a plain local");
                return;
            }

            if (local.IsConst)
            {
                return; // Reads of a const local fold to its value.
            }

            if (IsScalarStruct(local.Type))
            {
                ReadStructLocal(declarator, output);
                return;
            }

            var id = DeclareVariable(local, local.Name, local.Type, isParameter: false);
            var initializer = declarator.Initializer ?? declarator.GetVariableInitializer();
            if (initializer is not null)
            {
                var (line, source) = SourceOf(declarator.Syntax.Parent?.Parent ?? declarator.Syntax);
                if (ReadBuffer(initializer.Value, out var elements) is { } buffer)
                {
                    if (_depth > 0)
                    {
                        Unsupported(initializer.Value, "A buffer allocated inside a loop, if or switch", "allocate it once at the start of the method and reuse it");
                        _localBuffers.Add(id); // so that its writes are not reported too
                        return;
                    }

                    _localBuffers.Add(id);
                    output.Add(new AssignStmt(id, buffer with { Type = _variables[id].Type }, line, source));
                    // An initializer ({ x, y }) is a store per element into the new buffer, which is then like any other.
                    for (var i = 0; i < elements.Count; i++)
                    {
                        output.Add(new StoreStmt(id, new LiteralExpr(i.ToString(CultureInfo.InvariantCulture), TypeRef.Int), Read(elements[i]), line, source));
                    }

                    return;
                }

                output.Add(new AssignStmt(id, Read(initializer.Value), line, source));
            }
        }

        // new T[n] and stackalloc T[n], and with an initializer (new[] { x, y }, double[] a = { x, y },
        // stackalloc double[] { x, y }, stackalloc[] { x, y }): a buffer the method may write. The initializer's
        // elements come back in elements (empty without one).
        private NewArrayExpr? ReadBuffer(IOperation value, out IReadOnlyList<IOperation> elements)
        {
            elements = Array.Empty<IOperation>();
            while (value is IConversionOperation { Conversion.IsImplicit: true } conversion)
            {
                value = conversion.Operand;
            }

            if (value is IArrayCreationOperation { DimensionSizes.Length: 1, Type: IArrayTypeSymbol array } creation)
            {
                if (creation.Initializer is { } initializer)
                {
                    elements = initializer.ElementValues;
                }

                return new NewArrayExpr(TypeOf(array.ElementType), Read(creation.DimensionSizes[0]), IsStackalloc: false, TypeOf(array));
            }

            ITypeSymbol? elementType = null;
            Expr? length = null;
            switch (value.Syntax)
            {
                case StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax { RankSpecifiers.Count: 1 } arrayType } sized
                    when arrayType.RankSpecifiers[0].Sizes.Count == 1:
                    elementType = _semanticModel.GetTypeInfo(arrayType.ElementType, _cancellationToken).Type;
                    elements = Elements(sized.Initializer);
                    length = arrayType.RankSpecifiers[0].Sizes[0] is OmittedArraySizeExpressionSyntax
                        ? new LiteralExpr(elements.Count.ToString(CultureInfo.InvariantCulture), TypeRef.Int)
                        : _semanticModel.GetOperation(arrayType.RankSpecifiers[0].Sizes[0], _cancellationToken) is { } size ? Read(size) : null;
                    break;
                case CollectionExpressionSyntax collection when collection.Elements.All(e => e is ExpressionElementSyntax)
                    && _semanticModel.GetTypeInfo(collection, _cancellationToken).ConvertedType is { } target
                    && (target is IArrayTypeSymbol { Rank: 1 } || FloatingArrayKind(target) is not null):
                {
                    // [x, y] into a double[] or a span: a new array of that length, then a store per element.
                    var operations = new List<IOperation>();
                    foreach (var item in collection.Elements.Cast<ExpressionElementSyntax>())
                    {
                        if (_semanticModel.GetOperation(item.Expression, _cancellationToken) is { } operation)
                        {
                            operations.Add(operation);
                        }
                    }

                    elements = operations;
                    var itemType = target is IArrayTypeSymbol arrayTarget ? arrayTarget.ElementType : ((INamedTypeSymbol)target).TypeArguments[0];
                    return new NewArrayExpr(TypeOf(itemType), new LiteralExpr(operations.Count.ToString(CultureInfo.InvariantCulture), TypeRef.Int), IsStackalloc: false, TypeOf(target));
                }

                case ImplicitStackAllocArrayCreationExpressionSyntax implicitStackalloc:
                    elementType = (_semanticModel.GetTypeInfo(implicitStackalloc, _cancellationToken).Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault()
                        ?? (_semanticModel.GetTypeInfo(implicitStackalloc, _cancellationToken).ConvertedType as INamedTypeSymbol)?.TypeArguments.FirstOrDefault();
                    elements = Elements(implicitStackalloc.Initializer);
                    length = new LiteralExpr(elements.Count.ToString(CultureInfo.InvariantCulture), TypeRef.Int);
                    break;
            }

            if (elementType is null || length is null)
            {
                return null;
            }

            var element = TypeOf(elementType);
            return new NewArrayExpr(element, length, IsStackalloc: true, new TypeRef("global::System.Span<" + element.Display + ">",
                element.Kind switch { ValueKind.Double => ValueKind.DoubleArray, ValueKind.Float => ValueKind.FloatArray, _ => ValueKind.Other }));
        }

        // The element operations of a stackalloc initializer, converted to the element type as the compiler binds them.
        private IReadOnlyList<IOperation> Elements(InitializerExpressionSyntax? initializer)
        {
            if (initializer is null)
            {
                return Array.Empty<IOperation>();
            }

            var operations = new List<IOperation>();
            foreach (var expression in initializer.Expressions)
            {
                if (_semanticModel.GetOperation(expression, _cancellationToken) is { } operation)
                {
                    // The conversion to the element type sits on the element's parent operation; take it when it is one.
                    operations.Add(operation.Parent is IConversionOperation conversion && conversion.Syntax == expression ? conversion : operation);
                }
            }

            return operations;
        }

        /// <summary>
        /// A guard, <c>if (condition) throw new ArgumentException(...);</c>: the backward checks its arguments as the
        /// method does, at the same place. Only as the whole of an if without else, so that nothing the backward adds
        /// to a branch (its assignments) follows the throw; the exception is built from values that need no gradient.
        /// </summary>
        private void ReadThrow(IThrowOperation thrown, List<Stmt> output)
        {
            IOperation statement = thrown.Parent is IExpressionStatementOperation wrapper ? wrapper : thrown;
            var branch = statement.Parent is IBlockOperation { Operations.Length: 1 } block ? block.Parent : statement.Parent;
            var isGuard = branch is IConditionalOperation { WhenFalse: null } guard
                && (ReferenceEquals(guard.WhenTrue, statement) || guard.WhenTrue is IBlockOperation { Operations.Length: 1 } only && ReferenceEquals(only.Operations[0], statement));
            if (!isGuard || thrown.Exception is null)
            {
                Unsupported(thrown, "A throw statement outside a guard", "write it as a guard of its own, 'if (condition) throw new ...;', before the computation");
                return;
            }

            var (line, source) = SourceOf(thrown.Syntax);
            var exception = Read(thrown.Exception is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : thrown.Exception);
            output.Add(new ExpressionStmt(new OpaqueExpr("throw {0}", "throw", IsCall: false, new[] { exception }.ToEquatableArray(), TypeRef.Int, LocationInfo.From(thrown.Syntax)), line, source));
        }

        private void ReadExpressionStatement(IOperation expression, int line, string source, List<Stmt> output)
        {
            switch (expression)
            {
                case ISimpleAssignmentOperation { Target: IDiscardOperation } discard:
                    // `_ = e;` alone is no statement for `e;` (CS0201) unless e is a call: a value without effects is
                    // dropped, a call stays a call, anything else is kept as a discard assignment.
                    var discarded = Read(discard.Value);
                    if (!HasNoEffect(discarded))
                    {
                        output.Add(new ExpressionStmt(
                            discarded is UserCallExpr or MathCallExpr or OpaqueExpr { IsCall: true }
                                ? discarded
                                : new OpaqueExpr("_ = {0}", "_", IsCall: false, new[] { discarded }.ToEquatableArray(), discarded.Type, Location: null),
                            line, source));
                    }

                    break;

                case IDeconstructionAssignmentOperation deconstruction when TupleTargets(deconstruction.Target) is { } targets
                    && (deconstruction.Value is IConversionOperation { Conversion.IsImplicit: true, Operand: ITupleOperation converted } ? converted : deconstruction.Value) is ITupleOperation tuple
                    && tuple.Elements.Length == targets.Count:
                {
                    // (a, b) = (b, a) and var (s, c) = (Math.Sin(x), Math.Cos(x)): every element is evaluated first,
                    // into a temporary, then assigned, so that a swap reads the old values.
                    var temporaries = new List<int>();
                    foreach (var element in tuple.Elements)
                    {
                        var value = Read(element);
                        var temporary = DeclareSynthetic("tuple", value.Type);
                        output.Add(new AssignStmt(temporary, value, line, source));
                        temporaries.Add(temporary);
                    }

                    for (var i = 0; i < targets.Count; i++)
                    {
                        if (targets[i] is { } assigned)
                        {
                            output.Add(new AssignStmt(assigned, Coerce(new VariableExpr(temporaries[i], _variables[temporaries[i]].Type), _variables[assigned].Type), line, source));
                        }
                    }

                    break;
                }

                case ISimpleAssignmentOperation assignment when TargetVariable(assignment.Target) is { } id:
                    if (assignment.IsRef)
                    {
                        Unsupported(assignment, "A ref assignment", "assign the value instead");
                        return;
                    }

                    if (_localBuffers.Contains(id))
                    {
                        Unsupported(assignment, "Assigning to the buffer '" + _variables[id].Name + "'", "allocate each buffer once and write its elements");
                        return;
                    }

                    if (_variables[id].Type.IsFloatingArray && _depth > 0)
                    {
                        // Which array a variable names would have to be restored per iteration in the reverse sweep.
                        Unsupported(assignment, "Assigning another array to '" + _variables[id].Name + "' inside a loop, if or switch",
                            "use a separate variable for each array, assigned once");
                        return;
                    }

                    output.Add(new AssignStmt(id, Read(assignment.Value), line, source));
                    break;

                case ISimpleAssignmentOperation { IsRef: false } assignment when Element(assignment.Target) is { } element:
                    if (StoreTarget(element.Array, assignment) is { } buffer)
                    {
                        output.Add(new StoreStmt(buffer, Read(element.Index), Coerce(Read(assignment.Value), TypeOf(assignment.Target.Type!)), line, source));
                    }

                    break;

                case ICompoundAssignmentOperation compound when Element(compound.Target) is { } element:
                    var elementOp = BinaryOpOf(compound.OperatorKind);
                    if (elementOp is null || compound.OperatorMethod is not null)
                    {
                        Unsupported(compound, "The operator '" + compound.OperatorKind + "'", "write the operation out");
                        return;
                    }

                    if (StoreTarget(element.Array, compound) is { } compoundBuffer)
                    {
                        output.Add(new StoreStmt(compoundBuffer, Read(element.Index), Compound(compound.Target, elementOp.Value, Read(compound.Value), compound.Target.Type!), line, source));
                    }

                    break;

                case IIncrementOrDecrementOperation increment when Element(increment.Target) is { } element:
                    if (StoreTarget(element.Array, increment) is { } incrementBuffer)
                    {
                        var elementKind = increment.Kind == OperationKind.Increment ? BinaryOp.Add : BinaryOp.Subtract;
                        output.Add(new StoreStmt(incrementBuffer, Read(element.Index),
                            Compound(increment.Target, elementKind, new LiteralExpr("1", TypeRef.Int), increment.Target.Type!), line, source));
                    }

                    break;

                case ICompoundAssignmentOperation compound when TargetVariable(compound.Target) is { } id:
                    var op = BinaryOpOf(compound.OperatorKind);
                    if (op is null || compound.OperatorMethod is not null)
                    {
                        Unsupported(compound, "The operator '" + compound.OperatorKind + "'", "write the operation out");
                        return;
                    }

                    output.Add(new AssignStmt(id, Compound(compound.Target, op.Value, Read(compound.Value), compound.Target.Type!), line, source));
                    break;

                case IIncrementOrDecrementOperation increment when TargetVariable(increment.Target) is { } id:
                    var one = new LiteralExpr("1", TypeRef.Int);
                    var kind = increment.Kind == OperationKind.Increment ? BinaryOp.Add : BinaryOp.Subtract;
                    output.Add(new AssignStmt(id, Compound(increment.Target, kind, one, increment.Target.Type!), line, source));
                    break;

                case ISimpleAssignmentOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation:
                    var target = expression switch
                    {
                        IAssignmentOperation a => a.Target,
                        IIncrementOrDecrementOperation i => i.Target,
                        _ => expression,
                    };
                    Unsupported(target, "Assigning to '" + target.Syntax + "'", "a [Differentiable] method may assign only its parameters and locals; return the value instead");
                    break;

                case IInvocationOperation or IObjectCreationOperation:
                    output.Add(new ExpressionStmt(Read(expression), line, source));
                    break;

                case IThrowOperation thrown:
                    ReadThrow(thrown, output);
                    break;

                case IInvalidOperation:
                    _hasCompilerErrors = true;
                    break;

                default:
                    Unsupported(expression, "The statement '" + source + "'", "rewrite it with assignments, if/else and return");
                    break;
            }
        }

        // x op= v is x = (T)(x op v), with the operation done in the wider of the two types.
        private Expr Compound(IOperation target, BinaryOp op, Expr value, ITypeSymbol targetType)
        {
            var targetRef = TypeOf(targetType);
            var left = Read(target);
            var operationType = Wider(targetRef, value.Type);
            var result = new BinaryExpr(op, Coerce(left, operationType), Coerce(value, operationType), operationType);
            return Coerce(result, targetRef);
        }

        private static TypeRef Wider(TypeRef a, TypeRef b)
        {
            if (a.Kind == ValueKind.Double || b.Kind == ValueKind.Double)
            {
                return TypeRef.Double;
            }

            if (a.Kind == ValueKind.Float || b.Kind == ValueKind.Float)
            {
                return TypeRef.Float;
            }

            return a;
        }

        private static Expr Coerce(Expr expr, TypeRef type)
            => expr.Type == type ? expr
             : expr is LiteralExpr literal && type.IsFloating && double.TryParse(literal.Text.TrimEnd('f', 'd', 'L', 'u', 'U'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? new LiteralExpr(FormatFloating(value, type.Kind), type)
                : new ConvertExpr(expr, type, null);

        /// <summary>
        /// The variables a deconstruction assigns, in order (null for a discard), declaring those it declares; null
        /// when a target is anything else (a field, an element, a nested tuple).
        /// </summary>
        private List<int?>? TupleTargets(IOperation target)
        {
            if (target is IDeclarationExpressionOperation declaration)
            {
                target = declaration.Expression;
            }

            if (target is not ITupleOperation tuple)
            {
                return null;
            }

            var targets = new List<int?>();
            foreach (var element in tuple.Elements)
            {
                var item = element is IDeclarationExpressionOperation declared ? declared.Expression : element;
                switch (item)
                {
                    case IDiscardOperation:
                        targets.Add(null);
                        break;
                    case ILocalReferenceOperation { IsDeclaration: true } local when !local.Local.IsRef:
                        targets.Add(DeclareVariable(local.Local, local.Local.Name, local.Local.Type, isParameter: false));
                        break;
                    default:
                        if (TargetVariable(item) is not { } id || _localBuffers.Contains(id))
                        {
                            return null;
                        }

                        targets.Add(id);
                        break;
                }
            }

            return targets;
        }

        /// <summary>A differentiable struct whose parameters are all double/float scalars (a Vec2): its locals are scalarised.</summary>
        private static bool IsScalarStruct(ITypeSymbol type)
            => type.TypeKind == TypeKind.Struct && HasDifferentiableAttribute(type)
               && ParameterMembers(type).All(m => MemberType(m).SpecialType is SpecialType.System_Double or SpecialType.System_Single);

        private static IEnumerable<ISymbol> ParameterMembers(ITypeSymbol type)
            => type.GetMembers().Where(m => m is IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol && IsParameterMember(m) && HoldsFloatingData(MemberType(m)));

        // Each local of a scalar struct type is one local per member (v.X is the local v_X): construction, member reads
        // and writes are then plain scalar code, differentiated as such.
        private readonly Dictionary<(ISymbol Local, ISymbol Member), int> _structLocalMembers = new();

        private int StructLocalMember(ILocalSymbol local, ISymbol member)
        {
            if (!_structLocalMembers.TryGetValue((local, member), out var id))
            {
                id = DeclareSynthetic(local.Name + "_" + member.Name, TypeOf(MemberType(member)));
                _structLocalMembers[(local, member)] = id;
            }

            return id;
        }

        private void ReadStructLocal(IVariableDeclaratorOperation declarator, List<Stmt> output)
        {
            var local = declarator.Symbol;
            var (line, source) = SourceOf(declarator.Syntax.Parent?.Parent ?? declarator.Syntax);
            var members = ParameterMembers(local.Type).ToList();
            var values = members.ToDictionary(m => m, m => (Expr)new LiteralExpr("0", TypeOf(MemberType(m))), SymbolEqualityComparer.Default);
            var initializer = (declarator.Initializer ?? declarator.GetVariableInitializer())?.Value;
            while (initializer is IConversionOperation { IsImplicit: true } conversion)
            {
                initializer = conversion.Operand;
            }

            switch (initializer)
            {
                case null or IDefaultValueOperation:
                    break;
                case IObjectCreationOperation { Arguments.Length: 0 } creation:
                    foreach (var assignment in creation.Initializer?.Initializers ?? System.Collections.Immutable.ImmutableArray<IOperation>.Empty)
                    {
                        if (assignment is ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Member: var member } } simple && values.ContainsKey(member))
                        {
                            values[member] = Read(simple.Value);
                        }
                        else
                        {
                            Unsupported(assignment, "This initializer", "assign the struct's double and float members: new Vec2 { X = x, Y = y }");
                        }
                    }

                    break;
                case ILocalReferenceOperation { Local: var other } when SymbolEqualityComparer.Default.Equals(other.Type, local.Type):
                    foreach (var member in members)
                    {
                        values[member] = new VariableExpr(StructLocalMember(other, member), TypeOf(MemberType(member)));
                    }

                    break;
                case IParameterReferenceOperation { Parameter: var parameter } when RoleOf(parameter) is ParameterRole.Struct or ParameterRole.Constant:
                    foreach (var member in members)
                    {
                        var read = RoleOf(parameter) == ParameterRole.Struct
                            ? StructParameterMemberRead(initializer, member, initializer, TypeOf(MemberType(member)))
                            : new OpaqueExpr("{0}." + NameAllocator.Escape(member.Name), member.Name, IsCall: false, new[] { Read(initializer) }.ToEquatableArray(), TypeOf(MemberType(member)), null);
                        values[member] = read ?? new LiteralExpr("0", TypeOf(MemberType(member)));
                    }

                    break;
                default:
                    Unsupported(initializer, "Initializing a '" + local.Type.Name + "' local this way", "use new " + local.Type.Name + " { X = ..., Y = ... }, default, or a copy of another local or parameter (constructors with bodies are not followed yet)");
                    return;
            }

            foreach (var member in members)
            {
                output.Add(new AssignStmt(StructLocalMember(local, member), Coerce(values[member], TypeOf(MemberType(member))), line, source));
            }
        }

        private int? TargetVariable(IOperation target) => target switch
        {
            IMemberReferenceOperation { Instance: ILocalReferenceOperation { Local: var structLocal }, Member: var member }
                when _structLocalMembers.ContainsKey((structLocal, member)) => _structLocalMembers[(structLocal, member)],
            ILocalReferenceOperation local when _variableIds.TryGetValue(local.Local, out var id) => id,
            IParameterReferenceOperation parameter when _variableIds.TryGetValue(parameter.Parameter, out var id) => id,
            _ => null,
        };

        // array[index] or span[index] as an assignment target.
        private static (IOperation Array, IOperation Index)? Element(IOperation target) => target switch
        {
            IArrayElementReferenceOperation { Indices.Length: 1 } element => (element.ArrayReference, element.Indices[0]),
            IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance, Arguments.Length: 1 } indexer
                when instance.Type is INamedTypeSymbol { IsGenericType: true } span && span.ConstructedFrom.ToDisplayString() == "System.Span<T>"
                => (instance, indexer.Arguments[0].Value),
            _ => null,
        };

        // Only buffers this method allocated may be written: a write into an argument would change the caller's data
        // and the values the gradient was computed from (PyTorch reports that at run time; here it is a compile error).
        private int? StoreTarget(IOperation array, IOperation write)
        {
            if (TargetVariable(array) is { } id && _localBuffers.Contains(id))
            {
                return id;
            }

            if (array is IParameterReferenceOperation parameter)
            {
                Unsupported(write, "Writing into the parameter '" + parameter.Parameter.Name + "'",
                    "a [Differentiable] method does not modify its arguments; copy the values into a local buffer (new double[n] or stackalloc) and write there");
            }
            else
            {
                Unsupported(write, "Writing into '" + Shorten(array.Syntax.ToString()) + "'",
                    "write only into buffers this method allocates with new T[n] or stackalloc at its start");
            }

            return null;
        }

        private void ReadSwitch(ISwitchOperation switchOperation, List<Stmt> output)
        {
            // switch (v) { case ...: } is an else-if chain over the value, stored once in a local when it is not one.
            var (line, source) = SourceOf(switchOperation.Syntax);
            var value = Read(switchOperation.Value);
            if (value is not (VariableExpr or LiteralExpr))
            {
                var id = DeclareSynthetic("switchValue", value.Type);
                output.Add(new AssignStmt(id, value, line, source));
                value = new VariableExpr(id, value.Type);
            }

            Block? defaultBody = null;
            var sections = new List<(Expr Condition, Block Body, int Line, string Source)>();
            foreach (var section in switchOperation.Cases)
            {
                var body = ReadSwitchSection(section);
                var (sectionLine, sectionSource) = SourceOf(section.Syntax is SwitchSectionSyntax s ? s.Labels[0] : section.Syntax);
                Expr? condition = null;
                var isDefault = false;
                foreach (var clause in section.Clauses)
                {
                    Expr? clauseCondition = clause switch
                    {
                        IDefaultCaseClauseOperation => null,
                        ISingleValueCaseClauseOperation single => new BinaryExpr(BinaryOp.Equals, value, Read(single.Value), TypeRef.Bool),
                        IPatternCaseClauseOperation pattern => And(Pattern(value, pattern.Pattern), pattern.Guard is null ? null : Read(pattern.Guard)),
                        _ => UnsupportedExpr(clause, "This case label", "use constant, relational or discard patterns"),
                    };
                    if (clause is IDefaultCaseClauseOperation)
                    {
                        isDefault = true;
                    }
                    else
                    {
                        condition = condition is null ? clauseCondition : new BinaryExpr(BinaryOp.ConditionalOr, condition, clauseCondition!, TypeRef.Bool);
                    }
                }

                if (isDefault)
                {
                    defaultBody = body;
                }
                else if (condition is not null)
                {
                    sections.Add((condition, body, sectionLine, sectionSource));
                }
            }

            var chain = defaultBody ?? Block.Empty;
            for (var i = sections.Count - 1; i >= 0; i--)
            {
                var (condition, body, sectionLine, sectionSource) = sections[i];
                chain = new Block(ImmutableSingle(new IfStmt(condition, body, chain, sectionLine, sectionSource)));
            }

            output.AddRange(chain.Statements);
        }

        private static EquatableArray<Stmt> ImmutableSingle(Stmt statement) => new[] { statement }.ToEquatableArray();

        private Block ReadSwitchSection(ISwitchCaseOperation section)
        {
            var statements = new List<Stmt>();
            var body = (IReadOnlyList<IOperation>)section.Body;
            // A braced section (case 0: { ...; break; }) is its block's statements: its final break ends the section too.
            while (body.Count > 0 && body[body.Count - 1] is IBlockOperation block
                && block.Operations.Length > 0 && block.Operations[block.Operations.Length - 1] is IBranchOperation { BranchKind: BranchKind.Break })
            {
                body = body.Take(body.Count - 1).Concat(block.Operations).ToList();
            }

            for (var i = 0; i < body.Count; i++)
            {
                // The section's final 'break' ends it; any other break is unsupported control flow.
                if (i == body.Count - 1 && body[i] is IBranchOperation { BranchKind: BranchKind.Break })
                {
                    break;
                }

                ReadStatement(body[i], statements);
            }

            return new Block(statements.ToEquatableArray());
        }

        private static Expr? And(Expr? left, Expr? right)
            => left is null ? right : right is null ? left : new BinaryExpr(BinaryOp.ConditionalAnd, left, right, TypeRef.Bool);

        // ---- Expressions ------------------------------------------------------------------------------------------

        private Expr Read(IOperation operation)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var type = operation.Type is { } t ? TypeOf(t) : new TypeRef("object", ValueKind.Other);
            if (operation.Type is { TypeKind: TypeKind.Error } || operation is IInvalidOperation)
            {
                _hasCompilerErrors = true;
                return new LiteralExpr("default", type);
            }

            if (operation.ConstantValue is { HasValue: true } constant && Literal(constant.Value, operation.Type) is { } literal)
            {
                return literal;
            }

            switch (operation)
            {
                case ILocalReferenceOperation local when _variableIds.TryGetValue(local.Local, out var id):
                    return new VariableExpr(id, type);

                case IParameterReferenceOperation parameter when _variableIds.TryGetValue(parameter.Parameter, out var id):
                    return new VariableExpr(id, type);

                case IBinaryOperation binary:
                    return ReadBinary(binary, type);

                case IUnaryOperation unary:
                    return ReadUnary(unary, type);

                case IConversionOperation conversion:
                    return ReadConversion(conversion, type);

                case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                    return new ConditionalExpr(Read(conditional.Condition), Read(conditional.WhenTrue), Read(whenFalse), type);

                case IInvocationOperation invocation:
                    return ReadInvocation(invocation, type);

                case ISwitchExpressionOperation switchExpression:
                    return ReadSwitchExpression(switchExpression, type);

                case IIsPatternOperation isPattern:
                    return Pattern(Read(isPattern.Value), isPattern.Pattern);

                case IInstanceReferenceOperation:
                    return new OpaqueExpr("this", "this", IsCall: false, EquatableArray<Expr>.Empty, type, null);

                case IFieldReferenceOperation field:
                    return MemberRead(field, field.Field, field.Instance, type);

                case IPropertyReferenceOperation property when property.Arguments.Length == 0:
                    return MemberRead(property, property.Property, property.Instance, type);

                case IDefaultValueOperation:
                    return new LiteralExpr("default(" + type.Display + ")", type);

                case IObjectCreationOperation creation when creation.Constructor is not null && creation.Initializer is null:
                    return ((OpaqueExpr)Opaque(creation, "new " + creation.Type!.ToDisplayString(s_typeFormat), "new " + creation.Type!.Name, null, creation.Arguments, type)) with { Fix = CallFix.Compute };

                case IParenthesizedOperation parenthesized:
                    return Read(parenthesized.Operand);

                case IAnonymousFunctionOperation or IDelegateCreationOperation:
                    return UnsupportedExpr(operation, "A lambda", "make it a [Differentiable] method and call it");

                case ITranslatedQueryOperation:
                    return UnsupportedExpr(operation, "A LINQ query", "compute the value with [Differentiable] method calls");

                case IInterpolatedStringOperation:
                    return UnsupportedExpr(operation, "An interpolated string", "format strings outside the [Differentiable] method");

                case IAddressOfOperation:
                    return UnsupportedExpr(operation, "Unsafe code", "use safe code in a [Differentiable] method");

                case IAssignmentOperation or IIncrementOrDecrementOperation:
                    return UnsupportedExpr(operation, "An assignment inside an expression", "assign in a statement of its own");

                case IThrowOperation:
                    return UnsupportedExpr(operation, "A throw expression", "validate the arguments in the caller");

                case IArrayElementReferenceOperation element when element.Indices.Length == 1:
                    return new ElementExpr(Read(element.ArrayReference), Read(element.Indices[0]), type);

                // m[i, j] of a matrix: one element, its two indices printed as one index list (the gradient has the same shape).
                case IArrayElementReferenceOperation element when element.Indices.Length == 2 && element.ArrayReference.Type is IArrayTypeSymbol { Rank: 2 }:
                    return new ElementExpr(Read(element.ArrayReference),
                        new OpaqueExpr("{0}, {1}", "index", IsCall: false, new[] { Read(element.Indices[0]), Read(element.Indices[1]) }.ToEquatableArray(), TypeRef.Int, null), type);

                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } indexer
                    when indexer.Arguments.Length == 1 && TypeOf(instance.Type!).IsFloatingArray:
                    return new ElementExpr(Read(instance), Read(indexer.Arguments[0].Value), type);

                // An element of a span of integers or bools (class indices, masks): a value without a gradient.
                case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { Type: INamedTypeSymbol { IsGenericType: true } spanType } instance } indexer
                    when indexer.Arguments.Length == 1 && spanType.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>"
                        && TypeOf(spanType.TypeArguments[0]).Kind is ValueKind.Integer or ValueKind.Bool:
                    return new OpaqueExpr("{0}[{1}]", "an element of " + instance.Syntax, IsCall: false, new[] { Read(instance), Read(indexer.Arguments[0].Value) }.ToEquatableArray(), type, LocationInfo.From(operation.Syntax));

                default:
                    return UnsupportedExpr(operation, "The expression '" + Shorten(operation.Syntax.ToString()) + "'", "rewrite it with arithmetic, Math calls and [Differentiable] calls");
            }
        }

        private Expr ReadBinary(IBinaryOperation binary, TypeRef type)
        {
            var op = BinaryOpOf(binary.OperatorKind);
            var left = Read(binary.LeftOperand);
            var right = Read(binary.RightOperand);
            if (binary.OperatorMethod is not null || op is null)
            {
                var display = binary.OperatorMethod is { } method ? "operator " + binary.OperatorKind + " of " + method.ContainingType.Name : "The operator " + binary.OperatorKind;
                return new OpaqueExpr(binary.OperatorMethod is null ? "{0} ?? {1}" : "({0} " + OperatorText(binary.Syntax) + " {1})",
                    display, IsCall: binary.OperatorMethod is not null, new[] { left, right }.ToEquatableArray(), type, LocationInfo.From(binary.Syntax)) { Fix = CallFix.Compute };
            }

            return new BinaryExpr(op.Value, left, right, type);
        }

        private static string OperatorText(SyntaxNode syntax) => syntax is BinaryExpressionSyntax b ? b.OperatorToken.Text : "+";

        private Expr ReadUnary(IUnaryOperation unary, TypeRef type)
        {
            var operand = Read(unary.Operand);
            if (unary.OperatorMethod is not null)
            {
                return new OpaqueExpr("-{0}", "operator " + unary.OperatorKind + " of " + unary.OperatorMethod.ContainingType.Name, IsCall: true,
                    new[] { operand }.ToEquatableArray(), type, LocationInfo.From(unary.Syntax)) { Fix = CallFix.Compute };
            }

            return unary.OperatorKind switch
            {
                UnaryOperatorKind.Plus => operand,
                UnaryOperatorKind.Minus => new UnaryExpr(UnaryOp.Negate, operand, type),
                UnaryOperatorKind.Not => new UnaryExpr(UnaryOp.Not, operand, type),
                UnaryOperatorKind.BitwiseNegation => new UnaryExpr(UnaryOp.BitwiseNot, operand, type),
                _ => UnsupportedExpr(unary, "The operator '" + unary.OperatorKind + "'", "write the operation out"),
            };
        }

        private Expr ReadConversion(IConversionOperation conversion, TypeRef type)
        {
            var operand = Read(conversion.Operand);
            var common = conversion.GetConversion();
            if (common.IsIdentity && operand.Type == type)
            {
                return operand;
            }

            // double[] -> ReadOnlySpan<double> and Span -> ReadOnlySpan: the same elements, so the same gradients.
            if (operand.Type.IsFloatingArray && type.IsFloatingArray && operand.Type.Kind == type.Kind)
            {
                return operand;
            }

            var numeric = common.IsNumeric || common.IsIdentity || common.IsConstantExpression || common.IsEnumeration;
            if (numeric && conversion.OperatorMethod is null)
            {
                // Floating to integer stops the gradient (AUTODIFF007, decided by activity analysis); a floating value
                // converted to decimal or an enum would silently lose it, so that one is opaque (an error when varied).
                if (!operand.Type.IsFloating || type.IsFloating || type.Kind == ValueKind.Integer)
                {
                    return new ConvertExpr(operand, type, LocationInfo.From(conversion.Syntax));
                }
            }

            var display = conversion.OperatorMethod is not null
                ? "The conversion operator of " + conversion.OperatorMethod.ContainingType.Name
                : "The conversion of '" + Shorten(conversion.Operand.Syntax.ToString()) + "' to " + conversion.Type!.ToDisplayString();
            return new OpaqueExpr("((" + type.Display + "){0})", display, IsCall: false, new[] { operand }.ToEquatableArray(), type, LocationInfo.From(conversion.Syntax));
        }

        private Expr ReadInvocation(IInvocationOperation invocation, TypeRef type)
        {
            var target = invocation.TargetMethod;
            var containingType = target.ContainingType.ToDisplayString(s_typeFormat);
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out)
                {
                    return UnsupportedExpr(argument, "A ref or out argument", "pass values and return results");
                }
            }

            if (target.MethodKind == MethodKind.LocalFunction)
            {
                // The local function's declaration is reported (AUTODIFF002); its calls are not errors of their own.
                return new LiteralExpr("default", type);
            }

            if (target.ContainingType.ToDisplayString() == "System.Linq.Enumerable")
            {
                return UnsupportedExpr(invocation, "A LINQ method", "compute the value with arithmetic and [Differentiable] calls");
            }

            // Named arguments may come in any order; the generated calls pass them by position.
            var orderedArguments = invocation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0).ToList();
            var arguments = orderedArguments.Select(a => Read(a.Value)).ToList();

            // A [DerivativeOf] registration anywhere may give this callee a derivative, or replace its rule or backward:
            // the model keeps the callee's identity, and the pipeline attaches the registrations after parsing.
            var targetId = Derivatives.TargetId(target);
            if (targetId is not null)
            {
                _callTargets.Add(targetId);
            }

            // m.GetLength(d) of a matrix: its shape, which carries no gradient (like a.Length).
            if (target.Name == "GetLength" && target.ContainingType.SpecialType == SpecialType.System_Array && invocation.Instance?.Type is IArrayTypeSymbol { Rank: 2 } && arguments.Count == 1)
            {
                return new OpaqueExpr("{0}.GetLength({1})", "GetLength", IsCall: false, new[] { Read(invocation.Instance), arguments[0] }.ToEquatableArray(), type, LocationInfo.From(invocation.Syntax));
            }

            if (BuiltInRule(target) is { } rule)
            {
                return new MathCallExpr(rule.Name, containingType + "." + target.Name, arguments.ToEquatableArray(), type, LocationInfo.From(invocation.Syntax)) { TargetId = targetId };
            }

            if (IsDifferentiable(target) && IsDifferentiableInstanceMethod(target))
            {
                // Its backward takes the receiver's gradient (gradThis): passed on from this method's own gradients.
                if (target.ContainingType.IsValueType || target.IsGenericMethod || target.ReturnType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single)
                    || DifferentiableReceiver(invocation.Instance) is not { } differentiableReceiver)
                {
                    return UnsupportedExpr(invocation, "Calling '" + target.ContainingType.Name + "." + target.Name + "' on '" + Shorten(invocation.Instance?.Syntax.ToString() ?? "this") + "'",
                        "the gradient of its instance can be followed when it is this, a member of this or a parameter of a differentiable class; call it on one of those");
                }

                _differentiableCallees.Add(MethodId(target));
                return new UserCallExpr(differentiableReceiver, NameAllocator.Escape(target.Name), BackwardConvention.BackwardName(NameAllocator.Escape(target.Name)), arguments.ToEquatableArray(),
                    target.Parameters.Select(RoleOf).ToEquatableArray(), target.Parameters.Select(p => p.Name).ToEquatableArray(), type, LocationInfo.From(invocation.Syntax))
                {
                    TargetId = targetId,
                    ReceiverIsDifferentiable = true,
                    HasTangent = IsForward(target),
                };
            }

            if (IsDifferentiable(target) && target.Parameters.Any(p => RoleOf(p) == ParameterRole.Struct))
            {
                return UnsupportedExpr(invocation, "Calling '" + target.ContainingType.Name + "." + target.Name + "', which takes a differentiable struct,",
                    "calls that pass a differentiable struct are not supported yet; pass its members as double parameters");
            }

            if (IsDifferentiable(target)
                && target.ReturnType.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                && !target.IsGenericMethod)
            {
                var roles = target.Parameters.Select(RoleOf).ToEquatableArray();
                var (receiver, callee) = Callee(invocation, target, containingType);
                _differentiableCallees.Add(MethodId(target));
                return new UserCallExpr(receiver, callee, BackwardConvention.BackwardName(callee), arguments.ToEquatableArray(), roles,
                    target.Parameters.Select(p => p.Name).ToEquatableArray(), type, LocationInfo.From(invocation.Syntax))
                {
                    TargetId = targetId,
                    HasTangent = IsForward(target),
                };
            }

            var (opaqueReceiver, opaqueCallee) = Callee(invocation, target, containingType);
            var typeArguments = target.IsGenericMethod ? "<" + string.Join(", ", target.TypeArguments.Select(t => t.ToDisplayString(s_typeFormat))) + ">" : "";
            var opaque = (OpaqueExpr)Opaque(invocation, opaqueCallee + typeArguments, target.ContainingType.Name + "." + target.Name, opaqueReceiver, orderedArguments, type, isCall: true);
            opaque = opaque with { Fix = FixFor(target) };
            return targetId is null ? opaque : opaque with { Target = new CallTarget(targetId, opaqueCallee, opaqueReceiver is not null) };
        }

        /// <summary>What a user can do about a call of <paramref name="target"/> that has no derivative: only what can be done to that callee.</summary>
        private static CallFix FixFor(IMethodSymbol target)
        {
            if (target.MethodKind == MethodKind.DelegateInvoke || target.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction)
            {
                return CallFix.CallDirectly;
            }

            if (target.DeclaringSyntaxReferences.Length == 0 || target.MethodKind != MethodKind.Ordinary || target.IsAbstract || target.IsExtern)
            {
                return CallFix.RegisterDerivative;
            }

            return TypeOf(target.ReturnType).IsFloating && !target.IsGenericMethod ? CallFix.MarkOrRegister : CallFix.Rewrite;
        }

        /// <summary>The built-in rule (<see cref="DerivativeRules"/>) of a Math, MathF, double or float function, or null.</summary>
        internal static DerivativeRule? BuiltInRule(IMethodSymbol target)
            => target.IsStatic && DerivativeRules.Find(target.ContainingType.ToDisplayString(s_typeFormat), target.Name, target.Parameters.Length) is { } rule
                && (rule.StopsGradient || (target.Parameters.All(p => p.Type.SpecialType == target.ReturnType.SpecialType) && TypeOf(target.ReturnType).IsFloating))
                ? rule
                : null;

        /// <summary>A method's identity across the pipeline (<see cref="MethodModel.Id"/>): its documentation comment ID.</summary>
        internal static string MethodId(IMethodSymbol method) => method.OriginalDefinition.GetDocumentationCommentId() ?? method.ToDisplayString();

        internal static bool IsDifferentiable(IMethodSymbol method)
            => method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttributeName);

        private (Expr? Receiver, string Callee) Callee(IInvocationOperation invocation, IMethodSymbol target, string containingType)
        {
            if (target.IsStatic)
            {
                return (null, containingType + "." + target.Name);
            }

            return invocation.Instance is null or IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }
                ? (null, "this." + target.Name)
                : (Read(invocation.Instance), target.Name);
        }

        private Expr Opaque(IOperation operation, string callee, string display, Expr? receiver, IEnumerable<IArgumentOperation> arguments, TypeRef type, bool isCall = true)
        {
            var values = new List<Expr>();
            var format = new System.Text.StringBuilder();
            if (receiver is not null)
            {
                values.Add(receiver);
                format.Append("{0}.");
            }

            format.Append(callee).Append('(');
            var first = true;
            foreach (var argument in arguments)
            {
                if (!first)
                {
                    format.Append(", ");
                }

                first = false;
                format.Append('{').Append(values.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
                values.Add(Read(argument.Value));
            }

            format.Append(')');
            return new OpaqueExpr(format.ToString(), display, isCall, values.ToEquatableArray(), type, LocationInfo.From(operation.Syntax));
        }

        /// <summary>An instance [Differentiable] method of a [Differentiable] class or struct: its backward takes <c>gradThis</c>.</summary>
        internal static bool IsDifferentiableInstanceMethod(IMethodSymbol method)
            => !method.IsStatic && method.MethodKind == MethodKind.Ordinary && HasDifferentiableAttribute(method.ContainingType);

        internal static bool HasDifferentiableAttribute(ITypeSymbol? type)
            => type is INamedTypeSymbol named && named.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableAttributeName);

        private ThisGradientModel? ThisGradient() => _thisGradientName is null ? null
            : new ThisGradientModel(_thisGradientName, _method.ContainingType.ToDisplayString(s_typeFormat) + ".Gradient", _method.ContainingType.IsValueType);

        /// <summary>
        /// A parameter of this differentiable type (an instance field or auto-property, not [NoGrad]) of a type whose
        /// gradient this method can write: a double/float scalar or a 1-D array of them. Other parameter members
        /// (nested differentiable types, matrices) are reported where they are read.
        /// </summary>
        private static bool IsParameterMember(ISymbol member)
            => !member.IsStatic
               && (member is IFieldSymbol { IsImplicitlyDeclared: false } || member is IPropertySymbol property && IsAutoProperty(property))
               && !member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "AutoDiff.NoGradAttribute");

        private static bool IsAutoProperty(IPropertySymbol property)
            => !property.IsIndexer && property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

        private static ITypeSymbol MemberType(ISymbol member) => member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;

        /// <summary>A read of a member of this in a method that differentiates with respect to this; null when the member is a constant.</summary>
        private Expr? ThisMemberRead(IOperation operation, ISymbol member, IOperation? instance, TypeRef type)
        {
            if (_thisGradientName is null || instance is not IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }
                || !SymbolEqualityComparer.Default.Equals(member.ContainingType, _method.ContainingType) || !IsParameterMember(member))
            {
                return null;
            }

            var memberType = MemberType(member);
            var role = memberType.SpecialType is SpecialType.System_Double or SpecialType.System_Single ? ParameterRole.Scalar
                : FloatingArrayKind(memberType) is not null && memberType is IArrayTypeSymbol ? ParameterRole.Span
                : IsDifferentiableClass(memberType) && !_method.ContainingType.IsValueType ? ParameterRole.Object
                : memberType is IArrayTypeSymbol { Rank: 1, ElementType: var layer } && IsDifferentiableClass(layer) && !_method.ContainingType.IsValueType ? ParameterRole.Object
                : (ParameterRole?)null;
            if (role is null)
            {
                if (HoldsFloatingData(memberType))
                {
                    return UnsupportedExpr(operation, "Reading the parameter member '" + member.Name + "' of type " + memberType.ToDisplayString(),
                        "differentiating through members of this type is not supported yet; mark the member [NoGrad], or pass its values as a parameter of the method");
                }

                return null;
            }

            if (!_variableIds.TryGetValue(member, out var id))
            {
                var escaped = NameAllocator.Escape(member.Name);
                id = DeclareVariable(member, "this." + escaped, memberType, isParameter: true);
                _memberParameters.Add(new ParameterModel(id, "this." + escaped, "", TypeOf(memberType), role.Value, _thisGradientName + "." + escaped)
                {
                    Member = member.Name,
                    MemberOfStruct = _method.ContainingType.IsValueType,
                });
            }

            return new VariableExpr(id, type);
        }

        private readonly Dictionary<(ISymbol Owner, ISymbol Member), int> _structParameterMembers = new();

        /// <summary>
        /// A read of a scalar member of a differentiable struct parameter (<c>p.X</c>): an implicit parameter whose
        /// gradient is that member of the parameter's <c>out S.Gradient</c>; null when it is not such a read.
        /// </summary>
        private Expr? StructParameterMemberRead(IOperation operation, ISymbol member, IOperation? instance, TypeRef type)
        {
            if (instance is not IParameterReferenceOperation { Parameter: var owner } || RoleOf(owner) != ParameterRole.Struct || !IsParameterMember(member))
            {
                return null;
            }

            var memberType = MemberType(member);
            if (memberType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single))
            {
                return HoldsFloatingData(memberType)
                    ? UnsupportedExpr(operation, "Reading the member '" + member.Name + "' of type " + memberType.ToDisplayString() + " of the struct parameter '" + owner.Name + "'",
                        "only its double and float members can be read in a [Differentiable] method yet")
                    : null;
            }

            if (!_structParameterMembers.TryGetValue((owner, member), out var id))
            {
                var escaped = NameAllocator.Escape(owner.Name) + "." + NameAllocator.Escape(member.Name);
                var gradient = _parameterGradientNames.TryGetValue(owner.Name, out var name) ? name : "grad" + owner.Name;
                id = DeclareSynthetic(escaped, TypeOf(memberType));
                _structParameterMembers[(owner, member)] = id;
                _memberParameters.Add(new ParameterModel(id, escaped, "", TypeOf(memberType), ParameterRole.Scalar, gradient + "." + NameAllocator.Escape(member.Name))
                {
                    Member = member.Name,
                    MemberOfStruct = true,
                });
            }

            return new VariableExpr(id, type);
        }

        private readonly Dictionary<string, string> _parameterGradientNames = new(StringComparer.Ordinal);

        /// <summary>
        /// <c>this</c> as the receiver of a call of a [Differentiable] method of this differentiable class: a value of
        /// role Object whose gradient is gradThis itself.
        /// </summary>
        private VariableExpr? ThisAsObject(IOperation operation)
        {
            if (_thisGradientName is null || _method.ContainingType.IsValueType)
            {
                return null;
            }

            if (!_variableIds.TryGetValue(_method.ContainingType, out var id))
            {
                id = DeclareVariable(_method.ContainingType, "this", _method.ContainingType, isParameter: true);
                _memberParameters.Add(new ParameterModel(id, "this", "", TypeOf(_method.ContainingType), ParameterRole.Object, _thisGradientName) { Member = "this" });
            }

            return new VariableExpr(id, TypeOf(_method.ContainingType));
        }

        /// <summary>
        /// The receiver of a call of a method that differentiates with respect to its instance, as a value of role
        /// Object (this, a differentiable class member of this, a differentiable class parameter); null when its
        /// gradient cannot be followed (a local, a struct, an element of an array).
        /// </summary>
        private Expr? DifferentiableReceiver(IOperation? receiver) => receiver switch
        {
            // Layers[i] of an array of layers held by this: the gradient is gradThis.Layers[i].
            IArrayElementReferenceOperation { Indices.Length: 1, ArrayReference: var array } element
                when element.Type is { } layerType && IsDifferentiableClass(layerType)
                    && (array is IFieldReferenceOperation f ? ThisMemberRead(array, f.Field, f.Instance, TypeOf(array.Type!))
                        : array is IPropertyReferenceOperation p ? ThisMemberRead(array, p.Property, p.Instance, TypeOf(array.Type!)) : null) is VariableExpr layers
                => new ElementExpr(layers, Read(element.Indices[0]), TypeOf(layerType)),
            null or IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } => ThisAsObject(receiver!),
            IParameterReferenceOperation parameter when RoleOf(parameter.Parameter) == ParameterRole.Object && _variableIds.TryGetValue(parameter.Parameter, out var id)
                => new VariableExpr(id, TypeOf(parameter.Type!)),
            IFieldReferenceOperation or IPropertyReferenceOperation when receiver.Type is { } type && IsDifferentiableClass(type)
                => (receiver is IFieldReferenceOperation f ? ThisMemberRead(receiver, f.Field, f.Instance, TypeOf(type)) : receiver is IPropertyReferenceOperation p ? ThisMemberRead(receiver, p.Property, p.Instance, TypeOf(type)) : null) as VariableExpr,
            _ => null,
        };

        private Expr MemberRead(IOperation operation, ISymbol member, IOperation? instance, TypeRef type)
        {
            if (ThisMemberRead(operation, member, instance, type) is { } parameterMember)
            {
                return parameterMember;
            }

            if (StructParameterMemberRead(operation, member, instance, type) is { } structMember)
            {
                return structMember;
            }

            if (instance is ILocalReferenceOperation { Local: var structLocal } && _structLocalMembers.TryGetValue((structLocal, member), out var memberId))
            {
                return new VariableExpr(memberId, type);
            }

            if (member.IsStatic || instance is null)
            {
                return new OpaqueExpr(member.ContainingType.ToDisplayString(s_typeFormat) + "." + NameAllocator.Escape(member.Name), member.Name, IsCall: false,
                    EquatableArray<Expr>.Empty, type, LocationInfo.From(operation.Syntax));
            }

            return new OpaqueExpr("{0}." + NameAllocator.Escape(member.Name), member.Name, IsCall: false, new[] { Read(instance) }.ToEquatableArray(), type, LocationInfo.From(operation.Syntax));
        }

        private Expr ReadSwitchExpression(ISwitchExpressionOperation switchExpression, TypeRef type)
        {
            var value = Read(switchExpression.Value);
            var arms = switchExpression.Arms;
            if (arms.Length == 0 || !IsIrrefutable(arms[arms.Length - 1]))
            {
                return UnsupportedExpr(switchExpression, "A switch expression without a final discard arm", "add '_ => ...' as the last arm so that every input has a value");
            }

            var result = Read(arms[arms.Length - 1].Value);
            for (var i = arms.Length - 2; i >= 0; i--)
            {
                var condition = And(Pattern(value, arms[i].Pattern), arms[i].Guard is null ? null : Read(arms[i].Guard!))!;
                result = new ConditionalExpr(condition, Read(arms[i].Value), result, type);
            }

            return result;
        }

        private static bool IsIrrefutable(ISwitchExpressionArmOperation arm)
            => arm.Guard is null && arm.Pattern is IDiscardPatternOperation or IDeclarationPatternOperation { MatchesNull: true };

        private Expr Pattern(Expr value, IPatternOperation pattern) => pattern switch
        {
            // On an object, a nullable or a NaN constant, == would not compile or would mean something else: kept as a pattern.
            IConstantPatternOperation constant when !MatchesLikeEquality(pattern.InputType, constant.Value) => KeptPattern(value, "is {1}", constant.Value, pattern),
            IRelationalPatternOperation relational when !MatchesLikeEquality(pattern.InputType, relational.Value) => KeptPattern(value, RelationalSymbol(relational.OperatorKind) + " {1}", relational.Value, pattern),
            IConstantPatternOperation constant => new BinaryExpr(BinaryOp.Equals, value, Read(constant.Value), TypeRef.Bool),
            IRelationalPatternOperation relational => BinaryOpOf(relational.OperatorKind) is { } op
                ? new BinaryExpr(op, value, Read(relational.Value), TypeRef.Bool)
                : UnsupportedExpr(pattern, "This pattern", "use constant, relational or discard patterns"),
            IBinaryPatternOperation binary => new BinaryExpr(
                binary.OperatorKind == BinaryOperatorKind.And ? BinaryOp.ConditionalAnd : BinaryOp.ConditionalOr,
                Pattern(value, binary.LeftPattern), Pattern(value, binary.RightPattern), TypeRef.Bool),
            INegatedPatternOperation negated => new UnaryExpr(UnaryOp.Not, Pattern(value, negated.Pattern), TypeRef.Bool),
            IDiscardPatternOperation => new LiteralExpr("true", TypeRef.Bool),
            _ => UnsupportedExpr(pattern, "This pattern", "use constant, relational or discard patterns"),
        };

        /// <summary>Whether <c>v is c</c> means <c>v == c</c>: on numbers, bool, char, enums and strings, except the NaN constant (a pattern matches NaN).</summary>
        private static bool MatchesLikeEquality(ITypeSymbol input, IOperation constant)
        {
            var type = input.TypeKind == TypeKind.Enum ? SpecialType.System_Int32 : input.SpecialType;
            var plain = type is >= SpecialType.System_Boolean and <= SpecialType.System_String;
            var isNaN = constant.ConstantValue is { HasValue: true, Value: double d } && double.IsNaN(d)
                || constant.ConstantValue is { HasValue: true, Value: float f } && float.IsNaN(f);
            return plain && !isNaN && SymbolEqualityComparer.Default.Equals(input, constant.Type ?? input);
        }

        /// <summary>A pattern printed as the user wrote it, <c>(v is 3)</c>: a condition with no derivative of its own.</summary>
        private Expr KeptPattern(Expr value, string pattern, IOperation constant, IPatternOperation syntax)
            => new OpaqueExpr("({0} " + pattern + ")", "a pattern", false, new[] { value, Read(constant is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : constant) }.ToEquatableArray(), TypeRef.Bool, LocationInfo.From(syntax.Syntax));

        private static string RelationalSymbol(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => "is <",
            BinaryOperatorKind.LessThanOrEqual => "is <=",
            BinaryOperatorKind.GreaterThan => "is >",
            _ => "is >=",
        };

        private static BinaryOp? BinaryOpOf(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.Add => BinaryOp.Add,
            BinaryOperatorKind.Subtract => BinaryOp.Subtract,
            BinaryOperatorKind.Multiply => BinaryOp.Multiply,
            BinaryOperatorKind.Divide => BinaryOp.Divide,
            BinaryOperatorKind.Remainder => BinaryOp.Remainder,
            BinaryOperatorKind.Equals => BinaryOp.Equals,
            BinaryOperatorKind.NotEquals => BinaryOp.NotEquals,
            BinaryOperatorKind.LessThan => BinaryOp.LessThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOp.LessThanOrEqual,
            BinaryOperatorKind.GreaterThan => BinaryOp.GreaterThan,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOp.GreaterThanOrEqual,
            BinaryOperatorKind.ConditionalAnd => BinaryOp.ConditionalAnd,
            BinaryOperatorKind.ConditionalOr => BinaryOp.ConditionalOr,
            BinaryOperatorKind.And => BinaryOp.And,
            BinaryOperatorKind.Or => BinaryOp.Or,
            BinaryOperatorKind.ExclusiveOr => BinaryOp.ExclusiveOr,
            BinaryOperatorKind.LeftShift => BinaryOp.LeftShift,
            BinaryOperatorKind.RightShift => BinaryOp.RightShift,
            _ => null,
        };

        // ---- Helpers ----------------------------------------------------------------------------------------------

        /// <summary>Evaluating the expression can neither throw nor change anything: variables, literals, arithmetic, Math functions.</summary>
        private static bool HasNoEffect(Expr expression) => expression switch
        {
            LiteralExpr or VariableExpr => true,
            BinaryExpr { Op: BinaryOp.Divide or BinaryOp.Remainder, Type.IsFloating: false } => false, // may divide by zero
            BinaryExpr binary => HasNoEffect(binary.Left) && HasNoEffect(binary.Right),
            UnaryExpr unary => HasNoEffect(unary.Operand),
            ConvertExpr convert => HasNoEffect(convert.Operand),
            ConditionalExpr conditional => HasNoEffect(conditional.Condition) && HasNoEffect(conditional.WhenTrue) && HasNoEffect(conditional.WhenFalse),
            MathCallExpr call => call.Arguments.All(HasNoEffect),
            _ => false,
        };

        private int DeclareVariable(ISymbol symbol, string name, ITypeSymbol type, bool isParameter)
        {
            if (_variableIds.TryGetValue(symbol, out var existing))
            {
                return existing;
            }

            var id = _variables.Count;
            _variables.Add(new VariableInfo(id, name, TypeOf(type), isParameter));
            _variableIds.Add(symbol, id);
            return id;
        }

        private int DeclareSynthetic(string name, TypeRef type)
        {
            var id = _variables.Count;
            _variables.Add(new VariableInfo(id, name, type, IsParameter: false));
            return id;
        }

        internal static TypeRef TypeOf(ITypeSymbol type) => FloatingArrayKind(type) is { } arrayKind
            ? new TypeRef(type.ToDisplayString(s_typeFormat), arrayKind)
            : type.SpecialType switch
        {
            SpecialType.System_Double => TypeRef.Double,
            SpecialType.System_Single => TypeRef.Float,
            SpecialType.System_Boolean => TypeRef.Bool,
            SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
                or SpecialType.System_Char => new TypeRef(type.ToDisplayString(s_typeFormat), ValueKind.Integer),
            _ => new TypeRef(type.ToDisplayString(s_typeFormat), ValueKind.Other),
        };

        // double[] and float[] (one dimension), Span<T> and ReadOnlySpan<T> of double or float.
        private static ValueKind? FloatingArrayKind(ITypeSymbol type)
        {
            var element = type switch
            {
                IArrayTypeSymbol { Rank: 1 or 2 } array => array.ElementType,
                INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                    when named.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>" => named.TypeArguments[0],
                _ => null,
            };
            return element?.SpecialType switch
            {
                SpecialType.System_Double => ValueKind.DoubleArray,
                SpecialType.System_Single => ValueKind.FloatArray,
                _ => null,
            };
        }

        private static LiteralExpr? Literal(object? value, ITypeSymbol? type)
        {
            var typeRef = type is null ? null : TypeOf(type);
            if (type is { TypeKind: TypeKind.Enum } && value is not null)
            {
                // An enum constant is its underlying number, cast back so that it compares with the enum.
                return new LiteralExpr("((" + typeRef!.Display + ")" + Convert.ToString(value, CultureInfo.InvariantCulture) + ")", typeRef);
            }

            return value switch
            {
                double d => new LiteralExpr(FormatFloating(d, ValueKind.Double), TypeRef.Double),
                float f => new LiteralExpr(FormatFloating(f, ValueKind.Float), TypeRef.Float),
                bool b => new LiteralExpr(b ? "true" : "false", TypeRef.Bool),
                int i => new LiteralExpr(i.ToString(CultureInfo.InvariantCulture), typeRef ?? TypeRef.Int),
                long l => new LiteralExpr(l.ToString(CultureInfo.InvariantCulture) + "L", typeRef!),
                uint u => new LiteralExpr(u.ToString(CultureInfo.InvariantCulture) + "U", typeRef!),
                ulong ul => new LiteralExpr(ul.ToString(CultureInfo.InvariantCulture) + "UL", typeRef!),
                short or ushort or byte or sbyte => new LiteralExpr("((" + typeRef!.Display + ")" + Convert.ToString(value, CultureInfo.InvariantCulture) + ")", typeRef),
                char c => new LiteralExpr(SymbolDisplay.FormatLiteral(c, quote: true), typeRef!),
                string s => new LiteralExpr(SymbolDisplay.FormatLiteral(s, quote: true), typeRef!),
                _ => null,
            };
        }

        /// <summary>Formats a double or float constant as a C# literal that round-trips.</summary>
        internal static string FormatFloating(double value, ValueKind kind)
        {
            var typeName = kind == ValueKind.Float ? "float" : "double";
            if (double.IsNaN(value))
            {
                return typeName + ".NaN";
            }

            if (double.IsPositiveInfinity(value))
            {
                return typeName + ".PositiveInfinity";
            }

            if (double.IsNegativeInfinity(value))
            {
                return typeName + ".NegativeInfinity";
            }

            if (kind == ValueKind.Float)
            {
                return ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
            }

            var text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
        }

        private (int Line, string Source) SourceOf(SyntaxNode syntax)
        {
            // Only the construct's first line is read: the text of an if is that of every else-if after it.
            var text = syntax.SyntaxTree.GetText(_cancellationToken);
            var line = text.Lines.GetLineFromPosition(syntax.SpanStart);
            var end = Math.Min(syntax.Span.End, line.End);
            return (line.LineNumber + 1, Shorten(text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(syntax.SpanStart, end))));
        }

        /// <summary>The first line of a construct's source, whitespace collapsed, for comments and messages.</summary>
        internal static string Shorten(string text)
        {
            var firstLine = text.Split('\n')[0].Trim();
            firstLine = System.Text.RegularExpressions.Regex.Replace(firstLine, @"\s+", " ");
            if (firstLine.EndsWith("{", StringComparison.Ordinal))
            {
                firstLine = firstLine.Substring(0, firstLine.Length - 1).TrimEnd();
            }

            return firstLine.Length > 100 ? firstLine.Substring(0, 97) + "..." : firstLine;
        }

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] args)
            => _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

        private void Unsupported(IOperation operation, string construct, string hint)
            => Report(DiagnosticDescriptors.UnsupportedConstruct, operation.Syntax.GetLocation(), construct, hint);

        private Expr UnsupportedExpr(IOperation operation, string construct, string hint)
        {
            Unsupported(operation, construct, hint);
            return new LiteralExpr("default", operation.Type is { } t ? TypeOf(t) : TypeRef.Double);
        }
    }
}
