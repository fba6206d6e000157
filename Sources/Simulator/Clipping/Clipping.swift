/// A rule that bounds a gradient before the update.
///
/// Every rule follows its published semantics to the rounding and the edge case, NaN and ∞
/// included; the rules' own files cite the source lines they reproduce.
public enum ClipRule: Sendable, Equatable {
    case none
    /// Global norm clipping, with ‖g‖_p taken over all tensors together, in the edge behaviour of
    /// `style` (see `NormClipStyle`). gradlab's own style: g ← g · τ/‖g‖_p when ‖g‖_p > τ, no epsilon,
    /// and a norm that does not overflow before the true norm does. tf and optax have only p = 2.
    case norm(threshold: Double, order: NormOrder = .two, style: NormClipStyle = .gradlab)
    /// Value clipping: every component clamped to [−τ, τ]; NaN stays NaN, ±Inf becomes ±τ.
    case value(threshold: Double)
    /// Per-tensor norm clipping (Keras `clipnorm`): `tf.clip_by_norm` applied to each tensor on its own,
    /// t ← t·τ / max(‖t‖₂, τ).
    case tensor(threshold: Double)
    /// Adaptive gradient clipping (Brock et al. 2021; optax `adaptive_grad_clip`): each unit's
    /// gradient is rescaled to λ·max(‖w‖₂, 10⁻³) when its norm reaches that, unit by unit. Needs the
    /// parameters.
    case agc(lambda: Double)
    /// Element-wise clipping of the back-propagated error δ_t inside BPTT (Mikolov's RNNLM). It
    /// happens during backpropagation; a finished gradient passes `Clipper` unchanged.
    case signal(threshold: Double)

    /// The ε of adaptive gradient clipping: a unit's allowed norm is λ·max(‖w‖, ε), so that
    /// zero-initialised parameters can still move (optax's default `eps=1e-3`, fixed here).
    public static let agcEpsilon = 1e-3

    /// A threshold must be a positive, finite number: τ ≤ 0 would flip or erase the gradient.
    public static func checkThreshold(_ tau: Double) throws(ClipError) {
        guard tau.isFinite else { throw .thresholdNotFinite(tau) }
        guard tau > 0 else { throw .thresholdNotPositive(tau) }
    }

    /// Whether the rule can be applied as written: a positive finite τ (or λ), and a norm order that
    /// the chosen style has. `Clipper` still applies a rule that fails this (a tf or optax style with
    /// p ≠ 2 uses the 2-norm, as those frameworks do), but the shell refuses it.
    public func validate() throws(ClipError) {
        switch self {
        case .none:
            return
        case .norm(let tau, let order, let style):
            try Self.checkThreshold(tau)
            guard style.orders.contains(order) else { throw .orderUnavailable(style, order) }
        case .value(let tau), .tensor(let tau), .signal(let tau):
            try Self.checkThreshold(tau)
        case .agc(let lambda):
            guard lambda.isFinite else { throw .ratioNotFinite(lambda) }
            guard lambda > 0 else { throw .ratioNotPositive(lambda) }
        }
    }

    /// τ, or λ for adaptive clipping; nil for no rule.
    public var threshold: Double? {
        switch self {
        case .none: nil
        case .norm(let tau, _, _), .value(let tau), .tensor(let tau), .signal(let tau): tau
        case .agc(let lambda): lambda
        }
    }

    /// The same rule with another τ (λ for adaptive clipping); nil for no rule.
    public func with(threshold tau: Double) -> ClipRule? {
        switch self {
        case .none: nil
        case .norm(_, let order, let style): .norm(threshold: tau, order: order, style: style)
        case .value: .value(threshold: tau)
        case .tensor: .tensor(threshold: tau)
        case .agc: .agc(lambda: tau)
        case .signal: .signal(threshold: tau)
        }
    }

    /// The rule's mode word: none, norm, value, tensor, agc or signal.
    public var mode: String {
        switch self {
        case .none: "none"
        case .norm: "norm"
        case .value: "value"
        case .tensor: "tensor"
        case .agc: "agc"
        case .signal: "signal"
        }
    }

    /// Every mode word, in the order help lists them.
    public static let modes = ["none", "norm", "value", "tensor", "agc", "signal"]
}

/// Whose global norm clipping `ClipRule.norm` reproduces. They agree on ordinary gradients and differ
/// at the edges: exactly at the threshold, on a zero, NaN or infinite gradient, and on huge finite
/// components whose squares overflow.
public enum NormClipStyle: String, CaseIterable, Sendable {
    /// g·τ/‖g‖_p only when ‖g‖_p > τ; no epsilon; the norm is rescaled so that it overflows only when
    /// the true norm does. A NaN norm changes nothing (NaN > τ is false).
    case gradlab
    /// PyTorch `clip_grad_norm_`: g·min(τ/(‖g‖_p + 10⁻⁶), 1), always multiplied; ‖g‖_p is the p-norm
    /// of the per-tensor p-norms, summed without rescaling. p = 1, 2 or ∞ (its `norm_type`).
    case torch
    /// TensorFlow `clip_by_global_norm`: g·τ·min(1/‖g‖₂, 1/τ), and a NaN scale (so a NaN gradient)
    /// whenever ‖g‖₂ is not finite. 2-norm only, as √(2·Σ l2_loss(t)) without rescaling.
    case tf
    /// optax `clip_by_global_norm`: g unchanged when ‖g‖₂ < τ (strictly), else (g/‖g‖₂)·τ. 2-norm only,
    /// without rescaling.
    case optax

