/// The recurrent cell: how h_t is formed from h_{t−1} and x_t. The gated cells follow PyTorch's
/// `nn.LSTM` and `nn.GRU` (their equations and gate order), with σ the logistic sigmoid:
///
///     rnn:   h_t = φ(W h_{t−1} + U x_t + b)
///     lstm:  a_t = W h_{t−1} + U x_t + b, split into the gates i, f, g, o (n rows each);
///            i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
///            c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)   (c_0 = 0)
///     gru:   r = σ(U_r x_t + W_r h_{t−1} + b_r),  z = σ(U_z x_t + W_z h_{t−1} + b_z)
///            ñ = tanh(U_n x_t + b_in + r ⊙ (W_n h_{t−1} + b_hn)),  h_t = (1 − z) ⊙ ñ + z ⊙ h_{t−1}
///
/// W stacks the gates' recurrent matrices (W_i; W_f; W_g; W_o for lstm: PyTorch's `weight_hh_l0`)
/// and U their input matrices (`weight_ih_l0`). PyTorch gives every gate two biases, one added to
/// the input term and one to the recurrent term; where only their sum matters gradlab keeps one,
/// b = b_ih + b_hh. GRU's b_hn is multiplied by r, so it is kept apart: gru's b holds
/// (b_r, b_z, b_in, b_hn), 4n values. The activation φ applies to the rnn cell only.
public enum RecurrentCell: String, Sendable, CaseIterable {
    case rnn, lstm, gru

    /// The gates' names in the order their rows are stacked in W and U.
    public var gateNames: [String] {
        switch self {
        case .rnn: [""]
        case .lstm: ["i", "f", "g", "o"]
        case .gru: ["r", "z", "n"]
        }
    }

    /// How many n × n blocks W stacks (and n × m blocks U).
    public var gates: Int { gateNames.count }

    /// How many values b holds for hidden size n.
    public func biasCount(_ n: Int) -> Int { self == .rnn ? n : 4 * n }
}

/// A recurrent network with hidden size n, m input channels and p output channels: the cell
/// (see `RecurrentCell`) runs over x_1…x_T from h_0, then
///
///     y   = V h_T + c
///     L   = ½ ‖y − y*‖²   (or cross-entropy, for a classification task)
///
/// For the rnn cell W is n × n, U is n × m and b has n values; a gated cell's W and U stack one
/// block a gate (4 for lstm, 3 for gru) and b has 4n values.
public struct RNN: Sendable, Equatable {
    public var W: Matrix   // gates·n × n
    public var U: Matrix   // gates·n × m
    public var b: [Double] // n (rnn) or 4n
    public var V: Matrix   // p × n
    public var c: [Double] // p
    public var h0: [Double] // n
    public var activation: Activation
    public var cell: RecurrentCell

    public init(W: Matrix, U: Matrix, b: [Double], V: Matrix, c: [Double], h0: [Double]? = nil, activation: Activation,
                cell: RecurrentCell = .rnn) {
        let n = W.cols
        precondition(W.rows == cell.gates * n && U.rows == W.rows && b.count == cell.biasCount(n) && V.cols == n
                     && (h0 == nil || h0!.count == n), "inconsistent RNN shapes")
        self.W = W
        self.U = U
        self.b = b
        self.V = V
        self.c = c
        self.h0 = h0 ?? Array(repeating: 0, count: n)
        self.activation = activation
        self.cell = cell
    }

    public var hiddenSize: Int { W.cols }
    public var inputSize: Int { U.cols }
    public var outputSize: Int { V.rows }

    /// The n × n recurrent matrix of each gate, in `cell.gateNames` order (W itself for rnn).
    public var gateMatrices: [Matrix] {
        let n = hiddenSize
        guard cell != .rnn else { return [W] }
        return (0..<cell.gates).map { k in Matrix(rows: n, cols: n, storage: Array(W.storage[(k * n * n)..<((k + 1) * n * n)])) }
    }
}

/// One training example: T input vectors (the rows of `inputs`, T × m) and a target y* (p values).
public struct Sample: Sendable, Equatable {
    public var inputs: Matrix
    public var target: [Double]

    public init(inputs: Matrix, target: [Double]) {
        self.inputs = inputs
        self.target = target
    }

    public var length: Int { inputs.rows }
}

/// ∂L/∂θ for every parameter θ of an `RNN`, each with the parameter's shape.
public struct Gradients: Sendable, Equatable {
    public var W: Matrix
    public var U: Matrix
    public var b: [Double]
    public var V: Matrix
    public var c: [Double]

    /// The parameter names, in the order used everywhere (tables, JSON, clipping).
    public static let names = ["W", "U", "b", "V", "c"]

    /// The gradient as a list of flat tensors, in `names` order.
    public var tensors: [[Double]] { [W.storage, U.storage, b, V.storage, c] }

    /// The same shapes filled from a list of flat tensors in `names` order.
    public func replacing(with tensors: [[Double]]) -> Gradients {
        precondition(tensors.count == 5)
        return Gradients(
            W: Matrix(rows: W.rows, cols: W.cols, storage: tensors[0]),
            U: Matrix(rows: U.rows, cols: U.cols, storage: tensors[1]),
            b: tensors[2],
            V: Matrix(rows: V.rows, cols: V.cols, storage: tensors[3]),
            c: tensors[4])
    }
}

extension RNN {
    /// The trainable parameters as flat tensors in `Gradients.names` order (W, U, b, V, c).
    public var parameters: [[Double]] {
        get { [W.storage, U.storage, b, V.storage, c] }
        set {
            precondition(newValue.count == 5 && zip(newValue, parameters).allSatisfy { $0.count == $1.count }, "parameter shapes changed")
            W.storage = newValue[0]
            U.storage = newValue[1]
            b = newValue[2]
            V.storage = newValue[3]
            c = newValue[4]
        }
    }

    /// The (rows, cols) of each parameter tensor, vectors as (count, 1).
    public var parameterShapes: [(rows: Int, cols: Int)] {
        [(W.rows, W.cols), (U.rows, U.cols), (b.count, 1), (V.rows, V.cols), (c.count, 1)]
    }
}
