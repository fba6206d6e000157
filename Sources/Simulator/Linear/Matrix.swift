import Kernels

/// A dense real matrix in row-major, contiguous storage: entry (i, j) is `storage[i * cols + j]`.
///
/// Non-finite entries are ordinary values: the subject of this simulator is overflow.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var storage: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "storage holds \(storage.count) values, not \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix from its rows; every row must have the same length.
    public init(_ rowArrays: [[Double]]) {
        let cols = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: rowArrays.count, cols: cols, storage: rowArrays.flatMap { $0 })
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public static func diagonal(_ values: [Double]) -> Matrix {
        var m = Matrix(rows: values.count, cols: values.count)
        for (i, v) in values.enumerated() { m[i, i] = v }
        return m
    }

    public var isSquare: Bool { rows == cols }

    public subscript(i: Int, j: Int) -> Double {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    public func row(_ i: Int) -> [Double] { Array(storage[(i * cols)..<((i + 1) * cols)]) }

    public var rowArrays: [[Double]] { (0..<rows).map(row) }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for i in 0..<rows {
            for j in 0..<cols { t.storage[j * rows + i] = storage[i * cols + j] }
        }
        return t
    }

    public var allFinite: Bool { storage.allSatisfy(\.isFinite) }

    public func scaled(by factor: Double) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: storage.map { $0 * factor })
    }

    /// M ← M · diag(d): column j multiplied by d[j], row by row (in storage order).
    mutating func scaleColumns(by d: [Double]) {
        precondition(d.count == cols, "\(d.count) factors for \(cols) columns")
        let (rows, cols) = (rows, cols)
        storage.withUnsafeMutableBufferPointer { M in
            for i in 0..<rows {
                for j in 0..<cols { M[i * cols + j] *= d[j] }
            }
        }
    }

    /// The matrix product `a · b`, (a · b)_ij = Σ_k a_ik b_kj, by `gl_matmul`: each entry summed in
    /// order of k with a rounded product and a rounded sum each time, as the textbook triple loop
    /// does, so that the bits are the same on every processor. Matrix powers and BPTT's Jacobian
    /// products (O(n³) each) go through here.
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.cols == b.rows, "cannot multiply \(a.rows)×\(a.cols) by \(b.rows)×\(b.cols)")
        var c = Matrix(rows: a.rows, cols: b.cols)
        a.storage.withUnsafeBufferPointer { A in
            b.storage.withUnsafeBufferPointer { B in
                c.storage.withUnsafeMutableBufferPointer { C in
                    gl_matmul(a.rows, b.cols, a.cols, A.baseAddress, a.cols, B.baseAddress, b.cols,
                              C.baseAddress, b.cols)
                }
            }
        }
        return c
    }

    /// The matrix-vector product `a · x`.
    public static func * (a: Matrix, x: [Double]) -> [Double] {
        precondition(a.cols == x.count, "cannot multiply \(a.rows)×\(a.cols) by a vector of \(x.count)")
        var y = [Double](repeating: 0, count: a.rows)
        a.storage.withUnsafeBufferPointer { A in
            for i in 0..<a.rows {
                var sum = 0.0
                for j in 0..<a.cols { sum += A[i * a.cols + j] * x[j] }
                y[i] = sum
            }
        }
        return y
    }
}
