/// A vanilla recurrent network with hidden size n, m input channels and p output channels:
///
///     h_t = φ(W h_{t−1} + U x_t + b)   for t = 1…T, starting from h_0
///     y   = V h_T + c
///     L   = ½ ‖y − y*‖²
public struct RNN: Sendable, Equatable {
    public var W: Matrix   // n × n
    public var U: Matrix   // n × m
    public var b: [Double] // n
    public var V: Matrix   // p × n
    public var c: [Double] // p
    public var h0: [Double] // n
    public var activation: Activation

    public init(W: Matrix, U: Matrix, b: [Double], V: Matrix, c: [Double], h0: [Double]? = nil, activation: Activation) {
        precondition(W.isSquare && U.rows == W.rows && b.count == W.rows && V.cols == W.rows && c.count == V.rows
                     && (h0 == nil || h0!.count == W.rows), "inconsistent RNN shapes")
        self.W = W
        self.U = U
        self.b = b
        self.V = V
        self.c = c
        self.h0 = h0 ?? Array(repeating: 0, count: W.rows)
        self.activation = activation
    }

    public var hiddenSize: Int { W.rows }
    public var inputSize: Int { U.cols }
    public var outputSize: Int { V.rows }
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