    /// The norm orders the style has: tf and optax only compute the 2-norm.
    public var orders: [NormOrder] {
        switch self {
        case .gradlab, .torch: NormOrder.allCases
        case .tf, .optax: [.two]
        }
    }
}

/// Why a rule cannot be applied as written (`ClipRule.validate()`), with the number or the choice at
/// fault. The simulator says this as data; the shell words it.
public enum ClipError: Error, Sendable, Equatable {
    /// The threshold τ is NaN or ±∞.
    case thresholdNotFinite(Double)
    /// The threshold τ is finite but not greater than 0.
    case thresholdNotPositive(Double)
    /// Norm clipping in `style`, which has only the 2-norm, was asked for the norm of `order`.
    case orderUnavailable(NormClipStyle, NormOrder)
    /// Adaptive clipping's ratio λ is NaN or ±∞.
    case ratioNotFinite(Double)
    /// Adaptive clipping's ratio λ is finite but not greater than 0.
    case ratioNotPositive(Double)
}

/// What clipping did to a gradient.
public struct ClipOutcome: Sendable, Equatable {
    public var rule: ClipRule
    /// The tensors before clipping.
    public var input: [[Double]]
    /// The tensors after clipping.
    public var output: [[Double]]
    /// The pre-clip norm. For norm clipping, the norm the style itself computes: ‖g‖_p overflow-safe
    /// for gradlab, PyTorch's `total_norm`, TensorFlow's `global_norm`, optax's global norm (the three
    /// frameworks' overflow to ∞ when the squares do). For every other rule, ‖g‖₂ over all tensors,
    /// overflow-safe.
    public var norm: Double
    /// The one factor every component was multiplied by (1 when nothing was clipped; NaN when the
    /// style multiplies by NaN), or nil where there is no single factor: value clipping (per
    /// component), tensor clipping (per tensor), adaptive clipping (per unit). optax divides by ‖g‖
    /// and then multiplies by τ, so its output equals g·scale up to the last rounding.
    public var scale: Double?
    /// Whether any component changed.
    public var clipped: Bool
    /// cos∠(g, ĝ): 1 when the direction is kept; below 1 when clipping bent it; NaN when undefined.
    /// Formed when asked for (training never asks).
    public var cosine: Double { Clipper.cosine(input, output) }
    /// ‖ĝ‖₂ after clipping (overflow-safe).
    public var clippedNorm: Double
    /// Why the outcome cannot be trusted as a bounded, finite gradient, if it cannot: what the rule
    /// met (the NaN, the ∞ or the overflow) and what it did with it; also adaptive clipping without
    /// parameters. Several only for tensor and adaptive clipping (one per tensor and problem); empty
    /// when there is nothing to say.
    public var warnings: [ClipWarning]
}

public enum Clipper {
    /// Applies `rule` to a list of tensors taken together (the gradient of every parameter).
    ///
    /// - `shapes`: each tensor's (rows, cols), row-major. Only adaptive clipping uses them: a unit is a
    ///   row (one output unit, as h = W h_prev), and a tensor with a single row or column is one unit
    ///   (optax squeezes it to a vector). Without shapes every tensor is one unit.
    /// - `parameters`: the parameter tensors the gradient belongs to, in the same order and sizes.
    ///   Only adaptive clipping uses them; without them it leaves the gradient as it is and says so
    ///   in `warnings` (`.agcWithoutParameters`).
    public static func clip(_ tensors: [[Double]], rule: ClipRule, shapes: [(rows: Int, cols: Int)]? = nil,
                            parameters: [[Double]]? = nil) -> ClipOutcome {
        clip(tensors, rule: rule, shapes: shapes, parameters: parameters, names: nil)
    }

    /// Clips an RNN's gradient under `rule`, giving adaptive clipping the model's parameters and
    /// shapes. Warnings name the parameters (W, U, b, V, c).
    public static func clip(_ gradients: Gradients, of model: RNN, rule: ClipRule) -> (gradients: Gradients, outcome: ClipOutcome) {
        let outcome = clip(gradients.tensors, rule: rule, shapes: model.parameterShapes, parameters: model.parameters,
                           names: Gradients.names)
        return (gradients.replacing(with: outcome.output), outcome)
    }

