#!/usr/bin/python3
"""samples/Training's model and epoch in PyTorch: the timing counterpart of TrainingBenchmarks.Epoch.

Run with Debian's python3-torch (torch 1.13), which is /usr/bin/python3 on the build machine, from the repository root:

    /usr/bin/python3 tests/AutoDiff.Benchmarks/Training/torch_epoch.py            time one epoch (median of many)
    /usr/bin/python3 tests/AutoDiff.Benchmarks/Training/torch_epoch.py --record   also write the reference data
    /usr/bin/python3 tests/AutoDiff.Benchmarks/Training/torch_epoch.py --record --no-timing   only the data

The set-up is the sample's (samples/Training/IrisTraining.cs), drawn from the same SplitMix64 generator with the same
seed, so it is the same run, not only the same shapes: the same 120 training rows (standardised with their own mean
and population standard deviation), the same initial weights and biases, the same batches of 16 (the last of 8) in
the same order. The model is nn.Linear(4, 16), tanh, nn.Linear(16, 3) in float64 (the C# model computes in double);
the loss is F.cross_entropy plus weight_decay / 2 times the squared weights of both layers; the optimizer
torch.optim.Adam(lr=0.01).

--record writes tests/AutoDiff.Benchmarks.Tests/ReferenceData/training_reference.json: the split, the initial
parameters, the mean loss of each of the first epochs and the parameters after them. TrainingReferenceTests compares
the C# run with it (the tests read only the JSON; they do not need torch).

Timing. Each variant runs WARMUP epochs, then MEASURED epochs timed one by one with time.perf_counter_ns; the script
prints the median (and the 10th and 90th percentiles) in microseconds per epoch. The batch order of a timed epoch
comes from torch.randperm, as a PyTorch user would shuffle (the pure-Python SplitMix64 shuffle is for the reference
run only). Variants:
  - "loop": the fastest plain PyTorch epoch: index the batch out of the training tensors, zero_grad, forward, loss,
    backward, step;
  - "DataLoader": the same with DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True), as tutorials write it.
Each variant is timed with torch.set_num_threads(1) and with the default number of threads (and with 2, the
machine's cores, when that is not the default).
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

SEED = 42
BATCH_SIZE = 16
WEIGHT_DECAY = 1e-3
TEST_FRACTION = 0.2
LEARNING_RATE = 0.01
INPUTS, HIDDEN, CLASSES = 4, 16, 3
RECORDED_EPOCHS = 5
WARMUP = 100
MEASURED = 2000

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DATA = os.path.join(ROOT, "samples", "Training", "Data", "iris.csv")
REFERENCE = os.path.join(ROOT, "tests", "AutoDiff.Benchmarks.Tests", "ReferenceData", "training_reference.json")

MASK = (1 << 64) - 1


class SplitMix64:
    """samples/Training/SplitMix64.cs, bit for bit."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next() >> 11) * (1.0 / (1 << 53))

    def uniform(self, low, high):
        return low + (high - low) * self.next_double()

    def shuffle(self, values):
        for i in range(len(values) - 1, 0, -1):
            j = self.next() % (i + 1)
            values[i], values[j] = values[j], values[i]


def load(path):
    """scikit-learn's iris.csv: '150,4,setosa,versicolor,virginica', then 'f0,f1,f2,f3,class' rows."""
    with open(path, encoding="ascii") as f:
        lines = [line.strip() for line in f if line.strip()]
    header = lines[0].split(",")
    rows, columns = int(header[0]), int(header[1])
    assert columns == INPUTS and len(header) - 2 == CLASSES and len(lines) - 1 == rows
    features = [[float(v) for v in line.split(",")[:columns]] for line in lines[1:]]
    labels = [int(line.split(",")[columns]) for line in lines[1:]]
    return features, labels


def stratified_split(labels, rng):
    """IrisData.StratifiedSplit: per class, shuffle its rows and take the first round(0.2 * count) for the test set."""
    train, test = [], []
    for c in range(CLASSES):
        rows = [r for r, label in enumerate(labels) if label == c]
        rng.shuffle(rows)
        count = int(TEST_FRACTION * len(rows) + 0.5)  # Math.Round(..., AwayFromZero) for a positive value
        test += rows[:count]
        train += rows[count:]
    return train, test


def standardize(train_features, features):
    """Standardizer.Fit on the training rows (population standard deviation), in the same order of operations."""
    n = len(train_features)
    mean, scale = [], []
    for j in range(INPUTS):
        s = 0.0
        for row in train_features:
            s += row[j]
        m = s / n
        squares = 0.0
        for row in train_features:
            d = row[j] - m
            squares += d * d
        sd = math.sqrt(squares / n)
        mean.append(m)
        scale.append(sd if sd > 0 else 1.0)
    return [[(row[j] - mean[j]) / scale[j] for j in range(INPUTS)] for row in features]


