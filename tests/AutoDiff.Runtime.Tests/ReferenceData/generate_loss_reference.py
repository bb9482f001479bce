#!/usr/bin/python3
"""Reference values and input gradients of PyTorch's losses, for tests/AutoDiff.Runtime.Tests/LossReferenceTests.cs.

Run with Debian's python3-torch (torch 1.13), from this folder:

    /usr/bin/python3 generate_loss_reference.py

It writes loss_reference.json next to this script. Each case is one call of a loss of AutoDiff.Losses: the loss's
name as in C#, the dtype ("float64" for the double overload, "float32" for the float one), the reduction, the options
(beta, delta, labelSmoothing), the input, the target, classes for the classification losses, and PyTorch's value and
gradient of the input (backward with grad_output = 1). A float32 case also has value64 and grad64: PyTorch's float64
result at the same (float32) inputs, the exact answer that a loss computed in double should round to.

Numbers are written with repr, which round-trips every float64 exactly; float32 inputs are written as the float64 of
the float32 value, so the tests read back exactly the value PyTorch used. No value is infinite or NaN (JSON has none).
The tests need only the JSON, not torch.
"""

import json
import math
import os
import warnings

import torch
import torch.nn.functional as F

# kl_div's reduction='mean' warns that it is not 'batchmean'; 'mean' is what AutoDiff's Reduction.Mean is.
warnings.filterwarnings("ignore", category=UserWarning)

generator = torch.Generator().manual_seed(20240512)


def normal(n, scale=1.0):
    return (torch.randn(n, generator=generator, dtype=torch.float64) * scale).tolist()


def uniform(n, low, high):
    return (low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)).tolist()


def labels(n):
    return torch.randint(0, 2, (n,), generator=generator).double().tolist()


def classes_of(n, classes):
    return torch.randint(0, classes, (n,), generator=generator).tolist()


def log_softmax_rows(values, classes):
    return F.log_softmax(torch.tensor(values, dtype=torch.float64).view(-1, classes), dim=1).reshape(-1).tolist()


def probabilities(n, zeros=()):
    p = torch.rand(n, generator=generator, dtype=torch.float64) + 0.05
    for i in zeros:
        p[i] = 0.0
    return (p / p.sum()).tolist()


REDUCTIONS = {"Mean": "mean", "Sum": "sum"}


def evaluate(loss, dtype, reduction, options, input, target, classes):
    x = torch.tensor(input, dtype=dtype, requires_grad=True)
    r = REDUCTIONS[reduction]
    if loss in ("CrossEntropyLoss", "NllLoss"):
        t = torch.tensor(target, dtype=torch.long)
        rows = x.view(len(target), classes)
        if loss == "CrossEntropyLoss":
            value = F.cross_entropy(rows, t, reduction=r, label_smoothing=options.get("labelSmoothing", 0.0))
        else:
            value = F.nll_loss(rows, t, reduction=r)
    else:
        t = torch.tensor(target, dtype=dtype)
        if loss == "MseLoss":
            value = F.mse_loss(x, t, reduction=r)
        elif loss == "L1Loss":
            value = F.l1_loss(x, t, reduction=r)
        elif loss == "SmoothL1Loss":
            value = F.smooth_l1_loss(x, t, reduction=r, beta=options["beta"])
        elif loss == "HuberLoss":
            value = F.huber_loss(x, t, reduction=r, delta=options["delta"])
        elif loss == "BceLoss":
            value = F.binary_cross_entropy(x, t, reduction=r)
        elif loss == "BceWithLogitsLoss":
            value = F.binary_cross_entropy_with_logits(x, t, reduction=r)
        elif loss == "KlDivLoss":
            value = F.kl_div(x, t, reduction=r)
        else:
            raise ValueError(loss)
    value.backward()
    return float(value.item()), [float(g) for g in x.grad.tolist()]


def to_float32(values):
    return torch.tensor(values, dtype=torch.float32).double().tolist()


def finite(*numbers):
    return all(math.isfinite(v) for v in numbers)


cases = []


def case(name, loss, input, target, classes=None, **options):
    for dtype_name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        x = input if dtype == torch.float64 else to_float32(input)
        t = target
        if dtype == torch.float32 and loss not in ("CrossEntropyLoss", "NllLoss"):
            t = to_float32(target)
        opts = {k: (v if dtype == torch.float64 else to_float32([v])[0]) for k, v in options.items()}
        for reduction in REDUCTIONS:
            value, grad = evaluate(loss, dtype, reduction, opts, x, t, classes)
            entry = {
                "name": f"{loss} {name} {dtype_name} {reduction}",
                "loss": loss,
                "dtype": dtype_name,
                "reduction": reduction,
                "options": opts,
                "input": x,
                "target": t,
                "value": value,
                "grad": grad,
            }
            if classes is not None:
                entry["classes"] = classes
            if dtype == torch.float32:
                value64, grad64 = evaluate(loss, torch.float64, reduction, opts, x, t, classes)
                entry["value64"] = value64
                entry["grad64"] = grad64
            assert finite(value, *grad, *entry.get("grad64", [])), entry["name"]
            cases.append(entry)


# Regression losses: random residuals, an exact zero residual (the subgradient 0), a batch of one.
for k in range(3):
    case(f"random{k}", "MseLoss", normal(7, 2.0), normal(7))
case("one", "MseLoss", [0.75], [-1.5])

