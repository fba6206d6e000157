import Kernels
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
    /// `shouldStop` said yes before the pass was done: the numbers are incomplete.
    public var interrupted = false

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
/// O(T·n³), the rest O(T·n²).
///
/// Only the two recurrences are sequential: each step is one matrix-vector product (W h_{t−1}
/// forward, Wᵀ g_t backward, both through `gl_matvec`, which is given W and Wᵀ) and an element-wise pass. What does not
/// depend on the step before is done for all steps at once with BLAS: U x_t + b before the forward
/// loop, and ∂L/∂W = Gᵀ H, ∂L/∂U = Gᵀ X after the backward one, where the rows of G are the g_t.
/// Every buffer is allocated before the loops; nothing is allocated per step.
///
/// `shouldStop` is asked every 64 time steps and once per step of the Jacobian products; when it
/// says yes the result is marked `interrupted` (and the Jacobian norms left out).
public func bptt(_ model: RNN, _ sample: Sample, loss: Loss = .squaredError, errorClip: Double? = nil,
                 jacobians: Bool = false, shouldStop: () -> Bool = { false }) -> BPTTResult {
    let n = model.hiddenSize, m = model.inputSize, p = model.outputSize, T = sample.length
    let phi = model.activation
    precondition(sample.inputs.cols == m && sample.target.count == p, "sample does not fit the model")

    // Row-major buffers: zs holds z_1…z_T (row t−1), hs holds h_0…h_T (row t), gs holds g_1…g_T
    // (row t−1), and inputTerms U x_t + b (row t−1).
    var zs = [Double](repeating: 0, count: T * n)
    var hs = [Double](repeating: 0, count: (T + 1) * n)
    var gs = [Double](repeating: 0, count: T * n)
    var dW = [Double](repeating: 0, count: n * n), dU = [Double](repeating: 0, count: n * m)
    var db = [Double](repeating: 0, count: n)
    var deltaNorms = [Double](repeating: 0, count: T + 1)
    var delta = [Double](repeating: 0, count: n)
    var lossValue = 0.0, y: [Double] = [], r: [Double] = []
    var derivativeSum = 0.0
    var clamped = 0
    var interrupted = false, outputFormed = false
    let Wt = model.W.transposed

    zs.withUnsafeMutableBufferPointer { zBuffer in
    hs.withUnsafeMutableBufferPointer { hBuffer in
    gs.withUnsafeMutableBufferPointer { gBuffer in
    delta.withUnsafeMutableBufferPointer { deltaBuffer in
    model.W.storage.withUnsafeBufferPointer { wBuffer in
    Wt.storage.withUnsafeBufferPointer { wtBuffer in
    sample.inputs.storage.withUnsafeBufferPointer { xBuffer in
        let Z = zBuffer.baseAddress!, H = hBuffer.baseAddress!, G = gBuffer.baseAddress!, D = deltaBuffer.baseAddress!
        let W = wBuffer.baseAddress!, WT = wtBuffer.baseAddress!

        // U x_t + b for every t at once (kept in gs until the backward pass needs it).
        for t in 0..<T { for i in 0..<n { G[t * n + i] = model.b[i] } }
        if T > 0 && m > 0 && n > 0 {
            model.U.storage.withUnsafeBufferPointer { u in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(n), Int32(m),
                            1, xBuffer.baseAddress, Int32(m), u.baseAddress, Int32(m), 1, G, Int32(n))
            }
        }

        // Forward: z_t = W h_{t−1} + (U x_t + b), h_t = φ(z_t).
        for i in 0..<n { H[i] = model.h0[i] }
        for t in stride(from: 1, through: T, by: 1) {
            if t & 63 == 0 && shouldStop() { interrupted = true; return }
            let z = Z + (t - 1) * n, h = H + t * n
            gl_matvec(n, n, W, WT, H + (t - 1) * n, G + (t - 1) * n, z)
            phi.apply(z, to: h, count: n)
        }
        let hT = Array(UnsafeBufferPointer(start: H + T * n, count: n))
        y = zip(model.V * hT, model.c).map { $0 + $1 }
        (lossValue, r) = loss.evaluate(output: y, target: sample.target)
        outputFormed = true

        // Backward: δ_T = Vᵀ ∂L/∂y, then g_t = φ′(z_t) ⊙ δ_t and δ_{t−1} = Wᵀ g_t.
        for i in 0..<n { D[i] = 0 }
        for o in 0..<p { for i in 0..<n { D[i] += model.V[o, i] * r[o] } }
        if let tau = errorClip { clamped += clamp(D, n, tau) }
        deltaNorms[T] = norm(D, n)
        for t in stride(from: T, through: 1, by: -1) {
            if t & 63 == 0 && shouldStop() { interrupted = true; return }
            let z = Z + (t - 1) * n, h = H + t * n, g = G + (t - 1) * n
            if phi == .tanh {
                derivativeSum += gl_tanh_gate(n, h, D, g)
            } else {
                for i in 0..<n {
                    let d = phi.derivative(z: z[i], h: h[i])
                    derivativeSum += d
                    g[i] = d * D[i]
                }
            }
            gl_matvec(n, n, WT, W, g, nil, D)  // Wᵀ g
            if let tau = errorClip { clamped += clamp(D, n, tau) }
            deltaNorms[t - 1] = norm(D, n)
        }

        // ∂L/∂W = Gᵀ H_{0…T−1}, ∂L/∂U = Gᵀ X, ∂L/∂b = Σ_t g_t.
        guard T > 0 && n > 0 else { return }
        dW.withUnsafeMutableBufferPointer { dw in
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(n), Int32(T),
                        1, G, Int32(n), H, Int32(n), 0, dw.baseAddress, Int32(n))
        }
        if m > 0 {
            dU.withUnsafeMutableBufferPointer { du in
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(m), Int32(T),
                            1, G, Int32(n), xBuffer.baseAddress, Int32(m), 0, du.baseAddress, Int32(m))
            }
        }
        db.withUnsafeMutableBufferPointer { b in
            for t in 0..<T { for i in 0..<n { b[i] += G[t * n + i] } }
        }
    }}}}}}}
    if !outputFormed {  // interrupted before the output was formed
        r = Array(repeating: .nan, count: p)
        y = r
        lossValue = .nan
    }
    if interrupted {  // what was not computed is NaN, never a plausible zero
        for k in dW.indices { dW[k] = .nan }
        for k in dU.indices { dU[k] = .nan }
        for k in db.indices { db[k] = .nan }
    }
    var dV = [Double](repeating: 0, count: p * n)
    for o in 0..<p { for i in 0..<n { dV[o * n + i] = r[o] * hs[T * n + i] } }

    var jacobianNorms: [Double]? = nil
    if jacobians && !interrupted {
        // ∂h_T/∂h_t is kept as 2^exponent · J, J rescaled by a power of two (exactly) whenever its
        // entries leave a safe range, so that a huge product is reported as its true size (or +Inf
        // past 1.8e308) rather than as the NaN that Inf − Inf would leave in an overflowed matrix.
        var norms = [Double](repeating: 1, count: T + 1)
        var J = Matrix.identity(n)
        var exponent = 0  // the true product is 2^exponent · J
        for t in stride(from: T - 1, through: 0, by: -1) {
            if interrupted || shouldStop() { interrupted = true; break }
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
        meanDerivative: T * n > 0 ? derivativeSum / Double(T * n) : 1, clampedErrors: clamped, interrupted: interrupted)
}

/// ‖v‖₂ of n values (NaN for a NaN entry, +Inf for an infinite one; no overflow on the way).
@inline(__always)
func norm(_ v: UnsafePointer<Double>, _ count: Int) -> Double { gl_norm2(count, v) }

/// Clamps every component to [−τ, τ] (NaN stays NaN) and returns how many it changed.
func clamp(_ v: UnsafeMutablePointer<Double>, _ count: Int, _ tau: Double) -> Int {
    var changed = 0
    for i in 0..<count where abs(v[i]) > tau {
        v[i] = v[i] > 0 ? tau : -tau
        changed += 1
    }
    return changed
}
