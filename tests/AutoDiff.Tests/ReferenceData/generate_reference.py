#!/usr/bin/python3
"""Generate PyTorch reference values and gradients for the AutoDiff tests.

Run with Debian's PyTorch (``apt-get install -y python3-torch``), from this directory or any other:

    /usr/bin/python3 tests/AutoDiff.Tests/ReferenceData/generate_reference.py

It writes ``torch_reference.json`` beside this script. The tests read only that file; they never need PyTorch.
Everything is computed in float64. The points are fixed below; the vectors of the composite losses come from a
``torch.Generator`` seeded with ``SEED``, rounded to 4 decimals, so the output is the same on every run.

Format (one record per line, for readable diffs)::

    {
      "generator": "generate_reference.py", "torch_version": "...", "dtype": "float64", "seed": 20240601,
      "nonfinite": "...",
      "records": [
        {"function": "Sin", "arguments": ["a"], "inputs": [0.5], "value": 0.479..., "gradient": [0.877...],
         "kink": false, "note": ""},
        {"function": "MseLoss", "arguments": ["input", "target"], "inputs": [[...], [...]], "value": ...,
         "gradient": [[...], [...]], "kink": false, "note": "mean((input - target)^2)"},
        ...
      ]
    }

- ``function``: the C# ``System.Math`` method name (``Log`` with two inputs is ``Math.Log(a, newBase)``), or the
  name of a composite loss (``MseLoss``, ``HuberLoss``, ``BceWithLogitsLoss``, ``SoftmaxCrossEntropyLoss``).
- ``inputs``: one entry per argument, in the order of the C# method: a number, or an array for a vector argument.
- ``gradient``: d value / d input, parallel to ``inputs`` (seed 1). ``null`` for an argument that PyTorch does not
  differentiate (the class index of ``SoftmaxCrossEntropyLoss``).
- ``kink``: the point is a non-differentiable point or a domain edge, where the value is PyTorch's convention.
- ``note``: what PyTorch computes there, and where C# differs (for example ``Math.Clamp`` throws when lo > hi).
- Non-finite numbers are the JSON strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``, which
  ``System.Text.Json`` reads into ``double`` with ``JsonNumberHandling.AllowNamedFloatingPointLiterals``
  (and ``double.Parse(s, CultureInfo.InvariantCulture)`` parses). Finite numbers are written with Python's
  shortest round-trip ``repr``, so they parse back to the exact float64.
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

SEED = 20240601
DTYPE = torch.float64
NAN = float("nan")
INF = float("inf")

torch.set_default_dtype(DTYPE)


def number(v):
    """A float64 as JSON: shortest round-trip repr, or a string for NaN and infinities; ints stay ints."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0.0:
        return -0.0 if math.copysign(1.0, v) < 0 else 0.0
    return v


def to_json(v):
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        if v.dim() == 0:
            return number(v.item() if v.is_floating_point() else int(v.item()))
        return [to_json(e) for e in v]
    if isinstance(v, (list, tuple)):
        return [to_json(e) for e in v]
    return number(v)


def evaluate(fn, inputs, differentiable=None):
    """Evaluate fn on float64 leaf tensors made from inputs; return (value, gradients)."""
    differentiable = differentiable or [True] * len(inputs)
    tensors = []
    for v, d in zip(inputs, differentiable):
        t = torch.tensor(v, dtype=DTYPE) if d else torch.tensor(v)
        if d:
            t.requires_grad_(True)
        tensors.append(t)
    out = fn(*tensors)
    out.backward()
    grads = []
    for t, d in zip(tensors, differentiable):
        if not d:
            grads.append(None)
        elif t.grad is None:
            grads.append(torch.zeros_like(t))
        else:
            grads.append(t.grad.detach())
    return out.detach(), grads


records = []


def key(point):
    """A hashable key for a point (lists, NaN and -0.0 included)."""
    return json.dumps(to_json(list(point)))


def add(function, arguments, fn, points, kinks=(), notes=None, differentiable=None):
    """Add one record per point.

    kinks lists the points that are kinks or domain edges; notes is one string for every point, or maps a point to
    its note.
    """
    kink_keys = {key(k) for k in kinks}
    if isinstance(notes, str):
        note_of = lambda point: notes  # noqa: E731
    else:
        pairs = notes.items() if isinstance(notes, dict) else (notes or [])
        table = {key(k): v for k, v in pairs}
        note_of = lambda point: table.get(key(point), "")  # noqa: E731
    for point in points:
        value, grads = evaluate(fn, list(point), differentiable)
        records.append({
            "function": function,
            "arguments": arguments,
            "inputs": to_json(list(point)),
            "value": to_json(value),
            "gradient": [to_json(g) for g in grads],
            "kink": key(point) in kink_keys,
            "note": note_of(point),
        })


