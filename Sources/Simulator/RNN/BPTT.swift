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
        precondition(y.count == target.count, "output and target differ in length")
        var gradient = [Double](repeating: 0, count: y.count)
        let loss = gradient.withUnsafeMutableBufferPointer { evaluate(y, target, y.count, gradient: $0.baseAddress!) }
        return (loss, gradient)
    }

    /// The loss of the p outputs at `y`, with ∂L/∂y written to `r` (p values).
    func evaluate(_ y: UnsafePointer<Double>, _ target: UnsafePointer<Double>, _ p: Int, gradient r: UnsafeMutablePointer<Double>) -> Double {
        switch self {
        case .squaredError:
            var sum = 0.0
            for o in 0..<p {
                r[o] = y[o] - target[o]
                sum += r[o] * r[o]
            }
            return 0.5 * sum
        case .crossEntropy:
            // log-softmax with the largest logit subtracted, so that no exponential overflows (a NaN
            // first logit stays the largest, as Sequence.max has it).
            var top = p > 0 ? y[0] : 0
            for o in 0..<p where top < y[o] { top = y[o] }
            var sum = 0.0
            for o in 0..<p { sum += gl_exp(y[o] - top) }
            let logSum = gl_log(sum)
            var dot = 0.0
            for o in 0..<p {
                let logp = (y[o] - top) - logSum
                dot += target[o] * logp
                r[o] = gl_exp(logp) - target[o]
            }
            return -dot
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
    /// ‖∂h_T/∂h_t‖₂ for t = 0…T (1 at t = T), or nil when not asked for (or interrupted). For lstm
    /// the cell state c_t is held fixed: it is the Jacobian of h_T in h_t alone.
    public var jacobianNorms: [Double]?
    /// lstm: ‖∂L/∂c_t‖₂ for t = 0…T, the error on the cell state; nil for the other cells.
    public var cellDeltaNorms: [Double]?
    /// rnn: mean of φ′(z_t) over every unit and step, how much the non-linearity lets through (1 for
    /// linear; near 0 when tanh or sigmoid saturate). lstm and gru: the mean of the gate that carries
    /// the state over (f, which multiplies c_{t−1}; z, which multiplies h_{t−1}).
    public var meanDerivative: Double
    /// How many components of the δ_t were clamped by `errorClip` (signal clipping).
    public var clampedErrors = 0
    /// `shouldStop` said yes before the pass was done: the numbers are incomplete.
    public var interrupted = false
    /// The format the pass stored its values in, the loss scale, and what storing them lost.
    public var precision = Precision.fp64
    public var lossScale = 1.0
    public var tally = StoreTally()

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
/// The passes themselves are `BackpropBatch.run`, which training shares. Only the two recurrences
/// are sequential: each step is one matrix-vector product (W h_{t−1} forward, Wᵀ g_t backward,
/// both through `gl_matvec_batch`, which is given W and Wᵀ) and an element-wise pass. What does
/// not depend on the step before is done for all steps at once: U x_t + b before the forward loop,
/// and ∂L/∂W = Gᵀ H, ∂L/∂U = Gᵀ X after the backward one, where the rows of G are the g_t. Every
/// buffer is allocated before the loops; nothing is allocated per step.
///
/// Whose products: all are ours, each sum in one fixed order that the AVX2 and the portable
/// kernels share (so the bits do not depend on the processor): the recurrences' matrix-vector
/// products (`gl_matvec_batch`), tanh and its gate, U x_t + b (`gl_input_terms`), Gᵀ H and Gᵀ X
/// (`gl_gram`), ‖δ_t‖ (`gl_norm2`), the output layer's (plain loops) and the Jacobian products
/// (`Matrix *`, which is `gl_matmul`, in the textbook loop's order). Only the Jacobian norms come
/// from a library: LAPACK's `dgesdd` finds the σ_max that each one is.
///
/// `shouldStop` is asked every 64 time steps (every step for large n) and once per step of the
/// Jacobian products; when it says yes the result is marked `interrupted` (and the Jacobian norms left out).
///
/// Below fp64, or with a loss scale S, the pass stores its values in `precision` (see
/// `BackpropBatch.run`; `model` should already be stored in it) with ∂L/∂y multiplied by S; the
/// gradient is rounded to `precision`, then multiplied by 1/S in float32, as `GradScaler.unscale_`
/// does; the ‖δ_t‖ and ∂L/∂h_0 reported are the stored errors divided by S.
public func bptt(_ model: RNN, _ sample: Sample, loss: Loss = .squaredError, errorClip: Double? = nil,
                 precision: Precision = .fp64, lossScale: Double = 1,
                 jacobians: Bool = false, shouldStop: () -> Bool = { false }) -> BPTTResult {
    let n = model.hiddenSize, T = sample.length
    let phi = model.activation
    var pass = BackpropBatch()
    pass.reserve(model, length: T, count: 1, deltaNorms: true)
    let progress = pass.run(model, [sample], loss: loss, errorClip: errorClip, precision: precision, lossFactor: lossScale,
                            recordNorms: true, shouldStop: shouldStop)
    var interrupted = progress != .complete
    var gradient = Array(pass.gradient(0))
    if precision != .fp64 || lossScale != 1 {
        let master: Precision = precision == .fp64 ? .fp64 : .fp32, inverse = master.round(1 / lossScale)
        let count = gradient.count
        gradient.withUnsafeMutableBufferPointer { precision.store($0.baseAddress!, count, into: &pass.tally) }
        gradient = gradient.map { master.round($0 * inverse) }
        pass.deltaNorms = pass.deltaNorms.map { $0 / lossScale }
        pass.delta = pass.delta.map { $0 / lossScale }
        if model.cell == .lstm { pass.cellDeltaNorms = pass.cellDeltaNorms.map { $0 / lossScale } }
    }
    // What was not computed is NaN, never a plausible zero: a new pass's buffers start as NaN, so
    // the loss, output, hidden states, ‖δ_t‖ and gradients it did not reach are NaN already; the
    // running sum and δ of an unfinished pass are dropped.
    if interrupted {
        pass.derivativeSum = .nan
        pass.delta = Array(repeating: .nan, count: n)
    }
    let zs = pass.z, hs = pass.h
    var jacobianNorms: [Double]? = nil
    if jacobians && !interrupted && model.cell != .rnn {
        jacobianNorms = gatedJacobianNorms(model, pass, shouldStop: shouldStop)
        interrupted = jacobianNorms == nil
    } else if jacobians && !interrupted {
        // ∂h_T/∂h_t is kept as 2^exponent · J, J rescaled by a power of two (exactly) whenever its
        // entries leave a safe range, so that a huge product is reported as its true size (or +Inf
        // past 1.8e308) rather than as the NaN that Inf − Inf would leave in an overflowed matrix.
        var norms = [Double](repeating: 1, count: T + 1)
        var J = Matrix.identity(n)
        var exponent = 0  // the true product is 2^exponent · J
        for t in stride(from: T - 1, through: 0, by: -1) {
            if interrupted || shouldStop() { interrupted = true; break }
            // J ← J · diag(φ′(z_{t+1})) · W
            J.scaleColumns(by: (0..<n).map { j in phi.derivative(z: zs[t * n + j], h: hs[(t + 1) * n + j]) })
            J = J * model.W
            exponent += Spectrum.renormalize(&J)
            norms[t] = Double(sign: .plus, exponent: exponent, significand: Spectrum.largestSingularValue(J))
            if t == 0 { jacobianNorms = norms }
        }
        if T == 0 { jacobianNorms = norms }
    }

    return BPTTResult(
        loss: pass.loss[0], output: pass.output, hidden: Matrix(rows: T + 1, cols: n, storage: hs),
        gradients: pass.layout.gradients(gradient[...]),
        deltaNorms: pass.deltaNorms, deltaAtStart: pass.delta, jacobianNorms: jacobianNorms,
        cellDeltaNorms: model.cell == .lstm ? pass.cellDeltaNorms : nil,
        meanDerivative: T * n > 0 ? pass.derivativeSum / Double(T * n) : 1, clampedErrors: pass.clamped,
        interrupted: interrupted, precision: precision, lossScale: lossScale, tally: pass.tally)
}

/// ‖∂h_T/∂h_t‖₂ for t = 0…T of a gated cell, from the forward pass `pass` ran: the backward
/// recurrence of `BackpropBatch.gatedStep` run for the n unit errors δ_T = e_k at once (all reading
/// the one forward pass), so that at step t their δ's are the rows of ∂h_T/∂h_t. lstm's ∂c starts
/// at 0 (no error starts on c_T itself; h_T's reaches it through o ⊙ tanh(c_T) in the first step),
/// and c_t is held fixed. The errors are rescaled by powers of two as they go, as the rnn's Jacobian
/// products are; nil when `shouldStop` said yes.
func gatedJacobianNorms(_ model: RNN, _ pass: BackpropBatch, shouldStop: () -> Bool) -> [Double]? {
    let n = model.hiddenSize, T = pass.T, cell = model.cell, R = cell.gates * n
    var norms = [Double](repeating: 1, count: T + 1)
    // The errors (rows of ∂h_T/∂h_t) and lstm's ∂c, one after the other, so that one rescale covers both.
    var errors = Matrix(rows: cell == .lstm ? 2 * n : n, cols: n)
    for k in 0..<n { errors[k, k] = 1 }
    var rows = [Double](repeating: 0, count: n * R), carry = [Double](repeating: 0, count: n * n)
    var exponent = 0
    let gates = pass.z, cells = pass.cells, hidden = pass.h, wt = pass.wt
    for t in stride(from: T, through: 1, by: -1) {
        if shouldStop() { return nil }
        errors.storage.withUnsafeMutableBufferPointer { errorBuffer in
            gates.withUnsafeBufferPointer { gateBuffer in
            rows.withUnsafeMutableBufferPointer { rowBuffer in
            carry.withUnsafeMutableBufferPointer { carryBuffer in
            cells.withUnsafeBufferPointer { cellBuffer in
            hidden.withUnsafeBufferPointer { hiddenBuffer in
            model.W.storage.withUnsafeBufferPointer { w in
            wt.withUnsafeBufferPointer { wt in
                let D = errorBuffer.baseAddress!, DC = cell == .lstm ? D + n * n : nil
                let a = gateBuffer.baseAddress! + (t - 1) * R, C = cellBuffer.baseAddress, H = hiddenBuffer.baseAddress!
                let state = cell == .lstm ? C! + t * n : C! + (t - 1) * n
                let previous = cell == .lstm ? C! + (t - 1) * n : H + (t - 1) * n
                _ = BackpropBatch.gatedStep(cell, n: n, count: n, gates: a, gateStride: 0, state: state, previous: previous,
                                            stateStride: 0, delta: D, cellDelta: DC, rows: rowBuffer.baseAddress!, candidateErrors: nil,
                                            carry: carryBuffer.baseAddress)
                BackpropBatch.gatedErrorBack(cell, n: n, count: n, W: w.baseAddress!, WT: wt.baseAddress!, gates: a, gateStride: 0,
                                             rows: rowBuffer.baseAddress!, delta: D, cellDelta: DC, carry: carryBuffer.baseAddress)
            }}}}}}}
        }
        exponent += Spectrum.renormalize(&errors)
        let jacobian = Matrix(rows: n, cols: n, storage: Array(errors.storage[0..<(n * n)]))
        norms[t - 1] = Double(sign: .plus, exponent: exponent, significand: Spectrum.largestSingularValue(jacobian))
    }
    return norms
}
