import EditLineShim
import Lessons
import Foundation

/// How a run of gradlab was asked to behave.
public struct ShellOptions: Sendable {
    public var json = false
    public var noColor = false
    public var ascii = false
    /// `-c "cmd; cmd"`: run these and exit.
    public var commands: String?
    /// `gradlab FILE`: run a script and exit.
    public var scriptPath: String?
    /// `--lesson PATH|ID`: start straight into a lesson (a file is loaded first).
    public var lesson: String?

    public init() {}
}

/// Reads lines, runs commands against one session, writes what they produce.
public final class ShellDriver {
    public internal(set) var session = Session()
    let json: Bool
    let renderer: TextRenderer
    private(set) var failures = 0
    private var out: (String) -> Void
    private var err: (String) -> Void

    public init(json: Bool, style: OutputStyle,
                out: @escaping (String) -> Void = { Terminal.write($0, to: .output) },
                err: @escaping (String) -> Void = { Terminal.write($0, to: .error) }) {
        self.json = json
        self.renderer = TextRenderer(style: style)
        self.out = out
        self.err = err
    }

    /// Where lesson progress is saved after every change (nil: kept in memory only).
    var progressStore: ProgressStore?

    /// Runs every command of one line. Returns false when a command asked to quit.
    /// `location` ("script.gl:3") prefixes error messages outside the interactive shell.
    /// `before` runs just before each command's output is written (the progress bar erases itself).
    @discardableResult
    public func execute(_ line: String, location: String? = nil, before: () -> Void = {}) -> Bool {
        guard line.utf8.count <= Limits.lineLength else {
            before()
            fail(verb: "", ShellError("the line is over \(BoundedFile.describe(Limits.lineLength)) (\(Limits.lineLength) bytes), the longest a command line may be; split it into shorter lines"), location: location)
            return true
        }
        let typed = line, prompt = LessonRunner.prompt(session) ?? "gradlab> "
        let line = lessonLine(line)
        let bookBefore = session.book
        var printed = ""  // for the transcript
        defer {
            if session.lesson != nil { LessonRunner.remember(&session) }  // the settings and results, as they are now
            if session.book != bookBefore { saveProgress(since: bookBefore) }
            if !typed.trimmingWhitespace().isEmpty || line != typed {
                session.transcript.append(TranscriptEntry(prompt: prompt, line: typed, output: printed))
            }
        }
        let (calls, lineError) = LineSplitter.splitKeepingWhatParses(line)
        defer {
            if let lineError {
                // Named by the verb of the command that did not parse (the text after the last ';').
                let broken = line.split(separator: ";").last.map(String.init) ?? line
                let verb = broken.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
                before()
                fail(verb: verb, lineError, location: location)
                printed += TranscriptEntry.renderer.renderError(lineError.message)
            }
        }
        for call in calls {
            do throws(ShellError) {
                var produced = [try Commands.run(call, in: &session)]
                // A task completes when its condition holds after a command, whichever command it was.
                if !Commands.lessonVerbs.contains(Commands.find(call.verb)?.name ?? call.verb) {
                    let blocks = LessonRunner.afterCommand(in: &session)
                    if !blocks.isEmpty { produced.append(Commands.lessonReport(blocks, session)) }
                }
                before()
                for report in produced {
                    let shown = json ? report.json.serialized() + "\n" : renderer.render(report)
                    out(shown)
                    // Plain output 80 columns wide is the transcript's text already: rendered once, not twice.
                    let same = !json && renderer.style == TranscriptEntry.renderer.style
                    printed += same ? shown : TranscriptEntry.renderer.render(report)
                }
                if produced[0].quits { return false }
            } catch {
                before()
                fail(verb: call.verb, error, location: location)
                printed += TranscriptEntry.renderer.renderError(error.message)
            }
        }
        return true
    }

