/// Norms as PyTorch, TensorFlow and optax compute them: straight from the definition, squares
/// summed without rescaling. So [1e200] has the 2-norm ∞ there (1e200² overflows), where gradlab's
/// `VectorNorm` gives 1e200. Sums run left to right; a framework may add in another order, which can
/// move the last bit of a norm but no edge case.
enum NaiveNorm {
    /// Σ x², NaN if any x is NaN, ∞ if any x is infinite or the sum overflows.
    static func sumOfSquares(_ x: [Double]) -> Double {
        var sum = 0.0
        for v in x { sum += v * v }
        return sum
    }

    /// √(Σ x²).
    static func two(_ x: [Double]) -> Double { sumOfSquares(x).squareRoot() }

    /// Σ |x|.
    static func one(_ x: [Double]) -> Double {
        var sum = 0.0
        for v in x { sum += abs(v) }
        return sum
    }

    /// max |x|, NaN if any x is NaN (a framework's max reduction propagates NaN); 0 when empty.
    static func infinity(_ x: [Double]) -> Double {
        var largest = 0.0
        for v in x {
            if v.isNaN { return .nan }
            largest = Swift.max(largest, abs(v))
        }
        return largest
    }

    static func of(_ x: [Double], order: NormOrder) -> Double {
        switch order {
        case .one: one(x)
        case .two: two(x)
        case .infinity: infinity(x)
        }
    }
}

/// max(a, b) that propagates NaN, as `torch.maximum`, `jnp.maximum` and `tf.maximum` (since
/// TensorFlow 2.4) do. Swift's `max` does not promise which operand a NaN comparison returns.
func maximumPropagatingNaN(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    return Swift.max(a, b)
}
