using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoDiff.Generators;

/// <summary>
/// Reads a <c>[Differentiable]</c> class or struct into a <see cref="DifferentiableTypeModel"/>: its parameters in
/// declaration order, and the diagnostics of what cannot be a parameter (AUTODIFF017-024). Works on symbols only, so
/// the generator's pipeline, <see cref="DifferentiableAnalyzer"/> and the method pipeline (which needs a type's
/// parameters to differentiate with respect to <c>this</c>) share it.
/// </summary>
/// <remarks>
/// <para>
/// A parameter is an instance field or auto-implemented property, not <c>[NoGrad]</c>, of type <c>double</c>,
/// <c>float</c>, <c>double[]</c>, <c>float[]</c>, <c>double[,]</c>, <c>float[,]</c>, a differentiable type, or an
/// array of a differentiable class. Members that hold no floating-point data (<c>int</c>, <c>bool</c>, <c>string</c>,
/// enums) are constants; static members, constants, computed (get-only) properties, indexers and events are not
/// members of the flat view at all. Private members are parameters like public ones.
/// </para>
/// <para>
/// Declaration order is the order of <see cref="INamespaceOrTypeSymbol.GetMembers()"/>: source order within a
/// declaration, and for a type declared in several partial declarations, the compilation's order of their files.
/// </para>
/// </remarks>
internal static class TypeParser
{
    /// <summary>The suffix of the files the type pipeline adds: <c>Ns.Type.AutoDiff.Gradient.g.cs</c>.</summary>
    internal const string HintNameSuffix = ".AutoDiff.Gradient.g.cs";

    /// <summary>The members the generator adds to a differentiable type <c>T</c>.</summary>
    internal static readonly string[] GeneratedTypeMembers = { "Gradient", "NewGradient", "ParameterCount", "CopyParametersTo", "SetParameters" };

    /// <summary>The members the generator adds to <c>T.Gradient</c> beside the parameters' fields.</summary>
    internal static readonly string[] GeneratedGradientMembers = { "Clear", "Add", "CopyTo", "ParameterCount" };