def unary(name, fn, points, kinks=(), notes=None):
    add(name, ["a"], fn, [(p,) for p in points], [(k,) for k in kinks],
        [((k,), v) for k, v in (notes or {}).items()])


# ---- one-argument System.Math functions -------------------------------------------------------------------------
unary("Sin", torch.sin, [-2.5, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 3.1])
unary("Cos", torch.cos, [-2.5, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 3.1])
unary("Tan", torch.tan, [-1.5, -1.0, -0.5, 0.0, 0.3, 1.0, 1.2, 1.5])
unary("Asin", torch.asin, [-1.0, -0.9, -0.5, 0.0, 0.3, 0.7, 0.99, 1.0, 1.5],
      kinks=[-1.0, 1.0, 1.5],
      notes={-1.0: "domain edge: 1/sqrt(1-a^2) = +Infinity", 1.0: "domain edge: 1/sqrt(1-a^2) = +Infinity",
             1.5: "outside the domain: value and gradient NaN"})
unary("Acos", torch.acos, [-1.0, -0.9, -0.5, 0.0, 0.3, 0.7, 0.99, 1.0, 1.5],
      kinks=[-1.0, 1.0, 1.5],
      notes={-1.0: "domain edge: -1/sqrt(1-a^2) = -Infinity", 1.0: "domain edge: -1/sqrt(1-a^2) = -Infinity",
             1.5: "outside the domain: value and gradient NaN"})
unary("Atan", torch.atan, [-100.0, -2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 5.0])
unary("Sinh", torch.sinh, [-3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 5.0])
unary("Cosh", torch.cosh, [-3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0, 5.0])
unary("Tanh", torch.tanh, [-20.0, -3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.0])
unary("Asinh", torch.asinh, [-100.0, -2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 5.0])
unary("Acosh", torch.acosh, [0.5, 1.0, 1.001, 1.5, 2.0, 3.0, 10.0, 100.0],
      kinks=[0.5, 1.0],
      notes={0.5: "outside the domain: value and gradient NaN",
             1.0: "domain edge: 1/sqrt(a^2-1) = +Infinity"})
unary("Atanh", torch.atanh, [-1.0, -0.99, -0.5, 0.0, 0.3, 0.5, 0.9, 1.0, 1.5],
      kinks=[-1.0, 1.0, 1.5],
      notes={-1.0: "domain edge: value -Infinity, gradient 1/(1-a^2) = +Infinity",
             1.0: "domain edge: value +Infinity, gradient 1/(1-a^2) = +Infinity",
             1.5: "outside the domain: value NaN; gradient 1/(1-a^2) = -0.8 (finite!), the natural formula "
                  "evaluated outside the domain"})
unary("Exp", torch.exp, [-50.0, -2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 3.0])
unary("Log", torch.log, [-1.0, 0.0, 1e-300, 0.1, 0.5, 1.0, 2.0, 100.0],
      kinks=[-1.0, 0.0],
      notes={-1.0: "outside the domain: value NaN, but the gradient 1/a = -1 is finite (PyTorch does not mask it)",
             0.0: "value -Infinity, gradient 1/a = +Infinity"})
unary("Log2", torch.log2, [-1.0, 0.0, 0.1, 0.5, 1.0, 2.0, 8.0, 100.0],
      kinks=[-1.0, 0.0],
      notes={-1.0: "outside the domain: value NaN, gradient 1/(a ln 2) finite",
             0.0: "value -Infinity, gradient +Infinity"})
unary("Log10", torch.log10, [-1.0, 0.0, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0],
      kinks=[-1.0, 0.0],
      notes={-1.0: "outside the domain: value NaN, gradient 1/(a ln 10) finite",
             0.0: "value -Infinity, gradient +Infinity"})
unary("Sqrt", torch.sqrt, [-1.0, 0.0, 1e-10, 0.25, 1.0, 2.0, 9.0, 100.0],
      kinks=[-1.0, 0.0],
      notes={-1.0: "outside the domain: value and gradient NaN",
             0.0: "gradient 1/(2 sqrt(a)) = +Infinity"})
unary("Cbrt", lambda a: torch.sign(a) * torch.abs(a) ** (1.0 / 3.0),
      [-8.0, -1.0, -0.001, 0.0, 0.001, 1.0, 8.0, 27.0],
      kinks=[0.0],
      notes={0.0: "computed as sign(a)*|a|^(1/3) (torch has no cbrt); at 0 that chain gives "
                  "0 * Infinity = NaN, where the natural 1/(3 cbrt(a)^2) gives +Infinity"})
