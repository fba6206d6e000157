import Simulator
import Testing

@Suite("Matrix storage and products")
struct MatrixTests {
    @Test("entry (i, j) lives at storage[i · cols + j], and rows come back as they went in")
    func storageIsRowMajor() {
        let m = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.rows == 2 && m.cols == 3)
        #expect(m.storage == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4 && m[0, 2] == 3)
        #expect(m.row(1) == [4, 5, 6])
        #expect(m.rowArrays == [[1, 2, 3], [4, 5, 6]])
        #expect(Matrix(rows: 2, cols: 3, storage: [1, 2, 3, 4, 5, 6]) == m)
    }

    @Test("identity, diagonal and filled matrices hold what their names say")
    func constructors() {
        #expect(Matrix.identity(2).rowArrays == [[1, 0], [0, 1]])
        #expect(Matrix.diagonal([2, -1]).rowArrays == [[2, 0], [0, -1]])
        #expect(Matrix(rows: 2, cols: 1, repeating: 7).rowArrays == [[7], [7]])
        #expect(Matrix(rows: 2, cols: 2).storage == [0, 0, 0, 0])
        #expect(Matrix.identity(3).isSquare && !Matrix(rows: 2, cols: 3).isSquare)
    }

    @Test("the transpose swaps rows and columns")
    func transposeSwapsIndices() {
        let m = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.transposed.rowArrays == [[1, 4], [2, 5], [3, 6]])
        #expect(m.transposed.transposed == m)
    }

    @Test("the matrix product is Σ_k a_ik b_kj")
    func matrixProduct() {
        let a = Matrix([[1, 2], [3, 4], [5, 6]])
        let b = Matrix([[7, 8, 9], [10, 11, 12]])
        #expect((a * b).rowArrays == [[27, 30, 33], [61, 68, 75], [95, 106, 117]])
        #expect((b * a).rowArrays == [[76, 100], [103, 136]])
        #expect(a * Matrix.identity(2) == a)
    }

    @Test("the matrix product is a textbook triple loop's, bit for bit, on random matrices of every block shape")
    func matrixProductMatchesReference() {
        for (rows, inner, cols) in [(7, 5, 9), (4, 8, 8), (13, 30, 21), (64, 64, 64), (1, 3, 130)] {
            let a = Reference.gaussian(rows: rows, cols: inner, seed: 1)
            let b = Reference.gaussian(rows: inner, cols: cols, seed: 2)
            #expect(a * b == Reference.product(a, b), "\(rows)×\(inner) · \(inner)×\(cols)")
        }
    }

    @Test("the matrix-vector product is Σ_j a_ij x_j")
    func matrixVectorProduct() {
        #expect(Matrix([[1, 2], [3, 4], [5, 6]]) * [1, -1] == [-1, -1, -1])
        #expect(Matrix(rows: 0, cols: 2) * [1, 2] == [])
    }

    @Test("scaling multiplies every entry, and allFinite notices NaN and ±Inf")
    func scalingAndFiniteness() {
        #expect(Matrix([[1, -2]]).scaled(by: 0.5).rowArrays == [[0.5, -1]])
        #expect(Matrix([[1, 2]]).allFinite)
        #expect(!Matrix([[1, .nan]]).allFinite)
        #expect(!Matrix([[-.infinity, 2]]).allFinite)
    }

    @Test("non-finite entries are ordinary values that propagate through products")
    func nonFiniteEntriesPropagate() {
        let product = Matrix([[.nan, 0], [0, 1]]) * Matrix.identity(2)
        #expect(product[0, 0].isNaN && product[1, 1] == 1)
        let overflow = Matrix([[1e200]]) * Matrix([[1e200]])
        #expect(overflow[0, 0] == .infinity)
    }
}
