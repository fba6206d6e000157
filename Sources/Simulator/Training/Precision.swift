/// A floating-point format that a pass stores its values in (`precision=…`): the arithmetic between
/// two stores is Float64, and each stored value is rounded to the format, as the hardware rounds a
/// result it writes: to the nearest value (ties to even), to ±Inf past the largest finite number,
/// and through the subnormals to ±0 below the smallest.
public enum Precision: String, Sendable, CaseIterable {
    /// IEEE binary64: nothing is rounded.
    case fp64
    /// IEEE binary32.
    case fp32
    /// bfloat16: binary32's exponent range with 8 significant bits.
    case bf16
    /// IEEE binary16: 11 significant bits, finite up to 65504.
    case fp16

    /// Significant bits, the implicit one counted.
    public var significandBits: Int {
        switch self {
        case .fp64: 53
        case .fp32: 24
        case .bf16: 8
        case .fp16: 11
        }
    }

    /// The exponent of the smallest normal number.
    public var minExponent: Int {
        switch self {
        case .fp64: -1022
        case .fp32, .bf16: -126
        case .fp16: -14
        }
    }

    /// The exponent of the largest finite number.
    public var maxExponent: Int {
        switch self {
        case .fp64: 1023
        case .fp32, .bf16: 127
        case .fp16: 15
        }
    }

    /// The largest finite number: (2 − 2^(1−p))·2^maxExponent (65504 for fp16).
    public var largest: Double {
        Double(sign: .plus, exponent: maxExponent, significand: 2 - Double(sign: .plus, exponent: 1 - significandBits, significand: 1))
    }

    /// The smallest positive normal number (6.1e-5 for fp16).
    public var smallestNormal: Double { Double(sign: .plus, exponent: minExponent, significand: 1) }

    /// The smallest positive subnormal number (6.0e-8 for fp16): below half of it, a value is 0.
    public var smallestSubnormal: Double { Double(sign: .plus, exponent: minExponent - significandBits + 1, significand: 1) }

    /// x stored in this format. The quantum of x (the spacing of the format's numbers around it) is a
    /// power of two, so x / quantum and the product back are exact, and rounding to a whole number
    /// is the format's rounding; past the largest finite number the result is ±Inf. NaN stays NaN.
    @inline(__always)
    public func round(_ x: Double) -> Double {
        guard self != .fp64, x.isFinite, x != 0 else { return x }
        let quantum = Double(sign: .plus, exponent: max(Int(x.exponent), minExponent) - significandBits + 1, significand: 1)
        let r = (x / quantum).rounded(.toNearestOrEven) * quantum
        return abs(r) > largest ? (x > 0 ? .infinity : -.infinity) : r
    }

    /// Rounds `count` values in place, counting the zeros and infinities among what it stored.
    /// Inlined, so that at fp64 a pass pays one comparison a call.
    @inline(__always)
    func store(_ values: UnsafeMutablePointer<Double>, _ count: Int, into tally: inout StoreTally) {
        guard self != .fp64 else { return }
        tally.stored += count
        for i in 0..<count {
            let r = round(values[i])
            if r == 0 { tally.zeros += 1 } else if r.isInfinite { tally.infinities += 1 }
            values[i] = r
        }
    }
}

/// What a pass stored in a narrow format: how many values, how many of them were ±0 (in an RNN's
/// smooth arithmetic, the mark of underflow: a value too small for the format, or the product of
/// one), and how many ±Inf (overflow, or the product of one).
public struct StoreTally: Sendable, Equatable {
    public var stored = 0
    public var zeros = 0
    public var infinities = 0

    public init() {}

    public static func += (a: inout StoreTally, b: StoreTally) {
        a.stored += b.stored
        a.zeros += b.zeros
        a.infinities += b.infinities
    }
}

/// Loss scaling (`loss_scale=…`): the loss, and so every gradient of the backward pass, is multiplied
/// by a scale S before the pass stores anything, and the parameters' gradient is divided by S again
/// (`unscale_`) before it is used.
public enum LossScale: Sendable, Equatable {
    /// S = 1.
    case none
    /// A fixed S; a non-finite gradient is left to the `nonfinite` policy.
    case fixed(Double)
    /// PyTorch's `GradScaler` with its defaults: S starts at 2¹⁶; a step whose unscaled gradient is not
    /// finite is skipped and S halved; after 2000 steps in a row with finite gradients S doubles.
    case dynamic

    public static let initialScale = 65536.0
    public static let growthFactor = 2.0
    public static let backoffFactor = 0.5
    public static let growthInterval = 2000

    /// The scale of the first step.
    public var initial: Double {
        switch self {
        case .none: 1
        case .fixed(let s): s
        case .dynamic: Self.initialScale
        }
    }
}

/// GradScaler's bookkeeping: the scale, and the steps in a row with finite gradients.
public struct DynamicScale: Sendable, Equatable {
    public private(set) var scale = LossScale.initialScale
    public private(set) var goodSteps = 0

    public init(scale: Double = LossScale.initialScale) { self.scale = scale }

    /// `GradScaler.update()` after a step: halve on a non-finite gradient and start counting again;
    /// otherwise count it, and double when the count reaches the growth interval. The scale is kept
    /// in binary32, as GradScaler keeps it.
    public mutating func update(finite: Bool) {
        if finite {
            goodSteps += 1
            if goodSteps == LossScale.growthInterval {
                scale = Precision.fp32.round(scale * LossScale.growthFactor)
                goodSteps = 0
            }
        } else {
            scale = Precision.fp32.round(scale * LossScale.backoffFactor)
            goodSteps = 0
        }
    }
}

extension RNN {
    /// The model with every weight, bias and initial state rounded to `precision`.
    public func stored(in precision: Precision) -> RNN {
        guard precision != .fp64 else { return self }
        var model = self
        model.parameters = parameters.map { $0.map(precision.round) }
        model.h0 = h0.map(precision.round)
        return model
    }
}
