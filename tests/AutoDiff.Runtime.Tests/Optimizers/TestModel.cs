using System;

namespace AutoDiff.Runtime.Tests.Optimizers;

/// <summary>
/// A hand-written differentiable type, shaped as the generator's will be: a scalar, a vector and a matrix, flat in
/// declaration order, the matrix row-major; its <see cref="Gradient"/> has the same members.
/// </summary>
public sealed class TestModel : IDifferentiable
{
    public TestModel(int weights, int rows, int columns)
    {
        Weights = new double[weights];
        Matrix = new double[rows, columns];
    }

    public double Bias;
    public double[] Weights;
    public double[,] Matrix;

    public int ParameterCount => 1 + Weights.Length + Matrix.Length;

    public Gradient NewGradient() => new Gradient(Weights.Length, Matrix.GetLength(0), Matrix.GetLength(1));

    public void CopyParametersTo(Span<double> destination)
    {
        if (destination.Length < ParameterCount)
        {
            throw new ArgumentException($"Needs {ParameterCount} elements.", nameof(destination));
        }

        Flatten(Bias, Weights, Matrix, destination);
    }

    public void SetParameters(ReadOnlySpan<double> source)
    {
        if (source.Length < ParameterCount)
        {
            throw new ArgumentException($"Needs {ParameterCount} elements.", nameof(source));
        }

        Bias = source[0];
        int k = 1;
        for (int i = 0; i < Weights.Length; i++)
        {
            Weights[i] = source[k++];
        }

        for (int r = 0; r < Matrix.GetLength(0); r++)
        {
            for (int c = 0; c < Matrix.GetLength(1); c++)
            {
                Matrix[r, c] = source[k++];
            }
        }
    }

    /// <summary>The backward of the objective: adds the Rosenbrock gradient at this model's flat parameters to
    /// <paramref name="gradient"/>, with two buffers of the flat length as work space.</summary>
    public void AddObjectiveGradient(Gradient gradient, double[] flatScratch, double[] gradientScratch)
    {
        CopyParametersTo(flatScratch);
        OptimizerReference.Gradient(flatScratch, gradientScratch);
        gradient.Bias += gradientScratch[0];
        int k = 1;
        for (int i = 0; i < gradient.Weights.Length; i++)
        {
            gradient.Weights[i] += gradientScratch[k++];
        }

        for (int r = 0; r < gradient.Matrix.GetLength(0); r++)
        {
            for (int c = 0; c < gradient.Matrix.GetLength(1); c++)
            {
                gradient.Matrix[r, c] += gradientScratch[k++];
            }
        }
    }

    private static void Flatten(double bias, double[] weights, double[,] matrix, Span<double> destination)
    {
        destination[0] = bias;
        int k = 1;
        for (int i = 0; i < weights.Length; i++)
        {
            destination[k++] = weights[i];
        }

        for (int r = 0; r < matrix.GetLength(0); r++)
        {
            for (int c = 0; c < matrix.GetLength(1); c++)
            {
                destination[k++] = matrix[r, c];
            }
        }
    }

    /// <summary>The gradient of a <see cref="TestModel"/>.</summary>
    public sealed class Gradient : IGradient
    {
        public Gradient(int weights, int rows, int columns)
        {
            Weights = new double[weights];
            Matrix = new double[rows, columns];
        }

        public double Bias;
        public double[] Weights;
        public double[,] Matrix;

        public int Count => 1 + Weights.Length + Matrix.Length;

        public void Clear()
        {
            Bias = 0;
            Array.Clear(Weights, 0, Weights.Length);
            Array.Clear(Matrix, 0, Matrix.Length);
        }

        public void CopyTo(Span<double> destination)
        {
            if (destination.Length < Count)
            {
                throw new ArgumentException($"Needs {Count} elements.", nameof(destination));
            }

            Flatten(Bias, Weights, Matrix, destination);
        }
    }
}
