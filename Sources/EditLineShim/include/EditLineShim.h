#ifndef GRADLAB_EDITLINE_SHIM_H
#define GRADLAB_EDITLINE_SHIM_H

/// A line editor over libedit with a small, non-variadic API that Swift can call.
typedef struct gl_editor gl_editor;

/// Completion callback: receives the line up to the cursor and returns a malloc'd string whose
/// first line is the text to insert at the cursor and whose further lines (if any) are the
/// candidates to list below the prompt. NULL means "nothing to complete" (the terminal beeps).
typedef char *_Nullable (*gl_complete_fn)(void *_Nullable context, const char *_Nonnull before_cursor);

enum gl_status { GL_LINE = 0, GL_EOF = 1, GL_INTERRUPTED = 2 };

/// Opens an editor on stdin/stdout with emacs key bindings. Returns NULL when libedit cannot start.
gl_editor *_Nullable gl_open(const char *_Nonnull program);
void gl_close(gl_editor *_Nonnull editor);

/// The prompt; invisible escape sequences (colour) must be wrapped in \001 ... \001.
void gl_set_prompt(gl_editor *_Nonnull editor, const char *_Nonnull prompt);
void gl_set_completer(gl_editor *_Nonnull editor, gl_complete_fn _Nullable fn, void *_Nullable context);

/// Reads one line. Returns it without the trailing newline (owned by the editor, valid until the
/// next call) and sets *status to GL_LINE; or returns NULL with GL_EOF (Ctrl-D on an empty line,
/// or end of input) or GL_INTERRUPTED (Ctrl-C: the line was abandoned).
const char *_Nullable gl_read_line(gl_editor *_Nonnull editor, int *_Nonnull status);

/// Adds a line to the in-memory history that the arrow keys walk through.
void gl_history_add(gl_editor *_Nonnull editor, const char *_Nonnull line);

/// SIGINT outside the line editor (while a command runs): sets a flag instead of killing the process.
void gl_install_interrupt_handler(void);
/// Whether Ctrl-C was pressed since the last call to gl_clear_interrupt().
int gl_interrupt_pending(void);
void gl_clear_interrupt(void);

/// Around a pager that gradlab runs: gl_pager_starting() just before it is started (the
/// terminal's settings are kept then, before the pager changes them), gl_pager_began(pid) once it
/// is, gl_pager_ended() once it has been waited for. In between, SIGTERM or SIGHUP for gradlab is
/// passed on to the pager, which is waited for (a second at most, then killed); the terminal's
/// settings are put back as they were, and the signal then ends gradlab as it would have.
void gl_pager_starting(void);
void gl_pager_began(int pid);
void gl_pager_ended(void);

/// The full-screen view of `live`. gl_live_begin() keeps the terminal's settings, puts it in raw
/// mode (no echo, no line editing, Ctrl-C a byte), switches to the alternate screen and hides the
/// cursor; 0 on success, -1 when standard input is no terminal. Until gl_live_end() (or exit()),
/// SIGTERM, SIGHUP, SIGQUIT and the signals of a crash (a Swift trap: SIGILL, SIGTRAP) put the
/// terminal back as it was before they end gradlab, and SIGWINCH makes gl_live_resize_fd()
/// readable.
int gl_live_begin(void);
void gl_live_end(void);
int gl_live_resize_fd(void);

/// A new pseudo-terminal: returns the master's descriptor (or -1) and writes the slave's path.
int gl_open_pseudo_terminal(char *_Nonnull slave_name, unsigned long size);
/// POSIX_SPAWN_SETSID, for a child that makes the pseudo-terminal its controlling terminal.
short gl_spawn_new_session_flag(void);

#endif