for k in range(2):
    case(f"random{k}", "L1Loss", normal(7, 2.0), normal(7))
case("zero-residuals", "L1Loss", [0.5, -1.25, 2.0, 3.0], [0.5, -1.0, 2.0, -3.0])
case("one", "L1Loss", [0.75], [-1.5])

# SmoothL1: residuals on both sides of beta, exactly at beta (1.5 - 0.5 = 1), beta = 0 (the L1 loss, zero residual).
case("beta1", "SmoothL1Loss", uniform(8, -3, 3), uniform(8, -0.5, 0.5), beta=1.0)
case("beta0.5", "SmoothL1Loss", uniform(8, -1.5, 1.5), normal(8, 0.2), beta=0.5)
case("beta2.5", "SmoothL1Loss", uniform(8, -5, 5), normal(8, 0.2), beta=2.5)
case("at-beta", "SmoothL1Loss", [1.5, -0.5, 0.25, 3.0], [0.5, 0.5, 0.0, 0.0], beta=1.0)
case("beta0", "SmoothL1Loss", [0.5, -1.25, 2.0, 0.1], [0.5, -1.0, -2.0, 0.3], beta=0.0)
case("one", "SmoothL1Loss", [0.3], [-0.1], beta=1.0)

# Huber: residuals on both sides of delta, exactly at delta.
case("delta1", "HuberLoss", uniform(8, -3, 3), uniform(8, -0.5, 0.5), delta=1.0)
case("delta0.3", "HuberLoss", uniform(8, -1, 1), normal(8, 0.1), delta=0.3)
case("delta2.5", "HuberLoss", uniform(8, -5, 5), normal(8, 0.2), delta=2.5)
case("at-delta", "HuberLoss", [1.5, -0.5, 0.25, 3.0], [0.5, 0.5, 0.0, 0.0], delta=1.0)
case("one", "HuberLoss", [-2.0], [0.5], delta=1.0)

# BCE: random probabilities, soft targets, probabilities exactly 0 and 1 (the log clamp at -100 and PyTorch's
# epsilon in the gradient), probabilities within 1e-12 of 0 and 1, a batch of one.
case("random", "BceLoss", uniform(8, 0.02, 0.98), labels(8))
case("soft", "BceLoss", uniform(8, 0.02, 0.98), uniform(8, 0, 1))
case("edges", "BceLoss", [0.0, 0.0, 1.0, 1.0, 0.5, 0.0], [0.0, 1.0, 0.0, 1.0, 0.5, 0.25])
case("near-edges", "BceLoss", [1e-13, 1e-50, 1 - 1e-13, 1e-7, 1 - 1e-7, 0.5], [0.0, 1.0, 1.0, 0.0, 1.0, 0.3])
case("one", "BceLoss", [0.8], [1.0])

# BCE with logits: random logits, soft targets, large logits (exp(-x) overflows unless computed stably), a batch of one.
case("random", "BceWithLogitsLoss", normal(8, 3.0), labels(8))
case("soft", "BceWithLogitsLoss", normal(8, 3.0), uniform(8, 0, 1))
case("large", "BceWithLogitsLoss", [-50.0, 50.0, -800.0, 800.0, 0.0, 30.0, -30.0, 100.0],
     [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.7])
case("one", "BceWithLogitsLoss", [-1.25], [1.0])

# Cross-entropy: a random batch, label smoothing 0, 0.1 and 1, large logits (exp overflows without the row maximum),
# ties, a batch of one, one class.
for smoothing in (0.0, 0.1):
    case(f"random ls={smoothing}", "CrossEntropyLoss", normal(4 * 5, 2.0), classes_of(4, 5), classes=5, labelSmoothing=smoothing)
    case(f"large ls={smoothing}", "CrossEntropyLoss",
         [1000.0, -1000.0, 0.0, -500.0, 500.0, 499.0, 1e4, 1e4, 1e4, -800.0, -801.0, -900.0],
         [1, 2, 0, 0], classes=3, labelSmoothing=smoothing)
    case(f"one ls={smoothing}", "CrossEntropyLoss", [0.5, -1.0, 2.0, 0.0], [2], classes=4, labelSmoothing=smoothing)
case("ls=1", "CrossEntropyLoss", normal(3 * 4), classes_of(3, 4), classes=4, labelSmoothing=1.0)
case("ls=0.25", "CrossEntropyLoss", normal(6 * 3, 3.0), classes_of(6, 3), classes=3, labelSmoothing=0.25)
case("one-class", "CrossEntropyLoss", [1.5, -2.0], [0, 0], classes=1, labelSmoothing=0.1)

# NLL: log-softmax rows, a batch of one.
case("random", "NllLoss", log_softmax_rows(normal(5 * 4, 2.0), 4), classes_of(5, 4), classes=4)
case("one", "NllLoss", log_softmax_rows([0.5, 1.0, -2.0], 3), [1], classes=3)

# KL divergence: log-probabilities against target distributions, with zero targets (the term is 0 there).
case("random", "KlDivLoss", log_softmax_rows(normal(2 * 4), 4), probabilities(4) + probabilities(4))
case("zero-targets", "KlDivLoss", log_softmax_rows(normal(2 * 5), 5), probabilities(5, zeros=(1, 3)) + probabilities(5, zeros=(0,)))
case("one", "KlDivLoss", [-0.5], [0.25])

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss_reference.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"{len(cases)} cases written to {path}")
