import Render
import Simulator

// The words for what clipping met and did. The simulator hands over typed `ClipWarning`s; every
// sentence a learner reads about them is here.

extension Commands {
    /// A clipping outcome's warnings as one warning block, its parts joined by "; ", or nil when
    /// there are none.
    static func clipWarning(_ outcome: ClipOutcome) -> Block? {
        guard !outcome.warnings.isEmpty else { return nil }
        return .warning(outcome.warnings.map { describe($0) }.joined(separator: "; "))
    }

    /// One clipping warning in words: what the rule met (a NaN, an ∞, an overflow) and what it did.
    public static func describe(_ warning: ClipWarning) -> String {
        switch warning {
        case .noRule(let cause):
            return "the gradient is not finite (‖g‖ = \(normSymbol(cause))); no clipping rule is set to catch it"
        case .signalPassedGradient(let cause):
            return """
                the gradient is not finite (‖g‖ = \(normSymbol(cause))); signal clipping bounds the error inside BPTT \
                and leaves the gradient itself as it is
                """
        case .signalStillNonFinite(let cause):
            return """
                even with the error clamped to [−τ, τ] inside BPTT the gradient is not finite \
                (‖ĝ‖ = \(normSymbol(cause))): signal clipping bounds δ_t, not the forward pass
                """
        case .valueKeptNaN:
            return "value clipping turns ±Inf into ±τ but leaves NaN components as NaN"
        case .valueHidInfinity(let count):
            return "\(count == 1 ? "an infinite component" : "\(count) infinite components") became ±τ: the clipped gradient is finite, but the gradient itself overflowed"
        case .norm(let style, let cause):
            return describeNorm(style, cause)
        case .tensor(let tensor, let cause, let zeroed):
            return describeTensor(tensorName(tensor), cause, zeroed: zeroed)
        case .agcWithoutParameters:
            return "adaptive gradient clipping needs the parameters, and none were given: the gradient was left as it was"
        case .agcUnit(let tensor, let problem):
            return describeUnit(tensorName(tensor), problem)
        }
    }

    /// What global norm clipping in `style` did with a norm that is not finite.
    private static func describeNorm(_ style: NormClipStyle, _ cause: NonFiniteCause) -> String {
        switch (style, cause) {
        case (.gradlab, .nan):
            """
            ‖g‖ is NaN, and NaN > τ is false, so norm clipping left the gradient as it was: \
            NaN passes straight through
            """
        case (.gradlab, .infinity), (.gradlab, .overflow):
            "‖g‖ is infinite, so the scale τ/‖g‖ is 0: finite components became 0 and infinite ones NaN (0·∞)"
        case (.torch, .nan):
            """
            ‖g‖ is NaN, so PyTorch's coefficient τ/(‖g‖ + 1e-6) is NaN and multiplies every component: \
            the whole gradient became NaN
            """
        case (.torch, .infinity):
            """
            ‖g‖ is infinite, so PyTorch's coefficient τ/(‖g‖ + 1e-6) is 0: finite components became 0 \
            and infinite ones NaN (0·∞)
            """
        case (.torch, .overflow):
            """
            ‖g‖ overflowed to ∞ although every component is finite (PyTorch's norm does not rescale), \
            so the coefficient τ/(‖g‖ + 1e-6) is 0 and the whole gradient became 0
            """
        case (.tf, .nan):
            "‖g‖ is NaN, and TensorFlow's clip_by_global_norm then sets the scale to NaN: every component became NaN"
        case (.tf, .infinity):
            """
            ‖g‖ is infinite, and TensorFlow's clip_by_global_norm then sets the scale to NaN on purpose: \
            every component became NaN
            """
        case (.tf, .overflow):
            """
            ‖g‖ overflowed to ∞ although every component is finite (TensorFlow's global_norm does not rescale), \
            so the scale is NaN: every component became NaN
            """
        case (.optax, .nan):
            "‖g‖ is NaN, so optax's test ‖g‖ < τ is false and it rescales by τ/‖g‖: every component became NaN"
        case (.optax, .infinity):
            """
            ‖g‖ is infinite, so optax divides every component by ∞: finite components became 0 \
            and infinite ones NaN (∞/∞)
            """
        case (.optax, .overflow):
            """
            ‖g‖ overflowed to ∞ although every component is finite (optax's norm does not rescale), \
            so every component was divided by ∞ and became 0
            """
        }
    }

    /// What per-tensor clipping (`tf.clip_by_norm`) did with the tensor `name` whose norm is not finite.
    private static func describeTensor(_ name: String, _ cause: NonFiniteCause, zeroed: Bool) -> String {
        switch cause {
        case .nan:
            "\(name) holds a NaN, so tf.clip_by_norm divided it by max(NaN, τ) = NaN: all of \(name) became NaN"
        case .infinity:
            "\(name) holds an infinite component, so its norm is ∞: its finite components became 0 and infinite ones NaN"
        case .overflow:
            """
            \(name)'s squares overflowed to ∞ although its components are finite (tf.clip_by_norm does not \
            rescale), so it was divided by ∞\(zeroed ? " and became 0" : "")
            """
        }
    }

    /// What adaptive clipping did with a unit of the tensor `name`.
    private static func describeUnit(_ name: String, _ problem: ClipWarning.UnitProblem) -> String {
        switch problem {
        case .nanGradient:
            """
            a unit of \(name) has a NaN gradient, so its norm is NaN and optax scaled the unit by NaN: \
            all of it became NaN
            """
        case .infiniteGradient:
            """
            a unit of \(name) has an infinite gradient component, so its norm is ∞ and the unit was scaled by 0: \
            finite components became 0 and infinite ones NaN
            """
        case .overflowingGradient:
            """
            a unit of \(name) has finite gradient components whose squares overflow (optax does not rescale), \
            so its norm is ∞ and the unit was scaled to 0
            """
        case .nanParameter:
            """
            a unit of the parameter \(name) holds a NaN, so its allowed norm λ·max(‖w‖, 1e-3) is NaN \
            and its gradient became NaN
            """
        case .infiniteParameter:
            """
            a unit of the parameter \(name) has an infinite norm, so its allowed norm is ∞ and its gradient \
            is never clipped
            """
        }
    }

    /// A tensor as warnings name it: the parameter's name when known, else "tensor k", counting from 1.
    private static func tensorName(_ tensor: ClipWarning.Tensor) -> String {
        tensor.name ?? "tensor \(tensor.index + 1)"
    }

    /// A norm that is not finite, as it reads after "‖g‖ =": NaN, or ∞ (an infinite component or an overflow).
    private static func normSymbol(_ cause: NonFiniteCause) -> String {
        cause == .nan ? "NaN" : "∞"
    }
}
