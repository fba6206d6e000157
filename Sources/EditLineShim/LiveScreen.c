#include "EditLineShim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The full-screen view of `live`: raw mode, the alternate screen and a hidden cursor, put back on
 * every way out. The terminal's settings are kept here, where a signal handler can reach them:
 * SIGTERM, SIGHUP and SIGQUIT, and the signals of a crash (a Swift runtime trap is SIGILL or
 * SIGTRAP) put the terminal back and then end gradlab as the signal would have; an exit() does it
 * through atexit. SIGWINCH writes a byte to a pipe that the view's loop polls. Everything a handler
 * calls is async-signal-safe. */

static struct termios live_before;
static volatile sig_atomic_t live_active = 0;
static int resize_pipe[2] = {-1, -1};
static const int fatal[] = {SIGTERM, SIGHUP, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE};
enum { fatal_count = sizeof fatal / sizeof fatal[0] };
static struct sigaction fatal_previous[fatal_count];
static struct sigaction winch_previous;
static int atexit_installed = 0;

static const char leave_screen[] = "\033[0m\033[?25h\033[?1049l";

static void restore_terminal(void) {
    if (!live_active) return;
    live_active = 0;
    ssize_t ignored = write(STDOUT_FILENO, leave_screen, sizeof leave_screen - 1);
    (void)ignored;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &live_before);
}

/* Puts the terminal back, then hands the signal to what handled it before live (the default, or
 * the Swift runtime's crash reporter), which then does what it would have done. */
static void on_fatal(int signo) {
    restore_terminal();
    for (int i = 0; i < fatal_count; i++) {
        if (fatal[i] == signo) sigaction(signo, &fatal_previous[i], NULL);
    }
    raise(signo); /* blocked until this handler returns */
}

static void on_resize(int signo) {
    (void)signo;
    int saved = errno;
    if (resize_pipe[1] >= 0) {
        char byte = 1;
        ssize_t ignored = write(resize_pipe[1], &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int gl_live_begin(void) {
    if (live_active) return -1;
    if (tcgetattr(STDIN_FILENO, &live_before) != 0) return -1;
    if (resize_pipe[0] < 0) {
        if (pipe(resize_pipe) != 0) return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(resize_pipe[i], F_SETFL, fcntl(resize_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(resize_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    if (!atexit_installed) {
        atexit(restore_terminal);
        atexit_installed = 1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_fatal;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < fatal_count; i++) sigaddset(&action.sa_mask, fatal[i]);
    action.sa_flags = SA_RESETHAND;
    for (int i = 0; i < fatal_count; i++) {
        sigaction(fatal[i], NULL, &fatal_previous[i]);
        /* An ignored signal (SIGHUP under nohup) stays ignored: it ends nothing. */
        if (fatal_previous[i].sa_handler != SIG_IGN) sigaction(fatal[i], &action, NULL);
    }
    struct sigaction resize;
    memset(&resize, 0, sizeof resize);
    resize.sa_handler = on_resize;
    sigemptyset(&resize.sa_mask);
    resize.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &resize, &winch_previous);

    struct termios raw = live_before;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | ISTRIP);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    live_active = 1;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
        live_active = 0;
        gl_live_end();
        return -1;
    }
    static const char enter_screen[] = "\033[?1049h\033[?25l\033[H\033[2J";
    ssize_t ignored = write(STDOUT_FILENO, enter_screen, sizeof enter_screen - 1);
    (void)ignored;
    return 0;
}

void gl_live_end(void) {
    restore_terminal();
    for (int i = 0; i < fatal_count; i++) sigaction(fatal[i], &fatal_previous[i], NULL);
    sigaction(SIGWINCH, &winch_previous, NULL);
    char drain[64];
    while (resize_pipe[0] >= 0 && read(resize_pipe[0], drain, sizeof drain) > 0) {}
}

int gl_live_resize_fd(void) { return resize_pipe[0]; }
