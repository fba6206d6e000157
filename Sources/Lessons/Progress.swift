import Foundation
import StateFiles

/// How far the learner got in one lesson: enough to resume on the same step with the same
/// simulator state, and to show what they answered and predicted.
public struct LessonProgress: Codable, Sendable, Equatable {
    /// The hash of the lesson file this progress was made in.
    public var hash: String
    /// The current step, by position and by id (the id finds it again in a changed file).
    public var step: Int
    public var stepId: String
    /// Ids of the steps completed.
    public var completed: [String] = []
    /// Hints shown, per step id.
    public var hints: [String: Int] = [:]
    /// Every answer given, per step id, in order.
    public var answers: [String: [String]] = [:]
    /// What was predicted and observed, per step id.
    public var predictions: [String: PredictionRecord] = [:]
    /// The session's settings and clipping rule, each key with its typed value (`"rho": 1.2`,
    /// `"act": "tanh"`, `"clip": "norm:1"`).
    public var state: SavedSettings?
    /// The same as `set`-style words (`rho=1.2`, `seed=3`, `clip=norm:1`), as files written before
    /// `state` have them; read when `state` is absent, no longer written.
    public var settings: [String] = []
    /// What the last commands measured, so that a resumed step has the same numbers to ask about.
    public var results: SavedResults?
    /// Whether the last step was ever completed.
    public var finished = false
    /// The furthest step reached (from 0).
    public var furthest = 0

    public init(hash: String, step: Int, stepId: String) {
        self.hash = hash
        self.step = step
        self.stepId = stepId
    }

    /// Keys a file does not have take their defaults, so that progress written by an earlier
    /// version still reads.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hash = try c.decode(String.self, forKey: .hash)
        step = try c.decode(Int.self, forKey: .step)
        stepId = try c.decode(String.self, forKey: .stepId)
        completed = try c.decodeIfPresent([String].self, forKey: .completed) ?? []
        hints = try c.decodeIfPresent([String: Int].self, forKey: .hints) ?? [:]
        answers = try c.decodeIfPresent([String: [String]].self, forKey: .answers) ?? [:]
        predictions = try c.decodeIfPresent([String: PredictionRecord].self, forKey: .predictions) ?? [:]
        state = try c.decodeIfPresent(SavedSettings.self, forKey: .state)
        settings = try c.decodeIfPresent([String].self, forKey: .settings) ?? []
        results = try c.decodeIfPresent(SavedResults.self, forKey: .results)
        finished = try c.decodeIfPresent(Bool.self, forKey: .finished) ?? false
        furthest = try c.decodeIfPresent(Int.self, forKey: .furthest) ?? step
    }
}

extension LessonProgress {
    /// This record saved over `other`, the same lesson's record that another gradlab on the same
    /// home saved meanwhile: the step is this one's (where this learner is), and what either did is
    /// kept: the furthest step, the steps completed, answers, predictions, hints, the finished mark.
    /// A record of another version of the lesson file is replaced.
    public func merged(over other: LessonProgress) -> LessonProgress {
        guard other.hash == hash else { return self }
        var merged = self
        merged.furthest = max(furthest, other.furthest)
        merged.completed += other.completed.filter { !completed.contains($0) }
        merged.finished = finished || other.finished
        merged.hints.merge(other.hints) { max($0, $1) }
        merged.answers.merge(other.answers) { mine, theirs in mine.count >= theirs.count ? mine : theirs }
        merged.predictions.merge(other.predictions) { mine, _ in mine }
        return merged
    }
}

/// The results of the last commands (`delta`, `final_loss`…), as saved with progress.
public struct SavedResults: Codable, Sendable, Equatable {
    public enum Value: Codable, Sendable, Equatable {
        case number(Double)
        case bool(Bool)
        case text(String)
    }

    public var values: [String: Value] = [:]
    public var series: [String: [Double]] = [:]
    /// The commands run at the current step.
    public var ran: [String] = []
    /// The names read by the checks that held at the current step.
    public var checked: [String]? = nil
    /// The settings each command measured with, as `set`-style words (files written before
    /// `measuredUnder`; read when that is absent).
    public var measuredWith: [String: [String]] = [:]
    /// The settings each command measured with, typed.
    public var measuredUnder: [String: SavedSettings]? = nil
    /// The keys each command's run set for itself (`train lr=0.1`), when any.
    public var overridden: [String: [String]]? = nil

    public init() {}
}

/// Settings as the progress file keeps them: each key with its value, a number, a word, a matrix
/// (a W written out) or null (rho=none).
public typealias SavedSettings = [String: SavedValue]

public enum SavedValue: Codable, Sendable, Equatable {
    case number(Double)
    case text(String)
    case matrix([[Double]])
    case none

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .none }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let t = try? c.decode(String.self) { self = .text(t) }
        else { self = .matrix(try c.decode([[Double]].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): try c.encode(x)
        case .text(let t): try c.encode(t)
        case .matrix(let rows): try c.encode(rows)
        case .none: try c.encodeNil()
        }
    }
}

