using System;
using Xunit;

namespace AutoDiff.Runtime.Tests.Optimizers;

/// <summary>The <see cref="IOptimizer.Step(IDifferentiable, IGradient)"/> overload, and the allocation of both.</summary>
public class OptimizerModelTests
{
    [Theory]
    [MemberData(nameof(OptimizerReference.AllCases), MemberType = typeof(OptimizerReference))]
    public void ModelOverloadGivesTheSpanOverloadsTrajectory(string name)
    {
        OptimizerCase c = OptimizerReference.Case(name);
        IOptimizer spanOptimizer = c.Create();
        IOptimizer modelOptimizer = c.Create();
        double[] x = OptimizerReference.X0;
        var flatGradient = new double[x.Length];

        TestModel model = NewModel(OptimizerReference.X0);
        TestModel.Gradient gradient = model.NewGradient();
        var flat = new double[model.ParameterCount];
        var scratch = new double[model.ParameterCount];
        var actual = new double[model.ParameterCount];
        for (int step = 0; step < c.Steps; step++)
        {
            OptimizerReference.Gradient(x, flatGradient);
            c.ApplySchedule(spanOptimizer, step);
            spanOptimizer.Step(x, flatGradient);

            gradient.Clear();
            model.AddObjectiveGradient(gradient, flat, scratch);
            c.ApplySchedule(modelOptimizer, step);
            modelOptimizer.Step(model, gradient);

            model.CopyParametersTo(actual);
            Assert.Equal(x, actual);
            OptimizerReference.AssertClose(c.Parameters[step + 1], actual, 1e-10, 1e-13, $"{name}, after step {step + 1}");
        }
    }

    public static TheoryData<string> Kinds() => new() { "Sgd", "SgdNesterovDecay", "Adam", "AdamW" };

    private static IOptimizer Make(string kind) => kind switch
    {
        "Sgd" => new Sgd(0.002),
        "SgdNesterovDecay" => new Sgd(0.002, momentum: 0.9, weightDecay: 0.1, nesterov: true),
        "Adam" => new Adam(0.01, weightDecay: 0.1),
        "AdamW" => new AdamW(0.01),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SpanStepsAllocateNothingAfterTheFirst(string kind)
    {
        IOptimizer optimizer = Make(kind);
        double[] x = OptimizerReference.X0;
        var gradient = new double[x.Length];
        for (int step = 0; step < 3; step++)
        {
            OptimizerReference.Gradient(x, gradient);
            optimizer.Step(x, gradient);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 100; step++)
        {
            OptimizerReference.Gradient(x, gradient);
            optimizer.Step(x, gradient);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(OptimizerReference.Objective(x) < OptimizerReference.Objective(OptimizerReference.X0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ModelStepsAllocateNothingAfterTheFirst(string kind)
    {
        IOptimizer optimizer = Make(kind);
        TestModel model = NewModel(OptimizerReference.X0);
        TestModel.Gradient gradient = model.NewGradient();
        var flat = new double[model.ParameterCount];
        var scratch = new double[model.ParameterCount];
        for (int step = 0; step < 3; step++)
        {
            gradient.Clear();
            model.AddObjectiveGradient(gradient, flat, scratch);
            optimizer.Step(model, gradient);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 100; step++)
        {
            gradient.Clear();
            model.AddObjectiveGradient(gradient, flat, scratch);
            optimizer.Step(model, gradient);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        model.CopyParametersTo(flat);
        Assert.True(OptimizerReference.Objective(flat) < OptimizerReference.Objective(OptimizerReference.X0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ModelWithAnotherParameterCountThanTheFirstIsRejected(string kind)
    {
        IOptimizer optimizer = Make(kind);
        TestModel first = NewModel(OptimizerReference.X0);
        optimizer.Step(first, first.NewGradient());

        var other = new TestModel(3, 2, 2) { Bias = 0.5 };
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(other, other.NewGradient()));
        Assert.Equal("model", e.ParamName);
        Assert.Equal(0.5, other.Bias);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void GradientOfAnotherShapeIsRejected(string kind)
    {
        IOptimizer optimizer = Make(kind);
        TestModel model = NewModel(OptimizerReference.X0);
        var before = new double[model.ParameterCount];
        model.CopyParametersTo(before);

        var longer = new TestModel.Gradient(3, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(model, longer));
        Assert.Equal("gradient", e.ParamName);
        Assert.IsType<ArgumentException>(e.InnerException);

        var shorter = new TestModel.Gradient(1, 2, 2);
        e = Assert.Throws<ArgumentException>(() => optimizer.Step(model, shorter));
        Assert.Equal("gradient", e.ParamName);

        var after = new double[model.ParameterCount];
        model.CopyParametersTo(after);
        Assert.Equal(before, after);

        // Neither sized the state: a model of another size is still accepted.
        var other = new TestModel(4, 1, 3);
        optimizer.Step(other, other.NewGradient());
        Assert.Equal(1, StepCount(optimizer));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NullModelOrGradientIsRejected(string kind)
    {
        IOptimizer optimizer = Make(kind);
        TestModel model = NewModel(OptimizerReference.X0);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => optimizer.Step(null!, model.NewGradient())).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentNullException>(() => optimizer.Step(model, null!)).ParamName);
    }

    internal static long StepCount(IOptimizer optimizer) => optimizer switch
    {
        Sgd sgd => sgd.StepCount,
        Adam adam => adam.StepCount,
        AdamW adamW => adamW.StepCount,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer)),
    };

    private static TestModel NewModel(double[] x)
    {
        var model = new TestModel(2, 2, 2);
        Assert.Equal(x.Length, model.ParameterCount);
        model.SetParameters(x);
        return model;
    }
}
