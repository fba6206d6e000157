import Render
import Lessons
import Simulator
import StateFiles

/// The commands whose measurements expressions can read.
public enum ResultSource: String, CaseIterable, Sendable {
    case bptt, train, grad, compare, sweep, cliff, suggest
    /// A gradient-norm log read from a file (`load norms FILE`).
    case norms

    /// The settings this command's results depend on: when one of them changes (and the run did not
    /// set it itself), the results are stale.
    var dependsOn: Set<String> {
        let model = Set(Settings.modelKeys.map(\.name) + ["task", "seed"])
        switch self {
        case .bptt: return model
        case .grad: return model.union(["clip"])
        case .train, .sweep: return Set(Settings.keys.map(\.name) + ["seed", "clip"])
        case .compare, .suggest: return Set(Settings.keys.map(\.name) + ["seed"])
        case .cliff: return []  // one sigmoid unit of its own, with its own arguments
        case .norms: return []  // a file's numbers: stale when the file changes (`Provenance.file`)
        }
    }

    /// The command that measures it, as a learner types it.
    var command: String { self == .norms ? "load norms" : rawValue }

    /// Whether its results were measured under settings that `COMMAND.KEY` can read (a log's were not).
    var hasSettings: Bool { self != .norms }

    /// The commands predict can run for a claim, in the order it runs them.
    static let predictable: [ResultSource] = [.bptt, .train, .grad, .cliff, .suggest]
}

/// Where a measurement came from: the complete settings it ran under (the session's, with the run's
/// own KEY=VALUE overrides), the clipping rule, and its place in the session's order.
public struct Provenance: Sendable {
    public var settings: Settings
    public var clip: ClipRule
    /// The keys the run set for itself (`train lr=0.1`): a later change of those does not make it stale.
    public var overridden: Set<String>
    /// The number of the command that measured it, counted from 1 in this session.
    public var order: Int
    /// The file it was read from, as it was then (`load norms`): its path, size and modification time.
    public var file: FileStamp?

    public init(settings: Settings, clip: ClipRule, overridden: Set<String> = [], order: Int = 0, file: FileStamp? = nil) {
        self.settings = settings
        self.clip = clip
        self.overridden = overridden
        self.order = order
        self.file = file
    }

    /// The keys, among those `source` depends on, whose current value differs from the one measured
    /// with: empty when the result is current.
    func changes(for source: ResultSource, now settings: Settings, clip: ClipRule) -> [String] {
        let watched = source.dependsOn.subtracting(overridden)
        return Settings.differences(self.settings, self.clip, settings, clip).filter(watched.contains)
    }
}

/// A value and the conditions it was measured under.
public struct Measured<Value: Sendable>: Sendable {
    public var value: Value
    public var provenance: Provenance
}

/// What one bptt pass measured (the numbers expressions read; the report shows more).
public struct BPTTMeasurement: Sendable {
    public var loss: Double
    public var gradientNorm: Double
    /// ‖∂L/∂h_t‖₂ for t = 0…T.
    public var deltaNorms: [Double]
    /// ‖∂h_T/∂h_t‖₂ for t = 0…T, when they were formed.
    public var jacobianNorms: [Double]?
    /// lstm: ‖∂L/∂c_t‖₂ for t = 0…T.
    public var cellDeltaNorms: [Double]? = nil
    /// rnn: the mean φ′(z_t); lstm and gru: the mean of the gate that carries the state over (f, z).
    public var meanDerivative: Double = .nan
}

extension BPTTMeasurement {
    init(_ result: BPTTResult) {
        self.init(loss: result.loss, gradientNorm: result.gradientNorm, deltaNorms: result.deltaNorms, jacobianNorms: result.jacobianNorms,
                  cellDeltaNorms: result.cellDeltaNorms, meanDerivative: result.meanDerivative)
    }
}

/// A gradient and what the clipping rule did to it.
public struct GradMeasurement: Sendable {
    public var rawNorm: Double
    public var clippedNorm: Double
    public var cosine: Double
}

extension GradMeasurement {
    init(raw: Gradients, outcome: ClipOutcome) {
        self.init(rawNorm: VectorNorm.of(raw.tensors), clippedNorm: outcome.clippedNorm, cosine: outcome.cosine)
    }
}

/// A training run, summed up.
public struct TrainMeasurement: Sendable {
    public var finalLoss: Double
    public var firstLoss: Double
    public var diverged: Bool
    public var divergedAt: Int?
    public var clipRate: Double
    public var maxNorm: Double
}

extension TrainMeasurement {
    init(_ run: TrainingRun) {
        self.init(finalLoss: run.finalLoss, firstLoss: run.records.first?.loss ?? .nan, diverged: run.diverged,
                  divergedAt: run.firstNonFiniteStep, clipRate: run.clipRate, maxNorm: run.maxNorm)
    }
}

