import Lessons
import Simulator

/// Everything the shell remembers between commands: settings, the clipping rule, and the model they
/// determine (built once per change of settings).
public struct Session: Sendable {
    public var settings = Settings() {
        didSet { if settings != oldValue { cached = nil } }
    }
    public var clipRule: ClipRule = .none
    /// How long commands learn that the learner wants them stopped, and where they report progress.
    public var runtime = Runtime()
    /// The last results of each command, for expressions.
    public var results = Results()
    /// Every prediction of the session, in order.
    public var notebook: [NotebookEntry] = []
    /// The lessons there are (built in and loaded), the one running, and every lesson's progress.
    public var catalog = LessonCatalog()
    public var lesson: LessonState?
    public var book = ProgressBook()
    /// The session so far, for `transcript`.
    public var transcript: [TranscriptEntry] = []
    private var cached: RNN?

    public init() {}

    /// The model the current settings describe.
    public mutating func model() throws(ShellError) -> RNN {
        if let cached { return cached }
        let model = try Self.model(for: settings)
        cached = model
        return model
    }

    public var sample: Sample { settings.spec.sample() }

    /// The model other settings would give, without touching this session.
    public static func model(for settings: Settings) throws(ShellError) -> RNN {
        do { return try settings.spec.model() } catch { throw ShellError(error.description) }
    }
}

/// How long-running commands learn that the learner wants them stopped (Ctrl-C), and where they
/// report their progress.
public struct Runtime: Sendable {
    public var shouldStop: @Sendable () -> Bool = { false }
    /// (what, done, total), called as work proceeds; the driver draws a progress bar on a terminal.
    public var progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    /// Run sweeps and comparisons on one thread instead of every core (to check that it changes nothing).
    public var serial = false
    public init() {}
}

/// What the last run of each command measured, for expressions (`check`, `predict`, lessons).
public struct Results: Sendable {
    public var ran: Set<String> = []
    public var values: [String: ExpressionValue] = [:]
    public var series: [String: [Double]] = [:]
    /// The settings each command's results were measured with.
    public var measuredWith: [String: Settings] = [:]

    public init() {}

    /// Every result name: what it means and which command gives it.
    static let names: [(name: String, meaning: String, source: String)] = [
        ("loss", "the loss of the one example", "bptt"),
        ("grad_norm", "‖∇L‖₂ over every parameter", "bptt"),
        ("delta[t]", "‖∂L/∂h_t‖₂ for t = 0…T", "bptt"),
        ("jac[t]", "‖∂h_T/∂h_t‖₂ for t = 0…T", "bptt"),
        ("final_loss", "mean loss over the last tenth of the steps applied (before a NaN stopped the run)", "train"),
        ("first_loss", "the loss of the first step", "train"),
        ("diverged", "true when a step's loss or gradient was NaN or Inf", "train"),
        ("diverged_at", "the first such step (NaN when none)", "train"),
        ("clip_rate", "fraction of the steps that were clipped", "train"),
        ("max_norm", "the largest finite gradient norm", "train"),
        ("raw_norm", "‖g‖₂ before clipping", "grad"),
        ("clipped_norm", "‖ĝ‖₂ after clipping", "grad"),
        ("cosine", "cos∠(g, ĝ)", "grad"),
        ("compare_loss[i]", "final loss of the i-th rule compared, from 0", "compare"),
        ("sweep[i]", "the metric at the i-th point swept, from 0 (the first key typed varies slowest)", "sweep"),
        ("cliff_loss", "final loss of the descent without clipping", "cliff"),
        ("cliff_clipped_loss", "final loss of the clipped descent", "cliff"),
        ("cliff_step", "largest single step of the descent without clipping", "cliff"),
        ("cliff_clipped_step", "largest single step of the clipped descent", "cliff"),
        ("cliff_left", "true when the descent without clipping left the map", "cliff"),
        ("cliff_clipped_left", "true when the clipped descent left the map", "cliff"),
        ("mean_norm", "mean ‖g‖₂ of the warm-up", "suggest"),
    ]

    /// A name as expressions write it: `delta` for the series `delta[t]`.
    static func bare(_ name: String) -> String {
        guard name.hasSuffix("]"), let open = name.firstIndex(of: "[") else { return name }
        return String(name[..<open])
    }

    static func isSeries(_ name: String) -> Bool { bare(name) != name }

    /// Keeps what a training run measured.
    mutating func record(_ run: TrainingRun, settings: Settings) {
        measuredWith["train"] = settings
        values["final_loss"] = .number(run.finalLoss)
        values["first_loss"] = .number(run.records.first?.loss ?? .nan)
        values["diverged"] = .bool(run.diverged)
        values["diverged_at"] = .number(run.firstNonFiniteStep.map(Double.init) ?? .nan)
        values["clip_rate"] = .number(run.clipRate)
        values["max_norm"] = .number(run.maxNorm)
    }

    /// The command that measures `name` (a plain name or a series), if any.
    static func source(of name: String) -> String? {
        names.first { bare($0.name) == name }?.source
    }
}

/// The names expressions know, read from a session: its settings and its last results.
/// Reading them never changes the session.
struct SessionNames: ExpressionEnvironment {
    let session: Session
    /// The current model, or why the settings cannot make one.
    let model: Result<RNN, ShellError>

    init(_ session: inout Session) {
        do throws(ShellError) { model = .success(try session.model()) } catch { model = .failure(error) }
        self.session = session
    }

