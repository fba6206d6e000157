"""`load norms` as an engineer runs it, through `gradlab --json`: the PyTorch fixture's percentiles
against numpy's np.percentile computed here on the same file, and a large log read within bounded
memory (the file streamed, never held whole).

The fixture is Tests/Fixtures/NormLogs/torch_clip_grad_norm.csv (and its JSON-lines twin), written
by make_torch_log.py beside it: 300 steps of a real PyTorch training loop logging what
torch.nn.utils.clip_grad_norm_ returned.
"""
import json
import os
import subprocess

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("GRADLAB_BIN", os.path.join(HERE, "../../.build/debug/gradlab"))
FIXTURES = os.path.join(HERE, "../Fixtures/NormLogs")


def gradlab_json(*commands, env=None):
    """Each command's JSON object, from one gradlab --json -c run."""
    result = subprocess.run([BIN, "--json", "--no-init", "-c", "; ".join(commands)], capture_output=True, text=True,
                            env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def finite_norms_of_csv(path):
    """The norms of a step,value CSV as numpy reads them, the finite ones."""
    values = np.loadtxt(path, delimiter=",", skiprows=1)[:, 1]
    return values[np.isfinite(values)]


@pytest.mark.parametrize("name", ["torch_clip_grad_norm.csv", "torch_clip_grad_norm.jsonl"])
def test_percentiles_match_numpy_on_the_pytorch_log(name):
    norms = finite_norms_of_csv(os.path.join(FIXTURES, "torch_clip_grad_norm.csv"))
    [loaded, suggested] = gradlab_json(f"load norms {os.path.join(FIXTURES, name)}", "suggest norms")
    assert loaded["count"] == norms.size == 300 and loaded["nonfinite"] == 0
    for key, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)):
        # Bit for bit: JSON carries gradlab's doubles in full (shortest round-trip form).
        assert loaded[key] == float(np.percentile(norms, q)), key
    assert loaded["decades"] == pytest.approx(float(np.log10(norms.max() / norms[norms > 0].min())), rel=1e-13)
    assert loaded["mean"] == pytest.approx(float(norms.mean()), rel=1e-13)
    for row in loaded["thresholds"]:
        tau = row["tau"]
        assert row["clip_rate"] == float(np.mean(norms > tau)), tau
        assert row["mean_scale"] == pytest.approx(float(np.mean(np.minimum(1.0, tau / norms))), rel=1e-13), tau
    # More than two decades: suggest warns, and advises from the percentiles.
    assert loaded["heavy_tailed"] and suggested["heavy_tailed"]
    assert suggested["suggested"] == {"tau": loaded["p90"], "basis": "p90"}
    assert any("pulled by the tail" in warning for warning in suggested["warnings"])


def test_a_large_log_is_streamed_in_bounded_memory(tmp_path):
    """A 90 MB log of 200,000 steps (each row carrying a long note column, as exports with text
    columns do) raises gradlab's peak resident memory by far less than the file's size."""
    small = tmp_path / "small.csv"
    small.write_text("step,value,note\n0,1.5,x\n1,2.5,x\n")
    big = tmp_path / "big.csv"
    rows = 200_000
    note = "n" * 440
    with open(big, "w") as out:
        out.write("step,value,note\n")
        for start in range(0, rows, 10_000):
            out.write("".join(f"{i},{(i * 7919) % 100_003 / 997 + 0.001},{note}\n" for i in range(start, start + 10_000)))
    size = big.stat().st_size
    assert size > 90_000_000

    def measured(path):
        process = subprocess.Popen([BIN, "--json", "--no-init", "-c", f"load norms {path}"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        out = process.stdout.read()
        process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        return json.loads(out.decode().splitlines()[0]), usage.ru_maxrss  # kilobytes on Linux

    baseline, baseline_kb = measured(small)
    loaded, peak = measured(big)
    assert baseline["count"] == 2 and loaded["count"] == rows
    values = np.array([(i * 7919) % 100_003 / 997 + 0.001 for i in range(rows)])
    assert loaded["p99"] == float(np.percentile(values, 99))
    grown_mb = (peak - baseline_kb) / 1024
    # 200,000 norms are 1.6 MB (and a sorted copy); the file is 90 MB.
    assert grown_mb < 20, f"reading a {size / 1e6:.0f} MB log raised the peak by {grown_mb:.1f} MB"
