
/// The update rules, each as its authors (and the major frameworks) define it.
public enum OptimizerKind: String, Sendable, CaseIterable {
    /// θ ← θ − lr·v with v ← μ·v + g (PyTorch's SGD; μ = 0 is plain gradient descent).
    case sgd
    /// m ← m + g², θ ← θ − lr·g/√(m + 1e-8) (min-char-rnn's Adagrad).
    case adagrad
    /// Kingma & Ba 2015 with bias correction: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    /// θ ← θ − lr·m̂/(√v̂ + ε).
    case adam
}

public struct OptimizerConfig: Sendable, Equatable {
    public var kind: OptimizerKind
    public var learningRate: Double
    public var momentum: Double
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8

    public init(_ kind: OptimizerKind = .sgd, learningRate: Double = 0.1, momentum: Double = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
    }
}

/// An optimizer with its state (velocity, accumulated squares, moments) for a list of tensors.
public struct Optimizer: Sendable {
    public let config: OptimizerConfig
    /// The learning rate of the next update: the config's at first; it may change between updates
    /// (the state the optimizer keeps does not depend on it).
    public var learningRate: Double
    public private(set) var step = 0
    private var first: [[Double]] = []   // SGD velocity, Adagrad memory, Adam m
    private var second: [[Double]] = []  // Adam v

    public init(_ config: OptimizerConfig) {
        self.config = config
        learningRate = config.learningRate
    }

    /// Applies one update to `parameters` given their gradients.
    public mutating func update(_ parameters: inout [[Double]], gradients: [[Double]]) {
        precondition(parameters.count == gradients.count)
        if first.isEmpty {
            first = gradients.map { Array(repeating: 0, count: $0.count) }
            second = first
        }
        step += 1
        let lr = learningRate
        for k in parameters.indices {
            let g = gradients[k]
            switch config.kind {
            case .sgd:
                for i in g.indices {
                    first[k][i] = config.momentum * first[k][i] + g[i]
                    parameters[k][i] -= lr * first[k][i]
                }
            case .adagrad:
                for i in g.indices {
                    first[k][i] += g[i] * g[i]
                    parameters[k][i] -= lr * g[i] / (first[k][i] + 1e-8).squareRoot()
                }
            case .adam:
                let (b1, b2) = (config.beta1, config.beta2)
                let correction1 = 1 - power(b1, step), correction2 = 1 - power(b2, step)
                for i in g.indices {
                    first[k][i] = b1 * first[k][i] + (1 - b1) * g[i]
                    second[k][i] = b2 * second[k][i] + (1 - b2) * g[i] * g[i]
                    let mHat = first[k][i] / correction1, vHat = second[k][i] / correction2
                    parameters[k][i] -= lr * mHat / (vHat.squareRoot() + config.epsilon)
                }
            }
        }
    }
}

/// βᵗ for t ≥ 0 by repeated squaring: products alone, so the same bits on every processor (the
/// system's pow picks its code by processor); within about 2·log₂ t ulp of the true power, and exact
/// at t = 1.
func power(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0, square = base, e = exponent
    while e > 0 {
        if e & 1 == 1 { result *= square }
        e >>= 1
        if e > 0 { square *= square }
    }
    return result
}