    /// Names that come from the settings (and constants), with their meaning.
    static let settingNames: [(String, String)] = [
        ("n", "hidden size"),
        ("T", "sequence length"),
        ("rho", "spectral radius ρ(W) of the current W"),
        ("sigma_max", "largest singular value σ_max(W) = ‖W‖₂"),
        ("seed", "the random seed"),
        ("tau", "the clipping threshold τ (when a rule is set)"),
        ("clip", "the clipping rule's mode: \"none\", \"norm\", \"value\", \"tensor\", \"agc\" or \"signal\""),
        ("act", "activation: \"tanh\", \"linear\", \"relu\" or \"sigmoid\""),
        ("init", "how W is drawn: \"gaussian\", \"orthogonal\", \"identity\" or \"literal\""),
        ("task", "the task: \"regress\", \"adding\", \"order\" or \"memory\""),
        ("optim", "the optimizer: \"sgd\", \"adagrad\" or \"adam\""),
        ("nonfinite", "what training does with a NaN step: \"stop\", \"skip:N\" or \"propagate\""),
        ("lr", "learning rate"),
        ("momentum", "SGD momentum"),
        ("batch", "sequences per training step"),
        ("steps", "training steps"),
        ("pi", "π (constant)"),
        ("e", "Euler's number (constant)"),
    ]

    /// Every name with its meaning and where it comes from, for `help expressions`.
    static var descriptions: [(String, String)] {
        settingNames.map { ($0.0, $0.1.hasSuffix("(constant)") ? $0.1 : $0.1 + " (setting)") } + Results.names.map { ($0.name, "\($0.meaning) (from \($0.source))") }
    }

    var names: [String] { Self.descriptions.map(\.0) }

    func value(of name: String) throws(ShellError) -> ExpressionValue? {
        let settings = session.settings
        switch name {
        case "n": return .number(Double(settings.n))
        case "T": return .number(Double(settings.T))
        case "seed": return .number(Double(settings.seed))
        case "act": return .text(settings.act.rawValue)
        case "init": return .text(settings.initialization.name)
        case "task": return .text(settings.task.rawValue)
        case "optim": return .text(settings.optimizer.rawValue)
        case "lr": return .number(settings.lr)
        case "momentum": return .number(settings.momentum)
        case "batch": return .number(Double(settings.batch))
        case "steps": return .number(Double(settings.steps))
        case "pi": return .number(Double.pi)
        case "e": return .number(2.718_281_828_459_045)
        case "rho", "sigma_max":
            let model: RNN
            switch self.model {
            case .success(let built): model = built
            case .failure(let problem): throw ShellError("'\(name)' is unknown because the model cannot be built: \(problem.message)")
            }
            return .number(name == "rho" ? Spectrum.spectralRadius(model.W) : Spectrum.largestSingularValue(model.W))
        case "clip": return .text(session.clipRule.mode)
        case "nonfinite": return .text(settings.nonFiniteSpec)
        case "tau":
            guard let tau = session.clipRule.threshold else { throw ShellError("'tau' has no value: no clipping rule is set (try clip norm 1)") }
            return .number(tau)
        default:
            if let value = session.results.values[name] { return value }
            if let source = Results.source(of: name), Results.names.contains(where: { $0.name == name }) {
                throw ShellError("'\(name)' comes from \(source), which has not run yet; run \(source) first\(Commands.predictRuns.contains(source) ? ", or let predict run it" : "")")
            }
            return nil
        }
    }

    func series(_ name: String) throws(ShellError) -> [Double]? {
        if let values = session.results.series[name] { return values }
        if name == "jac", session.results.series["delta"] != nil {
            throw ShellError("jac[…] was not measured: bptt leaves out the Jacobian products when T·n³ is over \(NumberFormat.short(Limits.cubicWork)); use a smaller n or T")
        }
        if let source = Results.source(of: name), Results.names.contains(where: { Results.isSeries($0.name) && Results.bare($0.name) == name }) {
            throw ShellError("'\(name)[…]' comes from \(source), which has not run yet; run \(source) first\(Commands.predictRuns.contains(source) ? ", or let predict run it" : "")")
        }
        return nil
    }

    func ran(_ verb: String) throws(ShellError) -> Bool {
        guard Commands.find(verb) != nil else {
            throw ShellError("ran(\"\(verb)\"): there is no command \(verb)\(Suggest.didYouMean(verb, among: Commands.all.map(\.name), otherwise: "help lists the commands"))")
        }
        return session.results.ran.contains(Commands.find(verb)!.name)
    }
}

extension Results {
    /// These results as progress saves them.
    var saved: SavedResults {
        var saved = SavedResults()
        for (name, value) in values {
            switch value {
            case .number(let x): saved.values[name] = .number(x)
            case .bool(let b): saved.values[name] = .bool(b)
            case .text(let t): saved.values[name] = .text(t)
            }
        }
        saved.series = series
        saved.ran = ran.sorted()
        saved.measuredWith = measuredWith.mapValues { $0.exactWords(clip: .none) }
        return saved
    }

    /// Results as progress saved them (settings that no longer read are left out).
    init(saved: SavedResults) {
        self.init()
        for (name, value) in saved.values {
            switch value {
            case .number(let x): values[name] = .number(x)
            case .bool(let b): values[name] = .bool(b)
            case .text(let t): values[name] = .text(t)
            }
        }
        series = saved.series
        ran = Set(saved.ran)
        for (command, words) in saved.measuredWith {
            if let (settings, _) = try? Commands.runSettings(Session(), words) { measuredWith[command] = settings }
        }
    }
}
