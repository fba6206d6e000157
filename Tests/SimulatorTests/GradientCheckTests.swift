import Simulator
import Testing

@Suite("BPTT gradients against central finite differences")
struct GradientCheckTests {
    /// The gradient of one tensor (W, U, b, V, c, or h₀ through `deltaAtStart`) against central
    /// differences of an independent extended-precision forward pass, as ‖a − f‖ / max(‖a‖, ‖f‖).
    @Test("every gradient tensor matches central finite differences to 1e-6 relative",
          arguments: GradientCase.all, ReferenceRNN.Tensor.allCases)
    func gradientMatchesFiniteDifferences(_ gradientCase: GradientCase, _ tensor: ReferenceRNN.Tensor) throws {
        let (model, sample) = try gradientCase.model.build()
        let result = bptt(model, sample)
        let reference = ReferenceRNN(model, sample)

        let analytic = tensor.analytic(result)
        let numeric = FiniteDifference.gradient(tensor, of: reference)
        let error = relativeError(analytic, numeric)
        #expect(error < 1e-6,
                "∂L/∂\(tensor): relative error \(error); ‖analytic‖ = \(euclidean(analytic)), ‖finite difference‖ = \(euclidean(numeric))")
    }

    /// Guards the test above against passing vacuously: every tensor has a gradient well above the
    /// finite-difference noise, the error has not vanished on its way back to h₀, and relu's
    /// pre-activations keep clear of the kink (so that ±h never switches a unit) while still
    /// exercising both branches.
    @Test("the gradient-check models keep every gradient alive and relu away from its kink",
          arguments: GradientCase.all)
    func gradientCheckModelsAreNotDegenerate(_ gradientCase: GradientCase) throws {
        let (model, sample) = try gradientCase.model.build()
        let reference = ReferenceRNN(model, sample)
        let T = gradientCase.length

        let atStart = euclidean(FiniteDifference.gradientAtState(0, of: reference))
        let atEnd = euclidean(FiniteDifference.gradientAtState(T, of: reference))
        #expect(atEnd > 1e-3)
        #expect(atStart >= 1e-3 * atEnd, "‖∂L/∂h₀‖ = \(atStart) against ‖∂L/∂h_T‖ = \(atEnd)")

        let result = bptt(model, sample)
        for tensor in ReferenceRNN.Tensor.allCases {
            #expect(euclidean(tensor.analytic(result)) > 1e-4, "∂L/∂\(tensor) is (nearly) zero")
        }

        if gradientCase.activation == .relu {
            let z = reference.run(keepPreActivations: true).preActivations.flatMap { $0 }.map { Double($0) }
            let closest = z.map { abs($0) }.min() ?? .infinity
            #expect(closest > 1e-3, "a pre-activation is \(closest) from the kink")
            if gradientCase.hiddenSize > 1 && T > 1 {
                #expect(z.contains { $0 < 0 }, "no unit is ever switched off")
                #expect(z.contains { $0 > 0 })
            }
        }
    }

    /// ModelSpec only makes one-input, one-output models, where U and V are vectors and a swapped
    /// index would go unnoticed; this model has m = 2 input and p = 3 output channels. Seed 105 was
    /// picked (from 90…110) so that relu keeps every |z| > 0.1 and its error alive back to h₀.
    static func multiChannelModel(_ activation: Activation, seed: UInt64 = 105) -> (RNN, Sample) {
        let (n, m, p, T) = (5, 2, 3, 15)
        var rng = Xoshiro256(seed: seed, stream: "multi-channel")
        // σ′ ≤ ¼, so sigmoid gets a 4× larger W with b centring z near 0 (as in GradientCheckModel).
        let gain = activation == .sigmoid ? 4.0 : 1.0
        let W = Matrix(rows: n, cols: n, storage: rng.normals(n * n, standardDeviation: 0.8 * gain / Double(n).squareRoot()))
        let noise = rng.normals(n, standardDeviation: 0.2)
        let b: [Double] = switch activation {
        case .relu: noise.map { $0 + 0.5 }
        case .sigmoid: zip(W * [Double](repeating: 0.5, count: n), noise).map { $1 - $0 }
        case .tanh, .linear: noise
        }
        let model = RNN(
            W: W,
            // Small inputs keep tanh off its flat tails, so the error still reaches h₀.
            U: Matrix(rows: n, cols: m, storage: rng.normals(n * m, standardDeviation: activation == .tanh ? 0.2 : 0.5)),
            b: b,
            V: Matrix(rows: p, cols: n, storage: rng.normals(p * n)),
            c: rng.normals(p, standardDeviation: 0.1),
            h0: rng.normals(n, standardDeviation: 0.5).map { activation == .relu || activation == .sigmoid ? abs($0) : $0 },
            activation: activation)
        let sample = Sample(inputs: Matrix(rows: T, cols: m, storage: rng.normals(T * m)), target: rng.normals(p))
        return (model, sample)
    }

    @Test("with several input and output channels every gradient tensor still matches finite differences",
          arguments: Activation.allCases)
    func multiChannelGradientsMatchFiniteDifferences(activation: Activation) {
        let (model, sample) = Self.multiChannelModel(activation)
        let result = bptt(model, sample)
        let reference = ReferenceRNN(model, sample)
        if activation == .relu {
            let z = reference.run(keepPreActivations: true).preActivations.flatMap { $0 }.map { abs(Double($0)) }
            #expect((z.min() ?? 0) > 1e-3, "a pre-activation sits on the kink")
        }
        #expect(result.gradients.U.rows == 5 && result.gradients.U.cols == 2)
        #expect(result.gradients.V.rows == 3 && result.gradients.V.cols == 5)
        #expect(result.gradients.c.count == 3)
        for tensor in ReferenceRNN.Tensor.allCases {
            let analytic = tensor.analytic(result)
            let numeric = FiniteDifference.gradient(tensor, of: reference)
            #expect(euclidean(numeric) > 1e-4, "∂L/∂\(tensor) is (nearly) zero")
            let error = relativeError(analytic, numeric)
            #expect(error < 1e-6, "∂L/∂\(tensor): relative error \(error)")
        }
    }
}
