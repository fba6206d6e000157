import Render
import Lessons
import Simulator
import Synchronization

/// Everything the shell remembers between commands: settings, the clipping rule, and the model they
/// determine (built once per change of settings).
public struct Session: Sendable {
    public var settings = Settings()
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
    /// The session so far, for `transcript`, as text within a bound.
    public var transcript = Transcript()
    /// How many commands have run: each measurement records its number.
    public var commandsRun = 0
    /// The models (and their spectra) the last settings made; shared by copies of the session.
    let models = ModelCache()
    /// While `gradlab verify` runs a lesson: what its commands printed and what its text showed.
    var record: VerifyRecord?

    public init() {}

    /// What commands change: the settings, the clipping rule, the results and their count.
    var simulatorState: (Settings, ClipRule, Results, Int) {
        get { (settings, clipRule, results, commandsRun) }
        set { (settings, clipRule, results, commandsRun) = newValue }
    }

    /// The model the current settings describe.
    public func model() throws(ShellError) -> RNN { try models.model(for: settings) }

    /// ρ(W) and σ_max(W) of the current model, computed once per model.
    public func spectrum() throws(ShellError) -> SpectrumSummary { try models.spectrum(for: settings) }

    /// Where a measurement made now, with these settings, comes from.
    func provenance(_ settings: Settings, clip: ClipRule, overridden: Set<String> = []) -> Provenance {
        Provenance(settings: settings, clip: clip, overridden: overridden, order: commandsRun)
    }

    public var sample: Sample { settings.spec.sample() }

    /// The model other settings would give, without touching this session.
    public static func model(for settings: Settings) throws(ShellError) -> RNN {
        do { return try settings.spec.model(radius: radii.radius) } catch { throw ShellError(Commands.describe(error)) }
    }

    /// ρ of the matrices that `rho=` rescaled lately, shared by every session and thread: a sweep
    /// of 40 values of ρ by 40 of T rescales one matrix 1,600 times, and the fixed-order solver
    /// was two thirds of its time.
    static let radii = RadiusMemo()
}

/// ρ(W) from the fixed-order solver for the last few matrices asked about: the same bits, found
/// once. Matrices are told apart by every entry.
final class RadiusMemo: Sendable {
    static let capacity = 8
    private let entries = Mutex<[(matrix: Matrix, rho: Double)]>([])

    func radius(_ w: Matrix) -> Double {
        if let found = entries.withLock({ list in list.last { $0.matrix == w }?.rho }) { return found }
        let rho = Spectrum.reproducibleSpectralRadius(w)
        entries.withLock { list in
            list.removeAll { $0.matrix == w }
            list.append((w, rho))
            if list.count > Self.capacity { list.removeFirst(list.count - Self.capacity) }
        }
        return rho
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
    /// Told how long each command took (bench times the lesson commands this way).
    public var timed: (@Sendable (CommandCall, Duration) -> Void)?
    /// Runs `live` on the terminal: gets the view as it starts, gives it back as the learner
    /// leaves it. Nil when standard input or output is not a terminal (live then refuses).
    public var live: (@Sendable (LiveState) -> LiveState)?
    public init() {}
}


/// Models and their spectra, remembered by the settings that made them, so that ρ(W) and σ_max(W)
/// are computed once per model: a second `show` at n = 512 makes no LAPACK call. Copies of a
/// session (predict's experiments) share it; entries are keyed by the model's spec, so sharing is safe.
final class ModelCache: Sendable {
    private struct Entry {
        var spec: ModelSpec
        var model: RNN
        var spectrum: SpectrumSummary?
    }

    /// A few models, the most recent last: a session moves between a handful of settings.
    static let capacity = 4
    private let entries = Mutex<[Entry]>([])

    func model(for settings: Settings) throws(ShellError) -> RNN {
        let spec = settings.spec
        if let found = entries.withLock({ list in list.last { $0.spec == spec }?.model }) { return found }
        let model = try Session.model(for: settings)
        remember(Entry(spec: spec, model: model))
        return model
    }

    func spectrum(for settings: Settings) throws(ShellError) -> SpectrumSummary {
        let spec = settings.spec
        if let found = entries.withLock({ list in list.last { $0.spec == spec }?.spectrum }) { return found }
        let summary = SpectrumSummary(try model(for: settings))
        entries.withLock { list in
            if let i = list.lastIndex(where: { $0.spec == spec }) { list[i].spectrum = summary }
        }
        return summary
    }

    private func remember(_ entry: Entry) {
        entries.withLock { list in
            list.removeAll { $0.spec == entry.spec }
            list.append(entry)
            if list.count > Self.capacity { list.removeFirst(list.count - Self.capacity) }
        }
    }
}

/// ρ(W) = max |λ| and σ_max(W) = ‖W‖₂ of one model. A gated cell has a matrix a gate: ρ and σ_max
/// are then the largest over its gates (`eig` lists each gate's).
public struct SpectrumSummary: Sendable {
    public var rho: Double
    public var sigma: Double
    /// Whether these are the largest over a gated cell's gates.
    public var gated = false

    public init(rho: Double, sigma: Double) {
        self.rho = rho
        self.sigma = sigma
    }

    init(_ model: RNN) {
        guard model.cell != .rnn else {
            self.init(rho: Spectrum.spectralRadius(model.W), sigma: Spectrum.largestSingularValue(model.W))
            return
        }
        // NaN wins, as in a single matrix's ρ: a broken gate is never hidden behind a finite one.
        func largest(_ values: [Double]) -> Double { values.contains { $0.isNaN } ? .nan : values.max() ?? 0 }
        let gates = model.gateMatrices
        self.init(rho: largest(gates.map(Spectrum.spectralRadius)), sigma: largest(gates.map(Spectrum.largestSingularValue)))
        gated = true
    }

    /// How ρ is named: ρ(W), or max ρ(W_k) over a gated cell's gates.
    var rhoName: String { gated ? "max ρ(W_k)" : "ρ(W)" }
    var sigmaName: String { gated ? "max σ_max(W_k)" : "σ_max(W)" }
}
