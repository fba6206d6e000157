#include "EditLineShim.h"

#include <histedit.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gl_editor {
    EditLine *el;
    History *history;
    char *prompt;
    char *line;
    int interrupted;
    gl_complete_fn complete;
    void *context;
};

static gl_editor *editor_of(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return (gl_editor *)data;
}

static char *prompt_fn(EditLine *el) {
    gl_editor *editor = editor_of(el);
    return editor && editor->prompt ? editor->prompt : "> ";
}

/* Ctrl-C at the prompt: mark the line abandoned, show ^C after it, and end the read with a
 * pushed-back newline (so that libedit moves to a fresh line as it does for Enter). */
static unsigned char interrupt_fn(EditLine *el, int ch) {
    (void)ch;
    gl_editor *editor = editor_of(el);
    const LineInfo *info = el_line(el);
    el_cursor(el, (int)(info->lastchar - info->cursor));
    el_insertstr(el, "^C");
    editor->interrupted = 1;
    el_push(el, "\n");
    return CC_REFRESH;
}

static unsigned char complete_fn(EditLine *el, int ch) {
    (void)ch;
    gl_editor *editor = editor_of(el);
    if (!editor || !editor->complete) return CC_ERROR;
    const LineInfo *info = el_line(el);
    size_t length = (size_t)(info->cursor - info->buffer);
    char *before = malloc(length + 1);
    if (!before) return CC_ERROR;
    memcpy(before, info->buffer, length);
    before[length] = '\0';
    char *answer = editor->complete(editor->context, before);
    free(before);
    if (!answer) return CC_ERROR;

    unsigned char result = CC_REFRESH;
    char *list = strchr(answer, '\n');
    if (list) *list++ = '\0';
    if (answer[0] != '\0' && el_insertstr(el, answer) != 0) result = CC_ERROR;
    if (list && list[0] != '\0') {
        fprintf(stdout, "\n%s\n", list);
        fflush(stdout);
        result = CC_REDISPLAY;
    }
    free(answer);
    return result;
}

gl_editor *gl_open(const char *program) {
    gl_editor *editor = calloc(1, sizeof *editor);
    if (!editor) return NULL;
    editor->el = el_init(program, stdin, stdout, stderr);
    editor->history = history_init();
    if (!editor->el || !editor->history) {
        gl_close(editor);
        return NULL;
    }
    HistEvent event;
    history(editor->history, &event, H_SETSIZE, 1000);
    history(editor->history, &event, H_SETUNIQUE, 1);

    EditLine *el = editor->el;
    el_set(el, EL_CLIENTDATA, editor);
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_SIGNAL, 1);
    el_set(el, EL_PROMPT_ESC, prompt_fn, '\1');
    el_set(el, EL_HIST, history, editor->history);
    /* Ctrl-C reaches the editor as a key (not a signal) while a line is being edited. */
    el_set(el, EL_SETTY, "-d", "-isig", NULL);
    el_set(el, EL_ADDFN, "gl-interrupt", "abandon the line", interrupt_fn);
    el_set(el, EL_BIND, "^C", "gl-interrupt", NULL);
    el_set(el, EL_ADDFN, "gl-complete", "complete the word", complete_fn);
    el_set(el, EL_BIND, "^I", "gl-complete", NULL);
    el_source(el, NULL); /* the user's ~/.editrc, if any */
    return editor;
}

void gl_close(gl_editor *editor) {
    if (editor->el) el_end(editor->el);
    if (editor->history) history_end(editor->history);
    free(editor->prompt);
    free(editor->line);
    free(editor);
}

void gl_set_prompt(gl_editor *editor, const char *prompt) {
    free(editor->prompt);
    editor->prompt = strdup(prompt);
}

void gl_set_completer(gl_editor *editor, gl_complete_fn fn, void *context) {
    editor->complete = fn;
    editor->context = context;
}

const char *gl_read_line(gl_editor *editor, int *status) {
    int count = 0;
    editor->interrupted = 0;
    const char *raw = el_gets(editor->el, &count);
    if (editor->interrupted) {
        *status = GL_INTERRUPTED;
        return NULL;
    }
    if (!raw || count <= 0) {
        *status = GL_EOF;
        return NULL;
    }
    free(editor->line);
    editor->line = strdup(raw);
    if (!editor->line) {
        *status = GL_EOF;
        return NULL;
    }
    size_t length = strlen(editor->line);
    while (length > 0 && (editor->line[length - 1] == '\n' || editor->line[length - 1] == '\r'))
        editor->line[--length] = '\0';
    *status = GL_LINE;
    return editor->line;
}

void gl_history_add(gl_editor *editor, const char *line) {
    HistEvent event;
    history(editor->history, &event, H_ENTER, line);
}

/* Lock-free, so that the signal handler may set it and worker threads may read it. */
static atomic_int interrupt_flag = 0;

static void on_sigint(int signo) {
    (void)signo;
    atomic_store(&interrupt_flag, 1);
}

void gl_install_interrupt_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, NULL);
}

int gl_interrupt_pending(void) { return atomic_load(&interrupt_flag) != 0; }

void gl_clear_interrupt(void) { atomic_store(&interrupt_flag, 0); }
