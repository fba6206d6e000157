import Render
import Foundation
import Lessons

/// The lessons a learner can start: the built-in curriculum, then those loaded with `load`,
/// numbered in that order.
public struct LessonCatalog: Sendable {
    public var builtIn: [Lesson] = []
    public var loaded: [Lesson] = []

    public init(builtIn: [Lesson] = [], loaded: [Lesson] = []) {
        self.builtIn = builtIn
        self.loaded = loaded
    }

    public var all: [Lesson] { builtIn + loaded }

    /// The built-in lessons' ids, each with its file: ids a loaded lesson may not take.
    public var builtInIDs: [String: String] {
        Dictionary(builtIn.map { ($0.id, $0.path) }, uniquingKeysWith: { first, _ in first })
    }

    /// The lesson's number in `lessons`, from 1.
    public func number(of id: String) -> Int? { all.firstIndex { $0.id == id }.map { $0 + 1 } }

    /// A lesson by number, id, or the start of an id that only one lesson has.
    func find(_ word: String) throws(ShellError) -> Lesson {
        let lessons = all
        guard !lessons.isEmpty else { throw ShellError("there are no lessons: the built-in ones were not found; load PATH loads a lesson file") }
        if let number = Int(word) {
            guard (1...lessons.count).contains(number) else {
                throw ShellError("there is no lesson \(number); lessons are numbered 1 to \(lessons.count) (type lessons for the list)")
            }
            return lessons[number - 1]
        }
        if let exact = lessons.first(where: { $0.id == word }) { return exact }
        let starting = lessons.filter { $0.id.hasPrefix(word.lowercased()) }
        if starting.count == 1 { return starting[0] }
        if starting.count > 1 {
            throw ShellError("'\(word)' starts several lessons (\(starting.map(\.id).joined(separator: ", "))); type more of the id, or its number")
        }
        throw ShellError("there is no lesson '\(word)'\(Suggest.didYouMean(word, among: lessons.map(\.id), otherwise: "type lessons for the list"))")
    }

    /// Adds loaded lessons, or replaces the versions of the same files loaded before. A lesson
    /// may not take a built-in lesson's id, nor the id of a lesson loaded from another file that
    /// still has it (the two would replace each other); a lesson of a file that is gone, or whose
    /// id has changed since, is replaced. Returns what was replaced that way, to say so.
    mutating func add(_ lessons: [Lesson]) throws(ShellError) -> [Lesson] {
        for lesson in lessons {
            if let path = builtInIDs[lesson.id] {
                throw ShellError("\(lesson.path):\(lesson.idPosition): \(LessonCheck.builtInTaken(lesson.id, by: path))")
            }
            if let other = loaded.first(where: { $0.id == lesson.id }), LessonCheck.canonical(other.path) != LessonCheck.canonical(lesson.path),
               LessonLoader.load(path: other.path).lesson?.id == lesson.id {
                throw ShellError("\(lesson.path):\(lesson.idPosition): \(LessonCheck.sameID(lesson.id, as: other.path))")
            }
        }
        var replaced: [Lesson] = []
        for lesson in lessons {
            if let index = loaded.firstIndex(where: { $0.id == lesson.id }) {
                if LessonCheck.canonical(loaded[index].path) != LessonCheck.canonical(lesson.path) { replaced.append(loaded[index]) }
                loaded[index] = lesson
            } else {
                loaded.append(lesson)
            }
        }
        return replaced
    }

    /// The built-in lessons' ids, each with its file, for lint and verify (empty when the
    /// built-in lessons are not found).
    public static func builtInIDs(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        builtIns(environment: environment).0.builtInIDs
    }

    /// The folder of the built-in lessons: `$GRADLAB_LESSONS`, else a `Lessons` folder holding
    /// FORMAT.md beside the executable or above it (the source tree a build runs from).
    public static func builtInDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let given = environment["GRADLAB_LESSONS"], !given.isEmpty { return given }
        var candidates: [URL] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(folder.appendingPathComponent("Lessons"))
                candidates.append(folder.appendingPathComponent("share/gradlab/Lessons"))
                folder = folder.deletingLastPathComponent()
            }
        }
        // The source tree this file was built from (for tests, which run from a test bundle).
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Lessons").standardized)
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("FORMAT.md").path) }?.path
    }

    /// The built-in lessons, read but not linted: `gradlab verify --all` (run by the tests) holds
    /// them to lint and more, and linting all of them at every start would cost most of it. A
    /// file that does not load is reported; a step that would not lint is refused when it runs.
    public static func builtIns(environment: [String: String] = ProcessInfo.processInfo.environment) -> (LessonCatalog, [String]) {
        guard let folder = builtInDirectory(environment: environment) else {
            return (LessonCatalog(), ["the built-in lessons were not found (set GRADLAB_LESSONS to their folder); load PATH still loads lessons"])
        }
        let (lessons, problems) = LessonCheck.loadFolder(folder, linting: false)
        return (LessonCatalog(builtIn: lessons), problems.map(\.description))
    }
}

/// One command line of the session and what it printed, for `transcript`.
public struct TranscriptEntry: Sendable {
    public var prompt: String
    public var line: String
    /// What the line printed, as plain text 80 columns wide.
    public var output: String

    /// How the transcript renders what a line printed: once, when the line ran, so that the session
    /// keeps text and not every report's numbers.
    static let renderer = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 80))

    var size: Int { prompt.utf8.count + line.utf8.count + output.utf8.count }
}

/// The session so far, as `transcript` writes it, within a bound: when the text passes
/// `Transcript.limit`, the oldest lines are dropped (and the file says how many).
public struct Transcript: Sendable {
    /// 8 MiB of text: hours of typing, while a runaway script cannot grow it without bound.
    public static let limit = 8 << 20
    public private(set) var entries: [TranscriptEntry] = []
    /// Lines dropped from the start to stay within the limit.
    public private(set) var dropped = 0
    private var size = 0

    public init() {}

    mutating func append(_ entry: TranscriptEntry) {
        entries.append(entry)
        size += entry.size
        var drop = 0
        while size > Self.limit, drop < entries.count {
            size -= entries[drop].size
            drop += 1
        }
        if drop > 0 {
            entries.removeFirst(drop)
            dropped += drop
        }
    }
}
