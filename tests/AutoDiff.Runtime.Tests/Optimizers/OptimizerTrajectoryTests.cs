using System;
using System.Linq;
using Xunit;

namespace AutoDiff.Runtime.Tests.Optimizers;

/// <summary>
/// Sgd, Adam and AdamW against the trajectories recorded from torch.optim (PyTorch 1.13, float64): 50 steps of the
/// scaled Rosenbrock function from a fixed start, for each hyperparameter setting of the script.
/// </summary>
public class OptimizerTrajectoryTests
{
    // The whole trajectory, with the gradient recomputed here: the hand-written gradient differs from autograd's in the
    // last bits, and 50 steps carry those differences along, so the tolerance is 1e-10 relative, with an absolute floor
    // of 1e-13 for components passing near 0.
    private const double TrajectoryRelative = 1e-10;
    private const double TrajectoryAbsolute = 1e-13;

    // One update from torch's own gradients: the same operations in the same order (fused multiply-adds where torch's
    // CPU kernels fuse), so the only room is Math.Pow in the bias corrections, which may differ by an ulp between
    // C libraries. On Linux the two agree to the last bit.
    private const double UpdateRelative = 1e-14;
    private const double UpdateAbsolute = 1e-16;

    [Theory]
    [MemberData(nameof(OptimizerReference.AllCases), MemberType = typeof(OptimizerReference))]
    public void TrajectoryMatchesTorch(string name)
    {
        OptimizerCase c = OptimizerReference.Case(name);
        IOptimizer optimizer = c.Create();
        double[] x = OptimizerReference.X0;
        var gradient = new double[x.Length];
        OptimizerReference.AssertClose(c.Parameters[0], x, 0, 0, $"{name}, start");
        for (int step = 0; step < c.Steps; step++)
        {
            OptimizerReference.Gradient(x, gradient);
            c.ApplySchedule(optimizer, step);
            optimizer.Step(x, gradient);
            OptimizerReference.AssertClose(c.Parameters[step + 1], x, TrajectoryRelative, TrajectoryAbsolute, $"{name}, after step {step + 1}");
        }

        // The run went somewhere: a trajectory that stays at the start would pass the comparison with a broken update
        // only if torch's did too.
        Assert.True(OptimizerReference.Objective(x) < OptimizerReference.Objective(OptimizerReference.X0));
    }

    [Theory]
    [MemberData(nameof(OptimizerReference.AllCases), MemberType = typeof(OptimizerReference))]
    public void UpdateFromRecordedGradientsMatchesTorch(string name)
    {
        OptimizerCase c = OptimizerReference.Case(name);
        IOptimizer optimizer = c.Create();
        double[] x = OptimizerReference.X0;
        for (int step = 0; step < c.Steps; step++)
        {
            c.ApplySchedule(optimizer, step);
            optimizer.Step(x, c.Gradients[step]);
            OptimizerReference.AssertClose(c.Parameters[step + 1], x, UpdateRelative, UpdateAbsolute, $"{name}, after step {step + 1}");
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerReference.AllCases), MemberType = typeof(OptimizerReference))]
    public void HandWrittenGradientMatchesAutograd(string name)
    {
        // The harness: the C# gradient is torch's at torch's own points, so the trajectory test compares optimizers.
        OptimizerCase c = OptimizerReference.Case(name);
        var gradient = new double[c.Parameters[0].Length];
        for (int step = 0; step < c.Steps; step++)
        {
            OptimizerReference.Gradient(c.Parameters[step], gradient);
            OptimizerReference.AssertClose(c.Gradients[step], gradient, 1e-13, 1e-13, $"{name}, gradient at step {step + 1}");
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerReference.AllCases), MemberType = typeof(OptimizerReference))]
    public void HyperparametersAreTorchs(string name)
    {
        // The defaults cases build the optimizer with the C# defaults; torch recorded the values it resolved.
        OptimizerCase c = OptimizerReference.Case(name);
        switch (c.Create())
        {
            case Sgd sgd:
                Assert.Equal(c.Hyper("learningRate"), sgd.LearningRate);
                Assert.Equal(c.Hyper("momentum"), sgd.Momentum);
                Assert.Equal(c.Hyper("dampening"), sgd.Dampening);
                Assert.Equal(c.Hyper("weightDecay"), sgd.WeightDecay);
                Assert.Equal(c.Hyperparameters["nesterov"].GetBoolean(), sgd.Nesterov);
                break;
            case Adam adam:
                Assert.Equal(c.Hyper("learningRate"), adam.LearningRate);
                Assert.Equal(c.Hyper("beta1"), adam.Beta1);
                Assert.Equal(c.Hyper("beta2"), adam.Beta2);
                Assert.Equal(c.Hyper("epsilon"), adam.Epsilon);
                Assert.Equal(c.Hyper("weightDecay"), adam.WeightDecay);
                break;
            case AdamW adamW:
                Assert.Equal(c.Hyper("learningRate"), adamW.LearningRate);
                Assert.Equal(c.Hyper("beta1"), adamW.Beta1);
                Assert.Equal(c.Hyper("beta2"), adamW.Beta2);
                Assert.Equal(c.Hyper("epsilon"), adamW.Epsilon);
                Assert.Equal(c.Hyper("weightDecay"), adamW.WeightDecay);
                break;
            default:
                Assert.Fail(c.Optimizer);
                break;
        }
    }

    [Fact]
    public void ReferenceCoversEverySetting()
    {
        // The brief's settings, so that a regenerated file that loses one fails here.
        string[] expected =
        {
            "sgd_plain", "sgd_momentum", "sgd_momentum_dampening", "sgd_nesterov", "sgd_weight_decay",
            "sgd_momentum_dampening_weight_decay", "sgd_nesterov_weight_decay", "sgd_momentum_schedule",
            "adam_default", "adam_lr", "adam_weight_decay", "adam_betas_eps", "adam_beta1_zero", "adam_all",
            "adamw_default", "adamw_custom", "adamw_betas_eps", "adamw_no_decay", "adamw_schedule",
        };
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), OptimizerReference.CaseNames.OrderBy(n => n, StringComparer.Ordinal));
        Assert.StartsWith("1.13", OptimizerReference.TorchVersion, StringComparison.Ordinal);
        Assert.All(OptimizerReference.CaseNames, n =>
        {
            OptimizerCase c = OptimizerReference.Case(n);
            Assert.Equal(50, c.Steps);
            Assert.Equal(51, c.Parameters.Count);
        });
    }

    [Fact]
    public void AdamWWithoutDecayIsAdam()
    {
        // torch's adamw_no_decay and adam_lr have the same hyperparameters but the decay; their trajectories are equal.
        OptimizerCase adam = OptimizerReference.Case("adam_lr");
        OptimizerCase adamW = OptimizerReference.Case("adamw_no_decay");
        for (int step = 0; step <= adam.Steps; step++)
        {
            Assert.Equal(adam.Parameters[step], adamW.Parameters[step]);
        }

        double[] a = OptimizerReference.X0, w = OptimizerReference.X0;
        var optimizerA = new Adam(0.05);
        var optimizerW = new AdamW(0.05, weightDecay: 0);
        var gradient = new double[a.Length];
        for (int step = 0; step < 50; step++)
        {
            OptimizerReference.Gradient(a, gradient);
            optimizerA.Step(a, gradient);
            OptimizerReference.Gradient(w, gradient);
            optimizerW.Step(w, gradient);
            Assert.Equal(a, w);
        }
    }
}