unary("Abs", torch.abs, [-2.0, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 3.0],
      kinks=[0.0], notes={0.0: "subgradient 0 (sign(0))"})
unary("Floor", torch.floor, [-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.7],
      kinks=[-1.0, 0.0, 1.0], notes={-1.0: "at an integer: gradient 0", 0.0: "at an integer: gradient 0",
                                     1.0: "at an integer: gradient 0"})
unary("Ceiling", torch.ceil, [-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.7],
      kinks=[-1.0, 0.0, 1.0], notes={-1.0: "at an integer: gradient 0", 0.0: "at an integer: gradient 0",
                                     1.0: "at an integer: gradient 0"})
unary("Round", torch.round, [-2.5, -1.5, -0.5, 0.0, 0.4, 0.5, 1.5, 2.5],
      kinks=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5],
      notes={v: "half-way: torch.round rounds half to even, as C# Math.Round's default "
                "MidpointRounding.ToEven; gradient 0" for v in [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]})
unary("Truncate", torch.trunc, [-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.7],
      kinks=[-1.0, 0.0, 1.0], notes={-1.0: "at an integer: gradient 0", 0.0: "at an integer: gradient 0",
                                     1.0: "at an integer: gradient 0"})
unary("Sign", torch.sign, [-2.0, -1e-300, -0.0, 0.0, 1e-300, 3.0, NAN],
      kinks=[-0.0, 0.0, NAN],
      notes={0.0: "sign(0) = 0, gradient 0",
             NAN: "torch.sign(NaN) = 0 in value (PyTorch 1.13), gradient 0; C# Math.Sign(NaN) throws "
                  "ArithmeticException"})

