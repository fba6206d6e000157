import Foundation

/// A lesson as its file describes it: what the learner reads, does, answers and predicts, step by
/// step. Conditions and answers are kept as the teacher wrote them (expressions of the shell's
/// language); the shell evaluates them.
public struct Lesson: Sendable {
    public var id: String
    public var title: String
    public var summary: String
    /// Applied before every step's own setup (`[setup]` at the top of the file).
    public var setup: [SetupEntry]
    public var steps: [Step]
    /// Where the lesson was read from.
    public var path: String
    /// A hash of the file's bytes: progress saved under another hash belongs to another version.
    public var hash: String
    /// Where the lesson's `id` is written.
    public var idPosition = SourcePosition(line: 1, column: 1)
    /// Numbers the text may write that no step prints (`constants = [0.08333, -2.612]`): the loss
    /// of a predictor that ignores its input, a value from a paper.
    public var constants: [Double] = []
    public var constantsPosition: SourcePosition? = nil

    public func index(ofStep id: String) -> Int? { steps.firstIndex { $0.id == id } }
}

/// A line and column in a lesson file, both from 1.
public struct SourcePosition: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
    public var description: String { "\(line):\(column)" }
}

/// One `key = value` of a setup, with the value as the shell's `set` would read it ("1.2", "linear",
/// "norm:1", "[[1, 0], [0, 1]]").
public struct SetupEntry: Sendable, Equatable {
    public var key: String
    public var value: String
    public var position: SourcePosition

    public init(key: String, value: String, position: SourcePosition) {
        self.key = key
        self.value = value
        self.position = position
    }

    /// The entry as a `set`-style word: `rho=1.2`.
    public var word: String { "\(key)=\(value)" }
}

public struct Step: Sendable {
    public enum Kind: Sendable {
        /// Read, then Enter or next.
        case prose
        /// Do something in the simulator until `done` holds.
        case task(done: String, solution: [String])
        case question(Question)
        case prediction(Prediction)

        public var name: String {
            switch self {
            case .prose: "prose"
            case .task: "task"
            case .question: "question"
            case .prediction: "prediction"
            }
        }
    }

    public var id: String
    public var kind: Kind
    /// The step's text, reflowed by the shell to the terminal's width.
    public var text: String
    /// Shown once the step is complete.
    public var explain: String?
    /// The settings this step starts from, on top of the lesson's setup and earlier steps' setups;
    /// nil when the step continues from wherever the previous one left off.
    public var setup: [SetupEntry]?
    /// Revealed one at a time by `hint` (and by wrong answers).
    public var hints: [String]
    /// Where the step's `[[step]]` line is.
    public var position: SourcePosition
    /// Where each of the step's keys is written ("done", "setup.rho", "hints").
    public var keyPositions: [String: SourcePosition]
    /// Where each command line of `solution` and `run` is written, in their order, and each
    /// non-blank line of `text`, `explain` and `hints` (all hints, in order).
    public var linePositions: [String: [SourcePosition]] = [:]

    /// Where a key of this step is written, or the step's header when it is not written.
    public func position(of key: String) -> SourcePosition { keyPositions[key] ?? position }

    /// Where the `line`-th command line (from 0) of `solution` or `run` is written, or the key.
    public func position(of key: String, line: Int) -> SourcePosition {
        linePositions[key].flatMap { line < $0.count ? $0[line] : nil } ?? position(of: key)
    }

    /// Whether the learner has to do or answer something (prose is only read).
    public var isGraded: Bool { if case .prose = kind { false } else { true } }
}

public struct Question: Sendable {
    public enum Answer: Sendable {
        /// A number: `answer` is an expression (often just a number) evaluated when the step begins.
        case number(answer: String, tolerance: Tolerance)
        /// One of `choices`; `correct` counts from 0.
        case choice(choices: [String], correct: Int)
        /// Any answer for which the expression `accept` holds, with the learner's answer as `answer`.
        case expression(accept: String, example: String)
    }

    public var answer: Answer
}

public struct Prediction: Sendable {
    public enum Outcome: Sendable {
        /// The learner guesses a number; `observe` gives the observed one.
        case number(observe: String, tolerance: Tolerance)
        /// The learner picks one of `choices`; the observed one is the first whose outcome holds.
        case choice(choices: [String], outcomes: [String])
    }

    /// The experiment, run after the learner has committed.
    public var run: [String]
    public var outcome: Outcome
}

/// How close a number must be to count as right.
public enum Tolerance: Sendable, Equatable, CustomStringConvertible {
    case absolute(Double)
    case relative(Double)
    /// Within this many powers of ten (for quantities that span decades, like gradient norms).
    case decades(Double)

    public static let standard = Tolerance.relative(0.01)

    public func accepts(_ given: Double, expected: Double) -> Bool {
        guard given.isFinite, expected.isFinite else { return given == expected || (given.isNaN && expected.isNaN) }
        switch self {
        case .absolute(let width): return abs(given - expected) <= width
        case .relative(let fraction): return abs(given - expected) <= fraction * abs(expected)
        case .decades(let count):
            guard given > 0, expected > 0 else { return given == expected }
            return abs(Self.log10(given) - Self.log10(expected)) <= count
        }
    }

    public var description: String {
        switch self {
        case .absolute(let width): "within ±\(Self.short(width))"
        case .relative(let fraction): "within \(Self.short(fraction * 100))%"
        case .decades(let count): "within \(Self.short(count)) decade\(count == 1 ? "" : "s")"
        }
    }

    private static func log10(_ x: Double) -> Double { Foundation.log10(x) }
    private static func short(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
