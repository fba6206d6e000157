#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An independent forward pass of the gated cells (LSTM and GRU) in extended precision (`Wide`,
/// declared in ReferenceRNN.swift), for finite differences and for reading Tests/Fixtures/Torch/
/// gated.json. It shares no code with the simulator and uses none of its types: every argument is
/// a flat row-major [Double], so this file compiles whatever the simulator's API looks like.
///
/// The equations are PyTorch's (single layer, one sequence), in gradlab's layout. Hidden size n,
/// input channels m, output channels p, inputs x_1 … x_T; h_0 is given, and c_0 = 0 for the LSTM.
///
/// LSTM (nn.LSTM, gate order i, f, g, o), W 4n × n, U 4n × m, b 4n (torch's bias_ih + bias_hh):
///
///     a_t = W h_{t−1} + U x_t + b
///     i = σ(a[0:n]),  f = σ(a[n:2n]),  g = tanh(a[2n:3n]),  o = σ(a[3n:4n])
///     c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
///
/// GRU (nn.GRU, gate order r, z, n), W 3n × n, U 3n × m, and one bias b of 4n entries,
/// b = [b_ir + b_hr, b_iz + b_hz, b_in, b_hn] (U_r = rows 0..<n of U, and so on):
///
///     r = σ(U_r x_t + W_r h_{t−1} + b[0:n])
///     z = σ(U_z x_t + W_z h_{t−1} + b[n:2n])
///     ñ = tanh(U_n x_t + b[2n:3n] + r ⊙ (W_n h_{t−1} + b[3n:4n]))
///     h_t = (1 − z) ⊙ ñ + z ⊙ h_{t−1}
///
/// Readout and loss: y = V h_T + c (V p × n, c p), then L = ½‖y − y*‖² (`.squared`, the default)
/// or L = −Σ_k y*_k log softmax(y)_k (`.crossEntropy`, y* one-hot).
///
/// The time loop reads through unsafe buffers because a gradient check runs thousands of these
/// passes in a debug build.
struct ReferenceGated {
    enum Kind: String, Sendable {
        case lstm, gru

        /// How many blocks of n rows W and U have: 4 for the LSTM (i, f, g, o), 3 for the GRU (r, z, n).
        var gates: Int {
            switch self {
            case .lstm: 4
            case .gru: 3
            }
        }
    }

    enum Objective: String, Sendable {
        case squared, crossEntropy
    }

    let kind: Kind
    let objective: Objective
    var W: [Wide]   // gates·n × n
    var U: [Wide]   // gates·n × m
    var b: [Wide]   // 4n for both cells (see above)
    var V: [Wide]   // p × n
    var c: [Wide]   // p (the readout's bias, not the LSTM's cell state)
    var h0: [Wide]  // n
    let n: Int, m: Int, p: Int
    let inputs: [Wide]   // T × m, row-major
    let target: [Wide]   // p
    let length: Int      // T

    init(
        kind: Kind, n: Int, m: Int, p: Int,
        W: [Double], U: [Double], b: [Double], V: [Double], c: [Double], h0: [Double],
        inputs: [Double], target: [Double], objective: Objective = .squared
    ) {
        let rows = kind.gates * n
        precondition(n > 0 && m > 0 && p > 0, "sizes must be positive")
        precondition(W.count == rows * n, "W has \(W.count) entries, not \(rows)×\(n)")
        precondition(U.count == rows * m, "U has \(U.count) entries, not \(rows)×\(m)")
        precondition(b.count == 4 * n, "b has \(b.count) entries, not 4·\(n)")
        precondition(V.count == p * n, "V has \(V.count) entries, not \(p)×\(n)")
        precondition(c.count == p && target.count == p, "c and the target need \(p) entries")
        precondition(h0.count == n, "h0 has \(h0.count) entries, not \(n)")
        precondition(inputs.count % m == 0, "inputs are not T×\(m)")
        self.kind = kind
        self.objective = objective
        self.W = W.map { Wide($0) }
        self.U = U.map { Wide($0) }
        self.b = b.map { Wide($0) }
        self.V = V.map { Wide($0) }
        self.c = c.map { Wide($0) }
        self.h0 = h0.map { Wide($0) }
        self.n = n
        self.m = m
        self.p = p
        self.inputs = inputs.map { Wide($0) }
        self.target = target.map { Wide($0) }
        self.length = inputs.count / m
    }

    /// The tensors a gradient check walks over: the parameters, then h₀.
    enum Tensor: String, CaseIterable, Sendable, CustomStringConvertible {
        case W, U, b, V, c, h0
        var description: String { rawValue }
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
            precondition(newValue.count == self[tensor].count, "\(tensor) keeps its size")
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

