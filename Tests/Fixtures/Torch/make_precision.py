"""Reference values for gradlab's precision emulation, from PyTorch: writes precision.json here.

How it was run (from the repository root):

    python3 Tests/Fixtures/Torch/make_precision.py

with Python 3.11.7, numpy 2.4.6 and torch 2.15.0+cu132 (CPU). CI does not need torch: precision.json
is committed and the Swift tests only read it. The seed is fixed.

It holds:
  fp16:  doubles over every binade from 2^-30 to 2^20, both signs, and torch's float16 of each
         (torch converts a float64 tensor to float16 in one rounding);
  bf16:  float32 numbers and torch's bfloat16 of each (torch rounds float32 to bfloat16; from a
         float64 it would round twice, through float32, so only float32 inputs are given);
  scaler: torch.amp.GradScaler("cpu") with its defaults, stepped through a pattern of steps whose
         gradient is finite or not (a parameter's .grad set to a finite value or to inf): the
         scale each step used, and whether the optimizer skipped it.
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(20261207)
cases = {"torch_version": torch.__version__}

exponents = rng.integers(-30, 21, size=1500)
values = (rng.choice([-1.0, 1.0], size=1500) * (1 + rng.random(1500)) * np.exp2(exponents.astype(np.float64))).tolist()
values += [65504.0, 65519.99, 65520.0, 2.0**-24, 2.0**-25, 2.0**-25 * 1.0001, 1e-9, -1e-9, 1e6]
half = torch.tensor(values, dtype=torch.float64).to(torch.float16).to(torch.float64).tolist()
cases["fp16"] = [[x, y] for x, y in zip(values, half)]

floats = rng.standard_normal(1500) * np.exp2(rng.integers(-130, 128, size=1500).astype(np.float64))
floats = floats[np.abs(floats) < 3e38].astype(np.float32)
bf = torch.from_numpy(floats).to(torch.bfloat16).to(torch.float64).tolist()
cases["bf16"] = [[float(x), y] for x, y in zip(floats.tolist(), bf)]

# GradScaler: bad steps at these places (1-based), over 4500 steps.
bad = {1, 2, 3, 50, 2051, 4052, 4053}
# The loss is the parameter itself, so its unscaled gradient is 1 and SGD with lr = 1 moves it by
# exactly 1 on every step that is applied: a step that leaves it where it was was skipped.
param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float32))
optimizer = torch.optim.SGD([param], lr=1.0)
scaler = torch.amp.GradScaler("cpu")
steps = []
for step in range(1, 4501):
    optimizer.zero_grad()
    used = scaler.get_scale()
    scaler.scale(param.sum()).backward()
    if step in bad:
        param.grad.fill_(float("inf"))
    before = param.item()
    scaler.step(optimizer)
    scaler.update()
    steps.append([step in bad, used, param.item() == before])
cases["scaler"] = steps

def plain(x):
    """JSON has no infinities: they are written as the strings "inf" and "-inf"."""
    if isinstance(x, list):
        return [plain(y) for y in x]
    if isinstance(x, float) and not np.isfinite(x):
        return "inf" if x > 0 else "-inf"
    return x


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "precision.json"), "w") as f:
    json.dump({key: plain(value) for key, value in cases.items()}, f)
print(len(cases["fp16"]), len(cases["bf16"]), len(steps))
