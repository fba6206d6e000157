import CLapack
@testable import Simulator
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Eigenvalues as (real, imaginary) pairs, in the order `Spectrum` returns them.
private func eigenpairs(_ m: Matrix) -> [(re: Double, im: Double)] {
    Spectrum.eigenvalues(m).map { (re: $0.real, im: $0.imaginary) }
}

/// |λ − μ| for eigenvalues given as pairs.
private func distance(_ a: (re: Double, im: Double), _ b: (re: Double, im: Double)) -> Double {
    let (x, y) = (a.re - b.re, a.im - b.im)
    return (x * x + y * y).squareRoot()
}

/// The companion matrix of the monic polynomial x^n + a[0] x^(n−1) + … + a[n−1]: its eigenvalues
/// are the polynomial's roots.
private func companion(_ a: [Double]) -> Matrix {
    let n = a.count
    var m = Matrix(rows: n, cols: n)
    for j in 0..<n { m[0, j] = -a[j] }
    for i in 1..<n { m[i, i - 1] = 1 }
    return m
}

@Suite("Spectrum: eigenvalues, singular values and power norms")
struct SpectrumTests {
    // MARK: Known spectra

    @Test("a 2×2 rotation by θ has eigenvalues e^{±iθ}, the positive imaginary part first",
          arguments: [0.3, 1.0, 2.5, -0.7])
    func rotationHasEigenvaluesOnTheUnitCircle(theta: Double) {
        let (c, s) = (cos(theta), sin(theta))
        let rotation = Matrix([[c, -s], [s, c]])
        let lambda = eigenpairs(rotation)
        #expect(lambda.count == 2)
        #expect(distance(lambda[0], (c, abs(s))) < 1e-10, "\(lambda)")
        #expect(distance(lambda[1], (c, -abs(s))) < 1e-10, "\(lambda)")
        #expect(abs(Spectrum.spectralRadius(rotation) - 1) < 1e-10)
    }

    @Test("an upper-triangular Jordan block with λ = 0.7 has the eigenvalue 0.7 exactly, three times")
    func jordanBlockHasExactRepeatedEigenvalue() {
        let jordan = Matrix([[0.7, 1, 0], [0, 0.7, 1], [0, 0, 0.7]])
        let lambda = eigenpairs(jordan)
        #expect(lambda.count == 3)
        for l in lambda {
            #expect(l.re == 0.7 && l.im == 0, "\(lambda)")
        }
    }

    @Test("the companion matrix of (x−1)(x−2)(x−3)(x−4) has eigenvalues 4, 3, 2, 1")
    func companionMatrixHasThePolynomialsRealRoots() {
        // x⁴ − 10x³ + 35x² − 50x + 24
        let lambda = eigenpairs(companion([-10, 35, -50, 24]))
        let expected: [(re: Double, im: Double)] = [(4, 0), (3, 0), (2, 0), (1, 0)]
        #expect(lambda.count == 4)
        for (l, e) in zip(lambda, expected) {
            #expect(distance(l, e) < 1e-10, "\(lambda)")
        }
    }

    @Test("the companion matrix of (x−2)(x+½)(x²−2x+5) has eigenvalues 1±2i, 2, −½ in that order")
    func companionMatrixHasAComplexPair() {
        // (x² − 1.5x − 1)(x² − 2x + 5) = x⁴ − 3.5x³ + 7x² − 5.5x − 5
        let lambda = eigenpairs(companion([-3.5, 7, -5.5, -5]))
        let expected: [(re: Double, im: Double)] = [(1, 2), (1, -2), (2, 0), (-0.5, 0)]
        #expect(lambda.count == 4)
        for (l, e) in zip(lambda, expected) {
            #expect(distance(l, e) < 1e-10, "\(lambda)")
        }
        #expect(abs(Spectrum.spectralRadius(companion([-3.5, 7, -5.5, -5])) - 5.0.squareRoot()) < 1e-10)
    }

    @Test("a diagonal matrix's eigenvalues are its diagonal, sorted by modulus and then by real part")
    func diagonalEigenvaluesAreSortedByModulus() {
        let lambda = eigenpairs(.diagonal([0.5, -3, 2, 1e-3, -2, 0]))
        #expect(lambda.map(\.re) == [-3, 2, -2, 0.5, 1e-3, 0])
        #expect(lambda.allSatisfy { $0.im == 0 })
        #expect(Spectrum.spectralRadius(.diagonal([0.5, -3, 2])) == 3)
    }