/// The two descents of the cliff: without clipping and with the rule.
public struct CliffMeasurement: Sendable {
    public struct Descent: Sendable {
        public var loss: Double
        public var largestStep: Double
        public var leftTheMap: Bool
    }

    public var plain: Descent
    public var clipped: Descent
}

/// What the run that wrote a norm log was, as far as gradlab was told (`load norms FILE lr=…
/// optim=… clip=…`); a warm-up's are known in full.
public struct RunConditions: Sendable, Equatable {
    public var lr: Double?
    public var optimizer: String?
    public var clip: ClipRule?

    public init(lr: Double? = nil, optimizer: String? = nil, clip: ClipRule? = nil) {
        self.lr = lr
        self.optimizer = optimizer
        self.clip = clip
    }

    public var isEmpty: Bool { lr == nil && optimizer == nil && clip == nil }
}

/// A run's gradient norms read from a log by `load norms`: the summary and the candidate
/// thresholds' effects that `suggest norms` advises from, and what the file held.
public struct NormLogMeasurement: Sendable {
    public var profile: NormProfile
    /// Rows that gave a norm, finite or not.
    public var rows: Int
    public var nan: Int
    public var infinity: Int
    /// The run's lr, optimizer and clipping rule, as given to load norms.
    public var conditions: RunConditions
    /// The path as it was typed.
    public var shownPath: String

    public var nonFinite: Int { nan + infinity }
}

/// The last measurement of each command, for expressions (`check`, `predict`, lessons).
public struct Results: Sendable {
    /// The commands run (in a lesson: at this step), for ran(…).
    public var ran: Set<String> = []
    /// The names read by the checks that held (in a lesson: at this step), for checked(…).
    public var checked: Set<String> = []
    public var bptt: Measured<BPTTMeasurement>?
    public var grad: Measured<GradMeasurement>?
    public var train: Measured<TrainMeasurement>?
    /// Final loss of each rule compared, in order.
    public var compare: Measured<[Double]>?
    /// The metric at each point swept, in grid order.
    public var sweep: Measured<[Double]>?
    public var cliff: Measured<CliffMeasurement>?
    /// Mean ‖g‖₂ of the warm-up.
    public var suggest: Measured<Double>?
    /// The last norm log loaded (`load norms`), with the file it came from.
    public var norms: Measured<NormLogMeasurement>?

    public init() {}

    /// The conditions `source` last measured under, or nil when it has not run.
    public func provenance(of source: ResultSource) -> Provenance? {
        switch source {
        case .bptt: bptt?.provenance
        case .grad: grad?.provenance
        case .train: train?.provenance
        case .compare: compare?.provenance
        case .sweep: sweep?.provenance
        case .cliff: cliff?.provenance
        case .suggest: suggest?.provenance
        case .norms: norms?.provenance
        }
    }
}

/// What reading a result name gives: one value, or a series to index.
enum ResultValue: Sendable {
    case scalar(ExpressionValue)
    case series([Double])
}

/// One name an expression can read from a measurement. This table is the only place a result name
/// is declared: expressions, `help expressions`, lint, predict and the JSON check read it.
struct ResultName: Sendable {
    let name: String
    /// The index's name for a series (`delta[t]`); nil for a single value.
    let index: String?
    let meaning: String
    let source: ResultSource
    /// Where the source command's `--json` object carries it: a field, or `runs[].final_loss`.
    let json: String
    let read: @Sendable (Results) -> ResultValue?

    /// As help writes it: `delta[t]`, `loss`.
    var written: String { index.map { "\(name)[\($0)]" } ?? name }

    static func number(_ name: String, _ source: ResultSource, json: String? = nil, _ meaning: String,
                       _ read: @escaping @Sendable (Results) -> Double?) -> ResultName {
        ResultName(name: name, index: nil, meaning: meaning, source: source, json: json ?? name) { read($0).map { .scalar(.number($0)) } }
    }

    static func truth(_ name: String, _ source: ResultSource, json: String? = nil, _ meaning: String,
                      _ read: @escaping @Sendable (Results) -> Bool?) -> ResultName {
        ResultName(name: name, index: nil, meaning: meaning, source: source, json: json ?? name) { read($0).map { .scalar(.bool($0)) } }
    }

    static func series(_ name: String, _ index: String, _ source: ResultSource, json: String, _ meaning: String,
                       _ read: @escaping @Sendable (Results) -> [Double]?) -> ResultName {
        ResultName(name: name, index: index, meaning: meaning, source: source, json: json) { read($0).map { .series($0) } }
    }

