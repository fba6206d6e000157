import Simulator
import Testing

@Suite("ModelSpec: deterministic models and their recurrent matrix")
struct ModelSpecTests {
    @Test("the same spec gives the identical model and sample, every time")
    func sameSpecSameModel() throws {
        let spec = ModelSpec(hiddenSize: 6, length: 25, activation: .tanh, spectralRadius: 1.3, seed: 77)
        #expect(try spec.model() == spec.model())
        #expect(spec.sample() == spec.sample())
        let copy = ModelSpec(hiddenSize: 6, length: 25, activation: .tanh, spectralRadius: 1.3, seed: 77)
        #expect(try copy.model() == spec.model())
    }

    @Test("a different seed gives a different W, U, V and input sequence")
    func differentSeedDifferentModel() throws {
        let a = ModelSpec(hiddenSize: 4, seed: 1), b = ModelSpec(hiddenSize: 4, seed: 2)
        let (ma, mb) = (try a.model(), try b.model())
        #expect(ma.W != mb.W)
        #expect(ma.U != mb.U)
        #expect(ma.V != mb.V)
        #expect(a.sample().inputs != b.sample().inputs)
    }

    @Test("a longer sequence keeps every weight and the target, and extends the same inputs")
    func changingLengthExtendsTheInputs() throws {
        let short = ModelSpec(hiddenSize: 5, length: 10, seed: 3)
        var long = short
        long.length = 40
        #expect(try short.model() == long.model())
        let (s, l) = (short.sample(), long.sample())
        #expect(s.length == 10 && l.length == 40)
        #expect(Array(l.inputs.storage.prefix(10)) == s.inputs.storage)
        #expect(s.target == l.target)
    }

    @Test("the activation changes nothing but the activation")
    func changingActivationKeepsWeights() throws {
        var spec = ModelSpec(hiddenSize: 5, activation: .tanh, seed: 3)
        let tanhModel = try spec.model()
        spec.activation = .relu
        let reluModel = try spec.model()
        #expect(reluModel.activation == .relu)
        #expect(tanhModel.W == reluModel.W && tanhModel.U == reluModel.U && tanhModel.V == reluModel.V)
    }

    @Test("the skeleton's defaults: one input and one output channel, b = 0, c = 0, h₀ = 0, one target value")
    func defaultShapes() throws {
        let spec = ModelSpec(hiddenSize: 7, length: 12, seed: 5)
        let model = try spec.model()
        #expect(model.hiddenSize == 7 && model.inputSize == 1 && model.outputSize == 1)
        #expect(model.W.rows == 7 && model.W.cols == 7)
        #expect(model.U.rows == 7 && model.U.cols == 1)
        #expect(model.V.rows == 1 && model.V.cols == 7)
        #expect(model.b == Array(repeating: 0, count: 7))
        #expect(model.c == [0])
        #expect(model.h0 == Array(repeating: 0, count: 7))
        let sample = spec.sample()
        #expect(sample.inputs.rows == 12 && sample.inputs.cols == 1)
        #expect(sample.target.count == 1)
    }

    @Test("Gaussian W has entries of mean 0 and variance 1/n")
    func gaussianEntriesHaveVarianceOneOverN() throws {
        let n = 64
        let w = try ModelSpec(hiddenSize: n, seed: 9).recurrentMatrix()
        let entries = w.storage
        let mean = entries.reduce(0, +) / Double(entries.count)
        let variance = entries.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(entries.count - 1)
        // 4096 draws: standard errors 1/(n·64) ≈ 0.00024 for the mean, (1/n)·√(2/4096) ≈ 0.00035 for the variance.
        #expect(abs(mean) < 0.001)
        #expect(abs(variance * Double(n) - 1) < 0.09, "n · variance = \(variance * Double(n))")
    }

    static let initializations: [Initialization] = [
        .gaussian, .orthogonal, .identity, .literal(Matrix([[1, 2, 0], [3, 4, 1], [0, -1, 2]])),
    ]

    @Test("spectralRadius rescales W so that ρ(W) is the target to 1e-12, by a single factor",
          arguments: initializations, [0.5, 1.0, 1.7])
    func spectralRadiusRescalesW(initialization: Initialization, target: Double) throws {
        var spec = ModelSpec(hiddenSize: 3, initialization: initialization, seed: 21)
        let unscaled = try spec.recurrentMatrix()
        spec.spectralRadius = target
        let scaled = try spec.recurrentMatrix()
        #expect(relativeError(Spectrum.spectralRadius(scaled), target) < 1e-12)
        // The factor is target/ρ with ρ from the fixed-order solver, as the spec rescales with (LAPACK's
        // ρ differs from it in the last bits, by processor: on an AMD EPYC by more than 1e-15).
        let factor = target / Spectrum.reproducibleSpectralRadius(unscaled)
        #expect(zip(scaled.storage, unscaled.storage).allSatisfy { $0 == $1 * factor })
    }

    @Test("spectralRadius rescales larger Gaussian and orthogonal W exactly too", arguments: [16, 64])
    func spectralRadiusRescalesLargeW(n: Int) throws {
        for initialization in [Initialization.gaussian, .orthogonal] {
            let w = try ModelSpec(hiddenSize: n, initialization: initialization, spectralRadius: 0.9, seed: 4).recurrentMatrix()
            #expect(relativeError(Spectrum.spectralRadius(w), 0.9) < 1e-12, "\(initialization.name)")
        }
    }

