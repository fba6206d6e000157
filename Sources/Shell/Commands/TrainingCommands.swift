import Render
import Foundation
import Simulator
import Synchronization

extension Commands {
    static let task = CommandSpec(
        name: "task", usage: "task [NAME] [KEY=VALUE…]",
        summary: "choose what train learns (regress, adding, order, memory)",
        details: [
            .rows([
                ("task", "the current task"),
                ("task NAME", "the same as set task=NAME (other KEY=VALUE settings may follow: task adding T=100)"),
            ]),
            .paragraph("Tasks:"),
            .rows([
                ("regress", "the one fixed sequence bptt shows: N(0,1) inputs, one N(0,1) target"),
                ("adding", "two channels, a value in [0,1) and a marker; two steps are marked, one in each half; the target is the SUM of the two marked values (Hochreiter & Schmidhuber 1997, Pascanu et al. 2013). Predicting 1 always gives loss 1/12 ≈ 0.0833."),
                ("order", "symbols a–d with two relevant ones, X or Y, near 10% and 50% of the sequence; the class is their order XX, XY, YX, YY (cross-entropy; guessing gives ln 4)"),
                ("memory", "output the first input (from U[−1,1]) after T steps of zeros (guessing 0: 1/6)"),
            ]),
        ],
        argumentWords: { TaskKind.allCases.map(\.rawValue) }
    ) { session, call throws(ShellError) in
        var words = call.words
        if let first = words.first, !first.contains("=") { words[0] = "task=" + first }
        if !words.isEmpty { _ = try set.run(&session, CommandCall(verb: "set", words: words, rest: "")) }
        let task = session.settings.spec.trainingTask
        return Report(command: "task", blocks: [
            .values([("task", .text(task.kind.rawValue)), ("T", .integer(task.length)),
                     ("inputs", .integer(task.inputSize)), ("outputs", .integer(task.outputSize))]),
            .text(task.kind.summary),
            .note(task.trivialLoss.map { "a predictor that ignores the input at best reaches loss \(NumberFormat.short($0))" }
                  ?? "one fixed sequence: a network can fit it exactly, so any loss can be reached"),
        ], fields: settingsFields(session) + [("trivial_loss", task.trivialLoss.map(JSON.number) ?? .null)])
    }

    static let optim = CommandSpec(
        name: "optim", usage: "optim [NAME] [lr=…] [momentum=…]",
        summary: "choose the optimizer train uses (sgd, adagrad, adam)",
        details: [
            .rows([
                ("optim sgd lr=0.1 momentum=0.9", "θ ← θ − lr·v, v ← μv + g (PyTorch's SGD)"),
                ("optim adagrad lr=0.1", "θ ← θ − lr·g/√(Σg² + 1e-8) (as in min-char-rnn)"),
                ("optim adam lr=0.001", "Kingma & Ba with bias correction, β₁ 0.9, β₂ 0.999, ε 1e-8"),
            ]),
            .paragraph("The same as set optim=NAME lr=…, except that without lr= it also sets the optimizer's customary rate (0.1 for sgd and adagrad, 0.001 for adam). optim alone shows the choice."),
        ],
        argumentWords: { OptimizerKind.allCases.map(\.rawValue) }
    ) { session, call throws(ShellError) in
        var words = call.words
        if let first = words.first, !first.contains("=") {
            words[0] = "optim=" + first
            // Each optimizer's customary learning rate, unless one is given.
            if !words.contains(where: { $0.hasPrefix("lr=") }), let kind = OptimizerKind(rawValue: first.lowercased()) {
                words.append("lr=" + (kind == .adam ? "0.001" : "0.1"))
            }
        }
        if !words.isEmpty { _ = try set.run(&session, CommandCall(verb: "set", words: words, rest: "")) }
        let s = session.settings
        var values: [(String, Cell)] = [("optim", .text(s.optimizer.rawValue)), ("lr", .number(s.lr))]
        if s.optimizer == .sgd { values.append(("momentum", .number(s.momentum))) }
        return Report(command: "optim", blocks: [.values(values)], fields: settingsFields(session))
    }

