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

numpy runs the time loop in Python over BLAS calls; PyTorch uses nn.RNN, autograd and
clip_grad_norm_; JAX uses jit over lax.scan with jax.grad. A library that is not installed is
skipped. Prints a table (median and the spread from the 25th to the 75th percentile) and, with
--json FILE, writes the numbers. With --gradlab FILE (the JSON of `gradlab bench --json FILE`,
measured just before), it also prints each of gradlab's speed targets with the ratios.
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
        goal = theirs / factor
        print(f"{what:<44}{ms(mine):>12}{library + ' ' + ms(theirs):>24}{theirs / mine:>8.2f}×  "
              + ("met" if mine <= goal else f"missed (goal {ms(goal)})"))

    line("BPTT n=32 T=1000: 2x JAX", "bptt n=32 T=1000", "jax", 2)
    line("BPTT n=128 T=1000: at least JAX", "bptt n=128 T=1000", "jax", 1)
    line("BPTT n=8 T=100: at least JAX", "bptt n=8 T=100", "jax", 1)
    line("train step n=128, batch 32: at least PyTorch", "train n=128 T=100 batch=32", "torch", 1)
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
    peak(results)
    shown = [lib for lib in libraries if lib not in skipped]
    print(f"{'work':<28}" + "".join(f"{lib:>20}" for lib in shown))
    for name in names:
        cells = []
        for lib in shown:
            m = results[name].get(lib)
            cells.append(f"{'—':>20}" if m is None else f"{m['median'] * 1e3:>11.3f} ms ±{(m['q3'] - m['q1']) / 2 / m['median'] * 100:>3.0f}%")
        print(f"{name:<28}" + "".join(cells))
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
