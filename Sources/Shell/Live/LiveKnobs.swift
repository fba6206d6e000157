import Foundation
import Render
import Simulator

/// The views of `live`.
public enum LiveView: String, CaseIterable, Sendable {
    /// The error and the Jacobian norms over t, the growth per step, the eigenvalues of W.
    case bptt
    /// A 2-D gradient and what norm, value and per-tensor clipping make of it.
    case clip
    /// Training streamed: the loss and the gradient norms, played, paused or stepped.
    case train
    /// Pascanu's cliff: the surface and two descents from one start.
    case cliff

    /// What the view shows, for help.
    public var summary: String {
        switch self {
        case .bptt: "‖∂L/∂h_t‖ and ‖∂h_T/∂h_t‖ over t, the growth per step beside ρ(W), the eigenvalues of W on the unit circle"
        case .clip: "a 2-D gradient and its norm-, value- and per-tensor-clipped versions as arrows, with the cosines and norms"
        case .train: "the loss and ‖g‖ before and after clipping as training runs; play, pause, step; lr, τ and the rule change mid-run"
        case .cliff: "Pascanu's cliff: the loss surface and the descents with and without clipping, as lr, τ and the start move"
        }
    }
}

/// What `live` changes as it runs: the session's settings and clipping rule, and the knobs of its
/// own that no setting holds (the clip view's gradient, the cliff's start and rate, the speed of play).
public struct LiveSettings: Sendable, Equatable {
    public var settings: Settings
    /// The clipping rule's mode (its τ is `tau`).
    public var clip: ClipRule
    /// τ of the rule (λ for agc); 1 when the session has no rule.
    public var tau: Double
    /// ρ(W) of the W drawn (for rho=none): where nudging ρ starts from.
    var drawnRho: Double
    /// The clip view: the tensor g = (g₁, g₂) drawn, and the 2-norm of the model's other tensors.
    public var gradient = [3.0, 1.0]
    public var others = 2.0
    /// The cliff's start and learning rate: its own, as the cliff command's (defaults 5, −2.6, 0.01).
    public var cliffW = 5.0
    public var cliffB = -2.6
    public var cliffLR = 0.01
    /// Training steps a second while the train view plays.
    public var speed = 100.0

    init(settings: Settings, clip: ClipRule, drawnRho: Double) {
        self.settings = settings
        self.clip = clip
        self.tau = clip.threshold ?? 1
        self.drawnRho = drawnRho
    }

    /// The clipping rule with τ: what the session keeps afterwards.
    public var rule: ClipRule { clip.with(threshold: tau) ?? .none }

    /// The rule the cliff's clipped descent uses: the session's, or norm clipping at τ when there is none.
    var cliffRule: ClipRule { rule == .none ? .norm(threshold: tau) : rule }
}

/// One setting `live` can change: chosen with Tab or ↑↓, nudged with ←→ (Shift for more), or typed.
/// A knob of a setting reads and checks it through that setting's own key (`Settings.key`), so its
/// bounds and messages are `set`'s.
struct LiveKnob: Sendable {
    /// The name, as `set` (or the view's own word) writes it.
    let name: String
    /// What the step of ←→ is, for the keys' help: "±0.01 (Shift ±0.1)".
    let steps: String
    let value: @Sendable (LiveSettings) -> String
    /// Moves the value `by` small steps (±1) or big ones (±10); throws the key's own sentence at a bound.
    let nudge: @Sendable (inout LiveSettings, Int) throws(ShellError) -> Void
    /// Sets a typed value; nil for a knob of named choices (←→ go through them).
    let type: (@Sendable (inout LiveSettings, String) throws(ShellError) -> Void)?

    /// The knobs of each view, in the order Tab goes through them.
    static func knobs(_ view: LiveView) -> [LiveKnob] {
        switch view {
        case .bptt: [setting("rho", linear: 0.01), setting("T", linear: 1), choice("act"), setting("n", linear: 1)]
        case .clip: [own("g1", linear: 0.1, \.gradient[0]), own("g2", linear: 0.1, \.gradient[1]), tauKnob,
                     own("others", linear: 0.1, \.others, least: 0)]
        case .train: [setting("lr", factor: 1.25), tauKnob, modeKnob, own("speed", factor: 2, \.speed, least: 1, most: 10_000)]
        case .cliff: [own("lr", factor: 1.25, \.cliffLR, least: 1e-6, most: 1000), tauKnob, own("w", linear: 0.1, \.cliffW, least: -1000, most: 1000),
                      own("b", linear: 0.1, \.cliffB, least: -1000, most: 1000)]
        }
    }

