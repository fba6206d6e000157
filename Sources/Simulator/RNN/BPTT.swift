/// Everything one forward and backward pass through time measures.
public struct BPTTResult: Sendable {
    /// L = ½‖y − y*‖².
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
    /// ‖∂h_T/∂h_t‖₂ for t = 0…T (1 at t = T), or nil when not asked for.
    public var jacobianNorms: [Double]?

    /// ‖∇L‖₂ over all parameters together.
    public var gradientNorm: Double { VectorNorm.of(gradients.tensors) }
}

/// Backpropagation through time, written to be read next to the math:
///
///     forward:  z_t = W h_{t−1} + U x_t + b,  h_t = φ(z_t),  y = V h_T + c,  L = ½‖y − y*‖²
///     backward: δ_T = Vᵀ(y − y*);  g_t = φ′(z_t) ⊙ δ_t;  δ_{t−1} = Wᵀ g_t
///               ∂L/∂W = Σ g_t h_{t−1}ᵀ,  ∂L/∂U = Σ g_t x_tᵀ,  ∂L/∂b = Σ g_t,
///               ∂L/∂V = (y − y*) h_Tᵀ,  ∂L/∂c = y − y*
///
/// with δ_t = ∂L/∂h_t. The Jacobian products ∂h_T/∂h_t = ∂h_T/∂h_{t+1} · diag(φ′(z_{t+1})) W are
/// formed only when `jacobians` is true: they cost O(T·n³), the rest O(T·n²).
public func bptt(_ model: RNN, _ sample: Sample, jacobians: Bool = false) -> BPTTResult {
    let n = model.hiddenSize, m = model.inputSize, T = sample.length
    let phi = model.activation
    precondition(sample.inputs.cols == m && sample.target.count == model.outputSize, "sample does not fit the model")

    // Forward. z holds the pre-activations z_1…z_T (row t−1), hs the states h_0…h_T (row t).
    var z = Matrix(rows: T, cols: n)
    var hs = Matrix(rows: T + 1, cols: n)
    for i in 0..<n { hs[0, i] = model.h0[i] }
    for t in stride(from: 1, through: T, by: 1) {
        for i in 0..<n {
            var s = model.b[i]
            for j in 0..<n { s += model.W[i, j] * hs[t - 1, j] }
            for k in 0..<m { s += model.U[i, k] * sample.inputs[t - 1, k] }
            z[t - 1, i] = s
            hs[t, i] = phi.apply(s)
        }
    }
    let hT = hs.row(T)
    let y = zip(model.V * hT, model.c).map { $0 + $1 }
    let r = zip(y, sample.target).map { $0 - $1 }
    let loss = 0.5 * r.reduce(0) { $0 + $1 * $1 }

    // Backward.
    var dW = Matrix(rows: n, cols: n), dU = Matrix(rows: n, cols: m)
    var db = [Double](repeating: 0, count: n)
    var dV = Matrix(rows: model.outputSize, cols: n)
    for o in 0..<model.outputSize { for i in 0..<n { dV[o, i] = r[o] * hT[i] } }
    var delta = model.V.transposed * r  // δ_T
    var deltaNorms = [Double](repeating: 0, count: T + 1)
    deltaNorms[T] = VectorNorm.of(delta)
    var g = [Double](repeating: 0, count: n)
    for t in stride(from: T, through: 1, by: -1) {
        for i in 0..<n { g[i] = phi.derivative(z: z[t - 1, i], h: hs[t, i]) * delta[i] }
        for i in 0..<n {
            for j in 0..<n { dW[i, j] += g[i] * hs[t - 1, j] }
            for k in 0..<m { dU[i, k] += g[i] * sample.inputs[t - 1, k] }
            db[i] += g[i]
        }
        var previous = [Double](repeating: 0, count: n)  // δ_{t−1} = Wᵀ g_t
        for i in 0..<n { for j in 0..<n { previous[j] += model.W[i, j] * g[i] } }
        delta = previous
        deltaNorms[t - 1] = VectorNorm.of(delta)
    }

    var jacobianNorms: [Double]? = nil
    if jacobians {
        var norms = [Double](repeating: 1, count: T + 1)
        var J = Matrix.identity(n)  // ∂h_T/∂h_t, starting at t = T
        for t in stride(from: T - 1, through: 0, by: -1) {
            // J ← J · diag(φ′(z_{t+1})) · W
            for j in 0..<n {
                let d = phi.derivative(z: z[t, j], h: hs[t + 1, j])
                for i in 0..<n { J[i, j] *= d }
            }
            J = J * model.W
            norms[t] = Spectrum.largestSingularValue(J)
        }
        jacobianNorms = norms
    }

    return BPTTResult(
        loss: loss, output: y, hidden: hs,
        gradients: Gradients(W: dW, U: dU, b: db, V: dV, c: r),
        deltaNorms: deltaNorms, deltaAtStart: delta, jacobianNorms: jacobianNorms)
}
