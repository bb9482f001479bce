using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace AutoDiff.Runtime.Tests.Optimizers;

/// <summary>
/// One trajectory recorded from torch.optim by ReferenceData/generate_optimizer_reference.py: 50 steps of one optimizer
/// on the scaled Rosenbrock function of <see cref="OptimizerReference"/>.
/// </summary>
public sealed record OptimizerCase(
    string Name,
    string Optimizer,
    IReadOnlyList<string> TorchArguments,
    IReadOnlyDictionary<string, JsonElement> Hyperparameters,
    IReadOnlyList<double>? LearningRates,
    IReadOnlyList<double[]> Parameters,
    IReadOnlyList<double[]> Gradients)
{
    /// <summary>The number of steps: one gradient per step, one parameter row more (the start).</summary>
    public int Steps => Gradients.Count;

    public double Hyper(string name) => Hyperparameters[name].GetDouble();

    /// <summary>
    /// The optimizer of this case, built as a C# user would write the torch call: with the C# defaults where torch used
    /// its defaults (no arguments for Adam and AdamW, the learning rate only for SGD), else with every hyperparameter.
    /// </summary>
    public IOptimizer Create()
    {
        bool defaults = TorchArguments.All(a => a == "lr") && (Optimizer == "Sgd" || TorchArguments.Count == 0);
        double lr = Hyper("learningRate");
        return Optimizer switch
        {
            "Sgd" when defaults => new Sgd(lr),
            "Sgd" => new Sgd(lr, Hyper("momentum"), Hyper("dampening"), Hyper("weightDecay"), Hyperparameters["nesterov"].GetBoolean()),
            "Adam" when defaults => new Adam(),
            "Adam" => new Adam(lr, Hyper("beta1"), Hyper("beta2"), Hyper("epsilon"), Hyper("weightDecay")),
            "AdamW" when defaults => new AdamW(),
            "AdamW" => new AdamW(lr, Hyper("beta1"), Hyper("beta2"), Hyper("epsilon"), Hyper("weightDecay")),
            _ => throw new InvalidOperationException($"Unknown optimizer '{Optimizer}' in case {Name}."),
        };
    }

    /// <summary>Sets the learning rate of a schedule case's step <paramref name="step"/> (0-based); others keep theirs.</summary>
    public void ApplySchedule(IOptimizer optimizer, int step)
    {
        if (LearningRates is null)
        {
            return;
        }

        double lr = LearningRates[step];
        switch (optimizer)
        {
            case Sgd sgd: sgd.LearningRate = lr; break;
            case Adam adam: adam.LearningRate = lr; break;
            case AdamW adamW: adamW.LearningRate = lr; break;
            default: throw new InvalidOperationException(optimizer.GetType().Name);
        }
    }
}

/// <summary>The recorded torch trajectories (ReferenceData/optimizer_reference.json) and the objective they optimize.</summary>
public static class OptimizerReference
{
    private static readonly Lazy<(double B, double[] X0, string TorchVersion, Dictionary<string, OptimizerCase> Cases)> Data = new(Load);

    /// <summary>The scale <c>b</c> of the objective.</summary>
    public static double B => Data.Value.B;

    /// <summary>The starting point of every case.</summary>
    public static double[] X0 => (double[])Data.Value.X0.Clone();

    public static string TorchVersion => Data.Value.TorchVersion;

    public static IReadOnlyCollection<string> CaseNames => Data.Value.Cases.Keys;

    public static OptimizerCase Case(string name) => Data.Value.Cases[name];

    /// <summary>Every case name, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> AllCases()
    {
        var data = new TheoryData<string>();
        foreach (string name in CaseNames)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>f(x) = Σ_{i&lt;n-1} b (x[i+1] − x[i]²)² + (1 − x[i])², the objective of the script.</summary>
    public static double Objective(ReadOnlySpan<double> x)
    {
        double b = B;
        double f = 0;
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double r = x[i + 1] - x[i] * x[i];
            double s = 1 - x[i];
            f += b * r * r + s * s;
        }

        return f;
    }

    /// <summary>The gradient of <see cref="Objective"/>, by hand, written into <paramref name="gradient"/>.</summary>
    public static void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double b = B;
        gradient.Clear();
        for (int i = 0; i + 1 < x.Length; i++)
        {
            double r = x[i + 1] - x[i] * x[i];
            gradient[i] += -4 * b * x[i] * r - 2 * (1 - x[i]);
            gradient[i + 1] += 2 * b * r;
        }
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> equals <paramref name="expected"/> component by component within
    /// <c>|a − e| ≤ relative·|e| + absolute</c>, naming the step and component that differ.
    /// </summary>
    public static void AssertClose(double[] expected, ReadOnlySpan<double> actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= relative * Math.Abs(expected[i]) + absolute))
            {
                Assert.Fail($"{what}, component {i}: expected {expected[i]:R}, got {actual[i]:R} (error {error:E3}, relative {error / Math.Abs(expected[i]):E3}).");
            }
        }
    }

    private static (double, double[], string, Dictionary<string, OptimizerCase>) Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "ReferenceData", "optimizer_reference.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        JsonElement problem = root.GetProperty("problem");
        var cases = new Dictionary<string, OptimizerCase>(StringComparer.Ordinal);
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            cases.Add(name, new OptimizerCase(
                name,
                c.GetProperty("optimizer").GetString()!,
                c.GetProperty("torchArguments").EnumerateArray().Select(a => a.GetString()!).ToArray(),
                c.GetProperty("hyperparameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
                c.TryGetProperty("learningRates", out JsonElement rates) ? Vector(rates) : null,
                c.GetProperty("parameters").EnumerateArray().Select(Vector).ToArray(),
                c.GetProperty("gradients").EnumerateArray().Select(Vector).ToArray()));
        }

        return (problem.GetProperty("b").GetDouble(), Vector(problem.GetProperty("x0")), root.GetProperty("torchVersion").GetString()!, cases);
    }

    private static double[] Vector(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
