"""Files that survive: gradlab is killed with SIGKILL at random moments while it saves history and
lesson progress, 200 times; the files must always read as a whole old or new version."""
import json
import os
import random
import signal
import time

import pexpect
from line_editing import wait_for_line_editing

from test_pty import BIN, PROMPT, home, spawn  # noqa: F401 (home is a fixture)

LINES = ["lesson 1", "", "seed 7", "show", "= rho^T", "set T=30", "set act=linear", "reset", "where", "seed 2"]


def check_files(home):
    progress = os.path.join(home, "progress.json")
    if os.path.exists(progress):
        with open(progress, encoding="utf-8") as f:
            book = json.load(f)  # a half-written file would not parse
        assert book["version"] == 1
        assert all("step" in record for record in book["lessons"].values())
    history = os.path.join(home, "history")
    if os.path.exists(history):
        with open(history, encoding="utf-8") as f:
            lines = f.read().split("\n")
        assert lines[-1] == "", "the history ends with a whole line"
        assert all(line in LINES for line in lines[:-1]), "every line is one that was typed, whole"


def test_sigkill_during_saves_never_leaves_a_broken_file(home):
    rng = random.Random(20261127)
    environment = dict(os.environ, GRADLAB_HOME=home, TERM="xterm", LANG="C.UTF-8", NO_COLOR="1")
    for _ in range(200):
        # Typed ahead while gradlab starts, so that the kill lands anywhere in its start or saves.
        child = pexpect.spawn(BIN, env=environment, encoding="utf-8", dimensions=(30, 100), timeout=10)
        child.delaybeforesend = child.delayafterclose = child.delayafterterminate = 0
        child.ptyproc.delayafterclose = child.ptyproc.delayafterterminate = 0
        for line in rng.sample(LINES, 6):
            child.sendline(line)
        time.sleep(rng.uniform(0.02, 0.6))  # a debug build starts in about 0.25 s
        child.kill(signal.SIGKILL)
        child.wait()
        child.close()
        check_files(home)
    assert os.path.exists(os.path.join(home, "progress.json")) and os.path.exists(os.path.join(home, "history")), "saves happened"
    # Killed writers' temporary files are removed at the next start.
    child = spawn(home)
    leftovers = [name for name in os.listdir(home) if name.endswith(".tmp")]
    assert leftovers == [], leftovers
    # And gradlab reads them.
    child.sendline("lessons")
    child.expect_exact("Getting around")
    # Ctrl-D at the prompt, as a person presses it (see line_editing.py).
    child.expect_exact(PROMPT)
    wait_for_line_editing(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_sessions_at_once_keep_every_history_line(home):
    """Issue 16, finding 4: five sessions on one home, their commands interleaved; the history
    keeps all 25 (each session adds its own under a lock, instead of writing out its own list)."""
    children = [spawn(home) for _ in range(5)]
    typed = []
    for command in range(5):
        for number, child in enumerate(children):
            line = f"= {number * 10 + command}"
            child.sendline(line)
            child.expect_exact(PROMPT)
            typed.append(line)
    for child in children:
        wait_for_line_editing(child)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
        child.close()
    with open(os.path.join(home, "history"), encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    assert sorted(lines) == sorted(typed)


def test_sigkill_during_transcript_leaves_nothing_in_the_folder(home):
    """Issue 16, finding 4: gradlab killed at random moments while `transcript` writes leaves in
    the learner's folder either the whole file or nothing: no temporary file, which no sweep of the
    state folder would ever find (the file is written without a name and linked in when whole)."""
    import tempfile
    import shutil
    folder = tempfile.mkdtemp(prefix="gradlab-notes-")
    rng = random.Random(20261206)
    try:
        for attempt in range(40):
            child = spawn(home)
            child.delaybeforesend = child.delayafterclose = child.delayafterterminate = 0
            child.ptyproc.delayafterclose = child.ptyproc.delayafterterminate = 0
            # A transcript of about 800 kB, whose write and fsync take a while, then the kill at
            # a random moment from its start.
            child.sendline("; ".join(["help"] * 300))
            child.expect_exact(PROMPT, timeout=60)
            child.sendline(f"transcript {folder}/notes-{attempt}.md")
            time.sleep(rng.uniform(0.0, 0.15))
            child.kill(signal.SIGKILL)
            child.wait()
            child.close()
            names = os.listdir(folder)
            assert all(name.startswith("notes-") and name.endswith(".md") for name in names), names
            for name in names:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    assert f.read().endswith("```\n\n"), f"{name} is whole"
        assert os.listdir(folder), "some transcripts were written"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_sigkill_right_after_commands_keeps_every_one(home):
    """Issue 20: a command's save is one write at the end of the history, without an fsync; a
    kill -9 right after the commands keeps them all, since the kernel has the writes. The file
    holds more than GRADLAB_HISTORY_SIZE until a session rewrites it as it leaves."""
    typed = ["seed 7", "show seed", "= 1+1"]
    child = spawn(home, GRADLAB_HISTORY_SIZE="2")
    for line in typed:
        child.sendline(line)
        child.expect_exact(PROMPT)
    child.kill(signal.SIGKILL)
    child.wait()
    child.close()
    history = os.path.join(home, "history")
    with open(history, encoding="utf-8") as f:
        assert f.read().split("\n") == typed + [""], "every command typed before the kill, whole"
    child = spawn(home, GRADLAB_HISTORY_SIZE="2")
    child.sendline("show n")
    child.expect_exact(PROMPT)
    with open(history, encoding="utf-8") as f:
        assert f.read() == "seed 7\nshow seed\n= 1+1\nshow n\n", "appended, not yet compacted"
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    with open(history, encoding="utf-8") as f:
        assert f.read() == "show n\nquit\n", "trimmed to the last 2 as the shell leaves"
