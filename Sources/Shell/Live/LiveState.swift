import Foundation
import Render
import Simulator

/// Everything `live` shows and keeps, and what each key does to it. Pure: the terminal driver feeds
/// it keys and draws `screen`, and `live --keys` does the same without a terminal.
public struct LiveState: Sendable {
    public let view: LiveView
    /// The knobs now, and as live found them (`r` goes back to these).
    public internal(set) var now: LiveSettings
    let start: LiveSettings
    /// Which knob ←→ move.
    var focus = 0
    /// A value being typed for the chosen knob (Enter sets it, Esc drops it).
    var typing: String?
    /// One line under the view: the last error, or what a key did.
    var message: String?
    var showingKeys = false
    /// Set by q, Esc or Ctrl-C.
    public internal(set) var finished = false
    /// What the view measured for the knobs now.
    var measured: LiveMeasurement?
    /// The train view's run, which a thread of the driver (or `tick`) advances.
    public internal(set) var training: LiveTraining?
    /// The last error of a measurement, shown in place of the view.
    var failure: String?
    /// The terminal's size at the last frame drawn: the snapshot left on the screen is laid out for it.
    public var rows = 30
    public var columns = 100
    /// Whether a thread of the driver runs training (interactive), or the keys do (a key script).
    let threaded: Bool

    init(view: LiveView, settings: Settings, clip: ClipRule, drawnRho: Double, threaded: Bool) {
        self.view = view
        self.threaded = threaded
        now = LiveSettings(settings: settings, clip: clip, drawnRho: drawnRho)
        start = now
        measure()
    }

    /// The view on the session's settings and rule. `threaded`: a thread of the driver will run
    /// training (interactive); else only the keys do (a key script, bench).
    public static func start(_ view: LiveView, in session: Session, threaded: Bool) throws(ShellError) -> LiveState {
        LiveState(view: view, settings: session.settings, clip: session.clipRule, drawnRho: try session.spectrum().rho, threaded: threaded)
    }

    var knobs: [LiveKnob] { LiveKnob.knobs(view) }

    /// Whether training plays (the train view only).
    public var playing: Bool { training?.playing ?? false }

    /// Does what `key` asks. A typed value goes to the chosen knob on Enter.
    public mutating func press(_ key: LiveKey) {
        if showingKeys && key != .interrupt {
            showingKeys = false
            if key == .character("?") || key == .escape { return }
        }
        if let typed = typing {
            switch key {
            case .enter:
                typing = nil
                guard let type = knobs[focus].type else { return }
                change { s throws(ShellError) in try type(&s, typed) }
                return
            case .escape:
                typing = nil
                message = nil
                return
            case .backspace:
                typing = typed.isEmpty ? nil : String(typed.dropLast())
                return
            case .interrupt:
                finished = true
                return
            case .character(let c) where Self.typable(c):
                typing = typed + String(c)
                return
            default:
                typing = nil  // any other key leaves the value untyped and does its own thing
            }
        }
        switch key {
        case .tab, .down: focus = (focus + 1) % knobs.count
        case .backTab, .up: focus = (focus + knobs.count - 1) % knobs.count
        case .left: nudge(-1)
        case .right: nudge(1)
        case .shiftLeft: nudge(-10)
        case .shiftRight: nudge(10)
        case .character("q"), .escape, .interrupt: finished = true
        case .character("?"): showingKeys = true
        case .character("r"): reset()
        case .space:
            guard let training else { message = "space plays and pauses training, in the train view"; return }
            training.playing.toggle()
        case .character(".") where training == nil && knobs[focus].type != nil:
            typing = "."  // a number typed as .05; only the train view steps on .
        case .character("."):
            guard let training else { message = ". steps training once, in the train view"; return }
            training.playing = false
            if training.threaded { training.requestStep() } else { training.advance(steps: 1) }
        case .character(let c) where c.isASCII && (c.isNumber || c == "-"):
            guard knobs[focus].type != nil else { message = "\(knobs[focus].name) is a choice: ← and → go through it"; return }
            typing = String(c)
        case .wait: tick()
        default: break
        }
    }

    /// Characters that make up a typed number.
    static func typable(_ c: Character) -> Bool { c.isASCII && (c.isNumber || "+-.eE".contains(c)) }

    /// A tenth of a second of play, for a key script: the run advances by that much while it plays.
    public mutating func tick() {
        guard let training, training.playing, !training.threaded else { return }
        training.advance(steps: max(1, Int((now.speed / 10).rounded())))
    }

    mutating func nudge(_ by: Int) {
        let knob = knobs[focus]
        change { s throws(ShellError) in try knob.nudge(&s, by) }
    }

    /// Applies a change to the knobs and measures again; a refused change leaves them as they were
    /// and says why.
    mutating func change(_ body: (inout LiveSettings) throws(ShellError) -> Void) {
        var next = now
        do throws(ShellError) {
            try body(&next)
        } catch {
            message = error.message
            return
        }
        message = nil
        guard next != now else { return }
        now = next
        measure()
    }

    /// r: the knobs as live found them; the train view starts its run again from fresh weights.
    mutating func reset() {
        now = start
        message = "back to the settings live started with"
        training = nil
        measure()
    }

