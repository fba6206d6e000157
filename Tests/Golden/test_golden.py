"""The golden transcript: gradlab --json runs golden.gl, and every number train, bptt, grad, sweep
and compare print must equal, bit for bit, the one stored in golden.jsonl.

A refactor must not move a number. When a change moves numbers on purpose, regenerate the fixture
with scripts/golden and say why in the commit. golden.py says which fields are pinned and how they
are compared (new fields in the output are fine; a stored one may not change or disappear).
"""
import os
import tempfile

import pytest

import golden

BIN = os.environ.get("GRADLAB_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/gradlab"))

# Extra environment variables for the run, one run per entry. The output must not depend on them:
# the portable kernels (GRADLAB_KERNELS=portable) give the same bits as the AVX2+FMA ones. The
# second element of each entry names the fields left out of the comparison.
#
# "other-processor" also makes this machine's libraries behave as on an older processor: glibc's
# libm without its FMA and AVX2 variants (GLIBC_TUNABLES) and OpenBLAS with its Nehalem kernels
# (OPENBLAS_CORETYPE), where they are those libraries (elsewhere the variables do nothing). Every
# pinned number must stay the same but the singular values LAPACK computes (bptt's Jacobian
# norms), which move in their last bits from one processor to another (the fixture was made on
# an Intel processor; an AMD EPYC's OpenBLAS gives other last bits): LAPACK stays for singular
# values, and no lesson quotes them to the last digit. They are held to 1e-12 instead.
OTHER_PROCESSOR = {
    "GRADLAB_KERNELS": "portable",
    "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX512F",
    "OPENBLAS_CORETYPE": "Nehalem",
}
EXTRA_ENVIRONMENTS = [
    pytest.param({}, id="as-is"),
    pytest.param({"GRADLAB_KERNELS": "portable"}, id="portable"),
    pytest.param(OTHER_PROCESSOR, id="other-processor"),
]
UNPINNED = ("jacobian_norms",)
LAPACK_TOLERANCE = 1e-12

SHOWN = 40  # at most this many mismatches in one failure message


def test_the_fixture_matches_the_script():
    """golden.jsonl was made from this golden.gl: one stored line per command, in order."""
    lines = golden.command_lines()
    fixture = golden.load_fixture()
    assert len(fixture) == len(lines), (
        f"golden.jsonl has {len(fixture)} lines for {len(lines)} commands in golden.gl: regenerate it "
        "with scripts/golden")
    for (line, text), stored in zip(lines, fixture):
        assert stored["command"] == text.split()[0], (
            f"golden.gl line {line}: `{text}` is stored as {stored['command']!r}: regenerate with scripts/golden")


def lapack_differences(lines, stored, records):
    """The LAPACK fields that differ from the fixture by more than LAPACK_TOLERANCE, relative."""
    problems = []
    for (line, text), expected, actual in zip(lines, stored, records):
        for field in UNPINNED:
            want, got = expected.get(field), actual.get(field)
            if want is None or got is None:
                if want != got:
                    problems.append(f"golden.gl line {line}: `{text}`: {field} is {got!r}, expected {want!r}")
                continue
            if len(want) != len(got):
                problems.append(f"golden.gl line {line}: `{text}`: {field} has {len(got)} values, expected {len(want)}")
                continue
            for i, (a, b) in enumerate(zip(want, got)):
                if a == b:
                    continue
                if isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= LAPACK_TOLERANCE * max(abs(a), abs(b)):
                    continue
                problems.append(f"golden.gl line {line}: `{text}`: {field}[{i}] is {b!r}, expected {a!r} (to {LAPACK_TOLERANCE})")
                break
    return problems


@pytest.mark.parametrize("extra_env", EXTRA_ENVIRONMENTS)
def test_every_number_is_unchanged(extra_env):
    assert os.path.exists(BIN), f"no gradlab at {BIN}: build it (swift build) or set GRADLAB_BIN"
    lines = golden.command_lines()
    stored = golden.load_fixture()
    fixture = [{k: v for k, v in record.items() if k not in UNPINNED} for record in stored]
    with tempfile.TemporaryDirectory(prefix="gradlab-golden-") as home:
        status, records, stderr = golden.run(BIN, env=extra_env, home=home)
    problems = golden.compare(fixture, lines, records) + lapack_differences(lines, stored, records)
    if problems:
        shown = "\n".join(problems[:SHOWN])
        more = f"\n… and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        env = f" with {extra_env}" if extra_env else ""
        pytest.fail(f"{len(problems)} difference(s) from golden.jsonl{env}:\n{shown}{more}", pytrace=False)
    assert status == 0, f"gradlab exited with status {status}:\n{stderr}"
