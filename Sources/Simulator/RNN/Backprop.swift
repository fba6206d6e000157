import Kernels

/// The forward and backward passes of BPTT for a batch of examples of one length, with every
/// buffer they need. A training run keeps one a thread and reuses it from step to step, so that a
/// step allocates nothing per example or per time step.
///
/// The batch advances one time step at a time: at step t every example takes its step t before
/// any takes step t + 1, and the examples' values for one step lie side by side, so that each
/// step is one call of each kernel for the whole batch. Each example's arithmetic is the same
/// whatever batch it is in (the kernels form each example's sums in one fixed order), so its
/// numbers are those of `bptt` on it alone, bit for bit; but the examples do not depend on one
/// another, so the processor overlaps them, where one example alone is a single chain of dependent
/// operations (at n = 8 that chain, not the arithmetic, sets the pace).
///
/// Layout, with B examples: z_t, h_t and g_t are B·n values a step (example e's n values at e·n),
/// stored for t = 1…T (z, g) and t = 0…T (h); g holds U x_t + b until the backward pass overwrites
/// it. δ is B·n values, and each example's gradient is `layout.count` values laid out as
/// `GradientLayout` says (W, U, b, V, c in `Gradients.names` order).
struct BackpropBatch: Sendable {
    private(set) var n = 0, m = 0, p = 0, T = 0, count = 0
    private(set) var cell = RecurrentCell.rnn
    /// Where each parameter's gradient lies in an example's gradient.
    private(set) var layout = GradientLayout(n: 0, m: 0, p: 0)
    var z: [Double] = [], h: [Double] = [], g: [Double] = [], delta: [Double] = []
    var gradients: [Double] = []
    var loss: [Double] = [], output: [Double] = []
    /// Σ φ′(z) over every unit, step and example (for a gated cell, Σ of the gate that carries the
    /// state over: f for lstm, z for gru), and how many error components `errorClip` clamped.
    var derivativeSum = 0.0, clamped = 0
    /// What storing the pass's values in `precision` lost (nothing is counted at fp64).
    var tally = StoreTally()
    /// ‖δ_t‖₂ for t = 0…T, (T + 1) values an example; filled only when asked for.
    var deltaNorms: [Double] = []
    /// lstm: ‖∂L/∂c_t‖₂ for t = 0…T, (T + 1) values an example, filled with `deltaNorms`.
    var cellDeltaNorms: [Double] = []
    /// Wᵀ for the backward products, Uᵀ for the input terms, and Σ_t of the gradient rows for every example.
    var wt: [Double] = [], ut: [Double] = [], sums: [Double] = []
    /// The gated cells' own state: lstm's c_t (t = 0…T) or gru's W_n h_{t−1} + b_hn (t = 1…T), n
    /// values an example a step; lstm's ∂L/∂c_t (n an example); gru's W h_{t−1} (3n an example),
    /// the error carried straight over by z (n an example) and ∂ñ_t (n an example a step).
    var cells: [Double] = [], cellDelta: [Double] = [], scratch: [Double] = [], carry: [Double] = []
    var candidateErrors: [Double] = []

    /// The rows of a step's gate pre-activations an example: n for rnn, 4n for lstm, 3n for gru.
    var rows: Int { cell.gates * n }

    /// How many bytes the buffers of one example of length T take, for a model of these shapes.
    static func bytesPerExample(_ model: RNN, length T: Int) -> Int {
        backpropBytes(model.cell, n: model.hiddenSize, m: model.inputSize, p: model.outputSize, length: T)
    }