    static let all: [ResultName] = [
        number("loss", .bptt, "the loss of the one example") { $0.bptt?.value.loss },
        number("grad_norm", .bptt, "‖∇L‖₂ over every parameter") { $0.bptt?.value.gradientNorm },
        series("delta", "t", .bptt, json: "delta_norms", "‖∂L/∂h_t‖₂ for t = 0…T") { $0.bptt?.value.deltaNorms },
        series("jac", "t", .bptt, json: "jacobian_norms", "‖∂h_T/∂h_t‖₂ for t = 0…T") { $0.bptt?.value.jacobianNorms },
        series("cell_delta", "t", .bptt, json: "cell_delta_norms", "‖∂L/∂c_t‖₂ for t = 0…T (cell=lstm: the error on the cell state)") { $0.bptt?.value.cellDeltaNorms },
        number("mean_dphi", .bptt, json: "mean_dphi", "the mean φ′(z_t) over every unit and step: how much the activation lets through (cell=rnn; NaN for lstm and gru)") { r in
            r.bptt.map { $0.provenance.settings.cell == .rnn ? $0.value.meanDerivative : .nan }
        },
        number("mean_gate", .bptt, json: "mean_gate", "the mean of the gate that carries the state over: the lstm's forget gate f, the gru's update gate z (NaN for rnn)") { r in
            r.bptt.map { $0.provenance.settings.cell == .rnn ? .nan : $0.value.meanDerivative }
        },
        number("final_loss", .train, "mean loss over the last tenth of the steps applied (before a NaN stopped the run)") { $0.train?.value.finalLoss },
        number("first_loss", .train, "the loss of the first step") { $0.train?.value.firstLoss },
        truth("diverged", .train, "true when a step's loss or gradient was NaN or Inf") { $0.train?.value.diverged },
        number("diverged_at", .train, "the first such step (NaN when none)") { $0.train.map { $0.value.divergedAt.map(Double.init) ?? .nan } },
        number("clip_rate", .train, "fraction of the steps that were clipped") { $0.train?.value.clipRate },
        number("max_norm", .train, "the largest finite gradient norm") { $0.train?.value.maxNorm },
        number("raw_norm", .grad, "‖g‖₂ before clipping") { $0.grad?.value.rawNorm },
        number("clipped_norm", .grad, "‖ĝ‖₂ after clipping") { $0.grad?.value.clippedNorm },
        number("cosine", .grad, "cos∠(g, ĝ)") { $0.grad?.value.cosine },
        series("compare_loss", "i", .compare, json: "runs[].final_loss", "final loss of the i-th rule compared, from 0") { $0.compare?.value },
        series("sweep", "i", .sweep, json: "values", "the metric at the i-th point swept, from 0 (the first key typed varies slowest)") { $0.sweep?.value },
        number("cliff_loss", .cliff, json: "paths[0].loss", "final loss of the descent without clipping") { $0.cliff?.value.plain.loss },
        number("cliff_clipped_loss", .cliff, json: "paths[1].loss", "final loss of the clipped descent") { $0.cliff?.value.clipped.loss },
        number("cliff_step", .cliff, json: "paths[0].largest_step", "largest single step of the descent without clipping") { $0.cliff?.value.plain.largestStep },
        number("cliff_clipped_step", .cliff, json: "paths[1].largest_step", "largest single step of the clipped descent") { $0.cliff?.value.clipped.largestStep },
        truth("cliff_left", .cliff, json: "paths[0].left_the_map", "true when the descent without clipping left the map") { $0.cliff?.value.plain.leftTheMap },
        truth("cliff_clipped_left", .cliff, json: "paths[1].left_the_map", "true when the clipped descent left the map") { $0.cliff?.value.clipped.leftTheMap },
        number("mean_norm", .suggest, "mean ‖g‖₂ of the warm-up") { $0.suggest?.value },
        number("norms_count", .norms, json: "count", "how many finite norms the log holds") { $0.norms.map { Double($0.value.profile.summary.count) } },
        number("norms_nonfinite", .norms, json: "nonfinite", "how many of the log's norms are NaN or ∞ (left out of every other figure)") { $0.norms.map { Double($0.value.nonFinite) } },
        number("norms_mean", .norms, json: "mean", "the mean of the log's finite norms") { $0.norms?.value.profile.summary.mean },
        number("norms_p50", .norms, json: "p50", "the median of the log's finite norms (as numpy's np.percentile(x, 50))") { $0.norms?.value.profile.summary.median },
        number("norms_p90", .norms, json: "p90", "the 90th percentile of the log's finite norms") { $0.norms?.value.profile.summary.p90 },
        number("norms_p99", .norms, json: "p99", "the 99th percentile of the log's finite norms") { $0.norms?.value.profile.summary.p99 },
        number("norms_max", .norms, json: "max", "the largest finite norm of the log") { $0.norms?.value.profile.summary.largest },
        number("norms_decades", .norms, json: "decades", "log10(largest / smallest positive norm): how many decades the log's norms span") { $0.norms?.value.profile.summary.decades },
    ]

