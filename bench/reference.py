#!/usr/bin/env python3
"""The work of `gradlab bench`, done with numpy, PyTorch (CPU) and JAX, for comparison.

Same model, same sizes, Float64 throughout, in the same run on the same machine:

  bptt n=N T=T      one sequence of T scalar inputs through h_t = tanh(W h_(t-1) + U x_t + b),
                    y = V h_T + c, L = 1/2 (y - y*)^2, then every gradient (W, U, b, V, c)
  train n=N         one training step of the adding task (2 input channels) on a mini-batch of
                    32 sequences of T = 100: forward, backward, clip the global gradient norm
                    to 1, SGD update
  sweep 40x40       rho(W) in 0.5..1.5 x T in 5..200, n = 32: for each of the 1,600 points,
                    rescale a Gaussian W to spectral radius rho, run one BPTT, keep ||dL/dh_0||
  peak dgemm        a 2000 x 2000 matrix product with numpy's BLAS: the machine's peak
  lstm bptt n=N T=1000, gru bptt n=N T=1000  (n = 32, 128)
                    the bptt item with PyTorch's LSTM or GRU cell (nn.LSTM / nn.GRU equations and
                    gate order, one layer, h_0 = c_0 = 0): one sequence of 1,000 scalar inputs,
                    y = V h_T + c, L = 1/2 (y - y*)^2, every gradient (W, U, biases, V, c).
                    Weights as gradlab draws them: each gate's n x n block of W ~ N(0, 1/n)
                    rescaled to spectral radius 1, U ~ N(0, 1/m), biases 0 but the LSTM's
                    forget gate's 1, V ~ N(0, 1/n)
  lstm train n=128  the train item with the LSTM cell in place of the tanh RNN

numpy runs the time loop in Python over BLAS calls; PyTorch uses nn.RNN, autograd and
clip_grad_norm_; JAX uses jit over lax.scan with jax.grad. The LSTM and GRU items run with
PyTorch (nn.LSTM / nn.GRU and a Linear readout, autograd, clip_grad_norm_ and optim.SGD with the
model and optimizer persisting across steps) and JAX (the cells written from the equations,
jit over lax.scan with jax.grad), not numpy: a Python loop over numpy is not how anyone runs an
LSTM. When both are installed, their losses are first checked to agree to 1e-10 on a small case.
A library that is not installed is skipped. Prints a table (median and the spread from the 25th
to the 75th percentile) and, with --json FILE, writes the numbers. With --gradlab FILE (the JSON of
`gradlab bench --save FILE`, measured just before), it also prints each of gradlab's speed targets
with the ratios (and PyTorch's ratio on the LSTM training step, not a target).
"""
import argparse
import json
import re
import statistics
import sys
import time

import numpy as np

BPTT_SIZES = [(8, 100), (8, 1000), (32, 100), (32, 1000), (128, 100), (128, 1000), (512, 100), (512, 1000)]
TRAIN_SIZES = [32, 128]
BATCH, TRAIN_T = 32, 100


def measure(fn, seconds=0.5, least=5, most=1000):
    """Median and interquartile spread of fn's time in seconds, after a warm-up."""
    start = time.perf_counter()
    while time.perf_counter() - start < 0.1 or least > 0:
        fn()
        least -= 1
        if time.perf_counter() - start > seconds:
            break
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < seconds and len(times) < most):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    q = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
    return {"median": statistics.median(times), "q1": q[0], "q3": q[2], "runs": len(times)}


def problem(n, T, seed=1):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 1 / np.sqrt(n), (n, n))
    W *= 1.0 / max(abs(np.linalg.eigvals(W)))
    return dict(W=W, U=rng.normal(0, 1, (n, 1)), b=np.zeros(n), V=rng.normal(0, 1 / np.sqrt(n), (1, n)),
                c=np.zeros(1), x=rng.normal(0, 1, (T, 1)), y=rng.normal(0, 1, 1))