    /// Measures what the view shows for the knobs now (the train view hands lr, τ and the rule to
    /// its run, which keeps its weights).
    mutating func measure() {
        failure = nil
        do throws(ShellError) {
            switch view {
            case .bptt: measured = .bptt(try BPTTLive(now.settings))
            case .clip: measured = .clip(ClipLive(now))
            case .cliff:
                if case .cliff(let last)? = measured { measured = .cliff(CliffLive(now, surface: last.landscape.surface)) } else { measured = .cliff(CliffLive(now)) }
            case .train:
                if let training {
                    training.reconfigure(now.settings.trainingConfig(clip: now.rule))
                } else {
                    let setup = try Commands.trainingSetup(Session(), now.settings, clip: now.rule)
                    training = LiveTraining(model: setup.0, task: setup.1, config: setup.2, threaded: threaded)
                }
            }
        } catch {
            failure = error.message
            measured = nil
        }
    }

    /// The values live changed, before and after.
    var changes: [LiveChange] {
        var out = Settings.differences(start.settings, start.rule, now.settings, now.rule).map { name in
            LiveChange(name: name, before: Settings.shown(name, start.settings, clip: start.rule), after: Settings.shown(name, now.settings, clip: now.rule), kept: true)
        }
        let named = Set(out.map(\.name)), ruleChanged = named.contains("clip")
        // The view's own knobs, and τ where the rule did not change with it (no rule: τ is the view's alone).
        for knob in knobs where !named.contains(knob.name) && !(ruleChanged && (knob.name == "tau" || knob.name == "clip")) {
            let (before, after) = (knob.value(start), knob.value(now))
            if before != after { out.append(LiveChange(name: knob.name, before: before, after: after, kept: false)) }
        }
        return out
    }
}

/// One value live changed. `kept` is false for the view's own knobs (g1, w, speed; τ while there is
/// no rule), which the session does not keep.
struct LiveChange: Sendable {
    let name: String
    let before: String
    let after: String
    let kept: Bool
}

/// What a view measured, for its frame and for the results live leaves behind.
enum LiveMeasurement: Sendable {
    case bptt(BPTTLive)
    case clip(ClipLive)
    case cliff(CliffLive)
}

/// One BPTT pass, the spectrum of W and its eigenvalues.
struct BPTTLive: Sendable {
    let settings: Settings
    let result: BPTTResult
    let spectrum: SpectrumSummary
    let eigenvalues: [(re: Double, im: Double)]

    init(_ settings: Settings) throws(ShellError) {
        self.settings = settings
        let model = try Session.model(for: settings)
        result = try Commands.measureBPTT(model, settings, jacobians: Commands.jacobiansAffordable(settings), shouldStop: { false })
        spectrum = SpectrumSummary(model)
        let matrices = model.cell == .rnn ? [model.W] : model.gateMatrices
        eigenvalues = matrices.flatMap { Spectrum.eigenvalues($0).map { (re: $0.real, im: $0.imaginary) } }
    }

    /// (‖δ_0‖ / ‖δ_T‖)^(1/T): the error's mean growth per step back.
    var growthPerStep: Double {
        let norms = result.deltaNorms
        guard norms.count > 1, let last = norms.last, last > 0 else { return .nan }
        return pow(norms[0] / last, 1 / Double(norms.count - 1))
    }
}

/// The clip view: g = (g₁, g₂), one tensor of a model whose other tensors have the norm `others`,
/// under the three rules at τ.
struct ClipLive: Sendable {
    let gradient: [Double]
    let others: Double
    let tau: Double
    /// norm, value, tensor: what each makes of g.
    let outcomes: [(name: String, rule: ClipRule, clipped: [Double], cosine: Double)]

    init(_ s: LiveSettings) {
        gradient = s.gradient
        others = s.others
        tau = s.tau
        let tensors = [s.gradient, [s.others]]
        let rules: [(String, ClipRule)] = [("norm", .norm(threshold: s.tau)), ("value", .value(threshold: s.tau)), ("tensor", .tensor(threshold: s.tau))]
        outcomes = rules.map { name, rule in
            let outcome = Clipper.clip(tensors, rule: rule, shapes: [(2, 1), (1, 1)])
            let out = outcome.output[0]
            return (name, rule, out, ClipLive.cosine(s.gradient, out))
        }
    }

    /// cos∠(a, b) in the plane of g.
    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        let dot = a[0] * b[0] + a[1] * b[1]
        return dot / (hypot(a[0], a[1]) * hypot(b[0], b[1]))
    }

    /// ‖g‖₂ over every tensor: what norm clipping compares with τ.
    var globalNorm: Double { hypot(hypot(gradient[0], gradient[1]), others) }
}

/// The cliff view: the surface and the descents from the start, without clipping and with the rule.
struct CliffLive: Sendable {
    let landscape: CliffLandscape

    /// `surface`: the one measured before (it does not move with the knobs). The map and the steps
    /// are the cliff command's defaults.
    init(_ s: LiveSettings, surface: [[Double]]? = nil) {
        landscape = CliffLandscape(start: (s.cliffW, s.cliffB), lr: s.cliffLR, steps: 60, rule: s.cliffRule,
                                   wRange: 2.0...8.0, bRange: -5.0...0.0, surface: surface)
    }
}
