#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Simulator

/// The precision of the reference forward pass. Finite differences divide a difference of two
/// losses by 2h, so rounding in L is amplified by 1/h; computing L in x87 extended precision
/// (64-bit significand) keeps that rounding about 2000 times below what Double would give, so a
/// central difference with h ≈ 1e-6 is accurate to ~1e-12 relative and a 1e-6 tolerance has a wide
/// margin. Where Float80 does not exist the reference falls back to Double; the tests' models still
/// pass then (worst case about 2e-7), with less margin.
#if arch(x86_64) && !os(Windows) && !os(Android)
typealias Wide = Float80
#else
typealias Wide = Double
#endif

/// An independent forward pass for finite differences, written straight from the formulas in
/// BPTT.swift's doc comment and sharing no code with the simulator (not even φ):
///
///     z_t = W h_{t−1} + U x_t + b,  h_t = φ(z_t),  y = V h_T + c,  L = ½‖y − y*‖²
///
/// The parameters live in flat row-major arrays so that a finite-difference loop can nudge one
/// entry in place; the loop over time reads through unsafe buffers because the gradient check runs
/// thousands of these passes in a debug build.
struct ReferenceRNN {
    var W: [Wide]   // n × n
    var U: [Wide]   // n × m
    var b: [Wide]   // n
    var V: [Wide]   // p × n
    var c: [Wide]   // p
    var h0: [Wide]  // n
    let n: Int, m: Int, p: Int
    let activation: Activation
    let inputs: [Wide]   // T × m, row-major
    let target: [Wide]   // p
    let length: Int

    init(_ model: RNN, _ sample: Sample) {
        W = model.W.storage.map { Wide($0) }
        U = model.U.storage.map { Wide($0) }
        b = model.b.map { Wide($0) }
        V = model.V.storage.map { Wide($0) }
        c = model.c.map { Wide($0) }
        h0 = model.h0.map { Wide($0) }
        n = model.hiddenSize
        m = model.inputSize
        p = model.outputSize
        activation = model.activation
        inputs = sample.inputs.storage.map { Wide($0) }
        target = sample.target.map { Wide($0) }
        length = sample.length
    }

    /// The tensors the gradient check walks over: the parameters in `Gradients.names` order, then h₀.
    enum Tensor: String, CaseIterable, Sendable, CustomStringConvertible {
        case W, U, b, V, c, h0
        var description: String { rawValue }

        /// The analytic value of ∂L/∂(this tensor) in a BPTT result.
        func analytic(_ result: BPTTResult) -> [Double] {
            switch self {
            case .W: result.gradients.W.storage
            case .U: result.gradients.U.storage
            case .b: result.gradients.b
            case .V: result.gradients.V.storage
            case .c: result.gradients.c
            case .h0: result.deltaAtStart
            }
        }
    }

    subscript(tensor: Tensor) -> [Wide] {
        get {
            switch tensor {
            case .W: W
            case .U: U
            case .b: b
            case .V: V
            case .c: c
            case .h0: h0
            }
        }
        set {
            switch tensor {
            case .W: W = newValue
            case .U: U = newValue
            case .b: b = newValue
            case .V: V = newValue
            case .c: c = newValue
            case .h0: h0 = newValue
            }
        }
    }

    /// φ, written out again rather than borrowed from `Activation.apply`.
    static func phi(_ activation: Activation, _ z: Wide) -> Wide {
        switch activation {
        case .tanh: return tanh(z)
        case .linear: return z
        case .relu: return z > 0 ? z : 0
        case .sigmoid: return 1 / (1 + exp(-z))
        }
    }

    /// An additive nudge of one component of h_t, applied right after h_t is formed (t = 0 nudges h₀).
    struct Injection {
        var step: Int
        var unit: Int
        var amount: Wide
    }

    /// What one forward pass produced.
    struct Pass {
        var loss: Wide
        /// h_T.
        var last: [Wide]
        /// z_1 … z_T, when asked for.
        var preActivations: [[Wide]]
    }

    /// L = ½‖V h_T + c − y*‖², optionally with `injection` added to one component of one h_t.
    func loss(injection: Injection? = nil) -> Wide {
        run(injection: injection, keepPreActivations: false).loss
    }

