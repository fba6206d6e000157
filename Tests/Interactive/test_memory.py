"""The memory bound the README states: after 1,000 commands of every kind at the interactive prompt
(sized for a debug build's speed: the README gives the heaviest single commands, measured with the
release build), gradlab's peak resident memory is under 400 MB, and the last 500 commands did not
raise it by more than a few megabytes."""
import os

from test_pty import home, spawn  # noqa: F401 (home is a fixture)

BOUND_MB = 400
CYCLES = int(os.environ.get("MEMORY_CYCLES", 50))  # of 20 commands


def vector(count):
    return "[" + ",".join(str(i % 97 - 48) for i in range(count)) + "]"


ANY_PROMPT = r"(gradlab|[\w-]+ \d+/\d+)>"  # in a lesson: "bptt 1/13>"

CYCLE = [
    "set n={n} T=20 seed={k}",       # a new W each time (at n = 512 twice): the model cache and ρ
    "bptt",
    "grad",
    "show",
    "reset",
    "train task=order batch=1024 T=400 n=1 steps=1",
    "sweep rho=0.5..1.5:20 T=5..50:10 n=16",
    "compare clip=none,norm:1,value:1 steps=20",
    "cliff",
    "clip norm:1 {vector}",          # 10,000 numbers (the limit) every tenth time
    "predict for rho in 0.5..1.5:10: delta[0] > 1",
    "= sqrt(2)^{k} + final_loss",
    "help",
    "help expressions",
    "{long}",                        # an unknown command, 20 kB long every tenth time
    "suggest steps=20",
    "lesson 3",
    "next",
    "leave",
    "notebook",
]


def send(child, line):
    """Types a line, in pieces, reading the echo as it comes: a long line sent at once fills the
    terminal's buffers both ways (as pasting it into a terminal emulator would not)."""
    if len(line) < 1024:
        child.sendline(line)
        return
    for start in range(0, len(line), 1024):
        child.send(line[start:start + 1024])
        try:
            while True:
                child.read_nonblocking(65536, timeout=0.01)
        except Exception:  # nothing more to read for now
            pass
    child.sendline("")


def status(pid):
    values = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(value.split()[0]) / 1024  # kB to MB
    return values


def test_a_thousand_commands_stay_under_the_stated_bound(home):
    child = spawn(home, COLUMNS="100")
    child.timeout = 120
    halfway = None
    for k in range(CYCLES):
        for line in CYCLE:
            tenth = k % 10 == 0  # of the cycles
            send(child, line.replace("{k}", str(k + 1)).replace("{n}", "512" if k % 25 == 0 else "64")
                 .replace("{long}", "x" * (20_000 if tenth else 20))
                 .replace("{vector}", vector(10_000 if tenth else 100)))
            child.expect(ANY_PROMPT)
        if k == CYCLES // 2 - 1:
            halfway = status(child.pid)
    end = status(child.pid)
    child.sendline("quit")
    child.close()
    print(f"peak {end['VmHWM']:.0f} MB, resident {halfway['VmRSS']:.0f} MB after 500 commands, {end['VmRSS']:.0f} MB after 1,000")
    assert end["VmHWM"] < BOUND_MB
    assert end["VmRSS"] < halfway["VmRSS"] + 16, "memory grew over the last 500 commands"