# ---- functions of two or three arguments --------------------------------------------------------------------------
add("Atan2", ["y", "x"], torch.atan2,
    [(1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (0.5, 2.0), (1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (0.0, 0.0)],
    kinks=[(0.0, 0.0), (0.0, -1.0)],
    notes={(0.0, 0.0): "atan2(0, 0): gradients x/(x^2+y^2) and -y/(x^2+y^2) are 0/0 = NaN",
           (0.0, -1.0): "on the branch cut: value pi, gradient of the formula (-1, 0)"})
add("Log", ["a", "newBase"], lambda a, b: torch.log(a) / torch.log(b),
    [(8.0, 2.0), (100.0, 10.0), (0.5, 2.0), (2.0, 0.5), (3.0, 3.0), (5.0, 1.0), (0.0, 2.0), (1.0, 1.0)],
    kinks=[(5.0, 1.0), (0.0, 2.0), (1.0, 1.0)],
    notes={(5.0, 1.0): "newBase 1: ln(newBase) = 0; value +Infinity; gradients +Infinity and -Infinity from the "
                       "quotient rule. C# Math.Log(a, 1) returns NaN",
           (0.0, 2.0): "a = 0: value -Infinity, gradient of a +Infinity",
           (1.0, 1.0): "0/0: value NaN. C# Math.Log(1, 1) returns NaN as well"})
add("Pow", ["x", "y"], torch.pow,
    [(2.0, 3.0), (2.0, 0.5), (3.0, 0.0), (0.0, 0.0), (0.0, 2.0), (0.0, 0.5), (0.0, -1.0), (-2.0, 3.0),
     (-2.0, 2.0), (-2.0, 0.5), (2.0, -1.0), (1.0, 5.0)],
    kinks=[(3.0, 0.0), (0.0, 0.0), (0.0, 2.0), (0.0, 0.5), (0.0, -1.0), (-2.0, 3.0), (-2.0, 2.0), (-2.0, 0.5)],
    notes={(3.0, 0.0): "pow(x, 0): gradient of x is 0 (PyTorch masks exponent == 0)",
           (0.0, 0.0): "pow(0, 0) = 1: gradient of x 0 (exponent 0 masked, natural 0*0^-1 = NaN); gradient of y 0 "
                       "(PyTorch masks base == 0 with exponent >= 0; natural 1*ln 0 = -Infinity)",
           (0.0, 2.0): "gradient of y: PyTorch gives 0 (masked base == 0, exponent >= 0); natural 0*ln 0 = NaN",
           (0.0, 0.5): "gradient of x: 0.5*0^-0.5 = +Infinity; gradient of y 0 (masked), natural 0*ln 0 = NaN",
           (0.0, -1.0): "value +Infinity; gradient of x -1*0^-2 = -Infinity; gradient of y: not masked "
                        "(exponent < 0): Infinity*ln 0 = -Infinity",
           (-2.0, 3.0): "negative base: gradient of y is value*ln(x) = NaN",
           (-2.0, 2.0): "negative base: gradient of y is value*ln(x) = NaN",
           (-2.0, 0.5): "negative base, fractional exponent: value NaN, gradients NaN"})
add("Max", ["val1", "val2"], torch.maximum,
    [(1.0, 2.0), (3.0, -1.0), (1.0, 1.0), (0.0, 0.0), (-2.0, -2.0), (0.0, -0.0), (NAN, 1.0), (1.0, NAN)],
    kinks=[(1.0, 1.0), (0.0, 0.0), (-2.0, -2.0), (0.0, -0.0), (NAN, 1.0), (1.0, NAN)],
    notes=[((1.0, 1.0), "tie: half of the gradient to each (torch.maximum)"),
           ((0.0, 0.0), "tie: half to each"),
           ((-2.0, -2.0), "tie: half to each"),
           ((0.0, -0.0), "0 and -0 compare equal: a tie, half to each (C# Math.Max(0.0, -0.0) returns 0.0)"),
           ((NAN, 1.0), "NaN: value NaN and the FULL gradient to BOTH inputs (neither a < b nor a > b nor a == b "
                       "masks it)"),
           ((1.0, NAN), "NaN: value NaN and the full gradient to both inputs")])
add("Min", ["val1", "val2"], torch.minimum,
    [(1.0, 2.0), (3.0, -1.0), (1.0, 1.0), (0.0, 0.0), (-2.0, -2.0), (0.0, -0.0), (NAN, 1.0), (1.0, NAN)],
    kinks=[(1.0, 1.0), (0.0, 0.0), (-2.0, -2.0), (0.0, -0.0), (NAN, 1.0), (1.0, NAN)],
    notes=[((1.0, 1.0), "tie: half of the gradient to each (torch.minimum)"),
           ((0.0, 0.0), "tie: half to each"),
           ((-2.0, -2.0), "tie: half to each"),
           ((0.0, -0.0), "0 and -0 compare equal: a tie, half to each; torch's value is 0.0 where C# Math.Min(0.0, -0.0) "
                           "returns -0.0"),
           ((NAN, 1.0), "NaN: value NaN and the full gradient to both inputs"),
           ((1.0, NAN), "NaN: value NaN and the full gradient to both inputs")])
add("Clamp", ["value", "min", "max"], lambda x, lo, hi: torch.clamp(x, min=lo, max=hi),
    [(0.5, 0.0, 1.0), (-1.0, 0.0, 1.0), (2.0, 0.0, 1.0), (0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 1.0),
     (2.0, 2.5, 1.5), (0.0, 2.5, 1.5), (3.0, 2.5, 1.5)],
    kinks=[(0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 1.0), (2.0, 2.5, 1.5), (0.0, 2.5, 1.5), (3.0, 2.5, 1.5)],
    notes={(0.0, 0.0, 1.0): "at the lower bound: bounds inclusive, gradient 1 to value, 0 to min",
           (1.0, 0.0, 1.0): "at the upper bound: bounds inclusive, gradient 1 to value, 0 to max",
           (1.0, 1.0, 1.0): "value == min == max: gradient 1 to value, 0 to both bounds",
           (2.0, 2.5, 1.5): "min > max: torch gives min(max(value, min), max) = max, gradient 1 to max. C# "
                            "Math.Clamp throws ArgumentException when min > max",
           (0.0, 2.5, 1.5): "min > max, value below both: torch's value is max (1.5), gradient 1 to max, 0 to "
                            "min. C# Math.Clamp throws",
           (3.0, 2.5, 1.5): "min > max, value above both: value max, gradient 1 to max. C# Math.Clamp throws"})
add("FusedMultiplyAdd", ["x", "y", "z"], lambda a, b, c: a * b + c,
    [(2.0, 3.0, 1.0), (-1.5, 0.5, 2.0), (0.0, 4.0, -1.0), (1e10, 1e-10, -1.0), (0.1, 10.0, -1.0),
     (-3.0, -3.0, 0.0), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)],
    notes={(0.1, 10.0, -1.0): "computed as a*b+c in float64 (two roundings); Math.FusedMultiplyAdd rounds once"})
add("Hypot", ["x", "y"], torch.hypot,
    [(3.0, 4.0), (-3.0, 4.0), (1.0, 0.0), (0.0, -2.0), (1e200, 1e200), (1e-200, 1e-200), (0.5, 0.5), (0.0, 0.0)],
    kinks=[(0.0, 0.0)],
    notes={(0.0, 0.0): "hypot(0, 0): gradients x/hypot and y/hypot are 0/0 = NaN",
           (1e200, 1e200): "no overflow in value or gradient (C# has no Math.Hypot; compute it without overflow)"})

# ---- composite losses (mean reduction) ----------------------------------------------------------------------------
generator = torch.Generator().manual_seed(SEED)


def vector(n, scale=2.0):
    v = (torch.rand(n, generator=generator, dtype=DTYPE) * 2.0 - 1.0) * scale
    return [round(float(e), 4) for e in v]


def probabilities(n):
    return [round(float(e), 4) for e in torch.rand(n, generator=generator, dtype=DTYPE)]


mse_points = [(vector(3), vector(3)), (vector(4), vector(4)), (vector(5, 10.0), vector(5, 10.0)),
              ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), ([0.5], [-0.5])]
