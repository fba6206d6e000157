import Simulator
import Testing

@Suite("Activation functions and their derivatives")
struct ActivationTests {
    @Test("φ at known points: tanh(½), σ(0) = ½, σ(2), relu, identity")
    func knownValues() {
        #expect(relativeError(Activation.tanh.apply(0.5), 0.46211715726000974) < 1e-15)
        #expect(Activation.tanh.apply(0) == 0)
        #expect(Activation.sigmoid.apply(0) == 0.5)
        #expect(relativeError(Activation.sigmoid.apply(2), 0.8807970779778823) < 1e-15)
        #expect(Activation.relu.apply(2.5) == 2.5)
        #expect(Activation.relu.apply(-2.5) == 0)
        #expect(Activation.relu.apply(0) == 0)
        #expect(Activation.linear.apply(-3.25) == -3.25)
    }

    @Test("φ′(z, φ(z)) matches a central difference of φ", arguments: Activation.allCases)
    func derivativeMatchesFiniteDifference(activation: Activation) {
        for z in stride(from: -4.0, through: 4.0, by: 0.37) {
            let h = 1e-6
            let numeric = (activation.apply(z + h) - activation.apply(z - h)) / (2 * h)
            let analytic = activation.derivative(z: z, h: activation.apply(z))
            #expect(abs(analytic - numeric) < 1e-8, "z = \(z): \(analytic) against \(numeric)")
        }
    }

    @Test("relu′ is 1 for z > 0 and 0 for z ≤ 0, 0 at the kink itself")
    func reluDerivativeAtTheKink() {
        #expect(Activation.relu.derivative(z: 1e-300, h: 1e-300) == 1)
        #expect(Activation.relu.derivative(z: 0, h: 0) == 0)
        #expect(Activation.relu.derivative(z: -0.0, h: 0) == 0)
        #expect(Activation.relu.derivative(z: -1e-300, h: 0) == 0)
    }

    @Test("NaN stays NaN through φ, and through φ′ wherever φ′ depends on z", arguments: Activation.allCases)
    func nanPropagates(activation: Activation) {
        let h = activation.apply(.nan)
        #expect(h.isNaN)
        if activation == .linear {
            #expect(activation.derivative(z: .nan, h: h) == 1, "the identity's derivative is 1 everywhere")
        } else {
            #expect(activation.derivative(z: .nan, h: h).isNaN)
        }
    }

    @Test("tanh and sigmoid saturate to their limits without NaN, with derivative 0 there")
    func saturation() {
        #expect(Activation.tanh.apply(1000) == 1 && Activation.tanh.apply(-1000) == -1)
        #expect(Activation.sigmoid.apply(800) == 1 && Activation.sigmoid.apply(-800) == 0)
        #expect(Activation.tanh.derivative(z: 1000, h: 1) == 0)
        #expect(Activation.sigmoid.derivative(z: -800, h: 0) == 0)
        #expect(Activation.relu.apply(.infinity) == .infinity && Activation.relu.apply(-.infinity) == 0)
    }

    @Test("the activations and their names")
    func names() {
        #expect(Activation.allCases.map(\.rawValue) == ["tanh", "linear", "relu", "sigmoid"])
    }
}
