import StateFiles
import Render
import Shell
import EditLineShim
import Lessons
import Foundation

/// When to use colour: on a terminal that wants it (auto), always (`| less -R`), or never.
public enum ColorChoice: String, Sendable, CaseIterable {
    case auto, always, never
}

/// How a run of gradlab was asked to behave.
public struct ShellOptions: Sendable {
    public var json = false
    public var color = ColorChoice.auto
    public var ascii = false
    /// `-c "cmd; cmd"`: run these and exit.
    public var commands: String?
    /// `gradlab FILE`: run a script and exit.
    public var scriptPath: String?
    /// `--lesson PATH|ID`: start straight into a lesson (a file is loaded first).
    public var lesson: String?
    /// `--bail`: a script, `-c` or piped input stops at its first failing command.
    public var bail = false
    /// `--init FILE`: commands to run first, in every mode. Without it the interactive shell runs
    /// `InitFile.path()` when there is one, unless `--no-init`.
    public var initPath: String?
    public var noInit = false
    /// False with `--no-pager`: the interactive shell writes long output straight to the terminal
    /// instead of through `GRADLAB_PAGER`, else `PAGER`, else `less -FRX`.
    public var pager = true

    public init() {}
}

/// The entry point the executable calls: picks interactive or batch mode and returns the exit status.
public enum ShellMain {
    public static func run(_ options: ShellOptions) -> Int32 {
        signal(SIGPIPE, SIG_DFL)  // `gradlab … | head` ends quietly
        Terminal.useUTF8Locale()
        let interactive = options.commands == nil && options.scriptPath == nil && isatty(STDIN_FILENO) == 1
        let driver = Interpreter(json: options.json, style: Terminal.style(options), errorStyle: Terminal.errorStyle(options),
                                 out: { Terminal.write($0, to: .output) }, err: { Terminal.write($0, to: .error) })
        // live on the terminal, in every mode where standard input and output are one.
        var runtime = driver.session.runtime
        runtime.live = LiveTerminal.runner(style: Terminal.style(options))
        driver.connect(runtime)
        AtomicFile.removeStaleTemporaryFiles(in: StateDirectory.path())
        driver.prepareLessons(store: ProgressStore(directory: StateDirectory.path()), background: interactive && options.lesson == nil)
        /// `--lesson PATH|ID`: false when the lesson could not be started (the error is shown).
        func startLesson() -> Bool {
            guard let lesson = options.lesson else { return true }
            if FileManager.default.fileExists(atPath: (lesson as NSString).expandingTildeInPath) {
                driver.execute("load \(lesson)")
                if let id = driver.session.catalog.loaded.last?.id { driver.execute("lesson \(id)") }
            } else {
                driver.execute("lesson \(lesson)")
            }
            return driver.session.lesson != nil
        }
        /// With --bail, whether a command has failed, so that the rest is not run.
        func bails() -> Bool { options.bail && driver.anyFailed }
        /// Runs the start-up file's commands, each error at its file:line; false when a file given
        /// with --init cannot be read (the error is shown).
        /// The text of a file of commands, or nil with the error shown (a missing file's only when
        /// `missingIsAnError`): `what` names it in the messages, `most` ends the one for a file too large.
        func commandFile(_ path: String, what: String, most: String, missingIsAnError: Bool = true) -> String? {
            switch BoundedFile.read(path, limit: BoundedFile.lessonLimit, anyKind: true) {
            case .contents(let bytes): return String(decoding: bytes, as: UTF8.self)
            case .missing: if missingIsAnError { driver.error("cannot read \(what) '\(path)': no such file") }
            case .unreadable(let reason): driver.error("cannot read \(what) '\(path)': \(reason)")
            case .tooLarge: driver.error("\(what) '\(path)' is over \(BoundedFile.describe(BoundedFile.lessonLimit)), \(most)")
            }
            return nil
        }
        /// Runs a file's commands, each error at its file:line, until one quits (or fails, with `bail`).
        func run(_ text: String, from path: String, bail: Bool) {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if !driver.execute(String(line), location: "\(path):\(number + 1)") || (bail && bails()) { break }
            }
        }
        func runInit() -> Bool {
            guard !options.noInit else { return true }
            let path = options.initPath ?? InitFile.path()
            // No start-up file of one's own is nothing to run; one named by --init must be there.
            guard let text = commandFile(path, what: "the init file", most: "the most it may hold", missingIsAnError: options.initPath != nil) else {
                return options.initPath == nil
            }
            run(text, from: path, bail: false)
            return true
        }
        // A script, -c or a pipe runs an init file only when --init names it: the same script
        // gives the same results whoever runs it.
        if !interactive, options.initPath != nil, !runInit() { return 2 }
        if !interactive, !startLesson() { return 1 }

