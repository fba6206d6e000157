import Render
import Lessons

/// What `check EXPR` and `= EXPR` show: the value, the names it read, and any stale result among them.
struct Evaluation: Presentation {
    /// The expression as typed.
    let text: String
    let value: ExpressionValue
    let used: Commands.Used
    /// Why results it read are stale, one sentence each.
    let stale: [String]
    /// `=` shows every digit (the answer is the point) and the names first; check the reverse.
    let calculator: Bool

    var blocks: [Block] {
        let warnings = stale.map { Block.warning("stale: " + $0) }
        guard calculator else { return [.text(value.description), .note(Commands.usedText(used))] + warnings }
        var blocks: [Block] = []
        let alone = used.count == 1 && text.trimmingWhitespace() == used[0].0
        if !used.isEmpty && !alone { blocks.append(.note(used.map { "\($0.0) = \($0.1.fullDescription)" }.joined(separator: ", "))) }
        blocks.append(.text(value.fullDescription))
        return blocks + warnings
    }

    var fields: [(String, JSON)] {
        [("expression", .string(text)), ("value", value.json), ("names", .object(used.map { ($0.0, $0.1.json) }))]
    }
}

extension Commands {
    static func usedText(_ used: Used) -> String {
        if used.isEmpty { return "no settings or results involved" }
        return used.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")
    }
}

extension Commands.Judgement {
    var claim: Expression {
        switch self {
        case .single(let claim, _, _), .grid(let claim, _, _): claim
        }
    }

    /// "held", "did not hold"; over a grid "held everywhere", "held so far", "held nowhere", "did not hold everywhere".
    var verdict: String {
        switch self {
        case .single(_, let held, _): return held ? "held" : "did not hold"
        case .grid(_, _, let results):
            let (computed, failures, interrupted) = Self.tally(results)
            return failures.isEmpty ? (interrupted ? "held so far" : "held everywhere")
                : (failures.count == computed && !interrupted ? "held nowhere" : "did not hold everywhere")
        }
    }

    /// The numbers the verdict rests on ("delta[0] = 1.2e+07", "held at all 50 of 50 points").
    var numbers: String {
        switch self {
        case .single(_, _, let used): return Commands.usedText(used)
        case .grid(_, _, let results):
            let (computed, failures, _) = Self.tally(results)
            return failures.isEmpty ? "held at all \(computed) of \(results.count) points" : "failed at \(failures.count) of \(computed) points"
        }
    }

    /// (points computed, the indices where the claim failed, whether Ctrl-C left some out).
    static func tally(_ results: [Commands.GridPoint?]) -> (Int, [Int], Bool) {
        let computed = results.compactMap { $0 }.count
        let failures = results.indices.filter { results[$0].map { !$0.held } ?? false }
        return (computed, failures, computed < results.count)
    }

    var blocks: [Block] {
        switch self {
        case .single(let claim, _, let used):
            return [.text("\(verdict): \(claim.source)"), .note(numbers)] + [Self.nanNote(used)].compactMap { $0 }
        case .grid(let claim, let axes, let results):
            let count = results.count
            let (computed, failures, interrupted) = Self.tally(results)
            func point(_ index: Int) -> String { Commands.gridPoint(index, axes) }
            // A wrong prediction teaches; it is reported as plainly as a right one.
            var blocks: [Block] = [.text("\(verdict): \(claim.source) (\(numbers))")]
            if !failures.isEmpty {
                let shown = failures.prefix(5).map { index -> [Cell] in [.text(point(index)), .text(Commands.usedText(results[index]!.used))] }
                blocks.append(.table(Table(columns: [.init("counterexample", numeric: false), .init("numbers", numeric: false)], rows: shown)))
                if failures.count > 5 { blocks.append(.note("and \(failures.count - 5) more")) }
            }
            if interrupted { blocks.append(.warning("interrupted after \(computed) of \(count) points")) }
            // The claim's left side over the grid (one key), or where it failed (two numeric keys).
            let lefts = results.map { $0?.left ?? .nan }
            if !interrupted, axes.count == 1, let x = axes[0].numbers, axes[0].isMonotonic, let (lhs, _) = claim.comparisonSides,
               lefts.contains(where: { !$0.isNaN }), lhs.sourceText != axes[0].key {
                blocks.append(.lineChart(LineChart(title: "\(lhs.sourceText) over \(axes[0].key)", xName: axes[0].key, x: x,
                                                   series: [.init(lhs.sourceText, lefts)], yScale: lefts.allSatisfy { !($0 <= 0) } ? .log10 : .linear,
                                                   xScale: axes[0].logSpaced ? .log10 : .linear)))
            } else if !interrupted, axes.count == 2, !failures.isEmpty, failures.count < count,
                      let ys = axes[0].numbers, let xs = axes[1].numbers, axes[0].isMonotonic, axes[1].isMonotonic {
                let columns = axes[1].labels.count
                blocks.append(.heatmap(Heatmap(title: "where the claim failed (1) and held (0)", valueName: "failed",
                                               x: .init(axes[1].key, xs), y: .init(axes[0].key, ys),
                                               values: (0..<axes[0].labels.count).map { r in (0..<columns).map { c in failures.contains(r * columns + c) ? 1 : 0 } })))
            }
            if let note = Self.nanNote(results.compactMap { $0?.used }.flatMap { $0 }) { blocks.append(note) }
            return blocks
        }
    }