add("MseLoss", ["input", "target"], lambda p, t: F.mse_loss(p, t, reduction="mean"), mse_points,
    kinks=[([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])],
    notes="mean((input - target)^2); gradient 2 (input - target) / n to input, the negation to target")

# Huber with delta 1: 0.5 d^2 where |d| <= 1, |d| - 0.5 elsewhere; the derivative is continuous (clamp(d, -1, 1)).
huber_points = [([0.0], [0.0]), ([1.0], [0.0]), ([-1.0], [0.0]), ([1.001], [0.0]), ([0.999], [0.0]),
                ([3.0], [1.0]), ([0.0, 1.0, -1.0, 2.5], [0.0, 0.0, 0.0, 0.0]), (vector(4, 3.0), vector(4, 3.0))]
add("HuberLoss", ["input", "target"], lambda p, t: F.huber_loss(p, t, reduction="mean", delta=1.0), huber_points,
    kinks=[([1.0], [0.0]), ([-1.0], [0.0]), ([0.0, 1.0, -1.0, 2.5], [0.0, 0.0, 0.0, 0.0])],
    notes="F.huber_loss(delta=1, mean): 0.5 d^2 for |d| <= 1 else |d| - 0.5, d = input - target; "
          "gradient clamp(d, -1, 1)/n to input, the negation to target; at |d| == 1 both branches give the same "
          "gradient")

bce_points = [([0.0], [0.0]), ([0.0], [1.0]), ([2.0, -1.0], [1.0, 0.0]), ([30.0, -30.0], [0.0, 1.0]),
              ([100.0, -100.0, 0.5], [1.0, 0.0, 0.5]), (vector(4, 4.0), probabilities(4)),
              (vector(3, 4.0), [1.0, 0.0, 1.0]), ([-1000.0], [0.3])]
add("BceWithLogitsLoss", ["input", "target"],
    lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="mean"), bce_points,
    notes="F.binary_cross_entropy_with_logits (mean): max(z,0) - z y + log(1 + exp(-|z|)); gradient "
          "(sigmoid(z) - y)/n to input, -z/n to target")

ce_points = [([1.0, 2.0, 3.0], 0), ([1.0, 2.0, 3.0], 2), ([0.0, 0.0, 0.0, 0.0], 1), ([1000.0, 0.0, -1000.0], 0),
             ([1000.0, 0.0, -1000.0], 2), ([5.0, 5.0], 1), (vector(5, 3.0), 3), (vector(4, 3.0), 0)]
add("SoftmaxCrossEntropyLoss", ["logits", "target"],
    lambda z, c: F.cross_entropy(z.unsqueeze(0), c.unsqueeze(0), reduction="mean"), ce_points,
    differentiable=[True, False],
    notes="F.cross_entropy over one sample: logsumexp(logits) - logits[target]; gradient softmax(logits) - "
          "onehot(target); target is a class index (no gradient, null)")


def write(path):
    header = {
        "generator": "generate_reference.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "seed": SEED,
        "nonfinite": "NaN, Infinity and -Infinity are the strings \"NaN\", \"Infinity\", \"-Infinity\"",
    }
    lines = ["{"]
    for key, value in header.items():
        lines.append("  " + json.dumps(key) + ": " + json.dumps(value) + ",")
    lines.append('  "records": [')
    for i, record in enumerate(records):
        text = json.dumps(record, allow_nan=False)
        lines.append("    " + text + ("," if i + 1 < len(records) else ""))
    lines.append("  ]")
    lines.append("}")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json")
    write(out)
    print(f"wrote {len(records)} records to {out}", file=sys.stderr)
