import Simulator
import Synchronization
import Testing

@Suite("Backpropagation through time: forward values and bookkeeping")
struct BPTTTests {
    static func model(_ activation: Activation = .tanh, length: Int = 12) throws -> (RNN, Sample) {
        try GradientCheckModel(activation: activation, hiddenSize: 4, length: length, seed: 2).build()
    }

    @Test("loss, output and hidden states are the forward pass of the formulas", arguments: Activation.allCases)
    func forwardPassMatchesTheFormulas(activation: Activation) throws {
        let (model, sample) = try Self.model(activation)
        let result = bptt(model, sample)
        let reference = ReferenceRNN(model, sample)
        let pass = reference.run(keepPreActivations: true)

        #expect(relativeError(result.loss, Double(pass.loss)) < 1e-12)
        #expect(result.hidden.rows == sample.length + 1 && result.hidden.cols == 4)
        #expect(result.hidden.row(0) == model.h0)
        #expect(relativeError(result.hidden.row(sample.length), pass.last.map { Double($0) }) < 1e-12)
        let y = zip(model.V * result.hidden.row(sample.length), model.c).map { $0 + $1 }
        #expect(relativeError(result.output, y) < 1e-15)
        let residual = zip(result.output, sample.target).map { $0 - $1 }
        #expect(relativeError(result.loss, 0.5 * residual.reduce(0) { $0 + $1 * $1 }) < 1e-15)
    }

    @Test("∂L/∂c is the residual y − y* and ∂L/∂V is the residual times h_Tᵀ")
    func outputLayerGradients() throws {
        let (model, sample) = try Self.model()
        let result = bptt(model, sample)
        let residual = zip(result.output, sample.target).map { $0 - $1 }
        let hT = result.hidden.row(sample.length)
        #expect(result.gradients.c == residual)
        for o in 0..<model.outputSize {
            for i in 0..<model.hiddenSize { #expect(result.gradients.V[o, i] == residual[o] * hT[i]) }
        }
        #expect(result.deltaNorms[sample.length] == VectorNorm.of(model.V.transposed * residual))
    }

    @Test("Jacobian norms are computed only when asked for, and asking changes nothing else")
    func jacobiansAreOptional() throws {
        let (model, sample) = try Self.model()
        let plain = bptt(model, sample)
        let withJacobians = bptt(model, sample, jacobians: true)
        #expect(plain.jacobianNorms == nil)
        #expect(withJacobians.jacobianNorms?.count == sample.length + 1)
        #expect(plain.loss == withJacobians.loss)
        #expect(plain.gradients == withJacobians.gradients)
        #expect(plain.deltaNorms == withJacobians.deltaNorms)
        #expect(plain.deltaAtStart == withJacobians.deltaAtStart)
    }

    @Test("gradientNorm is the 2-norm over all parameter gradients together")
    func gradientNormSpansAllTensors() throws {
        let (model, sample) = try Self.model()
        let result = bptt(model, sample)
        #expect(relativeError(result.gradientNorm, euclidean(result.gradients.tensors.flatMap { $0 })) < 1e-14)
    }

    @Test("with T = 0 the loss depends on h₀ alone: W, U, b get no gradient and δ₀ = Vᵀ(y − y*)")
    func emptySequence() throws {
        let (model, _) = try Self.model()
        let sample = Sample(inputs: Matrix(rows: 0, cols: 1), target: [0.25])
        let result = bptt(model, sample, jacobians: true)
        let residual = zip(model.V * model.h0, model.c).map { $0 + $1 - 0.25 }
        #expect(result.gradients.c == residual)
        #expect(result.gradients.W.storage.allSatisfy { $0 == 0 })
        #expect(result.gradients.U.storage.allSatisfy { $0 == 0 })
        #expect(result.gradients.b.allSatisfy { $0 == 0 })
        #expect(result.deltaAtStart == model.V.transposed * residual)
        #expect(result.deltaNorms.count == 1)
        #expect(result.jacobianNorms == [1])
    }

    @Test("a NaN input makes the loss and the gradient NaN instead of crashing or hiding it",
          arguments: Activation.allCases)
    func nanInputPoisonsTheGradient(activation: Activation) throws {
        var (model, sample) = try Self.model(activation)
        sample.inputs[3, 0] = .nan
        model.U[0, 0] = 1
        let result = bptt(model, sample)
        #expect(result.loss.isNaN)
        #expect(result.gradientNorm.isNaN)
        #expect(result.deltaNorms[0].isNaN)
    }

    @Test("Gradients.tensors lists W, U, b, V, c in names order, and replacing(with:) restores the shapes")
    func gradientTensorsRoundTrip() throws {
        let (model, sample) = try Self.model()
        let gradients = bptt(model, sample).gradients
        #expect(Gradients.names == ["W", "U", "b", "V", "c"])
        let tensors = gradients.tensors
        #expect(tensors.map(\.count) == [16, 4, 4, 4, 1])
        #expect(tensors[0] == gradients.W.storage && tensors[2] == gradients.b && tensors[4] == gradients.c)
        #expect(gradients.replacing(with: tensors) == gradients)
        let halved = gradients.replacing(with: tensors.map { $0.map { $0 / 2 } })
        #expect(halved.W.rows == 4 && halved.W.cols == 4 && halved.V.rows == 1 && halved.V.cols == 4)
        #expect(halved.U.storage == gradients.U.storage.map { $0 / 2 })
    }
}

extension BPTTTests {
    /// The README's tour (`set rho=1.2 T=40 act=linear; bptt` at the default n = 8, seed 1) prints
    /// these numbers to four significant figures; the simulator must keep producing them.
    @Test("the README tour's linear model (ρ = 1.2, T = 40, n = 8, seed 1) gives the numbers the README prints")
    func readmeTourNumbers() throws {
        let spec = ModelSpec(hiddenSize: 8, length: 40, activation: .linear, spectralRadius: 1.2, seed: 1)
        let model = try spec.model()
        let result = bptt(model, spec.sample(), jacobians: true)
        let jacobianNorms = try #require(result.jacobianNorms)
        let printed: [(String, Double, Double)] = [
            ("σ_max(W)", Spectrum.largestSingularValue(model.W), 1.711),
            ("‖∂L/∂h_40‖", result.deltaNorms[40], 163.5),
            ("‖∂L/∂h_0‖", result.deltaNorms[0], 1.126e5),
            ("‖∂h_40/∂h_38‖", jacobianNorms[38], 1.961),
            ("‖∂h_40/∂h_0‖", jacobianNorms[0], 2145),
            ("loss", result.loss, 5.624e4),
            ("‖∇L‖", result.gradientNorm, 1.218e7),
        ]
        for (name, value, shown) in printed {
            #expect(relativeError(value, shown) < 5e-4, "\(name) = \(value), the README shows \(shown)")
        }
        #expect(relativeError(Spectrum.spectralRadius(model.W), 1.2) < 1e-12)
    }