    static let train = CommandSpec(
        name: "train", usage: "train [KEY=VALUE…] [clip=RULE]",
        summary: "train on the task; watch the loss and the gradient norm",
        details: [
            .paragraph("Trains the RNN the settings describe on the current task with mini-batches, recording for every step the loss, the gradient norm before and after clipping, and whether it was clipped. KEY=VALUE (lr, steps, batch, optim, momentum, nonfinite, or any other setting) and clip=RULE (none, norm:1, value:0.5, …) apply to this run only; your settings stay as they are."),
            .rows([
                ("nonfinite=stop", "stop at the first NaN or Inf step: \"diverged at step k\" (default)"),
                ("nonfinite=skip[:N]", "skip such updates (optax apply_if_finite); give up after N in a row"),
                ("nonfinite=propagate", "let NaN into the weights and carry on"),
            ]),
            .paragraph("Ctrl-C stops it and shows what was computed. Example:"),
            .rows([
                ("task adding T=100; train lr=1 clip=norm:1", ""),
            ]),
        ],
        argumentWords: { Settings.keyNames.map { $0 + "=" } + ["clip="] }
    ) { session, call throws(ShellError) in
        let (settings, clip) = try runSettings(session, call.words)
        let (model, task, config) = try trainingSetup(session, settings, clip: clip)
        let runtime = session.runtime
        let run = Simulator.train(model, on: task, config, shouldStop: runtime.shouldStop,
                                  progress: { runtime.progress("train", $0, config.steps) })
        session.results.train = Measured(value: TrainMeasurement(run),
                                         provenance: session.provenance(settings, clip: clip, overridden: overriddenKeys(call.words)))
        return trainingReport(run, settings: settings, task: task, config: config)
    }

    static let compare = CommandSpec(
        name: "compare", usage: "compare clip=RULE,RULE… [KEY=VALUE…]",
        summary: "train once per clipping rule from the same weights and batches",
        details: [
            .paragraph("Runs train for each rule with the same initial weights and the same batches, one row each: final loss, where it diverged, the largest gradient norm, how often it clipped."),
            .rows([
                ("compare clip=none,norm:1,value:0.1 lr=1", ""),
                ("task adding T=100; compare clip=none,norm:1 lr=1 steps=300", ""),
            ]),
            .paragraph("Runs use every core; their numbers do not depend on how many."),
        ],
        argumentWords: { ["clip="] + Settings.keyNames.map { $0 + "=" } }
    ) { session, call throws(ShellError) in
        guard let clipWord = call.words.first(where: { $0.hasPrefix("clip=") }) else {
            throw ShellError("compare needs the rules to compare, like compare clip=none,norm:1")
        }
        var parsed: [ClipRule] = []
        for spec in clipWord.dropFirst(5).split(separator: ",", omittingEmptySubsequences: false) {
            parsed.append(try parseClipSpec(String(spec)))
        }
        let rules = parsed
        guard (1...8).contains(rules.count) else { throw ShellError("compare takes 1 to 8 rules, not \(rules.count)") }
        let (settings, _) = try runSettings(session, call.words.filter { !$0.hasPrefix("clip=") })
        let (model, task, base) = try trainingSetup(session, settings, clip: .none, runs: rules.count)
        let runtime = session.runtime
        let done = Mutex(0)
        let total = base.steps * rules.count
        let runs = parallelMap(rules.count, serial: runtime.serial) { i in
            var config = base
            config.clip = rules[i]
            return Simulator.train(model, on: task, config, shouldStop: runtime.shouldStop, progress: { _ in
                let count = done.withLock { value in value += 1; return value }
                runtime.progress("compare", count, total)
            })
        }
        let rows: [[Cell]] = zip(rules, runs).map { rule, run in
            [.text(describe(rule)), .number(run.finalLoss), .text(run.firstNonFiniteStep.map(String.init) ?? "—"),
             .number(run.maxNorm), .text(percent(run.clipRate)), .text(outcome(run, task: task))]
        }
        var blocks: [Block] = [
            .title("compare on " + runDescription(settings, task: task)),
            .table(Table(columns: [.init("clip", numeric: false), .init("final loss"), .init("diverged at"), .init("max ‖g‖₂"), .init("clipped"), .init("verdict", numeric: false)], rows: rows)),
        ]
        let longest = runs.map(\.records.count).max() ?? 0
        blocks.append(.lineChart(LineChart(
            title: "loss per step", xName: "step", x: (1...max(1, longest)).map(Double.init),
            series: zip(rules, runs).map { LineChart.Series("clip " + describe($0), $1.losses) }, yScale: .log10)))
        blocks.append(.note((task.trivialLoss.map { "a predictor that ignores the input reaches \(NumberFormat.short($0)); " } ?? "") + "every run started from the same weights and saw the same batches"))
        if runs.contains(where: { if case .interrupted = $0.end { true } else { false } }) {
            blocks.append(.warning("interrupted: the rows show the steps computed before Ctrl-C"))
        }
        session.results.compare = Measured(value: runs.map(\.finalLoss),
                                           provenance: session.provenance(settings, clip: session.clipRule, overridden: overriddenKeys(call.words)))
        return Report(command: "compare", blocks: blocks, fields: [("settings", settingsJSON(settings))] + [
            ("runs", .array(zip(rules, runs).map { rule, run in .object([("clip", clipJSON(rule))] + runFields(run, task: task)) })),
        ])
    }

