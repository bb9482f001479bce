using System.Globalization;
using System.Linq;
using AutoDiff.Generators.Helpers;
using AutoDiff.Generators.Model;
using AutoDiff.Generators.Transforms;

namespace AutoDiff.Generators.Emit;

/// <summary>
/// Lays out the forward-mode methods of a <c>[Differentiable(Forward = true)]</c> method, after its backward in the same
/// file: <c>MTangent</c> (<see cref="DifferentiableGenerator.ForwardMode"/>): XML docs, the tangent spans' length checks,
/// the one pass, the tangent and the value. Statements print with <see cref="BackwardPrinter"/>.
/// </summary>
internal static class TangentEmitter
{
    private static readonly string s_version = typeof(DifferentiableGenerator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Writes the tangent method of a method that has a backward (so the reverse mode accepted it).</summary>
    public static void Write(SourceWriter writer, MethodModel method)
    {
        // A lowering of its own: its names are the tangent's, not shared with the backward's adjoints.
        var (lowered, activity) = DifferentiableGenerator.Analyze(method);
        var tangent = DifferentiableGenerator.ForwardMode.Transform(lowered, activity);
        var expressions = new ExpressionPrinter(lowered.Values);
        var printer = new BackwardPrinter(expressions, writer);
        var returnType = method.ReturnType.Display;
        var own = method.Parameters.Where(p => p.Member is null).ToList();
        var signatureTypes = string.Join(", ", own.Select(p => p.Type.Display));
        var output = tangent.Output.Name;

        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// Forward-mode derivative of <c>{Xml(method.Name)}({Xml(signatureTypes)})</c> ({Xml(method.SourceFileName)}, line {method.SourceLine.ToString(CultureInfo.InvariantCulture)}):");
        writer.WriteLine($"/// returns its value and sets <paramref name=\"{output}\"/> to the derivative of the result along the tangent inputs (a Jacobian-vector product).");
        writer.WriteLine("/// </summary>");
        foreach (var parameter in own)
        {
            var note = parameter.Role == ParameterRole.Constant ? "Passed through; not differentiated." : "As in the method.";
            writer.WriteLine($"/// <param name=\"{Unescape(parameter.Name)}\">{note}</param>");
        }

        foreach (var (parameter, input) in tangent.Inputs)
        {
            writer.WriteLine(parameter.Role == ParameterRole.Span
                ? $"/// <param name=\"{input.Name}\">The direction in which <paramref name=\"{Unescape(parameter.Name)}\"/> moves, element by element; its length must be that of <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>"
                : $"/// <param name=\"{input.Name}\">The direction in which <paramref name=\"{Unescape(parameter.Name)}\"/> moves.</param>");
        }

        writer.WriteLine($"/// <param name=\"{output}\">The directional derivative: the sum over the differentiable parameters of the partial derivative of the result times the parameter's tangent.</param>");
        writer.WriteLine($"/// <returns>The value of <c>{Xml(method.Name)}</c> at these arguments.</returns>");
        writer.WriteLine($"[global::System.CodeDom.Compiler.GeneratedCode(\"AutoDiff.Generators\", \"{s_version}\")]");

        var parameters = own.Select(p => p.Declaration)
            .Concat(tangent.Inputs.Select(i => BackwardConvention.TangentDeclaration(i.Parameter.Role, i.Parameter.Type.Display, i.Parameter.Type.Element.Display, i.Tangent.Name)))
            .Append("out " + returnType + " " + output);
        writer.OpenBlock($"{method.Modifiers} {returnType} {BackwardConvention.TangentName(method.Name)}({string.Join(", ", parameters)})");

        if (tangent.Checks.Count > 0)
        {
            writer.WriteLine("// Each tangent span must have its parameter's length: nothing is computed otherwise.");
            foreach (var check in tangent.Checks)
            {
                printer.Statement(check);
            }

            writer.WriteLine();
        }

        writer.WriteLine("// One pass: each value of the method, followed by its tangent d<v> (the derivative of <v> along the tangent inputs).");
        foreach (var declaration in tangent.Declarations)
        {
            printer.Statement(declaration);
        }

        printer.Block(tangent.Body);
        writer.WriteLine();
        writer.WriteLine($"{output} = {expressions.Print(tangent.Tangent)};");
        writer.WriteLine($"return {expressions.Print(tangent.Result)};");
        writer.CloseBlock();

        WriteHessianVector(writer, method);
    }

    /// <summary>
    /// <c>MHessianVector</c> (<see cref="HessianVector"/>), for a method that qualifies: the backward with seed 1 and the
    /// tangent of each of its statements, laid out as the backward is.
    /// </summary>
    private static void WriteHessianVector(SourceWriter writer, MethodModel method)
    {
        // The backward's own lowering and IR, built again: its names are this method's.
        if (DifferentiableGenerator.BuildBackward(method).Body is not { } generated || !HessianVector.Qualifies(method, generated.Lowered))
        {
            return;
        }

        var result = HessianVector.Transform(generated.Lowered, generated.Method);
        var body = result.Method;
        var expressions = new ExpressionPrinter(generated.Lowered.Values);
        var printer = new BackwardPrinter(expressions, writer);
        var returnType = method.ReturnType.Display;
        var own = method.Parameters.Where(p => p.Member is null).ToList();
        var signatureTypes = string.Join(", ", own.Select(p => p.Type.Display));

        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// Hessian-vector product of <c>{Xml(method.Name)}({Xml(signatureTypes)})</c> ({Xml(method.SourceFileName)}, line {method.SourceLine.ToString(CultureInfo.InvariantCulture)}), by forward mode over the reverse sweep:");
        writer.WriteLine($"/// returns its value, sets each gradient parameter to the partial derivative of the result (as <c>{Xml(method.BackwardName)}</c> with seed 1) and each product parameter to");
        writer.WriteLine("/// that row of the Hessian times the tangent vector.");
        writer.WriteLine("/// </summary>");
        foreach (var parameter in own)
        {
            var note = parameter.Role == ParameterRole.Constant ? "Passed through; not differentiated." : "As in the method.";
            writer.WriteLine($"/// <param name=\"{Unescape(parameter.Name)}\">{note}</param>");
        }

        foreach (var (parameter, input, _) in result.Parameters)
        {
            writer.WriteLine(parameter.Role == ParameterRole.Span
                ? $"/// <param name=\"{input.Name}\">The tangent vector's part for <paramref name=\"{Unescape(parameter.Name)}\"/>; its length must be that of <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>"
                : $"/// <param name=\"{input.Name}\">The tangent vector's part for <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>");
        }

        foreach (var (parameter, _, _) in result.Parameters)
        {
            writer.WriteLine(parameter.Role == ParameterRole.Span
                ? $"/// <param name=\"{parameter.GradientName}\">Receives, added to what it holds, the gradient with respect to <paramref name=\"{Unescape(parameter.Name)}\"/>; its length must be that of <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>"
                : $"/// <param name=\"{parameter.GradientName}\">The partial derivative of the result with respect to <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>");
        }

        foreach (var (parameter, _, product) in result.Parameters)
        {
            writer.WriteLine(parameter.Role == ParameterRole.Span
                ? $"/// <param name=\"{product.Name}\">Receives, added to what it holds, the Hessian's rows for <paramref name=\"{Unescape(parameter.Name)}\"/> times the tangent vector; its length must be that of <paramref name=\"{Unescape(parameter.Name)}\"/>.</param>"
                : $"/// <param name=\"{product.Name}\">The Hessian's row for <paramref name=\"{Unescape(parameter.Name)}\"/> times the tangent vector.</param>");
        }

        writer.WriteLine($"/// <returns>The value of <c>{Xml(method.Name)}</c> at these arguments.</returns>");
        writer.WriteLine($"[global::System.CodeDom.Compiler.GeneratedCode(\"AutoDiff.Generators\", \"{s_version}\")]");
        var parameters = own.Select(p => p.Declaration)
            .Concat(result.Parameters.Select(p => BackwardConvention.TangentDeclaration(p.Parameter.Role, p.Parameter.Type.Display, p.Parameter.Type.Element.Display, p.Tangent.Name)))
            .Concat(result.Parameters.Select(p => BackwardConvention.GradientDeclaration(p.Parameter.Role, p.Parameter.Type.Display, p.Parameter.Type.Element.Display, p.Parameter.GradientName)))
            .Concat(result.Parameters.Select(p => BackwardConvention.HessianVectorDeclaration(p.Parameter.Role, p.Parameter.Type.Display, p.Parameter.Type.Element.Display, p.Product.Name)));
        writer.OpenBlock($"{method.Modifiers} {returnType} {BackwardConvention.HessianVectorName(method.Name)}({string.Join(", ", parameters)})");

        if (body.Checks.Count > 0)
        {
            writer.WriteLine("// Each gradient, tangent and product span must have its parameter's length: nothing is written otherwise.");
            foreach (var check in body.Checks)
            {
                printer.Statement(check);
            }

            writer.WriteLine();
        }

        writer.WriteLine($"// The backward with seed 1, each step that writes a floating value <v> followed by its tangent, tangent<V> (its derivative along the tangent inputs).");
        writer.WriteLine($"{returnType} {body.Seed.Name} = 1;");
        foreach (var declaration in body.Declarations)
        {
            printer.Statement(declaration);
        }

        if (body.Tapes.Count > 0)
        {
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
            writer.WriteLine("// Reverse sweep: adjoints d<v> = d(result)/d<v> and their tangents, from the result back to the parameters.");
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

    private static string Unescape(string name) => name.StartsWith("@", System.StringComparison.Ordinal) ? name.Substring(1) : name;

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
