import RealModule

/// The loss on the output y = V h_T + c.
public enum Loss: String, Sendable, CaseIterable {
    /// L = ½‖y − y*‖² (regression).
    case squaredError
    /// L = −log softmax(y)[k] for the class k marked by a one-hot target y* (classification).
    case crossEntropy

    /// The loss and ∂L/∂y.
    public func evaluate(output y: [Double], target: [Double]) -> (loss: Double, gradient: [Double]) {
        switch self {
        case .squaredError:
            let r = zip(y, target).map { $0 - $1 }
            return (0.5 * r.reduce(0) { $0 + $1 * $1 }, r)
        case .crossEntropy:
            // log-softmax with the largest logit subtracted, so that no exponential overflows.
            let top = y.max() ?? 0
            let shifted = y.map { $0 - top }
            let logSum = Double.log(shifted.reduce(0) { $0 + Double.exp($1) })
            let logp = shifted.map { $0 - logSum }
            let loss = -zip(logp, target).reduce(0) { $0 + $1.1 * $1.0 }
            return (loss, zip(logp, target).map { Double.exp($0) - $1 })
        }
    }
}

/// Everything one forward and backward pass through time measures.
public struct BPTTResult: Sendable {
    public var loss: Double
    /// y = V h_T + c.
    public var output: [Double]
    /// h_0 … h_T as the rows of a (T+1) × n matrix.
    public var hidden: Matrix
    public var gradients: Gradients
    /// ‖∂L/∂h_t‖₂ for t = 0…T: the back-propagated error as it travels back through time.
    public var deltaNorms: [Double]
    /// ∂L/∂h_0 (the error that reached the start of the sequence).
    public var deltaAtStart: [Double]
    /// ‖∂h_T/∂h_t‖₂ for t = 0…T (1 at t = T), or nil when not asked for (or interrupted).
    public var jacobianNorms: [Double]?
    /// Mean of φ′(z_t) over every unit and step: how much the non-linearity lets through (1 for
    /// linear; near 0 when tanh or sigmoid saturate).
    public var meanDerivative: Double
    /// How many components of the δ_t were clamped by `errorClip` (signal clipping).
    public var clampedErrors = 0

    /// ‖∇L‖₂ over all parameters together.
    public var gradientNorm: Double { VectorNorm.of(gradients.tensors) }
}

