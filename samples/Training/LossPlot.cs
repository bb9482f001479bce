using System.Collections.Generic;
using System.IO;
using ScottPlot;

namespace Training;

/// <summary>The PNG of the training and test loss per epoch (ScottPlot).</summary>
public static class LossPlot
{
    /// <summary>Writes the two curves to <paramref name="path"/> as an 800 x 500 PNG, creating its folder if needed.</summary>
    /// <param name="path">The file.</param>
    /// <param name="epochs">The x values: 0 (before training), 1, 2, ...</param>
    /// <param name="trainLoss">The training set's cross-entropy after each epoch.</param>
    /// <param name="testLoss">The test set's cross-entropy after each epoch.</param>
    /// <param name="title">The title.</param>
    public static void Save(string path, IReadOnlyList<double> epochs, IReadOnlyList<double> trainLoss, IReadOnlyList<double> testLoss, string title)
    {
        string? folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var plot = new Plot();
        var train = plot.Add.ScatterLine(ToArray(epochs), ToArray(trainLoss));
        train.LegendText = "training set";
        train.LineWidth = 2;
        var test = plot.Add.ScatterLine(ToArray(epochs), ToArray(testLoss));
        test.LegendText = "test set";
        test.LineWidth = 2;
        test.LinePattern = LinePattern.Dashed;
        plot.Title(title, size: 14);
        plot.XLabel("epoch");
        plot.YLabel("cross-entropy");
        plot.Axes.SetLimitsY(0, double.NaN);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
    }

    private static double[] ToArray(IReadOnlyList<double> values)
    {
        var array = new double[values.Count];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = values[i];
        }

        return array;
    }
}
