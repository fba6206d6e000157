"""Reference values for gradlab's LSTM and GRU cells, from PyTorch: writes gated.json here.

How it was run (from the repository root):

    python3 Tests/Fixtures/Torch/make_gated.py

with Python 3.11.7, numpy 2.4.6 and torch 2.15.0+cu132 (CPU, float64, one thread). CI does not
need torch: gated.json is committed and the Swift tests only read it. Run this again only to
change the cases; the seed is fixed, so the same library versions give the same file.

Conventions (gradlab's layout; single layer, batch of one sequence, Float64):

  n hidden, m input, p output channels, T steps; inputs x_1..x_T (T x m); h_0 from the case, c_0 = 0.

  LSTM (nn.LSTM, gate order i, f, g, o), W (4n x n) = weight_hh_l0, U (4n x m) = weight_ih_l0,
  b (4n) = bias_ih_l0 + bias_hh_l0:
      a_t = W h_{t-1} + U x_t + b
      i = sigma(a[0:n]), f = sigma(a[n:2n]), g = tanh(a[2n:3n]), o = sigma(a[3n:4n])
      c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)

  GRU (nn.GRU, gate order r, z, n), W (3n x n) = weight_hh_l0, U (3n x m) = weight_ih_l0, and ONE
  bias b of 4n entries, b = [b_ir + b_hr, b_iz + b_hz, b_in, b_hn]:
      r = sigma(U_r x + W_r h + b[0:n]),  z = sigma(U_z x + W_z h + b[n:2n])
      n~ = tanh(U_n x + b[2n:3n] + r * (W_n h + b[3n:4n]))
      h_t = (1 - z) * n~ + z * h_{t-1}

  Readout y = V h_T + c.  Loss "squared": L = 1/2 |y - y*|^2;
  "cross_entropy": L = -sum_k y*_k log softmax(y)_k, y* one-hot.

Torch gets our b split as: LSTM bias_ih = b, bias_hh = 0; GRU bias_ih = [b_r, b_z, b_in],
bias_hh = [0, 0, b_hn]. Gradients come back in our layout: dW = weight_hh.grad, dU =
weight_ih.grad; LSTM db = bias_ih.grad (checked equal to bias_hh.grad); GRU db[0:2n] =
bias_ih.grad[0:2n] (checked equal to bias_hh.grad[0:2n]), db[2n:3n] = bias_ih.grad[2n:3n],
db[3n:4n] = bias_hh.grad[2n:3n]; dh0 = dL/dh_0 (h_0 passed to torch with requires_grad).

The draws (numpy default_rng(SEED), one generator for the whole file, cases in order; the second
argument of N is the variance): W ~ N(0, 1/n) (std W_STD_BOOST/sqrt(n) in the T = 100 cases, so
their gradients are not tiny), U ~ N(0, 1/m), b ~ N(0, 0.3), V ~ N(0, 1/n), c ~ N(0, 0.1),
h0 ~ N(0, 0.5), inputs ~ N(0, 1), target ~ N(0, 1) or, for cross entropy, one-hot at a uniform
class. Each case records the standard deviation its W was drawn with as "W_std".

The script checks itself: a plain numpy forward pass of both cells (written from the equations
above, not from torch) must give torch's loss, h_T and c_T to 1e-12 relative, and the bias
gradients torch computes twice (bias_ih and bias_hh for the summed gates) must agree to 1e-12.
"""

import json
import math
import os
import sys

import numpy as np
import torch

