using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Collections.Immutable;
using System.Text;
using System.Threading;
using AutoDiff.Generators.Emit;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Ir;
using AutoDiff.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AutoDiff.Generators;

public sealed partial class DifferentiableGenerator
{
    /// <summary>The stages after parsing, shared by the emitter and the analyzer: lower to SSA, analyze activity, transform.</summary>
    internal static (GeneratedBackward? Body, List<DiagnosticInfo> Diagnostics) BuildBackward(MethodModel model)
    {
        var (lowered, activity) = Analyze(model);
        var hasErrors = activity.Diagnostics.Any(d => d.IsError);
        return hasErrors ? (null, activity.Diagnostics) : (new GeneratedBackward(lowered, ReverseMode.Transform(lowered, activity)), activity.Diagnostics);
    }

    /// <summary>
    /// The stages that decide what is reported: lowering and activity analysis. The analyzer stops here; the reverse
    /// transform only builds code (a failure there is the generator's AUTODIFF900).
    /// </summary>
    internal static (LoweredMethod Lowered, ActivityResult Activity) Analyze(MethodModel model)
    {
        var lowered = Lowering.Lower(model);
        var activity = Activity.Analyze(lowered);
        if (model.Forward)
        {
            activity.Diagnostics.AddRange(ForwardMode.Check(lowered, activity)); // what stops a tangent where a gradient flows
        }

        return (lowered, activity);
    }

    /// <summary>A method's SSA form and the backward IR built from it: what the emitter prints.</summary>
    internal sealed record GeneratedBackward(LoweredMethod Lowered, BackwardMethod Method);

    /// <summary>Lays out one generated file per type: the partial type declarations and a backward method per [Differentiable] method.</summary>
    internal static class Emitter
    {
        private static readonly string s_version = typeof(DifferentiableGenerator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        /// <summary>Generates one method's backward method as text; a method with errors gets none (the analyzer reports why).</summary>
        public static GeneratedMethod Generate(MethodModel method, CancellationToken cancellationToken)
        {
            string? text = null;
            DiagnosticInfo? failure = null;
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (BuildBackward(method).Body is { } body)
                {
                    var writer = new SourceWriter();
                    WriteMethod(writer, method, body);
                    if (method.Forward)
                    {
                        TangentEmitter.Write(writer, method); // Emit/TangentEmitter.cs
                    }

                    text = writer.ToString();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failure = new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, method.Location,
                    new[] { method.Name, ex.GetType().Name + ": " + ex.Message }.ToEquatableArray());
            }

            // A registered derivative replaces the generated backward of its target: that callee is not needed (nor, for a
            // tangent, its generated tangent when a tangent is registered too).
            var callees = method.DifferentiableCallees.Where(id => !method.Derivatives.Any(d => d.TargetId == id && !d.IsTangent)
                || (method.Forward && !method.Derivatives.Any(d => d.TargetId == id && d.IsTangent))).ToEquatableArray();
            return new GeneratedMethod(method.Id, method.TypeKey, method.Namespace, method.ContainingTypes, method.SourceFileName, method.SourceLine,
                method.Name, text, callees, failure);
        }

        /// <summary>
        /// Groups the generated methods into one file per type, in source order, leaving out each method that calls a
        /// [Differentiable] method of this compilation that gets no backward (it has errors), directly or through others:
        /// its backward would call a method that does not exist.
        /// </summary>
        public static IEnumerable<GeneratedType> LayOut(ImmutableArray<GeneratedMethod> methods, EquatableArray<string> failedToParse)
        {
            var missing = new HashSet<string>(failedToParse, StringComparer.Ordinal);
            var callers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var pending = new Queue<string>(failedToParse);
            foreach (var method in methods)
            {
                foreach (var callee in method.Callees)
                {
                    if (!callers.TryGetValue(callee, out var list))
                    {
                        callers[callee] = list = new List<string>();
                    }

                    list.Add(method.Id);
                }

                if (method.Text is null && missing.Add(method.Id))
                {
                    pending.Enqueue(method.Id);
                }
            }

            while (pending.Count > 0)
            {
                if (callers.TryGetValue(pending.Dequeue(), out var list))
                {
                    foreach (var caller in list)
                    {
                        if (missing.Add(caller))
                        {
                            pending.Enqueue(caller);
                        }
                    }
                }
            }

            return methods
                .GroupBy(m => m.TypeKey, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g =>
                {
                    var ordered = g.OrderBy(m => m.SourceFileName, StringComparer.Ordinal).ThenBy(m => m.SourceLine).ThenBy(m => m.Name, StringComparer.Ordinal).ToList();
                    var first = ordered[0];
                    return new GeneratedType(g.Key, first.Namespace, first.ContainingTypes,
                        ordered.Where(m => m.Text is not null && !missing.Contains(m.Id)).Select(m => m.Text!).ToEquatableArray(),
                        ordered.Select(m => m.InternalError).OfType<DiagnosticInfo>().ToEquatableArray());
                });
        }

