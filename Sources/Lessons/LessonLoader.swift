import Foundation
import StateFiles
import TOMLKit

/// One thing wrong with a lesson file, where it is, and (in the message) how to fix it.
public struct LessonProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var position: SourcePosition
    public var message: String

    public init(path: String, position: SourcePosition, message: String) {
        self.path = path
        self.position = position
        self.message = message
    }

    /// `path:line:column: message`, as compilers write it.
    public var description: String { "\(path):\(position.line):\(position.column): \(message)" }
}

/// A TOML value, copied out of TOMLKit's tree into plain Swift values.
indirect enum TOMLNode: Sendable {
    case table([String: TOMLNode])
    case array([TOMLNode])
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    /// Dates and times, which a lesson never needs.
    case other(String)

    init(_ value: TOMLValueConvertible) {
        switch value.type {
        case .table:
            var entries: [String: TOMLNode] = [:]
            if let table = value.table { for key in table.keys { if let inner = table[key] { entries[key] = TOMLNode(inner) } } }
            self = .table(entries)
        case .array: self = .array(value.array.map { $0.map(TOMLNode.init) } ?? [])
        case .string: self = .string(value.string ?? "")
        case .int: self = .integer(value.int ?? 0)
        case .double: self = .double(value.double ?? .nan)
        case .bool: self = .bool(value.bool ?? false)
        default: self = .other(value.type.description)
        }
    }

    var typeName: String {
        switch self {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .integer: "a whole number"
        case .double: "a number"
        case .bool: "true or false"
        case .other(let kind): "a \(kind)"
        }
    }

    /// A setup value as the shell's `set` reads it.
    var settingText: String? {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .double(let d): return Self.exact(d)
        case .array(let items):
            let inner = items.map(\.settingText)
            return inner.contains(nil) ? nil : "[" + inner.map { $0! }.joined(separator: ", ") + "]"
        default: return nil
        }
    }

    /// The shortest text that reads back as exactly this number.
    static func exact(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}

/// Reads a lesson file: TOML syntax through TOMLKit, then the lesson's own structure. Every problem
/// found is reported with its line and column. The lesson comes back whenever the TOML could be read,
/// holding the steps that could be (so that later checks find their problems too); it may be run
/// only when there are no problems.
public enum LessonLoader {
    static let topKeys = ["id", "title", "summary", "constants", "setup", "step"]
    static let commonKeys = ["id", "kind", "text", "explain", "setup", "hints"]
    static let kindKeys: [String: [String]] = [
        "prose": [],
        "task": ["done", "solution"],
        "question": ["answer", "choices", "accept", "example", "absolute", "relative", "decades"],
        "prediction": ["run", "observe", "choices", "outcomes", "absolute", "relative", "decades"],
    ]
    static let kinds = ["prose", "task", "question", "prediction"]

