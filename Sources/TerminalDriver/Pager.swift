import Render
import EditLineShim
import Foundation

/// Long output in the interactive shell goes through a pager, as git and psql do it: the one
/// `GRADLAB_PAGER` names, else `PAGER`, else `less -FRX`, run by `/bin/sh -c` with `LESS=FRX` and
/// `LV=-c` in its environment unless they are set. An empty one, or `cat`, means none.
final class Pager {
    /// The shell command that starts the pager.
    let command: String
    /// The variable it came from; nil for the default.
    let variable: String?
    /// Warns (once) that the pager could not start.
    private let warn: (String) -> Void
    /// Set once the pager could not start: output is written directly from then on.
    private(set) var broken = false

    static let defaultCommand = "less -FRX"

    init(command: String, variable: String?, warn: @escaping (String) -> Void) {
        self.command = command
        self.variable = variable
        self.warn = warn
    }

    /// The pager the environment asks for, or nil when it asks for none.
    static func configured(environment: [String: String] = ProcessInfo.processInfo.environment,
                           warn: @escaping (String) -> Void) -> Pager? {
        let (command, variable): (String, String?) = if let chosen = environment["GRADLAB_PAGER"] {
            (chosen, "GRADLAB_PAGER")
        } else if let chosen = environment["PAGER"] {
            (chosen, "PAGER")
        } else {
            (defaultCommand, nil)
        }
        let trimmed = command.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed != "cat" else { return nil }
        return Pager(command: command, variable: variable, warn: warn)
    }

    /// Writes `text` to the terminal: through the pager when it needs more rows than the terminal
    /// has less two (the line typed above it and the prompt below), else directly.
    func show(_ text: String) {
        let (rows, columns) = Terminal.size()
        guard !broken, rows > 0, Pager.rows(of: text, columns: columns) > rows - 2 else {
            Terminal.write(text, to: .output)
            return
        }
        if let failure = run(text) {
            broken = true
            Terminal.write(text, to: .output)
            warn(failure)
        }
    }

    /// How many rows `text` takes on a terminal `columns` wide: each line, without its escape
    /// sequences (colour), takes one row for every `columns` characters or part of them.
    static func rows(of text: String, columns: Int) -> Int {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let width = columns > 0 ? columns : Int.max  // a terminal that does not say: no wrapping
        return lines.reduce(0) { total, line in
            let count = VisibleText.width(String(line))
            return total + (count == 0 ? 1 : (count - 1) / width + 1)
        }
    }

    /// Runs the pager with `text` on its standard input and waits for it. Nil when it ran; else
    /// why it could not start (`sh` found no such command, or could not run it).
    private func run(_ text: String) -> String? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return failure(String(cString: strerror(errno))) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }  // the pager gets the read end as its standard input only
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, STDIN_FILENO)
        // The pager starts with the signals as a new program expects them: gradlab's SIGPIPE
        // (default for `| head`) and its interrupt handler are not its business.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults)
        for signo in [SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH] { sigaddset(&defaults, signo) }
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var environment = ProcessInfo.processInfo.environment
        if environment["LESS"] == nil { environment["LESS"] = "FRX" }
        if environment["LV"] == nil { environment["LV"] = "-c" }
        let words: [String] = ["/bin/sh", "-c", Pager.script(command)]
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        gl_pager_starting()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, &envp)
        close(readEnd)
        guard spawned == 0 else {
            gl_pager_ended()
            close(writeEnd)
            return failure(String(cString: strerror(spawned)))
        }
        gl_pager_began(pid)
        // A pager quit before the end of the text closes the pipe: the write then fails with
        // EPIPE, which must not end gradlab.
        let previous = signal(SIGPIPE, SIG_IGN)
        Terminal.write(text, descriptor: writeEnd)
        close(writeEnd)
        signal(SIGPIPE, previous)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        gl_pager_ended()
        gl_clear_interrupt()  // Ctrl-C in the pager is the pager's; it stops no command after it
        // sh's own statuses for a command it could not find (127) or run (126).
        let exited = status & 0x7F == 0, code = (status >> 8) & 0xFF
        guard exited, code == 127 || code == 126 else { return nil }
        return failure(code == 127 ? "not found" : "not executable")
    }

    /// What `sh -c` runs: a plain command (words, no shell syntax) with `exec` before it, so that the
    /// pager is gradlab's own child, which a SIGTERM for gradlab reaches (`gl_pager_began`); a
    /// pipeline or anything else with shell syntax as it is.
    static func script(_ command: String) -> String {
        let syntax = Set("|&;<>()$`\\\"'*?[]#~=%{}!\n")
        return command.contains(where: syntax.contains) ? command : "exec " + command
    }

    /// The one-sentence warning for a pager that could not start, naming what to fix.
    private func failure(_ reason: String) -> String {
        guard let variable else {
            return "the pager \(command) could not start (\(reason)), so long output is shown without one; install less, or set PAGER to another pager or to cat for none"
        }
        return "\(variable) is '\(Inert.text(command))', a pager that could not start (\(reason)), so long output is shown without one; set \(variable) to a pager that works, or to cat for none"
    }
}