    /// In a lesson, Enter after reading goes on, and a line that is not a command answers the
    /// question (or makes the prediction) of the step.
    func lessonLine(_ line: String) -> String {
        guard let state = session.lesson else { return line }
        let trimmed = line.trimmingWhitespace()
        if trimmed.isEmpty {
            if case .prose = state.step.kind { return "next" }
            return state.done ? "next" : line
        }
        let first = trimmed.split(whereSeparator: { $0.isWhitespace || $0 == ";" }).first.map(String.init) ?? ""
        let isCommand = Commands.find(first) != nil
        guard state.awaitsAnswer else {
            // A number typed at a task or prose step answers no question: say so, not "unknown command".
            let looksLikeNumber = first.first.map { $0.isNumber || $0 == "-" || $0 == "." } ?? false
            return looksLikeNumber && !isCommand ? "answer " + trimmed : line
        }
        let isChoice = state.choices.contains { $0.lowercased() == trimmed.lowercased() }
        return !isCommand || isChoice ? "answer " + trimmed : line
    }

    /// Saves what changed in the progress since `before`, merged into the file on disk, so that
    /// another gradlab running at the same time keeps its own lessons' progress.
    func saveProgress(since before: ProgressBook) {
        guard let store = progressStore else { return }
        let now = session.book
        do throws(FileError) {
            session.book = try store.update { disk in
                for (id, record) in now.lessons where before.lessons[id] != record { disk.lessons[id] = record }
                if now.current != before.current { disk.current = now.current }
                let added = now.loaded.filter { !before.loaded.contains($0) }, removed = before.loaded.filter { !now.loaded.contains($0) }
                disk.loaded = disk.loaded.filter { !removed.contains($0) } + added.filter { !disk.loaded.contains($0) }
            }
        } catch {
            warn("\(error.description); lesson progress will not be saved this session")
            progressStore = nil
        }
    }

    /// Loads the built-in lessons and the saved progress (warning about anything wrong with either).
    func prepareLessons(store: ProgressStore?) {
        let (catalog, problems) = LessonCatalog.builtIns()
        session.catalog = catalog
        for problem in problems { warn("built-in lesson: \(problem)") }
        guard let store else { return }
        let (book, warning) = store.load()
        if let warning { warn(warning) }
        session.book = book
        progressStore = warning == nil || !FileManager.default.fileExists(atPath: store.path) ? store : nil
        // The lessons loaded in earlier sessions: a file that is gone is forgotten, one with
        // problems is left out until it is loaded again.
        for path in book.loaded {
            guard FileManager.default.fileExists(atPath: path) else {
                session.book.loaded.removeAll { $0 == path }
                warn("the lesson file \(path), loaded in an earlier session, is gone; it is no longer listed")
                continue
            }
            let (lessons, problems) = LessonCheck.load(path)
            do throws(ShellError) { try session.catalog.add(lessons) } catch { warn(error.message) }
            if let first = problems.first {
                warn("the lesson file \(path) now has problems (\(first.message)); it is left out until gradlab lint \(path) passes and you load it again")
            }
        }
        if session.book != book { saveProgress(since: book) }
    }

    /// "You were in lesson 5, step 12 of 15", for the banner.
    func whereLeft() -> String? {
        guard let id = session.book.current, let record = session.book.lessons[id],
              let lesson = session.catalog.all.first(where: { $0.id == id }), record.step < lesson.steps.count,
              let number = session.catalog.number(of: id) else { return nil }
        return "You were at step \(record.step + 1) of \(lesson.steps.count) of lesson \(number), \(lesson.title); lesson \(number) picks it up."
    }

    private func fail(verb: String, _ error: ShellError, location: String?) {
        failures += 1
        if json {
            out(JSON.object([("command", .string(verb)), ("ok", .bool(false)), ("error", .string(error.message))]).serialized() + "\n")
        }
        err((location.map { $0 + ": " } ?? "") + renderer.renderError(error.message))
    }

    public var anyFailed: Bool { failures > 0 }

    public func warn(_ message: String) { err(renderer.renderWarning(message)) }

    public func error(_ message: String) { err(renderer.renderError(message)) }

    /// Lets long commands see Ctrl-C (the interrupt flag of the C shim) and report progress.
    func connect(_ runtime: Runtime) { session.runtime = runtime }
}