SEED = 20240607
W_STD_BOOST = 1.5
# (n, m, p, T, loss); every shape is run for both cells.
SHAPES = [
    (1, 1, 1, 1, "squared"),
    (4, 2, 3, 20, "squared"),
    (16, 1, 1, 100, "squared"),
    (8, 2, 3, 50, "cross_entropy"),
]
TOLERANCE = 1e-12
HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "gated.json")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def rel(a, b):
    """max |a - b| / max(max|a|, max|b|, 1e-300) over arrays (0 when equal)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    diff = np.max(np.abs(a - b)) if a.size else 0.0
    if diff == 0.0:
        return 0.0
    return diff / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)


# --- draws ----------------------------------------------------------------------------------


def draw_case(rng, cell, n, m, p, T, loss):
    rows = 4 * n if cell == "lstm" else 3 * n
    w_std = (W_STD_BOOST if T == 100 else 1.0) / math.sqrt(n)
    case = {
        "cell": cell, "n": n, "m": m, "p": p, "T": T, "loss": loss, "W_std": w_std,
        "W": rng.normal(0.0, w_std, (rows, n)),
        "U": rng.normal(0.0, 1.0 / math.sqrt(m), (rows, m)),
        "b": rng.normal(0.0, math.sqrt(0.3), 4 * n),
        "V": rng.normal(0.0, 1.0 / math.sqrt(n), (p, n)),
        "c": rng.normal(0.0, math.sqrt(0.1), p),
        "h0": rng.normal(0.0, math.sqrt(0.5), n),
        "inputs": rng.normal(0.0, 1.0, (T, m)),
    }
    if loss == "squared":
        case["target"] = rng.normal(0.0, 1.0, p)
    else:
        target = np.zeros(p)
        target[rng.integers(p)] = 1.0
        case["target"] = target
    return case


# --- the independent numpy forward pass -------------------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_forward(case):
    """(L, h_T, c_T or None), straight from the equations in the docstring."""
    n = case["n"]
    W, U, b, X = case["W"], case["U"], case["b"], case["inputs"]
    h = case["h0"].copy()
    c = np.zeros(n) if case["cell"] == "lstm" else None
    for x in X:
        if case["cell"] == "lstm":
            a = W @ h + U @ x + b
            i = sigmoid(a[0:n])
            f = sigmoid(a[n:2 * n])
            g = np.tanh(a[2 * n:3 * n])
            o = sigmoid(a[3 * n:4 * n])
            c = f * c + i * g
            h = o * np.tanh(c)
        else:
            ux, wh = U @ x, W @ h
            r = sigmoid(ux[0:n] + wh[0:n] + b[0:n])
            z = sigmoid(ux[n:2 * n] + wh[n:2 * n] + b[n:2 * n])
            nt = np.tanh(ux[2 * n:3 * n] + b[2 * n:3 * n] + r * (wh[2 * n:3 * n] + b[3 * n:4 * n]))
            h = (1.0 - z) * nt + z * h
    y = case["V"] @ h + case["c"]
    if case["loss"] == "squared":
        L = 0.5 * np.sum((y - case["target"]) ** 2)
    else:
        shifted = y - np.max(y)
        log_softmax = shifted - np.log(np.sum(np.exp(shifted)))
        L = -np.sum(case["target"] * log_softmax)
    return float(L), h, c


# --- torch ------------------------------------------------------------------------------------


def t64(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def torch_case(case):
    """Runs torch on a drawn case; adds loss_value, h_T, c_T (LSTM) and grads in our layout."""
    n, m, p = case["n"], case["m"], case["p"]
    b = case["b"]
    if case["cell"] == "lstm":
        rnn = torch.nn.LSTM(m, n, num_layers=1, bias=True, batch_first=True, dtype=torch.float64)
        bias_ih, bias_hh = b, np.zeros(4 * n)
    else:
        rnn = torch.nn.GRU(m, n, num_layers=1, bias=True, batch_first=True, dtype=torch.float64)
        bias_ih = b[0:3 * n]
        bias_hh = np.concatenate([np.zeros(2 * n), b[3 * n:4 * n]])
    readout = torch.nn.Linear(n, p, bias=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(t64(case["W"]))
        rnn.weight_ih_l0.copy_(t64(case["U"]))
        rnn.bias_ih_l0.copy_(t64(bias_ih))
        rnn.bias_hh_l0.copy_(t64(bias_hh))
        readout.weight.copy_(t64(case["V"]))
        readout.bias.copy_(t64(case["c"]))

    x = t64(case["inputs"]).reshape(1, case["T"], m)
    h0 = t64(case["h0"]).reshape(1, 1, n).requires_grad_(True)
    if case["cell"] == "lstm":
        _, (hT, cT) = rnn(x, (h0, torch.zeros(1, 1, n, dtype=torch.float64)))
    else:
        _, hT = rnn(x, h0)
        cT = None
    y = readout(hT[0, 0])
    target = t64(case["target"])
    if case["loss"] == "squared":
        L = 0.5 * torch.sum((y - target) ** 2)
    else:
        L = -torch.sum(target * torch.log_softmax(y, dim=0))
    L.backward()

    g_ih = rnn.bias_ih_l0.grad.numpy()
    g_hh = rnn.bias_hh_l0.grad.numpy()
    if case["cell"] == "lstm":
        db = g_ih.copy()
        shared_ih, shared_hh = g_ih, g_hh
    else:
        db = np.concatenate([g_ih[0:2 * n], g_ih[2 * n:3 * n], g_hh[2 * n:3 * n]])
        shared_ih, shared_hh = g_ih[0:2 * n], g_hh[0:2 * n]
    bias_gap = rel(shared_ih, shared_hh)
    assert bias_gap <= TOLERANCE, f"{case['cell']} n={n}: bias_ih and bias_hh gradients differ by {bias_gap}"
    case["bias_grad_gap"] = bias_gap  # reported, not written

    case["loss_value"] = L.item()
    case["h_T"] = hT.detach().numpy().reshape(n)
    if cT is not None:
        case["c_T"] = cT.detach().numpy().reshape(n)
    case["grads"] = {
        "W": rnn.weight_hh_l0.grad.numpy().copy(),
        "U": rnn.weight_ih_l0.grad.numpy().copy(),
        "b": db,
        "V": readout.weight.grad.numpy().copy(),
        "c": readout.bias.grad.numpy().copy(),
        "h0": h0.grad.numpy().reshape(n).copy(),
    }
    return case


# --- JSON -------------------------------------------------------------------------------------

KEYS = ["cell", "n", "m", "p", "T", "loss", "W_std", "W", "U", "b", "V", "c", "h0", "inputs", "target",
        "loss_value", "h_T", "c_T", "grads"]
GRAD_KEYS = ["W", "U", "b", "V", "c", "h0"]


def plain(value):
    """numpy → Python lists of floats (json writes floats with repr: every bit survives)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def dump(value):
    text = json.dumps(plain(value), allow_nan=False)
    return text