    @Test("a nilpotent or zero literal W cannot be rescaled to a spectral radius: ModelError",
          arguments: [Matrix([[0, 1], [0, 0]]), Matrix([[0, 1, 5], [0, 0, 2], [0, 0, 0]]), Matrix(rows: 2, cols: 2)])
    func rescalingANilpotentMatrixThrows(literal: Matrix) {
        let spec = ModelSpec(hiddenSize: literal.rows, initialization: .literal(literal), spectralRadius: 0.9)
        #expect(throws: ModelError.radiusZero(target: 0.9)) { try spec.recurrentMatrix() }
        #expect(throws: ModelError.radiusZero(target: 0.9)) { try spec.model() }
    }

    @Test("without a spectral radius, a literal W is used exactly as written, nilpotent or not")
    func literalWithoutRescalingIsKept() throws {
        let literal = Matrix([[0, 1], [0, 0]])
        let spec = ModelSpec(hiddenSize: 2, initialization: .literal(literal))
        #expect(try spec.recurrentMatrix() == literal)
        #expect(try spec.model().W == literal)
    }

    @Test("a literal W whose size differs from the hidden size is a ModelError, not a crash")
    func literalOfTheWrongSizeThrows() {
        let spec = ModelSpec(hiddenSize: 3, initialization: .literal(Matrix([[1, 0], [0, 1]])))
        #expect(throws: ModelError.literalSize(rows: 2, cols: 2, hiddenSize: 3)) { try spec.model() }
    }

    @Test("a literal W with a non-finite entry cannot be rescaled: ModelError", arguments: [Double.nan, .infinity])
    func rescalingANonFiniteMatrixThrows(bad: Double) {
        let spec = ModelSpec(hiddenSize: 2, initialization: .literal(Matrix([[1, bad], [0, 1]])), spectralRadius: 0.9)
        #expect(throws: ModelError.radiusNotFinite) { try spec.recurrentMatrix() }
    }

    @Test("orthogonal initialisation gives WᵀW = WWᵀ = I to 1e-12", arguments: [1, 2, 8, 64])
    func orthogonalInitialisationIsOrthogonal(n: Int) throws {
        let w = try ModelSpec(hiddenSize: n, initialization: .orthogonal, seed: 31).recurrentMatrix()
        for product in [Reference.product(w.transposed, w), Reference.product(w, w.transposed)] {
            var worst = 0.0
            for i in 0..<n { for j in 0..<n { worst = Swift.max(worst, abs(product[i, j] - (i == j ? 1 : 0))) } }
            #expect(worst < 1e-12, "largest deviation from I: \(worst)")
        }
    }

    @Test("different seeds give different orthogonal matrices")
    func orthogonalDependsOnSeed() throws {
        let a = try ModelSpec(hiddenSize: 8, initialization: .orthogonal, seed: 1).recurrentMatrix()
        let b = try ModelSpec(hiddenSize: 8, initialization: .orthogonal, seed: 2).recurrentMatrix()
        #expect(a != b)
    }

    @Test("identity initialisation is I, and with a spectral radius it is ρ·I")
    func identityInitialisation() throws {
        #expect(try ModelSpec(hiddenSize: 3, initialization: .identity).recurrentMatrix() == .identity(3))
        let scaled = try ModelSpec(hiddenSize: 3, initialization: .identity, spectralRadius: 0.5).recurrentMatrix()
        #expect(scaled == Matrix.identity(3).scaled(by: 0.5))
    }

    @Test("each initialisation has a name", arguments: zip(initializations, ["gaussian", "orthogonal", "identity", "literal"]))
    func initializationNames(initialization: Initialization, name: String) {
        #expect(initialization.name == name)
    }
}

extension ModelSpecTests {
    @Test("the defaults are the README's: n = 8, T = 40, tanh, Gaussian W, no rescaling, seed 1")
    func defaults() {
        let spec = ModelSpec()
        #expect(spec.hiddenSize == 8 && spec.length == 40)
        #expect(spec.activation == .tanh)
        #expect(spec.initialization == .gaussian)
        #expect(spec.spectralRadius == nil)
        #expect(spec.seed == 1)
    }
}

extension ModelSpecTests {
    /// Mezzadri's recipe: draw a Gaussian A, factor A = QR, and fold the signs of R's diagonal into
    /// Q, so that the R of the returned Q (R = QᵀA) has a positive diagonal. Without the sign fix,
    /// Q is still orthogonal but not Haar-distributed, which no orthogonality check would notice.
    @Test("orthogonal W is the Q of A = QR for the stream's Gaussian A, with R's diagonal made positive",
          arguments: [2, 5, 16])
    func orthogonalIsHaarQFactor(n: Int) throws {
        let seed: UInt64 = 8
        let q = try ModelSpec(hiddenSize: n, initialization: .orthogonal, seed: seed).recurrentMatrix()
        var rng = Xoshiro256(seed: seed, stream: "W")
        let drawn = rng.normals(n * n)  // read column by column, as LAPACK does
        var a = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { a[i, j] = drawn[j * n + i] } }

        let r = Reference.product(q.transposed, a)
        for i in 0..<n {
            #expect(r[i, i] > 0, "R[\(i), \(i)] = \(r[i, i])")
            for j in 0..<i { #expect(abs(r[i, j]) < 1e-12, "R[\(i), \(j)] = \(r[i, j]) below the diagonal") }
        }
    }
}
