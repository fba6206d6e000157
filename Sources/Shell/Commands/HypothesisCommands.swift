import Render
import Foundation
import Simulator
import Synchronization

/// One prediction the learner made, as `notebook` lists it: the claim, its conditions as typed,
/// the settings it was tested under, and the judgement.
public struct NotebookEntry: Sendable {
    public var claim: String
    /// The `when` settings and the quantifier, as typed.
    public var conditions: String
    var settings: Settings
    var judgement: Commands.Judgement
}

extension Commands {
    static let check = CommandSpec(
        name: "check", usage: "check EXPR",
        summary: "evaluate a claim or quantity on the current settings and last results",
        details: [
            .paragraph("Evaluates EXPR against the settings and what the last bptt, train and grad measured, and shows the numbers it used. Nothing is run and nothing changes."),
            .rows([
                ("check delta[0] > 1e6", "needs a bptt first"),
                ("check final_loss < 0.0833 and not diverged", ""),
            ]),
            .paragraph("help expressions lists every name, and which command gives it."),
        ]
    ) { session, call throws(ShellError) in
        guard !call.rest.isEmpty else { throw ShellError("check needs an expression, like check delta[0] > delta[T]") }
        let expression = try Expression(call.rest)
        var used: [(String, ExpressionValue)] = []
        let value = try expression.evaluate(in: SessionNames(session), used: &used)
        let stale = staleness(expression, session)
        if value == .bool(true), stale.isEmpty {  // a claim that held on current results: checked(…) asks about it
            let reads = expression.reads
            session.results.checked.formUnion(reads.names.union(reads.series))
        }
        return Report(command: "check", Evaluation(text: call.rest, value: value, used: used, stale: stale, calculator: false))
    }

    static let predict = CommandSpec(
        name: "predict", usage: "predict [for KEY in RANGE [and KEY in RANGE]:] CLAIM [when KEY=VALUE…]",
        summary: "state a claim; gradlab runs the experiment and judges it",
        details: [
            .paragraph("Runs what the claim needs (bptt for loss, delta[t], jac[t]; train for final_loss, diverged…; grad for raw_norm, cosine) on a copy of your session with the when-settings, and says whether the claim held, with the numbers. Your own settings and results stay."),
            .rows([
                ("predict delta[0] > 1e6 when rho=1.3 T=60 act=linear", ""),
                ("predict for rho in 0.5..0.99:50: delta[0] < delta[T] when act=linear", ""),
                ("predict for lr in 0.01..2:20: not diverged when clip=norm:1 task=adding T=20", ""),
            ]),
            .paragraph("With for … in …, the claim is tested at every point of the grid (a range a..b:N, a..b:N:log, a..b of whole numbers, or a list a,b,c, as in sweep; at most two keys; tau sweeps the clipping rule's threshold); where it fails, the first counterexamples are listed. find looks for the boundary by bisection. notebook lists every prediction."),
        ]
    ) { session, call throws(ShellError) in
        let (claimText, whenWords) = try splitWhen(call.rest)
        var text = claimText
        var axes: [SweepAxis] = []
        var quantifier = ""
        if text.hasPrefix("for ") {
            (axes, quantifier, text) = try parseQuantifier(text)
        }
        text = text.trimmingWhitespace()
        guard !text.isEmpty else { throw ShellError("predict needs a claim, like predict delta[0] > 1e6 when rho=1.3") }
        let claim = try Expression(text)
        for axis in axes where whenWords.contains(where: { $0.hasPrefix(axis.key + "=") }) {
            throw ShellError("\(axis.key) is both swept by for and set by when; keep one")
        }
        let conditions = [quantifier, whenWords.isEmpty ? "" : "when " + whenWords.joined(separator: " ")].filter { !$0.isEmpty }.joined(separator: " ")
        let when = try assignments(whenWords, tauSwept: axes.contains(where: \.sweepsTau))
        let (base, _) = try runSettings(session, when)
        let judgement = axes.isEmpty
            ? try judge(claim, session: session, when: when)
            : try judgeGrid(claim, axes: axes, session: session, when: when)
        let entry = NotebookEntry(claim: text, conditions: conditions, settings: base, judgement: judgement)
        session.notebook.append(entry)
        return Report(command: "predict", PredictionVerdict(entry: entry))
    }

