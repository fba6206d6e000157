#include "EditLineShim.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t pager_pid = 0;
static struct termios terminal_before;
static volatile sig_atomic_t terminal_saved = 0;
static const int passed_on[] = {SIGTERM, SIGHUP};
static struct sigaction previous[2];

/* SIGTERM or SIGHUP while the pager runs: the pager gets it too and is waited for (a second at
 * most, then it is killed), so that it does not outlive gradlab on a terminal the shell has taken
 * back; the terminal's settings are put back; then the signal ends gradlab as it would have.
 * Everything here is async-signal-safe. */
static void on_termination(int signo) {
    pid_t pid = (pid_t)pager_pid;
    if (pid > 0) {
        kill(pid, signo);
        struct timespec tick = {0, 10 * 1000 * 1000};
        int ended = 0;
        for (int i = 0; i < 100 && !ended; i++) {
            pid_t got = waitpid(pid, NULL, WNOHANG);
            if (got == pid || (got < 0 && errno != EINTR)) ended = 1;
            else nanosleep(&tick, NULL);
        }
        if (!ended) {
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        }
    }
    if (terminal_saved) tcsetattr(STDIN_FILENO, TCSANOW, &terminal_before);
    signal(signo, SIG_DFL);
    raise(signo); /* blocked until this handler returns, then it ends the process */
}

void gl_pager_starting(void) {
    terminal_saved = tcgetattr(STDIN_FILENO, &terminal_before) == 0;
    pager_pid = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_termination;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 2; i++) sigaddset(&action.sa_mask, passed_on[i]);
    for (int i = 0; i < 2; i++) sigaction(passed_on[i], &action, &previous[i]);
}

void gl_pager_began(int pid) { pager_pid = pid; }

void gl_pager_ended(void) {
    for (int i = 0; i < 2; i++) sigaction(passed_on[i], &previous[i], NULL);
    pager_pid = 0;
    terminal_saved = 0;
}
