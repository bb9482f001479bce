using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Training;

/// <summary>A table of rows of <see cref="IrisClassifier.Inputs"/> features, each with a class.</summary>
/// <param name="Features">The rows, row-major.</param>
/// <param name="Labels">One class per row.</param>
/// <param name="ClassNames">The name of each class.</param>
public sealed record Dataset(double[] Features, int[] Labels, string[] ClassNames)
{
    /// <summary>The number of rows.</summary>
    public int Count => Labels.Length;

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    /// <param name="indices">Row numbers.</param>
    /// <returns>A new table.</returns>
    public Dataset Select(IReadOnlyList<int> indices)
    {
        const int d = IrisClassifier.Inputs;
        var features = new double[indices.Count * d];
        var labels = new int[indices.Count];
        for (int r = 0; r < indices.Count; r++)
        {
            Array.Copy(Features, indices[r] * d, features, r * d, d);
            labels[r] = Labels[indices[r]];
        }

        return new Dataset(features, labels, ClassNames);
    }
}

/// <summary>The Iris data (Fisher 1936) as scikit-learn ships it, its split and its standardisation.</summary>
public static class IrisData
{
    /// <summary>Where the program finds the data: copied beside it by the project file.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv");

    /// <summary>
    /// Reads scikit-learn's <c>iris.csv</c>: a first line <c>rows,features,name0,name1,name2</c>
    /// (<c>150,4,setosa,versicolor,virginica</c>), then one line per row, the features and the class number
    /// (<c>5.1,3.5,1.4,0.2,0</c>).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The table, checked against its first line: that many rows, four features, classes in range.</returns>
    /// <exception cref="InvalidDataException">The file does not have that form.</exception>
    public static Dataset Load(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new InvalidDataException($"{path} is empty.");
        }

        string[] header = lines[0].Split(',');
        if (header.Length < 3
            || !int.TryParse(header[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rows)
            || !int.TryParse(header[1], NumberStyles.None, CultureInfo.InvariantCulture, out int columns)
            || columns != IrisClassifier.Inputs
            || header.Length - 2 != IrisClassifier.Classes)
        {
            throw new InvalidDataException($"{path}: the first line must be 'rows,{IrisClassifier.Inputs},<{IrisClassifier.Classes} class names>', not '{lines[0]}'.");
        }

        string[] classNames = header[2..];
        var features = new double[rows * columns];
        var labels = new int[rows];
        int row = 0;
        for (int l = 1; l < lines.Length; l++)
        {
            if (lines[l].Length == 0)
            {
                continue;
            }

            string[] cells = lines[l].Split(',');
            if (row == rows || cells.Length != columns + 1)
            {
                throw new InvalidDataException($"{path}, line {l + 1}: expected {rows} rows of {columns} features and a class.");
            }

            for (int j = 0; j < columns; j++)
            {
                features[row * columns + j] = double.Parse(cells[j], NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            int label = int.Parse(cells[columns], NumberStyles.None, CultureInfo.InvariantCulture);
            if (label >= classNames.Length)
            {
                throw new InvalidDataException($"{path}, line {l + 1}: class {label} is not one of the {classNames.Length} classes.");
            }

            labels[row++] = label;
        }

        if (row != rows)
        {
            throw new InvalidDataException($"{path}: the first line announces {rows} rows, the file has {row}.");
        }

        return new Dataset(features, labels, classNames);
    }

    /// <summary>
    /// A stratified split: within each class the rows are shuffled with <paramref name="random"/> and the first
    /// <c>round(testFraction * count)</c> go to the test set, so both sets keep the classes' proportions (for Iris
    /// with 0.2: 40 + 40 + 40 training rows, 10 + 10 + 10 test rows). Both lists are in class order, then in the
    /// shuffled order.
    /// </summary>
    /// <param name="data">The table.</param>
    /// <param name="testFraction">The share of each class that goes to the test set.</param>
    /// <param name="random">The random source.</param>
    /// <returns>The row numbers of the training and the test set.</returns>
    public static (int[] Train, int[] Test) StratifiedSplit(Dataset data, double testFraction, SplitMix64 random)
    {
        var train = new List<int>();
        var test = new List<int>();
        for (int c = 0; c < data.ClassNames.Length; c++)
        {
            var rows = new List<int>();
            for (int r = 0; r < data.Count; r++)
            {
                if (data.Labels[r] == c)
                {
                    rows.Add(r);
                }
            }

            int[] shuffled = rows.ToArray();
            random.Shuffle(shuffled);
            int testCount = (int)Math.Round(testFraction * shuffled.Length, MidpointRounding.AwayFromZero);
            test.AddRange(shuffled[..testCount]);
            train.AddRange(shuffled[testCount..]);
        }

        return (train.ToArray(), test.ToArray());
    }
}

/// <summary>
/// Standardisation (scikit-learn's <c>StandardScaler</c>): each feature minus its mean, divided by its standard
/// deviation (the population one, dividing by n), both measured on the training set only, so nothing about the test
/// set leaks into the training.
/// </summary>
public sealed class Standardizer
{
    private readonly double[] _mean;
    private readonly double[] _scale;

    private Standardizer(double[] mean, double[] scale)
    {
        _mean = mean;
        _scale = scale;
    }

    /// <summary>The means of the features.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>The standard deviations of the features (1 for a constant feature).</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Measures the mean and standard deviation of every feature of <paramref name="training"/>.</summary>
    /// <param name="training">The training set.</param>
    /// <returns>The standardizer.</returns>
    public static Standardizer Fit(Dataset training)
    {
        const int d = IrisClassifier.Inputs;
        var mean = new double[d];
        var scale = new double[d];
        int n = training.Count;
        for (int j = 0; j < d; j++)
        {
            double sum = 0;
            for (int r = 0; r < n; r++)
            {
                sum += training.Features[r * d + j];
            }

            mean[j] = sum / n;
            double squares = 0;
            for (int r = 0; r < n; r++)
            {
                double deviation = training.Features[r * d + j] - mean[j];
                squares += deviation * deviation;
            }

            double sd = Math.Sqrt(squares / n);
            scale[j] = sd > 0 ? sd : 1;
        }

        return new Standardizer(mean, scale);
    }

    /// <summary>The table with its features standardised.</summary>
    /// <param name="data">A table.</param>
    /// <returns>A new table.</returns>
    public Dataset Transform(Dataset data)
    {
        const int d = IrisClassifier.Inputs;
        var features = new double[data.Features.Length];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (data.Features[i] - _mean[i % d]) / _scale[i % d];
        }

        return data with { Features = features };
    }
}