    static let notebook = CommandSpec(
        name: "notebook", usage: "notebook",
        summary: "every prediction of this session, with its verdict, and those made in lessons",
        details: [.paragraph("Lists each predict of the session in order: the claim, its conditions, the verdict and the numbers. Then the predictions made at lessons' prediction steps (kept with your progress): what you predicted and what happened.")]
    ) { session, call throws(ShellError) in
        try noArguments(call)
        var inLessons: [Notebook.LessonPrediction] = []
        for lesson in session.catalog.all {
            guard let records = session.book.lessons[lesson.id]?.predictions, !records.isEmpty else { continue }
            for (index, step) in lesson.steps.enumerated() {
                guard let record = records[step.id] else { continue }
                inLessons.append(.init(lesson: session.catalog.number(of: lesson.id) ?? 0, title: lesson.title, step: index + 1, record: record))
            }
        }
        return Report(command: "notebook", Notebook(entries: session.notebook, inLessons: inLessons))
    }

    // MARK: - Judging

    /// Whether a claim held: at the one experiment, or at each point of a grid.
    enum Judgement: Sendable {
        case single(claim: Expression, held: Bool, used: Used)
        /// `results`: each point's outcome in grid order, nil where Ctrl-C left it out.
        case grid(claim: Expression, axes: [SweepAxis], results: [GridPoint?])
    }

    /// One point of a grid: whether the claim held, the numbers it read, and the value of its left side.
    struct GridPoint: Sendable {
        var held: Bool
        var used: Used
        var left: Double?
    }

    typealias Used = [(String, ExpressionValue)]

    /// Results measured under other settings than the current ones are still shown by check and =,
    /// but said so.
    static func staleness(_ expression: Expression, _ session: Session) -> [String] {
        SessionNames.staleness(of: expression, in: session)
    }

    /// A copy of the session with the assignments applied and the commands the claim reads run on
    /// it. ran(…) asks about the learner's own session, so it is answered from the original history.
    static func experiment(_ claim: Expression, session: Session, assigning assignments: [Settings.Assignment], quiet: Bool = false) throws(ShellError) -> Session {
        var copy = session
        if quiet { copy.runtime.progress = { _, _, _ in } }  // a grid reports its points, not each run's steps
        let (settings, clip) = try runSettings(session, assignments)
        copy.settings = settings
        copy.clipRule = clip
        copy.results = Results()
        copy.results.norms = session.results.norms  // read from a file, not measured under settings
        let needed = SessionNames.sources(of: claim)
        for source in ResultSource.predictable where needed.contains(source) {
            try measure(source, in: &copy, jacobians: claim.reads.series.contains("jac"))
        }
        copy.results.ran = session.results.ran
        return copy
    }

    /// Measures what `source` measures on the session's settings, straight from the simulator and
    /// with nothing to show: only what expressions read (the Jacobian products only when asked).
    static func measure(_ source: ResultSource, in session: inout Session, jacobians: Bool) throws(ShellError) {
        let settings = session.settings, clip = session.clipRule
        let provenance = session.provenance(settings, clip: clip)
        switch source {
        case .bptt:
            let affordable = jacobians && jacobiansAffordable(settings)
            let result = try measureBPTT(try session.model(), settings, jacobians: affordable, shouldStop: session.runtime.shouldStop)
            session.results.bptt = Measured(value: BPTTMeasurement(result), provenance: provenance)
        case .grad:
            let (result, _, outcome) = measureGrad(try session.model(), settings, clip: clip)
            session.results.grad = Measured(value: GradMeasurement(raw: result.gradients, outcome: outcome), provenance: provenance)
        case .train:
            let (model, task, config) = try trainingSetup(session, settings, clip: clip)
            let run = Simulator.train(model, on: task, config, shouldStop: session.runtime.shouldStop)
            session.results.train = Measured(value: TrainMeasurement(run), provenance: provenance)
        case .norms:
            break  // a log is read from a file by load norms; experiment keeps the one loaded
        case .cliff, .suggest, .compare, .sweep:
            // Cliff and suggest with their defaults; compare and sweep need words a claim cannot give.
            _ = try Commands.run(CommandCall(verb: source.rawValue, words: [], rest: ""), in: &session)
        }
    }

    static func evaluateClaim(_ claim: Expression, in copy: inout Session) throws(ShellError) -> (Bool, Used) {
        var used: Used = []
        guard case .bool(let held) = try claim.evaluate(in: SessionNames(copy), used: &used) else {
            throw ShellError("a prediction is a claim that is true or false, like delta[0] > 1e6; to see a number, use check or =")
        }
        return (held, used)
    }

