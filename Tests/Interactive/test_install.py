"""scripts/install as a user runs it: an installed gradlab finds its lessons with the source tree
out of reach, its manual page renders, bash completes lesson ids after --lesson, and
--uninstall removes exactly what the install put there.

scripts/install builds with GRADLAB_BUILD_ARGS (scripts/test passes the suite's own optimised
build, so that only the manual's generator is built here)."""
import os
import shutil
import subprocess

import pexpect
import pytest

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "../.."))


def tree(path):
    """Every file and folder under path, relative to it."""
    found = set()
    for folder, folders, files in os.walk(path):
        for name in folders + files:
            found.add(os.path.relpath(os.path.join(folder, name), path))
    return found


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """A prefix that already holds a file and a folder of someone else's, installed into once."""
    path = str(tmp_path_factory.mktemp("prefix"))
    os.makedirs(os.path.join(path, "share/man"))
    with open(os.path.join(path, "share/man/someone-elses"), "w") as f:
        f.write("keep me\n")
    before = tree(path)
    result = subprocess.run([os.path.join(ROOT, "scripts/install"), path], capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"installed gradlab in {path}" in result.stdout
    yield path, before


def out_of_reach(command, **env):
    """Runs a shell command in a mount namespace in which the source tree (and the build folders
    in it) is an empty folder, from /, with a clean environment: nothing of the tree can be read."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("hiding the source tree needs root and unshare (CI runs as root)")
    empty = subprocess.run(["mktemp", "-d"], capture_output=True, text=True).stdout.strip()
    script = f"mount --bind {empty} {ROOT} && cd / && {command}"
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **env}
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=environment, timeout=120)


def test_installed_gradlab_finds_its_lessons_without_the_source_tree(prefix, tmp_path):
    path, _ = prefix
    shown = out_of_reach(f"ls {ROOT} | wc -l; {path}/bin/gradlab -c 'lessons; lesson 2; where'", GRADLAB_HOME=str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "0"  # the tree really was out of reach
    assert "not found" not in shown.stderr and shown.stderr == ""
    listed = [line for line in lines[1:] if line[:2].strip().isdigit()]
    assert len(listed) == len([f for f in os.listdir(os.path.join(ROOT, "Lessons")) if f.endswith(".toml")])
    assert "The spectral radius · step 1 of" in shown.stdout


def test_the_manual_page_renders_with_the_shells_commands_and_files(prefix):
    path, _ = prefix
    page = os.path.join(path, "share/man/man1/gradlab.1")
    shown = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr
    text = shown.stdout
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS OF THE SHELL", "FILES", "ENVIRONMENT", "EXIT STATUS"):
        assert heading in text
    for words in ("--lesson lesson", "bptt", "transcript FILE", "progress.json", "GRADLAB_HISTORY", "verify"):
        assert words in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_bash_completes_lesson_ids_files_and_the_shells_options(prefix, tmp_path):
    path, _ = prefix
    (tmp_path / "mylesson.toml").write_text("")
    (tmp_path / "notes.txt").write_text("")
    env = {"PATH": f"{path}/bin:/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "dumb", "PS1": "$ ", "GRADLAB_HOME": str(tmp_path)}
    bash = pexpect.spawn("bash", ["--norc", "--noprofile"], env=env, cwd=str(tmp_path), encoding="utf-8", dimensions=(30, 120), timeout=20)
    bash.expect_exact("$ ")
    bash.sendline(f"source {path}/share/bash-completion/completions/gradlab; bind 'set show-all-if-ambiguous on'")
    bash.expect_exact("$ ")
    bash.send("gradlab --lesson \t")
    bash.expect("spectral-radius")
    bash.expect("width-and-chaos")
    bash.sendcontrol("u")
    bash.send("\n")
    bash.expect_exact("$ ")
    bash.send("gradlab --lesson my\t")
    bash.expect_exact("mylesson.toml")
    bash.sendcontrol("u")
    bash.send("\n")
    bash.expect_exact("$ ")
    bash.send("gradlab --l\t")  # run's options complete at the top level
    bash.expect_exact("--lesson")
    bash.sendcontrol("u")
    bash.send("\n")
    bash.expect_exact("$ ")
    bash.send("gradlab run \t")  # a script file
    bash.expect_exact("notes.txt")
    bash.sendcontrol("u")
    bash.sendline("exit")
    bash.expect(pexpect.EOF)


def test_zsh_and_fish_scripts_are_installed_where_those_shells_look(prefix):
    path, _ = prefix
    zsh = open(os.path.join(path, "share/zsh/site-functions/_gradlab")).read()
    fish = open(os.path.join(path, "share/fish/vendor_completions.d/gradlab.fish")).read()
    assert zsh.startswith("#compdef gradlab") and "--lesson" in zsh
    assert "--lesson" in fish or "-l lesson" in fish


def test_uninstall_removes_exactly_what_was_installed(prefix):
    path, before = prefix
    installed = tree(path) - before
    assert {"bin/gradlab", "share/man/man1/gradlab.1", "share/gradlab/Lessons/FORMAT.md",
            "share/bash-completion/completions/gradlab"} <= installed
    removed = subprocess.run([os.path.join(ROOT, "scripts/install"), "--uninstall", path], capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    assert tree(path) == before
    again = subprocess.run([os.path.join(ROOT, "scripts/install"), "--uninstall", path], capture_output=True, text=True)
    assert again.returncode == 1 and "nothing to remove" in again.stderr