        public static void Emit(SourceProductionContext context, GeneratedType type)
        {
            foreach (var failure in type.InternalErrors)
            {
                context.ReportDiagnostic(failure.ToDiagnostic());
            }

            if (type.Methods.IsEmpty)
            {
                return;
            }

            context.AddSource(HintName(type.TypeKey), SourceText.From(Write(type), Encoding.UTF8));
        }

        /// <summary>A readable, stable file name: the type's full name, e.g. <c>MyApp.Losses.AutoDiff.g.cs</c>.</summary>
        internal static string HintName(string typeKey)
        {
            var name = typeKey.StartsWith("global::", StringComparison.Ordinal) ? typeKey.Substring("global::".Length) : typeKey;
            var sb = new StringBuilder();
            foreach (var ch in name)
            {
                sb.Append(char.IsLetterOrDigit(ch) || ch is '.' or '_' ? ch : '_');
            }

            return sb.ToString().TrimEnd('_') + HintNameSuffix;
        }

        private static string Write(GeneratedType type)
        {
            var writer = new SourceWriter();
            writer.WriteLine("// <auto-generated/>");
            writer.WriteLine("// Generated by AutoDiff.Generators: reverse-mode derivatives of the [Differentiable] methods of this type.");
            writer.WriteLine("#nullable enable");
            // The forward sweep repeats the user's statements, so it repeats what the compiler would warn about there
            // (a constant assigned and never read, x == x); the user sees those warnings on their own code already.
            writer.WriteLine("#pragma warning disable CS0219, CS1717, CS1718");
            writer.WriteLine();
            if (type.Namespace.Length > 0)
            {
                writer.OpenBlock("namespace " + type.Namespace);
            }

            foreach (var containing in type.ContainingTypes)
            {
                writer.OpenBlock(containing.Declaration);
            }

            for (var i = 0; i < type.Methods.Count; i++)
            {
                if (i > 0)
                {
                    writer.WriteLine();
                }

                writer.WriteLine(type.Methods[i].TrimEnd('\n'));
            }

            foreach (var _ in type.ContainingTypes)
            {
                writer.CloseBlock();
            }

            if (type.Namespace.Length > 0)
            {
                writer.CloseBlock();
            }

            return writer.ToString();
        }