    static func judge(_ claim: Expression, session: Session, when: [Settings.Assignment]) throws(ShellError) -> Judgement {
        var copy = try experiment(claim, session: session, assigning: when)
        if session.runtime.shouldStop() {
            throw ShellError("predict interrupted before its experiment finished; no verdict was recorded")
        }
        let (held, used) = try evaluateClaim(claim, in: &copy)
        return .single(claim: claim, held: held, used: used)
    }

    /// `CLAIM when KEY=VALUE…` → the claim and the when-words (none without `when`).
    static func splitWhen(_ text: String) throws(ShellError) -> (String, [String]) {
        guard let range = text.range(of: " when ", options: .backwards) else { return (text, []) }
        return (String(text[..<range.lowerBound]), try LineSplitter.splitWords(String(text[range.upperBound...])))
    }

    /// `for KEY in RANGE [and KEY in RANGE]: rest` → the axes, the quantifier as typed, and the rest.
    static func parseQuantifier(_ text: String) throws(ShellError) -> ([SweepAxis], String, String) {
        var words = try LineSplitter.splitWords(String(text.dropFirst(4)))
        var axes: [SweepAxis] = []
        var typed: [String] = []
        while true {
            guard words.count >= 3, words[1] == "in" else {
                throw ShellError("write the quantifier as for KEY in RANGE: CLAIM, like for rho in 0.5..1.5:11: delta[0] > 1")
            }
            var range = words[2]
            var ended = range.hasSuffix(":") && !range.hasSuffix("::")
            if ended { range.removeLast() }
            if axes.contains(where: { $0.key == words[0] }) { throw ShellError("\(words[0]) is quantified twice; keep one") }
            axes.append(try parseAxis(words[0], range))
            typed.append("\(words[0]) in \(range)")
            words.removeFirst(3)
            if !ended, words.first == ":" { ended = true; words.removeFirst() }
            if ended { break }
            guard words.first == "and" else {
                throw ShellError("after for KEY in RANGE comes ':' and the claim, or 'and' with a second KEY in RANGE")
            }
            guard axes.count < 2 else { throw ShellError("a claim is quantified over at most two keys") }
            words.removeFirst()
        }
        return (axes, "for " + typed.joined(separator: " and "), words.joined(separator: " "))
    }

    static func judgeGrid(_ claim: Expression, axes: [SweepAxis], session: Session, when: [Settings.Assignment]) throws(ShellError) -> Judgement {
        let count = axes.map(\.labels.count).reduce(1, *)
        guard count <= 3600 else { throw ShellError("that is \(count) points; a claim is tested on at most 3600") }
        func point(_ index: Int) -> String { gridPoint(index, axes) }
        var pointAssignments: [[Settings.Assignment]] = []
        var cost = 0.0, held = 0.0
        let trains = SessionNames.sources(of: claim).contains(.train)
        for index in 0..<count {
            let point = when + gridAssignments(index, axes)
            let (settings, _) = try runSettings(session, point)  // every point is checked before anything runs
            cost += work(settings, trains: trains)
            held = max(held, memory(settings, trains: trains))
            pointAssignments.append(point)
        }
        try checkWork(cost, what: "testing that claim on \(count) points")
        let runtime = session.runtime
        let frozen = pointAssignments
        let sides = claim.comparisonSides
        let done = Mutex(0)
        let outcomes: [Result<GridPoint, ShellError>?] = parallelMap(count, serial: runtime.serial, width: width(held)) { i in
            if runtime.shouldStop() { return nil }
            do throws(ShellError) {
                var copy = try experiment(claim, session: session, assigning: frozen[i], quiet: true)
                if runtime.shouldStop() { return nil }
                let (held, used) = try evaluateClaim(claim, in: &copy)
                var ignored: Used = []
                var left: Double? = nil
                if let (lhs, _) = sides, case .number(let x) = try lhs.evaluate(in: SessionNames(copy), used: &ignored) { left = x }
                runtime.progress("predict", done.withLock { $0 += 1; return $0 }, count)
                return .success(GridPoint(held: held, used: used, left: left))
            } catch {
                return runtime.shouldStop() ? nil : .failure(error)  // an interrupted point is a missing one
            }
        }
        for (index, outcome) in outcomes.enumerated() {
            if case .failure(let error)? = outcome { throw ShellError("at \(point(index)): \(error.message)") }
        }
        let results = outcomes.map { outcome -> GridPoint? in if case .success(let v)? = outcome { v } else { nil } }
        return .grid(claim: claim, axes: axes, results: results)
    }
}
