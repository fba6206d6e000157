import Foundation
import Lessons
import Render
import StateFiles
import Synchronization

/// Reads lines, runs commands against one session, writes what they produce.
public final class Interpreter {
    public internal(set) var session = Session()
    let json: Bool
    var renderer: TextRenderer
    private(set) var failures = 0
    private var out: (String) -> Void
    private var err: (String) -> Void

    /// Errors and warnings: styled for standard error, which may be a file or a pipe while
    /// standard output is a terminal (then neither wrapped nor coloured).
    var errorRenderer: TextRenderer

    public init(json: Bool, style: OutputStyle, errorStyle: OutputStyle? = nil,
                out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.json = json
        self.renderer = TextRenderer(style: style)
        self.errorRenderer = TextRenderer(style: errorStyle ?? style)
        self.out = out
        self.err = err
    }

    /// Where a command's own output goes instead of `out`, when set: the interactive shell pages
    /// long output through it. Never JSON, never the lesson's report that follows a command (✓ Done,
    /// the next step), and never the output of the commands that show a lesson's steps (`lesson`,
    /// `next`, `skip`…), so that quitting the pager early hides nothing a lesson says or asks.
    public var page: ((String) -> Void)?

    /// The commands whose output `page` never gets: they show a lesson's step.
    /// `live` leaves its last frame, which fits the terminal it was drawn on, and is never paged.
    static let unpaged = Commands.lessonVerbs.subtracting(["lessons", "load", "transcript"]).union(["live"])

    /// Where lesson progress is saved after every change (nil: kept in memory only).
    public var progressStore: ProgressStore?

    /// Runs every command of one line. Returns false when a command asked to quit.
    /// `location` ("script.gl:3") prefixes error messages outside the interactive shell.
    /// `before` runs just before each command's output is written (the progress bar erases itself).
    @discardableResult
    public func execute(_ line: String, location: String? = nil, before: () -> Void = {}) -> Bool {
        lessonsRead()
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
        // An answer is the learner's text as typed, not a command line to split and parse (a
        // column in an error then counts in what they typed).
        let answer = line != typed && line.hasPrefix("answer ") ? String(line.dropFirst("answer ".count)) : nil
        let (calls, lineError) = answer.map { ([CommandCall(verb: "answer", words: [$0], rest: $0)], nil) }
            ?? LineSplitter.splitKeepingWhatParses(line)
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
                try LessonRunner.holdUntilPredicted(call, session)
                var produced = [try Commands.run(call, in: &session)]
                let verb = Commands.find(call.verb)?.name ?? call.verb
                // A task completes when its condition holds after a command, whichever command it was.
                if !Commands.lessonVerbs.contains(verb) {
                    let blocks = LessonRunner.afterCommand(call.verb, in: &session)
                    if !blocks.isEmpty { produced.append(Commands.lessonReport(blocks, session)) }
                }
                before()
                for (index, report) in produced.enumerated() {
                    let shown = json ? report.json.serialized() + "\n" : renderer.render(report)
                    if index == 0, !json, let page, !Self.unpaged.contains(verb) { page(shown) } else { out(shown) }
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
            return state.done ? "next" : (state.awaitsAnswer ? "where" : line)  // the question again, not silence
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
        var further: [(id: String, step: Int)] = []
        do throws(FileError) {
            session.book = try store.update { disk in
                for (id, record) in now.lessons where before.lessons[id] != record {
                    // Merged only with what another gradlab wrote since this one last looked: a
                    // restart here drops its own completed steps on purpose.
                    guard let other = disk.lessons[id], other != before.lessons[id], other.hash == record.hash else {
                        disk.lessons[id] = record
                        continue
                    }
                    if other.furthest > record.furthest { further.append((id, other.furthest)) }
                    disk.lessons[id] = record.merged(over: other)
                }
                if now.current != before.current { disk.current = now.current }
                let added = now.loaded.filter { !before.loaded.contains($0) }, removed = before.loaded.filter { !now.loaded.contains($0) }
                disk.loaded = disk.loaded.filter { !removed.contains($0) } + added.filter { !disk.loaded.contains($0) }
            }
        } catch {
            warn("\(error.description); lesson progress will not be saved this session")
            progressStore = nil
        }
        for (id, step) in further {
            let number = session.catalog.number(of: id).map { "lesson \($0)" } ?? "lesson \(id)"
            warn("another gradlab on this home had reached step \(step + 1) of \(number); both are kept: you go on from here, and lessons shows the furthest step (goto \(step + 1) goes back to it)")
        }
    }

    /// Loads the built-in lessons and the saved progress (warning about anything wrong with either).
    /// `background`: when the learner has no progress at all (a first start), the built-in
    /// lessons are read on another thread while the banner and the prompt are up, since nothing
    /// shown before the first command needs them; every reader of the catalog waits for them
    /// (`lessonsRead`). A learner with progress has them read first: the banner names their lesson.
    public func prepareLessons(store: ProgressStore?, background: Bool = false) {
        let (book, warning, repaired) = store?.load() ?? (ProgressBook(), nil, nil)
        if background && book.lessons.isEmpty && book.loaded.isEmpty && book.current == nil {
            reading = CatalogReading()
        } else {
            install(LessonCatalog.builtIns())
        }
        guard let store else { return }
        if let warning { warn(warning) }
        if let repaired { warn(repaired) }
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
            let (lessons, problems) = LessonCheck.load(path, builtIn: session.catalog.builtInIDs)
            do throws(ShellError) { _ = try session.catalog.add(lessons) } catch { warn(error.message) }
            if let first = problems.first {
                warn("the lesson file \(path) now has problems (\(first.message)); it is left out until gradlab lint \(path) passes and you load it again")
            }
        }
        if session.book != book || repaired != nil { saveProgress(since: book) }  // a save writes the repaired file
    }

