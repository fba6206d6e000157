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
        return Report(command: "task", TaskChoice(task: session.settings.spec.trainingTask, settings: session.settings, clip: session.clipRule))
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
        return Report(command: "optim", OptimizerChoice(settings: session.settings, clip: session.clipRule))
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
        return Report(command: "train", TrainOutcome(run: run, settings: settings, task: task, config: config))
    }

    static let compare = CommandSpec(
        name: "compare", usage: "compare clip=RULE,RULE… [seeds=A..B] [KEY=VALUE…]",
        summary: "train once per clipping rule from the same weights and batches",
        details: [
            .paragraph("Runs train for each rule with the same initial weights and the same batches, one row each: final loss, where it diverged, the largest gradient norm, how often it clipped."),
            .rows([
                ("compare clip=none,norm:1,value:0.1 lr=1", ""),
                ("task adding T=100; compare clip=none,norm:1 lr=1 steps=300", ""),
            ]),
            .paragraph("With seeds=A..B (or a list), each rule trains once per seed, each seed with its own weights and batches: one run on one seed of a chaotic system proves little. Each rule then gets the median final loss, its quartiles and range, and how many runs trained, blew up or diverged; the chart shades each rule's range of losses over the seeds. compare_loss[i] is rule i's median."),
            .rows([
                ("compare clip=none,norm:1 seeds=1..10", ""),
            ]),
            .paragraph("Runs use every core; their numbers do not depend on how many."),
        ],
        argumentWords: { ["clip=", "seeds="] + Settings.keyNames.map { $0 + "=" } }
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
        if call.words.contains(where: { $0.hasPrefix("tau=") || $0.hasPrefix("τ=") }) {
            throw ShellError("compare takes each rule's τ in the rule itself, like clip=norm:1,norm:10; drop tau=")
        }
        if let seedsWord = call.words.first(where: { $0.hasPrefix("seeds=") }) {
            return try compareOverSeeds(rules, seeds: String(seedsWord.dropFirst("seeds=".count)),
                                        words: call.words.filter { !$0.hasPrefix("clip=") && !$0.hasPrefix("seeds=") }, in: &session)
        }
        let (settings, _) = try runSettings(session, call.words.filter { !$0.hasPrefix("clip=") })
        let (model, task, base) = try trainingSetup(session, settings, clip: .none, runs: rules.count)
        let runtime = session.runtime
        let done = Mutex(0)
        let total = base.steps * rules.count
        let runs = parallelMap(rules.count, serial: runtime.serial, width: width(memory(settings, trains: true))) { i in
            var config = base
            config.clip = rules[i]
            return Simulator.train(model, on: task, config, shouldStop: runtime.shouldStop, progress: { _ in
                let count = done.withLock { value in value += 1; return value }
                runtime.progress("compare", count, total)
            })
        }
        session.results.compare = Measured(value: runs.map(\.finalLoss),
                                           provenance: session.provenance(settings, clip: session.clipRule, overridden: overriddenKeys(call.words)))
        return Report(command: "compare", ClipComparison(rules: rules, runs: runs, settings: settings, task: task))
    }

    static let suggest = CommandSpec(
        name: "suggest", usage: "suggest [KEY=VALUE…] | suggest norms",
        summary: "suggest a clipping threshold from a warm-up run (Pascanu et al.), or from a loaded log",
        details: [
            .paragraph("Trains without clipping for a warm-up (at most 100 steps, or steps=N) and averages the gradient norm; Pascanu, Mikolov & Bengio (2013) found thresholds from half to ten times that average to work. Settings stay as they are."),
            .paragraph("The mean is shown beside the median, p90 and p99 (numpy's percentiles) and the span of the norms in decades, with the lr and optimizer of the warm-up: a τ belongs to the lr it was measured at. When the norms span more than two decades, a tail of large norms pulls their mean up, and Pascanu's range from it may clip only a few steps; suggest then warns, says how many steps that range would have clipped, and advises a τ between the median and p90 instead (none when half the norms are 0: there is no level to clip at)."),
            .rows([
                ("suggest lr=0.01", "a warm-up at lr 0.01 (KEY=VALUE change the warm-up only)"),
                ("suggest norms", "the same advice from the log load norms FILE read last: a real run's norms, no warm-up"),
            ]),
        ],
        argumentWords: { ["norms"] + Settings.keyNames.map { $0 + "=" } }
    ) { session, call throws(ShellError) in
        if call.words.first == "norms" {
            guard call.words.count == 1 else {
                throw ShellError("suggest norms takes nothing more, but got '\(call.words[1])'; it advises from the log load norms FILE read last")
            }
            guard let log = session.results.norms, let file = log.provenance.file else {
                throw ShellError("suggest norms advises from a log of gradient norms, and none is loaded; load norms FILE reads one")
            }
            guard log.value.profile.summary.count > 0 else {
                throw ShellError("\(log.value.shownPath) holds no finite norm (\(log.value.nonFinite) NaN or ∞), so there is nothing to suggest from")
            }
            return Report(command: "suggest", ThresholdAdvice(source: .log(log.value, file),
                                                              stale: SessionNames.changedFile(file, shown: log.value.shownPath)))
        }
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
        return Report(command: "suggest", ThresholdAdvice(source: .warmUp(suggestion, settings)))
    }

    /// The most steps a compare over seeds keeps (every step of every run, for the chart):
    /// rules × seeds × steps, about 32 bytes each.
    static let seedRecordLimit = 2_000_000

    /// `compare clip=… seeds=A..B`: every rule on every seed; each seed's runs start from that seed's
    /// weights and see its batches. compare_loss[i] is then rule i's median final loss.
    static func compareOverSeeds(_ rules: [ClipRule], seeds text: String, words: [String], in session: inout Session) throws(ShellError) -> Report {
        guard !words.contains(where: { $0.hasPrefix("seed=") }) else { throw ShellError("seed= and seeds= contradict each other; give seeds=A..B alone") }
        let axis = try parseSeeds(text)
        let held = try assignments(words)
        var perSeed: [Settings] = []
        for point in axis.points { perSeed.append(try runSettings(session, held + [point]).0) }
        let settings = perSeed[0]
        let records = rules.count * perSeed.count * settings.steps
        guard records <= seedRecordLimit else {
            throw ShellError("compare over seeds keeps every step of every run, and rules × seeds × steps is \(records), over the \(seedRecordLimit) it may be; use fewer seeds or steps")
        }
        try checkWork(Double(rules.count * perSeed.count) * work(settings, trains: true), what: "that comparison over seeds")
        var models: [RNN] = []
        for seeded in perSeed { models.append(try Session.model(for: seeded)) }
        let task = settings.spec.trainingTask
        let runtime = session.runtime
        let done = Mutex(0)
        let total = rules.count * perSeed.count
        let (frozenModels, frozenSettings) = (models, perSeed)
        let flat = parallelMap(total, serial: runtime.serial, width: width(memory(settings, trains: true))) { i in
            let (r, k) = (i / frozenSettings.count, i % frozenSettings.count)
            let run = Simulator.train(frozenModels[k], on: frozenSettings[k].spec.trainingTask, frozenSettings[k].trainingConfig(clip: rules[r]),
                                      shouldStop: runtime.shouldStop)
            runtime.progress("compare", done.withLock { $0 += 1; return $0 }, total)
            return run
        }
        let runs = rules.indices.map { r in Array(flat[(r * perSeed.count)..<((r + 1) * perSeed.count)]) }
        let seeds = perSeed.map(\.seed)
        let comparison = SeedComparison(rules: rules, seeds: seeds, runs: runs, settings: settings, task: task)
        session.results.compare = Measured(value: rules.indices.map { Percentile.of(sorted: comparison.finals($0), 50) },
                                           provenance: session.provenance(settings, clip: session.clipRule, overridden: overriddenKeys(words).union(["seed"])))
        return Report(command: "compare", comparison)
    }

    // MARK: - Shared pieces

    /// The session's settings with KEY=VALUE words applied (for one run only) and the clipping rule
    /// (clip=RULE, else the session's own). Each word is read once, into a typed assignment.
    static func runSettings(_ session: Session, _ words: [String]) throws(ShellError) -> (Settings, ClipRule) {
        try runSettings(session, try assignments(words))
    }

    /// The session's settings with typed assignments applied (a sweep or predict point), and the
    /// clipping rule, checked as `runSettings` with words checks them.
    static func runSettings(_ session: Session, _ assignments: [Settings.Assignment]) throws(ShellError) -> (Settings, ClipRule) {
        var settings = session.settings
        var clip = session.clipRule
        for assignment in assignments {
            try assignment.apply(to: &settings, clip: &clip)
        }
        try settings.validate()
        return (settings, clip)
    }

    /// KEY=VALUE words read into typed assignments, each once, in order; except that tau= comes
    /// after clip=, since it changes the threshold of the rule. Where tau is given (or swept,
    /// `tauSwept`), clip= may name the mode alone: `sweep tau=0.01..100:9:log clip=value`.
    static func assignments(_ words: [String], tauSwept: Bool = false) throws(ShellError) -> [Settings.Assignment] {
        func isTau(_ word: String) -> Bool { word.hasPrefix("tau=") || word.hasPrefix("τ=") }
        let tauGiven = tauSwept || words.contains(where: isTau)
        let ordered = tauGiven ? words.filter { !isTau($0) } + words.filter(isTau) : words
        var seen = Set<String>()
        var assignments: [Settings.Assignment] = []
        for word in ordered {
            let bareMode = word.hasPrefix("clip=") && ClipRule.modes.dropFirst().contains(word.dropFirst(5).lowercased())
            assignments.append(try assignment(tauGiven && bareMode ? word + ":1" : word, seen: &seen))
        }
        return assignments
    }

    /// One KEY=VALUE word of a run, read and checked; `seen` holds the keys given before it.
    static func assignment(_ word: String, seen: inout Set<String>) throws(ShellError) -> Settings.Assignment {
        guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
            throw ShellError("'\(word)' is not KEY=VALUE; write it like lr=0.5 or clip=norm:1, with no spaces around =")
        }
        let name = String(word[..<eq]), value = String(word[word.index(after: eq)...])
        guard seen.insert(name).inserted else { throw ShellError("\(name) is given twice; keep one") }
        let target = try Settings.Assignment.Target(name)
        // a run (or a sweep point) may use another seed than the session's; seed and clip say for
        // themselves what an empty value lacks
        if case .setting(let key) = target, key.name != "seed", value.isEmpty {
            throw ShellError("\(name)= needs a value: \(key.accepts)")
        }
        return Settings.Assignment(target, try target.parse(value))
    }

    /// The keys that KEY=VALUE words set for one run (a W written out sets n too).
    static func overriddenKeys(_ words: [String]) -> Set<String> {
        let names = ["ρ": "rho", "τ": "clip", "tau": "clip"]
        var keys = Set(words.compactMap { word in word.firstIndex(of: "=").map { String(word[..<$0]) } }.map { names[$0] ?? $0 })
        if keys.contains("W") { keys.formUnion(["n", "init", "rho"]) }
        return keys
    }

    /// The model, task and configuration of a training run, refused when it is too much work.
    static func trainingSetup(_ session: Session, _ settings: Settings, clip: ClipRule, runs: Int = 1) throws(ShellError) -> (RNN, TrainingTask, TrainingConfig) {
        try checkWork(Double(runs) * work(settings, trains: true), what: "that")
        return (try Session.model(for: settings), settings.spec.trainingTask, settings.trainingConfig(clip: clip))
    }

    /// The sequences one training step sees: regress has only its one sequence.
    static func batchSize(_ settings: Settings) -> Int { settings.task == .regress ? 1 : settings.batch }

    /// Multiply-adds of one experiment with these settings: a bptt (T·g·(n² + n), for g gates:
    /// 1 for rnn, 4 for lstm, 3 for gru) or a whole training run (steps·batch times that), plus
    /// g·n³ for rescaling each gate's W to rho.
    static func work(_ settings: Settings, trains: Bool) -> Double {
        let n = Double(settings.n), gates = Double(settings.cell.gates)
        let pass = Double(settings.T) * gates * (n * n + n)
        let runs = trains ? Double(settings.steps) * Double(batchSize(settings)) : 1
        return runs * pass + (settings.rho == nil ? 0 : gates * n * n * n)
    }

    /// Bytes one experiment with these settings holds while it runs, about: a bptt keeps the
    /// buffers of its forward and backward passes (`backpropBytes`: T·n numbers three times over
    /// for rnn, more for a gated cell), and W and the gradients; a training run a wave of examples
    /// so (at most `batchWaveBytes`, see `batchGradient`) with their inputs, and a record a step.
    static func memory(_ settings: Settings, trains: Bool) -> Double {
        let n = Double(settings.n), T = Double(settings.T), number = 8.0
        let task = settings.spec.trainingTask
        let model = 4 * Double(settings.cell.gates) * n * n * number
        let pass = Double(backpropBytes(settings.cell, n: settings.n, m: task.inputSize, p: task.outputSize, length: settings.T))
        guard trains else { return model + pass }
        let example: Double = pass + T * Double(task.inputSize) * number
        let wave: Double = min(Double(batchWaveBytes), Double(batchSize(settings)) * example)
        return model + wave + Double(settings.steps) * 64
    }

    /// How many experiments of `bytes` each run at once: one a core, while together they hold
    /// under `Limits.parallelMemory` (a sweep of bptt at n = 512, T = 10,000 holds 120 MB a point).
    static func width(_ bytes: Double) -> Int { max(1, Int(Limits.parallelMemory / max(bytes, 1))) }

    /// Refuses work over the limit, in one sentence that says what to lower.
    static func checkWork(_ work: Double, what: String) throws(ShellError) {
        guard work <= Limits.trainingWork else {
            throw ShellError("\(what) is too much work (\(NumberFormat.short(work)) multiply-adds, over the limit of \(NumberFormat.short(Limits.trainingWork))); lower steps, batch, T or n, or use fewer points")
        }
    }
}
