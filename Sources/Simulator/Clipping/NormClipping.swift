/// Global norm clipping in four styles. They agree on an ordinary gradient above the threshold (up
/// to the last rounding, and PyTorch's ε) and differ at the edges; `ClippingSemanticsTests` pins each
/// difference against the line of the framework's source it comes from.
enum NormClipping {
    static func apply(_ tensors: [[Double]], threshold tau: Double, order: NormOrder, style: NormClipStyle) -> Applied {
        switch style {
        case .gradlab: gradlab(tensors, threshold: tau, order: order)
        case .torch: torch(tensors, threshold: tau, order: order)
        case .tf: tf(tensors, threshold: tau)
        case .optax: optax(tensors, threshold: tau)
        }
    }

    /// gradlab's own: g ← g · τ/‖g‖_p when ‖g‖_p > τ, else g untouched (scale 1). No epsilon; ‖g‖_p is
    /// `VectorNorm` (rescaled, so finite whenever the true norm is). NaN > τ is false, so a NaN
    /// gradient passes through; ‖g‖ = ∞ gives scale 0: finite components 0, infinite ones NaN.
    static func gradlab(_ tensors: [[Double]], threshold tau: Double, order: NormOrder) -> Applied {
        let norm = VectorNorm.of(tensors, order: order)
        let factor = norm > tau ? tau / norm : 1
        let output = factor == 1 ? tensors : tensors.map { $0.map { $0 * factor } }
        return Applied(output: output, norm: norm, scale: factor, warnings: warnings(.gradlab, norm, tensors))
    }

    /// The ε PyTorch adds to the norm before dividing.
    static let torchEpsilon = 1e-6

    /// PyTorch `torch.nn.utils.clip_grad_norm_(parameters, max_norm=τ, norm_type=p)`:
    ///
    ///     norms       = [vector_norm(g, p) for g in grads]          # _get_total_norm
    ///     total_norm  = vector_norm(stack(norms), p)
    ///     clip_coef   = max_norm / (total_norm + 1e-6)              # _clip_grads_with_norm_
    ///     clip_coef_clamped = clamp(clip_coef, max=1.0)
    ///     g.mul_(clip_coef_clamped)                                 # always, even when it is 1
    ///
    /// So a gradient exactly at τ is scaled by τ/(τ + 10⁻⁶) < 1, and so is one a hair below τ; a NaN
    /// norm makes the coefficient NaN (clamp propagates it) and the whole gradient NaN; an infinite
    /// norm makes it 0. `vector_norm` squares without rescaling: [1e200] has norm ∞ for p = 2, so the
    /// whole gradient becomes 0, while p = 1 and p = ∞ stay finite.
    static func torch(_ tensors: [[Double]], threshold tau: Double, order: NormOrder) -> Applied {
        let perTensor = tensors.map { NaiveNorm.of($0, order: order) }
        let total = NaiveNorm.of(perTensor, order: order)
        let coefficient = tau / (total + torchEpsilon)
        let clamped = coefficient.isNaN ? coefficient : Swift.min(coefficient, 1)
        let output = tensors.map { $0.map { $0 * clamped } }
        return Applied(output: output, norm: total, scale: clamped, warnings: warnings(.torch, total, tensors))
    }

    /// TensorFlow `tf.clip_by_global_norm(t_list, clip_norm=τ)`:
    ///
    ///     global_norm = sqrt(sum(l2_loss(t) for t in t_list) * 2)   # l2_loss(t) = sum(t² · 0.5)
    ///     scale_for_finite = clip_norm * minimum(1.0 / use_norm, 1.0 / clip_norm)
    ///     scale = where(is_finite(use_norm), scale_for_finite, NaN)  # "Return NaN if use_norm is not finite"
    ///     t * scale
    ///
    /// So the scale is τ·(1/τ) below the threshold, which is not always exactly 1 (τ = 49 gives
    /// 0.9999999999999999), and any non-finite norm, overflow included, makes every component NaN:
    /// TensorFlow's way of signalling the error.
    static func tf(_ tensors: [[Double]], threshold tau: Double) -> Applied {
        let halfSquares = tensors.map { t in t.reduce(0.0) { $0 + $1 * $1 * 0.5 } }
        let norm = (halfSquares.reduce(0.0, +) * 2).squareRoot()
        let scale = norm.isFinite ? tau * Swift.min(1 / norm, 1 / tau) : .nan
        let output = tensors.map { $0.map { $0 * scale } }
        return Applied(output: output, norm: norm, scale: scale, warnings: warnings(.tf, norm, tensors))
    }

    /// optax `clip_by_global_norm(max_norm=τ)`:
    ///
    ///     g_norm  = sqrt(sum(sum(abs_sq(x)) for x in leaves))       # optax.tree.norm
    ///     trigger = g_norm < max_norm                               # strict
    ///     select(trigger, t, (t / g_norm) * max_norm)
    ///
    /// So a gradient exactly at τ takes the clipping branch, where (t/τ)·τ can differ from t in the last
    /// bit; a NaN norm fails the test and divides by NaN (every component NaN); an infinite or
    /// overflowed norm divides by ∞ (finite components 0, infinite ones NaN).
    static func optax(_ tensors: [[Double]], threshold tau: Double) -> Applied {
        let norm = tensors.reduce(0.0) { $0 + NaiveNorm.sumOfSquares($1) }.squareRoot()
        let keep = norm < tau
        let output = keep ? tensors : tensors.map { $0.map { ($0 / norm) * tau } }
        return Applied(output: output, norm: norm, scale: keep ? 1 : tau / norm,
                       warnings: warnings(.optax, norm, tensors))
    }

    /// A warning when `style`'s norm of `tensors` is not finite, with its cause.
    private static func warnings(_ style: NormClipStyle, _ norm: Double, _ tensors: [[Double]]) -> [ClipWarning] {
        norm.isFinite ? [] : [.norm(style, NonFiniteCause.of(tensors))]
    }
}