    /// The built-in lessons being read on another thread, until something needs them.
    private var reading: CatalogReading?

    private func install(_ read: (LessonCatalog, [String])) {
        session.catalog = read.0
        for problem in read.1 { warn("built-in lesson: \(problem)") }
    }

    /// Waits for the built-in lessons if they are still being read: everything that reads the
    /// catalog calls this first (commands, Tab completion, the banner).
    public func lessonsRead() {
        guard let reading else { return }
        self.reading = nil
        install(reading.wait())
    }

    /// The ids Tab completes after `lesson`.
    public var lessonIDs: [String] {
        lessonsRead()
        return session.catalog.all.map(\.id)
    }

    /// The banner's word on lessons: where a new learner begins, or which lesson is next for one
    /// who has finished some (the banner said "New here?" after four finished lessons).
    public func lessonsLine() -> String {
        let newcomer = "New here? lessons lists the lessons; lesson 1 starts the first."
        guard session.book.lessons.values.contains(where: \.finished) else { return newcomer }  // without waiting for the lessons
        lessonsRead()
        let lessons = session.catalog.builtIn
        let finished = lessons.filter { session.book.lessons[$0.id]?.finished == true }
        guard !finished.isEmpty else { return newcomer }
        guard let next = lessons.first(where: { session.book.lessons[$0.id]?.finished != true }),
              let number = session.catalog.number(of: next.id) else {
            return "You have finished all \(lessons.count) lessons; lessons lists them, and load PATH adds lessons of your own."
        }
        return "You have finished \(finished.count) of \(lessons.count) lessons; lesson \(number), \(next.title), is the first of the others."
    }

    /// "You were in lesson 5, step 12 of 15", for the banner.
    public func whereLeft() -> String? {
        guard session.book.current != nil else { return nil }
        lessonsRead()
        guard let id = session.book.current, let record = session.book.lessons[id],
              let lesson = session.catalog.all.first(where: { $0.id == id }), lesson.steps.indices.contains(record.step),
              let number = session.catalog.number(of: id) else { return nil }
        return "You were at step \(record.step + 1) of \(lesson.steps.count) of lesson \(number), \(lesson.title); lesson \(number) picks it up."
    }

    private func fail(verb: String, _ error: ShellError, location: String?) {
        failures += 1
        if json {
            out(JSON.object([("command", .string(verb)), ("ok", .bool(false)), ("error", .string(error.message))]).serialized() + "\n")
        }
        err((location.map { $0 + ": " } ?? "") + errorRenderer.renderError(error.message))
    }

    /// What the prompt says, and whether it waits for a command, a lesson's command or an answer.
    public var prompt: (text: String, mode: PromptMode) {
        let mode: PromptMode = session.lesson?.awaitsAnswer == true ? .answer : (session.lesson != nil ? .lesson : .free)
        return (LessonRunner.prompt(session) ?? "gradlab> ", mode)
    }

    public enum PromptMode: Sendable { case free, lesson, answer }

    /// The width output is wrapped to; the terminal driver sets it again before each line, so that
    /// a resized terminal gets output that fits.
    public var width: Int {
        get { renderer.style.width }
        set {
            if errorRenderer.style.width == renderer.style.width { errorRenderer.style.width = newValue }  // both on the terminal
            renderer.style.width = newValue
        }
    }

    public var anyFailed: Bool { failures > 0 }

    public func warn(_ message: String) { err(errorRenderer.renderWarning(message)) }

    public func error(_ message: String) { err(errorRenderer.renderError(message)) }

    /// Lets long commands see Ctrl-C (the interrupt flag of the C shim) and report progress.
    public func connect(_ runtime: Runtime) { session.runtime = runtime }
}

/// `LessonCatalog.builtIns()` on another thread; `wait` (called once) gives its result once it is there.
final class CatalogReading: Sendable {
    private let result = Mutex<(LessonCatalog, [String])?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init() {
        DispatchQueue.global().async { [self] in
            let read = LessonCatalog.builtIns()
            result.withLock { $0 = read }
            done.signal()
        }
    }

    func wait() -> (LessonCatalog, [String]) {
        done.wait()
        return result.withLock { $0! }
    }
}