    static let suggest = CommandSpec(
        name: "suggest", usage: "suggest [KEY=VALUE…]",
        summary: "suggest a clipping threshold from a warm-up run (Pascanu et al.)",
        details: [
            .paragraph("Trains without clipping for a warm-up (at most 100 steps, or steps=N) and averages the gradient norm; Pascanu, Mikolov & Bengio (2013) found thresholds from half to ten times that average to work. Settings stay as they are."),
        ],
        argumentWords: { Settings.keyNames.map { $0 + "=" } }
    ) { session, call throws(ShellError) in
        var words = call.words
        if !words.contains(where: { $0.hasPrefix("steps=") }) { words.append("steps=\(min(100, session.settings.steps))") }
        let (settings, _) = try runSettings(session, words)
        let (model, task, config) = try trainingSetup(session, settings, clip: .none)
        let suggestion = suggestThreshold(model, on: task, config, shouldStop: session.runtime.shouldStop)
        if session.runtime.shouldStop() { throw ShellError("suggest interrupted during its warm-up; no suggestion") }
        guard suggestion.mean.isFinite else {
            throw ShellError("every warm-up step had a non-finite gradient; lower lr or rho and try again")
        }
        session.results.suggest = Measured(value: suggestion.mean,
                                           provenance: session.provenance(settings, clip: session.clipRule, overridden: overriddenKeys(call.words)))
        var blocks: [Block] = [
            .values([("mean ‖g‖₂", .number(suggestion.mean)), ("warm-up steps", .integer(suggestion.steps)),
                     ("range", .text("\(NumberFormat.short(suggestion.smallest)) … \(NumberFormat.short(suggestion.largest))"))]),
        ]
        if suggestion.exploded {
            let how = suggestion.stoppedAt.map { "met a NaN or Inf at step \($0)" }
                ?? "went from a norm of \(NumberFormat.short(suggestion.first)) to \(NumberFormat.short(suggestion.largest))"
            blocks.append(.warning("the warm-up itself exploded (it \(how)), so this mean measures the explosion and is no threshold to use; lower lr or rho and suggest again"))
        } else {
            blocks.append(.text("Try a threshold from \(NumberFormat.short(suggestion.low)) to \(NumberFormat.short(suggestion.high)), e.g. clip norm \(NumberFormat.short(suggestion.mean))"))
        }
        return Report(command: "suggest", blocks: blocks, fields: [("settings", settingsJSON(settings)), ("mean_norm", .number(suggestion.mean)), ("low", .number(suggestion.low)),
                    ("high", .number(suggestion.high)), ("steps", .integer(suggestion.steps)), ("exploded", .bool(suggestion.exploded))])
    }

    // MARK: - Shared pieces