    func run(injection: Injection? = nil, keepPreActivations: Bool) -> Pass {
        var h = h0
        if let inj = injection, inj.step == 0 { h[inj.unit] += inj.amount }
        var z = [Wide](repeating: 0, count: n)
        var kept: [[Wide]] = []
        let (n, m, act) = (n, m, activation)
        W.withUnsafeBufferPointer { W in
            U.withUnsafeBufferPointer { U in
                inputs.withUnsafeBufferPointer { X in
                    b.withUnsafeBufferPointer { B in
                        for t in stride(from: 1, through: length, by: 1) {
                            h.withUnsafeBufferPointer { H in
                                z.withUnsafeMutableBufferPointer { Z in
                                    for i in 0..<n {
                                        var s = B[i]
                                        for j in 0..<n { s += W[i * n + j] * H[j] }
                                        for k in 0..<m { s += U[i * m + k] * X[(t - 1) * m + k] }
                                        Z[i] = s
                                    }
                                }
                            }
                            if keepPreActivations { kept.append(z) }
                            for i in 0..<n { h[i] = Self.phi(act, z[i]) }
                            if let inj = injection, inj.step == t { h[inj.unit] += inj.amount }
                        }
                    }
                }
            }
        }
        var sum: Wide = 0
        for o in 0..<p {
            var y = c[o]
            for i in 0..<n { y += V[o * n + i] * h[i] }
            let r = y - target[o]
            sum += r * r
        }
        return Pass(loss: sum / 2, last: h, preActivations: kept)
    }
}

/// Central finite differences on the reference forward pass.
enum FiniteDifference {
    /// The step for a parameter at θ: h = 1e-6 · max(1, |θ|).
    static func step(at theta: Wide) -> Wide { 1e-6 * Swift.max(1, abs(theta)) }

    /// (L(θ + h) − L(θ − h)) / 2h for every entry of `tensor`, the other entries held fixed.
    static func gradient(_ tensor: ReferenceRNN.Tensor, of reference: ReferenceRNN) -> [Double] {
        var model = reference
        let theta = reference[tensor]
        return theta.indices.map { k in
            let h = step(at: theta[k])
            var nudged = theta
            nudged[k] = theta[k] + h
            model[tensor] = nudged
            let lPlus = model.loss()
            nudged[k] = theta[k] - h
            model[tensor] = nudged
            let lMinus = model.loss()
            return Double((lPlus - lMinus) / (2 * h))
        }
    }

    /// ∂L/∂h_t, by adding ±h to one component of h_t at a time during the forward pass.
    static func gradientAtState(_ t: Int, of reference: ReferenceRNN, h: Wide = 1e-6) -> [Double] {
        (0..<reference.n).map { unit in
            let lPlus = reference.loss(injection: .init(step: t, unit: unit, amount: h))
            let lMinus = reference.loss(injection: .init(step: t, unit: unit, amount: -h))
            return Double((lPlus - lMinus) / (2 * h))
        }
    }

    /// The Jacobian ∂h_T/∂h_t (n × n), column j from nudging component j of h_t.
    static func stateJacobian(from t: Int, of reference: ReferenceRNN, h: Wide = 1e-6) -> Matrix {
        let n = reference.n
        var J = Matrix(rows: n, cols: n)
        for j in 0..<n {
            let plus = reference.run(injection: .init(step: t, unit: j, amount: h), keepPreActivations: false).last
            let minus = reference.run(injection: .init(step: t, unit: j, amount: -h), keepPreActivations: false).last
            for i in 0..<n { J[i, j] = Double((plus[i] - minus[i]) / (2 * h)) }
        }
        return J
    }
}

/// ‖a − f‖ / max(‖a‖, ‖f‖, floor): the relative distance between two tensors. The floor only
/// matters when both are exactly zero (0/0 would otherwise be NaN, i.e. a failure).
func relativeError(_ a: [Double], _ f: [Double], floor: Double = 1e-300) -> Double {
    precondition(a.count == f.count, "comparing tensors of \(a.count) and \(f.count) entries")
    let diff = euclidean(zip(a, f).map { $0 - $1 })
    return diff / Swift.max(euclidean(a), euclidean(f), floor)
}

/// |a − b| / max(|a|, |b|, floor) for scalars.
func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-300) -> Double {
    if a == b { return 0 }
    return abs(a - b) / Swift.max(abs(a), abs(b), floor)
}

/// The plain 2-norm √Σx², independent of the simulator's VectorNorm (fine for well-scaled data).
func euclidean(_ x: [Double]) -> Double {
    x.reduce(0) { $0 + $1 * $1 }.squareRoot()
}
