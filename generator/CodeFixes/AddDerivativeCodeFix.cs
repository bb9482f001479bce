using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;
using Parser = AutoDiff.Generators.DifferentiableGenerator.Parser;

namespace AutoDiff.Generators.CodeFixes;

/// <summary>
/// AUTODIFF001 (a call to a method without a derivative): "Add a derivative for 'F'". Writes, after the calling
/// [Differentiable] method, a <c>[DerivativeOf]</c> method with the exact backward signature of <c>F</c> (API.md),
/// whose body computes the value by calling <c>F</c> and leaves each partial derivative for the user to write.
/// Offered for any static method with a double or float result, also of other assemblies (a BCL or library method),
/// and for instance methods of the caller's own type.
/// </summary>
/// <remarks>
/// <para>
/// The body's partial derivatives are undefined names (<c>gradX = seed * dF_dx;</c>), so the method does not compile
/// until every one is replaced. Chosen over <c>throw new NotImplementedException()</c>: a throw compiles, and a
/// backward that compiles but fails (or, worse, returns a made-up gradient) at run time is what this library exists to
/// prevent; the undefined names are each a compiler error at the exact spot to fill in, name the partial derivative
/// wanted there, and list the remaining work in the error list. Nothing else in the body needs changing.
/// </para>
/// <para>
/// Instance methods of other types are not offered: the backward convention has no place for their receiver.
/// </para>
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddDerivativeCodeFix)), Shared]
public sealed class AddDerivativeCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key: one for every callee, so Fix All writes a derivative for each (that cannot be marked).</summary>
    public const string EquivalenceKey = "AUTODIFF001.AddDerivative";

    private const string DerivativeOfAttributeName = "AutoDiff.DerivativeOfAttribute";

    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
        SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
        | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticDescriptors.NonDifferentiableCall.Id);

    // Document-wide: each derivative goes into the type of the caller, which is in the diagnostic's document. Fix All
    // leaves the callees that "Mark 'F' as [Differentiable]" can fix to that fix: in bulk, a finished fix beats a
    // derivative left to complete. (dotnet format gives an ID's diagnostics only to the first of its fixers that
    // changes the code, so this also keeps its result independent of the order in which it finds the two fixers.)
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        var unmarkable = new List<Diagnostic>();
        foreach (var diagnostic in diagnostics)
        {
            if (!await MarkDifferentiableCodeFix.CanMarkAsync(document, diagnostic, context.CancellationToken).ConfigureAwait(false))
            {
                unmarkable.Add(diagnostic);
            }
        }

        return await AddDerivativesAsync(document, unmarkable, context.CancellationToken).ConfigureAwait(false);
    });

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Plan(root, semanticModel, diagnostic, context.CancellationToken) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create($"Add a derivative for '{plan.Target.Name}'",
                        ct => AddDerivativesAsync(context.Document, new[] { diagnostic }, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>One derivative to write: for <paramref name="Target"/>, after <paramref name="Caller"/>, in <paramref name="CallerType"/>.</summary>
    private sealed record DerivativePlan(IMethodSymbol Target, MethodDeclarationSyntax Caller, INamedTypeSymbol CallerType);

    private static DerivativePlan? Plan(SyntaxNode root, SemanticModel semanticModel, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (NonDifferentiableCall.Find(root, semanticModel, diagnostic, cancellationToken) is not { Target: var target, Caller: var caller }
            || semanticModel.GetDeclaredSymbol(caller, cancellationToken)?.ContainingType is not { } callerType
            || semanticModel.Compilation.GetTypeByMetadataName(DerivativeOfAttributeName) is null)
        {
            return null;
        }

        // The backward convention: a double or float result, inputs by value (or `in`), at least one gradient.
        var conventional = NonDifferentiableCall.IsFloating(target.ReturnType)
            && !target.IsGenericMethod
            && !IsInGenericType(target)
            && target.Parameters.All(p => p.RefKind is RefKind.None or RefKind.In)
            && target.Parameters.Any(p => Parser.RoleOf(p) != ParameterRole.Constant);
        var receiverFits = target.IsStatic || SymbolEqualityComparer.Default.Equals(target.ContainingType, callerType);
        // Diagnostics can be stale (dotnet format computes them once for all fixers of an ID): no derivative for a
        // callee marked since, and none where the caller's type already registers one (so applying twice adds nothing).
        var alreadyServed = target.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.DifferentiableAttributeName)
            || RegistersDerivative(callerType, target);
        return conventional && receiverFits && !alreadyServed ? new DerivativePlan(target, caller, callerType) : null;
    }

    // A [DerivativeOf] method of `type` whose target is `target`: same name and type, and its leading parameter types.
    private static bool RegistersDerivative(INamedTypeSymbol type, IMethodSymbol target)
    {
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            foreach (var attribute in method.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == DerivativeOfAttributeName))
            {
                var arguments = attribute.ConstructorArguments;
                var (declaringType, name) = arguments.Length == 1
                    ? (type, arguments[0].Value as string)
                    : (arguments[0].Value as INamedTypeSymbol, arguments[1].Value as string);
                if (SymbolEqualityComparer.Default.Equals(declaringType, target.ContainingType) && name == target.Name
                    && method.Parameters.Length > target.Parameters.Length
                    && target.Parameters.Select(p => p.Type).SequenceEqual(method.Parameters.Take(target.Parameters.Length).Select(p => p.Type), SymbolEqualityComparer.Default))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // typeof(T) of a generic T would need its type arguments chosen; not offered.
    private static bool IsInGenericType(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.TypeParameters.Length > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Document> AddDerivativesAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var semanticModel = editor.SemanticModel;
        var attribute = semanticModel.Compilation.GetTypeByMetadataName(DerivativeOfAttributeName);
        var takenByType = new Dictionary<INamedTypeSymbol, HashSet<string>>(SymbolEqualityComparer.Default);
        // One derivative per callee and caller type, however many calls Fix All sees.
        var written = new HashSet<string>();
        var plans = diagnostics
            .Select(d => Plan(editor.OriginalRoot, semanticModel, d, cancellationToken))
            .Where(p => p is not null && written.Add(p.Target.GetDocumentationCommentId() + " in " + p.CallerType.GetDocumentationCommentId()))
            .GroupBy(p => p!.Caller);
        foreach (var group in plans)
        {
            var members = new List<SyntaxNode>();
            foreach (var plan in group)
            {
                if (!takenByType.TryGetValue(plan!.CallerType, out var taken))
                {
                    taken = TakenSignatures(plan.CallerType);
                    takenByType.Add(plan.CallerType, taken);
                }

                var newLine = NewLineOf(plan.Caller);
                var text = new DerivativeWriter(plan, semanticModel, taken, newLine).Write();
                // A blank line before it; the formatter indents it.
                var member = SyntaxFactory.ParseMemberDeclaration(text)!
                    .WithLeadingTrivia(SyntaxFactory.EndOfLine(newLine))
                    .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));
                // The attribute's name gets `using AutoDiff;` (AutoDiffImport); the other names are written fully
                // qualified and shortened by the action's clean-up where the file's usings allow.
                var name = member.DescendantNodes().OfType<AttributeSyntax>().First().Name;
                member = member.ReplaceNode(name, AutoDiffImport.Name(editor.Generator, attribute!, semanticModel, plan.Caller.SpanStart))
                    .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
                members.Add(member);
            }

            editor.InsertAfter(group.Key, members);
        }

        return await AutoDiffImport.AddAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    // The line break the caller's declaration ends with, so the new method matches the file.
    private static string NewLineOf(SyntaxNode caller)
        => caller.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } eol ? eol.ToString() : "\n";

    /// <summary>
    /// The names a new method of <paramref name="type"/> cannot take: <c>Name(signature)</c> of its methods and of its
    /// base types' (same signature means a clash or hiding), <c>Name</c> of every other member and of the type itself.
    /// </summary>
    private static HashSet<string> TakenSignatures(INamedTypeSymbol type)
    {
        var taken = new HashSet<string> { type.Name };
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                taken.Add(member is IMethodSymbol method
                    ? method.Name + Signature(method.Parameters.Select(p => (p.Type.ToDisplayString(s_typeFormat), p.RefKind != RefKind.None)))
                    : member.Name);
            }
        }

        return taken;
    }

    // By type and by-reference-ness: what C# overloading tells apart (ref, out and in do not overload each other).
    private static string Signature(IEnumerable<(string Type, bool ByRef)> parameters)
        => "(" + string.Join(",", parameters.Select(p => (p.ByRef ? "&" : "") + p.Type)) + ")";

    /// <summary>Writes the text of one derivative method, fully qualified; see the class remarks for its body.</summary>
    private sealed class DerivativeWriter
    {
        private readonly DerivativePlan _plan;
        private readonly SemanticModel _semanticModel;
        private readonly HashSet<string> _takenSignatures;
        private readonly string _newLine;
        private readonly NameAllocator _locals;
        private readonly StringBuilder _text = new();

        public DerivativeWriter(DerivativePlan plan, SemanticModel semanticModel, HashSet<string> takenSignatures, string newLine)
        {
            _plan = plan;
            _semanticModel = semanticModel;
            _takenSignatures = takenSignatures;
            _newLine = newLine;
            _locals = new NameAllocator(plan.Target.Parameters.Select(p => p.Name));
        }

        public string Write()
        {
            var target = _plan.Target;
            var returnType = target.ReturnType.ToDisplayString(s_typeFormat);
            var parameters = target.Parameters.Select(p => new
            {
                Symbol = p,
                Name = Escape(p.Name),
                Role = Parser.RoleOf(p),
                Gradient = BackwardConvention.GradientName(p.Name, _locals),
            }).ToList();
            var seed = BackwardConvention.SeedName(_locals);

            // The callee's parameters (`in` kept), seed, then `out R` per scalar and `Span<T>` per array or span.
            var declarations = parameters
                .Select(p => Declaration(p.Symbol.RefKind == RefKind.In ? "in " : "", p.Symbol.Type.ToDisplayString(s_typeFormat), p.Name))
                .Append(Declaration("", returnType, seed))
                .Concat(parameters.Where(p => p.Role != ParameterRole.Constant).Select(p => p.Role == ParameterRole.Span
                    ? Declaration("", $"global::System.Span<{ElementType(p.Symbol.Type)}>", p.Gradient)
                    : Declaration("out ", returnType, p.Gradient)))
                .ToList();
            var name = UniqueMethodName(BackwardConvention.BackwardName(target.Name), Signature(declarations.Select(d => (d.Type, d.ByRef))));

            var sameType = SymbolEqualityComparer.Default.Equals(target.ContainingType, _plan.CallerType);
            var containingType = target.ContainingType.ToDisplayString(s_typeFormat);
            var attributeArguments = sameType
                ? $"nameof({Escape(target.Name)})"
                : $"typeof({containingType}), nameof({containingType}.{Escape(target.Name)})";
            var callee = sameType ? Escape(target.Name) : containingType + "." + Escape(target.Name);
            var arguments = string.Join(", ", parameters.Select(p => p.Name));
            // "value" is a contextual keyword that Take avoids; as a local of this method it is fine.
            var value = _locals.IsTaken("value") ? _locals.Take("value") : Reserved("value");
            var index = _locals.Take("i");

            // Internal, not private: a registered derivative serves every [Differentiable] caller in the compilation.
            Line($"[DerivativeOf({attributeArguments})]");
            Line($"internal {(target.IsStatic ? "static " : "")}{returnType} {name}({string.Join(", ", declarations.Select(d => d.Text))})");
            Line("{");
            // Each gradient is seed times a placeholder named after the partial derivative it stands for.
            var gradients = parameters.Where(p => p.Role != ParameterRole.Constant).Select(p =>
            {
                var derivative = "d" + target.Name + "/d" + p.Symbol.Name + (p.Role == ParameterRole.Span ? "[" + index + "]" : "");
                var placeholder = Placeholder("d" + target.Name + "_d" + p.Symbol.Name + (p.Role == ParameterRole.Span ? "_" + index : ""));
                return (Parameter: p, Derivative: derivative, Placeholder: placeholder);
            }).ToList();
            var example = gradients[0];
            Line("    // TODO: replace each placeholder below with the partial derivative it names, at these arguments");
            Line($"    // ({example.Placeholder} is {example.Derivative}). The placeholders are undefined on purpose, so this");
            Line("    // method does not compile until every one is replaced.");
            Line($"    {returnType} {value} = {callee}({arguments});");
            foreach (var (parameter, _, placeholder) in gradients)
            {
                if (parameter.Role == ParameterRole.Span)
                {
                    // Span gradients accumulate (+=), as the generated backward methods' do.
                    Line($"    for (int {index} = 0; {index} < {parameter.Name}.Length; {index}++)");
                    Line("    {");
                    Line($"        {parameter.Gradient}[{index}] += {seed} * {placeholder};");
                    Line("    }");
                    Line("");
                }
                else
                {
                    Line($"    {parameter.Gradient} = {seed} * {placeholder};");
                }
            }

            Line($"    return {value};");
            _text.Append('}');
            return _text.ToString();
        }

        private string Reserved(string name)
        {
            _locals.Reserve(name);
            return name;
        }

        private void Line(string line) => _text.Append(line).Append(_newLine);

        private static (string Type, bool ByRef, string Text) Declaration(string modifier, string type, string name)
            => (type, modifier.Length > 0, modifier + type + " " + name);

        private static string ElementType(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol array => array.ElementType.ToDisplayString(s_typeFormat),
            INamedTypeSymbol named => named.TypeArguments[0].ToDisplayString(s_typeFormat),
            _ => "double",
        };

        private string UniqueMethodName(string name, string signature)
        {
            var candidate = name;
            for (var i = 1; _takenSignatures.Contains(candidate) || _takenSignatures.Contains(candidate + signature); i++)
            {
                candidate = name + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            // Later derivatives in the same Fix All see this one.
            _takenSignatures.Add(candidate + signature);
            return candidate;
        }

        // A placeholder must stay undefined: no parameter, local, member or type in scope may have its name.
        private string Placeholder(string name)
        {
            var candidate = name;
            for (var i = 1; _locals.IsTaken(candidate) || _semanticModel.LookupSymbols(_plan.Caller.SpanStart, name: candidate).Length > 0; i++)
            {
                candidate = name + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            _locals.Reserve(candidate);
            return candidate;
        }

        private static string Escape(string name) => NameAllocator.Escape(name);
    }
}
