import Simulator
import Testing

/// What BPTT reports about the error travelling back through time: ‖δ_t‖ = ‖∂L/∂h_t‖ and the
/// Jacobian norms ‖∂h_T/∂h_t‖₂.
@Suite("Error norms and Jacobian norms through time")
struct ErrorNormTests {
    static let cases: [GradientCase] = Activation.allCases.flatMap { activation in
        [GradientCase(activation: activation, hiddenSize: 4, length: 20),
         GradientCase(activation: activation, hiddenSize: 16, length: 100)]
    }

    /// The steps probed: both ends, their neighbours, and the middle.
    static func steps(_ T: Int) -> [Int] { Array(Set([0, 1, T / 2, T - 1, T])).sorted() }

    @Test("deltaNorms[t] is the norm of ∂L/∂h_t measured by nudging h_t in the forward pass",
          arguments: cases)
    func deltaNormsMatchInjectedPerturbations(_ gradientCase: GradientCase) throws {
        let (model, sample) = try gradientCase.model.build()
        let result = bptt(model, sample)
        let reference = ReferenceRNN(model, sample)
        let T = gradientCase.length

        #expect(result.deltaNorms.count == T + 1)
        for t in Self.steps(T) {
            let numeric = FiniteDifference.gradientAtState(t, of: reference)
            let error = relativeError(result.deltaNorms[t], euclidean(numeric))
            #expect(error < 1e-6, "t = \(t): deltaNorms = \(result.deltaNorms[t]), ‖finite difference‖ = \(euclidean(numeric))")
            if t == 0 {
                #expect(relativeError(result.deltaAtStart, numeric) < 1e-6, "deltaAtStart is not ∂L/∂h₀")
            }
        }
    }

    @Test("the error at h_t is bounded by the Jacobian norm: ‖δ_t‖ ≤ ‖∂h_T/∂h_t‖₂ · ‖δ_T‖",
          arguments: cases)
    func errorIsBoundedByJacobianNorm(_ gradientCase: GradientCase) throws {
        let (model, sample) = try gradientCase.model.build()
        let result = bptt(model, sample, jacobians: true)
        let jacobianNorms = try #require(result.jacobianNorms)
        let T = gradientCase.length

        #expect(jacobianNorms.count == T + 1)
        #expect(jacobianNorms[T] == 1, "∂h_T/∂h_T is the identity")
        for t in 0...T {
            let bound = jacobianNorms[t] * result.deltaNorms[T]
            #expect(result.deltaNorms[t] <= bound * (1 + 1e-12), "t = \(t): ‖δ_t‖ = \(result.deltaNorms[t]) > \(bound)")
        }
    }

    @Test("jacobianNorms[t] is the largest singular value of ∂h_T/∂h_t measured by finite differences",
          arguments: cases)
    func jacobianNormsMatchFiniteDifferenceJacobians(_ gradientCase: GradientCase) throws {
        let (model, sample) = try gradientCase.model.build()
        let result = bptt(model, sample, jacobians: true)
        let jacobianNorms = try #require(result.jacobianNorms)
        let reference = ReferenceRNN(model, sample)
        let T = gradientCase.length

        for t in Self.steps(T) {
            let jacobian = FiniteDifference.stateJacobian(from: t, of: reference)
            let sigma = Reference.singularValues(jacobian)[0]
            #expect(relativeError(jacobianNorms[t], sigma) < 1e-6, "t = \(t): \(jacobianNorms[t]) against \(sigma)")
        }
    }

    @Test("for a linear RNN, ∂h_T/∂h_t is W^(T−t) and jacobianNorms[t] is ‖W^(T−t)‖₂ from powerNorms",
          arguments: [(hiddenSize: 1, length: 30), (hiddenSize: 8, length: 40), (hiddenSize: 16, length: 60)])
    func linearJacobianIsAPowerOfW(hiddenSize: Int, length: Int) throws {
        let spec = ModelSpec(hiddenSize: hiddenSize, length: length, activation: .linear, spectralRadius: 0.9, seed: 3)
        let model = try spec.model()
        let sample = spec.sample()
        let result = bptt(model, sample, jacobians: true)
        let jacobianNorms = try #require(result.jacobianNorms)
        let powerNorms = Spectrum.powerNorms(model.W, upTo: length)
        let T = length

        #expect(powerNorms.count == T)
        #expect(jacobianNorms[T] == 1)
        for t in 0..<T {
            #expect(relativeError(jacobianNorms[t], powerNorms[T - t - 1]) < 1e-10,
                    "t = \(t): \(jacobianNorms[t]) against ‖W^\(T - t)‖₂ = \(powerNorms[T - t - 1])")
        }

        // The map h_t ↦ h_T is affine, so a unit nudge measures its Jacobian with no truncation error.
        let reference = ReferenceRNN(model, sample)
        for t in Self.steps(T) {
            let measured = FiniteDifference.stateJacobian(from: t, of: reference, h: 1)
            let expected = Reference.power(model.W, T - t)
            let difference = Matrix(rows: hiddenSize, cols: hiddenSize,
                                    storage: zip(measured.storage, expected.storage).map { $0 - $1 })
            #expect(Reference.frobenius(difference) <= 1e-10 * Reference.frobenius(expected),
                    "t = \(t): ∂h_T/∂h_t differs from W^\(T - t)")
        }
    }
}