def dump_matrix(rows, indent):
    """A matrix one row a line, so that a diff shows which rows moved."""
    pad = " " * indent
    if len(rows) == 0:
        return "[]"
    return "[\n" + ",\n".join(pad + "  " + dump(row) for row in rows) + "\n" + pad + "]"


def dump_field(value, indent):
    value = plain(value)
    if isinstance(value, list) and value and isinstance(value[0], list):
        return dump_matrix(value, indent)
    return dump(value)


def write(cases, path):
    out = ["{", f'  "torch_version": {json.dumps(torch.__version__)},', '  "cases": [']
    case_texts = []
    for case in cases:
        lines = []
        for key in KEYS:
            if key not in case:
                continue
            if key == "grads":
                grads = case["grads"]
                inner = [f'      {json.dumps(k)}: {dump_field(grads[k], 6)}' for k in GRAD_KEYS]
                lines.append('    "grads": {\n' + ",\n".join(inner) + "\n    }")
            else:
                lines.append(f'    {json.dumps(key)}: {dump_field(case[key], 4)}')
        case_texts.append("   {\n" + ",\n".join(lines) + "\n   }")
    out.append(",\n".join(case_texts))
    out.append("  ]")
    out.append("}")
    text = "\n".join(out) + "\n"
    json.loads(text)  # well-formed
    with open(path, "w") as f:
        f.write(text)
    return len(text.encode())


# --- main -------------------------------------------------------------------------------------


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    for cell in ("lstm", "gru"):
        for (n, m, p, T, loss) in SHAPES:
            case = torch_case(draw_case(rng, cell, n, m, p, T, loss))
            L, h, c = numpy_forward(case)
            checks = [("loss", rel(L, case["loss_value"])), ("h_T", rel(h, case["h_T"]))]
            if c is not None:
                checks.append(("c_T", rel(c, case["c_T"])))
            for what, gap in checks:
                assert gap <= TOLERANCE, f"{cell} n={n} T={T}: numpy and torch {what} differ by {gap}"
            norms = "  ".join(f"|d{k}|={np.linalg.norm(case['grads'][k]):.3g}" for k in GRAD_KEYS)
            print(f"{cell:4} n={n:2} m={m} p={p} T={T:3} {loss:13} L={case['loss_value']:.6g}  "
                  f"numpy gap {max(g for _, g in checks):.1e}  bias gap {case['bias_grad_gap']:.1e}  {norms}")
            cases.append(case)

    # Round trip: what the file holds is exactly what was computed.
    size = write(cases, OUTPUT)
    back = json.load(open(OUTPUT))
    assert back["torch_version"] == torch.__version__
    for case, saved in zip(cases, back["cases"]):
        for key in KEYS:
            if key in case and key != "grads":
                assert np.array_equal(np.asarray(plain(case[key])), np.asarray(saved[key])), key
        for key in GRAD_KEYS:
            assert np.array_equal(case["grads"][key], np.asarray(saved["grads"][key])), key
    print(f"wrote {OUTPUT} ({size} bytes, {len(cases)} cases, torch {torch.__version__})")


if __name__ == "__main__":
    sys.exit(main())
