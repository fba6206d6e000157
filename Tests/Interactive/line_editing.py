"""Waiting for the line editor, as a person's keys do: a key typed while gradlab still prints meets
the terminal in cooked mode, where Ctrl-D is the terminal's own end-of-file mark, and the switch
to line editing turns that mark into a NUL. A person presses Ctrl-D at a prompt that is ready."""
import termios
import time


def wait_for_line_editing(child, seconds=10):
    """Returns once the pseudo-terminal is out of canonical mode (libedit reads keys one at a time);
    the master's settings are the slave's."""
    deadline = time.monotonic() + seconds
    while termios.tcgetattr(child.child_fd)[3] & termios.ICANON:
        assert time.monotonic() < deadline, "the line editor never took the terminal"
        time.sleep(0.01)
