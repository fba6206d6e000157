import Kernels

/// The problems a network can be trained on. Each draws its examples from a seeded stream.
public enum TaskKind: String, Sendable, CaseIterable {
    /// The skeleton's one fixed sequence: x_t ~ N(0, 1), one target y* ~ N(0, 1).
    case regress
    /// Hochreiter & Schmidhuber 1997 / Pascanu et al. 2013: two channels (a value from U[0, 1) and a
    /// marker); exactly two steps are marked, one in each half of the sequence; the target is the
    /// SUM of the two marked values.
    case adding
    /// The temporal-order problem (Hochreiter & Schmidhuber 1997, Pascanu et al. 2013): a sequence of
    /// distractor symbols a–d holds two relevant symbols, X or Y, one in [T/10, 2T/10) and one in
    /// [5T/10, 6T/10); the class is their order XX, XY, YX or YY (4-way softmax).
    case order
    /// Recall the first input after T steps: x_1 ~ U[−1, 1], then zeros; the target is x_1.
    case memory
}

/// A task at a given sequence length.
public struct TrainingTask: Sendable, Equatable {
    public var kind: TaskKind
    public var length: Int
    /// The seed of `regress`'s one sequence (the other tasks draw from the training stream).
    public var seed: UInt64

    public init(_ kind: TaskKind, length: Int, seed: UInt64 = 1) {
        self.kind = kind
        self.length = length
        self.seed = seed
    }

    /// The shortest sequence each task makes sense for.
    public var minimumLength: Int { kind == .order ? 10 : (kind == .adding ? 2 : 1) }

    public var inputSize: Int {
        switch kind {
        case .regress, .memory: 1
        case .adding: 2
        case .order: 6
        }
    }

    public var outputSize: Int { kind == .order ? 4 : 1 }

    public var loss: Loss { kind == .order ? .crossEntropy : .squaredError }

    /// The loss of the best predictor that ignores its input (a constant), so that "it learned
    /// something" has a number: adding ½·Var(sum) = 1/12, order log 4, memory ½·E[x₁²] = 1/6.
    /// None for regress: with one fixed target, a constant fits it exactly.
    public var trivialLoss: Double? {
        switch kind {
        case .regress: nil
        case .adding: 1.0 / 12
        case .order: gl_log(4)
        case .memory: 1.0 / 6
        }
    }

    /// regress's one sequence (also the skeleton's `bptt` sequence).
    var fixedSample: Sample {
        var rngX = Xoshiro256(seed: seed, stream: "inputs")
        var rngY = Xoshiro256(seed: seed, stream: "target")
        return Sample(inputs: Matrix(rows: length, cols: 1, storage: rngX.normals(length)), target: rngY.normals(1))
    }

    /// One example drawn from `rng` (regress ignores it and returns its one sequence).
    public func sample(_ rng: inout Xoshiro256) -> Sample {
        let T = length
        switch kind {
        case .regress:
            return fixedSample
        case .adding:
            var x = Matrix(rows: T, cols: 2)
            for t in 0..<T { x[t, 0] = rng.uniform() }
            let half = max(1, T / 2)
            let first = Int(rng.uniform() * Double(half))
            let second = half + Int(rng.uniform() * Double(T - half))
            x[first, 1] = 1
            x[second, 1] = 1
            return Sample(inputs: x, target: [x[first, 0] + x[second, 0]])
        case .order:
            var x = Matrix(rows: T, cols: 6)
            for t in 0..<T { x[t, Int(rng.uniform() * 4)] = 1 }  // distractors a, b, c, d
            let first = T / 10 + Int(rng.uniform() * Double(max(1, T / 10)))
            let second = 5 * T / 10 + Int(rng.uniform() * Double(max(1, T / 10)))
            let a = rng.uniform() < 0.5 ? 0 : 1, b = rng.uniform() < 0.5 ? 0 : 1  // 0 = X, 1 = Y
            for (t, symbol) in [(first, a), (second, b)] {
                for k in 0..<6 { x[t, k] = 0 }
                x[t, 4 + symbol] = 1
            }
            var target = [Double](repeating: 0, count: 4)
            target[2 * a + b] = 1
            return Sample(inputs: x, target: target)
        case .memory:
            var x = Matrix(rows: T, cols: 1)
            x[0, 0] = 2 * rng.uniform() - 1
            return Sample(inputs: x, target: [x[0, 0]])
        }
    }

    /// `size` examples drawn in turn from `rng` (regress's one sequence, once).
    public func batch(_ size: Int, _ rng: inout Xoshiro256) -> [Sample] {
        kind == .regress ? [fixedSample] : (0..<size).map { _ in sample(&rng) }
    }

    /// How many examples a batch of `size` has: regress has one.
    public func examples(_ size: Int) -> Int { kind == .regress ? 1 : size }
}
