"""live through a real pseudo-terminal, read through a terminal emulator (pyte) as a person would
see it: each view draws, keys change settings, every way out puts the terminal back (stty -g the
same before and after), a resize redraws at the new size, and without a terminal live refuses."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pexpect
import pyte
import pytest

BIN = os.environ.get("GRADLAB_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/gradlab"))
RIGHT, SHIFT_RIGHT, TAB, ESC = "\x1b[C", "\x1b[1;2C", "\t", "\x1b"


@pytest.fixture
def home():
    path = tempfile.mkdtemp(prefix="gradlab-live-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Term:
    """gradlab in bash on a pseudo-terminal, its output fed to an emulated screen; bash writes
    `stty -g` before gradlab starts and after it ends, and gradlab's exit status."""

    def __init__(self, home, rows=35, columns=100, **env):
        self.before, self.after = os.path.join(home, "tty-before"), os.path.join(home, "tty-after")
        script = f"set -m; stty -g > {self.before}; {BIN}; echo status=$?; stty -g > {self.after}"
        environment = dict(os.environ, GRADLAB_HOME=home, TERM="xterm", LANG="C.UTF-8", NO_COLOR="1", PAGER="cat")
        environment.pop("LC_ALL", None)
        environment.update(env)
        self.child = pexpect.spawn("/bin/bash", ["-c", script], env=environment, encoding="utf-8",
                                   dimensions=(rows, columns), timeout=10)
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)
        self.seen = ""
        self.wait_for("gradlab>")

    def pump(self):
        try:
            while True:
                text = self.child.read_nonblocking(65536, timeout=0.05)
                self.seen += text
                self.stream.feed(text)
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    @property
    def display(self):
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, pattern, timeout=10):
        """Waits until the screen shows `pattern` (a regular expression); returns the match."""
        end = time.time() + timeout
        while time.time() < end:
            self.pump()
            found = re.search(pattern, self.display, re.MULTILINE)
            if found:
                return found
        raise AssertionError(f"{pattern!r} never appeared; the screen:\n{self.display}")

    def send(self, text):
        self.child.send(text)

    def resize(self, rows, columns):
        self.child.setwinsize(rows, columns)
        self.screen.resize(rows, columns)

    def gradlab_pid(self):
        found = subprocess.run(["pgrep", "-P", str(self.child.pid)], capture_output=True, text=True).stdout.split()
        return int(found[0])

    def finish(self):
        """Ends bash; gradlab's exit status, and whether the terminal's settings are as it found them."""
        self.child.expect(r"status=(\d+)")
        status = int(self.child.match.group(1))
        self.child.expect(pexpect.EOF)
        with open(self.before) as a, open(self.after) as b:
            return status, a.read() == b.read()


VIEWS = {
    "bptt": r"λ of W",
    "clip": r"what each rule makes of it",
    "train": r"loss per step",
    "cliff": r"loss over \(w, b\)",
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_view_draws_and_q_leaves_a_snapshot(home, view):
    term = Term(home)
    term.send(f"live {view}\r")
    term.wait_for(rf"live {view} · ")
    term.wait_for(VIEWS[view])
    assert "▶" in term.display, "the chosen setting is marked"
    term.send("q")
    term.wait_for(rf"live {view}(:| changed)")  # the one-line summary under the snapshot
    term.wait_for(r"gradlab> *$")
    term.send("quit\r")
    status, same = term.finish()
    assert status == 0 and same


def test_keys_nudge_and_type_settings_and_the_session_keeps_them(home):
    term = Term(home)
    term.send("set rho=1.1 act=linear\r")
    term.wait_for(r"act linear")
    term.send("live bptt\r")
    term.wait_for(r"ρ\(W\)=1\.1 ")
    term.send(RIGHT * 3)
    term.wait_for(r"ρ\(W\)=1\.13 ")
    term.send(SHIFT_RIGHT)
    term.wait_for(r"ρ\(W\)=1\.23 ")
    term.send(TAB + "50\r")  # T, typed
    term.wait_for(r"live bptt · T=50 ")
    term.send("?")
    term.wait_for(r"Keys of live bptt")
    term.send("?")
    term.wait_for(r"growth per step")
    term.send("q")
    term.wait_for(r"live bptt changed T 40 → 50, rho 1\.1 → 1\.23")
    term.send("show rho\r")
    term.wait_for(r"rho\s+1\.23")
    term.send("check delta[0] > 1e6\r")  # the pass live left behind is bptt's result, current
    term.wait_for(r"true\s+delta\[0\] = 2\.759e\+07")
    assert "stale" not in term.display
    term.send("quit\r")
    assert term.finish() == (0, True)


@pytest.mark.parametrize("way", ["q", "esc", "ctrl-c"])
def test_leaving_by_a_key_puts_the_terminal_back(home, way):
    term = Term(home)
    term.send("live bptt\r")
    term.wait_for(r"λ of W")
    term.send({"q": "q", "esc": ESC, "ctrl-c": "\x03"}[way])
    term.wait_for(r"live bptt: no setting changed")
    term.send("quit\r")
    assert term.finish() == (0, True)


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGHUP, signal.SIGILL])
def test_a_signal_in_live_puts_the_terminal_back(home, signo):
    """SIGTERM and SIGHUP end gradlab, and SIGILL is what a Swift runtime trap raises: each puts
    the terminal back before the signal ends gradlab as it would have. (With the Swift runtime's
    crash reporter on, it gets the signal next; after a real trap it reports, and the instruction
    traps again and ends gradlab. A SIGILL sent by kill would not trap again, so it is off here.)"""
    term = Term(home, SWIFT_BACKTRACE="enable=no")
    term.send("live train\r")
    term.wait_for(r"loss per step")
    term.send(" ")  # training plays on its thread
    time.sleep(0.5)
    os.kill(term.gradlab_pid(), signo)
    status, same = term.finish()
    assert status == 128 + signo
    assert same, "the terminal is left as gradlab found it"