    @Test("an orthogonal W from ModelSpec has every |λ| = 1 and every σ = 1", arguments: [1, 4, 16, 64])
    func orthogonalInitialisationHasUnitSpectrum(n: Int) throws {
        let w = try ModelSpec(hiddenSize: n, initialization: .orthogonal, seed: 11).recurrentMatrix()
        let lambda = Spectrum.eigenvalues(w)
        #expect(lambda.count == n)
        for l in lambda { #expect(abs(l.length - 1) < 1e-10, "|λ| = \(l.length)") }
        let sigma = Spectrum.singularValues(w)
        #expect(sigma.count == n)
        for s in sigma { #expect(abs(s - 1) < 1e-12, "σ = \(s)") }
    }

    // MARK: Random matrices against a second method

    @Test("a symmetric random 64×64 matrix has the eigenvalues LAPACK's dsyevd finds, to 1e-10")
    func symmetricEigenvaluesAgreeWithDivideAndConquer() {
        let g = Reference.gaussian(rows: 64, cols: 64, seed: 5)
        var a = Matrix(rows: 64, cols: 64)
        for i in 0..<64 { for j in 0..<64 { a[i, j] = (g[i, j] + g[j, i]) / 2 } }

        let lambda = eigenpairs(a)
        let expected = Reference.symmetricEigenvalues(a)
        let scale = Reference.singularValues(a)[0]
        #expect(lambda.count == 64)
        #expect(lambda.allSatisfy { abs($0.im) <= 1e-10 * scale }, "a symmetric matrix has real eigenvalues")
        for (l, e) in zip(lambda.map(\.re).sorted(), expected) {
            #expect(abs(l - e) <= 1e-10 * scale, "\(l) against dsyevd's \(e)")
        }
    }

    /// λ = a + ib is an eigenvalue of A exactly when A − λI is singular, i.e. when the real
    /// 2n × 2n matrix [[A − aI, bI], [−bI, A − aI]] (A − λI written over the reals) is singular.
    @Test("every eigenvalue of a general random 64×64 matrix makes A − λI singular, and Σλ, Σλ² are the traces of A, A²")
    func generalEigenvaluesMakeTheShiftedMatrixSingular() {
        let n = 64
        let a = Reference.gaussian(rows: n, cols: n, seed: 9)
        let norm = Reference.singularValues(a)[0]
        let lambda = eigenpairs(a)
        #expect(lambda.count == n)
        #expect(lambda.contains { $0.im != 0 }, "a real Gaussian matrix this size has complex eigenvalues")

        for l in lambda {
            var shifted = Matrix(rows: 2 * n, cols: 2 * n)
            for i in 0..<n {
                for j in 0..<n {
                    let v = a[i, j] - (i == j ? l.re : 0)
                    shifted[i, j] = v
                    shifted[n + i, n + j] = v
                }
                shifted[i, n + i] = l.im
                shifted[n + i, i] = -l.im
            }
            let smallest = Reference.singularValues(shifted).last!
            #expect(smallest < 1e-10 * norm, "σ_min(A − λI) = \(smallest) for λ = \(l)")
        }

        let sum = lambda.reduce((re: 0.0, im: 0.0)) { (re: $0.re + $1.re, im: $0.im + $1.im) }
        let sumOfSquares = lambda.reduce((re: 0.0, im: 0.0)) {
            (re: $0.re + $1.re * $1.re - $1.im * $1.im, im: $0.im + 2 * $1.re * $1.im)
        }
        let trace = Reference.trace(a), traceOfSquare = Reference.trace(Reference.product(a, a))
        #expect(relativeError(sum.re, trace) < 1e-10, "Σλ = \(sum.re), tr A = \(trace)")
        #expect(abs(sum.im) < 1e-10 * abs(trace))
        #expect(relativeError(sumOfSquares.re, traceOfSquare) < 1e-10, "Σλ² = \(sumOfSquares.re), tr A² = \(traceOfSquare)")
        #expect(abs(sumOfSquares.im) < 1e-10 * abs(traceOfSquare))
    }

    @Test("complex eigenvalues of a real matrix come in adjacent conjugate pairs, positive imaginary part first")
    func complexEigenvaluesComeInConjugatePairs() {
        let lambda = eigenpairs(Reference.gaussian(rows: 40, cols: 40, seed: 2))
        var i = 0
        while i < lambda.count {
            if lambda[i].im == 0 { i += 1; continue }
            #expect(i + 1 < lambda.count)
            guard i + 1 < lambda.count else { break }
            #expect(lambda[i].im > 0)
            #expect(lambda[i + 1].re == lambda[i].re && lambda[i + 1].im == -lambda[i].im, "\(lambda[i]) and \(lambda[i + 1])")
            i += 2
        }
        let moduli = lambda.map { ($0.re * $0.re + $0.im * $0.im).squareRoot() }
        for k in 1..<moduli.count { #expect(moduli[k] <= moduli[k - 1] * (1 + 1e-15)) }
    }

    // MARK: Singular values and powers

    @Test("[[3, 0], [4, 5]] has singular values √45 and √5")
    func singularValuesOfAKnownMatrix() {
        let sigma = Spectrum.singularValues(Matrix([[3, 0], [4, 5]]))
        #expect(sigma.count == 2)
        #expect(relativeError(sigma[0], 45.0.squareRoot()) < 1e-14)
        #expect(relativeError(sigma[1], 5.0.squareRoot()) < 1e-14)
        #expect(relativeError(Spectrum.largestSingularValue(Matrix([[3, 0], [4, 5]])), 45.0.squareRoot()) < 1e-14)
    }

    @Test("a 2×3 matrix and its transpose both have singular values √((91 ± √8065)/2)")
    func singularValuesOfRectangularMatrices() {
        let m = Matrix([[1, 2, 3], [4, 5, 6]])
        let expected = [((91 + 8065.0.squareRoot()) / 2).squareRoot(), ((91 - 8065.0.squareRoot()) / 2).squareRoot()]
        for sigma in [Spectrum.singularValues(m), Spectrum.singularValues(m.transposed)] {
            #expect(sigma.count == 2)
            for (s, e) in zip(sigma, expected) { #expect(relativeError(s, e) < 1e-13, "\(sigma)") }
        }
    }

    @Test("a zero matrix has zero singular values and spectral radius 0; an empty one has no spectrum")
    func zeroAndEmptyMatrices() {
        #expect(Spectrum.singularValues(Matrix(rows: 3, cols: 2)) == [0, 0])
        #expect(Spectrum.spectralRadius(Matrix(rows: 3, cols: 3)) == 0)
        #expect(Spectrum.eigenvalues(Matrix(rows: 0, cols: 0)).isEmpty)
        #expect(Spectrum.singularValues(Matrix(rows: 0, cols: 0)).isEmpty)
        #expect(Spectrum.largestSingularValue(Matrix(rows: 0, cols: 0)) == 0)
    }

    @Test("powerNorms gives ‖Wᵏ‖₂ for k = 1…K, as computed directly from Wᵏ", arguments: [1, 8, 24])
    func powerNormsMatchDirectPowers(n: Int) {
        let w = Reference.gaussian(rows: n, cols: n, seed: 13, standardDeviation: (1 / Double(n)).squareRoot())
        let norms = Spectrum.powerNorms(w, upTo: 25)
        #expect(norms.count == 25)
        for k in 1...25 {
            let direct = Reference.singularValues(Reference.power(w, k))[0]
            #expect(relativeError(norms[k - 1], direct) < 1e-10, "k = \(k): \(norms[k - 1]) against \(direct)")
        }
    }

    @Test("powers of the Jordan block [[a, 1], [0, a]] have the closed-form norm (|β| + √(β² + 4α²))/2")
    func powerNormsOfAJordanBlock() {
        let a = 0.5
        let norms = Spectrum.powerNorms(Matrix([[a, 1], [0, a]]), upTo: 12)
        for k in 1...12 {
            // [[a, 1], [0, a]]^k = [[α, β], [0, α]] with α = a^k, β = k a^(k−1).
            let alpha = pow(a, Double(k)), beta = Double(k) * pow(a, Double(k - 1))
            let expected = (abs(beta) + (beta * beta + 4 * alpha * alpha).squareRoot()) / 2
            #expect(relativeError(norms[k - 1], expected) < 1e-12, "k = \(k)")
        }
        #expect(Spectrum.powerNorms(Matrix([[0, 1], [0, 0]]), upTo: 3) == [1, 0, 0])
        #expect(Spectrum.powerNorms(Matrix([[2]]), upTo: 0).isEmpty)
    }

    // MARK: Non-finite input

    // The limit is generous: it counts wall time from the test's start, and under AddressSanitizer
    // on two cores a test can wait over a minute for a thread while the finite-difference checks
    // run (it did, three times in one run). A hang would still be caught.
    @Test("a matrix with a NaN or infinite entry has NaN eigenvalues, without crashing or hanging",
          .timeLimit(.minutes(10)), arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteMatrixHasNaNEigenvalues(bad: Double) {
        var m = Reference.gaussian(rows: 5, cols: 5, seed: 1)
        m[2, 3] = bad
        let lambda = Spectrum.eigenvalues(m)
        #expect(lambda.count == 5)
        #expect(lambda.allSatisfy { $0.real.isNaN && $0.imaginary.isNaN })
    }

    @Test("a matrix with a NaN or infinite entry has spectral radius NaN", arguments: [Double.nan, .infinity])
    func nonFiniteMatrixHasNaNSpectralRadius(bad: Double) {
        var m = Reference.gaussian(rows: 5, cols: 5, seed: 1)
        m[0, 4] = bad
        let rho = Spectrum.spectralRadius(m)
        #expect(rho.isNaN, "ρ = \(rho)")
    }

    @Test("singular values of a matrix with NaN are NaN; with ±Inf (and no NaN) σ_max is +Inf and the rest NaN")
    func nonFiniteMatrixSingularValues() {
        var m = Reference.gaussian(rows: 4, cols: 3, seed: 1)
        m[1, 1] = -.infinity
        let withInfinity = Spectrum.singularValues(m)
        #expect(withInfinity.count == 3)
        #expect(withInfinity[0] == .infinity)
        #expect(withInfinity.dropFirst().allSatisfy { $0.isNaN })
        #expect(Spectrum.largestSingularValue(m) == .infinity)

        m[0, 0] = .nan
        #expect(Spectrum.singularValues(m).allSatisfy { $0.isNaN })
        #expect(Spectrum.largestSingularValue(m).isNaN)
    }

    @Test("powerNorms of a NaN matrix are NaN, and of a matrix whose powers overflow they stop being finite")
    func powerNormsOfNonFiniteMatrices() {
        let nan = Spectrum.powerNorms(Matrix([[1, .nan], [0, 1]]), upTo: 3)
        #expect(nan.count == 3 && nan.allSatisfy { $0.isNaN })

        let huge = Spectrum.powerNorms(.diagonal([1e200, 1e200]), upTo: 3)
        #expect(huge.count == 3)
        #expect(relativeError(huge[0], 1e200) < 1e-15)
        #expect(huge[1] == .infinity)
        #expect(!huge[2].isFinite)
    }

    // MARK: ρ(W) of our own, for the rescale

    @Test("the fixed-order ρ(W) matches LAPACK's to 1e-12 on Gaussian, orthogonal and literal matrices", arguments: [1, 2, 3, 8, 17, 40, 64, 129])
    func reproducibleRadiusMatchesLapack(n: Int) throws {
        for seed in UInt64(1)...4 {
            for initialization in [Initialization.gaussian, .orthogonal] {
                let w = try ModelSpec(hiddenSize: n, initialization: initialization, seed: seed).recurrentMatrix()
                let ours = Spectrum.reproducibleSpectralRadius(w), lapack = Spectrum.spectralRadius(w)
                #expect(relativeError(ours, lapack) < 1e-12, "\(initialization.name) n = \(n), seed \(seed): \(ours) vs \(lapack)")
            }
        }
    }

    @Test("the fixed-order ρ(W) of known spectra: rotation, Jordan block, companion matrix, nilpotent, scaled, non-finite")
    func reproducibleRadiusOfKnownSpectra() {
        let theta = 1.1
        #expect(relativeError(Spectrum.reproducibleSpectralRadius(Matrix([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])), 1) < 1e-15)
        #expect(Spectrum.reproducibleSpectralRadius(Matrix([[2, 1, 0], [0, 2, 1], [0, 0, 2]])) == 2)
        #expect(relativeError(Spectrum.reproducibleSpectralRadius(companion([-10, 35, -50, 24])), 4) < 1e-12)  // roots 1, 2, 3, 4
        #expect(relativeError(Spectrum.reproducibleSpectralRadius(companion([0, 0, 1])), 1) < 1e-12)  // x³ + 1: roots on |x| = 1
        #expect(Spectrum.reproducibleSpectralRadius(Matrix([[0, 1, 0], [0, 0, 1], [0, 0, 0]])) == 0)
        #expect(Spectrum.reproducibleSpectralRadius(Matrix(rows: 4, cols: 4)) == 0)
        #expect(relativeError(Spectrum.reproducibleSpectralRadius(Matrix([[3e200, 0], [0, -5e200]])), 5e200) < 1e-15)
        #expect(relativeError(Spectrum.reproducibleSpectralRadius(Matrix([[3e-200, 1e-200], [0, 2e-200]])), 3e-200) < 1e-15)
        #expect(Spectrum.reproducibleSpectralRadius(Matrix([[1, .nan], [0, 1]])).isNaN)
        #expect(Spectrum.reproducibleSpectralRadius(Matrix([[1, .infinity], [0, 1]])).isNaN)
    }

    @Test("the fallback rounds ρ to 12 significant digits: nearby values give the same bits")
    func twelveDigits() {
        #expect(Spectrum.twelveDigits(1.0000000000004) == 1.0)
        #expect(Spectrum.twelveDigits(1.23456789012345) == 1.23456789012)
        #expect(Spectrum.twelveDigits(-98765.4321098765) == -98765.4321099)
        #expect(Spectrum.twelveDigits(0.000123456789012345) == 0.000123456789012)
        for x in [0.7, 1.2345, 3.3, 42.0, 1e-5, 6.02e22] {
            #expect(Spectrum.twelveDigits(x.nextUp) == Spectrum.twelveDigits(x.nextDown), "\(x)")
        }
        #expect(Spectrum.twelveDigits(0) == 0 && Spectrum.twelveDigits(.infinity) == .infinity && Spectrum.twelveDigits(.nan).isNaN)
    }
}
