"""The interactive shell through a real pseudo-terminal: line editing, completion, history,
Ctrl-C, Ctrl-D and UTF-8, as a learner meets them."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pexpect
import pytest
from line_editing import wait_for_line_editing

BIN = os.environ.get("GRADLAB_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/gradlab"))
PROMPT = "gradlab>"  # the colour reset may follow it
UP = "\x1b[A"


@pytest.fixture
def home():
    path = tempfile.mkdtemp(prefix="gradlab-pty-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def spawn(home, *args, rows=30, **env):
    """gradlab on a pseudo-terminal `rows` high and 100 columns wide. Long output is not paged
    (PAGER=cat) unless a test sets PAGER or GRADLAB_PAGER itself (None removes a variable)."""
    environment = dict(os.environ, GRADLAB_HOME=home, TERM="xterm", LANG="C.UTF-8", NO_COLOR="1", PAGER="cat")
    environment.pop("LC_ALL", None)
    environment.pop("GRADLAB_PAGER", None)
    environment.update(env)
    environment = {k: v for k, v in environment.items() if v is not None}
    child = pexpect.spawn(BIN, list(args), env=environment, encoding="utf-8", dimensions=(rows, 100), timeout=10)
    child.expect_exact(PROMPT)
    return child


def leave(child):
    wait_for_line_editing(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_banner_says_how_to_get_help(home):
    child = spawn(home)
    assert "help" in child.before
    assert leave(child) == 0


def test_tab_completes_a_command_name(home):
    child = spawn(home)
    child.send("bp\t")
    child.expect_exact("tt ")  # libedit redraws only what changed
    child.send("\r")
    child.expect_exact("BPTT over T=40 steps")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_tab_completes_setting_keys_and_values(home):
    child = spawn(home)
    child.send("set ac\t")
    child.expect_exact("t=")
    child.send("lin\t\r")
    child.expect_exact("act linear")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_ambiguous_completion_lists_the_candidates(home):
    child = spawn(home)
    child.send("se\t")
    child.expect_exact("set  seed")
    child.sendcontrol("u")
    assert leave(child) == 0


def test_history_comes_back_in_the_next_session(home):
    child = spawn(home)
    child.sendline("seed 42")
    child.expect_exact("seed 42")
    child.expect_exact(PROMPT)
    assert leave(child) == 0

    child = spawn(home)
    child.send(UP + "\r")  # libedit redraws the recalled line; its output proves what it was
    child.expect_exact("seed 42")
    child.expect_exact(PROMPT)
    child.sendline("show seed")
    child.expect(r"seed\s+42")
    assert leave(child) == 0


def test_ctrl_c_abandons_the_line_and_keeps_the_shell(home):
    child = spawn(home)
    child.send("set rho=5")
    child.sendcontrol("c")
    child.expect_exact("^C")
    child.expect_exact(PROMPT)
    child.sendline("show rho")
    child.expect(r"rho\s+none")
    child.expect_exact(PROMPT)
    child.sendcontrol("c")  # on an empty line too
    child.expect_exact(PROMPT)
    child.sendline("= 1+1")
    child.expect_exact("2")
    assert leave(child) == 0


def test_ctrl_d_on_an_empty_line_exits_zero(home):
    child = spawn(home)
    wait_for_line_editing(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert child.signalstatus is None


def test_quit_exits_zero(home):
    child = spawn(home)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("lang", ["C.UTF-8", "C", None])
def test_utf8_typed_at_the_prompt_survives(home, lang):
    child = spawn(home, LANG=lang)
    child.sendline("= 2 # é→ü")
    child.expect_exact("\r\n2\r\n")
    child.expect_exact(PROMPT)
    child.sendline("= é + 1")
    child.expect_exact("unknown name 'é'")
    child.expect_exact(PROMPT)
    child.send(UP + UP + "\r")  # recalled through libedit, run again
    child.expect_exact("\r\n2\r\n")
    child.expect_exact(PROMPT)
    assert leave(child) == 0
    with open(os.path.join(home, "history"), encoding="utf-8") as f:
        assert f.read().splitlines() == ["= 2 # é→ü", "= é + 1", "= 2 # é→ü"]


def test_errors_are_one_sentence_and_the_shell_carries_on(home):
    child = spawn(home)
    child.sendline("bpt")
    child.expect_exact("error: unknown command 'bpt' — did you mean 'bptt'?")
    child.expect_exact(PROMPT)
    child.sendline("set rho=abc")
    child.expect_exact("error: rho must be a number like 1.2 or 1e-3, not 'abc'")
    child.expect_exact(PROMPT)
    child.sendline("eig")
    child.expect_exact("Eigenvalues of W")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_colour_only_when_wanted(home):
    # An empty NO_COLOR does not count (no-color.org: "present and not an empty string").
    for env in ({"NO_COLOR": None}, {"NO_COLOR": ""}):
        child = spawn(home, **env)
        child.sendline("bogus")
        child.expect_exact("\x1b[")
        child.expect_exact(PROMPT)
        assert leave(child) == 0
    for args, env in (((), {"NO_COLOR": "1"}), ((), {"NO_COLOR": None, "TERM": "dumb"}),
                      (("--color=never",), {"NO_COLOR": None}), (("--no-color",), {"NO_COLOR": None})):
        child = spawn(home, *args, **env)
        child.sendline("bogus")
        child.expect_exact("error:")
        child.expect_exact(PROMPT)
        assert "\x1b[" not in child.before
        assert leave(child) == 0


def test_colour_always_reaches_a_pipe_and_never_the_json(home):
    env = dict(os.environ, GRADLAB_HOME=home, NO_COLOR="1")
    run = lambda *args: subprocess.run([BIN, *args], env=env, capture_output=True, text=True)
    always = run("--color=always", "-c", "show seed; bogus")
    assert "\x1b[" in always.stdout and "\x1b[" in always.stderr, "always colours a pipe, over NO_COLOR"
    assert "\x1b[" not in run("-c", "show seed; bogus").stdout, "auto does not colour a pipe"
    assert "\x1b[" not in run("--color=always", "--json", "-c", "show seed").stdout, "JSON is never coloured"
    refused = run("--color=sometimes", "-c", "show seed")
    assert refused.returncode != 0 and "'auto', 'always' or 'never'" in refused.stderr


def interrupt_within_a_second_and_go_on(child, said):
    """Ctrl-C: the command says `said` and the prompt is back within a second; the shell goes on."""
    started = time.monotonic()
    child.sendcontrol("c")
    child.expect_exact(said)
    child.expect_exact(PROMPT)
    assert time.monotonic() - started < 1.0
    child.sendline("= 1+1")
    child.expect_exact("\r\n2\r\n")
    assert leave(child) == 0


def test_ctrl_c_stops_a_long_train_within_a_second(home):
    child = spawn(home)
    child.sendline("task adding T=100; set n=32; train steps=20000")
    time.sleep(1.5)  # well into the run
    interrupt_within_a_second_and_go_on(child, "interrupted after")


@pytest.mark.parametrize("command", [
    "set n=512 T=10000; bptt",                                  # one pass of several seconds
    "task adding; set n=140 T=10000; train steps=2 batch=300",  # one training step of many seconds
])
def test_ctrl_c_stops_a_single_long_pass_within_a_second(home, command):
    child = spawn(home)
    child.sendline(command)
    child.expect_exact("now ρ(W)")  # the settings are made; the pass (over a second in release) starts
    time.sleep(0.3)
    interrupt_within_a_second_and_go_on(child, "interrupted")


def test_a_progress_bar_shows_while_training(home):
    child = spawn(home)
    child.sendline("task adding T=50; train steps=400")
    child.expect(r"train [█▏▎▍▌▋▊▉ ]+ +\d+/400 +\d+%")
    child.expect_exact("loss per step")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_lesson_progress_survives_sigkill(home):
    """Start lesson 2, complete two steps, kill -9, start again: lessons shows the progress and
    lesson 2 resumes on the same step with the same settings and numbers."""
    child = spawn(home)
    child.sendline("lesson 2")
    child.expect(r"── (.+) · step 1 of (\d+) ──")
    title, count = child.match.group(1), child.match.group(2)
    child.expect_exact(f" 1/{count}")  # the prompt names the lesson and the step
    for step in (1, 2):  # complete two steps: skip reads a prose step, runs a task's solution
        child.sendline("skip")
        child.expect_exact(f"step {step + 1} of {count} ──")
        child.expect_exact(f" {step + 1}/{count}")
    child.sendline("show")
    child.expect(r"ρ\(W\)\s+(\S+)\s+σ_max\(W\)\s+(\S+)")
    numbers = child.match.groups()
    child.sendline("eig")
    child.expect(r"ρ\(W\)\s+(\S+)\s+σ_max\(W\) = ‖W‖₂ (\S+)")
    spectrum = child.match.groups()
    child.kill(9)
    child.close()

    child = spawn(home)
    child.sendline("lessons")
    child.expect_exact(f"step 3/{count}")
    child.sendline("lesson 2")
    child.expect_exact("Welcome back")
    child.expect_exact(f"{title} · step 3 of {count} ──")
    child.sendline("show")
    child.expect(r"ρ\(W\)\s+(\S+)\s+σ_max\(W\)\s+(\S+)")
    assert child.match.groups() == numbers
    child.sendline("eig")
    child.expect(r"ρ\(W\)\s+(\S+)\s+σ_max\(W\) = ‖W‖₂ (\S+)")
    assert child.match.groups() == spectrum
    child.expect_exact(f" 3/{count}")
    assert leave(child) == 0


def children(pid):
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("busy", ["prompt", "command", "pager"])
def test_sigterm_and_sighup_leave_the_terminal_and_the_files_as_they_were(home, signo, busy):
    """At the prompt (mid-line), during a long command, or while less shows a command's output:
    gradlab ends (and less with it), the terminal's settings are the ones it found, and the
    history and progress typed so far are on disk."""
    before, after = os.path.join(home, "tty-before"), os.path.join(home, "tty-after")
    script = f"set -m; stty -g > {before}; {BIN}; echo status=$?; stty -g > {after}"
    environment = dict(os.environ, GRADLAB_HOME=home, TERM="xterm", LANG="C.UTF-8", NO_COLOR="1", PAGER="cat")
    for name in ("PAGER", "GRADLAB_PAGER", "LESS") if busy == "pager" else ("GRADLAB_PAGER",):
        environment.pop(name, None)  # the pager is less; else none (train's output, should it end, is long)
    child = pexpect.spawn("/bin/bash", ["-c", script], env=environment, encoding="utf-8", dimensions=(30, 100), timeout=20)
    child.expect_exact(PROMPT)
    child.sendline("lesson 1")
    child.expect_exact(PROMPT.replace("gradlab", "getting-around 1/12"))
    gradlab = children(child.pid)[0]
    pager = None
    if busy == "command":
        child.sendline("train steps=100000 n=64")
        time.sleep(1.0)
    elif busy == "pager":
        child.sendline("help")
        child.expect_exact(LESS_PROMPT)
        [pager] = children(gradlab)
    else:
        child.send("set rh")  # a half-typed line
        time.sleep(0.3)
    os.kill(gradlab, signo)
    child.expect(r"status=(\d+)")
    assert int(child.match.group(1)) == 128 + signo
    child.expect(pexpect.EOF)
    if pager:
        with pytest.raises(ProcessLookupError):
            os.kill(pager, 0)  # less ended with gradlab, and was waited for
    with open(before) as a, open(after) as b:
        assert a.read() == b.read(), "the terminal is left as gradlab found it"
    with open(os.path.join(home, "history"), encoding="utf-8") as f:
        assert "lesson 1" in f.read().split("\n")
    with open(os.path.join(home, "progress.json"), encoding="utf-8") as f:
        assert json.load(f)["current"] == "getting-around"


def test_output_fits_a_terminal_resized_mid_session(home):
    """The width is read again before each line: after the window shrinks from 100 to 60 columns,
    help, tables and charts fit the new width."""
    import re
    child = spawn(home)

    def lines_of(command):
        child.sendline(command)
        child.expect_exact(PROMPT)
        text = child.before.replace("\r\n", "\n")
        # What stays on each line is what follows its last carriage return (the progress bar
        # returns to the start of the line and erases itself).
        lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line.split("\r")[-1]) for line in text.split("\n")[1:]]
        return [line for line in lines if line.strip()]

    wide = lines_of("help clip")
    assert max(len(line) for line in wide) > 60
    child.setwinsize(30, 60)
    for command in ["help clip", "show", "bptt", "sweep rho=0.8..1.4:7"]:
        lines = lines_of(command)
        assert lines, command
        too_wide = [line for line in lines if len(line) > 60]
        assert not too_wide, f"{command}: {too_wide[:3]}"
    assert leave(child) == 0


def test_bail_stops_a_script_at_its_first_error(home, tmp_path):
    script = tmp_path / "lesson.gl"
    script.write_text("show seed\nbogus\nshow n\nalso bogus\n")
    env = dict(os.environ, GRADLAB_HOME=home, NO_COLOR="1")
    went_on = subprocess.run([BIN, str(script)], env=env, capture_output=True, text=True)
    assert went_on.returncode == 1 and "n 8" in went_on.stdout
    assert went_on.stderr.splitlines() == [f"{script}:2: error: unknown command 'bogus'; type help for the list",
                                           f"{script}:4: error: unknown command 'also'; type help for the list"]
    bailed = subprocess.run([BIN, "--bail", str(script)], env=env, capture_output=True, text=True)
    assert bailed.returncode == 1 and "seed 1" in bailed.stdout and "n 8" not in bailed.stdout
    assert bailed.stderr.splitlines() == [f"{script}:2: error: unknown command 'bogus'; type help for the list"]
    piped = subprocess.run([BIN, "--bail"], input="bogus\nshow n\n", env=env, capture_output=True, text=True)
    assert piped.returncode == 1 and "n 8" not in piped.stdout and piped.stderr.startswith("stdin:1: error:")


def test_top_level_help_shows_the_shells_options():
    text = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    for option in ("-c <commands>", "--json", "--lesson <lesson>", "--ascii", "--color <when>", "--no-color", "--bail", "--no-pager"):
        assert option in text, f"gradlab --help lacks {option}"
    assert text.count("--version") == 1 and "SUBCOMMANDS:" in text


def test_the_shells_options_go_before_or_after_run_and_not_to_lint():
    env = dict(os.environ, GRADLAB_HOME=tempfile.mkdtemp(prefix="gradlab-opts-"))
    for args in (["-c", "seed"], ["run", "-c", "seed"], ["-c", "seed", "run"]):
        shown = subprocess.run([BIN, *args], capture_output=True, text=True, env=env)
        assert shown.returncode == 0 and shown.stdout == "seed 1\n", (args, shown.stderr)
    lint = subprocess.run([BIN, "lint", "--json", "Lessons"], capture_output=True, text=True, env=env)
    assert lint.returncode == 64 and lint.stderr.startswith("Error: --json is an option of the shell, not of gradlab lint")
    script = subprocess.run([BIN, "-c", "seed", "somefile.gl"], capture_output=True, text=True, env=env)
    assert script.returncode == 64 and "give either -c COMMANDS or a script FILE, not both" in script.stderr


FIXTURE_LESSONS = os.path.join(os.path.dirname(__file__), "../Fixtures/Lessons")


def test_an_init_file_runs_before_the_prompt_and_no_init_skips_it(home, tmp_path):
    init = os.path.join(home, "init")  # GRADLAB_HOME moves the init file too
    with open(init, "w") as f:
        f.write(f"# settings and a teacher's folder\nset rho=1.3\nload {FIXTURE_LESSONS}\n")
    child = spawn(home)
    child.sendline("show rho")
    child.expect_exact("rho 1.3")
    child.expect_exact(PROMPT)
    child.sendline("lessons")
    child.expect_exact("choosing-tau")
    child.expect_exact(PROMPT)
    assert leave(child) == 0
    child = spawn(home, "--no-init")
    child.sendline("show rho")
    child.expect_exact("rho none")
    child.expect_exact(PROMPT)
    assert leave(child) == 0
    # A script runs an init file only when --init names it, and reports its errors at file:line.
    env = dict(os.environ, GRADLAB_HOME=home, NO_COLOR="1")
    plain = subprocess.run([BIN, "-c", "show rho"], env=env, capture_output=True, text=True)
    assert plain.stdout.startswith("rho none")
    other = tmp_path / "start.gl"
    other.write_text("set T=60\nbogus\n")
    named = subprocess.run([BIN, "--init", str(other), "-c", "show T"], env=env, capture_output=True, text=True)
    assert "T 60" in named.stdout and f"{other}:2: error:" in named.stderr
    missing = subprocess.run([BIN, "--init", str(tmp_path / "none"), "-c", "show T"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot read the init file" in missing.stderr and missing.stdout == ""


def test_the_history_file_and_its_size_come_from_the_environment(home, tmp_path):
    chosen = tmp_path / "elsewhere" / "commands"
    child = spawn(home, GRADLAB_HISTORY=str(chosen), GRADLAB_HISTORY_SIZE="2")
    for line in ("show seed", "show n", "show T"):
        child.sendline(line)
        child.expect_exact(PROMPT)
    assert leave(child) == 0
    assert chosen.read_text() == "show n\nshow T\n"
    assert not os.path.exists(os.path.join(home, "history"))



# less's prompt at the foot of a screen of output (LESS=FRX: a colon, then the rest of the line
# cleared), and how a long command's output reaches the terminal.
LESS_PROMPT = "\r\n:\x1b[K"
NO_PAGER_SET = {"PAGER": None, "GRADLAB_PAGER": None, "LESS": None, "LV": None}


def quit(child):
    """Leaves with quit rather than Ctrl-D: a Ctrl-D sent as the prompt appears can reach the
    terminal before libedit has switched it out of cooked mode, and be lost (as under load)."""
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def recording_pager(tmp_path):
    """A pager that records what it was given, its LESS and LV, and the terminal's settings as it
    found them; and the files it writes them to."""
    record, seen = tmp_path / "paged", tmp_path / "seen"
    script = tmp_path / "pager.sh"
    script.write_text(f'#!/bin/sh\nstty -g < /dev/tty > "{seen}"\necho "LESS=$LESS LV=$LV" >> "{seen}"\ncat >> "{record}"\n')
    script.chmod(0o755)
    return str(script), record, seen


def test_help_on_a_24_row_terminal_opens_less_and_q_comes_back(home):
    """Issue 20: help (41 lines) on a 24-row terminal opens less (PAGER and LESS unset: the
    default less -FRX); the prompt waits until q; then the shell goes on, and a short command's
    output is not paged."""
    child = spawn(home, rows=24, **NO_PAGER_SET)
    gradlab = child.pid
    child.sendline("help")
    child.expect_exact("predict")
    child.expect_exact(LESS_PROMPT)
    assert "quit        leave gradlab" not in child.before, "the first screen only"
    [pager] = children(gradlab)
    with open(f"/proc/{pager}/cmdline") as f:
        assert f.read().split("\0")[:2] == ["less", "-FRX"]
    with pytest.raises(pexpect.TIMEOUT):
        child.expect_exact(PROMPT, timeout=0.5)  # gradlab waits for the pager
    child.send(" ")  # the next screen: the end of help
    child.expect_exact("quit        leave gradlab")
    child.sendcontrol("c")  # Ctrl-C in less is less's own: gradlab is not stopped by it
    child.send("q")
    child.expect_exact(PROMPT)
    assert children(gradlab) == []
    child.sendline("= 1+1")
    child.expect_exact("\r\n2\r\n")
    child.expect_exact(PROMPT)
    assert children(gradlab) == [] and LESS_PROMPT not in child.before
    child.sendline("help clip")  # 33 lines: paged again
    child.expect_exact(LESS_PROMPT)
    child.send("q")
    child.expect_exact(PROMPT)
    assert quit(child) == 0


def test_the_pager_gets_a_commands_output_and_not_the_lesson_report(home, tmp_path):
    """The pager gets exactly the command's own output (what gradlab -c prints for it at the same
    width), with LESS=FRX and LV=-c, on a terminal in the state gradlab found it (not the line
    editor's); the lesson's report after the command (✓ Done, the next step) is written after
    the pager, to the terminal. Short output and lesson steps are not paged."""
    pager, record, seen = recording_pager(tmp_path)
    before = tmp_path / "before"
    script = f"stty -g > {before}; exec {BIN}"
    environment = dict(os.environ, GRADLAB_HOME=home, TERM="xterm", LANG="C.UTF-8", NO_COLOR="1", PAGER=pager)
    for name in ("GRADLAB_PAGER", "LESS", "LV", "LC_ALL"):
        environment.pop(name, None)
    child = pexpect.spawn("/bin/bash", ["-c", script], env=environment, encoding="utf-8", dimensions=(24, 100), timeout=10)
    child.expect_exact(PROMPT)
    child.sendline("help")
    child.expect_exact(PROMPT)
    plain = dict(environment, COLUMNS="100")
    expected = subprocess.run([BIN, "-c", "help"], env=plain, capture_output=True, text=True).stdout
    assert record.read_text() == expected
    lines = seen.read_text().splitlines()
    assert lines[1] == "LESS=FRX LV=-c"
    assert lines[0] == before.read_text().strip(), "the pager finds the terminal as gradlab found it"
    record.unlink()
    child.sendline("= 1+1; set rho=1.1")  # short
    child.expect_exact("ρ(W)")
    child.expect_exact(PROMPT)
    assert not record.exists()
    child.sendline("lesson 2")  # a step's text, never paged
    child.expect_exact("step 1 of 17")
    child.expect_exact("1/17>")
    child.sendline("")
    child.expect_exact("2/17>")
    child.sendline("eig")  # 28 lines, then ✓ Done and the next step
    child.expect_exact("✓ Done.")
    child.expect_exact("step 3 of 17")
    child.expect_exact("3/17 answer>")
    paged = record.read_text()
    assert paged.startswith("Eigenvalues of W") and "σ_max(W)" in paged
    assert "Done" not in paged and "step 3" not in paged
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_no_pager_json_and_pipes_never_page(home, tmp_path):
    """--no-pager and --json in the interactive shell, and gradlab -c help | cat, never start the
    pager; the default one (less) would hold the output until q."""
    pager, record, _ = recording_pager(tmp_path)
    for args in (["--no-pager"], ["--json"]):
        child = spawn(home, *args, rows=24, PAGER=pager)
        child.sendline("help")
        child.expect_exact("predict")
        child.expect_exact(PROMPT)
        assert quit(child) == 0
    assert not record.exists()
    for env in ({"PAGER": pager}, NO_PAGER_SET):
        environment = dict(os.environ, GRADLAB_HOME=home, TERM="xterm", LANG="C.UTF-8", NO_COLOR="1")
        environment.update(env)
        environment = {k: v for k, v in environment.items() if v is not None}
        child = pexpect.spawn("/bin/bash", ["-c", f"{BIN} -c help | cat; echo status=$?"], env=environment,
                              encoding="utf-8", dimensions=(24, 100), timeout=10)
        child.expect_exact("quit        leave gradlab")
        child.expect_exact("status=0")
        child.expect(pexpect.EOF)
        assert LESS_PROMPT not in child.before
    assert not record.exists()


def test_a_pager_that_cannot_start_is_warned_about_once(home):
    """PAGER names no command: the output is shown without a pager, with one warning naming the
    variable, and the next long output is written directly without another."""
    child = spawn(home, rows=24, PAGER="no-such-pager-here", GRADLAB_PAGER=None)
    child.sendline("help")
    child.expect_exact("quit        leave gradlab")
    child.expect_exact("PAGER is 'no-such-pager-here', a pager that could not start (not found)")
    child.expect_exact(PROMPT)
    child.sendline("help")
    child.expect_exact("quit        leave gradlab")
    child.expect_exact(PROMPT)
    assert "could not start" not in child.before
    assert quit(child) == 0