        if let commands = options.commands {
            // Several lines name the line an error comes from, as a script's errors do.
            let lines = commands.split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() {
                if !driver.execute(String(line), location: lines.count > 1 ? "-c:\(number + 1)" : nil) || bails() { break }
            }
            return driver.anyFailed ? 1 : 0
        }
        if let path = options.scriptPath {
            guard let text = commandFile(path, what: "the script", most: "the most a script may hold; split it") else { return 2 }
            run(text, from: path, bail: true)
            return driver.anyFailed ? 1 : 0
        }
        if !interactive {
            let reader = StreamLineReader()
            var number = 0
            while case .line(let line) = reader.read(prompt: "") {
                number += 1
                if !driver.execute(line, location: "stdin:\(number)") || bails() { break }
            }
            return driver.anyFailed ? 1 : 0
        }
        // Long output through a pager: never into a file or a pipe, never JSON.
        let pages = options.pager && !options.json && isatty(STDOUT_FILENO) == 1
        return Interactive(driver: driver, style: Terminal.style(options), pages: pages, start: { runInit() && startLesson() }).run()
    }
}

/// The interactive shell: banner, prompt, history kept across sessions.
struct Interactive {
    let driver: Interpreter
    let style: OutputStyle
    /// Whether a command's output taller than the terminal goes through a pager.
    let pages: Bool
    /// Runs after the banner (`--lesson`); false ends the shell.
    let start: () -> Bool

    func run() -> Int32 {
        let driver = self.driver
        guard let reader = EditLineReader(complete: { TabCompletion.complete($0, lessons: driver.lessonIDs, width: driver.width) }) else {
            driver.warn("the line editor could not start; reading plain lines")
            let plain = StreamLineReader()
            while case .line(let line) = plain.read(prompt: "") {
                if !driver.execute(line) { break }
            }
            return 0
        }
        let (history, sizeWarning) = HistoryFile.configured()
        if let sizeWarning { driver.warn(sizeWarning) }
        var (lines, onDisk, warning) = history.limit > 0 ? history.loadCounting() : ([], 0, nil)
        if let warning { driver.warn(warning) }
        for line in lines { reader.remember(line) }
        var recorder = HistoryRecorder(file: history, onDisk: onDisk)
        defer { if let warning = recorder.finish() { driver.warn(warning) } }  // trimmed to the last `limit` as the shell leaves

        gl_install_interrupt_handler()
        var runtime = Runtime()
        runtime.shouldStop = { gl_interrupt_pending() != 0 }
        runtime.live = LiveTerminal.runner(style: style)
        let drawer = isatty(STDERR_FILENO) == 1 ? ProgressDrawer(width: style.width, unicode: style.unicode) : nil
        if let drawer { runtime.progress = { drawer.report($0, $1, $2) } }
        driver.connect(runtime)
        Terminal.write("""
            gradlab — watch gradients explode through time, and clipping tame them.
            Type help for the commands, help COMMAND for one; Ctrl-D or quit leaves.
            \(driver.lessonsLine())

            """, to: .output)
        if let left = driver.whereLeft() { Terminal.write(left + "\n\n", to: .output) }
        if !start() { return 1 }
        // From the first prompt on: the start-up file's and --lesson's output is written as it comes.
        if pages, let pager = Pager.configured(warn: { [weak driver] in driver?.warn($0) }) {
            driver.page = { pager.show($0) }
        }
        func prompt() -> String {
            let (text, mode) = driver.prompt
            guard style.color else { return text }
            let body = String(text.dropLast())  // the trailing space stays uncoloured
            let colour = switch mode { case .answer: "1;33"; case .lesson: "1;35"; case .free: "1;36" }
            return "\u{1}\u{1B}[\(colour)m\u{1}\(body)\u{1}\u{1B}[0m\u{1} "
        }
        while true {
            gl_clear_interrupt()
            switch reader.read(prompt: prompt()) {
            case .end:
                Terminal.write("\n", to: .output)
                return 0
            case .interrupted:
                continue
            case .line(let line):
                if line.contains(where: { !$0.isWhitespace }) && lines.last != line {
                    reader.remember(line)
                    lines.append(line)
                    if let warning = recorder.record(line) { driver.warn(warning) }
                }
                driver.width = Terminal.width()  // the terminal may have been resized since the last line
                drawer?.resize(driver.width)
                let keepGoing = driver.execute(line, before: { drawer?.clear() })
                drawer?.clear()
                if !keepGoing { return 0 }
            }
        }
    }

}
