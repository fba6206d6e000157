/// How the recurrent matrix W is chosen.
public enum Initialization: Sendable, Equatable {
    /// Entries drawn from N(0, 1/n): by the circular law ρ(W) ≈ 1 for large n.
    case gaussian
    /// A random orthogonal matrix (Haar measure): every eigenvalue and singular value has modulus 1.
    case orthogonal
    /// The identity matrix.
    case identity
    /// A matrix the learner wrote out.
    case literal(Matrix)

    public var name: String {
        switch self {
        case .gaussian: "gaussian"
        case .orthogonal: "orthogonal"
        case .identity: "identity"
        case .literal: "literal"
        }
    }
}

/// Why a spec gives no model, with the sizes or the value at fault. The simulator says this as data;
/// the shell words it.
public enum ModelError: Error, Sendable, Equatable {
    /// The W written out is `rows`×`cols`, but the hidden size is `hiddenSize`: W must be n×n.
    case literalSize(rows: Int, cols: Int, hiddenSize: Int)
    /// A spectral radius was asked for, but ρ(W) is not finite (W has a NaN or infinite entry), so W
    /// cannot be rescaled.
    case radiusNotFinite
    /// The spectral radius `target` was asked for, but ρ(W) is 0 (every eigenvalue is zero), so W
    /// cannot be rescaled to it.
    case radiusZero(target: Double)
    /// ρ(W) is `rho`, so small that W·target/ρ overflows: W cannot be rescaled to `target`.
    case radiusTooSmall(rho: Double, target: Double)
    /// W's entries are finite but ρ(W) itself is past the Double range, so W cannot be rescaled.
    case radiusOverflows(target: Double)
}

/// Everything that determines a model and its one training sequence. The same spec gives the same
/// numbers on every machine.
///
/// The task fixes the input and output channels (m, p); U ~ N(0, 1/m), b = 0, V ~ N(0, 1/n), c = 0,
/// h_0 = 0. A gated cell's W stacks one n × n matrix a gate, each drawn by `initialization` from a
/// stream of its own and each rescaled to `spectralRadius`; its U stacks one N(0, 1/m) block a
/// gate; an LSTM's forget-gate bias is `forgetBias` (1 by default, as Jozefowicz et al. 2015
/// recommend), every other bias 0. The default task, `regress`, has one input and one output channel, inputs x_t ~ N(0, 1)
/// and a target y* ~ N(0, 1). Each quantity has its own random stream, so a longer T extends the same
/// input sequence and leaves the weights as they were.
public struct ModelSpec: Sendable, Equatable {
    public var hiddenSize: Int
    public var length: Int
    public var activation: Activation
    public var initialization: Initialization
    /// When set, W is rescaled so that ρ(W) is this value: W times target/ρ, with ρ from our own
    /// fixed-order solver (`Spectrum.reproducibleSpectralRadius`), so that the rescaled W has the
    /// same bits on every processor (LAPACK's ρ of it is the target to about 1e-14).
    public var spectralRadius: Double?
    public var seed: UInt64
    public var task: TaskKind
    public var cell: RecurrentCell
    /// The LSTM's forget-gate bias b_f (every entry); other cells ignore it.
    public var forgetBias: Double

    public init(hiddenSize: Int = 8, length: Int = 40, activation: Activation = .tanh,
                initialization: Initialization = .gaussian, spectralRadius: Double? = nil, seed: UInt64 = 1,
                task: TaskKind = .regress, cell: RecurrentCell = .rnn, forgetBias: Double = 1) {
        self.task = task
        self.cell = cell
        self.forgetBias = forgetBias
        self.hiddenSize = hiddenSize
        self.length = length
        self.activation = activation
        self.initialization = initialization
        self.spectralRadius = spectralRadius
        self.seed = seed
    }

    /// The recurrent matrix, rescaled to the requested spectral radius if one is set: for a gated
    /// cell, the gates' matrices stacked (W_i; W_f; W_g; W_o), each drawn and rescaled on its own.
    /// `radius` is how ρ of a matrix before rescaling is found: the fixed-order solver, or a
    /// caller's memo of it (a sweep over ρ rescales one matrix many times).
    public func recurrentMatrix(radius: (Matrix) -> Double = Spectrum.reproducibleSpectralRadius) throws(ModelError) -> Matrix {
        guard cell != .rnn else { return try gateMatrix(stream: "W", radius: radius) }
        var storage: [Double] = []
        for gate in cell.gateNames { storage += try gateMatrix(stream: "W_" + gate, radius: radius).storage }
        return Matrix(rows: cell.gates * hiddenSize, cols: hiddenSize, storage: storage)
    }