def adding_batch(T, rng):
    values = rng.uniform(0, 1, (BATCH, T))
    markers = np.zeros((BATCH, T))
    first = rng.integers(0, T // 2, BATCH)
    second = rng.integers(T // 2, T, BATCH)
    markers[np.arange(BATCH), first] = 1
    markers[np.arange(BATCH), second] = 1
    x = np.stack([values, markers], axis=2)  # B x T x 2
    y = (values * markers).sum(axis=1, keepdims=True)
    return x, y


# numpy ----------------------------------------------------------------------------------------

def numpy_bptt(p):
    W, U, b, V, c, x, y = p["W"], p["U"], p["b"], p["V"], p["c"], p["x"], p["y"]
    T, n = len(x), len(b)
    hs = np.zeros((T + 1, n))
    for t in range(T):
        hs[t + 1] = np.tanh(W @ hs[t] + U @ x[t] + b)
    out = V @ hs[T] + c
    r = out - y
    delta = V.T @ r
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    for t in range(T, 0, -1):
        g = (1 - hs[t] ** 2) * delta
        dW += np.outer(g, hs[t - 1])
        dU += np.outer(g, x[t - 1])
        db += g
        delta = W.T @ g
    return dW, dU, db, np.outer(r, hs[T]), r, np.linalg.norm(delta)


def numpy_train_step(params, x, y, lr=0.1, max_norm=1.0):
    W, U, b, V, c = params
    B, T, _ = x.shape
    n = len(b)
    hs = np.zeros((T + 1, B, n))
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + x[:, t] @ U.T + b)
    out = hs[T] @ V.T + c
    r = (out - y) / B
    grads = [np.zeros_like(W), np.zeros_like(U), np.zeros_like(b), r.T @ hs[T], r.sum(axis=0)]
    delta = r @ V
    for t in range(T, 0, -1):
        g = (1 - hs[t] ** 2) * delta
        grads[0] += g.T @ hs[t - 1]
        grads[1] += g.T @ x[:, t - 1]
        grads[2] += g.sum(axis=0)
        delta = g @ W
    norm = np.sqrt(sum((g ** 2).sum() for g in grads))
    scale = min(1.0, max_norm / (norm + 1e-6))
    for p, g in zip(params, grads):
        p -= lr * scale * g


def numpy_sweep():
    rng = np.random.default_rng(1)
    out = []
    for rho in np.linspace(0.5, 1.5, 40):
        for T in np.linspace(5, 200, 40).round().astype(int):
            p = problem(32, T)
            p["W"] *= rho  # problem() scales to radius 1
            out.append(numpy_bptt(p)[5])
    return out


def run_numpy(results):
    for n, T in BPTT_SIZES:
        p = problem(n, T)
        results[f"bptt n={n} T={T}"]["numpy"] = measure(lambda: numpy_bptt(p))
    rng = np.random.default_rng(1)
    for n in TRAIN_SIZES:
        p = problem(n, TRAIN_T)
        params = [p["W"], rng.normal(0, 0.7, (n, 2)), p["b"], p["V"], p["c"]]
        x, y = adding_batch(TRAIN_T, rng)
        results[f"train n={n} T=100 batch=32"]["numpy"] = measure(lambda: numpy_train_step(params, x, y))
    results["sweep 40x40 n=32"]["numpy"] = measure(numpy_sweep, seconds=0.1, least=1)


# PyTorch --------------------------------------------------------------------------------------

def run_torch(results):
    import torch
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(1)

    def model(n, inputs):
        rnn = torch.nn.RNN(inputs, n, nonlinearity="tanh", batch_first=True)
        head = torch.nn.Linear(n, 1)
        return rnn, head

    for n, T in BPTT_SIZES:
        rnn, head = model(n, 1)
        x, y = torch.randn(1, T, 1), torch.randn(1, 1)

        def step():
            rnn.zero_grad(set_to_none=True)
            head.zero_grad(set_to_none=True)
            out, h = rnn(x)
            loss = 0.5 * ((head(h[-1]) - y) ** 2).sum()
            loss.backward()
        results[f"bptt n={n} T={T}"]["torch"] = measure(step)

    rng = np.random.default_rng(1)
    for n in TRAIN_SIZES:
        rnn, head = model(n, 2)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.SGD(params, lr=0.1)
        xa, ya = adding_batch(TRAIN_T, rng)
        x, y = torch.from_numpy(xa), torch.from_numpy(ya)

        def step():
            opt.zero_grad(set_to_none=True)
            out, h = rnn(x)
            loss = 0.5 * ((head(h[-1]) - y) ** 2).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        results[f"train n={n} T=100 batch=32"]["torch"] = measure(step)

    def sweep():
        out = []
        for rho in np.linspace(0.5, 1.5, 40):
            for T in np.linspace(5, 200, 40).round().astype(int):
                p = problem(32, T)
                W = torch.tensor(p["W"] * rho, requires_grad=True)
                U = torch.tensor(p["U"], requires_grad=True)
                V = torch.tensor(p["V"], requires_grad=True)
                x = torch.tensor(p["x"])
                h0 = torch.zeros(32, requires_grad=True)
                h = h0
                for t in range(T):
                    h = torch.tanh(W @ h + U @ x[t])
                loss = 0.5 * ((V @ h - torch.tensor(p["y"])) ** 2).sum()
                loss.backward()
                out.append(float(h0.grad.norm()))
        return out
    results["sweep 40x40 n=32"]["torch"] = measure(sweep, seconds=0.1, least=1)


# JAX ------------------------------------------------------------------------------------------

def run_jax(results):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    def loss_fn(params, x, y):
        W, U, b, V, c = params

        def cell(h, xt):
            h = jnp.tanh(W @ h + U @ xt + b)
            return h, None
        h, _ = jax.lax.scan(cell, jnp.zeros(W.shape[0]), x)
        return 0.5 * jnp.sum((V @ h + c - y) ** 2)

    grad = jax.jit(jax.grad(loss_fn))
    for n, T in BPTT_SIZES:
        p = problem(n, T)
        params = tuple(jnp.asarray(p[k]) for k in "WUbVc")
        x, y = jnp.asarray(p["x"]), jnp.asarray(p["y"])
        results[f"bptt n={n} T={T}"]["jax"] = measure(lambda: jax.block_until_ready(grad(params, x, y)))

    def batch_loss(params, x, y):
        W, U, b, V, c = params

        def cell(h, xt):
            return jnp.tanh(h @ W.T + xt @ U.T + b), None
        h, _ = jax.lax.scan(cell, jnp.zeros((x.shape[0], W.shape[0])), jnp.swapaxes(x, 0, 1))
        return 0.5 * jnp.mean(jnp.sum((h @ V.T + c - y) ** 2, axis=1))

    @jax.jit
    def train_step(params, x, y):
        g = jax.grad(batch_loss)(params, x, y)
        norm = jnp.sqrt(sum(jnp.sum(t ** 2) for t in g))
        scale = jnp.minimum(1.0, 1.0 / (norm + 1e-6))
        return tuple(p - 0.1 * scale * t for p, t in zip(params, g))

    rng = np.random.default_rng(1)
    for n in TRAIN_SIZES:
        p = problem(n, TRAIN_T)
        params = (jnp.asarray(p["W"]), jnp.asarray(rng.normal(0, 0.7, (n, 2))), jnp.asarray(p["b"]),
                  jnp.asarray(p["V"]), jnp.asarray(p["c"]))
        xa, ya = adding_batch(TRAIN_T, rng)
        x, y = jnp.asarray(xa), jnp.asarray(ya)
        results[f"train n={n} T=100 batch=32"]["jax"] = measure(lambda: jax.block_until_ready(train_step(params, x, y)))

    def h0_loss(h0, W, U, V, x, y):
        def cell(h, xt):
            return jnp.tanh(W @ h + U @ xt), None
        h, _ = jax.lax.scan(cell, h0, x)
        return 0.5 * jnp.sum((V @ h - y) ** 2)
    h0_grad = jax.jit(jax.grad(h0_loss))
    points = []
    for rho in np.linspace(0.5, 1.5, 40):
        for T in np.linspace(5, 200, 40).round().astype(int):
            p = problem(32, T)
            points.append(tuple(jnp.asarray(a) for a in (np.zeros(32), p["W"] * rho, p["U"], p["V"], p["x"], p["y"])))

    def sweep():
        return [float(jnp.linalg.norm(h0_grad(*args))) for args in points]
    results["sweep 40x40 n=32"]["jax"] = measure(sweep, seconds=0.1, least=1)


# LSTM and GRU (PyTorch and JAX) -----------------------------------------------------------------

GATED_T = 1000
GATED_BPTT = [("lstm", 32), ("lstm", 128), ("gru", 32), ("gru", 128)]
GATED_TRAIN = [("lstm", 128)]
GATES = {"lstm": 4, "gru": 3}


def gated_problem(cell, n, T, m=1, seed=1):
    """gradlab's layout (Tests/Fixtures/Torch/make_gated.py): W (G n x n) stacks one n x n block a
    gate, each N(0, 1/n) rescaled to spectral radius 1; U (G n x m) ~ N(0, 1/m); one bias b of 4n
    entries (LSTM: a's bias, b_ih + b_hh, with the forget gate's n entries 1; GRU: [b_r, b_z, b_in,
    b_hn], all 0); V ~ N(0, 1/n), c = 0; x_t ~ N(0, 1), y* ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(GATES[cell]):
        w = rng.normal(0, 1 / np.sqrt(n), (n, n))
        blocks.append(w / max(abs(np.linalg.eigvals(w))))
    b = np.zeros(4 * n)
    if cell == "lstm":
        b[n:2 * n] = 1
    return dict(W=np.vstack(blocks), U=rng.normal(0, 1 / np.sqrt(m), (GATES[cell] * n, m)), b=b,
                V=rng.normal(0, 1 / np.sqrt(n), (1, n)), c=np.zeros(1), x=rng.normal(0, 1, (T, m)),
                y=rng.normal(0, 1, 1))


def torch_gated(cell, p):
    """nn.LSTM or nn.GRU (one layer, batch_first) and a Linear readout holding p's weights; torch's
    two biases get b as make_gated.py splits it."""
    import torch
    n, m = p["W"].shape[1], p["U"].shape[1]
    b = p["b"]
    module = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = module(m, n, num_layers=1, bias=True, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(n, 1, dtype=torch.float64)
    if cell == "lstm":
        bias_ih, bias_hh = b, np.zeros(4 * n)
    else:
        bias_ih, bias_hh = b[:3 * n], np.concatenate([np.zeros(2 * n), b[3 * n:]])
    with torch.no_grad():
        for param, value in [(rnn.weight_hh_l0, p["W"]), (rnn.weight_ih_l0, p["U"]), (rnn.bias_ih_l0, bias_ih),
                             (rnn.bias_hh_l0, bias_hh), (head.weight, p["V"]), (head.bias, p["c"])]:
            param.copy_(torch.from_numpy(np.asarray(value, dtype=np.float64)))
    return rnn, head


def torch_gated_loss(rnn, head, x, y, batch_mean=False):
    out, state = rnn(x)
    h = state[0] if isinstance(state, tuple) else state  # LSTM: (h_T, c_T)
    err = 0.5 * (head(h[-1]) - y) ** 2
    return err.mean() if batch_mean else err.sum()


def jax_gated():
    """The two cells written from the equations, for a single sequence (x: T x m, h: n) or a batch
    (x: T x B x m, h: B x n); the input projections U x_t + b of all steps are made before the
    scan. Returns ({cell: (params, x) -> h_T}, the BPTT loss, the batch's loss)."""
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    sigmoid = jax.nn.sigmoid

    def lstm(params, xs):
        W, U, b = params[:3]
        n = W.shape[1]
        pre = xs @ U.T + b

        def step(state, ax):
            h, c = state
            a = ax + h @ W.T
            i, f = sigmoid(a[..., :n]), sigmoid(a[..., n:2 * n])
            g, o = jnp.tanh(a[..., 2 * n:3 * n]), sigmoid(a[..., 3 * n:])
            c = f * c + i * g
            return (o * jnp.tanh(c), c), None
        zero = jnp.zeros(pre.shape[1:-1] + (n,))
        (h, _), _ = jax.lax.scan(step, (zero, zero), pre)
        return h

    def gru(params, xs):
        W, U, b = params[:3]
        n = W.shape[1]
        pre = xs @ U.T + b[:3 * n]
        b_hn = b[3 * n:]

        def step(h, ax):
            wh = h @ W.T
            r = sigmoid(ax[..., :n] + wh[..., :n])
            z = sigmoid(ax[..., n:2 * n] + wh[..., n:2 * n])
            nt = jnp.tanh(ax[..., 2 * n:] + r * (wh[..., 2 * n:] + b_hn))
            return (1 - z) * nt + z * h, None
        h, _ = jax.lax.scan(step, jnp.zeros(pre.shape[1:-1] + (n,)), pre)
        return h

    cells = {"lstm": lstm, "gru": gru}

    def loss(cell, params, x, y):
        V, c = params[3:]
        return 0.5 * jnp.sum((cells[cell](params, x) @ V.T + c - y) ** 2)

    def batch_loss(cell, params, x, y):  # x: B x T x m, as torch's batch_first
        V, c = params[3:]
        h = cells[cell](params, jnp.swapaxes(x, 0, 1))
        return 0.5 * jnp.mean(jnp.sum((h @ V.T + c - y) ** 2, axis=1))
    return cells, loss, batch_loss


def check_gated():
    """Once, before the gated items are timed: PyTorch's nn.LSTM/nn.GRU and the JAX cells give the
    same loss (to 1e-10) on a small case with random biases (so that torch's split of b is
    exercised), one sequence and a batch of 3."""
    import torch
    import jax.numpy as jnp
    _, loss, batch_loss = jax_gated()
    rng = np.random.default_rng(7)
    for cell in GATES:
        p = gated_problem(cell, 4, 20, m=2, seed=7)
        p["b"] = rng.normal(0, 0.5, 4 * 4)
        params = tuple(jnp.asarray(p[k]) for k in "WUbVc")
        rnn, head = torch_gated(cell, p)
        x, y = p["x"], p["y"]
        xb, yb = rng.normal(0, 1, (3, 20, 2)), rng.normal(0, 1, (3, 1))
        with torch.no_grad():
            ours = [float(torch_gated_loss(rnn, head, torch.from_numpy(x[None]), torch.from_numpy(y[None]))),
                    float(torch_gated_loss(rnn, head, torch.from_numpy(xb), torch.from_numpy(yb), batch_mean=True))]
        theirs = [float(loss(cell, params, jnp.asarray(x), jnp.asarray(y))),
                  float(batch_loss(cell, params, jnp.asarray(xb), jnp.asarray(yb)))]
        for what, a, b in zip(["one sequence", "batch of 3"], ours, theirs):
            assert abs(a - b) <= 1e-10, f"{cell} {what}: PyTorch's loss {a!r}, JAX's {b!r}"


def run_torch_gated(results):
    import torch
    for cell, n in GATED_BPTT:
        p = gated_problem(cell, n, GATED_T)
        rnn, head = torch_gated(cell, p)
        x, y = torch.from_numpy(p["x"][None]), torch.from_numpy(p["y"][None])

        def step():
            rnn.zero_grad(set_to_none=True)
            head.zero_grad(set_to_none=True)
            torch_gated_loss(rnn, head, x, y).backward()
        results[f"{cell} bptt n={n} T={GATED_T}"]["torch"] = measure(step)

    rng = np.random.default_rng(1)
    for cell, n in GATED_TRAIN:
        rnn, head = torch_gated(cell, gated_problem(cell, n, TRAIN_T, m=2))
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.SGD(params, lr=0.1)
        xa, ya = adding_batch(TRAIN_T, rng)
        x, y = torch.from_numpy(xa), torch.from_numpy(ya)

        def step():
            opt.zero_grad(set_to_none=True)
            torch_gated_loss(rnn, head, x, y, batch_mean=True).backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        results[f"{cell} train n={n} T=100 batch=32"]["torch"] = measure(step)


def run_jax_gated(results):
    import jax
    import jax.numpy as jnp
    _, loss, batch_loss = jax_gated()
    for cell, n in GATED_BPTT:
        grad = jax.jit(jax.grad(lambda params, x, y, cell=cell: loss(cell, params, x, y)))
        p = gated_problem(cell, n, GATED_T)
        params = tuple(jnp.asarray(p[k]) for k in "WUbVc")
        x, y = jnp.asarray(p["x"]), jnp.asarray(p["y"])
        results[f"{cell} bptt n={n} T={GATED_T}"]["jax"] = measure(lambda: jax.block_until_ready(grad(params, x, y)))

    rng = np.random.default_rng(1)
    for cell, n in GATED_TRAIN:
        @jax.jit
        def train_step(params, x, y, cell=cell):
            g = jax.grad(lambda params: batch_loss(cell, params, x, y))(params)
            norm = jnp.sqrt(sum(jnp.sum(t ** 2) for t in g))
            scale = jnp.minimum(1.0, 1.0 / (norm + 1e-6))
            return tuple(p - 0.1 * scale * t for p, t in zip(params, g))
        p = gated_problem(cell, n, TRAIN_T, m=2)
        params = tuple(jnp.asarray(p[k]) for k in "WUbVc")
        xa, ya = adding_batch(TRAIN_T, rng)
        x, y = jnp.asarray(xa), jnp.asarray(ya)
        results[f"{cell} train n={n} T=100 batch=32"]["jax"] = measure(lambda: jax.block_until_ready(train_step(params, x, y)))


def run_gated(results, libraries):
    """The gated items, with PyTorch and JAX (numpy has none: a Python loop over numpy is not how an
    LSTM is run). When both are here, they are first checked against each other."""
    if "torch" in libraries and "jax" in libraries:
        check_gated()
    if "torch" in libraries:
        run_torch_gated(results)
    if "jax" in libraries:
        run_jax_gated(results)


def peak(results):
    a = np.random.default_rng(1).normal(size=(2000, 2000))
    m = measure(lambda: a @ a, seconds=1)
    m["gflops"] = 2 * 2000 ** 3 / m["median"] / 1e9
    results["peak dgemm 2000"]["numpy"] = m


def compare(gradlab_path, results):
    """gradlab's numbers next to the references', target by target (the targets of issue 6)."""
    with open(gradlab_path) as f:
        ours = {item["name"]: item for item in json.load(f)["results"]}

    def ms(seconds):
        return f"{seconds * 1e3:.3f} ms"

    print()
    print(f"{'target':<44}{'gradlab':>12}{'reference':>24}{'ratio':>9}  verdict")

    def line(what, name, library, factor):
        mine = ours.get(name, {}).get("median_seconds")
        theirs = results.get(name.replace("sweep 40×40 n=32, all cores", "sweep 40x40 n=32"), {}).get(library, {}).get("median")
        if mine is None or theirs is None:
            print(f"{what:<44}{'—':>12}{library + ' not measured':>24}")
            return
        verdict = "(ratio only, not a target)" if factor is None else (
            "met" if mine <= theirs / factor else f"missed (goal {ms(theirs / factor)})")
        print(f"{what:<44}{ms(mine):>12}{library + ' ' + ms(theirs):>24}{theirs / mine:>8.2f}×  " + verdict)

    line("BPTT n=32 T=1000: 2x JAX", "bptt n=32 T=1000", "jax", 2)
    line("BPTT n=128 T=1000: at least JAX", "bptt n=128 T=1000", "jax", 1)
    line("BPTT n=8 T=100: at least JAX", "bptt n=8 T=100", "jax", 1)
    line("train step n=128, batch 32: at least PyTorch", "train n=128 T=100 batch=32", "torch", 1)
    line("LSTM BPTT n=32 T=1000: 2x JAX", "lstm bptt n=32 T=1000", "jax", 2)
    line("LSTM BPTT n=128 T=1000: at least JAX", "lstm bptt n=128 T=1000", "jax", 1)
    line("GRU BPTT n=32 T=1000: 2x JAX", "gru bptt n=32 T=1000", "jax", 2)
    line("GRU BPTT n=128 T=1000: at least JAX", "gru bptt n=128 T=1000", "jax", 1)
    line("LSTM train n=128, batch 32: at least JAX", "lstm train n=128 T=100 batch=32", "jax", 1)
    line("LSTM train n=128, batch 32: PyTorch", "lstm train n=128 T=100 batch=32", "torch", None)
    for name, limit, what in [("start-up to the first prompt", 0.05, "start-up under 50 ms"),
                              ("sweep 40×40 n=32, all cores", 1.0, "40x40 sweep under 1 s")]:
        mine = ours.get(name, {}).get("median_seconds")
        if mine is not None:
            print(f"{what:<44}{ms(mine):>12}{'':>24}{'':>9}  " + ("met" if mine < limit else "missed"))
    sweep = ours.get("sweep 40×40 n=32, all cores", {}).get("note", "")
    speedup = re.match(r"([0-9.]+)×", sweep)
    if speedup:
        print(f"{'sweep speed-up on all cores (at least 1.7x)':<44}{sweep:>45}  "
              + ("met" if float(speedup.group(1)) >= 1.7 else "missed"))
    verify = [item for name, item in ours.items() if name.startswith("verify")]
    if verify:
        note = verify[0].get("note", "")
        over = re.search(r"(\d+) over 100 ms", note)
        print(f"{'lesson commands: 100 ms per experiment':<44}{note:>45}  "
              + ("met" if over and over.group(1) == "0" else "missed"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    parser.add_argument("--only", choices=["numpy", "torch", "jax"], action="append")
    parser.add_argument("--gradlab", metavar="FILE", help="gradlab bench's JSON, to print the targets and ratios")
    args = parser.parse_args()
    names = [f"bptt n={n} T={T}" for n, T in BPTT_SIZES] + [f"train n={n} T=100 batch=32" for n in TRAIN_SIZES]
    names += [f"{cell} bptt n={n} T={GATED_T}" for cell, n in GATED_BPTT]
    names += [f"{cell} train n={n} T=100 batch=32" for cell, n in GATED_TRAIN]
    names += ["sweep 40x40 n=32", "peak dgemm 2000"]
    results = {name: {} for name in names}
    libraries = args.only or ["numpy", "torch", "jax"]
    skipped = []
    for library, run in [("numpy", run_numpy), ("torch", run_torch), ("jax", run_jax)]:
        if library not in libraries:
            continue
        try:
            run(results)
        except ImportError:
            skipped.append(library)
    run_gated(results, [lib for lib in ("torch", "jax") if lib in libraries and lib not in skipped])
    peak(results)
    shown = [lib for lib in libraries if lib not in skipped]
    print(f"{'work':<34}" + "".join(f"{lib:>20}" for lib in shown))
    for name in names:
        cells = []
        for lib in shown:
            m = results[name].get(lib)
            cells.append(f"{'—':>20}" if m is None else f"{m['median'] * 1e3:>11.3f} ms ±{(m['q3'] - m['q1']) / 2 / m['median'] * 100:>3.0f}%")
        print(f"{name:<34}" + "".join(cells))
    print(f"peak: {results['peak dgemm 2000']['numpy']['gflops']:.1f} GFLOP/s (numpy's BLAS, 2000x2000 dgemm)")
    if skipped:
        print("skipped (not installed): " + ", ".join(skipped), file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.gradlab:
        compare(args.gradlab, results)


if __name__ == "__main__":
    main()
