"""A real run's gradient norms, for `load norms`: writes torch_clip_grad_norm.csv, its JSON-lines
twin torch_clip_grad_norm.jsonl, and numpy's figures on the CSV (torch_clip_grad_norm.numpy.json).

How it was run (from the repository root):

    python3 Tests/Fixtures/NormLogs/make_torch_log.py

with Python 3.11.7, numpy 2.4.6 and torch 2.15.0+cu132 (CPU, float32, one thread). CI does not need
torch: the three files are committed, and the tests read them (Tests/ShellTests/NormLogTests.swift
checks gradlab's percentiles against the numpy.json figures bit for bit, and
Tests/NormLogs/test_norm_logs.py against np.percentile run on the CSV in the test).

The loop is an ordinary PyTorch training loop, not written for gradlab: an IRNN (Le, Jaitly &
Hinton 2015: nn.RNN with ReLU, W_hh = I, zero biases) of 32 units learns the adding task (T = 100,
two channels: a value in [0, 1) and a marker; the target is the sum of the two marked values) with
SGD at lr 0.05, batches of 32, for 300 steps, and clips with clip_grad_norm_(max_norm=1.0). It logs
what clip_grad_norm_ returned, the total norm before clipping, as the README shows:

    norm = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    log.write(f"{step},{norm.item()}\\n")

At this rate the norms are heavy-tailed: most steps are near 1, a few reach thousands, five
decades in all, so the mean is pulled far above the median.
"""
import json
import pathlib

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
STEPS, BATCH, T, HIDDEN, LR, MAX_NORM, SEED = 300, 32, 100, 32, 0.05, 1.0, 0


def batch(generator):
    values = torch.rand(BATCH, T, generator=generator)
    marks = torch.zeros(BATCH, T)
    first = torch.randint(0, T // 2, (BATCH,), generator=generator)
    second = torch.randint(T // 2, T, (BATCH,), generator=generator)
    marks[torch.arange(BATCH), first] = 1
    marks[torch.arange(BATCH), second] = 1
    x = torch.stack([values, marks], dim=-1)
    y = (values * marks).sum(dim=1, keepdim=True)
    return x, y


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    rnn = torch.nn.RNN(2, HIDDEN, nonlinearity="relu", batch_first=True)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.eye(HIDDEN))
        rnn.bias_hh_l0.zero_()
        rnn.bias_ih_l0.zero_()
    head = torch.nn.Linear(HIDDEN, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    optimizer = torch.optim.SGD(params, lr=LR)

    csv_path, jsonl_path = HERE / "torch_clip_grad_norm.csv", HERE / "torch_clip_grad_norm.jsonl"
    with open(csv_path, "w") as log, open(jsonl_path, "w") as twin:
        log.write("step,value\n")
        for step in range(STEPS):
            x, y = batch(generator)
            out, _ = rnn(x)
            loss = torch.nn.functional.mse_loss(head(out[:, -1]), y)
            optimizer.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm=MAX_NORM)
            optimizer.step()
            log.write(f"{step},{norm.item()}\n")
            twin.write(json.dumps({"step": step, "loss": loss.item(), "grad_norm": norm.item()}) + "\n")

    # numpy's figures on the file as written (the decimal text, read back), for the tests.
    values = np.loadtxt(csv_path, delimiter=",", skiprows=1)[:, 1]
    finite = values[np.isfinite(values)]
    positive = finite[finite > 0]
    p50, p90, p99 = (float(np.percentile(finite, q)) for q in (50, 90, 99))
    figures = {
        "source": "make_torch_log.py: numpy " + np.__version__ + ", torch " + torch.__version__,
        "count": int(finite.size),
        "nonfinite": int(values.size - finite.size),
        "mean": float(np.mean(finite)),
        "p50": p50, "p90": p90, "p99": p99,
        "max": float(np.max(finite)),
        "min_positive": float(np.min(positive)),
        "decades": float(np.log10(np.max(finite) / np.min(positive))),
        # What norm clipping at tau would have done to these gradients: the fraction of steps
        # over tau, and the mean of min(1, tau/norm).
        "thresholds": [
            {"tau": tau, "clip_rate": float(np.mean(finite > tau)),
             "mean_scale": float(np.mean(np.minimum(1.0, tau / finite)))}
            for tau in (p50, p90, p99, 0.1, 1.0, 10.0, 100.0, 1000.0)
        ],
        "lr": LR, "optimizer": "sgd", "max_norm": MAX_NORM, "final_loss": loss.item(),
    }
    # The same figures as float.hex(), exact whatever JSON reader reads this file (Foundation's on
    # Linux rounds some decimal numbers to a neighbouring double).
    figures["hex"] = {key: float(figures[key]).hex() for key in ("mean", "p50", "p90", "p99", "max", "min_positive", "decades")}
    figures["hex"]["thresholds"] = [{key: value.hex() for key, value in t.items()} for t in figures["thresholds"]]
    (HERE / "torch_clip_grad_norm.numpy.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps({k: figures[k] for k in ("count", "mean", "p50", "p90", "p99", "max", "decades", "final_loss")}))


if __name__ == "__main__":
    main()