    private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static readonly SymbolDisplayFormat s_display = SymbolDisplayFormat.MinimallyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes)
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// Reads one differentiable type. Never throws (but for cancellation): an internal failure becomes AUTODIFF900.
    /// For a type in metadata the result describes only what the reference shows (its private fields may be absent).
    /// </summary>
    public static TypeParseResult Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        try
        {
            var session = new Session(cancellationToken);
            var reading = session.Read(type);
            return new TypeParseResult(reading.IsValid ? reading.Model : null, reading.Diagnostics.ToEquatableArray());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new TypeParseResult(null, new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, type.Locations.FirstOrDefault(l => l.IsInSource), type.Name, ex.GetType().Name + ": " + ex.Message),
            }.ToEquatableArray());
        }
    }

    /// <summary>Whether a type is a differentiable type: a class or struct that carries <c>[AutoDiff.Differentiable]</c>, in source or in metadata.</summary>
    public static bool IsDifferentiableType(ITypeSymbol? type)
        => type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
           && named.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.DifferentiableAttributeName);

    /// <summary>The name of the generated file of a type: <c>Ns.Outer.Type.AutoDiff.Gradient.g.cs</c>.</summary>
    internal static string HintName(string fullyQualifiedName)
    {
        var name = fullyQualifiedName.StartsWith("global::", StringComparison.Ordinal) ? fullyQualifiedName.Substring("global::".Length) : fullyQualifiedName;
        var sb = new System.Text.StringBuilder();
        foreach (var ch in name)
        {
            sb.Append(char.IsLetterOrDigit(ch) || ch is '.' or '_' ? ch : '_');
        }

        return sb.ToString().TrimEnd('_') + HintNameSuffix;
    }

    /// <summary>What one type reads to; kept per session so that a type held by several others is read once.</summary>
    private sealed class Reading
    {
        public DifferentiableTypeModel? Model { get; set; }

        public List<DiagnosticInfo> Diagnostics { get; } = new();

        /// <summary>No error of its own, no compiler error, and every differentiable type it holds valid too.</summary>
        public bool IsValid { get; set; }

        public FloatingType SpanElement { get; set; }
    }

    /// <summary>One top-level parse: the types read so far (a type and the types it holds), and those being read.</summary>
    private sealed class Session(CancellationToken cancellationToken)
    {
        private readonly Dictionary<INamedTypeSymbol, Reading> _read = new(SymbolEqualityComparer.Default);
        private readonly HashSet<INamedTypeSymbol> _reading = new(SymbolEqualityComparer.Default);

        public Reading Read(INamedTypeSymbol type)
        {
            type = type.OriginalDefinition;
            if (_read.TryGetValue(type, out var done))
            {
                return done;
            }

            if (!_reading.Add(type))
            {
                // Reached again through the types it holds: a cycle, which the member that closes it reports.
                return new Reading { IsValid = true };
            }

            try
            {
                var reading = new TypeReader(this, type, cancellationToken).Run();
                _read[type] = reading;
                return reading;
            }
            finally
            {
                _reading.Remove(type);
            }
        }
    }

    /// <summary>Reads one type: the checks of the type itself, then each member in declaration order.</summary>
    private sealed class TypeReader
    {
        private readonly Session _session;
        private readonly INamedTypeSymbol _type;
        private readonly CancellationToken _cancellationToken;
        private readonly Reading _result = new();
        private readonly List<DifferentiableParameter> _parameters = new();

        // The declaration that carries [Differentiable] (for a type declared in parts), and its name's location.
        private readonly TypeDeclarationSyntax? _declaration;
        private readonly Location? _typeLocation;

        private bool _hasErrors;
        private bool _hasCompilerErrors;
        private bool _holdsInvalidType;

        public TypeReader(Session session, INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            _session = session;
            _type = type;
            _cancellationToken = cancellationToken;
            _declaration = PrimaryDeclaration(type, cancellationToken);
            _typeLocation = _declaration?.Identifier.GetLocation() ?? type.Locations.FirstOrDefault(l => l.IsInSource);
        }

        private bool IsStruct => _type.TypeKind == TypeKind.Struct;

        public Reading Run()
        {
            if (CheckType())
            {
                ReadMembers();
                if (_parameters.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != _parameters.Count)
                {
                    _hasCompilerErrors = true; // two members of one name: the compiler's CS0102
                }

                CheckPrimaryConstructor();
                CheckGeneratedNames();
            }

            var spanElement = _parameters.Count > 0 && _parameters.All(p => p.Element == FloatingType.Float) ? FloatingType.Float : FloatingType.Double;
            _result.SpanElement = spanElement;
            _result.IsValid = !_hasErrors && !_hasCompilerErrors && !_holdsInvalidType;
            _result.Model = new DifferentiableTypeModel(
                Namespace: _type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
                Name: _type.Name,
                FullyQualifiedName: _type.ToDisplayString(s_fullyQualified),
                ContainingTypes: ContainingTypes(),
                Declaration: Declaration(_type),
                Kind: IsStruct ? DifferentiableTypeKind.Struct : DifferentiableTypeKind.Class,
                Accessibility: DifferentiableGenerator.Parser.AccessibilityKeyword(_type.DeclaredAccessibility),
                Parameters: _parameters.ToEquatableArray(),
                SpanElement: spanElement);
            return _result;
        }

        private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] args)
        {
            var info = DiagnosticInfo.Create(descriptor, location, args);
            _result.Diagnostics.Add(info);
            _hasErrors |= info.IsError;
        }

        // ---- The type itself ------------------------------------------------------------------------------------

        /// <summary>The checks of the declaration; false when the members cannot be read as parameters at all.</summary>
        private bool CheckType()
        {
            if (_type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || _type.TypeKind == TypeKind.Error)
            {
                // [Differentiable] on an interface, enum or delegate is the compiler's CS0592.
                _hasCompilerErrors = true;
                return false;
            }

            if (_type.Name.Length == 0 || _declaration?.Identifier.IsMissing == true)
            {
                _hasCompilerErrors = true; // a declaration being typed: [Differentiable] public partial class
                return false;
            }

            if (_declaration is not null)
            {
                // The generated part reopens the type and each type around it (the rule AUTODIFF003 checks for methods).
                foreach (var declaration in _declaration.AncestorsAndSelf().OfType<TypeDeclarationSyntax>())
                {
                    if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        Report(DiagnosticDescriptors.DifferentiableTypeNotPartial, _typeLocation, declaration.Identifier.ValueText, _type.Name);
                    }
                }
            }

            var readable = true;
            for (var type = _type; type is not null; type = type.ContainingType)
            {
                if (type.TypeParameters.Length > 0)
                {
                    Report(DiagnosticDescriptors.UnsupportedDifferentiableType, _typeLocation, _type.Name, SymbolEqualityComparer.Default.Equals(type, _type)
                        ? "it is generic; write it for double or float, without type parameters"
                        : $"it is nested in the generic type '{type.ToDisplayString(s_display)}'; declare it outside, without type parameters");
                    readable = false;
                    break;
                }
            }

            if (_type.IsStatic)
            {
                Report(DiagnosticDescriptors.UnsupportedDifferentiableType, _typeLocation, _type.Name,
                    "a static class has no instances to hold parameters; put [Differentiable] on its methods instead");
                readable = false;
            }

            if (_type.IsRefLikeType)
            {
                Report(DiagnosticDescriptors.UnsupportedDifferentiableType, _typeLocation, _type.Name,
                    "a ref struct cannot implement AutoDiff.IDifferentiable; make it a plain struct");
                readable = false;
            }

            if (_type.IsFileLocal)
            {
                Report(DiagnosticDescriptors.UnsupportedDifferentiableType, _typeLocation, _type.Name,
                    "a file-local type cannot be extended by a generated file; remove the 'file' modifier");
                readable = false;
            }

            if (_type.Name == "Gradient")
            {
                Report(DiagnosticDescriptors.GeneratedNameTaken, _typeLocation, "Gradient", _type.Name,
                    "its nested gradient type, which C# does not allow to have the name of the type that contains it");
            }

            CheckBaseTypes();
            return readable;
        }

        /// <summary>
        /// A differentiable class derives from nothing that holds floating-point data: inherited fields would not be
        /// parameters, and a differentiable base's generated members would be hidden.
        /// </summary>
        private void CheckBaseTypes()
        {
            for (var baseType = _type.BaseType; baseType is not null && baseType.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); baseType = baseType.BaseType)
            {
                if (baseType.TypeKind == TypeKind.Error)
                {
                    _hasCompilerErrors = true;
                    return;
                }

                if (IsDifferentiableType(baseType))
                {
                    Report(DiagnosticDescriptors.UnsupportedDifferentiableType, _typeLocation, _type.Name,
                        $"it derives from the differentiable type '{baseType.ToDisplayString(s_display)}'; hold a '{baseType.ToDisplayString(s_display)}' in a field instead, as a module holds its submodules");
                    return;
                }

                if (DifferentiableGenerator.Parser.HoldsFloatingData(baseType))
                {
                    Report(DiagnosticDescriptors.UnsupportedDifferentiableType, _typeLocation, _type.Name,
                        $"its base class '{baseType.ToDisplayString(s_display)}' holds floating-point data, which would not be parameters; hold that data in fields of '{_type.Name}' instead");
                    return;
                }
            }
        }

        // ---- Members --------------------------------------------------------------------------------------------

        private void ReadMembers()
        {
            foreach (var member in _type.GetMembers())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (member.IsStatic || member.IsImplicitlyDeclared || IsGeneratedByUs(member))
                {
                    continue;
                }

                switch (member)
                {
                    case IFieldSymbol { IsConst: false } field:
                        ReadMember(field, field.Type, isProperty: false, field.IsReadOnly ? ReadOnlyKind.Field : ReadOnlyKind.None);
                        break;

                    case IPropertySymbol { IsIndexer: false } property when IsAutoProperty(property):
                        ReadMember(property, property.Type, isProperty: true,
                            property.SetMethod is null ? ReadOnlyKind.GetOnly : property.SetMethod.IsInitOnly ? ReadOnlyKind.InitOnly : ReadOnlyKind.None);
                        break;

                    case IPropertySymbol { IsIndexer: false, SetMethod: not null } property when !IsNoGrad(property):
                        // A property with accessor bodies holds no value of its own: it is not a parameter. One that can
                        // be set looks like state, though, so it must say what it is: an auto-property, or [NoGrad].
                        if (property.Type.TypeKind == TypeKind.Error)
                        {
                            _hasCompilerErrors = true;
                        }
                        else if (DifferentiableGenerator.Parser.HoldsFloatingData(property.Type))
                        {
                            Report(DiagnosticDescriptors.PropertyWithLogic, IdentifierLocation(property), property.Name, property.Type.ToDisplayString(s_display), _type.Name);
                        }

                        break;
                }
            }
        }

        private enum ReadOnlyKind
        {
            None,
            Field,
            GetOnly,
            InitOnly,
        }

        private void ReadMember(ISymbol member, ITypeSymbol type, bool isProperty, ReadOnlyKind readOnly)
        {
            if (IsNoGrad(member))
            {
                return;
            }

            if (type.TypeKind == TypeKind.Error || (type is IArrayTypeSymbol { ElementType.TypeKind: TypeKind.Error }))
            {
                _hasCompilerErrors = true;
                return;
            }

            var shape = Classify(type);
            if (shape.Kind is null)
            {
                if (shape.Advice is not null)
                {
                    Report(DiagnosticDescriptors.UnsupportedMemberType, TypeLocation(member), member.Name, type.ToDisplayString(s_display), _type.Name, shape.Advice);
                }

                return;
            }

            var kind = shape.Kind.Value;
            var nested = shape.Nested;
            if (IsStruct && (kind is DifferentiableParameterKind.Array or DifferentiableParameterKind.Matrix or DifferentiableParameterKind.NestedArray
                || (kind == DifferentiableParameterKind.Nested && nested!.TypeKind == TypeKind.Class)))
            {
                Report(DiagnosticDescriptors.ReferenceInDifferentiableStruct, TypeLocation(member), member.Name, type.ToDisplayString(s_display), _type.Name);
                return;
            }

            var copiedByValue = kind == DifferentiableParameterKind.Scalar || (kind == DifferentiableParameterKind.Nested && nested!.TypeKind == TypeKind.Struct);
            if (copiedByValue && readOnly != ReadOnlyKind.None)
            {
                var (what, fix) = readOnly switch
                {
                    ReadOnlyKind.Field when IsStruct && _type.IsReadOnly => ("a readonly field", "remove readonly from the field and from the struct"),
                    ReadOnlyKind.Field => ("a readonly field", "remove readonly"),
                    ReadOnlyKind.GetOnly => ("a property without a set accessor", "add a set accessor (it may be private)"),
                    _ => ("an init-only property", "make the init accessor a set accessor (it may be private)"),
                };
                Report(DiagnosticDescriptors.ReadOnlyParameter, IdentifierLocation(member), member.Name, _type.Name, what, fix);
                return;
            }

            DifferentiableTypeRef? reference = null;
            var element = shape.Element;
            if (nested is not null)
            {
                if (!CheckNested(member, type, nested, out reference))
                {
                    return;
                }

                element = reference!.SpanElement;
            }

            var isNullable = type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated;
            var elementIsNullable = kind == DifferentiableParameterKind.NestedArray && ((IArrayTypeSymbol)type).ElementNullableAnnotation == NullableAnnotation.Annotated;
            _parameters.Add(new DifferentiableParameter(member.Name, kind, element, isProperty, isNullable, elementIsNullable, reference));
        }

        /// <summary>What a member's type makes of it: a parameter kind, or (no kind) a constant, or an error with this advice.</summary>
        private readonly struct Shape(DifferentiableParameterKind? kind, FloatingType element, INamedTypeSymbol? nested, string? advice)
        {
            public DifferentiableParameterKind? Kind { get; } = kind;

            public FloatingType Element { get; } = element;

            public INamedTypeSymbol? Nested { get; } = nested;

            public string? Advice { get; } = advice;

            public static Shape Constant => default;

            public static Shape Unsupported(string advice) => new(null, default, null, advice);
        }

        private Shape Classify(ITypeSymbol type)
        {
            if (FloatingOf(type) is { } scalar)
            {
                return new Shape(DifferentiableParameterKind.Scalar, scalar, null, null);
            }

            if (type is IArrayTypeSymbol array)
            {
                if (FloatingOf(array.ElementType) is { } element)
                {
                    return array.Rank switch
                    {
                        1 => new Shape(DifferentiableParameterKind.Array, element, null, null),
                        2 => new Shape(DifferentiableParameterKind.Matrix, element, null, null),
                        _ => Shape.Unsupported($"an array of rank {array.Rank} is not a parameter; use {Keyword(element)}[] or {Keyword(element)}[,]"),
                    };
                }

                if (IsDifferentiableType(array.ElementType))
                {
                    var elementType = (INamedTypeSymbol)array.ElementType;
                    if (array.Rank != 1)
                    {
                        return Shape.Unsupported($"only a one-dimensional array of a differentiable class is a parameter; use '{elementType.ToDisplayString(s_display)}[]'");
                    }

                    return elementType.TypeKind == TypeKind.Class
                        ? new Shape(DifferentiableParameterKind.NestedArray, FloatingType.Double, elementType, null)
                        : Shape.Unsupported($"an array of the differentiable struct '{elementType.ToDisplayString(s_display)}' is not a parameter; use an array of a differentiable class, or double[] arrays");
                }

                if (array.ElementType is IArrayTypeSymbol inner && FloatingOf(inner.ElementType) is { } jagged)
                {
                    return Shape.Unsupported($"a jagged array is not a parameter; use {Keyword(jagged)}[,] or a flat {Keyword(jagged)}[]");
                }
            }

            if (IsDifferentiableType(type))
            {
                return new Shape(DifferentiableParameterKind.Nested, FloatingType.Double, (INamedTypeSymbol)type, null);
            }

            if (!DifferentiableGenerator.Parser.HoldsFloatingData(type))
            {
                return Shape.Constant;
            }

            return Shape.Unsupported(AdviceFor(type));
        }

        private static string AdviceFor(ITypeSymbol type)
        {
            var element = type is IArrayTypeSymbol a ? a.ElementType : type;
            switch (element)
            {
                case INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T }:
                    return "a nullable value is not a parameter; use double or float";
                case { SpecialType: SpecialType.System_Decimal } or { Name: "Half", ContainingNamespace.Name: "System" }:
                    return "only double and float are differentiated; use double or float";
                case INamedTypeSymbol { IsTupleType: true }:
                    return "a tuple is not a parameter; use separate double or float members, or a differentiable struct";
                case { TypeKind: TypeKind.Delegate }:
                    return "what a delegate computes is not a parameter; mark the member [NoGrad]";
                case INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, TypeArguments.Length: 0 } named when named.DeclaringSyntaxReferences.Length > 0:
                    return $"'{named.ToDisplayString(s_display)}' is not a differentiable type; mark it [Differentiable] (and partial) to make its members parameters, or mark this member [NoGrad] if it is a constant";
                case INamedTypeSymbol { TypeArguments.Length: > 0 } or { TypeKind: TypeKind.Interface }:
                    return "a collection is not a parameter; hold the values in a double[] or float[], or mark the member [NoGrad] if it is a constant";
                default:
                    return "the generator differentiates double, float, their arrays and differentiable types; mark the member [NoGrad] if it is a constant";
            }
        }

        /// <summary>The checks of a member of differentiable type <paramref name="nested"/>: its gradient exists, is accessible, and does not hold this type again.</summary>
        private bool CheckNested(ISymbol member, ITypeSymbol memberType, INamedTypeSymbol nested, out DifferentiableTypeRef? reference)
        {
            reference = null;
            var display = memberType.ToDisplayString(s_display);
            var inSource = nested.DeclaringSyntaxReferences.Length > 0;
            if (!inSource)
            {
                if (nested.TypeParameters.Length > 0 || nested.GetTypeMembers("Gradient").Length == 0)
                {
                    Report(DiagnosticDescriptors.UnsupportedMemberType, TypeLocation(member), member.Name, display, _type.Name,
                        $"'{nested.ToDisplayString(s_display)}' is marked [Differentiable] but its assembly has no '{nested.Name}.Gradient'; build that assembly with the AutoDiff generator, or mark the member [NoGrad]");
                    return false;
                }
            }

            if (!IsAccessibleWherever(nested, _type))
            {
                Report(DiagnosticDescriptors.UnsupportedMemberType, TypeLocation(member), member.Name, display, _type.Name,
                    $"'{nested.ToDisplayString(s_display)}' is less accessible than '{_type.Name}', so '{_type.Name}.Gradient' cannot have a public field of type '{nested.Name}.Gradient'; make '{nested.Name}' at least as accessible as '{_type.Name}', or mark the member [NoGrad]");
                return false;
            }

            if (inSource && CyclePath(member, nested) is { } path)
            {
                if (path.AllStructs)
                {
                    // A struct that contains itself is the compiler's CS0523.
                    _hasCompilerErrors = true;
                }
                else
                {
                    Report(DiagnosticDescriptors.DifferentiableTypeCycle, TypeLocation(member), member.Name, display, _type.Name, path.Text);
                }

                return false;
            }

            FloatingType spanElement;
            if (inSource)
            {
                var reading = _session.Read(nested);
                _holdsInvalidType |= !reading.IsValid;
                spanElement = reading.SpanElement;
            }
            else
            {
                spanElement = nested.GetMembers("CopyParametersTo").OfType<IMethodSymbol>()
                    .Any(m => m.DeclaredAccessibility == Accessibility.Public && m.Parameters.Length == 1 && m.Parameters[0].Type is INamedTypeSymbol { TypeArguments.Length: 1 } span
                        && span.TypeArguments[0].SpecialType == SpecialType.System_Single)
                    ? FloatingType.Float : FloatingType.Double;
            }

            reference = new DifferentiableTypeRef(nested.ToDisplayString(s_fullyQualified), nested.TypeKind == TypeKind.Struct ? DifferentiableTypeKind.Struct : DifferentiableTypeKind.Class, spanElement);
            return true;
        }

        private sealed record Cycle(string Text, bool AllStructs);

        /// <summary>
        /// When this type is reachable again from <paramref name="start"/> through the differentiable members of the
        /// types in between (directly or through arrays): the path, <c>Model.Layer → Layer.Owner → Model</c>.
        /// </summary>
        private Cycle? CyclePath(ISymbol member, INamedTypeSymbol start)
        {
            // Breadth first over source types; each step remembers the member it came through.
            var previous = new Dictionary<INamedTypeSymbol, (INamedTypeSymbol From, ISymbol Member)?>(SymbolEqualityComparer.Default) { [start.OriginalDefinition] = null };
            var queue = new Queue<INamedTypeSymbol>();
            queue.Enqueue(start.OriginalDefinition);
            while (queue.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var current = queue.Dequeue();
                if (SymbolEqualityComparer.Default.Equals(current, _type))
                {
                    var steps = new List<(INamedTypeSymbol Type, ISymbol Member)>();
                    for (var at = current; previous[at] is { } step; at = step.From)
                    {
                        steps.Insert(0, (step.From, step.Member));
                    }

                    steps.Insert(0, (_type, member));
                    var text = string.Join(" → ", steps.Select(s => s.Type.Name + "." + s.Member.Name)) + " → " + _type.Name;
                    var allStructs = steps.All(s => s.Type.TypeKind == TypeKind.Struct && MemberType(s.Member) is INamedTypeSymbol);
                    return new Cycle(text, allStructs);
                }

                if (current.DeclaringSyntaxReferences.Length == 0)
                {
                    continue; // a type of a referenced assembly cannot hold a type of this compilation
                }

                foreach (var (link, linkType) in DifferentiableLinks(current))
                {
                    if (!previous.ContainsKey(linkType))
                    {
                        previous[linkType] = (current, link);
                        queue.Enqueue(linkType);
                    }
                }
            }

            return null;
        }

        /// <summary>The members of a type that would hold a differentiable type: fields and auto-properties of such a type or of arrays of it, not [NoGrad].</summary>
        private static IEnumerable<(ISymbol Member, INamedTypeSymbol Type)> DifferentiableLinks(INamedTypeSymbol type)
        {
            foreach (var member in type.GetMembers())
            {
                if (member.IsStatic || member.IsImplicitlyDeclared || IsNoGrad(member)
                    || member is not (IFieldSymbol { IsConst: false } or IPropertySymbol { IsIndexer: false }))
                {
                    continue;
                }

                if (member is IPropertySymbol property && !IsAutoProperty(property))
                {
                    continue;
                }

                var memberType = MemberType(member);
                while (memberType is IArrayTypeSymbol array)
                {
                    memberType = array.ElementType;
                }

                if (IsDifferentiableType(memberType))
                {
                    yield return (member, ((INamedTypeSymbol)memberType!).OriginalDefinition);
                }
            }
        }

        private static ITypeSymbol? MemberType(ISymbol member) => member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        // ---- Primary constructors -------------------------------------------------------------------------------

        /// <summary>
        /// A parameter of a class's or struct's primary constructor that its members read (outside initializers) is
        /// state the compiler keeps in a hidden field: not a parameter, so a gradient through it would be lost.
        /// </summary>
        private void CheckPrimaryConstructor()
        {
            if (_type.IsRecord)
            {
                return; // a record's positional parameters are its properties
            }

            foreach (var constructor in _type.InstanceConstructors)
            {
                var declaration = constructor.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
                if (declaration is null)
                {
                    continue;
                }

                foreach (var parameter in constructor.Parameters)
                {
                    if (IsNoGrad(parameter) || parameter.Type.TypeKind == TypeKind.Error || !DifferentiableGenerator.Parser.HoldsFloatingData(parameter.Type)
                        || !IsCaptured(declaration, parameter.Name))
                    {
                        continue;
                    }

                    var location = parameter.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<ParameterSyntax>().FirstOrDefault()?.Type?.GetLocation();
                    Report(DiagnosticDescriptors.UnsupportedMemberType, location, parameter.Name, parameter.Type.ToDisplayString(s_display), _type.Name,
                        "a primary-constructor parameter that members read is hidden state, not a parameter; assign it to a field or auto-property and use that, or mark the parameter [NoGrad] if it is a constant");
                }
            }
        }

        /// <summary>Whether a primary-constructor parameter is read anywhere in the declaration but in field and property initializers and the base-type arguments (where reading it does not capture it).</summary>
        private static bool IsCaptured(TypeDeclarationSyntax declaration, string name)
        {
            foreach (var member in declaration.Members)
            {
                if (member is BaseFieldDeclarationSyntax or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
                {
                    continue;
                }

                var nodes = member is PropertyDeclarationSyntax property
                    ? new SyntaxNode?[] { property.AccessorList, property.ExpressionBody }.OfType<SyntaxNode>().SelectMany(n => n.DescendantNodesAndSelf())
                    : member.DescendantNodes();
                if (nodes.OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == name))
                {
                    return true;
                }
            }

            return false;
        }

        // ---- Names the generator needs --------------------------------------------------------------------------

        private void CheckGeneratedNames()
        {
            foreach (var name in GeneratedTypeMembers)
            {
                foreach (var member in _type.GetMembers(name))
                {
                    if (!member.IsImplicitlyDeclared && !IsGeneratedByUs(member))
                    {
                        Report(DiagnosticDescriptors.GeneratedNameTaken, IdentifierLocation(member), name, _type.Name, Purpose(name));
                    }
                }

                for (var baseType = _type.BaseType; baseType is not null; baseType = baseType.BaseType)
                {
                    if (baseType.GetMembers(name).FirstOrDefault(m => m.DeclaredAccessibility != Accessibility.Private && !m.IsImplicitlyDeclared) is { } inherited)
                    {
                        Report(DiagnosticDescriptors.GeneratedNameTaken, _typeLocation, name, _type.Name,
                            Purpose(name) + $", and the base class '{baseType.ToDisplayString(s_display)}' declares '{inherited.Name}' already");
                        break;
                    }
                }
            }

            foreach (var parameter in _parameters)
            {
                if (GeneratedGradientMembers.Contains(parameter.Name, StringComparer.Ordinal)
                    && _type.GetMembers(parameter.Name).FirstOrDefault() is { } member)
                {
                    Report(DiagnosticDescriptors.GeneratedNameTaken, IdentifierLocation(member), parameter.Name, _type.Name,
                        $"the method {_type.Name}.Gradient.{parameter.Name}, beside which this parameter's gradient would be a field of the same name");
                }
            }
        }

        private static string Purpose(string name) => name switch
        {
            "Gradient" => "its nested gradient type",
            "NewGradient" => "the method that makes a zero gradient",
            "ParameterCount" => "the number of parameters (AutoDiff.IDifferentiable)",
            "CopyParametersTo" => "the flat copy of the parameters (AutoDiff.IDifferentiable)",
            _ => "setting the parameters from a flat span (AutoDiff.IDifferentiable)",
        };

        // ---- Declarations ---------------------------------------------------------------------------------------

        private EquatableArray<ContainingType> ContainingTypes()
        {
            var types = new List<ContainingType>();
            for (var type = _type.ContainingType; type is not null; type = type.ContainingType)
            {
                types.Insert(0, new ContainingType(Declaration(type), type.Name));
            }

            return types.ToEquatableArray();
        }

        /// <summary>A partial declaration that reopens a type: <c>static partial class Outer</c>, <c>readonly partial struct Vec2</c>.</summary>
        private static string Declaration(INamedTypeSymbol type)
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

            return $"{modifiers}partial {keyword} {NameAllocator.Escape(type.Name)}";
        }

        private static TypeDeclarationSyntax? PrimaryDeclaration(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.DifferentiableAttributeName);
            return attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>()
                ?? type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
        }
    }

    // ---- Shared helpers -----------------------------------------------------------------------------------------

    private static FloatingType? FloatingOf(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Double => FloatingType.Double,
        SpecialType.System_Single => FloatingType.Float,
        _ => null,
    };

    private static string Keyword(FloatingType type) => type == FloatingType.Float ? "float" : "double";

    /// <summary>An auto-implemented property: the compiler gave it a backing field.</summary>
    internal static bool IsAutoProperty(IPropertySymbol property)
        => property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    /// <summary>[NoGrad] on the member (for an auto-property, also <c>[field: NoGrad]</c> on its backing field).</summary>
    internal static bool IsNoGrad(ISymbol member)
    {
        if (member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DifferentiableGenerator.NoGradAttributeName))
        {
            return true;
        }

        return member is IPropertySymbol property
            && property.ContainingType.GetMembers().OfType<IFieldSymbol>()
                .Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property) && IsNoGrad(f));
    }

    private static bool IsGeneratedByUs(ISymbol symbol)
        => symbol.DeclaringSyntaxReferences.Length > 0
           && symbol.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(HintNameSuffix, StringComparison.Ordinal));

    /// <summary>The location of a member's name.</summary>
    private static Location? IdentifierLocation(ISymbol member)
        => member.Locations.FirstOrDefault(l => l.IsInSource);

    /// <summary>The location of a member's type as written (<c>List&lt;double&gt;</c> in <c>List&lt;double&gt; Weights;</c>), else its name.</summary>
    private static Location? TypeLocation(ISymbol member)
    {
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            var type = reference.GetSyntax() switch
            {
                VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } => declaration.Type,
                PropertyDeclarationSyntax property => property.Type,
                ParameterSyntax parameter => parameter.Type,
                _ => null,
            };
            if (type is not null)
            {
                return type.GetLocation();
            }
        }

        return IdentifierLocation(member);
    }

    /// <summary>
    /// Whether <paramref name="held"/>'s gradient can be the type of a public field of <paramref name="holder"/>'s
    /// gradient: wherever <paramref name="holder"/> is accessible, <paramref name="held"/> is too. Conservative: each
    /// restriction on <paramref name="held"/> (or a type containing it) must be matched by one at least as narrow on
    /// <paramref name="holder"/>.
    /// </summary>
    private static bool IsAccessibleWherever(INamedTypeSymbol held, INamedTypeSymbol holder)
    {
        var holderChain = Chain(holder).ToList();
        foreach (var link in Chain(held))
        {
            switch (link.DeclaredAccessibility)
            {
                case Accessibility.Public:
                    break;

                case Accessibility.Internal or Accessibility.ProtectedOrInternal:
                    if (!SymbolEqualityComparer.Default.Equals(held.ContainingAssembly, holder.ContainingAssembly)
                        || !holderChain.Any(h => h.DeclaredAccessibility is Accessibility.Internal or Accessibility.Private or Accessibility.ProtectedAndInternal))
                    {
                        return false;
                    }

                    break;

                default:
                    // Private, protected, private protected: visible within the containing type (at least). The holder
                    // must be private inside that type, so that it is never seen outside it.
                    var container = link.ContainingType;
                    if (container is null || !holderChain.Any(h => h.DeclaredAccessibility == Accessibility.Private && IsWithin(h.ContainingType, container)))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;

        static IEnumerable<INamedTypeSymbol> Chain(INamedTypeSymbol type)
        {
            for (var t = type; t is not null; t = t.ContainingType)
            {
                yield return t;
            }
        }

        static bool IsWithin(INamedTypeSymbol? type, INamedTypeSymbol container)
        {
            for (var t = type; t is not null; t = t.ContainingType)
            {
                if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, container.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
