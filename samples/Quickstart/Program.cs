// Quickstart: a custom loss written as a plain C# method, its gradient generated at compile time.
//
//   dotnet run --project samples/Quickstart
//
// The generator reads HuberLoss below and adds HuberLossBackward to the partial class Losses. With
// EmitCompilerGeneratedFiles (set in Quickstart.csproj) the generated code is written under
// obj/Debug/net10.0/generated/AutoDiff.Generators/ so you can read it.
using System;
using System.Globalization;
using AutoDiff;

namespace Quickstart;

public static partial class Losses
{
    /// <summary>
    /// Huber loss of a linear model's prediction <c>p = w * x + b</c> against the target <c>y</c>: quadratic for
    /// residuals up to <paramref name="delta"/>, linear beyond, so outliers pull less than with a squared error.
    /// </summary>
    /// <remarks>
    /// Only <paramref name="w"/> and <paramref name="b"/> are differentiated. The data <paramref name="x"/>,
    /// <paramref name="y"/> and the hyperparameter <paramref name="delta"/> are [NoGrad] (PyTorch's
    /// <c>requires_grad=False</c>), so the generated method is
    /// <c>double HuberLossBackward(double w, double b, double x, double y, double delta, double seed, out double gradW, out double gradB)</c>.
    /// </remarks>
    [Differentiable]
    public static double HuberLoss(double w, double b, [NoGrad] double x, [NoGrad] double y, [NoGrad] double delta)
    {
        double residual = w * x + b - y;
        double size = Math.Abs(residual);
        if (size <= delta)
        {
            return 0.5 * residual * residual;
        }

        return delta * (size - 0.5 * delta);
    }
}

public static class Program
{
    // A tiny data set: two points near the line y = x + 1, and one outlier that lands in the linear part of the loss.
    private static readonly double[] s_x = { 1.0, 2.0, 3.0 };
    private static readonly double[] s_y = { 2.0, 2.5, 9.0 };
    private const double Delta = 1.0;

    public static int Main()
    {
        var culture = CultureInfo.InvariantCulture;
        double w = 0.8, b = 0.3;

        // Value and gradient of the mean loss over the data set: one backward call per point, gradients summed,
        // as PyTorch accumulates into .grad over a batch.
        double loss = MeanLossBackward(w, b, 1.0, out double gradW, out double gradB);
        Console.WriteLine(string.Format(culture, "Mean Huber loss (delta = {0}) of p = w * x + b over {1} points, at w = {2}, b = {3}", Delta, s_x.Length, w, b));
        Console.WriteLine(string.Format(culture, "  loss  = {0:R}", loss));
        Console.WriteLine(string.Format(culture, "  dL/dw = {0:R}", gradW));
        Console.WriteLine(string.Format(culture, "  dL/db = {0:R}", gradB));

        // Check each component against a central finite difference of the loss itself.
        const double h = 1e-6;
        const double tolerance = 1e-6;
        Console.WriteLine();
        Console.WriteLine(string.Format(culture, "Finite-difference check (central differences, h = {0}, relative tolerance {1}):", h, tolerance));
        bool ok = true;
        ok &= Check("dL/dw", gradW, (MeanLoss(w + h, b) - MeanLoss(w - h, b)) / (2 * h), tolerance);
        ok &= Check("dL/db", gradB, (MeanLoss(w, b + h) - MeanLoss(w, b - h)) / (2 * h), tolerance);

        // The same check with the runtime's GradCheck (the counterpart of torch.autograd.gradcheck), which also
        // checks the returned value and that the gradient scales with the seed.
        Console.WriteLine();
        GradCheckResult report = GradCheck.Check(MeanLoss, MeanLossBackward, w, b);
        Console.Write(report);
        ok &= report.Passed;

        // What the gradient is for: a few steps of gradient descent.
        const double learningRate = 0.2;
        const int steps = 200;
        for (int step = 0; step < steps; step++)
        {
            MeanLossBackward(w, b, 1.0, out gradW, out gradB);
            w -= learningRate * gradW;
            b -= learningRate * gradB;
        }

        Console.WriteLine();
        Console.WriteLine(string.Format(culture, "After {0} steps of gradient descent (learning rate {1}): w = {2:F4}, b = {3:F4}, loss = {4:F6}",
            steps, learningRate, w, b, MeanLoss(w, b)));

        Console.WriteLine();
        Console.WriteLine(ok ? "Gradient check passed." : "Gradient check FAILED.");
        return ok ? 0 : 1;
    }

    private static double MeanLoss(double w, double b)
    {
        double sum = 0;
        for (int i = 0; i < s_x.Length; i++)
        {
            sum += Losses.HuberLoss(w, b, s_x[i], s_y[i], Delta);
        }

        return sum / s_x.Length;
    }

    // The backward of MeanLoss, in the same convention as the generated methods: value returned, seed times the gradient out.
    private static double MeanLossBackward(double w, double b, double seed, out double gradW, out double gradB)
    {
        double sum = 0;
        gradW = 0;
        gradB = 0;
        for (int i = 0; i < s_x.Length; i++)
        {
            // seed / n: the gradient of the mean flows into each term (PyTorch's grad_output).
            sum += Losses.HuberLossBackward(w, b, s_x[i], s_y[i], Delta, seed / s_x.Length, out double dw, out double db);
            gradW += dw;
            gradB += db;
        }

        return sum / s_x.Length;
    }

    private static bool Check(string name, double backward, double finiteDifference, double tolerance)
    {
        double scale = Math.Max(Math.Max(Math.Abs(backward), Math.Abs(finiteDifference)), 1e-12);
        double relativeError = Math.Abs(backward - finiteDifference) / scale;
        bool ok = relativeError <= tolerance;
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0}  backward {1,22:R}  finite difference {2,22:R}  relative error {3:E2}  {4}",
            name, backward, finiteDifference, relativeError, ok ? "OK" : "MISMATCH"));
        return ok;
    }
}