/// Backpropagation through time, written to be read next to the math:
///
///     forward:  z_t = W h_{t−1} + U x_t + b,  h_t = φ(z_t),  y = V h_T + c,  L = loss(y, y*)
///     backward: δ_T = Vᵀ ∂L/∂y;  g_t = φ′(z_t) ⊙ δ_t;  δ_{t−1} = Wᵀ g_t
///               ∂L/∂W = Σ g_t h_{t−1}ᵀ,  ∂L/∂U = Σ g_t x_tᵀ,  ∂L/∂b = Σ g_t,
///               ∂L/∂V = ∂L/∂y h_Tᵀ,  ∂L/∂c = ∂L/∂y
///
/// with δ_t = ∂L/∂h_t. `errorClip` τ clamps every component of δ_t to [−τ, τ] as it is formed
/// (Mikolov's RNNLM): the gradient is then no longer the true one, by design. The Jacobian products
/// ∂h_T/∂h_t = ∂h_T/∂h_{t+1} · diag(φ′(z_{t+1})) W are formed only when `jacobians` is true: they cost
/// O(T·n³), the rest O(T·n²). Loops run over flat row-major buffers.
///
/// `shouldStop` is asked once per time step of the Jacobian products (the slow part); when it says
/// yes they are left out (nil).
public func bptt(_ model: RNN, _ sample: Sample, loss: Loss = .squaredError, errorClip: Double? = nil,
                 jacobians: Bool = false, shouldStop: () -> Bool = { false }) -> BPTTResult {
    let n = model.hiddenSize, m = model.inputSize, p = model.outputSize, T = sample.length
    let phi = model.activation
    precondition(sample.inputs.cols == m && sample.target.count == p, "sample does not fit the model")

    // Every buffer is flat and row-major; the loops run over raw pointers (no bounds or uniqueness
    // checks in the O(T·n²) parts). zs holds z_1…z_T (row t−1), hs holds h_0…h_T (row t).
    var zs = [Double](repeating: 0, count: T * n)
    var hs = [Double](repeating: 0, count: (T + 1) * n)
    var dW = [Double](repeating: 0, count: n * n), dU = [Double](repeating: 0, count: n * m)
    var db = [Double](repeating: 0, count: n)
    var deltaNorms = [Double](repeating: 0, count: T + 1)
    var delta = [Double](repeating: 0, count: n)
    var lossValue = 0.0, y: [Double] = [], r: [Double] = []
    var derivativeSum = 0.0
    var clamped = 0
    let W = UnsafeMutablePointer<Double>.allocate(capacity: n * n), U = UnsafeMutablePointer<Double>.allocate(capacity: n * m)
    let X = UnsafeMutablePointer<Double>.allocate(capacity: max(1, T * m))
    let g = UnsafeMutablePointer<Double>.allocate(capacity: n), next = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { W.deallocate(); U.deallocate(); X.deallocate(); g.deallocate(); next.deallocate() }
    W.initialize(from: model.W.storage, count: n * n)
    U.initialize(from: model.U.storage, count: n * m)
    X.initialize(from: sample.inputs.storage, count: T * m)

    zs.withUnsafeMutableBufferPointer { zBuffer in
    hs.withUnsafeMutableBufferPointer { hBuffer in
    dW.withUnsafeMutableBufferPointer { dWBuffer in
    dU.withUnsafeMutableBufferPointer { dUBuffer in
    db.withUnsafeMutableBufferPointer { dbBuffer in
    delta.withUnsafeMutableBufferPointer { deltaBuffer in
        let Z = zBuffer.baseAddress!, H = hBuffer.baseAddress!, DW = dWBuffer.baseAddress!, DU = dUBuffer.baseAddress!
        let DB = dbBuffer.baseAddress!, D = deltaBuffer.baseAddress!

        // Forward: z_t = W h_{t−1} + U x_t + b, h_t = φ(z_t).
        for i in 0..<n { H[i] = model.h0[i] }
        for t in stride(from: 1, through: T, by: 1) {
            let hPrevious = H + (t - 1) * n, x = X + (t - 1) * m, z = Z + (t - 1) * n, h = H + t * n
            for i in 0..<n {
                var s = model.b[i]
                let wRow = W + i * n
                for j in 0..<n { s += wRow[j] * hPrevious[j] }
                for k in 0..<m { s += U[i * m + k] * x[k] }
                z[i] = s
                h[i] = phi.apply(s)
            }
        }
        let hT = Array(UnsafeBufferPointer(start: H + T * n, count: n))
        y = zip(model.V * hT, model.c).map { $0 + $1 }
        (lossValue, r) = loss.evaluate(output: y, target: sample.target)

        // Backward: δ_T = Vᵀ ∂L/∂y, then g_t = φ′(z_t) ⊙ δ_t and δ_{t−1} = Wᵀ g_t.
        for i in 0..<n { D[i] = 0 }
        for o in 0..<p { for i in 0..<n { D[i] += model.V[o, i] * r[o] } }
        if let tau = errorClip { clamped += clamp(D, n, tau) }
        deltaNorms[T] = VectorNorm.of(UnsafeBufferPointer(start: D, count: n))
        for t in stride(from: T, through: 1, by: -1) {
            let hPrevious = H + (t - 1) * n, x = X + (t - 1) * m, z = Z + (t - 1) * n, h = H + t * n
            for i in 0..<n {
                let d = phi.derivative(z: z[i], h: h[i])
                derivativeSum += d
                g[i] = d * D[i]
            }
            for i in 0..<n { next[i] = 0 }
            for i in 0..<n {
                let gi = g[i], wRow = W + i * n, dwRow = DW + i * n
                for j in 0..<n {
                    dwRow[j] += gi * hPrevious[j]   // ∂L/∂W += g_t h_{t−1}ᵀ
                    next[j] += wRow[j] * gi          // δ_{t−1} = Wᵀ g_t
                }
                for k in 0..<m { DU[i * m + k] += gi * x[k] }
                DB[i] += gi
            }
            for i in 0..<n { D[i] = next[i] }
            if let tau = errorClip { clamped += clamp(D, n, tau) }
            deltaNorms[t - 1] = VectorNorm.of(UnsafeBufferPointer(start: D, count: n))
        }
    }}}}}}
    var dV = [Double](repeating: 0, count: p * n)
    for o in 0..<p { for i in 0..<n { dV[o * n + i] = r[o] * hs[T * n + i] } }

    var jacobianNorms: [Double]? = nil
    if jacobians {
        // ∂h_T/∂h_t is kept as 2^exponent · J, J rescaled by a power of two (exactly) whenever its
        // entries leave a safe range, so that a huge product is reported as its true size (or +Inf
        // past 1.8e308) rather than as the NaN that Inf − Inf would leave in an overflowed matrix.
        var norms = [Double](repeating: 1, count: T + 1)
        var J = Matrix.identity(n)
        var exponent = 0  // the true product is 2^exponent · J
        for t in stride(from: T - 1, through: 0, by: -1) {
            if shouldStop() { break }
            // J ← J · diag(φ′(z_{t+1})) · W
            for j in 0..<n {
                let d = phi.derivative(z: zs[t * n + j], h: hs[(t + 1) * n + j])
                for i in 0..<n { J[i, j] *= d }
            }
            J = J * model.W
            exponent += Spectrum.renormalize(&J)
            norms[t] = Double(sign: .plus, exponent: exponent, significand: Spectrum.largestSingularValue(J))
            if t == 0 { jacobianNorms = norms }
        }
        if T == 0 { jacobianNorms = norms }
    }

    return BPTTResult(
        loss: lossValue, output: y, hidden: Matrix(rows: T + 1, cols: n, storage: hs),
        gradients: Gradients(W: Matrix(rows: n, cols: n, storage: dW), U: Matrix(rows: n, cols: m, storage: dU), b: db,
                             V: Matrix(rows: p, cols: n, storage: dV), c: r),
        deltaNorms: deltaNorms, deltaAtStart: delta, jacobianNorms: jacobianNorms,
        meanDerivative: T * n > 0 ? derivativeSum / Double(T * n) : 1, clampedErrors: clamped)
}

/// Clamps every component to [−τ, τ] (NaN stays NaN) and returns how many it changed.
func clamp(_ v: UnsafeMutablePointer<Double>, _ count: Int, _ tau: Double) -> Int {
    var changed = 0
    for i in 0..<count where abs(v[i]) > tau {
        v[i] = v[i] > 0 ? tau : -tau
        changed += 1
    }
    return changed
}
