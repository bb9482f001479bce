using System;

namespace AutoDiff;

/// <summary>
/// The backward of a function of a flat vector of <see cref="double"/> parameters, in the form that
/// <see cref="GradCheck"/> checks: it returns the function's value at <paramref name="x"/> and ADDS
/// <paramref name="seed"/> times the gradient into <paramref name="grad"/> (as generated backward methods do for
/// array and span parameters).
/// </summary>
/// <param name="x">The point: all differentiable parameters, flattened. Its length is the function's dimension.</param>
/// <param name="seed">The gradient flowing in from above (PyTorch's <c>grad_output</c>).</param>
/// <param name="grad">The gradient of all parameters, flattened like <paramref name="x"/>; zeroed by the checker before each call.</param>
/// <returns>The function's value at <paramref name="x"/> (the primal value).</returns>
/// <remarks>
/// A generated <c>double LossBackward(double[] w, double seed, Span&lt;double&gt; gradW)</c> is one already, so its method
/// group converts directly. For other shapes write a one-line lambda, for example
/// <c>(x, s, g) =&gt; LossBackward(x[0], x[1], s, out g[0], out g[1])</c>.
/// </remarks>
public delegate double GradientFunc(double[] x, double seed, Span<double> grad);

/// <summary>
/// The <see cref="float"/> counterpart of <see cref="GradientFunc"/>: returns the function's value at
/// <paramref name="x"/> and adds <paramref name="seed"/> times the gradient into <paramref name="grad"/>.
/// </summary>
/// <param name="x">The point: all differentiable parameters, flattened.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="grad">The gradient of all parameters, flattened like <paramref name="x"/>; zeroed by the checker before each call.</param>
/// <returns>The function's value at <paramref name="x"/>.</returns>
public delegate float GradientFuncF(float[] x, float seed, Span<float> grad);

/// <summary>The generated backward of <c>double F(double x)</c>: returns <c>F(x)</c>, and <paramref name="gradX"/> = seed · ∂F/∂x.</summary>
/// <param name="x">The argument.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="gradX">Receives seed times the derivative with respect to <paramref name="x"/>.</param>
/// <returns>The primal value <c>F(x)</c>.</returns>
public delegate double Backward1(double x, double seed, out double gradX);

/// <summary>The generated backward of <c>double F(double x, double y)</c>: returns <c>F(x, y)</c> and seed times each partial derivative.</summary>
/// <param name="x">The first argument.</param>
/// <param name="y">The second argument.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="gradX">Receives seed · ∂F/∂x.</param>
/// <param name="gradY">Receives seed · ∂F/∂y.</param>
/// <returns>The primal value <c>F(x, y)</c>.</returns>
public delegate double Backward2(double x, double y, double seed, out double gradX, out double gradY);

/// <summary>The generated backward of <c>double F(double x, double y, double z)</c>: returns <c>F(x, y, z)</c> and seed times each partial derivative.</summary>
/// <param name="x">The first argument.</param>
/// <param name="y">The second argument.</param>
/// <param name="z">The third argument.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="gradX">Receives seed · ∂F/∂x.</param>
/// <param name="gradY">Receives seed · ∂F/∂y.</param>
/// <param name="gradZ">Receives seed · ∂F/∂z.</param>
/// <returns>The primal value <c>F(x, y, z)</c>.</returns>
public delegate double Backward3(double x, double y, double z, double seed, out double gradX, out double gradY, out double gradZ);

/// <summary>The generated backward of <c>float F(float x)</c>: returns <c>F(x)</c>, and <paramref name="gradX"/> = seed · ∂F/∂x.</summary>
/// <param name="x">The argument.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="gradX">Receives seed times the derivative with respect to <paramref name="x"/>.</param>
/// <returns>The primal value <c>F(x)</c>.</returns>
public delegate float Backward1F(float x, float seed, out float gradX);

/// <summary>The generated backward of <c>float F(float x, float y)</c>: returns <c>F(x, y)</c> and seed times each partial derivative.</summary>
/// <param name="x">The first argument.</param>
/// <param name="y">The second argument.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="gradX">Receives seed · ∂F/∂x.</param>
/// <param name="gradY">Receives seed · ∂F/∂y.</param>
/// <returns>The primal value <c>F(x, y)</c>.</returns>
public delegate float Backward2F(float x, float y, float seed, out float gradX, out float gradY);

/// <summary>The generated backward of <c>float F(float x, float y, float z)</c>: returns <c>F(x, y, z)</c> and seed times each partial derivative.</summary>
/// <param name="x">The first argument.</param>
/// <param name="y">The second argument.</param>
/// <param name="z">The third argument.</param>
/// <param name="seed">The gradient flowing in from above.</param>
/// <param name="gradX">Receives seed · ∂F/∂x.</param>
/// <param name="gradY">Receives seed · ∂F/∂y.</param>
/// <param name="gradZ">Receives seed · ∂F/∂z.</param>
/// <returns>The primal value <c>F(x, y, z)</c>.</returns>
public delegate float Backward3F(float x, float y, float z, float seed, out float gradX, out float gradY, out float gradZ);