    /// One n × n recurrent matrix drawn from the random stream `stream`, rescaled to the spectral radius.
    func gateMatrix(stream: String, radius: (Matrix) -> Double) throws(ModelError) -> Matrix {
        let n = hiddenSize
        var w: Matrix
        switch initialization {
        case .gaussian:
            var rng = Xoshiro256(seed: seed, stream: stream)
            w = Matrix(rows: n, cols: n, storage: rng.normals(n * n, standardDeviation: (1 / Double(n)).squareRoot()))
        case .orthogonal:
            var rng = Xoshiro256(seed: seed, stream: stream)
            w = Self.randomOrthogonal(n, &rng)
        case .identity:
            w = .identity(n)
        case .literal(let m):
            guard m.isSquare, m.rows == n else { throw .literalSize(rows: m.rows, cols: m.cols, hiddenSize: n) }
            w = m
        }
        guard let target = spectralRadius else { return w }
        let rho = radius(w)
        guard rho.isFinite else { throw w.allFinite && rho == .infinity ? .radiusOverflows(target: target) : .radiusNotFinite }
        guard rho > 0 else { throw .radiusZero(target: target) }
        // A tiny ρ (5e-324) makes target/ρ infinite, or W's entries overflow when multiplied by it:
        // refused, rather than a W of NaN and ∞.
        let scaled = w.scaled(by: target / rho)
        guard scaled.allFinite else { throw .radiusTooSmall(rho: rho, target: target) }
        return scaled
    }

    /// The task at this spec's length and seed.
    public var trainingTask: TrainingTask { TrainingTask(task, length: length, seed: seed) }

    public func model(radius: (Matrix) -> Double = Spectrum.reproducibleSpectralRadius) throws(ModelError) -> RNN {
        let n = hiddenSize, m = trainingTask.inputSize, p = trainingTask.outputSize, rows = cell.gates * n
        var rngU = Xoshiro256(seed: seed, stream: "U")
        var rngV = Xoshiro256(seed: seed, stream: "V")
        var b = [Double](repeating: 0, count: cell.biasCount(n))
        if cell == .lstm { for i in n..<(2 * n) { b[i] = forgetBias } }
        return RNN(
            W: try recurrentMatrix(radius: radius),
            U: Matrix(rows: rows, cols: m, storage: rngU.normals(rows * m, standardDeviation: (1 / Double(m)).squareRoot())),
            b: b,
            V: Matrix(rows: p, cols: n, storage: rngV.normals(p * n, standardDeviation: (1 / Double(n)).squareRoot())),
            c: Array(repeating: 0, count: p),
            activation: activation, cell: cell)
    }

    /// The one example `bptt` and `grad` look at: regress's fixed sequence, or the first example of
    /// the task's own "example" stream.
    public func sample() -> Sample {
        var rng = Xoshiro256(seed: seed, stream: "example")
        return trainingTask.sample(&rng)
    }

    /// Q from the QR factorisation of a Gaussian matrix, with the signs of R's diagonal folded in so
    /// that Q is Haar-distributed (Mezzadri 2007). The factorisation is ours, Householder's as LAPACK's
    /// `dgeqr2` and `dorg2r` do it (v₀ = 1, β = −sign(α)‖x‖), each sum in order: LAPACK's calls
    /// BLAS, whose kernels, and so the last bits of Q, depend on the processor.
    static func randomOrthogonal(_ n: Int, _ rng: inout Xoshiro256) -> Matrix {
        guard n > 0 else { return Matrix(rows: 0, cols: 0) }
        var a = rng.normals(n * n)  // column-major: column j is a[j·n ..< (j + 1)·n]
        var tau = [Double](repeating: 0, count: n)
        var signs = [Double](repeating: 1, count: n)
        var q = [Double](repeating: 0, count: n * n)
        a.withUnsafeMutableBufferPointer { a in
        q.withUnsafeMutableBufferPointer { q in
            let A = a.baseAddress!, Q = q.baseAddress!
            // Applies I − τ v vᵀ to rows k…n−1 of column c, where v = (1, v[k+1…n−1]).
            func reflect(_ c: UnsafeMutablePointer<Double>, _ v: UnsafeMutablePointer<Double>, _ k: Int, _ tau: Double) {
                var w = c[k]
                for i in (k + 1)..<n { w += v[i] * c[i] }
                w *= tau
                c[k] -= w
                for i in (k + 1)..<n { c[i] -= w * v[i] }
            }
            for k in 0..<n {
                let v = A + k * n
                var sigma = 0.0
                for i in (k + 1)..<n { sigma += v[i] * v[i] }
                let alpha = v[k]
                guard sigma > 0 else {  // nothing below the diagonal: H = I, R_kk = α
                    signs[k] = alpha < 0 ? -1 : 1
                    continue
                }
                let norm = (alpha * alpha + sigma).squareRoot()
                let beta = alpha >= 0 ? -norm : norm
                tau[k] = (beta - alpha) / beta
                let scale = 1 / (alpha - beta)
                for i in (k + 1)..<n { v[i] *= scale }
                v[k] = beta
                signs[k] = beta < 0 ? -1 : 1
                for j in (k + 1)..<n { reflect(A + j * n, v, k, tau[k]) }
            }
            // Q = H₀ H₁ … H_(n−1) I, the reflections applied last to first.
            for j in 0..<n { Q[j * n + j] = 1 }
            for k in stride(from: n - 1, through: 0, by: -1) where tau[k] != 0 {
                for j in k..<n { reflect(Q + j * n, A + k * n, k, tau[k]) }
            }
        }}
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { m[i, j] = q[j * n + i] * signs[j] } }
        return m
    }
}
