import CLapack
import Simulator

/// Second opinions for the spectrum tests: LAPACK routines other than the ones `Spectrum` calls
/// (`dsyevd` for symmetric eigenvalues, `dgesvd` for singular values), and a plain triple-loop
/// matrix product that shares nothing with `Matrix.*`.
enum Reference {
    /// Eigenvalues of a symmetric matrix by divide and conquer (`dsyevd`), ascending.
    static func symmetricEigenvalues(_ a: Matrix) -> [Double] {
        precondition(a.isSquare)
        let n = a.rows
        var storage = a.storage
        var w = [Double](repeating: .nan, count: n)
        let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "U")),
                                  Int32(n), &storage, Int32(n), &w)
        precondition(info == 0, "dsyevd failed with info \(info)")
        return w
    }

    /// Singular values by one-sided bidiagonal QR (`dgesvd`), largest first.
    static func singularValues(_ a: Matrix) -> [Double] {
        let (m, n) = (a.rows, a.cols)
        var columnMajor = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { columnMajor[j * m + i] = a[i, j] } }
        var s = [Double](repeating: .nan, count: Swift.min(m, n))
        var superb = [Double](repeating: 0, count: Swift.max(1, Swift.min(m, n) - 1))
        let info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "N")),
                                  Int32(m), Int32(n), &columnMajor, Int32(m), &s, nil, 1, nil, 1, &superb)
        precondition(info == 0, "dgesvd failed with info \(info)")
        return s
    }

    /// a · b by the textbook triple loop.
    static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.cols == b.rows)
        var c = Matrix(rows: a.rows, cols: b.cols)
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                var s = 0.0
                for k in 0..<a.cols { s += a[i, k] * b[k, j] }
                c[i, j] = s
            }
        }
        return c
    }

    /// W^k (k ≥ 0) by repeated textbook products.
    static func power(_ w: Matrix, _ k: Int) -> Matrix {
        var p = Matrix.identity(w.rows)
        for _ in 0..<k { p = product(p, w) }
        return p
    }

    /// √Σ a_ij².
    static func frobenius(_ a: Matrix) -> Double { euclidean(a.storage) }

    static func trace(_ a: Matrix) -> Double { (0..<a.rows).reduce(0) { $0 + a[$1, $1] } }

    /// A matrix of independent N(0, σ²) entries from a fixed stream.
    static func gaussian(rows: Int, cols: Int, seed: UInt64, standardDeviation: Double = 1) -> Matrix {
        var rng = Xoshiro256(seed: seed, stream: "test-matrix")
        return Matrix(rows: rows, cols: cols, storage: rng.normals(rows * cols, standardDeviation: standardDeviation))
    }
}