    /// σ, written out here rather than borrowed from the simulator.
    static func sigmoid(_ x: Wide) -> Wide { 1 / (1 + exp(-x)) }

    /// L for the current parameters (½‖y − y*‖² unless the objective is cross entropy).
    func loss() -> Wide { run().loss }

    /// The forward pass: L, h_T, and (LSTM only) the cell state c_T.
    func run() -> (loss: Wide, h: [Wide], c: [Wide]?) {
        let (n, m, rows) = (n, m, kind.gates * n)
        var h = h0
        var cell = [Wide](repeating: 0, count: n)   // c_t (LSTM)
        var wh = [Wide](repeating: 0, count: rows)   // W h_{t−1}
        var ux = [Wide](repeating: 0, count: rows)   // U x_t

        W.withUnsafeBufferPointer { W in
            U.withUnsafeBufferPointer { U in
                b.withUnsafeBufferPointer { b in
                    inputs.withUnsafeBufferPointer { X in
                        for t in stride(from: 1, through: length, by: 1) {
                            let x = UnsafeBufferPointer(rebasing: X[(t - 1) * m ..< t * m])
                            h.withUnsafeBufferPointer { H in
                                wh.withUnsafeMutableBufferPointer { Self.multiply(W, H, into: $0, cols: n) }
                            }
                            ux.withUnsafeMutableBufferPointer { Self.multiply(U, x, into: $0, cols: m) }

                            switch kind {
                            case .lstm:
                                // a = W h + U x + b; the four gates are the four blocks of n rows.
                                for k in 0..<n {
                                    func a(_ gate: Int) -> Wide {
                                        let r = gate * n + k
                                        return wh[r] + ux[r] + b[r]
                                    }
                                    let i = Self.sigmoid(a(0))
                                    let f = Self.sigmoid(a(1))
                                    let g = tanh(a(2))
                                    let o = Self.sigmoid(a(3))
                                    cell[k] = f * cell[k] + i * g
                                    h[k] = o * tanh(cell[k])
                                }
                            case .gru:
                                // Every gate reads h_{t−1}; wh already holds all it needs, so h is
                                // overwritten in place.
                                for k in 0..<n {
                                    let r = Self.sigmoid(ux[k] + wh[k] + b[k])
                                    let z = Self.sigmoid(ux[n + k] + wh[n + k] + b[n + k])
                                    let candidate = tanh(ux[2 * n + k] + b[2 * n + k] + r * (wh[2 * n + k] + b[3 * n + k]))
                                    h[k] = (1 - z) * candidate + z * h[k]
                                }
                            }
                        }
                    }
                }
            }
        }

        // y = V h_T + c
        var y = [Wide](repeating: 0, count: p)
        for o in 0..<p {
            var s = c[o]
            for k in 0..<n { s += V[o * n + k] * h[k] }
            y[o] = s
        }
        let L: Wide
        switch objective {
        case .squared:
            var sum: Wide = 0
            for o in 0..<p {
                let r = y[o] - target[o]
                sum += r * r
            }
            L = sum / 2
        case .crossEntropy:
            // log softmax(y)_k = y_k − max − log Σ exp(y_j − max)
            let top = y.max()!
            var partition: Wide = 0
            for o in 0..<p { partition += exp(y[o] - top) }
            let logPartition = log(partition)
            var sum: Wide = 0
            for o in 0..<p where target[o] != 0 { sum -= target[o] * (y[o] - top - logPartition) }
            L = sum
        }
        return (L, h, kind == .lstm ? cell : nil)
    }

    /// out[r] = Σ_j M[r, j] v[j], M row-major with `cols` columns and out.count rows.
    private static func multiply(
        _ M: UnsafeBufferPointer<Wide>, _ v: UnsafeBufferPointer<Wide>,
        into out: UnsafeMutableBufferPointer<Wide>, cols: Int
    ) {
        for r in 0..<out.count {
            var s: Wide = 0
            for j in 0..<cols { s += M[r * cols + j] * v[j] }
            out[r] = s
        }
    }

    /// (L(θ + h) − L(θ − h)) / 2h for the entries `entries` of `tensor` (every one when nil), the
    /// others held fixed, with h = 1e-6 · max(1, |θ|) — the same differences as
    /// `FiniteDifference.gradient` in ReferenceRNN.swift.
    static func finiteDifference(_ tensor: Tensor, of reference: ReferenceGated, at entries: [Int]? = nil) -> [Double] {
        var model = reference
        let theta = reference[tensor]
        return (entries ?? Array(theta.indices)).map { k in
            let h: Wide = 1e-6 * Swift.max(1, abs(theta[k]))
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
}
