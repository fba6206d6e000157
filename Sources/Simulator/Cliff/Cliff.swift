import Kernels

/// Pascanu, Mikolov & Bengio (2013), section 3: one sigmoid unit driven by itself,
///
///     x_t = w·σ(x_{t−1}) + b,   x_0 = 0.5,   L(w, b) = (x_T − target)²,   T = 50, target 0.7
///
/// Where the map x ↦ w·σ(x) + b changes from one stable fixed point to two, x_T jumps from one to
/// the other as (w, b) crosses a curve: the loss surface has a wall there, and the gradient near the
/// wall is enormous, so one plain gradient step can throw (w, b) far away.
public struct CliffModel: Sendable, Equatable {
    public var steps = 50
    public var start = 0.5
    public var target = 0.7

    public init(steps: Int = 50, start: Double = 0.5, target: Double = 0.7) {
        self.steps = steps
        self.start = start
        self.target = target
    }

    /// L(w, b).
    public func loss(w: Double, b: Double) -> Double {
        var x = start
        for _ in 0..<steps { x = w * sigmoid(x) + b }
        return (x - target) * (x - target)
    }

    /// L and ∂L/∂(w, b) by backpropagation through the T steps.
    public func lossAndGradient(w: Double, b: Double) -> (loss: Double, dw: Double, db: Double) {
        var xs = [Double](repeating: 0, count: steps + 1)
        xs[0] = start
        for t in stride(from: 1, through: steps, by: 1) { xs[t] = w * sigmoid(xs[t - 1]) + b }
        let loss = (xs[steps] - target) * (xs[steps] - target)
        var delta = 2 * (xs[steps] - target)  // ∂L/∂x_t, from t = T down
        var dw = 0.0, db = 0.0
        for t in stride(from: steps, through: 1, by: -1) {
            let s = sigmoid(xs[t - 1])
            dw += delta * s
            db += delta
            delta *= w * s * (1 - s)
        }
        return (loss, dw, db)
    }

    /// L over a grid: `values[i][j]` is the loss at (ws[j], bs[i]).
    public func surface(ws: [Double], bs: [Double]) -> [[Double]] {
        bs.map { b in ws.map { w in loss(w: w, b: b) } }
    }

    /// Plain gradient descent from (w, b), with the gradient clipped by `clip` before each step.
    public func descend(w: Double, b: Double, learningRate: Double, steps count: Int, clip: ClipRule) -> [CliffPoint] {
        var points: [CliffPoint] = []
        var (w, b) = (w, b)
        for step in 0...count {
            let (loss, dw, db) = lossAndGradient(w: w, b: b)
            let outcome = Clipper.clip([[dw, db]], rule: clip, shapes: [(2, 1)], parameters: [[w, b]])
            points.append(CliffPoint(w: w, b: b, loss: loss, gradientNorm: outcome.norm, clipped: outcome.clipped))
            guard step < count, w.isFinite, b.isFinite else { break }
            w -= learningRate * outcome.output[0][0]
            b -= learningRate * outcome.output[0][1]
        }
        return points
    }

    private func sigmoid(_ x: Double) -> Double { 1 / (1 + gl_exp(-x)) }
}

/// One point of a descent on the cliff surface.
public struct CliffPoint: Sendable, Equatable {
    public var w: Double
    public var b: Double
    public var loss: Double
    /// ‖∇L‖ before clipping.
    public var gradientNorm: Double
    public var clipped: Bool
}
