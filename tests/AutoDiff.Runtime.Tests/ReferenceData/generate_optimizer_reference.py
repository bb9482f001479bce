#!/usr/bin/python3
"""Records reference trajectories of torch.optim's SGD, Adam and AdamW for the optimizer tests.

Run with Debian's python3-torch (torch 1.13), which is /usr/bin/python3 on the build machine:

    /usr/bin/python3 tests/AutoDiff.Runtime.Tests/ReferenceData/generate_optimizer_reference.py

It writes optimizer_reference.json beside this script. The tests read only that file; they do not need torch.

The problem: a scaled Rosenbrock function in 7 dimensions,
    f(x) = sum_{i=0}^{n-2} B * (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,   B = 10,
from a fixed starting point, in float64. Each case runs 50 steps of one optimizer with one hyperparameter
setting: at step k it computes the gradient of f at the current parameters with autograd, records it, and
calls optimizer.step(). The file holds, per case, the parameters before the first step and after every step
(51 rows), the 50 gradients used, and for the schedule cases the learning rate of every step.

torch.optim runs its single-tensor implementation (foreach=False, the CPU default in 1.13). On an x86-64 CPU
with AVX2 (torch's "CPU capability" below), its element-wise kernels fuse `a + alpha * b` (add with alpha) and
`a + value * b * c` (addcmul) into fused multiply-adds; the C# optimizers do the same, so on such a machine the
pure-update test agrees to the last bit.
"""

import json
import os
import re

import torch

B = 10.0
X0 = [-1.2, 1.0, -0.8, 1.3, 0.5, -0.6, 1.1]
STEPS = 50