    static func clip(_ tensors: [[Double]], rule: ClipRule, shapes: [(rows: Int, cols: Int)]?, parameters: [[Double]]?,
                     names: [String]?) -> ClipOutcome {
        let label = TensorLabels(names: names)
        let applied: Applied
        switch rule {
        case .none:
            applied = NoClipping.apply(tensors)
        case .norm(let tau, let order, let style):
            applied = NormClipping.apply(tensors, threshold: tau, order: order, style: style)
        case .value(let tau):
            applied = ValueClipping.apply(tensors, threshold: tau)
        case .tensor(let tau):
            applied = TensorClipping.apply(tensors, threshold: tau, label: label)
        case .agc(let lambda):
            applied = AdaptiveClipping.apply(tensors, lambda: lambda, shapes: shapes, parameters: parameters, label: label)
        case .signal:
            applied = SignalClipping.apply(tensors)
        }
        return ClipOutcome(
            rule: rule, input: tensors, output: applied.output, norm: applied.norm, scale: applied.scale,
            clipped: anyChanged(tensors, applied.output), clippedNorm: VectorNorm.of(applied.output),
            warnings: applied.warnings)
    }

    /// Whether any component differs (NaN counts as equal to NaN, −0 as equal to 0).
    static func anyChanged(_ before: [[Double]], _ after: [[Double]]) -> Bool {
        zip(before.joined(), after.joined()).contains { a, b in !(a == b || (a.isNaN && b.isNaN)) }
    }

    static func cosine(_ before: [[Double]], _ after: [[Double]]) -> Double {
        VectorNorm.cosine(Array(before.joined()), Array(after.joined()))
    }
}

/// What one rule computed: the rest of a `ClipOutcome` follows from it.
struct Applied {
    var output: [[Double]]
    var norm: Double
    var scale: Double?
    var warnings: [ClipWarning] = []
}

/// How warnings identify a tensor: by its index, and by its parameter name when the names are known.
struct TensorLabels {
    let names: [String]?
    func callAsFunction(_ index: Int) -> ClipWarning.Tensor {
        ClipWarning.Tensor(index: index, name: names.flatMap { index < $0.count ? $0[index] : nil })
    }
}

/// No rule: the gradient passes unchanged, scale 1; a non-finite one is still flagged, with
/// `warning` saying why nothing caught it.
enum NoClipping {
    static func apply(_ tensors: [[Double]], warning: (NonFiniteCause) -> ClipWarning = ClipWarning.noRule) -> Applied {
        let norm = VectorNorm.of(tensors)
        let warnings = norm.isFinite ? [] : [warning(NonFiniteCause.of(tensors))]
        return Applied(output: tensors, norm: norm, scale: 1, warnings: warnings)
    }
}

/// Signal clipping clamps δ_t inside BPTT (`bptt(_:_:errorClip:)`); what reaches the clipper is
/// already the gradient of the clipped errors, so it passes unchanged: scale 1, never "clipped".
enum SignalClipping {
    static func apply(_ tensors: [[Double]]) -> Applied {
        NoClipping.apply(tensors, warning: ClipWarning.signalPassedGradient)
    }
}

/// Value clipping: clamp(g, −τ, τ) component by component — PyTorch `clip_grad_value_`,
/// TensorFlow `clip_by_value`, optax `clip` agree: ±∞ becomes ±τ, NaN stays NaN.
enum ValueClipping {
    static func apply(_ tensors: [[Double]], threshold tau: Double) -> Applied {
        let output = tensors.map { $0.map { v in v.isNaN ? v : Swift.min(tau, Swift.max(-tau, v)) } }
        let keptNaN = output.contains { $0.contains { !$0.isFinite } }
        let infinite = tensors.reduce(0) { count, tensor in count + tensor.count { $0.isInfinite } }
        let warnings: [ClipWarning] = (infinite > 0 ? [.valueHidInfinity(count: infinite)] : []) + (keptNaN ? [.valueKeptNaN] : [])
        return Applied(output: output, norm: VectorNorm.of(tensors), scale: nil, warnings: warnings)
    }
}

extension Clipper {
    /// Signal clipping acts inside BPTT, so its effect shows only by comparing two gradients: `raw`
    /// from BPTT as it is, `clipped` from BPTT with every component of δ_t clamped to [−τ, τ]. The
    /// outcome reads like any other rule's: input `raw`, output `clipped`, norm ‖raw‖₂ (overflow-safe),
    /// no single scale, the cosine between the two.
    public static func signalOutcome(raw: [[Double]], clipped: [[Double]], threshold: Double) -> ClipOutcome {
        precondition(raw.count == clipped.count && zip(raw, clipped).allSatisfy { $0.count == $1.count },
                     "signal clipping changes no shape")
        let clippedNorm = VectorNorm.of(clipped)
        let warnings = clippedNorm.isFinite ? [] : [ClipWarning.signalStillNonFinite(NonFiniteCause.of(clipped))]
        return ClipOutcome(
            rule: .signal(threshold: threshold), input: raw, output: clipped, norm: VectorNorm.of(raw), scale: nil,
            clipped: anyChanged(raw, clipped), clippedNorm: clippedNorm, warnings: warnings)
    }
}