    public static func load(path: String) -> (lesson: Lesson?, problems: [LessonProblem]) {
        func refused(_ message: String) -> (lesson: Lesson?, problems: [LessonProblem]) {
            (nil, [LessonProblem(path: path, position: .init(line: 1, column: 1), message: message)])
        }
        let data: [UInt8]
        switch BoundedFile.read(path, limit: BoundedFile.lessonLimit) {
        case .contents(let bytes): data = bytes
        case .missing: return refused("there is no such file")
        case .unreadable(let reason): return refused("the file cannot be read: \(reason)")
        case .tooLarge: return refused("the file is over \(BoundedFile.describe(BoundedFile.lessonLimit)), the most a lesson file may hold; split it into several lessons")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            return (nil, [LessonProblem(path: path, position: .init(line: 1, column: 1), message: "the file is not UTF-8 text; save it as UTF-8")])
        }
        return parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) -> (lesson: Lesson?, problems: [LessonProblem]) {
        var problems: [LessonProblem] = []
        func problem(_ at: SourcePosition, _ message: String) {
            problems.append(LessonProblem(path: path, position: at, message: message))
        }
        if let (at, message) = HeaderGuard.problem(in: text) {
            problem(at, "this is not valid TOML: \(message)")
            return (nil, problems)
        }
        var root: [String: TOMLNode]
        do {
            guard case .table(let table) = TOMLNode(try TOMLTable(string: text)) else { return (nil, problems) }
            root = table
        } catch let error as TOMLParseError {
            let at = SourcePosition(line: max(1, error.source.begin.line), column: max(1, error.source.begin.column))
            // toml++ calls a string that runs to the end of its line "unescaped control characters"
            // (the newline): name the string that is not closed, where it opens.
            if let open = TOMLStrings(text).tokens.first(where: { !$0.closed }), open.start.line <= at.line {
                problem(open.start, unclosed(open))
            } else {
                problem(at, "this is not valid TOML: \(error.description); FORMAT.md shows the syntax")
            }
            return (nil, problems)
        } catch {
            problem(.init(line: 1, column: 1), "this is not valid TOML: \(error)")
            return (nil, problems)
        }
        let where_ = KeyLocator(text)
        let strings = TOMLStrings(text)
        let start = SourcePosition(line: 1, column: 1)

        // Control characters, where they are written (TOMLKit cuts a string at an escaped NUL).
        var controls = false
        // Keys and strings are both in the file's order: each is found by bisection, so that a
        // file of many keys and strings is read in n log n, never n².
        func firstKey(after position: SourcePosition) -> Int { bisect(where_.all.count) { where_.all[$0].position > position } }
        for token in strings.tokens {
            let before = firstKey(after: token.start) - 1
            let key = before >= 0 ? where_.all[before].name : "a string"
            for character in token.characters where TOMLStrings.isControl(character.scalar) {
                controls = true
                problem(character.position, "\(key) holds the control character \(TOMLStrings.name(character.scalar)); a lesson can only show text, so remove it")
            }
        }
        /// The place of each non-blank line of the strings of the key written at `key`.
        func lines(ofKeyAt key: SourcePosition) -> [SourcePosition] {
            let following = firstKey(after: key)
            let next = following < where_.all.count ? where_.all[following].position : nil
            var index = bisect(strings.tokens.count) { strings.tokens[$0].start > key }
            var places: [SourcePosition] = []
            while index < strings.tokens.count, next.map({ strings.tokens[index].start < $0 }) ?? true {
                places += strings.tokens[index].linePositions
                index += 1
            }
            return places
        }

        for (name, at) in where_.unknownTables {
            problem(at, "unknown table \(name); a lesson has [setup] and [[step]] tables (and [step.setup] inside a step)")
        }
        // Keys of the top written below [setup] belong to it (a table runs to the next header).
        if case .table(var setup)? = root["setup"], let header = where_.setupHeader {
            for key in setup.keys.sorted() where ["id", "title", "summary", "constants"].contains(key) {
                problem(where_.top["setup." + key] ?? header, captured(key, header: header, table: "[setup]", owner: "the lesson", settings: setup))
                let value = setup.removeValue(forKey: key)
                if root[key] == nil { root[key] = value }
            }
            root["setup"] = .table(setup)
        }
        for key in root.keys.sorted() where !topKeys.contains(key) {
            problem(where_.top[key] ?? start, "unknown key '\(key)' at the top of the lesson\(suggestion(key, topKeys)); the top has \(topKeys.joined(separator: ", "))")
        }
        func string(_ table: [String: TOMLNode], _ key: String, at: SourcePosition, required: Bool, what: String) -> String? {
            switch table[key] {
            case .string(let s)?:
                if !controls, let bad = s.unicodeScalars.first(where: TOMLStrings.isControl) {
                    problem(at, "\(key) holds the control character \(TOMLStrings.name(bad)); a lesson can only show text, so remove it")
                    return nil
                }
                if s.allSatisfy(\.isWhitespace) {
                    problem(at, "\(key) is empty; write \(what)\(required ? "" : ", or remove the key")")
                    return nil
                }
                return s
            case nil:
                if required { problem(at, "missing key '\(key)': \(what)") }
                return nil
            case let other?:
                problem(at, "\(key) must be a string (\(what)), not \(other.typeName)")
                return nil
            }
        }
        let idAt = where_.top["id"] ?? start
        let id = string(root, "id", at: idAt, required: true, what: "a short name like id = \"spectral-radius\"")
        if let id, !isIdentifier(id) {
            problem(idAt, "id '\(id)' must be letters, digits and dashes, starting with a letter, like spectral-radius")
        }
        let title = string(root, "title", at: where_.top["title"] ?? start, required: true, what: "the lesson's name, like title = \"The spectral radius\"")
        let summary = string(root, "summary", at: where_.top["summary"] ?? start, required: true, what: "one line on what the lesson teaches")
        let setup = setupEntries(root["setup"], positions: where_.top, at: where_.top["setup"] ?? where_.setupHeader ?? start, problem: problem)
        var constants: [Double] = []
        switch root["constants"] {
        case nil: break
        case .array(let items)?:
            for item in items {
                switch item {
                case .integer(let n): constants.append(Double(n))
                case .double(let x) where x.isFinite: constants.append(x)
                default: problem(where_.top["constants"] ?? start, "every entry of constants must be a number, like constants = [0.08333, -2.612], not \(item.typeName)")
                }
            }
        case let other?:
            problem(where_.top["constants"] ?? start, "constants must be an array of numbers, like constants = [0.08333, -2.612], not \(other.typeName)")
        }

        var steps: [Step] = []
        switch root["step"] {
        case nil:
            problem(start, "the lesson has no steps; add a [[step]] table (FORMAT.md has an example)")
        case .array(let items)?:
            var seen: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                let located = index < where_.steps.count ? where_.steps[index] : (header: start, keys: [:], setupHeader: nil)
                guard case .table(let table) = item else {
                    problem(located.header, "step \(index + 1) must be a [[step]] table")
                    continue
                }
                if case .string(let id)? = table["id"] {
                    if let first = seen[id] {
                        problem(located.keys["id"] ?? located.header, "step id '\(id)' is already used by step \(first + 1); give each step its own id")
                    } else {
                        seen[id] = index
                    }
                }
                let context = StepContext(number: index + 1, header: located.header, setupHeader: located.setupHeader, positions: located.keys,
                                          string: string, lines: lines(ofKeyAt:), problem: problem)
                if let step = loadStep(table, context) {
                    steps.append(step)
                }
            }
        case let other?:
            problem(where_.top["step"] ?? start, "step must be written as [[step]] tables, not \(other.typeName)")
        }
        // With problems, the lesson holds what could be read (for further checks), never to be run.
        let lesson = Lesson(id: id ?? "", title: title ?? "", summary: summary ?? "", setup: setup ?? [], steps: steps, path: path, hash: hash(text),
                            idPosition: idAt, constants: constants, constantsPosition: where_.top["constants"])
        return (lesson, problems)
    }

    /// The first index from 0 up to `count` at which `isAfter` holds, for a predicate that holds
    /// from some index on.
    static func bisect(_ count: Int, _ isAfter: (Int) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The problem of a string that is not closed, said where it opens.
    static func unclosed(_ token: TOMLStrings.Token) -> String {
        let quote = String(Character(token.quote))
        if token.multiline {
            return "this is not valid TOML: the multi-line string that starts here is never closed; end it with \(quote)\(quote)\(quote)"
        }
        return "this is not valid TOML: the string that starts here is not closed on its line; end it with \(quote), "
            + "or write text of several lines between \"\"\" and \"\"\""
    }

    /// The problem of a key that a `[setup]` or `[step.setup]` table took for a setting.
    static func captured(_ key: String, header: SourcePosition, table: String, owner: String, settings: [String: TOMLNode]) -> String {
        let kept = settings.keys.sorted().filter { $0 != key && !(commonKeys + kindKeys.values.flatMap { $0 }).contains($0) }
        let inline = kept.compactMap { name in settings[name].flatMap { value in
            (value.settingText).map { if case .string = value { "\(name) = \"\($0)\"" } else { "\(name) = \($0)" } }
        } }
        let oneLine = table == "[setup]" || inline.isEmpty ? "" : ", or write the setup on one line above it: setup = { \(inline.joined(separator: ", ")) }"
        return "\(key) is written below \(table) (line \(header.line)), so TOML reads it as a setting of that table, not as \(owner)'s \(key): "
            + "a table takes every key up to the next [header]; move \(key) above \(table)\(oneLine)"
    }

    /// What a step is read with: where it and its keys are, and how strings and problems are handled.
    struct StepContext {
        var number: Int
        var header: SourcePosition
        var setupHeader: SourcePosition?
        var positions: [String: SourcePosition]
        var string: ([String: TOMLNode], String, SourcePosition, Bool, String) -> String?
        /// The place of each non-blank line of the strings of the key written at a position.
        var lines: (SourcePosition) -> [SourcePosition]
        var problem: (SourcePosition, String) -> Void
    }

    static func loadStep(_ written: [String: TOMLNode], _ context: StepContext) -> Step? {
        var table = written
        var positions = context.positions
        let header = context.header, problem = context.problem
        // Keys of the step written below its [step.setup] belong to the setup: say so, and read
        // them as the step's, so that the rest of the step is checked as meant.
        if case .table(var setup)? = table["setup"], let setupHeader = context.setupHeader {
            let stepKeys = Set(commonKeys + kindKeys.values.flatMap { $0 }).subtracting(["setup"])
            for key in setup.keys.sorted() where stepKeys.contains(key) {
                let at = positions["setup." + key] ?? setupHeader
                problem(at, captured(key, header: setupHeader, table: "[step.setup]", owner: "the step", settings: setup))
                let value = setup.removeValue(forKey: key)
                positions["setup." + key] = nil
                if table[key] == nil {
                    table[key] = value
                    positions[key] = at
                }
            }
            table["setup"] = .table(setup)
        }
        func at(_ key: String) -> SourcePosition { positions[key] ?? header }
        func string(_ key: String, required: Bool = false, _ what: String) -> String? { context.string(table, key, at(key), required, what) }
        func strings(_ key: String, _ what: String, text: Bool = false) -> [String]? {
            switch table[key] {
            case nil: return nil
            case .array(let items)?:
                var result: [String] = []
                for item in items {
                    guard case .string(let s) = item else { problem(at(key), "every entry of \(key) must be a string (\(what)), not \(item.typeName)"); return nil }
                    result.append(s)
                }
                if text, result.contains(where: { $0.allSatisfy(\.isWhitespace) }) {
                    problem(at(key), "\(key) has an empty entry; write something in each (\(what)), or remove it")
                }
                return result
            case .string(let s)?: return [s]
            case let other?: problem(at(key), "\(key) must be an array of strings (\(what)), not \(other.typeName)"); return nil
            }
        }
        var linePositions: [String: [SourcePosition]] = [:]
        /// Command lines: one per line of a string (or per entry of an array), blank lines dropped.
        func commands(_ key: String, _ what: String) -> [String]? {
            let lines = strings(key, what).map { $0.flatMap { $0.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty } }
            if let lines, let key = positions[key].map({ (key, $0) }) {
                let places = context.lines(key.1)
                if places.count == lines.count { linePositions[key.0] = places }
            }
            return lines
        }

        let kindName = string("kind", required: true, "one of \(kinds.joined(separator: ", "))")
        let text = string("text", required: true, "what the learner reads at this step")
        let id = string("id", "a short name for the step, used to resume") ?? "step-\(context.number)"
        if !isIdentifier(id) { problem(at("id"), "step id '\(id)' must be letters, digits and dashes, starting with a letter") }
        let explain = string("explain", "what the learner reads once the step is done")
        let hints = strings("hints", "shown one at a time", text: true) ?? []
        // Where each non-blank line of the texts is written, for reports about a line of them.
        for (key, texts) in [("text", text.map { [$0] }), ("explain", explain.map { [$0] }), ("hints", hints)] {
            guard let texts, let written = positions[key] else { continue }
            let places = context.lines(written)
            let count = texts.reduce(0) { $0 + $1.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }.count }
            if places.count == count { linePositions[key] = places }
        }
        // nil: the step has no setup; .some(nil): its setup is broken (a problem was reported).
        let setup: [SetupEntry]?? = table["setup"].map { setupEntries($0, positions: positions, at: positions["setup"] ?? context.setupHeader ?? header, problem: problem) }
        guard let kindName else { return nil }
        guard let allowed = kindKeys[kindName] else {
            problem(at("kind"), "unknown kind '\(kindName)'\(suggestion(kindName, kinds)); a step is one of \(kinds.joined(separator: ", "))")
            return nil
        }
        for key in table.keys.sorted() where !commonKeys.contains(key) && !allowed.contains(key) {
            let elsewhere = kindKeys.filter { $0.value.contains(key) }.map(\.key).sorted()
            let tolerance = ["tolerance", "tol", "within", "epsilon"].contains(key.lowercased())
                ? " (a tolerance is written relative = 0.05, absolute = 0.1 or decades = 0.5)" : nil
            let hint = tolerance ?? (elsewhere.isEmpty ? suggestion(key, commonKeys + allowed) : " (\(key) belongs to a \(elsewhere.joined(separator: " or ")) step)")
            problem(at(key), "unknown key '\(key)' in a \(kindName) step\(hint); FORMAT.md lists the keys of each kind")
        }
        let tolerance = self.tolerance(table, at: at, problem: problem)
        let toleranceKey = ["absolute", "relative", "decades"].first { table[$0] != nil } ?? "relative"
        var kind: Step.Kind? = nil
        switch kindName {
        case "prose":
            kind = .prose
        case "task":
            let done = string("done", required: true, "the condition that completes the task, like done = 'ran(\"bptt\") and rho > 1'")
            let solution = commands("solution", "the commands that skip runs")
            if table["solution"] == nil { problem(header, "missing key 'solution': the commands that complete the task, which skip runs and verify checks") }
            if let done, let solution { kind = .task(done: done, solution: solution) }
        case "question":
            let choices = strings("choices", "the options the learner picks from", text: true)
            if let choices {
                guard choices.count >= 2 else { problem(at("choices"), "a question needs at least two choices"); return nil }
                var correct: Int? = nil
                switch table["answer"] {
                case .integer(let i)?:
                    if (1...choices.count).contains(i) { correct = i - 1 } else { problem(at("answer"), "answer \(i) is not a choice; count the choices from 1 to \(choices.count)") }
                case .string(let s)?:
                    correct = choices.firstIndex(of: s)
                    if correct == nil { problem(at("answer"), "answer '\(s)' is none of the choices; write its number (from 1) or its exact text") }
                case nil: problem(header, "missing key 'answer': the number (from 1) of the right choice")
                case let other?: problem(at("answer"), "answer must be the number (from 1) of the right choice, not \(other.typeName)")
                }
                if tolerance != nil { problem(at(toleranceKey), "a multiple-choice question has no tolerance; remove \(toleranceKey)") }
                if table["accept"] != nil { problem(at("accept"), "a question has either choices or accept, not both") }
                if let correct { kind = .question(Question(answer: .choice(choices: choices, correct: correct))) }
            } else if table["accept"] != nil {
                let accept = string("accept", "a condition on answer, like accept = 'answer > 1'")
                let example = table["example"].flatMap(\.settingText)
                if example == nil { problem(at("example"), "an accept question needs example = an answer that is accepted (verify answers with it)") }
                if table["answer"] != nil { problem(at("answer"), "a question has either accept or answer, not both") }
                if let accept, let example { kind = .question(Question(answer: .expression(accept: accept, example: example))) }
            } else {
                switch table["answer"] {
                case .integer, .double:
                    kind = .question(Question(answer: .number(answer: table["answer"]!.settingText!, tolerance: tolerance ?? .standard)))
                case .string(let s)?:
                    kind = .question(Question(answer: .number(answer: s, tolerance: tolerance ?? .standard)))
                case nil:
                    problem(header, "a question needs answer (a number or an expression), choices with answer, or accept")
                case let other?:
                    problem(at("answer"), "answer must be a number or an expression in quotes, not \(other.typeName)")
                }
            }
        case "prediction":
            let run = commands("run", "the experiment, run once the learner has predicted")
            if table["run"] == nil { problem(header, "missing key 'run': the commands of the experiment, run after the learner commits") }
            if let choices = strings("choices", "the outcomes the learner picks from", text: true) {
                let outcomes = strings("outcomes", "one condition per choice")
                if outcomes == nil { problem(at("choices"), "a prediction with choices needs outcomes: one condition per choice, saying when it happened") }
                if let outcomes, outcomes.count != choices.count {
                    problem(at("outcomes"), "there are \(choices.count) choices but \(outcomes.count) outcome\(outcomes.count == 1 ? "" : "s"); write one condition per choice")
                }
                if choices.count < 2 { problem(at("choices"), "a prediction needs at least two choices") }
                if table["observe"] != nil {
                    problem(at("observe"), "a prediction has either observe (the learner predicts a number) or choices with outcomes (the learner picks one), not both; remove observe or choices")
                }
                if tolerance != nil { problem(at(toleranceKey), "a prediction with choices has no tolerance; remove \(toleranceKey)") }
                if let run, let outcomes, outcomes.count == choices.count, choices.count >= 2, table["observe"] == nil {
                    kind = .prediction(Prediction(run: run, outcome: .choice(choices: choices, outcomes: outcomes)))
                }
            } else {
                if table["outcomes"] != nil {
                    problem(at("outcomes"), "outcomes go with choices (one condition per choice), and this prediction has none; add choices, or remove outcomes")
                }
                let observe = string("observe", required: true, "the number observed after the run, like observe = 'delta[0]'")
                if let run, let observe, table["outcomes"] == nil {
                    kind = .prediction(Prediction(run: run, outcome: .number(observe: observe, tolerance: tolerance ?? .standard)))
                }
            }
        default:
            break
        }
        guard let kind, let text, setup != .some(nil) else { return nil }
        return Step(id: id, kind: kind, text: text, explain: explain, setup: setup ?? nil, hints: hints, position: header, keyPositions: positions,
                    linePositions: linePositions)
    }

    static func tolerance(_ table: [String: TOMLNode], at: (String) -> SourcePosition, problem: (SourcePosition, String) -> Void) -> Tolerance? {
        let given = ["absolute", "relative", "decades"].filter { table[$0] != nil }
        guard let key = given.first else { return nil }
        if given.count > 1 { problem(at(given[1]), "give one tolerance (absolute, relative or decades), not \(given.joined(separator: " and "))") }
        let value: Double
        switch table[key] {
        case .integer(let i)?: value = Double(i)
        case .double(let d)?: value = d
        default: problem(at(key), "\(key) must be a number"); return nil
        }
        guard value > 0, value.isFinite else { problem(at(key), "\(key) must be greater than 0"); return nil }
        switch key {
        case "absolute": return .absolute(value)
        case "relative": return .relative(value)
        default: return .decades(value)
        }
    }

    /// A setup table's entries, in the file's order. Whether each key and value is one the shell
    /// accepts is checked by the shell's lint.
    static func setupEntries(_ node: TOMLNode?, positions: [String: SourcePosition], at: SourcePosition,
                             problem: (SourcePosition, String) -> Void) -> [SetupEntry]? {
        guard let node else { return [] }
        guard case .table(let table) = node else {
            problem(at, "setup must be a table of settings, like setup = { rho = 1.2, T = 60 }")
            return nil
        }
        var entries: [SetupEntry] = []
        for (key, value) in table {
            let position = positions["setup." + key] ?? at
            guard let text = value.settingText else {
                problem(position, "setup \(key) must be a number, a word in quotes or a matrix, not \(value.typeName)")
                continue
            }
            entries.append(SetupEntry(key: key, value: text, position: position))
        }
        return entries.sorted { $0.position < $1.position }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
    }

    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        let best = candidates.map { ($0, EditDistance.between(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(1, word.count / 3) else { return "" }
        return " (did you mean '\(best.0)'?)"
    }

    /// FNV-1a, 64 bits, of the file's bytes, in hex: enough to tell that a file changed.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }
}

/// Levenshtein distance, for "did you mean …?" here and in the shell.
public enum EditDistance {
    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