# (name, optimizer, keyword arguments passed to torch). The C# tests construct the optimizer with the same
# arguments, and with the C# defaults where the torch call uses torch's defaults (empty kwargs for Adam and AdamW,
# only lr for SGD, which has no default learning rate).
CASES = [
    ("sgd_plain", "Sgd", {"lr": 0.002}),
    ("sgd_momentum", "Sgd", {"lr": 0.002, "momentum": 0.9}),
    ("sgd_momentum_dampening", "Sgd", {"lr": 0.002, "momentum": 0.9, "dampening": 0.5}),
    ("sgd_nesterov", "Sgd", {"lr": 0.002, "momentum": 0.9, "nesterov": True}),
    ("sgd_weight_decay", "Sgd", {"lr": 0.002, "weight_decay": 0.1}),
    ("sgd_momentum_dampening_weight_decay", "Sgd", {"lr": 0.001, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.05}),
    ("sgd_nesterov_weight_decay", "Sgd", {"lr": 0.002, "momentum": 0.5, "weight_decay": 0.01, "nesterov": True}),
    ("adam_default", "Adam", {}),
    ("adam_lr", "Adam", {"lr": 0.05}),
    ("adam_weight_decay", "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("adam_betas_eps", "Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam_beta1_zero", "Adam", {"lr": 0.01, "betas": (0.0, 0.9)}),
    ("adam_all", "Adam", {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.01}),
    ("adamw_default", "AdamW", {}),
    ("adamw_custom", "AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("adamw_betas_eps", "AdamW", {"lr": 0.02, "betas": (0.85, 0.95), "eps": 1e-5, "weight_decay": 0.5}),
    ("adamw_no_decay", "AdamW", {"lr": 0.05, "weight_decay": 0.0}),
    # A learning-rate schedule: the rate is halved every 10 steps (as torch.optim.lr_scheduler.StepLR(step_size=10,
    # gamma=0.5)), set on the parameter group before the step; the C# tests set LearningRate from "learningRates".
    ("sgd_momentum_schedule", "Sgd", {"lr": 0.004, "momentum": 0.9}),
    ("adamw_schedule", "AdamW", {"lr": 0.1, "weight_decay": 0.1}),
]

SCHEDULED = {"sgd_momentum_schedule", "adamw_schedule"}


def objective(x):
    return (B * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def make_optimizer(kind, params, kwargs):
    if kind == "Sgd":
        return torch.optim.SGD(params, foreach=False, **kwargs)
    if kind == "Adam":
        return torch.optim.Adam(params, foreach=False, **kwargs)
    if kind == "AdamW":
        return torch.optim.AdamW(params, foreach=False, **kwargs)
    raise ValueError(kind)


def hyperparameters(kind, group):
    """The hyperparameters torch resolved (given and defaults), under the C# parameter names."""
    if kind == "Sgd":
        return {
            "learningRate": group["lr"],
            "momentum": float(group["momentum"]),
            "dampening": float(group["dampening"]),
            "weightDecay": float(group["weight_decay"]),
            "nesterov": bool(group["nesterov"]),
        }
    beta1, beta2 = group["betas"]
    return {
        "learningRate": group["lr"],
        "beta1": float(beta1),
        "beta2": float(beta2),
        "epsilon": float(group["eps"]),
        "weightDecay": float(group["weight_decay"]),
    }


def run(kind, kwargs, scheduled):
    x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer(kind, [x], kwargs)
    hyper = hyperparameters(kind, optimizer.param_groups[0])
    parameters = [x.detach().tolist()]
    gradients = []
    values = []
    learning_rates = []
    for step in range(STEPS):
        if scheduled:
            optimizer.param_groups[0]["lr"] = kwargs["lr"] * 0.5 ** (step // 10)
        learning_rates.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad()
        value = objective(x)
        value.backward()
        values.append(value.item())
        gradients.append(x.grad.tolist())
        optimizer.step()
        parameters.append(x.detach().tolist())
    final = objective(x.detach()).item()
    assert all(map(lambda v: v == v and abs(v) < 1e6, sum(parameters, []))), "diverged"
    return hyper, parameters, gradients, values, final, learning_rates


def cpu_capability():
    match = re.search(r"CPU capability usage: (\w+)", torch.__config__.show())
    return match.group(1) if match else "unknown"


def main():
    torch.set_default_dtype(torch.float64)
    cases = []
    for name, kind, kwargs in CASES:
        scheduled = name in SCHEDULED
        hyper, parameters, gradients, values, final, learning_rates = run(kind, kwargs, scheduled)
        print(f"{name:40s} f: {values[0]:.6g} -> {final:.6g}")
        case = {
            "name": name,
            "optimizer": kind,
            "torchArguments": sorted(kwargs),
            "hyperparameters": hyper,
        }
        if scheduled:
            case["learningRates"] = learning_rates
        case["parameters"] = parameters
        case["gradients"] = gradients
        cases.append(case)

    # One vector per line, so that a diff of a regenerated file shows which rows changed.
    lines = ["{"]
    lines.append(f'  "generator": {json.dumps(os.path.basename(__file__))},')
    lines.append(f'  "torchVersion": {json.dumps(torch.__version__)},')
    lines.append(f'  "torchCpuCapability": {json.dumps(cpu_capability())},')
    lines.append('  "problem": {')
    lines.append('    "name": "scaled Rosenbrock: f(x) = sum_{i<n-1} b (x[i+1] - x[i]^2)^2 + (1 - x[i])^2",')
    lines.append(f'    "b": {json.dumps(B)},')
    lines.append(f'    "x0": {json.dumps(X0)}')
    lines.append("  },")
    lines.append(f'  "steps": {STEPS},')
    lines.append('  "cases": [')
    for c, case in enumerate(cases):
        lines.append("    {")
        for key in ("name", "optimizer", "torchArguments", "hyperparameters", "learningRates"):
            if key in case:
                lines.append(f"      {json.dumps(key)}: {json.dumps(case[key])},")
        for key, last in (("parameters", False), ("gradients", True)):
            rows = case[key]
            lines.append(f"      {json.dumps(key)}: [")
            for r, row in enumerate(rows):
                lines.append("        " + json.dumps(row) + ("," if r + 1 < len(rows) else ""))
            lines.append("      ]" + ("" if last else ","))
        lines.append("    }" + ("," if c + 1 < len(cases) else ""))
    lines.append("  ]")
    lines.append("}")

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizer_reference.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
