/// Which norm to take of a vector (and, induced, of a matrix).
public enum NormOrder: String, Sendable, CaseIterable {
    case one = "1"
    case two = "2"
    case infinity = "inf"
}

/// Vector norms that neither overflow nor underflow on the way: a vector whose entries are near
/// 1e200 still has a finite 2-norm when the true value is finite. NaN anywhere gives NaN; otherwise
/// an infinite entry gives +Inf.
public enum VectorNorm {
    public static func of<C: Collection>(_ x: C, order: NormOrder = .two) -> Double where C.Element == Double {
        norm(CollectionOfOne(x), order: order)
    }

    /// The norm of all the entries of several tensors taken together, as one long vector.
    public static func of(_ tensors: [[Double]], order: NormOrder = .two) -> Double {
        norm(tensors, order: order)
    }

    static func norm<S: Sequence>(_ tensors: S, order: NormOrder) -> Double where S.Element: Collection, S.Element.Element == Double {
        var largest = 0.0
        var sawInfinity = false
        for tensor in tensors {
            for v in tensor {
                if v.isNaN { return .nan }
                if v.isInfinite { sawInfinity = true }
                largest = Swift.max(largest, abs(v))
            }
        }
        if sawInfinity { return .infinity }
        switch order {
        case .infinity:
            return largest
        case .one:
            // Summing magnitudes overflows only when the true norm does.
            return tensors.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + abs($1) } }
        case .two:
            if largest == 0 { return 0 }
            var sum = 0.0
            for tensor in tensors {
                for v in tensor {
                    let r = v / largest
                    sum += r * r
                }
            }
            return largest * sum.squareRoot()
        }
    }

    /// ⟨a, b⟩ / (‖a‖‖b‖), computed on rescaled copies so that huge entries do not overflow.
    /// NaN when either vector is zero or holds a non-finite entry: the angle is then undefined.
    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "cosine of vectors of different lengths")
        let na = of(a), nb = of(b)
        guard na.isFinite, nb.isFinite, na > 0, nb > 0 else { return .nan }
        var dot = 0.0
        for i in a.indices { dot += (a[i] / na) * (b[i] / nb) }
        return Swift.min(1, Swift.max(-1, dot))
    }
}

extension Matrix {
    /// Matrix norms: 1 (largest column sum), 2 (largest singular value), ∞ (largest row sum), Frobenius.
    public enum Norm: String, Sendable, CaseIterable {
        case one = "1", two = "2", infinity = "inf", frobenius = "fro"
    }

    public func norm(_ kind: Norm) -> Double {
        switch kind {
        case .frobenius:
            return VectorNorm.of(storage)
        case .two:
            return Spectrum.largestSingularValue(self)
        case .one:
            return (0..<cols).map { j in VectorNorm.of((0..<rows).map { self[$0, j] }, order: .one) }.maxPropagatingNaN()
        case .infinity:
            return (0..<rows).map { i in VectorNorm.of(row(i), order: .one) }.maxPropagatingNaN()
        }
    }
}

extension Array where Element == Double {
    /// The largest element, NaN if any element is NaN, 0 for an empty array.
    func maxPropagatingNaN() -> Double {
        var best = 0.0
        for (i, v) in enumerated() {
            if v.isNaN { return .nan }
            if i == 0 || v > best { best = v }
        }
        return best
    }
}
