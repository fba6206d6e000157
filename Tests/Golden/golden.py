"""The golden transcript: which fields of gradlab's --json output are pinned, how they are compared,
and how the fixture is made. test_golden.py and scripts/golden both use this module.

Every number is compared bit for bit. gradlab writes a Double in Swift's shortest round-trip form
and Python's float() reads it back to the same double, so equal bits here mean equal strings there.
0.0 and -0.0 differ; a NaN equals a NaN; "NaN", "Infinity" and "-Infinity" (gradlab's spelling of
non-finite numbers) are compared as the strings they are. An int never equals a float, nor a bool
an int: a change of type is a change of the output.

The output may grow: a stored field must be present and equal, any other field is ignored (also
inside objects such as grads). A stored list must keep its length.
"""
import json
import math
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "golden.gl")
FIXTURE = os.path.join(HERE, "golden.jsonl")

# The outcome of a training run, alone (train) or one per rule (compare's runs).
TRAIN_FIELDS = ("end", "steps_run", "diverged_at", "final_loss", "trivial_loss", "clip_rate", "max_norm",
                "losses", "pre_clip_norms", "post_clip_norms", "clipped")

# The fields kept per command, besides "command" and "ok". A field a command does not print is
# not stored. Commands not listed (reset, set, clip, seed…) keep only "command" and "ok".
FIELDS = {
    "train": TRAIN_FIELDS,
    "bptt": ("model", "inputs", "target", "loss", "delta_norms", "jacobian_norms", "grads", "grad_norm"),
    "grad": ("loss", "raw_norm", "clipped_norm", "norm", "scale", "cosine", "grads", "clipped"),
    "sweep": ("metric", "axes", "values"),
    "compare": ("runs",),
}


def command_lines(path=SCRIPT):
    """The script's commands as (line number, text): gradlab answers each with one JSON line.
    Blank lines and lines starting with '#' print nothing."""
    lines = []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            text = text.strip()
            if text and not text.startswith("#"):
                if ";" in text:
                    raise ValueError(f"{path}:{number}: one command per line, without ';': {text}")
                lines.append((number, text))
    return lines


def run(binary, env=None, script=SCRIPT, home=None):
    """Runs binary --json on the script, without a terminal and with stdin closed.
    Returns (exit status, the parsed JSON lines, stderr)."""
    environment = dict(os.environ, NO_COLOR="1")
    if home is not None:
        environment["GRADLAB_HOME"] = home
    environment.update(env or {})
    result = subprocess.run([binary, "--json", script], stdin=subprocess.DEVNULL, capture_output=True,
                            env=environment, timeout=600)
    records = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a crash mid-line, or text that is not --json output
                records.append({"command": "(not JSON)", "text": line[:200]})
    return result.returncode, records, result.stderr.decode("utf-8", "replace")


def extract(record):
    """The pinned part of one --json line."""
    command = record.get("command")
    kept = {"command": command, "ok": record.get("ok")}
    for field in FIELDS.get(command, ()):
        if field in record:
            value = record[field]
            if field == "runs":
                value = [{k: run[k] for k in ("clip",) + TRAIN_FIELDS if k in run} for run in value]
            kept[field] = value
    return kept


def count_numbers(value):
    """How many numbers (and NaN/Infinity strings) a stored value holds; booleans not counted."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return 1
    if isinstance(value, str):
        return 1 if value in ("NaN", "Infinity", "-Infinity") else 0
    if isinstance(value, list):
        return sum(count_numbers(v) for v in value)
    if isinstance(value, dict):
        return sum(count_numbers(v) for v in value.values())
    return 0


def _bits(x):
    return struct.pack(">d", x).hex()


def _show(value):
    if isinstance(value, float):
        return f"{value!r} (bits {_bits(value)})"
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _same(expected, actual):
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, float):
        if math.isnan(expected) and math.isnan(actual):
            return True
        return _bits(expected) == _bits(actual)
    return expected == actual


def first_difference(expected, actual, path=""):
    """None when actual holds expected (extra dict keys allowed), else (path, expected, actual, why)
    for the first place, in order, where they differ."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return path, expected, actual, "not an object any more"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}.{key}" if path else key, value, None, "missing"
            found = first_difference(value, actual[key], f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return path, expected, actual, "not a list any more"
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = first_difference(e, a, f"{path}[{i}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path}[{min(len(expected), len(actual))}]", len(expected), len(actual), "length differs"
        return None
    if not _same(expected, actual):
        return path, expected, actual, "differs"
    return None


def describe(line, text, command, difference):
    path, expected, actual, why = difference
    where = f"golden.gl line {line}: `{text}` ({command}): field {path}"
    if why == "missing":
        return f"{where}: missing from the output (expected {_show(expected)})"
    if why == "length differs":
        return f"{where}: the list has length {actual}, expected {expected}"
    return f"{where}: expected {_show(expected)}, got {_show(actual)}" + ("" if why == "differs" else f" ({why})")


def compare(fixture, lines, records):
    """Every mismatch between the fixture and a run: one message per (line, top-level field), naming
    the first differing index in that field."""
    problems = []
    if len(records) != len(fixture):
        problems.append(f"{len(records)} JSON lines for {len(fixture)} stored ones "
                        f"({len(lines)} commands in golden.gl)")
    for (line, text), expected, actual in zip(lines, fixture, records):
        command = expected.get("command")
        if actual.get("command") != command:
            problems.append(f"golden.gl line {line}: `{text}`: the output is for command "
                            f"{actual.get('command')!r}, expected {command!r}; the lines are out of step")
            break
        for field, value in expected.items():
            if field not in actual:
                problems.append(describe(line, text, command, (field, value, None, "missing")))
                continue
            found = first_difference(value, actual[field], field)
            if found:
                message = describe(line, text, command, found)
                if field == "ok" and actual.get("error"):
                    message += f": {actual['error']}"
                problems.append(message)
    return problems


def load_fixture(path=FIXTURE):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dump_fixture(records, path=FIXTURE):
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n")


def regenerate(binary, path=FIXTURE):
    """Writes the fixture from binary's output; refuses on a failed command, an output that does not
    match the script line for line, or two runs that differ."""
    import tempfile
    lines = command_lines()
    with tempfile.TemporaryDirectory(prefix="gradlab-golden-") as home:
        status, records, stderr = run(binary, home=home)
    with tempfile.TemporaryDirectory(prefix="gradlab-golden-") as home:
        _, again, _ = run(binary, home=home)
    if status != 0:
        raise SystemExit(f"{binary} exited with status {status}:\n{stderr}")
    if len(records) != len(lines):
        raise SystemExit(f"{len(records)} JSON lines for {len(lines)} commands in {SCRIPT}")
    for (line, text), record in zip(lines, records):
        if record.get("ok") is not True:
            raise SystemExit(f"golden.gl line {line}: `{text}` failed: {record.get('error')}")
        if record.get("command") != text.split()[0]:
            raise SystemExit(f"golden.gl line {line}: `{text}` answered as {record.get('command')!r}")
    kept = [extract(r) for r in records]
    if json.dumps(kept) != json.dumps([extract(r) for r in again]):
        raise SystemExit(f"two runs of {binary} gave different numbers: the fixture would be flaky")
    dump_fixture(kept, path)
    numbers = sum(count_numbers(r) for r in kept)
    print(f"{path}: {len(kept)} commands, {numbers} numbers, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 2:
        raise SystemExit("usage: golden.py BINARY   (writes golden.jsonl from BINARY's output)")
    regenerate(sys.argv[1])
