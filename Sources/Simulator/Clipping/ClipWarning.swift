/// What a clipping rule met that leaves its outcome short of a bounded, finite gradient (a NaN, an ∞,
/// squares that overflow), that the outcome hides (value clipping makes ±∞ finite), or that kept it
/// from clipping at all, and what the rule did about it.
/// The simulator says this as data; the shell words it. A rule that works tensor by tensor or unit
/// by unit can give several: one for each tensor and kind of problem, in the order of the tensors.
public enum ClipWarning: Sendable, Equatable {
    /// No rule is set, and the gradient is not finite, for `cause`: nothing caught it.
    case noRule(NonFiniteCause)
    /// Signal clipping was handed a finished gradient that is not finite. It bounds δ_t inside BPTT,
    /// so it left that gradient as it was.
    case signalPassedGradient(NonFiniteCause)
    /// Even with δ_t clamped to [−τ, τ] inside BPTT, the gradient is not finite (‖ĝ‖ is NaN or ∞):
    /// signal clipping bounds the error, not the forward pass.
    case signalStillNonFinite(NonFiniteCause)
    /// Value clipping turned ±∞ into ±τ, but a NaN component stayed NaN.
    case valueKeptNaN
    /// Value clipping turned `count` infinite components into ±τ: its output is finite, but the
    /// gradient it was given had overflowed.
    case valueHidInfinity(count: Int)
    /// Global norm clipping in `style` met a norm that is not finite, for `cause`, and did what the
    /// style does with it (`NormClipStyle`): gradlab leaves a NaN gradient as it was and scales by 0
    /// for ‖g‖ = ∞; torch scales by NaN or 0; tf by NaN; optax divides by NaN or ∞. gradlab's norm
    /// overflows only when the true norm does; the frameworks' whenever the squares do.
    case norm(NormClipStyle, NonFiniteCause)
    /// Per-tensor clipping (`tf.clip_by_norm`) met a tensor whose norm is not finite, for `cause`;
    /// `zeroed` when all of that tensor came out 0.
    case tensor(Tensor, NonFiniteCause, zeroed: Bool)
    /// Adaptive clipping was given no parameters, so it left the gradient as it was.
    case agcWithoutParameters
    /// Adaptive clipping met `problem` in one or more units of `tensor`.
    case agcUnit(Tensor, UnitProblem)

    /// Which tensor of the gradient a warning is about.
    public struct Tensor: Sendable, Equatable {
        /// The tensor's place in the list of tensors, from 0.
        public var index: Int
        /// The parameter's name (W, U, b, V, c) when the gradient is an RNN's; nil otherwise.
        public var name: String?

        public init(index: Int, name: String? = nil) {
            self.index = index
            self.name = name
        }
    }

    /// What adaptive clipping met in a unit (a row of a matrix, or a whole vector).
    public enum UnitProblem: Sendable, Equatable {
        /// A NaN in the unit's gradient: its norm is NaN, so the unit was scaled by NaN.
        case nanGradient
        /// An infinite gradient component: the unit's norm is ∞, so it was scaled by 0.
        case infiniteGradient
        /// Finite gradient components whose squares overflow: the norm is ∞, so the unit was scaled to 0.
        case overflowingGradient
        /// A NaN parameter: the allowed norm λ·max(‖w‖, ε) is NaN, so the unit's gradient became NaN.
        case nanParameter
        /// Parameters whose norm is ∞: the allowed norm is ∞, so the unit is never clipped.
        case infiniteParameter
    }
}

/// Why a norm came out non-finite. Every norm the clipper takes (gradlab's rescaled one and the
/// frameworks' naive ones) is NaN exactly when a component is NaN, and otherwise ∞ when a component
/// is ∞ or the sum overflows.
public enum NonFiniteCause: Sendable, Equatable {
    /// A NaN component.
    case nan
    /// An infinite component (and no NaN).
    case infinity
    /// Every component finite, but the norm (or its squares) overflowed.
    case overflow

    /// The cause for `tensors` whose norm is not finite.
    static func of(_ tensors: [[Double]]) -> NonFiniteCause {
        var sawInfinity = false
        for tensor in tensors {
            for v in tensor {
                if v.isNaN { return .nan }
                if v.isInfinite { sawInfinity = true }
            }
        }
        return sawInfinity ? .infinity : .overflow
    }
}