    static func named(_ name: String) -> ResultName? { all.first { $0.name == name } }

    /// The command that measures `name`, if it is a result.
    static func source(of name: String) -> ResultSource? { named(name)?.source }
}

extension Results {
    /// These results as progress saves them: each value under its name (from the table of names),
    /// and the settings each command measured with. A norm log is not saved: its numbers belong to
    /// a file, which load norms reads again.
    var saved: SavedResults {
        var saved = SavedResults()
        for result in ResultName.all where result.source != .norms {
            switch result.read(self) {
            case .scalar(.number(let x))?: saved.values[result.name] = .number(x)
            case .scalar(.bool(let b))?: saved.values[result.name] = .bool(b)
            case .scalar(.text(let t))?: saved.values[result.name] = .text(t)
            case .series(let values)?: saved.series[result.name] = values
            case nil: break
            }
        }
        saved.ran = ran.sorted()
        saved.checked = checked.isEmpty ? nil : checked.sorted()
        var overridden: [String: [String]] = [:], under: [String: SavedSettings] = [:]
        for source in ResultSource.allCases where source != .norms {
            guard let provenance = provenance(of: source) else { continue }
            under[source.rawValue] = provenance.settings.saved(clip: provenance.clip)
            if !provenance.overridden.isEmpty { overridden[source.rawValue] = provenance.overridden.sorted() }
        }
        saved.measuredUnder = under
        saved.overridden = overridden.isEmpty ? nil : overridden
        return saved
    }

    /// Results as progress saved them. A command whose settings were not saved (files from before
    /// they were) is taken to have measured with `fallback`, the settings saved with the step.
    init(saved: SavedResults, fallback: Provenance) {
        self.init()
        ran = Set(saved.ran)
        checked = Set(saved.checked ?? [])
        func number(_ name: String) -> Double? { if case .number(let x)? = saved.values[name] { x } else { nil } }
        func truth(_ name: String) -> Bool? { if case .bool(let b)? = saved.values[name] { b } else { nil } }
        func provenance(_ source: ResultSource) -> Provenance {
            let restored = saved.measuredUnder?[source.rawValue].flatMap { try? Settings.restore($0) }
                ?? saved.measuredWith[source.rawValue].flatMap { try? Commands.runSettings(Session(), $0) }
            guard let (settings, clip) = restored else { return fallback }
            return Provenance(settings: settings, clip: clip, overridden: Set(saved.overridden?[source.rawValue] ?? []))
        }
        if let loss = number("loss"), let norm = number("grad_norm"), let delta = saved.series["delta"] {
            bptt = Measured(value: BPTTMeasurement(loss: loss, gradientNorm: norm, deltaNorms: delta, jacobianNorms: saved.series["jac"],
                                                   cellDeltaNorms: saved.series["cell_delta"],
                                                   meanDerivative: number("mean_gate").flatMap { $0.isNaN ? nil : $0 } ?? number("mean_dphi") ?? .nan),
                            provenance: provenance(.bptt))
        }
        if let raw = number("raw_norm"), let clipped = number("clipped_norm"), let cosine = number("cosine") {
            grad = Measured(value: GradMeasurement(rawNorm: raw, clippedNorm: clipped, cosine: cosine), provenance: provenance(.grad))
        }
        if let final = number("final_loss"), let diverged = truth("diverged"), let rate = number("clip_rate"), let top = number("max_norm") {
            let at = number("diverged_at").flatMap { $0.isNaN ? nil : Int(exactly: $0) }
            train = Measured(value: TrainMeasurement(finalLoss: final, firstLoss: number("first_loss") ?? .nan, diverged: diverged,
                                                     divergedAt: at, clipRate: rate, maxNorm: top), provenance: provenance(.train))
        }
        if let losses = saved.series["compare_loss"] { compare = Measured(value: losses, provenance: provenance(.compare)) }
        if let values = saved.series["sweep"] { sweep = Measured(value: values, provenance: provenance(.sweep)) }
        if let loss = number("cliff_loss"), let step = number("cliff_step"), let left = truth("cliff_left"),
           let clippedLoss = number("cliff_clipped_loss"), let clippedStep = number("cliff_clipped_step"), let clippedLeft = truth("cliff_clipped_left") {
            cliff = Measured(value: CliffMeasurement(plain: .init(loss: loss, largestStep: step, leftTheMap: left),
                                                     clipped: .init(loss: clippedLoss, largestStep: clippedStep, leftTheMap: clippedLeft)),
                             provenance: provenance(.cliff))
        }
        if let mean = number("mean_norm") { suggest = Measured(value: mean, provenance: provenance(.suggest)) }
    }
}
