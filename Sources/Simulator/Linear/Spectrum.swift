import CLapack
import ComplexModule
import RealModule

/// Eigenvalues and singular values through LAPACK (`dgeev`, `dgesdd`), the field's standard.
///
/// A matrix with a NaN or infinite entry has no meaningful spectrum; such a matrix gets NaN
/// eigenvalues and singular values (or +Inf for the largest singular value when no entry is NaN)
/// instead of being handed to LAPACK, whose iterations are undefined on non-finite input.
public enum Spectrum {
    /// All eigenvalues of a real square matrix, complex pairs included, sorted by modulus
    /// (largest first), then by real part, then by imaginary part (largest first).
    public static func eigenvalues(_ m: Matrix) -> [Complex<Double>] {
        precondition(m.isSquare, "eigenvalues of a non-square \(m.rows)×\(m.cols) matrix")
        let n = m.rows
        if n == 0 { return [] }
        guard m.allFinite else { return Array(repeating: Complex(.nan, .nan), count: n) }
        // LAPACK is column-major; the row-major storage read column-major is Wᵀ, whose eigenvalues are W's.
        // Entries near the ends of the Double range are scaled first (λ(sA) = s·λ(A)).
        let scale = safeScale(m)
        var a = scale == 1 ? m.storage : m.storage.map { $0 / scale }
        var re = [Double](repeating: 0, count: n)
        var im = [Double](repeating: 0, count: n)
        let info = LAPACKE_dgeev(
            LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "N")), Int32(n), &a, Int32(n),
            &re, &im, nil, 1, nil, 1)
        guard info == 0 else { return Array(repeating: Complex(.nan, .nan), count: n) }
        return zip(re, im).map { Complex($0 * scale, $1 * scale) }.sorted(by: spectralOrder)
    }

    /// ρ(W): the largest modulus of an eigenvalue.
    /// NaN when W has a non-finite entry (swift-numerics gives every non-finite Complex length ∞).
    public static func spectralRadius(_ m: Matrix) -> Double {
        guard let top = eigenvalues(m).first else { return 0 }
        return top.isFinite ? top.length : .nan
    }

    /// All singular values, largest first.
    public static func singularValues(_ m: Matrix) -> [Double] {
        let k = Swift.min(m.rows, m.cols)
        if k == 0 { return [] }
        if m.storage.contains(where: \.isNaN) { return Array(repeating: .nan, count: k) }
        if !m.allFinite { return [.infinity] + Array(repeating: .nan, count: k - 1) }
        // Read column-major the storage is Mᵀ (cols × rows); its singular values are M's.
        let scale = safeScale(m)
        var a = scale == 1 ? m.storage : m.storage.map { $0 / scale }
        var s = [Double](repeating: 0, count: k)
        let info = LAPACKE_dgesdd(
            LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(m.cols), Int32(m.rows), &a, Int32(m.cols),
            &s, nil, 1, nil, 1)
        guard info == 0 else { return Array(repeating: .nan, count: k) }
        return s.map { $0 * scale }
    }

    /// 1, or the largest magnitude when the entries are so large or small that LAPACK's own
    /// arithmetic (squares, products) could overflow or underflow.
    static func safeScale(_ m: Matrix) -> Double {
        let largest = m.storage.reduce(0.0) { Swift.max($0, abs($1)) }
        return largest > 1e150 || (largest > 0 && largest < 1e-150) ? largest : 1
    }

    /// σ_max = ‖M‖₂.
    public static func largestSingularValue(_ m: Matrix) -> Double {
        singularValues(m).first ?? 0
    }

    /// ‖Wᵏ‖₂ for k = 1…K, from successive products W·W·…·W. The running product is kept as
    /// scale·P with P renormalised when its entries leave a safe range, so a power past the Double
    /// range is +Inf (its true size overflows) rather than NaN. Stops early, returning fewer norms,
    /// when `shouldStop` says so.
    public static func powerNorms(_ w: Matrix, upTo K: Int, shouldStop: () -> Bool = { false }) -> [Double] {
        precondition(w.isSquare, "powers of a non-square matrix")
        guard K >= 1 else { return [] }
        var norms: [Double] = []
        norms.reserveCapacity(K)
        var p = w
        var exponent = 0  // the true power is 2^exponent · p
        for k in 1...K {
            if shouldStop() { break }
            if k > 1 { p = p * w }
            exponent += renormalize(&p)
            norms.append(Double(sign: .plus, exponent: exponent, significand: largestSingularValue(p)))
        }
        return norms
    }

    /// Scales `m` by a power of two (exactly) when its entries leave [1e-100, 1e100], and returns
    /// the exponent taken out, so that long products neither overflow nor underflow on the way.
    static func renormalize(_ m: inout Matrix) -> Int {
        let largest = m.storage.reduce(0.0) { Swift.max($0, abs($1)) }
        guard largest.isFinite, largest > 0, largest > 1e100 || largest < 1e-100 else { return 0 }
        let e = Int(largest.exponent)
        m = m.scaled(by: Double(sign: .plus, exponent: -e, significand: 1))
        return e
    }

    static func spectralOrder(_ a: Complex<Double>, _ b: Complex<Double>) -> Bool {
        let (ma, mb) = (a.length, b.length)
        if ma != mb { return ma > mb }
        if a.real != b.real { return a.real > b.real }
        return a.imaginary > b.imaginary
    }
}