public struct PredictionRecord: Codable, Sendable, Equatable {
    public var predicted: String
    public var observed: String
    public var right: Bool

    public init(predicted: String, observed: String, right: Bool) {
        self.predicted = predicted
        self.observed = observed
        self.right = right
    }
}

/// Everything saved about lessons: each lesson's progress and the one last worked on.
public struct ProgressBook: Codable, Sendable, Equatable {
    public var version = 1
    public var current: String?
    public var lessons: [String: LessonProgress] = [:]
    /// Lesson files loaded with `load` (absolute paths), loaded again at every start.
    public var loaded: [String] = []

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        current = try c.decodeIfPresent(String.self, forKey: .current)
        lessons = try c.decodeIfPresent([String: LessonProgress].self, forKey: .lessons) ?? [:]
        loaded = try c.decodeIfPresent([String].self, forKey: .loaded) ?? []
    }
}

extension ProgressBook {
    /// The most steps, or hints at one step, any lesson can have: a lesson file holds at most
    /// `BoundedFile.lessonLimit` bytes, and each step or hint takes more than one.
    public static let countLimit = BoundedFile.lessonLimit

    /// Sets back the values no gradlab writes (a step or furthest step below 0 or past any lesson,
    /// a hint count below 0 or past any step), which would crash or mislead a resume; returns what
    /// each was, for the warning. A step past this lesson's end (a finished lesson, or a file that
    /// has since lost steps) is no such value: the runner knows the lesson and handles it.
    mutating func repair() -> [String] {
        var problems: [String] = []
        for id in lessons.keys.sorted() {
            guard var record = lessons[id] else { continue }
            let limit = Self.countLimit
            if record.step < 0 || record.step > limit {
                problems.append("lesson \(id)'s step \(record.step)")
                record.step = 0  // the runner finds the step again by its id, or starts from the first
            }
            if record.furthest < 0 || record.furthest > limit {
                problems.append("lesson \(id)'s furthest step \(record.furthest)")
                record.furthest = min(record.step, limit - 1)
            }
            for (step, count) in record.hints.sorted(by: { $0.key < $1.key }) where count < 0 || count > limit {
                problems.append("lesson \(id)'s hint count \(count) at step '\(step)'")
                record.hints[step] = nil
            }
            lessons[id] = record
        }
        return problems
    }
}

/// `progress.json` in the state directory, written atomically after every change. A file that
/// cannot be read as progress is moved aside, never deleted, and a new one starts.
public struct ProgressStore: Sendable {
    public let path: String

    public init(directory: String) { path = directory + "/progress.json" }

    /// The progress on disk. `warning` says why it could not be used (nothing is saved over it
    /// then); `repaired` names values no gradlab writes, which were set back so that they cannot
    /// crash or mislead a resume (the rest is kept, and the next save writes the corrected file).
    public func load() -> (book: ProgressBook, warning: String?, repaired: String?) {
        let data: Data
        switch BoundedFile.read(path, limit: BoundedFile.progressLimit) {
        case .missing: return (ProgressBook(), nil, nil)
        case .unreadable: return (ProgressBook(), "cannot read the lesson progress at \(path); progress will not be saved this session", nil)
        case .tooLarge: data = Data()  // over 16 MiB is no progress file gradlab wrote: moved aside below
        case .contents(let bytes): data = Data(bytes)
        }
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            var book = try decoder.decode(ProgressBook.self, from: data)
            guard book.version == 1 else {
                return (ProgressBook(), "the lesson progress at \(path) was written by a newer gradlab (version \(book.version)); it is left as it is", nil)
            }
            let problems = book.repair()
            let repaired = problems.isEmpty ? nil
                : "the lesson progress at \(path) held values no lesson can have (\(problems.joined(separator: "; "))); they were set back, and the rest of your progress is kept"
            return (book, nil, repaired)
        } catch {
            if let aside = AtomicFile.moveAside(path) {
                return (ProgressBook(), "the lesson progress file could not be read; it was moved to \(aside) and a new one started", nil)
            }
            return (ProgressBook(), "the lesson progress file \(path) could not be read nor moved aside", nil)
        }
    }

    /// Applies `change` to the progress on disk and saves it, holding a lock so that two gradlab
    /// processes do not lose each other's progress: each writes only what it changed. Returns the
    /// progress as saved (with what other processes saved meanwhile). A file that cannot be read
    /// is not overwritten.
    public func update(_ change: (inout ProgressBook) -> Void) throws(FileError) -> ProgressBook {
        try AtomicFile.makeDirectory((path as NSString).deletingLastPathComponent)
        return try AtomicFile.withLock(path + ".lock") { () throws(FileError) -> ProgressBook in
            var book = ProgressBook()
            if FileManager.default.fileExists(atPath: path) {
                let (current, warning, _) = load()
                if let warning { throw FileError(description: warning) }
                book = current
            }
            change(&book)
            try save(book)
            return book
        }
    }

    public func save(_ book: ProgressBook) throws(FileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let data: Data
        do { data = try encoder.encode(book) } catch { throw FileError(description: "cannot encode the lesson progress: \(error)") }
        try AtomicFile.write(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }
}
