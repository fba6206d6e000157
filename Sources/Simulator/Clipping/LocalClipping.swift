/// Per-tensor norm clipping, Keras `clipnorm`: TensorFlow `tf.clip_by_norm(t, clip_norm=τ)` applied
/// to each tensor on its own (Keras 3 `BaseOptimizer._clip_by_norm` is the same code):
///
///     l2sum  = reduce_sum(t * t)
///     pred   = l2sum > 0
///     l2norm = where(pred, sqrt(where(pred, l2sum, 1)), l2sum)   # 0 for a zero tensor, NaN stays NaN
///     t * clip_norm / maximum(l2norm, clip_norm)
///
/// Multiplying by τ before dividing means a tensor at or below the threshold comes back as (t·τ)/τ,
/// which can differ from t in the last bit (0.1 with τ = 3 gives 0.10000000000000002). A NaN in a
/// tensor makes all of that tensor NaN (`maximum` propagates NaN); an infinite component, or squares
/// that overflow, divide the tensor by ∞. Each tensor is clipped alone: the others are untouched.
enum TensorClipping {
    static func apply(_ tensors: [[Double]], threshold tau: Double, label: TensorLabels) -> Applied {
        var output: [[Double]] = []
        var warnings: [ClipWarning] = []
        for (i, t) in tensors.enumerated() {
            let clipped = clipByNorm(t, threshold: tau)
            output.append(clipped.output)
            if !clipped.norm.isFinite {
                let zeroed = clipped.output.allSatisfy { $0 == 0 }
                warnings.append(.tensor(label(i), NonFiniteCause.of([t]), zeroed: zeroed))
            }
        }
        return Applied(output: output, norm: VectorNorm.of(tensors), scale: nil, warnings: warnings)
    }

    /// One tensor through `tf.clip_by_norm`, with the norm TensorFlow computed for it.
    static func clipByNorm(_ t: [Double], threshold tau: Double) -> (output: [Double], norm: Double) {
        let l2sum = NaiveNorm.sumOfSquares(t)
        let l2norm = l2sum > 0 ? l2sum.squareRoot() : l2sum
        let divisor = maximumPropagatingNaN(l2norm, tau)
        return (t.map { ($0 * tau) / divisor }, l2norm)
    }
}

/// Adaptive gradient clipping (Brock et al. 2021, "High-Performance Large-Scale Image Recognition
/// Without Normalization"), as optax `adaptive_grad_clip(clipping=λ, eps=1e-3)` computes it:
///
///     g_norm, p_norm = unitwise_norm(updates), unitwise_norm(params)
///     max_norm = clipping * maximum(p_norm, eps)
///     clipped  = grad * (max_norm / maximum(g_norm, 1e-6))       # unitwise_clip, div_eps = 1e-6
///     where(g_norm < max_norm, grad, clipped)                     # strict
///
/// `unitwise_norm` is the 2-norm (squares summed without rescaling) of each unit: for a tensor that
/// squeezes to a vector or a scalar (`jnp.squeeze(x).ndim <= 1`) the whole tensor is one unit, as in
/// the original nfnets code; for a 2-D kernel, one norm per output unit (axis 0 of optax's (in, out)
/// kernels = a row of our row-major (out, in) matrices, since h = W h_prev). So U of shape n×1 (one
/// input channel) is a single unit, not n.
///
/// A NaN in a unit's gradient makes the whole unit NaN (NaN < max_norm is false, and `maximum`
/// propagates NaN); an infinite or overflowing gradient norm scales the unit by 0 (infinite
/// components NaN); a NaN parameter makes that unit's allowed norm NaN, so its gradient NaN; an
/// infinite parameter norm makes the unit's allowed norm ∞, so it is never clipped.
enum AdaptiveClipping {
    /// The floor under the gradient norm that `unitwise_clip` divides by.
    static let divisionEpsilon = 1e-6

    static func apply(_ tensors: [[Double]], lambda: Double, shapes: [(rows: Int, cols: Int)]?, parameters: [[Double]]?,
                      label: TensorLabels) -> Applied {
        let norm = VectorNorm.of(tensors)
        guard let parameters else {
            return Applied(output: tensors, norm: norm, scale: nil, warnings: [.agcWithoutParameters])
        }
        precondition(parameters.count == tensors.count && zip(parameters, tensors).allSatisfy { $0.count == $1.count },
                     "agc: the parameters must have the gradient's tensors and sizes")
        precondition(shapes.map { $0.count == tensors.count && zip($0, tensors).allSatisfy { $0.rows * $0.cols == $1.count } } ?? true,
                     "agc: every shape must hold its tensor's count")
        var output: [[Double]] = []
        var warnings: [ClipWarning] = []
        for (i, g) in tensors.enumerated() {
            let shape = shapes?[i] ?? (rows: 1, cols: g.count)
            var clipped = g
            var causes: [ClipWarning.UnitProblem] = []
            for unit in units(of: shape, count: g.count) {
                let gUnit = Array(g[unit]), pUnit = Array(parameters[i][unit])
                let result = clipUnit(gUnit, parameters: pUnit, lambda: lambda)
                clipped.replaceSubrange(unit, with: result.output)
                if let cause = result.problem, !causes.contains(cause) { causes.append(cause) }
            }
            output.append(clipped)
            warnings += causes.map { .agcUnit(label(i), $0) }
        }
        return Applied(output: output, norm: norm, scale: nil, warnings: warnings)
    }

    /// The index ranges of a tensor's units: one per row of a matrix with at least two rows and two
    /// columns, else the whole tensor.
    static func units(of shape: (rows: Int, cols: Int), count: Int) -> [Range<Int>] {
        guard shape.rows > 1, shape.cols > 1 else { return [0..<count] }
        return (0..<shape.rows).map { r in r * shape.cols..<(r + 1) * shape.cols }
    }

    /// One unit through optax's `unitwise_clip`.
    static func clipUnit(_ g: [Double], parameters w: [Double], lambda: Double)
        -> (output: [Double], problem: ClipWarning.UnitProblem?) {
        let gNorm = NaiveNorm.two(g), pNorm = NaiveNorm.two(w)
        let maxNorm = lambda * maximumPropagatingNaN(pNorm, ClipRule.agcEpsilon)
        let output: [Double]
        if gNorm < maxNorm {
            output = g
        } else {
            let ratio = maxNorm / maximumPropagatingNaN(gNorm, divisionEpsilon)
            output = g.map { $0 * ratio }
        }
        var problem: ClipWarning.UnitProblem? = nil
        if !gNorm.isFinite {
            problem = switch NonFiniteCause.of([g]) {
            case .nan: .nanGradient
            case .infinity: .infiniteGradient
            case .overflow: .overflowingGradient
            }
        } else if pNorm.isNaN {
            problem = .nanParameter
        } else if pNorm.isInfinite {
            problem = .infiniteParameter
        }
        return (output, problem)
    }
}