    /// A number of the settings, read and checked by its key; ←→ add `linear` (Shift ten times
    /// it) or multiply by `factor` (Shift its fifth power).
    static func setting(_ name: String, linear: Double? = nil, factor: Double? = nil) -> LiveKnob {
        let read: @Sendable (LiveSettings) -> Double = { s in
            name == "rho" ? (s.settings.rho ?? s.drawnRho) : Settings.number(name, s.settings)
        }
        let assign: @Sendable (inout LiveSettings, Double) throws(ShellError) -> Void = { s, x throws(ShellError) in
            var settings = s.settings
            let key = try Settings.key(name)
            try key.assign(try key.parse(number: x), to: &settings)
            try settings.validate()
            s.settings = settings
        }
        return LiveKnob(name: name, steps: stepsText(linear: linear, factor: factor),
                        value: { s in Settings.shown(name, s.settings, clip: s.clip) == "none" ? NumberFormat.short(read(s)) : Settings.shown(name, s.settings, clip: s.clip) },
                        nudge: { s, by throws(ShellError) in
                            let x = moved(read(s), by: by, linear: linear, factor: factor)
                            try assign(&s, linear == 1 ? x.rounded() : x)
                        },
                        type: { s, text throws(ShellError) in try assign(&s, try Literal.number(text, for: name)) })
    }

    /// A setting of named choices (act): ←→ go through the names its key completes.
    static func choice(_ name: String) -> LiveKnob {
        LiveKnob(name: name, steps: "the next choice", value: { Settings.shown(name, $0.settings, clip: $0.clip) },
                 nudge: { s, by throws(ShellError) in
                     let key = try Settings.key(name)
                     let names = key.completions, now = key.show(s.settings)
                     let index = names.firstIndex(of: now) ?? 0
                     var settings = s.settings
                     try key.apply(names[((index + by.signum()) % names.count + names.count) % names.count], to: &settings)
                     s.settings = settings
                 }, type: nil)
    }

    /// τ of the clipping rule, checked as a run's tau= is.
    static let tauKnob = LiveKnob(
        name: "tau", steps: stepsText(linear: nil, factor: 1.25), value: { NumberFormat.short($0.tau) },
        nudge: { s, by throws(ShellError) in s.tau = try checkedTau(moved(s.tau, by: by, linear: nil, factor: 1.25)) },
        type: { s, text throws(ShellError) in s.tau = try checkedTau(try Literal.number(text, for: "tau")) })

    static func checkedTau(_ x: Double) throws(ShellError) -> Double {
        guard case .number(let tau) = try Settings.Assignment.Target.tau.parse(number: x) else { return x }
        return tau
    }

    /// The clipping rule's mode: none, norm, value or tensor (τ kept).
    static let modes = ["none", "norm", "value", "tensor"]
    static let modeKnob = LiveKnob(
        name: "clip", steps: "the next rule", value: { $0.clip.mode },
        nudge: { s, by throws(ShellError) in
            let index = modes.firstIndex(of: s.clip.mode) ?? 0
            let mode = modes[((index + by.signum()) % modes.count + modes.count) % modes.count]
            s.clip = mode == "none" ? .none : try Commands.parseClipSpec("\(mode):\(NumberFormat.full(s.tau))")
        }, type: nil)

    /// A number of live's own, within `least`…`most`.
    static func own(_ name: String, linear: Double? = nil, factor: Double? = nil, _ path: WritableKeyPath<LiveSettings, Double> & Sendable,
                    least: Double = -1e6, most: Double = 1e6) -> LiveKnob {
        let assign: @Sendable (inout LiveSettings, Double) throws(ShellError) -> Void = { s, x throws(ShellError) in
            guard x.isFinite, x >= least, x <= most else {
                throw ShellError("\(name) must be from \(NumberFormat.short(least)) to \(NumberFormat.short(most)), not \(NumberFormat.short(x))")
            }
            s[keyPath: path] = x
        }
        return LiveKnob(name: name, steps: stepsText(linear: linear, factor: factor), value: { NumberFormat.short($0[keyPath: path]) },
                        nudge: { s, by throws(ShellError) in try assign(&s, moved(s[keyPath: path], by: by, linear: linear, factor: factor)) },
                        type: { s, text throws(ShellError) in try assign(&s, try Literal.number(text, for: name)) })
    }

    /// `x` moved `by` steps: added `linear` each, or multiplied by `factor` each; rounded to four
    /// significant digits so that nudged values read back as typed.
    static func moved(_ x: Double, by: Int, linear: Double?, factor: Double?) -> Double {
        let raw = linear.map { x + Double(by) * $0 } ?? x * pow(factor ?? 1, Double(by))
        guard raw != 0, raw.isFinite else { return raw }
        let scale = pow(10, 3 - floor(log10(abs(raw))))
        return (raw * scale).rounded() / scale
    }

    static func stepsText(linear: Double?, factor: Double?) -> String {
        if let linear { return "±\(NumberFormat.short(linear)) (Shift ±\(NumberFormat.short(10 * linear)))" }
        let f = factor ?? 1
        return "×\(NumberFormat.short(f)) (Shift ×\(NumberFormat.short(pow(f, 10).rounded())))"
    }
}

extension Settings {
    /// A numeric setting's value, by name, through its key (0 for one that is not a number).
    static func number(_ name: String, _ settings: Settings) -> Double {
        switch keys.first(where: { $0.name == name })?.json(settings) {
        case .integer(let i)?: Double(i)
        case .number(let x)?: x
        default: 0
        }
    }
}
