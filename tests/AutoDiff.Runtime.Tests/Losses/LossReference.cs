using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace AutoDiff.Runtime.Tests.Losses;

/// <summary>
/// One case of <c>ReferenceData/loss_reference.json</c>, written by <c>generate_loss_reference.py</c> with PyTorch 1.13:
/// a loss call, its input, and PyTorch's value and input gradient (and, for a float32 case, PyTorch's float64 result at
/// the same inputs).
/// </summary>
internal sealed record LossReference(
    string Name,
    string Dtype,
    LossCall Call,
    double[] Input,
    double Value,
    double[] Gradient,
    double? Value64,
    double[]? Gradient64)
{
    public bool IsFloat32 => Dtype == "float32";

    private static readonly Lazy<Dictionary<string, LossReference>> s_all = new(Load);

    public static IReadOnlyDictionary<string, LossReference> All => s_all.Value;

    private static Dictionary<string, LossReference> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ReferenceData", "loss_reference.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var cases = new Dictionary<string, LossReference>(StringComparer.Ordinal);
        foreach (var element in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var loss = element.GetProperty("loss").GetString()!;
            var options = element.GetProperty("options");
            double Option(string name, double fallback) => options.TryGetProperty(name, out var value) ? value.GetDouble() : fallback;
            var classification = loss is "CrossEntropyLoss" or "NllLoss";
            var target = element.GetProperty("target");
            var call = new LossCall(
                loss,
                classification ? [] : Doubles(target),
                classification ? target.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [],
                element.TryGetProperty("classes", out var classes) ? classes.GetInt32() : 0,
                Enum.Parse<Reduction>(element.GetProperty("reduction").GetString()!),
                Option("beta", 1.0),
                Option("delta", 1.0),
                Option("labelSmoothing", 0.0));
            var name = element.GetProperty("name").GetString()!;
            cases.Add(name, new LossReference(
                name,
                element.GetProperty("dtype").GetString()!,
                call,
                Doubles(element.GetProperty("input")),
                element.GetProperty("value").GetDouble(),
                Doubles(element.GetProperty("grad")),
                element.TryGetProperty("value64", out var value64) ? value64.GetDouble() : null,
                element.TryGetProperty("grad64", out var grad64) ? Doubles(grad64) : null));
        }

        return cases;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
