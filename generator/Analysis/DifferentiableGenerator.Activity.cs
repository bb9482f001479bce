using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Rules;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>Which values get adjoints, and the diagnostics that depend on how values flow.</summary>
    /// <param name="Active">Varied and useful: the values that get an adjoint.</param>
    /// <param name="DeadStores">Buffer writes that no read can see (a literal index no read uses): they never enter the reverse sweep.</param>
    internal sealed record ActivityResult(bool[] Varied, bool[] Active, List<DiagnosticInfo> Diagnostics, HashSet<LoweredStore> DeadStores);

    /// <summary>
    /// Activity analysis over the SSA form: a value is <em>varied</em> when it depends differentiably on a
    /// differentiable parameter and <em>useful</em> when it reaches the result; only values that are both get adjoint
    /// code. The same walk finds what the user must hear about: a varied value passed to something without a derivative
    /// (AUTODIFF001/002), a gradient that stops at a piecewise-constant operation (AUTODIFF007), and a result that
    /// depends on no differentiable parameter (AUTODIFF006). A value that does not reach the result needs neither
    /// a derivative nor a diagnostic, as in PyTorch, where only what the loss depends on is differentiated.
    /// </summary>
    internal static class Activity
    {
        public static ActivityResult Analyze(LoweredMethod method)
        {
            var count = method.Values.Count;
            var varied = new bool[count];
            for (var i = 0; i < method.ParameterValues.Length; i++)
            {
                varied[method.ParameterValues[i]] = method.Source.Parameters[i].Role != ParameterRole.Constant;
            }

            // Forward in program order; a loop's back edges and buffer writes can vary earlier values, so repeat until stable.
            while (PropagateVaried(method.Body, varied))
            {
            }

            // Backward: useful through any data edge (for diagnostics) and through differentiable edges (for adjoints).
            var usefulData = new bool[count];
            var usefulGradient = new bool[count];
            if (method.Result is VariableExpr result)
            {
                usefulData[result.Id] = true;
                usefulGradient[result.Id] = true;
            }

            var dead = DeadStores(method.Body);
            while (PropagateUseful(method.Body, usefulData, usefulGradient, dead))
            {
            }

            var active = new bool[count];
            for (var i = 0; i < count; i++)
            {
                active[i] = varied[i] && usefulGradient[i] && (method.Values[i].Type.IsFloating || method.Values[i].Type.IsFloatingArray);
            }

            var diagnostics = new List<DiagnosticInfo>();
            var reported = new HashSet<LocationInfo>();
            ReportStops(method.Body, varied, usefulData, ReadsStoredState(method.Body, usefulData), diagnostics, reported);
            // With an error on the path the user has something better to fix than a zero gradient.
            var hasErrors = diagnostics.Any(d => d.IsError);
            if (!hasErrors && (method.Result is not VariableExpr { Id: var resultId } || !varied[resultId]))
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.ResultNotDifferentiable.Id, method.Source.Location, new[] { method.Source.Name }.ToEquatableArray()));
            }

            return new ActivityResult(varied, active, diagnostics, dead);
        }

        /// <summary>One forward pass; true when it marked a value it had not marked before.</summary>
        private static bool PropagateVaried(LoweredBlock block, bool[] varied)
        {
            var changed = false;
            foreach (var statement in block.Statements)
            {
                switch (statement)
                {
                    case LetStmt let when DifferentiableOperands(let.Value).Any(id => varied[id]):
                        changed |= Mark(varied, let.ValueId);
                        break;
                    case PhiStmt phi when phi.Value is VariableExpr v && varied[v.Id]:
                        changed |= Mark(varied, phi.PhiId);
                        break;
                    case LoweredStore { Value: VariableExpr stored } store when varied[stored.Id] && stored.Type.IsFloating:
                        changed |= Mark(varied, store.ArrayId);
                        break;
                    case LoweredIf branch:
                        changed |= PropagateVaried(branch.Then, varied);
                        changed |= PropagateVaried(branch.Else, varied);
                        break;
                    case LoweredLoop loop:
                        foreach (var phi in loop.Phis.Where(p => p.Entry is VariableExpr { Id: var entry } && varied[entry]))
                        {
                            changed |= Mark(varied, phi.PhiId);
                        }

                        changed |= PropagateVaried(loop.Body, varied);
                        foreach (var phi in loop.Phis.Where(p => p.Back is VariableExpr { Id: var back } && varied[back]))
                        {
                            changed |= Mark(varied, phi.PhiId);
                        }

                        break;
                }
            }

            return changed;
        }

        // The objects, arrays and spans an opaque call is handed (receiver included), which it may write.
        private static IEnumerable<int> Writable(OpaqueExpr call)
            => call.IsCall ? call.Arguments.OfType<VariableExpr>().Where(a => MayHoldGradient(a.Type) && !a.Type.IsFloating).Select(a => a.Id) : Enumerable.Empty<int>();

        /// <summary>A type whose values could carry a gradient: floating scalars, arrays and spans of them, and anything that is not an integer or bool.</summary>
        private static bool MayHoldGradient(TypeRef type) => type.Kind is not (ValueKind.Integer or ValueKind.Bool);

        /// <summary>One backward pass; true when it marked a value it had not marked before.</summary>
        private static bool PropagateUseful(LoweredBlock block, bool[] usefulData, bool[] usefulGradient, HashSet<LoweredStore> dead)
        {
            var changed = false;
            for (var i = block.Statements.Count - 1; i >= 0; i--)
            {
                switch (block.Statements[i])
                {
                    case LetStmt let:
                        if (usefulData[let.ValueId] || WritesUseful(let.Value, usefulData))
                        {
                            changed |= MarkAll(usefulData, let.Value.ReferencedValues());
                        }

                        if (usefulGradient[let.ValueId])
                        {
                            changed |= MarkAll(usefulGradient, DifferentiableOperands(let.Value));
                        }

                        break;
                    case EffectStmt effect when WritesUseful(effect.Value, usefulData):
                        // A call that may write into an object the result depends on: what it reads matters too.
                        changed |= MarkAll(usefulData, effect.Value.ReferencedValues());
                        break;
                    case PhiStmt phi when phi.Value is VariableExpr v:
                        changed |= usefulData[phi.PhiId] && Mark(usefulData, v.Id);
                        changed |= usefulGradient[phi.PhiId] && Mark(usefulGradient, v.Id);
                        break;
                    case LoweredStore store when !dead.Contains(store):
                        if (usefulData[store.ArrayId])
                        {
                            changed |= MarkAll(usefulData, store.Value.ReferencedValues().Concat(store.Index.ReferencedValues()));
                        }

                        // An element written at a constant index that nothing reads passes no gradient (and no 0 * NaN of its own).
                        if (usefulGradient[store.ArrayId] && store.Value is VariableExpr { Type.IsFloating: true } value)
                        {
                            changed |= Mark(usefulGradient, value.Id);
                        }

                        break;
                    case LoweredIf branch:
                        changed |= PropagateUseful(branch.Then, usefulData, usefulGradient, dead);
                        changed |= PropagateUseful(branch.Else, usefulData, usefulGradient, dead);
                        break;
                    case LoweredLoop loop:
                        foreach (var phi in loop.Phis)
                        {
                            foreach (var edge in new[] { phi.Entry, phi.Back })
                            {
                                if (edge is VariableExpr v)
                                {
                                    changed |= usefulData[phi.PhiId] && Mark(usefulData, v.Id);
                                    changed |= usefulGradient[phi.PhiId] && Mark(usefulGradient, v.Id);
                                }
                            }
                        }

                        changed |= PropagateUseful(loop.Body, usefulData, usefulGradient, dead);
                        break;
                }
            }

            return changed;
        }

        /// <summary>
        /// Stores at a literal index of a buffer that is only ever read at other literal indices: what they write is
        /// never read, so it must not enter the reverse sweep (its zero adjoint times an infinite partial, say of a
        /// square root at a negative number, would turn a finite gradient into NaN). A buffer read at a computed index,
        /// or used in any way but an element read, keeps all its stores.
        /// </summary>
        private static HashSet<LoweredStore> DeadStores(LoweredBlock body)
        {
            var stores = new List<LoweredStore>();
            var readIndices = new Dictionary<int, HashSet<string>>();
            var escapes = new HashSet<int>();

            void Uses(Expr expression)
            {
                // An array occurrence that is not the array of an element read escapes (copied, passed, returned).
                var occurrences = new Dictionary<int, int>();
                foreach (var node in expression.DescendantsAndSelf())
                {
                    if (node is VariableExpr { Type.IsFloatingArray: true } variable)
                    {
                        occurrences[variable.Id] = (occurrences.TryGetValue(variable.Id, out var n) ? n : 0) + 1;
                    }
                    else if (node is ElementExpr { Array: VariableExpr array } element)
                    {
                        occurrences[array.Id] = (occurrences.TryGetValue(array.Id, out var n) ? n : 0) - 1;
                        if (element.Index is LiteralExpr literal)
                        {
                            if (!readIndices.TryGetValue(array.Id, out var indices))
                            {
                                readIndices[array.Id] = indices = new HashSet<string>();
                            }

                            indices.Add(literal.Text);
                        }
                        else
                        {
                            escapes.Add(array.Id);
                        }
                    }
                }

                escapes.UnionWith(occurrences.Where(o => o.Value > 0).Select(o => o.Key));
            }

            void Walk(LoweredBlock block)
            {
                foreach (var statement in block.Statements)
                {
                    switch (statement)
                    {
                        case LetStmt let:
                            Uses(let.Value);
                            break;
                        case PhiStmt phi:
                            Uses(phi.Value);
                            break;
                        case EffectStmt effect:
                            Uses(effect.Value);
                            break;
                        case LoweredStore store:
                            stores.Add(store);
                            Uses(store.Index);
                            Uses(store.Value);
                            break;
                        case LoweredIf branch:
                            Uses(branch.Condition);
                            Walk(branch.Then);
                            Walk(branch.Else);
                            break;
                        case LoweredLoop loop:
                            Uses(loop.Condition);
                            foreach (var phi in loop.Phis)
                            {
                                Uses(phi.Entry);
                                Uses(phi.Back);
                            }

                            Walk(loop.Body);
                            break;
                    }
                }
            }

            Walk(body);
            var dead = new HashSet<LoweredStore>();
            foreach (var store in stores)
            {
                if (store.Index is LiteralExpr index && !escapes.Contains(store.ArrayId)
                    && !(readIndices.TryGetValue(store.ArrayId, out var read) && read.Contains(index.Text)))
                {
                    dead.Add(store);
                }
            }

            return dead;
        }

        /// <summary>The second half of AUTODIFF001: only what can be done to that callee.</summary>
        internal static string Advice(CallFix fix) => fix switch
        {
            CallFix.MarkOrRegister => "mark it [Differentiable], register one with [DerivativeOf], or pass only [NoGrad] values to it",
            CallFix.Rewrite => "it is generic or does not return double or float, so it cannot be [Differentiable] as it is; compute the values in this method or in [Differentiable] methods of double or float, or pass only [NoGrad] values to it",
            CallFix.CallDirectly => "a delegate has no derivative; call a [Differentiable] method directly, or pass only [NoGrad] values to it",
            CallFix.Compute => "constructors and operators of other types have no derivative; compute the values with double or float arithmetic and [Differentiable] calls, or pass only [NoGrad] values to it",
            _ => "register one with [DerivativeOf] (the code fix writes its signature), or pass only [NoGrad] values to it",
        };

        private static bool WritesUseful(Expr value, bool[] usefulData)
            => value.DescendantsAndSelf().OfType<OpaqueExpr>().Any(call => Writable(call).Any(id => usefulData[id]));

        private static bool Mark(bool[] set, int id)
        {
            if (set[id])
            {
                return false;
            }

            set[id] = true;
            return true;
        }

        private static bool MarkAll(bool[] set, IEnumerable<int> ids)
        {
            var changed = false;
            foreach (var id in ids)
            {
                changed |= Mark(set, id);
            }

            return changed;
        }

        /// <summary>The values a derivative can flow back to from a definition (operands with a non-zero partial).</summary>
        public static IEnumerable<int> DifferentiableOperands(Expr value)
        {
            if (!value.Type.IsFloating)
            {
                yield break;
            }

            switch (value)
            {
                case VariableExpr v:
                    yield return v.Id;
                    break;
                case BinaryExpr binary:
                    if (binary.Left is VariableExpr left && left.Type.IsFloating)
                    {
                        yield return left.Id;
                    }

                    if (binary.Right is VariableExpr right && right.Type.IsFloating)
                    {
                        yield return right.Id;
                    }

                    break;
                case UnaryExpr { Op: UnaryOp.Negate or UnaryOp.Plus, Operand: VariableExpr operand } when operand.Type.IsFloating:
                    yield return operand.Id;
                    break;
                case ConvertExpr { Operand: VariableExpr operand } when operand.Type.IsFloating:
                    yield return operand.Id;
                    break;
                case ElementExpr { Array: VariableExpr array } when array.Type.IsFloatingArray:
                    yield return array.Id;
                    break;
                case MathCallExpr call:
                    var rule = DerivativeRules.Get(call.Function, call.Arguments.Count);
                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (!rule.StopsGradient && rule.Partials[i] is not null && call.Arguments[i] is VariableExpr argument && argument.Type.IsFloating)
                        {
                            yield return argument.Id;
                        }
                    }

                    break;
                case UserCallExpr call:
                    // A method of a differentiable class depends on its instance's parameters.
                    if (ReceiverId(call) is { } receiver)
                    {
                        yield return receiver;
                    }

                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (call.Roles[i] != ParameterRole.Constant && call.Arguments[i] is VariableExpr argument && (argument.Type.IsFloating || argument.Type.IsFloatingArray))
                        {
                            yield return argument.Id;
                        }
                    }

                    break;
            }
        }


        /// <summary>The instance a call of a method of a differentiable class differentiates with respect to (this, a layer, an array of layers), or null.</summary>
        private static int? ReceiverId(UserCallExpr call) => call switch
        {
            { ReceiverIsDifferentiable: true, Receiver: VariableExpr receiver } => receiver.Id,
            { ReceiverIsDifferentiable: true, Receiver: ElementExpr { Array: VariableExpr layers } } => layers.Id,
            _ => null,
        };

        /// <summary>True when a gradient would have to flow into this expression: it depends differentiably on a varied value.</summary>
        private static bool CarriesGradient(Expr value, bool[] varied) => (value.Type.IsFloating || value.Type.IsFloatingArray) && value switch
        {
            VariableExpr v => varied[v.Id],
            ElementExpr e => CarriesGradient(e.Array, varied),
            BinaryExpr b => CarriesGradient(b.Left, varied) || CarriesGradient(b.Right, varied),
            UnaryExpr u => CarriesGradient(u.Operand, varied),
            ConvertExpr c => CarriesGradient(c.Operand, varied),
            ConditionalExpr c => CarriesGradient(c.WhenTrue, varied) || CarriesGradient(c.WhenFalse, varied),
            MathCallExpr m => !DerivativeRules.Get(m.Function, m.Arguments.Count).StopsGradient && m.Arguments.Any(a => CarriesGradient(a, varied)),
            UserCallExpr u => ReceiverId(u) is { } receiver && varied[receiver]
                || u.Arguments.Where((_, i) => u.Roles[i] != ParameterRole.Constant).Any(a => CarriesGradient(a, varied)),
            _ => false,
        };

        /// <summary>
        /// True when the result depends on a call without a derivative or on a member read (a static, a field of this
        /// or of an object): such a read may find what an earlier call without a derivative stored out of sight of the
        /// data edges (a static cache, a field of this, an object that another object aliases). Then every call
        /// without a derivative that is handed a varied value is on the path to the result, whether or not its own
        /// result is used.
        /// </summary>
        private static bool ReadsStoredState(LoweredBlock block, bool[] usefulData)
        {
            foreach (var statement in block.Statements)
            {
                var read = statement switch
                {
                    LetStmt let when usefulData[let.ValueId] || WritesUseful(let.Value, usefulData) => ReadsState(let.Value),
                    EffectStmt effect when WritesUseful(effect.Value, usefulData) => ReadsState(effect.Value),
                    PhiStmt phi when usefulData[phi.PhiId] => ReadsState(phi.Value),
                    LoweredStore store when usefulData[store.ArrayId] => ReadsState(store.Value) || ReadsState(store.Index),
                    LoweredIf branch => ReadsStoredState(branch.Then, usefulData) || ReadsStoredState(branch.Else, usefulData),
                    LoweredLoop loop => ReadsStoredState(loop.Body, usefulData),
                    _ => false,
                };
                if (read)
                {
                    return true;
                }
            }

            return false;

            // A call, or a read of a member (static "T.M" or instance "{0}.M"); not a conversion, 'this', '??' or a
            // foreach's synthetic Length (which has no location).
            static bool ReadsState(Expr value) => value.DescendantsAndSelf().OfType<OpaqueExpr>().Any(o => o.IsCall
                || (o.Location is not null && o.Format.Contains(".") && !o.Format.StartsWith("((", System.StringComparison.Ordinal)
                    && o.Format.IndexOf('(') < 0 && o.Format.IndexOf('?') < 0));
        }

        private static void ReportStops(LoweredBlock block, bool[] varied, bool[] usefulData, bool readsStoredState, List<DiagnosticInfo> diagnostics, HashSet<LocationInfo> reported)
        {
            foreach (var statement in block.Statements)
            {
                switch (statement)
                {
                    case LetStmt let when usefulData[let.ValueId] || WritesUseful(let.Value, usefulData):
                        FindStops(let.Value, varied, readsStoredState, diagnostics, reported);
                        break;
                    case LetStmt let when readsStoredState:
                        FindStoringCalls(let.Value, varied, diagnostics, reported);
                        break;
                    case EffectStmt effect when WritesUseful(effect.Value, usefulData):
                        FindStops(effect.Value, varied, readsStoredState, diagnostics, reported);
                        break;
                    case EffectStmt effect when readsStoredState:
                        FindStoringCalls(effect.Value, varied, diagnostics, reported);
                        break;
                    case LoweredStore store when usefulData[store.ArrayId]:
                        FindStops(store.Value, varied, readsStoredState, diagnostics, reported);
                        break;
                    case LoweredIf branch:
                        ReportStops(branch.Then, varied, usefulData, readsStoredState, diagnostics, reported);
                        ReportStops(branch.Else, varied, usefulData, readsStoredState, diagnostics, reported);
                        break;
                    case LoweredLoop loop:
                        ReportStops(loop.Body, varied, usefulData, readsStoredState, diagnostics, reported);
                        break;
                }
            }
        }

        // A call without a derivative, handed a varied value, whose result the result does not use: it may store the
        // value where a read on the path to the result finds it (see ReadsStoredState).
        private static void FindStoringCalls(Expr value, bool[] varied, List<DiagnosticInfo> diagnostics, HashSet<LocationInfo> reported)
        {
            foreach (var call in value.DescendantsAndSelf().OfType<OpaqueExpr>())
            {
                if (call is { IsCall: true, Location: { } location } && call.Arguments.Any(a => CarriesGradient(a, varied)) && reported.Add(location))
                {
                    diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.NonDifferentiableCall.Id, location, new[] { call.Display, Advice(call.Fix) }.ToEquatableArray()));
                }
            }
        }

        // Where a varied value enters something without a derivative, on a path to the result.
        private static void FindStops(Expr value, bool[] varied, bool readsStoredState, List<DiagnosticInfo> diagnostics, HashSet<LocationInfo> reported)
        {
            switch (value)
            {
                case ConvertExpr { Type.IsFloating: false, Location: { } location } convert when CarriesGradient(convert.Operand, varied):
                    Report(DiagnosticDescriptors.GradientStops, location, "The conversion to " + convert.Type.Display);
                    break;
                case MathCallExpr { Location: { } location } call when DerivativeRules.Get(call.Function, call.Arguments.Count).StopsGradient && call.Arguments.Any(a => CarriesGradient(a, varied)):
                    Report(DiagnosticDescriptors.GradientStops, location, call.Function);
                    break;
                case UserCallExpr { Location: { } location } call:
                    // A varied value passed to a [NoGrad] parameter: the callee treats it as a constant.
                    for (var i = 0; i < call.Arguments.Count; i++)
                    {
                        if (call.Roles[i] == ParameterRole.Constant && CarriesGradient(call.Arguments[i], varied))
                        {
                            Report(DiagnosticDescriptors.GradientIntoNoGradParameter, location, call.Callee.Substring(call.Callee.LastIndexOf('.') + 1), call.ParameterNames[i]);
                            break;
                        }
                    }

                    break;
                case OpaqueExpr { IsCall: true, Location: { } location } opaque when !MayHoldGradient(opaque.Type) && readsStoredState
                    && opaque.Arguments.Any(a => CarriesGradient(a, varied)):
                    // An integer or bool result, but the call may also have stored the value where the result reads it.
                    Report(DiagnosticDescriptors.NonDifferentiableCall, location, opaque.Display, Advice(opaque.Fix));
                    break;
                case OpaqueExpr { Location: { } location } opaque when !MayHoldGradient(opaque.Type):
                    if (opaque.Arguments.Any(a => CarriesGradient(a, varied) && (opaque.IsCall || a.Type.IsFloating)))
                    {
                        // An integer or bool result could carry no gradient anyway: the gradient stops, as at a cast.
                        Report(DiagnosticDescriptors.GradientStops, location, opaque.Display + ", which returns " + opaque.Type.Display + ",");
                    }

                    break;
                case OpaqueExpr { Location: { } location } opaque when opaque.Arguments.Any(a => CarriesGradient(a, varied) && (opaque.IsCall || a.Type.IsFloating)):
                    // A double, an array or an object (a collection, a struct) computed from a differentiable value by
                    // something with no derivative, or such a value handed to a call that may store it into an object
                    // the result depends on: the gradient would be lost there.
                    if (opaque.IsCall)
                    {
                        Report(DiagnosticDescriptors.NonDifferentiableCall, location, opaque.Display, Advice(opaque.Fix));
                    }
                    else
                    {
                        Report(DiagnosticDescriptors.UnsupportedConstruct, location, opaque.Display, "no gradient can flow through it; keep the value as double or float");
                    }

                    break;
            }

            foreach (var child in value.Children)
            {
                FindStops(child, varied, readsStoredState, diagnostics, reported);
            }

            void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo location, params string[] args)
            {
                if (reported.Add(location))
                {
                    diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, args.ToEquatableArray()));
                }
            }
        }

    }
}
