/// A rule that bounds a gradient before the update.
public enum ClipRule: Sendable, Equatable {
    case none
    /// Global norm clipping: with ‖g‖_p taken over all tensors together, g ← g · τ/‖g‖_p when ‖g‖_p > τ.
    /// No epsilon is added (optax `clip_by_global_norm` / TensorFlow `clip_by_global_norm`).
    case norm(threshold: Double, order: NormOrder)
    /// Value clipping: every component clamped to [−τ, τ]; NaN stays NaN, ±Inf becomes ±τ.
    case value(threshold: Double)

    /// A threshold must be a positive, finite number: τ ≤ 0 would flip or erase the gradient.
    public static func checkThreshold(_ tau: Double) throws(ClipError) {
        guard tau.isFinite else { throw ClipError("the clipping threshold must be a finite number, not \(tau)") }
        guard tau > 0 else { throw ClipError("the clipping threshold must be greater than 0, not \(tau)") }
    }

    public var threshold: Double? {
        switch self {
        case .none: nil
        case .norm(let tau, _), .value(let tau): tau
        }
    }
}

public struct ClipError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What clipping did to a gradient.
public struct ClipOutcome: Sendable, Equatable {
    public var rule: ClipRule
    /// The tensors before clipping.
    public var input: [[Double]]
    /// The tensors after clipping.
    public var output: [[Double]]
    /// The pre-clip norm: ‖g‖_p in the rule's order for norm clipping, ‖g‖₂ otherwise.
    public var norm: Double
    /// The factor every component was multiplied by (norm clipping; 1 when nothing was clipped), or nil
    /// for value clipping, which has no single factor.
    public var scale: Double?
    /// Whether any component changed.
    public var clipped: Bool
    /// cos∠(g, ĝ): 1 when the direction is kept; below 1 when clipping bent it; NaN when undefined.
    public var cosine: Double
    /// ‖ĝ‖₂ after clipping.
    public var clippedNorm: Double

    /// Why the outcome cannot be trusted as a bounded, finite gradient, if it cannot.
    public var nonFiniteWarning: String? {
        let outputBroken = output.contains { $0.contains { !$0.isFinite } }
        // Value clipping repairs ±Inf on its own; only what it leaves non-finite needs a warning.
        if case .value = rule { guard outputBroken else { return nil } }
        guard !norm.isFinite || outputBroken else { return nil }
        switch rule {
        case .none:
            return "the gradient is not finite (‖g‖ = \(norm.isNaN ? "NaN" : "∞")); no clipping rule is set to catch it"
        case .norm:
            if norm.isNaN {
                return "‖g‖ is NaN, and NaN > τ is false, so norm clipping left the gradient as it was: NaN passes straight through"
            }
            if norm.isInfinite {
                return "‖g‖ is infinite, so the scale τ/‖g‖ is 0: finite components became 0 and infinite ones NaN (0·∞)"
            }
            return "the clipped gradient still holds non-finite components"
        case .value:
            return "value clipping turns ±Inf into ±τ but leaves NaN components as NaN"
        }
    }
}

public enum Clipper {
    /// Applies `rule` to a list of tensors taken together (the gradient of every parameter).
    public static func clip(_ tensors: [[Double]], rule: ClipRule) -> ClipOutcome {
        let output: [[Double]]
        let norm: Double
        var scale: Double? = nil
        switch rule {
        case .none:
            norm = VectorNorm.of(tensors)
            output = tensors
            scale = 1
        case .norm(let tau, let order):
            norm = VectorNorm.of(tensors, order: order)
            let factor = norm > tau ? tau / norm : 1
            scale = factor
            output = factor == 1 ? tensors : tensors.map { $0.map { $0 * factor } }
        case .value(let tau):
            norm = VectorNorm.of(tensors)
            output = tensors.map { $0.map { v in v.isNaN ? v : Swift.min(tau, Swift.max(-tau, v)) } }
        }
        let flatIn = tensors.flatMap { $0 }, flatOut = output.flatMap { $0 }
        let changed = zip(flatIn, flatOut).contains { a, b in !(a == b || (a.isNaN && b.isNaN)) }
        return ClipOutcome(
            rule: rule, input: tensors, output: output, norm: norm, scale: scale, clipped: changed,
            cosine: VectorNorm.cosine(flatIn, flatOut), clippedNorm: VectorNorm.of(output))
    }
}
