import Simulator
import Testing

@Suite("Vector and matrix norms")
struct NormTests {
    // MARK: Matrix norms

    /// A = [[1, −2], [3, 4]]: column sums 4, 6; row sums 3, 7; Σa² = 30;
    /// AᵀA = [[10, 10], [10, 20]] has largest eigenvalue 15 + √125, so ‖A‖₂ = √(15 + √125).
    @Test("the 1, 2, ∞ and Frobenius norms of [[1, −2], [3, 4]] are 6, √(15 + √125), 7 and √30")
    func matrixNormsOfASquareMatrix() {
        let a = Matrix([[1, -2], [3, 4]])
        #expect(a.norm(.one) == 6)
        #expect(relativeError(a.norm(.two), (15 + 125.0.squareRoot()).squareRoot()) < 1e-14)
        #expect(a.norm(.infinity) == 7)
        #expect(relativeError(a.norm(.frobenius), 30.0.squareRoot()) < 1e-15)
    }

    @Test("the 1, 2, ∞ and Frobenius norms of [[1, 2, 3], [4, 5, 6]] are 9, √((91 + √8065)/2), 15 and √91")
    func matrixNormsOfARectangularMatrix() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.norm(.one) == 9)
        #expect(relativeError(a.norm(.two), ((91 + 8065.0.squareRoot()) / 2).squareRoot()) < 1e-14)
        #expect(a.norm(.infinity) == 15)
        #expect(relativeError(a.norm(.frobenius), 91.0.squareRoot()) < 1e-15)
        // The transpose swaps the 1- and ∞-norms and keeps the others.
        #expect(a.transposed.norm(.one) == 15)
        #expect(a.transposed.norm(.infinity) == 9)
    }

    @Test("matrix norms of a matrix holding NaN are NaN, and of one holding ±Inf (no NaN) are +Inf",
          arguments: Matrix.Norm.allCases)
    func matrixNormsOfNonFiniteMatrices(kind: Matrix.Norm) {
        #expect(Matrix([[1, .nan], [3, 4]]).norm(kind).isNaN)
        #expect(Matrix([[1, 2], [-.infinity, 4]]).norm(kind) == .infinity)
    }

    @Test("every norm of the zero matrix is 0", arguments: Matrix.Norm.allCases)
    func zeroMatrixHasZeroNorm(kind: Matrix.Norm) {
        #expect(Matrix(rows: 3, cols: 2).norm(kind) == 0)
    }

    // MARK: Vector norms

    @Test("[3, −4] has 1-norm 7, 2-norm 5 and ∞-norm 4")
    func vectorNormsOfAKnownVector() {
        #expect(VectorNorm.of([3.0, -4], order: .one) == 7)
        #expect(VectorNorm.of([3.0, -4]) == 5)
        #expect(VectorNorm.of([3.0, -4], order: .two) == 5)
        #expect(VectorNorm.of([3.0, -4], order: .infinity) == 4)
    }

    @Test("several tensors are normed as one long vector")
    func tensorsAreNormedTogether() {
        #expect(VectorNorm.of([[3.0], [], [-4]]) == 5)
        #expect(VectorNorm.of([[3.0, 0], [0, -4]], order: .one) == 7)
        #expect(VectorNorm.of([[3.0, 0], [0, -4]], order: .infinity) == 4)
        #expect(VectorNorm.of([[Double]]()) == 0)
        #expect(VectorNorm.of([Double]()) == 0)
    }

    @Test("the 2-norm of [1e200, 1e200] is a finite 1.414…e200, not an overflow")
    func twoNormDoesNotOverflow() {
        let norm = VectorNorm.of([1e200, 1e200])
        #expect(norm.isFinite)
        #expect(relativeError(norm, 2.0.squareRoot() * 1e200) < 1e-15)
        #expect(VectorNorm.of([1e200, 1e200], order: .infinity) == 1e200)
        #expect(VectorNorm.of([1e200, 1e200], order: .one) == 2e200)
        #expect(relativeError(VectorNorm.of([[1e300], [1e300]]), 2.0.squareRoot() * 1e300) < 1e-15)
    }

    @Test("the 2-norm of [1e-200, 1e-200] is 1.414…e-200, not an underflow to 0")
    func twoNormDoesNotUnderflow() {
        #expect(relativeError(VectorNorm.of([1e-200, 1e-200]), 2.0.squareRoot() * 1e-200) < 1e-15)
        #expect(VectorNorm.of([Double.leastNonzeroMagnitude]) == .leastNonzeroMagnitude)
    }

    @Test("a norm overflows to +Inf only when the true norm does")
    func normOverflowsOnlyWhenTheTrueValueDoes() {
        // √2 · 1e308 is still below Double.greatestFiniteMagnitude ≈ 1.8e308; √2 · 1.5e308 is not.
        #expect(relativeError(VectorNorm.of([1e308, 1e308]), 2.0.squareRoot() * 1e308) < 1e-15)
        #expect(VectorNorm.of([1.5e308, 1.5e308]) == .infinity)
        #expect(VectorNorm.of([1e308, 1e308], order: .one) == .infinity)
        #expect(VectorNorm.of([1.5e308, 1.5e308], order: .infinity) == 1.5e308)
    }

    @Test("a NaN component makes every norm NaN, even next to an infinite one", arguments: NormOrder.allCases)
    func nanGivesNaN(order: NormOrder) {
        #expect(VectorNorm.of([1, .nan, 3], order: order).isNaN)
        #expect(VectorNorm.of([.infinity, .nan], order: order).isNaN)
        #expect(VectorNorm.of([[.infinity], [2], [.nan]], order: order).isNaN)
    }

    @Test("an infinite component (and no NaN) makes every norm +Inf", arguments: NormOrder.allCases)
    func infinityGivesInfinity(order: NormOrder) {
        #expect(VectorNorm.of([1, .infinity, 3], order: order) == .infinity)
        #expect(VectorNorm.of([1, -.infinity], order: order) == .infinity)
    }

    // MARK: Cosine

    @Test("the cosine of two vectors is ⟨a, b⟩ / (‖a‖‖b‖), in [−1, 1]")
    func cosineOfKnownVectors() {
        #expect(VectorNorm.cosine([1, 0], [0, 1]) == 0)
        #expect(VectorNorm.cosine([2, 0], [-5, 0]) == -1)
        #expect(relativeError(VectorNorm.cosine([1, 1], [1, 0]), 0.5.squareRoot()) < 1e-15)
        #expect(relativeError(VectorNorm.cosine([1e200, 1e200], [1e200, 0]), 0.5.squareRoot()) < 1e-15,
                "huge entries must not overflow")
    }

    @Test("the cosine is NaN when either vector is zero or not finite")
    func cosineIsUndefinedForZeroOrNonFiniteVectors() {
        #expect(VectorNorm.cosine([0, 0], [1, 2]).isNaN)
        #expect(VectorNorm.cosine([1, 2], [0, 0]).isNaN)
        #expect(VectorNorm.cosine([.nan, 1], [1, 2]).isNaN)
        #expect(VectorNorm.cosine([1, 2], [.infinity, 2]).isNaN)
    }
}
