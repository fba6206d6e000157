/// Where each parameter's gradient lies in one flat buffer of an RNN's gradient: ∂L/∂W (gates·n × n),
/// ∂L/∂U (gates·n × m), ∂L/∂b (n for rnn, 4n for a gated cell), ∂L/∂V (p × n) and ∂L/∂c (p), one
/// after another in `Gradients.names` order, each row-major. The batched pass writes every example's gradient in this layout, `bptt`
/// reads its one example's out of it, and the trainer sums the examples' and splits the sum.
/// How many bytes the forward and backward passes of one example of length T hold (`BackpropBatch`'s
/// buffers), for a cell of hidden size n with m inputs and p outputs.
public func backpropBytes(_ cell: RecurrentCell, n: Int, m: Int, p: Int, length T: Int) -> Int {
    let rows = cell.gates * n
    let cellState = switch cell { case .rnn: 0; case .lstm: (T + 1) * n + n; case .gru: 2 * T * n + rows + n }
    let gradient = GradientLayout(n: n, m: m, p: p, cell: cell).count
    return (2 * T * rows + (T + 1) * n + cellState + 2 * rows + gradient) * MemoryLayout<Double>.size
}

struct GradientLayout: Sendable, Equatable {
    /// The hidden, input and output sizes.
    let n: Int, m: Int, p: Int
    let cell: RecurrentCell
    /// Each tensor's place in the buffer.
    let W: Range<Int>, U: Range<Int>, b: Range<Int>, V: Range<Int>, c: Range<Int>

    init(n: Int, m: Int, p: Int, cell: RecurrentCell = .rnn) {
        (self.n, self.m, self.p, self.cell) = (n, m, p, cell)
        let rows = cell.gates * n
        W = 0..<(rows * n)
        U = W.upperBound..<(W.upperBound + rows * m)
        b = U.upperBound..<(U.upperBound + cell.biasCount(n))
        V = b.upperBound..<(b.upperBound + p * n)
        c = V.upperBound..<(V.upperBound + p)
    }

    init(_ model: RNN) { self.init(n: model.hiddenSize, m: model.inputSize, p: model.outputSize, cell: model.cell) }

    /// The values of one gradient.
    var count: Int { c.upperBound }

    /// The tensors' places in `Gradients.names` order.
    var tensors: [Range<Int>] { [W, U, b, V, c] }

    /// The gradient laid out in `flat` (from its first index on) as shaped tensors.
    func gradients(_ flat: ArraySlice<Double>) -> Gradients {
        precondition(flat.count == count, "this layout holds \(count) values, not \(flat.count)")
        let start = flat.startIndex
        func tensor(_ range: Range<Int>) -> [Double] {
            Array(flat[(start + range.lowerBound)..<(start + range.upperBound)])
        }
        let rows = cell.gates * n
        return Gradients(W: Matrix(rows: rows, cols: n, storage: tensor(W)),
                         U: Matrix(rows: rows, cols: m, storage: tensor(U)),
                         b: tensor(b),
                         V: Matrix(rows: p, cols: n, storage: tensor(V)),
                         c: tensor(c))
    }
}