class IrisClassifier(nn.Module):
    """samples/Training/IrisClassifier.cs: Linear(4, 16), tanh, Linear(16, 3); W1 is Linear.weight (16 x 4, row-major)."""

    def __init__(self, rng):
        super().__init__()
        self.layer1 = nn.Linear(INPUTS, HIDDEN, dtype=torch.float64)
        self.layer2 = nn.Linear(HIDDEN, CLASSES, dtype=torch.float64)
        # IrisClassifier.Create: uniform in +-1/sqrt(fan_in), drawn in the order W1, B1, W2, B2.
        with torch.no_grad():
            for tensor, fan_in in ((self.layer1.weight, INPUTS), (self.layer1.bias, INPUTS),
                                   (self.layer2.weight, HIDDEN), (self.layer2.bias, HIDDEN)):
                bound = 1 / math.sqrt(fan_in)
                values = [rng.uniform(-bound, bound) for _ in range(tensor.numel())]
                tensor.copy_(torch.tensor(values, dtype=torch.float64).reshape(tensor.shape))

    def forward(self, x):
        return self.layer2(torch.tanh(self.layer1(x)))

    def loss(self, x, y):
        """IrisClassifier.Loss: mean cross-entropy + weight_decay / 2 * (|W1|^2 + |W2|^2)."""
        penalty = self.layer1.weight.pow(2).sum() + self.layer2.weight.pow(2).sum()
        return F.cross_entropy(self(x), y) + 0.5 * WEIGHT_DECAY * penalty

    def flat_parameters(self):
        """In IDifferentiable's flat order: W1, B1, W2, B2."""
        return torch.cat([p.detach().reshape(-1) for p in
                          (self.layer1.weight, self.layer1.bias, self.layer2.weight, self.layer2.bias)]).tolist()


class Setup:
    """IrisTraining.Create: one SplitMix64 at SEED draws the split, then the weights, then each epoch's batch order."""

    def __init__(self):
        self.rng = SplitMix64(SEED)
        features, labels = load(DATA)
        self.train_rows, self.test_rows = stratified_split(labels, self.rng)
        train_features = [features[r] for r in self.train_rows]
        self.x = torch.tensor(standardize(train_features, train_features), dtype=torch.float64)
        self.y = torch.tensor([labels[r] for r in self.train_rows], dtype=torch.int64)
        self.model = IrisClassifier(self.rng)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)

    def step(self, x, y):
        self.optimizer.zero_grad()
        loss = self.model.loss(x, y)
        loss.backward()
        self.optimizer.step()
        return loss

    def epoch_same_order(self):
        """Trainer.RunEpoch with the sample's batch order; returns the row-weighted mean of the batch losses."""
        order = list(range(len(self.train_rows)))
        self.rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            index = torch.tensor(order[start:start + BATCH_SIZE])
            total += self.step(self.x[index], self.y[index]).item() * len(index)
        return total / len(order)

    def epoch_loop(self):
        """The timed epoch: torch.randperm for the order, then the same steps."""
        order = torch.randperm(len(self.y))
        for start in range(0, len(order), BATCH_SIZE):
            index = order[start:start + BATCH_SIZE]
            self.step(self.x[index], self.y[index])

    def epoch_data_loader(self, loader):
        for x, y in loader:
            self.step(x, y)


def record():
    setup = Setup()
    initial = setup.model.flat_parameters()
    losses = [setup.epoch_same_order() for _ in range(RECORDED_EPOCHS)]
    reference = {
        "description": "samples/Training's run in PyTorch " + torch.__version__ + ", float64, written by "
                       "tests/AutoDiff.Benchmarks/Training/torch_epoch.py --record",
        "seed": SEED,
        "batchSize": BATCH_SIZE,
        "weightDecay": WEIGHT_DECAY,
        "learningRate": LEARNING_RATE,
        "trainRows": setup.train_rows,
        "testRows": setup.test_rows,
        "initialParameters": initial,
        "epochLosses": losses,
        "parametersAfter": setup.model.flat_parameters(),
    }
    with open(REFERENCE, "w", encoding="ascii") as f:
        f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in reference.items()) + "\n}\n")
    print(f"wrote {os.path.relpath(REFERENCE, ROOT)}: epoch losses {', '.join(f'{v:.6f}' for v in losses)}")


def time_epochs(run_epoch):
    for _ in range(WARMUP):
        run_epoch()
    times = []
    for _ in range(MEASURED):
        start = time.perf_counter_ns()
        run_epoch()
        times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    return statistics.median(times), times[len(times) // 10], times[(len(times) * 9) // 10]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="also write the reference data for the tests")
    parser.add_argument("--no-timing", action="store_true", help="do not time (with --record: only write the data)")
    args = parser.parse_args()
    torch.manual_seed(SEED)
    if args.record:
        record()
    if args.no_timing:
        return 0

    default_threads = torch.get_num_threads()
    thread_counts = [1] + ([default_threads] if default_threads != 1 else [])
    cores = os.cpu_count() or 1
    if cores not in thread_counts:
        thread_counts.append(cores)

    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", lambda: "unknown")()
    print(f"torch {torch.__version__}, Python {platform.python_version()}, {platform.processor() or platform.machine()}, "
          f"{cores} cores; default threads {default_threads}; CPU capability {capability}")
    print(f"one epoch = {len(Setup().y)} rows in batches of {BATCH_SIZE}; median of {MEASURED} epochs after {WARMUP} warm-up")
    print(f"{'variant':<12} {'threads':>12} {'median us':>10} {'p10 us':>9} {'p90 us':>9}")
    for threads in thread_counts:
        torch.set_num_threads(threads)
        setup = Setup()
        median, p10, p90 = time_epochs(setup.epoch_loop)
        label = f"{threads}" + (" (default)" if threads == default_threads else "")
        print(f"{'loop':<12} {label:>12} {median:>10.1f} {p10:>9.1f} {p90:>9.1f}", flush=True)
        setup = Setup()
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(setup.x, setup.y), batch_size=BATCH_SIZE, shuffle=True)
        median, p10, p90 = time_epochs(lambda: setup.epoch_data_loader(loader))
        print(f"{'DataLoader':<12} {label:>12} {median:>10.1f} {p10:>9.1f} {p90:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