        private static void WriteMethod(SourceWriter writer, MethodModel method, GeneratedBackward generated)
        {
            var body = generated.Method;
            var seed = body.Seed.Name;
            var expressions = new ExpressionPrinter(generated.Lowered.Values);
            var printer = new BackwardPrinter(expressions, writer);
            var returnType = method.ReturnType.Display;
            var own = method.Parameters.Where(p => p.Member is null).ToList();
            var signatureTypes = string.Join(", ", own.Select(p => p.Type.Display));
            var differentiable = own.Where(p => p.Role != ParameterRole.Constant).ToList();

            writer.WriteLine("/// <summary>");
            writer.WriteLine($"/// Reverse-mode derivative of <c>{Xml(method.Name)}({Xml(signatureTypes)})</c> ({Xml(method.SourceFileName)}, line {method.SourceLine.ToString(CultureInfo.InvariantCulture)}):");
            writer.WriteLine($"/// returns its value and sets each gradient parameter to <paramref name=\"{seed}\"/> times the partial derivative of the result.");
            writer.WriteLine("/// </summary>");
            foreach (var parameter in own)
            {
                var note = parameter.Role == ParameterRole.Constant ? "Passed through; not differentiated." : "As in the method.";
                writer.WriteLine($"/// <param name=\"{Unescape(parameter.Name)}\">{note}</param>");
            }

            writer.WriteLine($"/// <param name=\"{seed}\">The gradient flowing into the result (PyTorch's <c>grad_output</c>); 1 for a plain gradient.</param>");
            if (method.ThisGradient is { } thisGradient)
            {
                writer.WriteLine(thisGradient.IsStruct
                    ? $"/// <param name=\"{thisGradient.Name}\">Receives <paramref name=\"{seed}\"/> times the gradient with respect to each parameter of this instance.</param>"
                    : $"/// <param name=\"{thisGradient.Name}\">Receives, added to what it holds, <paramref name=\"{seed}\"/> times the gradient with respect to each parameter of this instance; create it with <c>NewGradient()</c>.</param>");
            }

            foreach (var parameter in differentiable)
            {
                writer.WriteLine(parameter.Role == ParameterRole.Span
                    ? $"/// <param name=\"{parameter.GradientName}\">Receives, added to what it holds, <paramref name=\"{seed}\"/> times the gradient with respect to <paramref name=\"{Unescape(parameter.Name)}\"/>; its length must be that of <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>"
                    : $"/// <param name=\"{parameter.GradientName}\"><paramref name=\"{seed}\"/> times the partial derivative of the result with respect to <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>");
            }

            writer.WriteLine($"/// <returns>The value of <c>{Xml(method.Name)}</c> at these arguments.</returns>");
            writer.WriteLine($"[global::System.CodeDom.Compiler.GeneratedCode(\"AutoDiff.Generators\", \"{s_version}\")]");

            var parameters = own.Select(p => p.Declaration)
                .Concat(new[] { returnType + " " + seed })
                .Concat(method.ThisGradient is { } self ? new[] { self.Declaration } : Array.Empty<string>())
                .Concat(differentiable.Select(p => BackwardConvention.GradientDeclaration(p.Role, p.Type.Display, p.Type.Element.Display, p.GradientName)));
            writer.OpenBlock($"{method.Modifiers} {returnType} {method.BackwardName}({string.Join(", ", parameters)})");

            if (body.Checks.Count > 0)
            {
                writer.WriteLine("// Each gradient span must have its parameter's length: nothing is written otherwise.");
                foreach (var check in body.Checks)
                {
                    printer.Statement(check);
                }

                writer.WriteLine();
            }

            writer.WriteLine("// Forward sweep: the method's own computation, keeping every intermediate the reverse sweep reads.");
            foreach (var declaration in body.Declarations)
            {
                printer.Statement(declaration);
            }

            if (body.Tapes.Count > 0)
            {
                // Values that loop iterations overwrite and the reverse sweep needs; on the stack while they fit.
                foreach (var tape in body.Tapes)
                {
                    var element = tape.Element.Display;
                    writer.WriteLine($"global::AutoDiff.Tape<{element}> {tape.Local.Name} = new global::AutoDiff.Tape<{element}>(stackalloc {element}[{tape.Capacity.ToString(CultureInfo.InvariantCulture)}]);");
                }

                writer.OpenBlock("try");
            }

            printer.Block(body.Forward);

            if (!body.Reverse.IsEmpty || body.AdjointDeclarations.Count > 0)
            {
                writer.WriteLine();
                writer.WriteLine($"// Reverse sweep: adjoints d<v> = d(result)/d<v>, from the result (seeded with {seed}) back to the parameters.");
                foreach (var declaration in body.AdjointDeclarations)
                {
                    printer.Statement(declaration);
                }

                printer.Block(body.Reverse);
            }

            writer.WriteLine();
            foreach (var gradient in body.Gradients)
            {
                printer.Statement(gradient);
            }

            writer.WriteLine($"return {expressions.Print(body.Result)};");
            if (body.Tapes.Count > 0)
            {
                writer.CloseBlock();
                writer.OpenBlock("finally");
                foreach (var tape in body.Tapes)
                {
                    writer.WriteLine(tape.Local.Name + ".Dispose();");
                }

                writer.CloseBlock();
            }

            writer.CloseBlock();
        }

        private static string Unescape(string name) => name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name;

        private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }
}