    var fields: [(String, JSON)] {
        switch self {
        case .single(_, let held, let used):
            return [("held", .bool(held)), ("values", .object(used.map { ($0.0, $0.1.json) }))]
        case .grid(_, let axes, let results):
            func point(_ index: Int) -> String { Commands.gridPoint(index, axes) }
            let (computed, failures, _) = Self.tally(results)
            return [
                ("points", .integer(results.count)), ("computed", .integer(computed)),
                ("counterexamples", .array(failures.map { .string(point($0)) })),
                ("results", .array(results.indices.map { index in
                    guard let result = results[index] else { return .object([("point", .string(point(index))), ("held", .null)]) }
                    return .object([("point", .string(point(index))), ("held", .bool(result.held)),
                                    ("values", .object(result.used.map { ($0.0, $0.1.json) }))])
                })),
            ]
        }
    }

    static func nanNote(_ used: Commands.Used) -> Block? {
        let nan = used.contains { if case .number(let x) = $0.1 { x.isNaN } else { false } }
        return nan ? .note("a number in the claim is NaN, and every comparison with NaN is false") : nil
    }
}

/// What `predict` shows: the verdict and its numbers; its JSON also gives the claim and the settings.
struct PredictionVerdict: Presentation {
    let entry: NotebookEntry

    var blocks: [Block] { entry.judgement.blocks }

    var fields: [(String, JSON)] {
        [
            ("claim", .string(entry.claim)), ("conditions", .string(entry.conditions)), ("settings", Commands.settingsJSON(entry.settings)),
            ("verdict", .string(entry.judgement.verdict)), ("numbers", .string(entry.judgement.numbers)),
        ] + entry.judgement.fields
    }
}

/// What `notebook` shows: every prediction of the session, with its verdict, then the predictions
/// made at lessons' prediction steps.
struct Notebook: Presentation {
    let entries: [NotebookEntry]
    var inLessons: [LessonPrediction] = []

    /// A prediction step's record, kept with the learner's progress.
    struct LessonPrediction {
        var lesson: Int
        var title: String
        var step: Int
        var record: PredictionRecord
    }

    var blocks: [Block] {
        guard !entries.isEmpty || !inLessons.isEmpty else { return [.text("No predictions yet: try predict delta[0] > 1e6 when rho=1.3 act=linear")] }
        var blocks = entries.enumerated().flatMap { i, entry -> [Block] in
            [.title("\(i + 1). \(entry.claim)" + (entry.conditions.isEmpty ? "" : " · " + entry.conditions)),
             .text("   \(entry.judgement.verdict): \(entry.judgement.numbers)")]
        }
        if !inLessons.isEmpty {
            let right = inLessons.filter(\.record.right).count
            if !blocks.isEmpty { blocks.append(.text("")) }
            blocks.append(.title("In lessons: \(right) of \(inLessons.count) called right"))
            blocks += inLessons.map { p in
                .text("\(p.record.right ? "✓" : "✗") lesson \(p.lesson), step \(p.step): predicted \(p.record.predicted); observed \(p.record.observed)")
            }
        }
        return blocks
    }

    var fields: [(String, JSON)] {
        [("entries", .array(entries.map { entry in
            .object([("claim", .string(entry.claim)), ("conditions", .string(entry.conditions)), ("verdict", .string(entry.judgement.verdict)),
                     ("numbers", .string(entry.judgement.numbers)), ("settings", Commands.settingsJSON(entry.settings))])
        })),
         ("lessons", .array(inLessons.map { p in
            .object([("lesson", .number(Double(p.lesson))), ("title", .string(p.title)), ("step", .number(Double(p.step))),
                     ("predicted", .string(p.record.predicted)), ("observed", .string(p.record.observed)), ("right", .bool(p.record.right))])
        }))]
    }
}
