import Kernels

extension BackpropBatch {
    /// The forward and backward passes of the gated cells (see `RecurrentCell` for their equations), laid
    /// out as the rnn's are (`run`): the examples of the batch advance a time step together, a
    /// step's values for every example side by side.
    ///
    /// Per step and example, z holds the gates' activations (i, f, g, o for lstm; r, z, ñ for
    /// gru) and g first the input terms U x_t + b, then the gradient rows the backward pass forms:
    ///
    ///     lstm:  ∂c_t = ∂c_t (carried) + δ_t ⊙ o ⊙ (1 − tanh² c_t)
    ///            ∂a_i = ∂c_t ⊙ g ⊙ i(1 − i),  ∂a_f = ∂c_t ⊙ c_{t−1} ⊙ f(1 − f)
    ///            ∂a_g = ∂c_t ⊙ i ⊙ (1 − g²),  ∂a_o = δ_t ⊙ tanh c_t ⊙ o(1 − o)
    ///            ∂c_{t−1} (carried) = ∂c_t ⊙ f,  δ_{t−1} = Wᵀ ∂a_t
    ///     gru:   ∂ñ = δ_t ⊙ (1 − z) ⊙ (1 − ñ²),  ∂a_z = δ_t ⊙ (h_{t−1} − ñ) ⊙ z(1 − z)
    ///            ∂hn = ∂ñ ⊙ r (hn = W_n h_{t−1} + b_hn),  ∂a_r = ∂ñ ⊙ hn ⊙ r(1 − r)
    ///            δ_{t−1} = δ_t ⊙ z + Wᵀ (∂a_r, ∂a_z, ∂hn)
    ///
    /// then ∂L/∂W = Σ_t (rows) h_{t−1}ᵀ, ∂L/∂U = Σ_t (rows) x_tᵀ and ∂L/∂b = Σ_t (rows), where the
    /// rows are ∂a_t for lstm; for gru W's rows are (∂a_r, ∂a_z, ∂hn) and U's and b's (∂a_r, ∂a_z, ∂ñ),
    /// with b_hn's gradient Σ_t ∂hn. gru's ∂ñ_t are kept apart (`candidateErrors`), so that the
    /// forward pass's gates stay for the Jacobian products. The products and sums are the rnn's kernels, in the same fixed
    /// orders; the element-wise steps are plain IEEE arithmetic with the kernels' exp and tanh.
    mutating func runGated(_ model: RNN, _ samples: ArraySlice<Sample>, loss lossKind: Loss, errorClip: Double?,
                           precision: Precision, lossFactor: Double, recordNorms: Bool, shouldStop: () -> Bool) -> Progress {
        let (n, m, T, count, cell) = (n, m, T, count, cell)
        let R = rows, layout = layout
        let step = count * n, rowStep = count * R  // the values of one time step
        let askEvery = max(1, min(64, (1 << 16) / max(1, rowStep * n)))
        let first = samples.startIndex
        for i in 0..<R { for j in 0..<n { wt[j * R + i] = model.W.storage[i * n + j] } }
        for i in 0..<R { for k in 0..<m { ut[k * R + i] = model.U.storage[i * m + k] } }
        if recordNorms && cell == .lstm { cellDeltaNorms.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) } }
        derivativeSum = 0
        clamped = 0
        var progress = Progress.none
        var tally = StoreTally()  // as in `run`
        defer { self.tally = tally }

        z.withUnsafeMutableBufferPointer { zBuffer in
        h.withUnsafeMutableBufferPointer { hBuffer in
        g.withUnsafeMutableBufferPointer { gBuffer in
        delta.withUnsafeMutableBufferPointer { deltaBuffer in
        gradients.withUnsafeMutableBufferPointer { gradientBuffer in
        cells.withUnsafeMutableBufferPointer { cellBuffer in
        cellDelta.withUnsafeMutableBufferPointer { cellDeltaBuffer in
        scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        carry.withUnsafeMutableBufferPointer { carryBuffer in
        candidateErrors.withUnsafeMutableBufferPointer { candidateBuffer in
        model.W.storage.withUnsafeBufferPointer { wBuffer in
        wt.withUnsafeBufferPointer { wtBuffer in
        model.b.withUnsafeBufferPointer { bBuffer in
        sums.withUnsafeMutableBufferPointer { sumBuffer in
            let Z = zBuffer.baseAddress!, H = hBuffer.baseAddress!, G = gBuffer.baseAddress!, D = deltaBuffer.baseAddress!
            let W = wBuffer.baseAddress!, WT = wtBuffer.baseAddress!, B = bBuffer.baseAddress!, S = sumBuffer.baseAddress!
            // An empty buffer may still have an address (the shared empty array's): each cell's
            // own buffers are taken by the cell, never by whether they have one.
            let C = cellBuffer.baseAddress
            let DC = cell == .lstm ? cellDeltaBuffer.baseAddress : nil
            let scratch = cell == .gru ? scratchBuffer.baseAddress : nil, carry = cell == .gru ? carryBuffer.baseAddress : nil
            let CE = cell == .gru ? candidateBuffer.baseAddress : nil

            // U x_t + b (the first `R` biases) for every t and example, and the initial state.
            ut.withUnsafeBufferPointer { ut in
                for e in 0..<count {
                    samples[first + e].inputs.storage.withUnsafeBufferPointer { x in
                        inputTerms(T, R, m, x.baseAddress, ut.baseAddress, B, G + e * R, rowStep)
                    }
                    for i in 0..<n { H[e * n + i] = model.h0[i] }
                    if cell == .lstm { for i in 0..<n { C![e * n + i] = 0 } }  // c_0 = 0
                }
            }

            // Forward.
            for t in stride(from: 1, through: T, by: 1) {
                if t % askEvery == 0 && shouldStop() { return }
                let at = Z + (t - 1) * rowStep, ut = G + (t - 1) * rowStep
                let hPrevious = H + (t - 1) * step, ht = H + t * step
                switch cell {
                case .lstm:
                    // a_t = W h_{t−1} + (U x_t + b); the gates' activations in place, σ and tanh
                    // through the vector kernels; then c_t, and h_t = o ⊙ tanh(c_t).
                    let cPrevious = C! + (t - 1) * step, ct = C! + t * step
                    gl_matvec_batch(count, R, n, W, WT, hPrevious, ut, at)
                    for e in 0..<count {
                        let a = at + e * R
                        gl_sigmoid(2 * n, a, a)            // i, f
                        gl_tanh(n, a + 2 * n, a + 2 * n)   // g
                        gl_sigmoid(n, a + 3 * n, a + 3 * n)  // o
                        precision.store(a, R, into: &tally)
                        for i in 0..<n { ct[e * n + i] = a[n + i] * cPrevious[e * n + i] + a[i] * a[2 * n + i] }
                    }
                    precision.store(ct, step, into: &tally)
                    gl_tanh(step, ct, ht)
                    for e in 0..<count { for i in 0..<n { ht[e * n + i] = at[e * R + 3 * n + i] * ht[e * n + i] } }
                case .gru:
                    // r and z from U x + b and W h, then ñ from the reset product, then h_t.
                    let hn = C! + (t - 1) * step
                    gl_matvec_batch(count, R, n, W, WT, hPrevious, nil, scratch!)
                    for e in 0..<count {
                        let a = at + e * R, u = ut + e * R, w = scratch! + e * R
                        for i in 0..<(2 * n) { a[i] = u[i] + w[i] }
                        gl_sigmoid(2 * n, a, a)  // r, z
                        for i in 0..<n { hn[e * n + i] = w[2 * n + i] + B[3 * n + i] }
                        precision.store(a, 2 * n, into: &tally)
                        precision.store(hn + e * n, n, into: &tally)
                        for i in 0..<n { a[2 * n + i] = u[2 * n + i] + a[i] * hn[e * n + i] }
                        gl_tanh(n, a + 2 * n, a + 2 * n)  // ñ
                        precision.store(a + 2 * n, n, into: &tally)
                        for i in 0..<n {
                            let update = a[n + i]
                            ht[e * n + i] = (1 - update) * a[2 * n + i] + update * hPrevious[e * n + i]
                        }
                    }
                case .rnn:
                    preconditionFailure("the rnn cell runs in run()")
                }
                precision.store(ht, step, into: &tally)
            }

            output.withUnsafeMutableBufferPointer { y in
            loss.withUnsafeMutableBufferPointer { l in
                Self.outputLayer(model, samples, lossKind, layout: layout, hT: H + T * step, delta: D,
                                 gradients: gradientBuffer.baseAddress!, output: y.baseAddress!, loss: l.baseAddress!,
                                 precision: precision, lossFactor: lossFactor, tally: &tally)
            }}
            if let tau = errorClip { clamped += clamp(D, step, tau) }
            precision.store(D, step, into: &tally)
            if recordNorms { for e in 0..<count { deltaNorms[e * (T + 1) + T] = norm(D + e * n, n) } }
            if let DC { DC.update(repeating: 0, count: step) }
            progress = .outputs

            // Backward: the gradient rows of step t, then δ_{t−1}.
            for t in stride(from: T, through: 1, by: -1) {
                if t % askEvery == 0 && shouldStop() { return }
                let at = Z + (t - 1) * rowStep, gt = G + (t - 1) * rowStep
                let state = C.map { cell == .lstm ? $0 + t * step : $0 + (t - 1) * step }
                derivativeSum += Self.gatedStep(cell, n: n, count: count, gates: at, gateStride: R, state: state!,
                                                previous: cell == .lstm ? C! + (t - 1) * step : H + (t - 1) * step, stateStride: n,
                                                delta: D, cellDelta: DC, rows: gt, candidateErrors: CE.map { $0 + (t - 1) * step }, carry: carry)
                precision.store(gt, rowStep, into: &tally)
                if let CE { precision.store(CE + (t - 1) * step, step, into: &tally) }
                if recordNorms && cell == .lstm { for e in 0..<count { cellDeltaNorms[e * (T + 1) + t] = norm(DC! + e * n, n) } }
                Self.gatedErrorBack(cell, n: n, count: count, W: W, WT: WT, gates: at, gateStride: R, rows: gt,
                                    delta: D, cellDelta: DC, carry: carry)
                if let tau = errorClip { clamped += clamp(D, step, tau) }
                precision.store(D, step, into: &tally)
                if let DC { precision.store(DC, step, into: &tally) }
                if recordNorms { for e in 0..<count { deltaNorms[e * (T + 1) + t - 1] = norm(D + e * n, n) } }
            }
            // ∂L/∂c_0 = ∂c_1 ⊙ f_1: c_0 is a state of its own, not formed from h_0.
            if recordNorms && cell == .lstm { for e in 0..<count { cellDeltaNorms[e * (T + 1)] = T > 0 ? norm(DC! + e * n, n) : 0 } }

            // ∂L/∂W, ∂L/∂U and ∂L/∂b from the rows (gru's U and b take ∂ñ where W takes ∂hn).
            gl_column_sums(T, rowStep, G, rowStep, S)
            if let CE { gl_column_sums(T, step, CE, step, S + rowStep) }
            let shared = cell == .gru ? 2 * n : R  // the rows W, U and b have in common
            for e in 0..<count {
                if e > 0 && shouldStop() { return }
                let grad = gradientBuffer.baseAddress! + e * layout.count
                let dU = grad + layout.U.lowerBound, db = grad + layout.b.lowerBound
                gram(R, n, T, G + e * R, rowStep, H + e * n, step, grad + layout.W.lowerBound)
                samples[first + e].inputs.storage.withUnsafeBufferPointer { x in
                    gram(shared, m, T, G + e * R, rowStep, x.baseAddress, m, dU)
                    if let CE { gram(n, m, T, CE + e * n, step, x.baseAddress, m, dU + shared * m) }
                }
                db.update(from: S + e * R, count: shared)
                if cell == .gru {
                    (db + 2 * n).update(from: S + rowStep + e * n, count: n)  // b_in: Σ ∂ñ
                    (db + 3 * n).update(from: S + e * R + 2 * n, count: n)    // b_hn: Σ ∂hn
                } else {
                    (db + shared).update(from: S + e * R + shared, count: R - shared)
                }
            }
            progress = .complete
        }}}}}}}}}}}}}}
        return progress
    }

    /// The gradient rows of one step for `count` error vectors δ (and lstm's carried ∂c), as the
    /// formulas of `runGated` say: error vector e reads the gates at `gates + e·gateStride` and the
    /// states at `… + e·stateStride` (strides of 0 let many vectors share one example's forward
    /// pass). `state` is lstm's c_t or gru's hn_t, `previous` lstm's c_{t−1} or gru's h_{t−1}.
    /// Writes the rows that multiply W (R = gates·n an error vector), gru's ∂ñ to `candidateErrors`
    /// (n an error vector, when given), lstm's ∂c_t to `cellDelta` and gru's δ ⊙ z to `carry`.
    /// Returns Σ f (lstm) or Σ z (gru).
    static func gatedStep(_ cell: RecurrentCell, n: Int, count: Int, gates: UnsafePointer<Double>, gateStride: Int,
                          state: UnsafePointer<Double>, previous: UnsafePointer<Double>, stateStride: Int,
                          delta: UnsafePointer<Double>, cellDelta: UnsafeMutablePointer<Double>?,
                          rows: UnsafeMutablePointer<Double>, candidateErrors: UnsafeMutablePointer<Double>?,
                          carry: UnsafeMutablePointer<Double>?) -> Double {
        let R = cell.gates * n
        var carried = 0.0
        for e in 0..<count {
            let a = gates + e * gateStride, s = state + e * stateStride, before = previous + e * stateStride
            let d = delta + e * n, r = rows + e * R
            switch cell {
            case .lstm:
                let dc = cellDelta! + e * n
                for i in 0..<n {
                    let (input, forget, candidate, out) = (a[i], a[n + i], a[2 * n + i], a[3 * n + i])
                    let tc = gl_tanh1(s[i])
                    let cellError = dc[i] + d[i] * out * (1 - tc * tc)
                    r[i] = cellError * candidate * (input * (1 - input))
                    r[n + i] = cellError * before[i] * (forget * (1 - forget))
                    r[2 * n + i] = cellError * input * (1 - candidate * candidate)
                    r[3 * n + i] = d[i] * tc * (out * (1 - out))
                    dc[i] = cellError
                    carried += forget
                }
            case .gru:
                for i in 0..<n {
                    let (reset, update, candidate) = (a[i], a[n + i], a[2 * n + i])
                    let candidateError = d[i] * (1 - update) * (1 - candidate * candidate)
                    let resetError = candidateError * s[i] * (reset * (1 - reset))
                    let updateError = d[i] * (before[i] - candidate) * (update * (1 - update))
                    (r[i], r[n + i], r[2 * n + i]) = (resetError, updateError, candidateError * reset)
                    candidateErrors?[e * n + i] = candidateError
                    carry![e * n + i] = d[i] * update
                    carried += update
                }
            case .rnn:
                preconditionFailure("the rnn cell has no gates")
            }
        }
        return carried
    }

    /// δ_{t−1} from the rows `gatedStep` wrote: Wᵀ rows (+ δ_t ⊙ z for gru), and lstm's ∂c_t times
    /// f_t (the cell path to c_{t−1}; c_{t−1}'s own effect on h_{t−1} is added at step t − 1).
    static func gatedErrorBack(_ cell: RecurrentCell, n: Int, count: Int, W: UnsafePointer<Double>, WT: UnsafePointer<Double>,
                               gates: UnsafePointer<Double>, gateStride: Int, rows: UnsafePointer<Double>,
                               delta: UnsafeMutablePointer<Double>, cellDelta: UnsafeMutablePointer<Double>?,
                               carry: UnsafePointer<Double>?) {
        let R = cell.gates * n
        if cell == .lstm {
            for e in 0..<count { for i in 0..<n { cellDelta![e * n + i] *= gates[e * gateStride + n + i] } }
        }
        gl_matvec_batch(count, n, R, WT, W, rows, cell == .gru ? carry : nil, delta)
    }
}