    /// The session's settings with KEY=VALUE words applied (for one run only) and the clipping rule
    /// (clip=RULE, else the session's own).
    static func runSettings(_ session: Session, _ words: [String]) throws(ShellError) -> (Settings, ClipRule) {
        var settings = session.settings
        var clip = session.clipRule
        var seen = Set<String>()
        for word in words {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw ShellError("'\(word)' is not KEY=VALUE; write it like lr=0.5 or clip=norm:1, with no spaces around =")
            }
            let name = String(word[..<eq]), value = String(word[word.index(after: eq)...])
            guard seen.insert(name).inserted else { throw ShellError("\(name) is given twice; keep one") }
            if name == "clip" {
                clip = try parseClipSpec(value)
                continue
            }
            if name == "seed" {  // a run (or a sweep point) may use another seed than the session's
                settings.seed = try Literal.seed(value)
                continue
            }
            let key = try Settings.key(name)
            guard !value.isEmpty else { throw ShellError("\(name)= needs a value: \(key.accepts)") }
            try key.apply(&settings, value)
        }
        try settings.validate()
        return (settings, clip)
    }

    /// The keys that KEY=VALUE words set for one run (a W written out sets n too).
    static func overriddenKeys(_ words: [String]) -> Set<String> {
        var keys = Set(words.compactMap { word in word.firstIndex(of: "=").map { String(word[..<$0]) } }.map { $0 == "ρ" ? "rho" : $0 })
        if keys.contains("W") { keys.formUnion(["n", "init", "rho"]) }
        return keys
    }

    /// The model, task and configuration of a training run, refused when it is too much work.
    static func trainingSetup(_ session: Session, _ settings: Settings, clip: ClipRule, runs: Int = 1) throws(ShellError) -> (RNN, TrainingTask, TrainingConfig) {
        try checkWork(Double(runs) * work(settings, trains: true), what: "that")
        return (try Session.model(for: settings), settings.spec.trainingTask, settings.trainingConfig(clip: clip))
    }

    /// "adding · T=100 · n=32 · relu · adam lr=0.001 · batch 32 · 1000 steps [· clip norm 1] · seed 1".
    static func runDescription(_ settings: Settings, task: TrainingTask, clip: ClipRule? = nil) -> String {
        "\(task.kind.rawValue) · T=\(task.length) · n=\(settings.n) · \(settings.act.rawValue) · \(settings.optimizer.rawValue) lr=\(NumberFormat.short(settings.lr)) · batch \(batchSize(settings)) · \(settings.steps) steps · "
            + (clip.map { "clip \(describe($0)) · " } ?? "") + "seed \(settings.seed)"
    }

    /// The sequences one training step sees: regress has only its one sequence.
    static func batchSize(_ settings: Settings) -> Int { settings.task == .regress ? 1 : settings.batch }

    /// Multiply-adds of one experiment with these settings: a bptt (T·(n² + n)) or a whole
    /// training run (steps·batch·T·(n² + n)), plus n³ for rescaling W to rho.
    static func work(_ settings: Settings, trains: Bool) -> Double {
        let n = Double(settings.n)
        let pass = Double(settings.T) * (n * n + n)
        let runs = trains ? Double(settings.steps) * Double(batchSize(settings)) : 1
        return runs * pass + (settings.rho == nil ? 0 : n * n * n)
    }

    /// Refuses work over the limit, in one sentence that says what to lower.
    static func checkWork(_ work: Double, what: String) throws(ShellError) {
        guard work <= Limits.trainingWork else {
            throw ShellError("\(what) is too much work (\(NumberFormat.short(work)) multiply-adds, over the limit of \(NumberFormat.short(Limits.trainingWork))); lower steps, batch, T or n, or use fewer points")
        }
    }

    static func percent(_ x: Double) -> String { NumberFormat.short((x * 1000).rounded() / 10) + "%" }

    /// A one-word verdict for tables.
    static func outcome(_ run: TrainingRun, task: TrainingTask) -> String {
        switch run.end {
        case .diverged: return "diverged"
        case .gaveUp: return "gave up"
        case .interrupted: return "interrupted"
        case .completed:
            if run.firstNonFiniteStep != nil { return run.skippedSteps > 0 ? "skipped NaN steps" : "went NaN" }
            let first = run.records.first?.loss ?? .infinity
            if let trivial = task.trivialLoss, run.finalLoss < trivial { return "trained" }
            if run.finalLoss > 10 * first { return "blew up" }
            if task.trivialLoss == nil { return run.finalLoss < first ? "loss fell" : "loss rose" }
            return "no better than trivial"
        }
    }

    /// The sentence under a training run that says how it went.
    static func verdict(_ run: TrainingRun, task: TrainingTask) -> Block {
        let final = NumberFormat.short(run.finalLoss), trivial = task.trivialLoss.map(NumberFormat.short) ?? "",
            first = NumberFormat.short(run.records.first?.loss ?? .nan)
        switch (run.end, outcome(run, task: task)) {
        case (.diverged(let step), _):
            let broken = run.records.last!
            let what = broken.loss.isFinite ? "the gradient norm became \(NumberFormat.short(broken.preClipNorm))" : "the loss became \(NumberFormat.short(broken.loss))"
            let before = run.records.dropLast().last.map { "; the loss was \(NumberFormat.short($0.loss)) at step \(step - 1)" } ?? ""
            return .warning("diverged at step \(step): \(what)\(before)")
        case (.gaveUp(let step), _):
            return .warning("gave up at step \(step): more non-finite gradients in a row than nonfinite=skip allows, so, as optax's apply_if_finite does, that update was applied and NaN or Inf reached the weights")
        case (.interrupted(let step), _):
            return .warning("interrupted after \(step) steps; what was computed is shown")
        case (_, "went NaN"):
            return .warning("went non-finite at step \(run.firstNonFiniteStep!) and carried on")
        case (_, "skipped NaN steps"):
            return .warning("skipped \(run.skippedSteps) updates whose gradient was not finite (the first at step \(run.firstNonFiniteStep!)); the weights stayed finite, final loss \(final)")
        case (_, "trained"):
            return .text("trained: the final loss \(final) is below the \(trivial) of a predictor that ignores the input")
        case (_, "loss fell"), (_, "loss rose"):
            return .text("the loss went from \(first) to \(final)")
        case (_, "blew up"):
            return .warning("blew up: the final loss \(final) is over ten times the first (\(NumberFormat.short(run.records[0].loss)))")
        default:
            return .text("did not beat the \(trivial) of a predictor that ignores the input (final loss \(final))")
        }
    }

    static func trainingReport(_ run: TrainingRun, settings: Settings, task: TrainingTask, config: TrainingConfig) -> Report {
        let steps = (1...max(1, run.records.count)).map(Double.init)
        let title = "train " + runDescription(settings, task: task, clip: config.clip)
        let blocks: [Block] = [
            .title(title),
            .lineChart(LineChart(title: "loss per step", xName: "step", x: steps,
                                 series: [.init("loss", run.losses)], yScale: .log10)),
            .lineChart(LineChart(title: "‖g‖₂ per step", xName: "step", x: steps,
                                 series: config.clip == .none ? [.init("‖g‖₂", run.preClipNorms)]
                                     : [.init("before clipping", run.preClipNorms), .init("after", run.records.map(\.postClipNorm))],
                                 yScale: .log10)),
            .values([("first loss", .number(run.records.first?.loss ?? .nan)), ("final loss", .number(run.finalLoss)),
                     ("trivial", task.trivialLoss.map(Cell.number) ?? .text("—")), ("clipped", .text(percent(run.clipRate))),
                     ("max ‖g‖₂", .number(run.maxNorm))]),
            verdict(run, task: task),
        ]
        return Report(command: "train", blocks: blocks, fields: [("settings", settingsJSON(settings)), ("clip", clipJSON(config.clip))] + runFields(run, task: task))
    }

    static func runFields(_ run: TrainingRun, task: TrainingTask) -> [(String, JSON)] {
        let end: String = switch run.end {
        case .completed: "completed"
        case .diverged: "diverged"
        case .gaveUp: "gave_up"
        case .interrupted: "interrupted"
        }
        return [
            ("end", .string(end)),
            ("steps_run", .integer(run.records.count)),
            ("diverged_at", run.firstNonFiniteStep.map(JSON.integer) ?? .null),
            ("final_loss", .number(run.finalLoss)),
            ("first_loss", .number(run.records.first?.loss ?? .nan)),
            ("diverged", .bool(run.diverged)),
            ("trivial_loss", task.trivialLoss.map(JSON.number) ?? .null),
            ("clip_rate", .number(run.clipRate)),
            ("max_norm", .number(run.maxNorm)),
            ("losses", .numbers(run.losses)),
            ("pre_clip_norms", .numbers(run.preClipNorms)),
            ("post_clip_norms", .numbers(run.records.map(\.postClipNorm))),
            ("clipped", .array(run.records.map { .bool($0.clipped) })),
        ]
    }
}