    /// Makes room for `count` examples of length T for this model's shapes; buffers of the right
    /// size are kept (their contents are overwritten by the next pass). New buffers start as NaN,
    /// so that what a stopped pass did not reach is NaN, never a plausible zero.
    mutating func reserve(_ model: RNN, length T: Int, count: Int, deltaNorms wantNorms: Bool) {
        let shape = (model.hiddenSize, model.inputSize, model.outputSize, T, count)
        if shape != (n, m, p, self.T, self.count) || model.cell != cell {
            (n, m, p, self.T, self.count) = shape
            cell = model.cell
            layout = GradientLayout(model)
            let rows = rows
            func buffer(_ size: Int) -> [Double] { [Double](repeating: .nan, count: size) }
            z = buffer(T * count * rows)
            h = buffer((T + 1) * count * n)
            g = buffer(T * count * rows)
            delta = buffer(count * n)
            gradients = buffer(count * layout.count)
            loss = buffer(count)
            output = buffer(count * p)
            wt = buffer(n * rows)
            ut = buffer(m * rows)
            sums = buffer(count * (rows + (cell == .gru ? n : 0)))
            cells = buffer(cell == .lstm ? (T + 1) * count * n : cell == .gru ? T * count * n : 0)
            cellDelta = buffer(cell == .lstm ? count * n : 0)
            scratch = buffer(cell == .gru ? count * rows : 0)
            carry = buffer(cell == .gru ? count * n : 0)
            candidateErrors = buffer(cell == .gru ? T * count * n : 0)
            deltaNorms = []
            cellDeltaNorms = []
        }
        if wantNorms && deltaNorms.count != count * (T + 1) { deltaNorms = [Double](repeating: .nan, count: count * (T + 1)) }
        if wantNorms && cell == .lstm && cellDeltaNorms.count != count * (T + 1) {
            cellDeltaNorms = [Double](repeating: .nan, count: count * (T + 1))
        }
    }

    /// How far a pass got before `shouldStop` said yes.
    enum Progress { case none, outputs, complete }