/// The entry point the executable calls: picks interactive or batch mode and returns the exit status.
public enum ShellMain {
    public static func run(_ options: ShellOptions) -> Int32 {
        signal(SIGPIPE, SIG_DFL)  // `gradlab … | head` ends quietly
        Terminal.useUTF8Locale()
        let interactive = options.commands == nil && options.scriptPath == nil && isatty(STDIN_FILENO) == 1
        let driver = ShellDriver(json: options.json, style: Terminal.style(options))
        AtomicFile.removeStaleTemporaryFiles(in: StateDirectory.path())
        driver.prepareLessons(store: ProgressStore(directory: StateDirectory.path()))
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
        if !interactive, !startLesson() { return 1 }

        if let commands = options.commands {
            for line in commands.split(separator: "\n", omittingEmptySubsequences: false) {
                if !driver.execute(String(line)) { break }
            }
            return driver.anyFailed ? 1 : 0
        }
        if let path = options.scriptPath {
            let text: String
            switch BoundedFile.read(path, limit: BoundedFile.lessonLimit) {
            case .contents(let bytes): text = String(decoding: bytes, as: UTF8.self)
            case .missing: driver.error("cannot read the script '\(path)': no such file"); return 2
            case .unreadable(let reason): driver.error("cannot read the script '\(path)': \(reason)"); return 2
            case .tooLarge:
                driver.error("the script '\(path)' is over \(BoundedFile.describe(BoundedFile.lessonLimit)), the most a script may hold; split it")
                return 2
            }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if !driver.execute(String(line), location: "\(path):\(number + 1)") { break }
            }
            return driver.anyFailed ? 1 : 0
        }
        if !interactive {
            let reader = StreamLineReader()
            var number = 0
            while case .line(let line) = reader.read(prompt: "") {
                number += 1
                if !driver.execute(line, location: "stdin:\(number)") { break }
            }
            return driver.anyFailed ? 1 : 0
        }
        return Interactive(driver: driver, style: Terminal.style(options), start: startLesson).run()
    }
}

/// The interactive shell: banner, prompt, history kept across sessions.
struct Interactive {
    let driver: ShellDriver
    let style: OutputStyle
    /// Runs after the banner (`--lesson`); false ends the shell.
    let start: () -> Bool

    func run() -> Int32 {
        let driver = self.driver
        let width = style.width
        guard let reader = EditLineReader(complete: { TabCompletion.complete($0, lessons: driver.session.catalog.all.map(\.id), width: width) }) else {
            driver.warn("the line editor could not start; reading plain lines")
            let plain = StreamLineReader()
            while case .line(let line) = plain.read(prompt: "") {
                if !driver.execute(line) { break }
            }
            return 0
        }
        let history = HistoryFile(directory: StateDirectory.path())
        var (lines, warning) = history.load()
        if let warning { driver.warn(warning) }
        for line in lines { reader.remember(line) }
        var saving = true

        gl_install_interrupt_handler()
        var runtime = Runtime()
        runtime.shouldStop = { gl_interrupt_pending() != 0 }
        let drawer = isatty(STDERR_FILENO) == 1 ? ProgressDrawer(width: style.width, unicode: style.unicode) : nil
        if let drawer { runtime.progress = { drawer.report($0, $1, $2) } }
        driver.connect(runtime)
        Terminal.write("""
            gradlab — watch gradients explode through time, and clipping tame them.
            Type help for the commands, help COMMAND for one; Ctrl-D or quit leaves.
            New here? lessons lists the lessons; lesson 1 starts the first.

            """, to: .output)
        if let left = driver.whereLeft() { Terminal.write(left + "\n\n", to: .output) }
        if !start() { return 1 }
        func prompt() -> String {
            let text = LessonRunner.prompt(driver.session) ?? "gradlab> "
            guard style.color else { return text }
            let body = String(text.dropLast())  // the trailing space stays uncoloured
            let colour = driver.session.lesson?.awaitsAnswer == true ? "1;33" : (driver.session.lesson != nil ? "1;35" : "1;36")
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
                let trimmed = line.trimmingWhitespace()
                if !trimmed.isEmpty && lines.last != line {
                    reader.remember(line)
                    lines.append(line)
                    if saving {
                        do throws(FileError) { try history.save(lines) } catch {
                            driver.warn("\(error.description); history will not be saved this session")
                            saving = false
                        }
                    }
                }
                let keepGoing = driver.execute(line, before: { drawer?.clear() })
                drawer?.clear()
                if !keepGoing { return 0 }
            }
        }
    }

}
