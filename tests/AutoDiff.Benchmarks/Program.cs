// Benchmarks of issue 3 (generated gradients vs hand-written, primal and finite differences) and issue 5 (generator time).
//
//   dotnet run -c Release --project tests/AutoDiff.Benchmarks -- --filter '*'            all benchmarks
//   dotnet run -c Release --project tests/AutoDiff.Benchmarks -- --anyCategories Mlp     one kernel (Rosenbrock, LogisticRegression, Mlp, MathChain, Generator)
//   dotnet run -c Release --project tests/AutoDiff.Benchmarks -- --check                 gradient self-check, exits 1 on a mismatch
//   dotnet run -c Release --project tests/AutoDiff.Benchmarks -- --profile-generator     where the generator's time goes (step tracking)
//   dotnet run -c Release --project tests/AutoDiff.Benchmarks -- --profile-generator-edits 15   only edits, to run under dotnet-trace
using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace AutoDiff.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--check"))
        {
            int status = GradientCheck.Run(Console.Out);
            var (ok, description) = SyntheticCompilation.Verify();
            Console.WriteLine();
            Console.WriteLine($"Generator benchmark project: {description}: {(ok ? "ok" : "MISMATCH")}");
            return ok ? status : 1;
        }

        if (args.Length == 2 && args[0] == "--profile-generator-edits")
        {
            GeneratorProfile.EditLoop(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }

        if (args.Contains("--profile-generator"))
        {
            GeneratorProfile.Run(Console.Out);
            return 0;
        }

        // One summary per benchmark class, so that each kernel's ratios are against its own hand-written baseline.
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
