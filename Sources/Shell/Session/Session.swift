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
    private var cached: RNN?

    public init() {}

    /// The model the current settings describe.
    public mutating func model() throws(ShellError) -> RNN {
        if let cached { return cached }
        do {
            let model = try settings.spec.model()
            cached = model
            return model
        } catch {
            throw ShellError(error.description)
        }
    }

    public var sample: Sample { settings.spec.sample() }
}

/// The link between long commands and the terminal: a stop request (Ctrl-C) and a progress report.
public struct Runtime: Sendable {
    public var shouldStop: @Sendable () -> Bool = { false }
    /// (what, done, total), called as work proceeds; the driver draws a progress bar on a terminal.
    public var progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    /// Run sweeps and comparisons on one thread instead of every core (to check that it changes nothing).
    public var serial = false
    public init() {}
}

/// The names the calculator knows, read from a session.
struct SessionNames: ExpressionEnvironment {
    let session: Session
    let model: RNN?

    init(_ session: inout Session) {
        self.model = try? session.model()
        self.session = session
    }

    static let descriptions: [(String, String)] = [
        ("n", "hidden size"),
        ("T", "sequence length"),
        ("rho", "spectral radius ρ(W) of the current W"),
        ("sigma_max", "largest singular value σ_max(W) = ‖W‖₂"),
        ("seed", "the random seed"),
        ("tau", "the clipping threshold τ (when a rule is set)"),
        ("pi", "π"),
        ("e", "Euler's number"),
    ]

    var names: [String] { Self.descriptions.map(\.0) }

    func value(of name: String) throws(ShellError) -> Double? {
        let settings = session.settings
        switch name {
        case "n": return Double(settings.n)
        case "T": return Double(settings.T)
        case "seed": return Double(settings.seed)
        case "pi": return Double.pi
        case "e": return 2.718_281_828_459_045
        case "rho", "sigma_max":
            guard let model else { throw ShellError("'\(name)' is unknown because the model cannot be built: \(settingsProblem())") }
            return name == "rho" ? Spectrum.spectralRadius(model.W) : Spectrum.largestSingularValue(model.W)
        case "tau":
            guard let tau = session.clipRule.threshold else { throw ShellError("'tau' has no value: no clipping rule is set (try clip norm 1)") }
            return tau
        default: return nil
        }
    }

    private func settingsProblem() -> String {
        var copy = session
        do { _ = try copy.model(); return "" } catch { return error.message }
    }
}
