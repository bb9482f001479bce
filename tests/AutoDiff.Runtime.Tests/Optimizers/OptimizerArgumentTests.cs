using System;
using Xunit;

namespace AutoDiff.Runtime.Tests.Optimizers;

/// <summary>Bad arguments, the state's length, <c>Reset</c> and <c>StepCount</c>.</summary>
public class OptimizerArgumentTests
{
    public static TheoryData<string> Kinds() => new() { "Sgd", "SgdMomentum", "Adam", "AdamW" };

    private static IOptimizer Make(string kind) => kind switch
    {
        "Sgd" => new Sgd(0.01),
        "SgdMomentum" => new Sgd(0.01, momentum: 0.9, dampening: 0.1),
        "Adam" => new Adam(0.05),
        "AdamW" => new AdamW(0.05),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void GradientOfAnotherLengthIsRejected(string kind)
    {
        IOptimizer optimizer = Make(kind);
        double[] x = { 1, 2, 3 };
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(x, new double[2]));
        Assert.Equal("gradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => optimizer.Step(x, new double[4]));
        Assert.Equal("gradient", e.ParamName);
        Assert.Equal(new double[] { 1, 2, 3 }, x);
        Assert.Equal(0, OptimizerModelTests.StepCount(optimizer));

        // After the state is sized, too.
        optimizer.Step(x, new double[] { 1, 1, 1 });
        e = Assert.Throws<ArgumentException>(() => optimizer.Step(x, new double[2]));
        Assert.Equal("gradient", e.ParamName);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ParametersOfAnotherLengthThanTheFirstCallAreRejected(string kind)
    {
        IOptimizer optimizer = Make(kind);
        optimizer.Step(new double[] { 1, 2, 3 }, new double[] { 1, 1, 1 });

        double[] shorter = { 1, 2 };
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(shorter, new double[] { 1, 1 }));
        Assert.Equal("parameters", e.ParamName);
        Assert.Equal(new double[] { 1, 2 }, shorter);

        double[] longer = { 1, 2, 3, 4 };
        e = Assert.Throws<ArgumentException>(() => optimizer.Step(longer, new double[] { 1, 1, 1, 1 }));
        Assert.Equal("parameters", e.ParamName);
        Assert.Equal(new double[] { 1, 2, 3, 4 }, longer);
        Assert.Equal(1, OptimizerModelTests.StepCount(optimizer));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RejectedFirstCallDoesNotSizeTheState(string kind)
    {
        IOptimizer optimizer = Make(kind);
        Assert.Throws<ArgumentException>(() => optimizer.Step(new double[3], new double[2]));
        optimizer.Step(new double[5], new double[] { 1, 1, 1, 1, 1 });
        Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => optimizer.Step(new double[3], new double[3])).ParamName);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ResetStartsAfresh(string kind)
    {
        OptimizerCase c = OptimizerReference.Case("sgd_momentum");
        IOptimizer fresh = Make(kind);
        IOptimizer reused = Make(kind);
        double[] x = OptimizerReference.X0;
        for (int step = 0; step < 10; step++)
        {
            reused.Step(x, c.Gradients[step]);
        }

        Assert.Equal(10, OptimizerModelTests.StepCount(reused));
        Reset(reused);
        Assert.Equal(0, OptimizerModelTests.StepCount(reused));

        double[] a = OptimizerReference.X0, b = OptimizerReference.X0;
        for (int step = 0; step < 10; step++)
        {
            fresh.Step(a, c.Gradients[step]);
            reused.Step(b, c.Gradients[step]);
            Assert.Equal(a, b);
        }

        // And another length is accepted after a reset.
        Reset(reused);
        reused.Step(new double[2], new double[] { 1, -1 });
        Assert.Equal(1, OptimizerModelTests.StepCount(reused));
    }

    private static void Reset(IOptimizer optimizer)
    {
        switch (optimizer)
        {
            case Sgd sgd: sgd.Reset(); break;
            case Adam adam: adam.Reset(); break;
            case AdamW adamW: adamW.Reset(); break;
        }
    }

    public static TheoryData<double> BadLearningRates() => new() { 0, -0.0, -1e-3, double.NaN, double.PositiveInfinity, double.NegativeInfinity };

    [Theory]
    [MemberData(nameof(BadLearningRates))]
    public void NonPositiveOrNonFiniteLearningRateIsRejected(double lr)
    {
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(lr)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(lr)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(lr)).ParamName);

        var sgd = new Sgd(0.1);
        var adam = new Adam(0.1);
        var adamW = new AdamW(0.1);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = lr).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = lr).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => adamW.LearningRate = lr).ParamName);
        Assert.Equal(0.1, sgd.LearningRate);
        Assert.Equal(0.1, adam.LearningRate);
        Assert.Equal(0.1, adamW.LearningRate);
    }

    [Fact]
    public void LearningRateIsSettable()
    {
        var sgd = new Sgd(0.1) { LearningRate = 0.5 };
        double[] x = { 1 };
        sgd.Step(x, new double[] { 1 });
        Assert.Equal(0.5, x[0]);
    }

    public static TheoryData<double> BadBetas() => new() { -0.1, 1.0, 1.5, double.NaN, double.PositiveInfinity };

    [Theory]
    [MemberData(nameof(BadBetas))]
    public void BetaOutsideZeroToOneIsRejected(double beta)
    {
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: beta)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta2: beta)).ParamName);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(beta1: beta)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(beta2: beta)).ParamName);
    }

    [Fact]
    public void EdgesTorchAcceptsAreAccepted()
    {
        Assert.Equal(0, new Adam(beta1: 0, beta2: 0, epsilon: 0).Beta1);
        Assert.Equal(0, new AdamW(beta1: 0, beta2: 0, epsilon: 0, weightDecay: 0).Epsilon);
        Assert.Equal(0.9999999, new Adam(beta2: 0.9999999).Beta2);
        Assert.True(new Sgd(1e-300, momentum: 1e-12, nesterov: true).Nesterov);
        Assert.Equal(2, new Sgd(0.1, momentum: 0.5, dampening: 2).Dampening);
    }

    [Theory]
    [InlineData(-1e-8)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NegativeOrNonFiniteEpsilonIsRejected(double epsilon)
    {
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: epsilon)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(epsilon: epsilon)).ParamName);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NegativeOrNonFiniteWeightDecayIsRejected(double weightDecay)
    {
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, weightDecay: weightDecay)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(weightDecay: weightDecay)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(weightDecay: weightDecay)).ParamName);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void NegativeOrNonFiniteMomentumIsRejected(double momentum)
    {
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, momentum: momentum)).ParamName);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NonFiniteDampeningIsRejected(double dampening)
    {
        Assert.Equal("dampening", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, momentum: 0.9, dampening: dampening)).ParamName);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.9, 0.1)]
    [InlineData(0.0, 0.5)]
    public void NesterovNeedsMomentumAndNoDampening(double momentum, double dampening)
    {
        var e = Assert.Throws<ArgumentException>(() => new Sgd(0.1, momentum, dampening, nesterov: true));
        Assert.Equal("nesterov", e.ParamName);
    }
}
