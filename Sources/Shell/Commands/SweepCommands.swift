import Render
import Foundation
import Simulator
import Synchronization

/// What a sweep measures at each point.
enum SweepMetric: String, CaseIterable, Sendable {
    case delta0, delta_ratio, grad_norm, loss, rho_w
    case raw_norm, clipped_norm, cosine, clipped
    case final_loss, diverged, diverged_at, clip_rate, max_norm

    var summary: String {
        switch self {
        case .delta0: "‖∂L/∂h_0‖₂: the error that reached the start (bptt)"
        case .delta_ratio: "‖∂L/∂h_0‖₂ / ‖∂L/∂h_T‖₂: growth over T steps back (bptt)"
        case .grad_norm: "‖∇L‖₂ of the one example (bptt)"
        case .loss: "loss of the one example (bptt)"
        case .rho_w: "ρ(W) of the W used (the largest over a gated cell's gates)"
        case .raw_norm: "‖g‖₂ of the gradient before clipping (grad)"
        case .clipped_norm: "‖ĝ‖₂ of the gradient after the clipping rule (grad)"
        case .cosine: "cos∠(g, ĝ): 1 when clipping kept the direction (grad)"
        case .clipped: "fraction of the gradient's components the rule changed (grad)"
        case .final_loss: "mean loss over the last tenth of training (train)"
        case .diverged: "1 when training went NaN or Inf, else 0 (train)"
        case .diverged_at: "the step where training went NaN or Inf (train)"
        case .clip_rate: "fraction of training steps clipped (train)"
        case .max_norm: "largest gradient norm seen in training (train)"
        }
    }

    var trains: Bool { [.final_loss, .diverged, .diverged_at, .clip_rate, .max_norm].contains(self) }
    /// The clipping rule changes it: training runs, and the gradient after clipping.
    var dependsOnClipping: Bool { trains || [.clipped_norm, .cosine, .clipped].contains(self) }
    /// Plotted on a log scale (norms and losses span decades).
    var logarithmic: Bool { ![.diverged, .diverged_at, .clip_rate, .rho_w, .cosine, .clipped].contains(self) }
}

/// One swept key and the values it takes.
struct SweepAxis: Sendable {
    /// The key as typed (ρ stays ρ in what is shown).
    var key: String
    /// Each point's value, typed and checked once, before anything runs: what the point assigns.
    var points: [Settings.Assignment]
    /// The values as words, as tables show them and as a command reads them back to the same
    /// run: as typed for a list; for a range, the numbers it holds (each a short decimal, see
    /// `snapped`).
    var labels: [String]
    /// Numeric positions for charts and JSON, when the values are numbers.
    var numbers: [Double]?

    /// Whether it sweeps the clipping rule's threshold (tau, or τ).
    var sweepsTau: Bool { points.first?.name == "tau" }

    /// Spaced evenly in log (a..b:N:log): charts then use a log axis.
    var logSpaced = false

    /// Whether the values are numbers in increasing or decreasing order, as a chart axis needs.
    var isMonotonic: Bool {
        guard let x = numbers else { return false }
        let steps = zip(x, x.dropFirst()).map { $1 - $0 }
        return steps.allSatisfy { $0 > 0 } || steps.allSatisfy { $0 < 0 }
    }
}