    /// Runs the forward and backward passes of `model` over `samples` (all of length T, as
    /// reserved), filling every buffer; ‖δ_t‖ too when `recordNorms`. `shouldStop` is asked every
    /// 64 time steps, or every step when one step of the batch is more than 2¹⁶ multiply-adds, so
    /// that it is asked at least every few milliseconds, and between the examples' Gᵀ H and Gᵀ X.
    ///
    /// Below fp64, each value the passes keep is rounded to `precision` as it is stored: z_t, h_t
    /// (and the gated cells' gates and states), y, ∂L/∂y, δ_t and the gradient rows g_t. ∂L/∂y is
    /// first multiplied by `lossFactor` (a loss scale; a batch's 1/B). The parameters' gradients are
    /// sums of these in Float64, which the caller rounds.
    mutating func run(_ model: RNN, _ samples: ArraySlice<Sample>, loss lossKind: Loss, errorClip: Double?,
                      precision: Precision = .fp64, lossFactor: Double = 1,
                      recordNorms: Bool, shouldStop: () -> Bool) -> Progress {
        let (n, m, p, T, count) = (n, m, p, T, count)
        precondition(samples.count == count && samples.allSatisfy { $0.length == T && $0.inputs.cols == m && $0.target.count == p },
                     "sample does not fit the model")
        precondition(!recordNorms || deltaNorms.count == count * (T + 1), "reserve(deltaNorms: true) before recording them")
        if recordNorms { deltaNorms.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) } }
        precondition(model.cell == cell, "reserve for this model's cell first")
        tally = StoreTally()
        if cell != .rnn {
            return runGated(model, samples, loss: lossKind, errorClip: errorClip, precision: precision, lossFactor: lossFactor,
                            recordNorms: recordNorms, shouldStop: shouldStop)
        }
        let phi = model.activation
        let layout = layout, step = count * n  // the values of one time step
        let askEvery = max(1, min(64, (1 << 16) / max(1, step * n)))
        let first = samples.startIndex
        for i in 0..<n { for j in 0..<n { wt[j * n + i] = model.W.storage[i * n + j] } }
        for i in 0..<n { for k in 0..<m { ut[k * n + i] = model.U.storage[i * m + k] } }
        derivativeSum = 0
        clamped = 0
        var progress = Progress.none
        // Counted in a local, which the loops keep in registers, and kept however the pass ends.
        var tally = StoreTally()
        defer { self.tally = tally }

        z.withUnsafeMutableBufferPointer { zBuffer in
        h.withUnsafeMutableBufferPointer { hBuffer in
        g.withUnsafeMutableBufferPointer { gBuffer in
        delta.withUnsafeMutableBufferPointer { deltaBuffer in
        gradients.withUnsafeMutableBufferPointer { gradientBuffer in
        model.W.storage.withUnsafeBufferPointer { wBuffer in
        wt.withUnsafeBufferPointer { wtBuffer in
        sums.withUnsafeMutableBufferPointer { sumBuffer in
            let S = sumBuffer.baseAddress!
            let Z = zBuffer.baseAddress!, H = hBuffer.baseAddress!, G = gBuffer.baseAddress!, D = deltaBuffer.baseAddress!
            let W = wBuffer.baseAddress!, WT = wtBuffer.baseAddress!

            // U x_t + b for every t and example at once (kept in g until the backward pass needs it), and h_0.
            model.b.withUnsafeBufferPointer { b in
            ut.withUnsafeBufferPointer { ut in
                for e in 0..<count {
                    samples[first + e].inputs.storage.withUnsafeBufferPointer { x in
                        inputTerms(T, n, m, x.baseAddress, ut.baseAddress, b.baseAddress, G + e * n, step)
                    }
                    for i in 0..<n { H[e * n + i] = model.h0[i] }
                }
            }}

            // Forward: z_t = W h_{t−1} + (U x_t + b), h_t = φ(z_t).
            for t in stride(from: 1, through: T, by: 1) {
                if t % askEvery == 0 && shouldStop() { return }
                let zt = Z + (t - 1) * step
                gl_matvec_batch(count, n, n, W, WT, H + (t - 1) * step, G + (t - 1) * step, zt)
                precision.store(zt, step, into: &tally)
                phi.apply(zt, to: H + t * step, count: step)
                precision.store(H + t * step, step, into: &tally)
            }

            // y = V h_T + c, the loss, and δ_T = Vᵀ ∂L/∂y; ∂L/∂V = ∂L/∂y h_Tᵀ, ∂L/∂c = ∂L/∂y (which
            // is r, stored as ∂L/∂c).
            output.withUnsafeMutableBufferPointer { y in
            loss.withUnsafeMutableBufferPointer { l in
                Self.outputLayer(model, samples, lossKind, layout: layout, hT: H + T * step, delta: D,
                                 gradients: gradientBuffer.baseAddress!, output: y.baseAddress!, loss: l.baseAddress!,
                                 precision: precision, lossFactor: lossFactor, tally: &tally)
            }}
            if let tau = errorClip { clamped += clamp(D, step, tau) }
            precision.store(D, step, into: &tally)
            if recordNorms { for e in 0..<count { deltaNorms[e * (T + 1) + T] = norm(D + e * n, n) } }
            progress = .outputs

            // Backward: g_t = φ′(z_t) ⊙ δ_t and δ_{t−1} = Wᵀ g_t.
            for t in stride(from: T, through: 1, by: -1) {
                if t % askEvery == 0 && shouldStop() { return }
                let zt = Z + (t - 1) * step, ht = H + t * step, gt = G + (t - 1) * step
                if phi == .tanh {
                    derivativeSum += gl_tanh_gate(step, ht, D, gt)
                } else {
                    for i in 0..<step {
                        let slope = phi.derivative(z: zt[i], h: ht[i])
                        derivativeSum += slope
                        gt[i] = slope * D[i]
                    }
                }
                precision.store(gt, step, into: &tally)
                gl_matvec_batch(count, n, n, WT, W, gt, nil, D)  // Wᵀ g
                if let tau = errorClip { clamped += clamp(D, step, tau) }
                precision.store(D, step, into: &tally)
                if recordNorms { for e in 0..<count { deltaNorms[e * (T + 1) + t - 1] = norm(D + e * n, n) } }
            }

            // ∂L/∂W = Gᵀ H_{0…T−1}, ∂L/∂U = Gᵀ X, ∂L/∂b = Σ_t g_t, for each example (its rows
            // are every `step` values, hence the leading dimension); Σ_t g_t for every example at once.
            gl_column_sums(T, step, G, step, S)
            for e in 0..<count {
                if e > 0 && shouldStop() { return }
                let grad = gradientBuffer.baseAddress! + e * layout.count
                let dW = grad + layout.W.lowerBound, dU = grad + layout.U.lowerBound, db = grad + layout.b.lowerBound
                let Ge = G + e * n
                gram(n, n, T, Ge, step, H + e * n, step, dW)
                samples[first + e].inputs.storage.withUnsafeBufferPointer { x in gram(n, m, T, Ge, step, x.baseAddress, m, dU) }
                db.update(from: S + e * n, count: n)
            }
            progress = .complete
        }}}}}}}}
        return progress
    }

    /// y = V h_T + c, the loss, and δ_T = Vᵀ ∂L/∂y for every example (h_T and δ_T n values an
    /// example); ∂L/∂V = ∂L/∂y h_Tᵀ and ∂L/∂c = ∂L/∂y (which is r, stored as ∂L/∂c) into each
    /// example's gradient. y is stored in `precision`, and so is r once multiplied by `lossFactor`.
    static func outputLayer(_ model: RNN, _ samples: ArraySlice<Sample>, _ lossKind: Loss, layout: GradientLayout,
                            hT: UnsafePointer<Double>, delta: UnsafeMutablePointer<Double>, gradients: UnsafeMutablePointer<Double>,
                            output: UnsafeMutablePointer<Double>, loss: UnsafeMutablePointer<Double>,
                            precision: Precision, lossFactor: Double, tally: inout StoreTally) {
        let n = layout.n, p = layout.p, first = samples.startIndex
        model.V.storage.withUnsafeBufferPointer { V in
            for e in 0..<samples.count {
                let hT = hT + e * n, D = delta + e * n, grad = gradients + e * layout.count
                let y = output + e * p, dV = grad + layout.V.lowerBound, r = grad + layout.c.lowerBound
                for o in 0..<p {
                    var sum = 0.0
                    for i in 0..<n { sum += V[o * n + i] * hT[i] }
                    y[o] = sum + model.c[o]
                }
                precision.store(y, p, into: &tally)
                loss[e] = samples[first + e].target.withUnsafeBufferPointer { lossKind.evaluate(y, $0.baseAddress!, p, gradient: r) }
                if lossFactor != 1 { for o in 0..<p { r[o] *= lossFactor } }
                precision.store(r, p, into: &tally)
                for o in 0..<p { for i in 0..<n { dV[o * n + i] = r[o] * hT[i] } }
                for i in 0..<n { D[i] = 0 }
                for o in 0..<p { for i in 0..<n { D[i] += V[o * n + i] * r[o] } }
            }
        }
    }

    /// Example e's gradient, laid out as `layout` says.
    func gradient(_ e: Int) -> ArraySlice<Double> { gradients[(e * layout.count)..<((e + 1) * layout.count)] }
}