def test_a_resize_redraws_at_the_new_size(home):
    term = Term(home, rows=35, columns=100)
    term.send("live bptt\r")
    term.wait_for(r"λ of W")
    assert max(len(line) for line in term.screen.display if line.strip()) > 80
    term.resize(24, 60)
    term.screen.reset()  # what is on it now is what gradlab draws after the resize
    term.wait_for(r"live bptt · T=40")
    term.wait_for(r"\? keys · q\s+back\s*$")  # the status line, wrapped, at the bottom
    lines = [line.rstrip() for line in term.screen.display]
    assert all(len(line) <= 60 for line in lines)
    assert "▶ rho" in term.display
    term.send("q")
    term.wait_for(r"gradlab> *$")
    term.send("quit\r")
    assert term.finish() == (0, True)


def test_training_carries_on_when_lr_and_tau_change_mid_run(home):
    term = Term(home)
    term.send("clip norm 1\r")
    term.wait_for(r"clip with: norm")
    term.send("live train\r")
    term.wait_for(r"step 0\b")
    term.send(" ")
    first = int(term.wait_for(r"step ([2-9]\d|\d{3,})\b").group(1))
    term.send(SHIFT_RIGHT)  # lr ×9.3, mid-run
    term.send(TAB + RIGHT)  # τ ×1.25
    changed = term.wait_for(r"changed at step (\d+)")
    later = int(term.wait_for(r"step (\d{3,})\b").group(1))
    assert later > first and int(changed.group(1)) > 1, "the run went on, with its weights"
    term.send(" ")
    term.wait_for(r"state paused")
    term.send(".")
    term.send("q")
    term.wait_for(r"live train changed lr 0\.1 → 0\.9313, clip norm 1 → norm 1\.25; \d+ training steps")
    term.send("quit\r")
    assert term.finish() == (0, True)


def test_without_a_terminal_live_says_so_and_runs_nothing(home):
    environment = dict(os.environ, GRADLAB_HOME=home)
    for run in (lambda: subprocess.run([BIN, "-c", "live"], capture_output=True, text=True, env=environment),
                lambda: subprocess.run([BIN], input="live train\n", capture_output=True, text=True, env=environment)):
        done = run()
        assert done.returncode == 1
        assert done.stdout == ""
        assert "error: live needs a terminal on standard input and output" in done.stderr
        assert done.stderr.count("\n") == 1


def test_keys_replay_without_a_terminal(home):
    environment = dict(os.environ, GRADLAB_HOME=home)
    done = subprocess.run([BIN, "-c", 'set act=linear rho=1.1; live bptt --keys "right right q"; show rho'],
                          capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr
    assert "live bptt · T=40" in done.stdout
    assert "live bptt changed rho 1.1 → 1.12" in done.stdout
    assert re.search(r"rho\s+1\.12", done.stdout)