    @Test("a pass stopped part-way gives NaN for everything it did not reach, never a plausible zero")
    func interruptedPassIsNaN() throws {
        let spec = ModelSpec(hiddenSize: 8, length: 128, seed: 2)
        let model = try spec.model()
        for stopAt in [2, 3] {  // asked at t = 64 and 128 forward, then t = 128 and 64 backward
            let asked = Mutex(0)
            let result = bptt(model, spec.sample(), shouldStop: { asked.withLock { $0 += 1; return $0 >= stopAt } })
            #expect(result.interrupted)
            #expect(result.gradients.W.storage.allSatisfy(\.isNaN) && result.gradients.b.allSatisfy(\.isNaN))
            #expect(result.deltaNorms[0].isNaN && result.deltaAtStart.allSatisfy(\.isNaN) && result.meanDerivative.isNaN)
            if stopAt == 2 {  // stopped in the forward pass, at t = 128: h_128 was never formed
                #expect(result.loss.isNaN && result.hidden.row(128).allSatisfy(\.isNaN) && result.hidden.row(127).allSatisfy(\.isFinite))
            } else {  // stopped at the start of the backward pass: the output and ‖δ_128‖ are there
                #expect(result.loss.isFinite && result.deltaNorms[128].isFinite && result.deltaNorms[127].isNaN)
            }
        }
    }
}

extension BPTTTests {
    /// (n, T) for the reference comparison: one unit, one step, and n = 70, where the forward and
    /// backward products take the kernels' row form (n > 64) and ∂L/∂W = Gᵀ H is BLAS's (T·n² > 2¹⁷).
    static let referenceSizes = [(1, 1), (1, 20), (4, 1), (4, 20), (16, 100), (70, 30)]

    /// A gradient-check model and its sample; for cross-entropy its output widened to 3 classes
    /// (a softmax over one output is 1 whatever the input, with no gradient) and its target one-hot.
    static func referenceCase(_ activation: Activation, n: Int, T: Int, loss: Loss) throws -> (RNN, Sample) {
        var (model, sample) = try GradientCase(activation: activation, hiddenSize: n, length: T).model.build()
        if loss == .crossEntropy {
            var rng = Xoshiro256(seed: 3, stream: "classes")
            let scale = (1 / Double(n)).squareRoot()
            model.V = Matrix(rows: 3, cols: n, storage: rng.normals(3 * n, standardDeviation: scale))
            model.c = rng.normals(3, standardDeviation: 0.1)
            sample.target = [0, 1, 0]
        }
        return (model, sample)
    }

    @Test("the fast BPTT gives the min-char-rnn-style reference's loss, gradient tensors and ‖δ_t‖ within 1e-12",
          arguments: Activation.allCases, Loss.allCases)
    func fastPathMatchesReferenceBPTT(activation: Activation, loss: Loss) throws {
        for (n, T) in Self.referenceSizes {
            let (model, sample) = try Self.referenceCase(activation, n: n, T: T, loss: loss)
            let fast = bptt(model, sample, loss: loss)
            let reference = referenceBPTT(model, sample, loss: loss)
            let context = "\(activation), \(loss), n = \(n), T = \(T)"
            #expect(relativeError(fast.loss, reference.loss) < 1e-12, "loss, \(context)")
            for (name, (a, b)) in zip(Gradients.names, zip(fast.gradients.tensors, reference.gradients)) {
                #expect(a.count == b.count && relativeError(a, b) < 1e-12, "∂L/∂\(name), \(context)")
                #expect(a.contains { $0 != 0 }, "∂L/∂\(name) is zero, \(context): the comparison would prove nothing")
            }
            #expect(fast.deltaNorms.count == T + 1 && reference.deltaNorms.count == T + 1)
            for (t, (a, b)) in zip(fast.deltaNorms, reference.deltaNorms).enumerated() {
                #expect(relativeError(a, b) < 1e-12, "‖δ_\(t)‖ = \(a), the reference's \(b), \(context)")
            }
        }
    }
}