/// C = Aᵀ B for A K × rows and B K × cols (leading dimensions lda, ldb; C rows × cols, packed), by
/// `gl_gram` at every size: each entry one chain of fused multiply-adds over k in order, so that
/// ∂L/∂W and ∂L/∂U have the same bits on every processor (a BLAS `dgemm` picks its kernel, and with
/// it the order of its sums, by processor).
func gram(_ rows: Int, _ cols: Int, _ K: Int, _ A: UnsafePointer<Double>, _ lda: Int, _ B: UnsafePointer<Double>?, _ ldb: Int,
          _ C: UnsafeMutablePointer<Double>) {
    guard rows > 0 && cols > 0 else { return }
    guard K > 0, let B else {
        C.update(repeating: 0, count: rows * cols)  // a sum of no terms
        return
    }
    gl_gram(rows, cols, K, A, lda, B, ldb, C, cols)
}

/// G_t = U x_t + b for t = 0…T−1 (Uᵀ m × n; x_t the rows of X; G's rows `ldg` apart).
func inputTerms(_ T: Int, _ n: Int, _ m: Int, _ X: UnsafePointer<Double>?, _ Ut: UnsafePointer<Double>?,
                _ b: UnsafePointer<Double>?, _ G: UnsafeMutablePointer<Double>, _ ldg: Int) {
    guard T > 0 && n > 0, let b else { return }
    guard m > 0, let X, let Ut else {
        for t in 0..<T { (G + t * ldg).update(from: b, count: n) }
        return
    }
    gl_input_terms(T, n, m, X, Ut, b, G, ldg)
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