extension Commands {
    static let sweep = CommandSpec(
        name: "sweep", usage: "sweep KEY=RANGE [KEY=RANGE] [metric=NAME] [seeds=A..B] [table] [KEY=VALUE…]",
        summary: "measure a quantity over one or two swept settings",
        details: [
            .paragraph("RANGE is a..b:N (N evenly spaced values), a..b:N:log (spaced evenly in log), a..b for a key of whole numbers (seed=1..10: every one from a to b), or a list a,b,c (clip=none,norm:1 and act=tanh,linear are lists too). One key gives a table and a curve, two keys a map and its table (table prints a large one too). A point's value as the table shows it, typed back (train lr=0.1763), gives that point's run: a range's inner points are short decimals, and its ends are the numbers typed. tau sweeps the threshold of the clipping rule (clip=value names the mode alone). seeds=A..B (2 to 100 seeds) runs every point once per seed and shows the median; a one-key sweep adds the middle half of the runs (the quartiles) to its table, and the curves shade it. Other KEY=VALUE words hold for every point; your settings stay as they are."),
            .rows([
                ("sweep rho=0.8..1.4:25 T=10..200:20 metric=delta0", ""),
                ("sweep lr=0.01..3:20:log clip=none,norm:1 metric=final_loss", ""),
                ("sweep tau=0.01..100:9:log metric=cosine clip=value", ""),
            ]),
            .paragraph("Metrics (the default is final_loss when a training key is swept, delta0 otherwise):"),
            .rows(SweepMetric.allCases.map { ($0.rawValue, $0.summary) }),
            .paragraph("Points run on every core; the numbers do not depend on how many. Ctrl-C stops it."),
        ],
        argumentWords: { Settings.keyNames.map { $0 + "=" } + ["clip=", "tau=", "metric=", "seeds=", "table"] }
    ) { session, call throws(ShellError) in
        var axes: [SweepAxis] = []
        var fixed: [String] = []
        var metric: SweepMetric? = nil
        var table = false
        var seeds: SweepAxis? = nil
        for word in call.words {
            if word == "table" { table = true; continue }
            if word.hasPrefix("seeds=") {
                seeds = try parseSeeds(String(word.dropFirst("seeds=".count)))
                continue
            }
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw ShellError("'\(word)' is not KEY=RANGE or KEY=VALUE; write it like rho=0.8..1.4:25")
            }
            let key = String(word[..<eq]), value = String(word[word.index(after: eq)...])
            if key == "metric" {
                guard let m = SweepMetric(rawValue: value) else {
                    throw ShellError("unknown metric '\(value)'\(Suggest.didYouMean(value, among: SweepMetric.allCases.map(\.rawValue), otherwise: "metrics: " + SweepMetric.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                metric = m
            } else if isAxis(value) {
                axes.append(try parseAxis(key, value))
            } else {
                fixed.append(word)
            }
        }
        guard (1...2).contains(axes.count) else {
            throw ShellError(axes.isEmpty ? "sweep needs a KEY=RANGE to sweep, like rho=0.8..1.4:25" : "sweep takes one or two keys to sweep, not \(axes.count)")
        }
        if axes.count == 2 && axes[0].key == axes[1].key { throw ShellError("both swept keys are '\(axes[0].key)'; sweep two different keys") }
        let held = try assignments(fixed, tauSwept: axes.contains(where: \.sweepsTau))
        let (base, baseClip) = try runSettings(session, held)
        let trainingKeys = Set(Settings.trainingKeys.map(\.name) + ["clip", "tau", "τ"])
        let chosen = metric ?? (axes.contains { trainingKeys.contains($0.key) } ? .final_loss : .delta0)

        // Every point's settings, checked before anything runs.
        let shape = axes.map(\.labels.count)
        let count = shape.reduce(1, *)
        guard count <= (axes.count == 1 ? 200 : 3600) else {
            throw ShellError("that is \(count) points; the limit is \(axes.count == 1 ? "200 for one key" : "3600 (60×60) for two keys")")
        }
        for axis in axes where held.contains(where: { $0.name == axis.points[0].name }) {
            throw ShellError("\(axis.key) is given twice; keep one")
        }
        // Over seeds, each point runs once per seed (its seed last, over anything else).
        let seedPoints = seeds?.points ?? []
        if seeds != nil, axes.contains(where: { $0.points[0].name == "seed" }) || held.contains(where: { $0.name == "seed" }) {
            throw ShellError("seeds= runs every point on each seed, so seed is neither swept nor set beside it; drop one")
        }
        let runsPerPoint = max(1, seedPoints.count)
        guard count * runsPerPoint <= 3600 else {
            throw ShellError("that is \(count) points on \(runsPerPoint) seeds, \(count * runsPerPoint) runs; a sweep makes at most 3600")
        }
        var points: [(Settings, ClipRule)] = []
        for index in 0..<count {
            let point = held + gridAssignments(index, axes)
            if seedPoints.isEmpty { points.append(try runSettings(session, point)) }
            for seed in seedPoints { points.append(try runSettings(session, point + [seed])) }
        }
        let cost = points.reduce(0.0) { $0 + work($1.0, trains: chosen.trains) + (chosen == .rho_w ? Double($1.0.cell.gates) * pow(Double($1.0.n), 3) : 0) }
        try checkWork(cost, what: "that sweep")

        // Each point builds its own model on its worker, so that memory holds a few, not thousands.
        let runtime = session.runtime
        let done = Mutex(0)
        let frozen = points
        let bytes = points.map { memory($0.0, trains: chosen.trains) }.max() ?? 0
        let outcomes: [Result<Double, ShellError>?] = parallelMap(points.count, serial: runtime.serial, width: width(bytes)) { i in
            if runtime.shouldStop() { return nil }
            do throws(ShellError) {
                let model = try Session.model(for: frozen[i].0)
                guard let value = measure(chosen, model: model, settings: frozen[i].0, clip: frozen[i].1, shouldStop: runtime.shouldStop) else { return nil }
                runtime.progress("sweep", done.withLock { $0 += 1; return $0 }, frozen.count)
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        for (index, outcome) in outcomes.enumerated() {
            if case .failure(let error)? = outcome { throw ShellError("at \(gridPoint(index / runsPerPoint, axes)): \(error.message)") }
        }
        let runs = outcomes.map { outcome -> Double? in if case .success(let v)? = outcome { v } else { nil } }
        // A point over seeds is the median of its runs (nil when Ctrl-C left one out).
        let perPoint = (0..<count).map { Array(runs[($0 * runsPerPoint)..<(($0 + 1) * runsPerPoint)]) }
        let results = perPoint.map { values -> Double? in
            values.contains(where: { $0 == nil }) ? nil : (seeds == nil ? values[0] : Percentile.of(values.map { $0! }, 50))
        }
        let interrupted = runtime.shouldStop()
        var grid = SweepGrid(axes: axes, metric: chosen, settings: base, clip: baseClip, results: results, interrupted: interrupted, table: table)
        if let seeds, !interrupted {
            grid.overSeeds = SweepGrid.OverSeeds(seeds: seeds.labels, runs: perPoint.map { $0.map { $0! } })
        }
        guard !interrupted else { return Report(command: "sweep", grid) }
        session.results.sweep = Measured(value: results.map { $0! }, provenance: session.provenance(base, clip: baseClip, overridden: overriddenKeys(fixed)))
        return Report(command: "sweep", grid)
    }

    /// The metric at one point, or nil when a stop request cut its training short. Each metric
    /// runs only what it needs: nothing, one bptt, or one training run.
    static func measure(_ metric: SweepMetric, model: RNN, settings: Settings, clip: ClipRule, shouldStop: @Sendable () -> Bool) -> Double? {
        let spec = settings.spec
        var pass: BPTTResult { settings.bptt(model) }
        var run: TrainingRun? {
            let run = Simulator.train(model, on: spec.trainingTask, settings.trainingConfig(clip: clip), shouldStop: shouldStop)
            if case .interrupted = run.end { return nil }
            return run
        }
        switch metric {
        case .rho_w: return SpectrumSummary(model).rho
        case .delta0: return pass.deltaNorms[0]
        case .delta_ratio:
            let norms = pass.deltaNorms
            return norms[0] / norms[settings.T]
        case .grad_norm: return pass.gradientNorm
        case .loss: return pass.loss
        case .raw_norm, .clipped_norm, .cosine, .clipped:
            let (result, clipped, outcome) = measureGrad(model, settings, clip: clip)
            switch metric {
            case .raw_norm: return VectorNorm.of(result.gradients.tensors)
            case .clipped_norm: return outcome.clippedNorm
            case .cosine: return outcome.cosine
            default:
                let before = result.gradients.tensors.joined(), after = clipped.tensors.joined()
                let changed = zip(before, after).filter { $0.bitPattern != $1.bitPattern }.count
                return Double(changed) / Double(max(1, before.count))
            }
        case .final_loss: return run?.finalLoss
        case .diverged: return run.map { $0.diverged ? 1 : 0 }
        case .diverged_at: return run.map { $0.firstNonFiniteStep.map(Double.init) ?? .nan }
        case .clip_rate: return run?.clipRate
        case .max_norm: return run?.maxNorm
        }
    }

    /// Each axis's value index at a flat grid index; the last axis varies fastest.
    static func gridIndices(_ index: Int, _ axes: [SweepAxis]) -> [Int] {
        var rest = index
        return axes.reversed().map { axis in
            defer { rest /= axis.labels.count }
            return rest % axis.labels.count
        }.reversed()
    }

    /// What a grid point assigns, one typed value per axis; τ last, since it changes the rule
    /// another axis may set.
    static func gridAssignments(_ index: Int, _ axes: [SweepAxis]) -> [Settings.Assignment] {
        let point = zip(axes, gridIndices(index, axes)).map { $0.points[$1] }
        return point.filter { $0.name != "tau" } + point.filter { $0.name == "tau" }
    }

    /// A grid point as people read it: "rho=1.2 T=40".
    static func gridPoint(_ index: Int, _ axes: [SweepAxis]) -> String {
        zip(axes, gridIndices(index, axes)).map { "\($0.key)=\($0.labels[$1])" }.joined(separator: " ")
    }

    /// `seeds=A..B` or `seeds=a,b,c` (compare and sweep): 2 to 100 seeds, each point or rule run
    /// once on every one.
    static func parseSeeds(_ text: String) throws(ShellError) -> SweepAxis {
        let ends = text.components(separatedBy: "..")
        if ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]) {
            guard a < b else { throw ShellError("seeds=\(text) must run up, from a smaller seed to a larger one, like seeds=1..10") }
            guard b - a + 1 <= 100 else { throw ShellError("seeds= takes 2 to 100 seeds, not \(b - a + 1)") }
        }
        let axis: SweepAxis
        do throws(ShellError) { axis = try parseAxis("seed", text) } catch {
            throw ShellError(error.message.hasPrefix("seed=") ? "seeds=" + error.message.dropFirst("seed=".count) : error.message)
        }
        guard (2...100).contains(axis.points.count) else { throw ShellError("seeds= takes 2 to 100 seeds, not \(axis.points.count)") }
        return axis
    }

    /// Whether a sweep's `KEY=VALUE` sweeps KEY (a range or a list) rather than holds it.
    static func isAxis(_ value: String) -> Bool { value.contains("..") || value.contains(",") }

    /// `a..b:N`, `a..b:N:log` or `a,b,c`, each point read and checked by the key, or for a key of
    /// whole numbers (seed, T, n, steps, batch) `a..b`, every whole number from a to b. A range
    /// starts and ends on exactly the numbers typed.
    static func parseAxis(_ key: String, _ text: String) throws(ShellError) -> SweepAxis {
        let target = try Settings.Assignment.Target(key)
        if !text.contains("..") {
            let labels = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard labels.allSatisfy({ !$0.isEmpty }) else { throw ShellError("\(key)=\(text) has an empty item; write a list like \(key)=a,b,c") }
            var points: [Settings.Assignment] = []
            for label in labels { points.append(Settings.Assignment(target, try target.parse(label))) }
            let numbers = labels.compactMap(Double.init)
            // A list of positive numbers spanning two decades or more (tau=0.01,1,100) is drawn on a log axis.
            let logSpread = numbers.count == labels.count && numbers.allSatisfy { $0 > 0 } && (numbers.max() ?? 0) >= 100 * (numbers.min() ?? 1)
            return SweepAxis(key: key, points: points, labels: labels, numbers: numbers.count == labels.count ? numbers : nil, logSpaced: logSpread)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let ends = parts[0].components(separatedBy: "..")
        let integral = target.whole
        if integral, parts.count == 1, ends.count == 2 {  // every whole number from a to b
            let a = try Literal.integer(ends[0], for: "the start of \(key)'s range")
            let b = try Literal.integer(ends[1], for: "the end of \(key)'s range")
            guard a < b, b - a < 200 else {
                throw ShellError("\(key)=\(text) must run up from a smaller whole number to a larger one, 2 to 200 of them, like \(key)=1..10")
            }
            var points: [Settings.Assignment] = []
            for x in a...b { points.append(Settings.Assignment(target, try target.parse(number: Double(x)))) }
            return SweepAxis(key: key, points: points, labels: (a...b).map(String.init), numbers: (a...b).map(Double.init))
        }
        guard ends.count == 2, parts.count == 2 || (parts.count == 3 && parts[2] == "log") else {
            let like = integral ? "a..b (every whole number from a to b), a..b:N (N values) or a..b:N:log, like \(key)=1..10"
                                : "a..b:N (N values) or a..b:N:log, like \(key)=0.8..1.4:25"
            throw ShellError("\(key)=\(text) is not a range; write \(like)")
        }
        let a = try Literal.number(ends[0], for: "the start of \(key)'s range")
        let b = try Literal.number(ends[1], for: "the end of \(key)'s range")
        let count = try Literal.integer(parts[1], for: "the number of points of \(key)")
        guard (2...200).contains(count) else { throw ShellError("a range takes 2 to 200 points, not \(count)") }
        let log = parts.count == 3
        guard abs(a) <= 1e15, abs(b) <= 1e15 else {
            throw ShellError("\(key)'s range must stay within ±1e15, but runs from \(NumberFormat.short(a)) to \(NumberFormat.short(b))")
        }
        if log && (a <= 0 || b <= 0) { throw ShellError("a :log range needs positive ends, but \(key) runs from \(NumberFormat.short(a)) to \(NumberFormat.short(b))") }
        var numbers = snapped(rangePoints(a, b, count: count, log: log))
        if integral {
            var seen = Set<Double>()
            numbers = numbers.map { $0.rounded() }.filter { seen.insert($0).inserted }
            guard numbers.count >= 2 else { throw ShellError("\(key)=\(text) holds only one whole number; widen the range") }
        }
        var points: [Settings.Assignment] = []
        for x in numbers { points.append(Settings.Assignment(target, try target.parse(number: x))) }
        return SweepAxis(key: key, points: points, labels: numbers.map { integral ? String(Int($0)) : NumberFormat.full($0) },
                         numbers: numbers, logSpaced: log)
    }

    /// A range's inner points rounded to the fewest significant digits, four at least, that keep
    /// every point apart and in order: a table then shows each point exactly (0.1762, not
    /// 0.17624392…), and `train lr=0.1762` typed back from it gives that row's run. The ends stay
    /// the numbers typed.
    static func snapped(_ points: [Double]) -> [Double] {
        guard points.count > 2 else { return points }
        for digits in 4...17 {
            let inner = points.dropFirst().dropLast().map { Double(String(format: "%.\(digits)g", $0)) ?? $0 }
            let all = [points[0]] + inner + [points[points.count - 1]]
            let steps = zip(all, all.dropFirst()).map { $1 - $0 }
            if steps.allSatisfy({ $0 > 0 }) || steps.allSatisfy({ $0 < 0 }) { return all }
        }
        return points
    }

    /// `count` points from a to b, evenly spaced (in log with `log`). The first is exactly a and the
    /// last exactly b, the numbers typed: arithmetic on the way (exp of log b) would miss b by an ulp.
    static func rangePoints(_ a: Double, _ b: Double, count: Int, log: Bool) -> [Double] {
        (0..<count).map { i -> Double in
            if i == 0 { return a }
            if i == count - 1 { return b }
            let f = Double(i) / Double(count - 1)
            return log ? Foundation.exp(Foundation.log(a) + f * (Foundation.log(b) - Foundation.log(a))) : a + f * (b - a)
        }
    }
}

extension Commands {
    /// How many experiments (training runs or BPTT passes) a command line makes: the points of a
    /// sweep or of a prediction's grid, compare's rules; 1 for any other command. The benchmark
    /// gives each lesson command a time budget per experiment.
    public static func experiments(_ call: CommandCall) -> Int {
        func points(_ key: String, _ value: String) -> Int { (try? parseAxis(key, value))?.labels.count ?? 1 }
        switch find(call.verb)?.name {
        case "sweep":
            return call.words.reduce(1) { count, word in
                guard let eq = word.firstIndex(of: "="), !word.hasPrefix("metric=") else { return count }
                let value = String(word[word.index(after: eq)...])
                return isAxis(value) ? count * points(String(word[..<eq]), value) : count
            }
        case "predict":
            var text = call.rest
            if let range = text.range(of: " when ", options: .backwards) { text = String(text[..<range.lowerBound]) }
            guard text.hasPrefix("for "), let (axes, _, _) = try? parseQuantifier(text) else { return 1 }
            return axes.reduce(1) { $0 * $1.labels.count }
        case "compare":
            return call.words.first { $0.hasPrefix("clip=") }.map { $0.split(separator: ",").count } ?? 1
        default:
            return 1
        }
    }
}
