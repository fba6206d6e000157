import CLapack
import Kernels
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
    public static func spectralRadius(_ m: Matrix) -> Double {
        spectralRadius(m, eigenvalues: eigenvalues(m))
    }

    /// ρ(W) from W's `eigenvalues`, so that `eig` and every other place that shows ρ agree: the
    /// largest modulus, +Inf when an eigenvalue of a finite W is past the Double range; NaN when W
    /// has a non-finite entry, whose spectrum is undefined (swift-numerics gives every non-finite
    /// Complex length ∞, so the two are told apart by W itself).
    public static func spectralRadius(_ m: Matrix, eigenvalues: [Complex<Double>]) -> Double {
        guard m.allFinite else { return .nan }
        return eigenvalues.first?.length ?? 0
    }

    /// ρ(W) from our own solver, `gl_spectral_radius` (balancing, Hessenberg reduction, Francis
    /// double-shift QR, each operation in one fixed order), so that it has the same bits on every
    /// processor: LAPACK's `dgeev` calls BLAS, whose kernels, and so the last bits of ρ, depend on
    /// the processor (on this project's development machine OpenBLAS's Nehalem and Zen kernels give
    /// a different ρ for 4 Gaussian matrices in 5, by up to 1e-14). This is the ρ that `rho=`
    /// rescales by; the two agree to about 1e-14. Should the QR iteration not converge (30 steps
    /// for one eigenvalue), LAPACK's ρ rounded to 12 significant digits. NaN when W has a non-finite
    /// entry.
    public static func reproducibleSpectralRadius(_ m: Matrix) -> Double {
        precondition(m.isSquare, "spectral radius of a non-square \(m.rows)×\(m.cols) matrix")
        let n = m.rows
        if n == 0 { return 0 }
        guard m.allFinite else { return .nan }
        let scale = safeScale(m)
        let a = scale == 1 ? m.storage : m.storage.map { $0 / scale }
        var rho = 0.0
        if gl_spectral_radius(n, a, &rho) != 0 { return rho * scale }
        return twelveDigits(spectralRadius(m))
    }

    /// x rounded to 12 significant decimal digits (for |x| from 1e-11 to 1e23; x itself outside),
    /// by IEEE operations alone: every x that agrees with it to about 1e-12 gives the same bits.
    static func twelveDigits(_ x: Double) -> Double {
        guard x.isFinite, x != 0 else { return x }
        func power(_ k: Int) -> Double {  // 10ᵏ for 0 ≤ k ≤ 22, exact
            var p = 1.0
            for _ in 0..<k { p *= 10 }
            return p
        }
        func scaled(_ a: Double, _ k: Int) -> Double { k >= 0 ? a * power(k) : a / power(-k) }  // a·10ᵏ, one rounding
        let a = x.magnitude
        var e = 0  // 10ᵉ ≤ a < 10ᵉ⁺¹
        if a >= 1 {
            while e < 22 && scaled(a, -(e + 1)) >= 1 { e += 1 }
        } else {
            while e > -11 && scaled(a, -e) < 1 { e -= 1 }
        }
        let k = 11 - e  // a·10ᵏ in [1e11, 1e12)
        guard (-22...22).contains(k), scaled(a, -e) >= 1, scaled(a, -(e + 1)) < 1 else { return x }
        let digits = scaled(a, k).rounded()
        let r = k >= 0 ? digits / power(k) : digits * power(-k)
        return x < 0 ? -r : r
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
