import Simulator
import Testing

// Every clipping rule and style, pinned against its published semantics on the same seven cases:
// below the threshold, above, exactly at, an all-zero gradient, a NaN component, an infinite one,
// and huge but finite components (3e200, 4e200: the true ‖g‖₂ = 5e200 is finite, but the squares
// overflow, so the frameworks, which sum squares without rescaling, see ‖g‖ = ∞).
//
// The expected numbers were worked out from the cited source lines by emulating them in float64
// with numpy, operation for operation (same order of multiply and divide, same NaN propagation), and
// are compared bit for bit (NaN matches NaN) unless a row gives a tolerance.
//
// Sources (the versions read for this table):
//   torch/nn/utils/clip_grad.py   _get_total_norm, _clip_grads_with_norm_, clip_grad_norm_
//   tensorflow/python/ops/clip_ops.py   clip_by_norm, global_norm, clip_by_global_norm
//   tensorflow/core/kernels/l2loss_op.h   L2Loss = sum(square(t) * 0.5)
//   keras/src/optimizers/base_optimizer.py   _clip_by_norm (the same code as tf.clip_by_norm)
//   optax/transforms/_clipping.py   clip_by_global_norm, unitwise_norm, unitwise_clip, adaptive_grad_clip
//   optax/tree_utils/_tree_math.py   tree_norm (the global norm: sqrt of the summed squares)

/// Inputs shared by every rule.
private enum Gradient {
    /// ‖g‖₂ = 5, ‖g‖₁ = 7, ‖g‖∞ = 4; tensor norms 3 and 4.
    static let g: [[Double]] = [[3, 0], [0, 4]]
    static let zero: [[Double]] = [[0, 0], [0]]
    static let withNaN: [[Double]] = [[.nan, 3], [4]]
    static let withInf: [[Double]] = [[.infinity, 3], [-2]]
    static let huge: [[Double]] = [[3e200, 0], [0, 4e200]]
}

/// One expectation: `rule` applied to `input` gives exactly `output`, `norm`, `scale`, `clipped`,
/// and `warnings` (none when the row names none).
struct ClipRow: Sendable, CustomTestStringConvertible {
    let label: String
    let rule: ClipRule
    let input: [[Double]]
    let output: [[Double]]
    /// The outcome's norm; nil means the overflow-safe ‖input‖₂ (`VectorNorm`).
    let norm: Double?
    /// The outcome's scale; nil means "no single factor".
    let scale: Double?
    let clipped: Bool
    let warnings: [ClipWarning]
    /// Relative tolerance for output, norm and scale; 0 means bit for bit.
    var tolerance: Double = 0

    var testDescription: String { label }

    init(_ label: String, _ rule: ClipRule, _ input: [[Double]], _ output: [[Double]], norm: Double?, scale: Double?,
         clipped: Bool, warnings: [ClipWarning] = [], tolerance: Double = 0) {
        self.label = label
        self.rule = rule
        self.input = input
        self.output = output
        self.norm = norm
        self.scale = scale
        self.clipped = clipped
        self.warnings = warnings
        self.tolerance = tolerance
    }
}

/// Equal bit for bit up to ±0 (NaN equals NaN), or within `tolerance` relative.
func clipMatches(_ actual: Double, _ expected: Double, tolerance: Double = 0) -> Bool {
    if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
    if actual == expected { return true }
    return tolerance > 0 && abs(actual - expected) <= tolerance * max(abs(expected), Double.leastNormalMagnitude)
}

func clipMatches(_ actual: [[Double]], _ expected: [[Double]], tolerance: Double = 0) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
        a.count == e.count && zip(a, e).allSatisfy { clipMatches($0, $1, tolerance: tolerance) }
    }
}

private typealias G = Gradient
private typealias T = ClipWarning.Tensor

enum ClipTable {
    /// gradlab's own style (the default, unchanged): g·τ/‖g‖_p only when ‖g‖_p > τ, no epsilon,
    /// overflow-safe `VectorNorm`; NaN > τ is false, so NaN passes; ‖g‖ = ∞ gives scale 0.
    static let gradlab: [ClipRow] = [
        ClipRow("gradlab p=2, below", .norm(threshold: 10), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("gradlab p=2, above", .norm(threshold: 1), G.g, [[0.6000000000000001, 0], [0, 0.8]], norm: 5, scale: 0.2, clipped: true),
        ClipRow("gradlab p=2, at", .norm(threshold: 5), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("gradlab p=2, zero", .norm(threshold: 1), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("gradlab p=2, NaN", .norm(threshold: 1), G.withNaN, G.withNaN, norm: .nan, scale: 1, clipped: false, warnings: [.norm(.gradlab, .nan)]),
        ClipRow("gradlab p=2, Inf", .norm(threshold: 1), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.gradlab, .infinity)]),
        ClipRow("gradlab p=2, huge", .norm(threshold: 1), G.huge, [[0.6, 0], [0, 0.8]], norm: 5e200, scale: 2e-201, clipped: true, tolerance: 1e-15),
        ClipRow("gradlab p=1, below", .norm(threshold: 10, order: .one), G.g, G.g, norm: 7, scale: 1, clipped: false),
        ClipRow("gradlab p=1, above", .norm(threshold: 1, order: .one), G.g, [[0.42857142857142855, 0], [0, 0.5714285714285714]], norm: 7, scale: 1.0 / 7, clipped: true),
        ClipRow("gradlab p=1, at", .norm(threshold: 7, order: .one), G.g, G.g, norm: 7, scale: 1, clipped: false),
        ClipRow("gradlab p=1, zero", .norm(threshold: 1, order: .one), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("gradlab p=1, NaN", .norm(threshold: 1, order: .one), G.withNaN, G.withNaN, norm: .nan, scale: 1, clipped: false, warnings: [.norm(.gradlab, .nan)]),
        ClipRow("gradlab p=1, Inf", .norm(threshold: 1, order: .one), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.gradlab, .infinity)]),
        ClipRow("gradlab p=1, huge", .norm(threshold: 1, order: .one), G.huge, [[3.0 / 7, 0], [0, 4.0 / 7]], norm: 7e200, scale: 1 / 7e200, clipped: true, tolerance: 1e-15),
        ClipRow("gradlab p=inf, below", .norm(threshold: 10, order: .infinity), G.g, G.g, norm: 4, scale: 1, clipped: false),
        ClipRow("gradlab p=inf, above", .norm(threshold: 1, order: .infinity), G.g, [[0.75, 0], [0, 1]], norm: 4, scale: 0.25, clipped: true),
        ClipRow("gradlab p=inf, at", .norm(threshold: 4, order: .infinity), G.g, G.g, norm: 4, scale: 1, clipped: false),
        ClipRow("gradlab p=inf, zero", .norm(threshold: 1, order: .infinity), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("gradlab p=inf, NaN", .norm(threshold: 1, order: .infinity), G.withNaN, G.withNaN, norm: .nan, scale: 1, clipped: false, warnings: [.norm(.gradlab, .nan)]),
        ClipRow("gradlab p=inf, Inf", .norm(threshold: 1, order: .infinity), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.gradlab, .infinity)]),
        ClipRow("gradlab p=inf, huge", .norm(threshold: 1, order: .infinity), G.huge, [[0.75, 0], [0, 1]], norm: 4e200, scale: 2.5e-201, clipped: true, tolerance: 1e-15),
    ]

    /// PyTorch, torch/nn/utils/clip_grad.py:
    ///   _get_total_norm:        norms = [torch.linalg.vector_norm(g, norm_type) ...]   (also _foreach_norm)
    ///                           total_norm = torch.linalg.vector_norm(torch.stack(norms), norm_type)
    ///   _clip_grads_with_norm_: clip_coef = max_norm / (total_norm + 1e-6)
    ///                           clip_coef_clamped = torch.clamp(clip_coef, max=1.0)
    ///                           g.mul_(clip_coef_clamped)   — always, "avoids a `if clip_coef < 1:`"
    /// vector_norm sums squares without rescaling (pytorch issue #193006), so `huge` has norm ∞ for
    /// p=2 and is zeroed, while p=1 and p=∞ stay finite. clamp propagates a NaN coefficient.
    static let torch: [ClipRow] = [
        ClipRow("torch p=2, below", .norm(threshold: 10, order: .two, style: .torch), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("torch p=2, above", .norm(threshold: 1, order: .two, style: .torch), G.g, [[0.599999880000024, 0], [0, 0.799999840000032]], norm: 5, scale: 0.199999960000008, clipped: true),
        ClipRow("torch p=2, at", .norm(threshold: 5, order: .two, style: .torch), G.g, [[2.99999940000012, 0], [0, 3.99999920000016]], norm: 5, scale: 0.99999980000004, clipped: true),
        ClipRow("torch p=2, zero", .norm(threshold: 1, order: .two, style: .torch), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("torch p=2, NaN", .norm(threshold: 1, order: .two, style: .torch), G.withNaN, [[.nan, .nan], [.nan]], norm: .nan, scale: .nan, clipped: true, warnings: [.norm(.torch, .nan)]),
        ClipRow("torch p=2, Inf", .norm(threshold: 1, order: .two, style: .torch), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.torch, .infinity)]),
        ClipRow("torch p=2, huge", .norm(threshold: 1, order: .two, style: .torch), G.huge, [[0, 0], [0, 0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.torch, .overflow)]),
        ClipRow("torch p=1, below", .norm(threshold: 10, order: .one, style: .torch), G.g, G.g, norm: 7, scale: 1, clipped: false),
        ClipRow("torch p=1, above", .norm(threshold: 1, order: .one, style: .torch), G.g, [[0.42857136734694745, 0], [0, 0.57142848979593]], norm: 7, scale: 0.1428571224489825, clipped: true),
        ClipRow("torch p=1, at", .norm(threshold: 7, order: .one, style: .torch), G.g, [[2.9999995714286327, 0], [0, 3.99999942857151]], norm: 7, scale: 0.9999998571428775, clipped: true),
        ClipRow("torch p=1, zero", .norm(threshold: 1, order: .one, style: .torch), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("torch p=1, NaN", .norm(threshold: 1, order: .one, style: .torch), G.withNaN, [[.nan, .nan], [.nan]], norm: .nan, scale: .nan, clipped: true, warnings: [.norm(.torch, .nan)]),
        ClipRow("torch p=1, Inf", .norm(threshold: 1, order: .one, style: .torch), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.torch, .infinity)]),
        ClipRow("torch p=1, huge", .norm(threshold: 1, order: .one, style: .torch), G.huge, [[0.42857142857142855, 0], [0, 0.5714285714285714]], norm: 7e200, scale: 1.4285714285714286e-201, clipped: true),
        ClipRow("torch p=inf, below", .norm(threshold: 10, order: .infinity, style: .torch), G.g, G.g, norm: 4, scale: 1, clipped: false),
        ClipRow("torch p=inf, above", .norm(threshold: 1, order: .infinity, style: .torch), G.g, [[0.7499998125000469, 0], [0, 0.9999997500000625]], norm: 4, scale: 0.24999993750001562, clipped: true),
        ClipRow("torch p=inf, at", .norm(threshold: 4, order: .infinity, style: .torch), G.g, [[2.9999992500001875, 0], [0, 3.99999900000025]], norm: 4, scale: 0.9999997500000625, clipped: true),
        ClipRow("torch p=inf, zero", .norm(threshold: 1, order: .infinity, style: .torch), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("torch p=inf, NaN", .norm(threshold: 1, order: .infinity, style: .torch), G.withNaN, [[.nan, .nan], [.nan]], norm: .nan, scale: .nan, clipped: true, warnings: [.norm(.torch, .nan)]),
        ClipRow("torch p=inf, Inf", .norm(threshold: 1, order: .infinity, style: .torch), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.torch, .infinity)]),
        ClipRow("torch p=inf, huge", .norm(threshold: 1, order: .infinity, style: .torch), G.huge, [[0.75, 0], [0, 1]], norm: 4e200, scale: 2.5e-201, clipped: true),
    ]

    /// TensorFlow, tensorflow/python/ops/clip_ops.py:
    ///   global_norm:          half_squared_norms.append(gen_nn_ops.l2_loss(v))   # sum(v² · 0.5)
    ///                         norm = math_ops.sqrt(half_squared_norm * 2.0)
    ///   clip_by_global_norm:  scale_for_finite = clip_norm * math_ops.minimum(1.0 / use_norm, 1.0 / clip_norm)
    ///                         scale = where(is_finite(use_norm), scale_for_finite, NaN)
    ///                         ("If use_norm is any finite number, this is a no-op. For inf/-inf/NaN, this will make scale NaN.")
    ///                         values_clipped.append(v * scale)
    /// The zero gradient: 1.0/0 = ∞, min(∞, 1/τ) = 1/τ, scale τ·(1/τ) = 1 here (τ = 1).
    static let tf: [ClipRow] = [
        ClipRow("tf, below", .norm(threshold: 10, style: .tf), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("tf, above", .norm(threshold: 1, style: .tf), G.g, [[0.6000000000000001, 0], [0, 0.8]], norm: 5, scale: 0.2, clipped: true),
        ClipRow("tf, at", .norm(threshold: 5, style: .tf), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("tf, zero", .norm(threshold: 1, style: .tf), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("tf, NaN", .norm(threshold: 1, style: .tf), G.withNaN, [[.nan, .nan], [.nan]], norm: .nan, scale: .nan, clipped: true, warnings: [.norm(.tf, .nan)]),
        ClipRow("tf, Inf", .norm(threshold: 1, style: .tf), G.withInf, [[.nan, .nan], [.nan]], norm: .infinity, scale: .nan, clipped: true, warnings: [.norm(.tf, .infinity)]),
        ClipRow("tf, huge", .norm(threshold: 1, style: .tf), G.huge, [[.nan, .nan], [.nan, .nan]], norm: .infinity, scale: .nan, clipped: true, warnings: [.norm(.tf, .overflow)]),
    ]

    /// optax, optax/transforms/_clipping.py, clip_by_global_norm:
    ///   g_norm = linear_algebra.global_norm(updates)     # optax.tree.norm: jnp.sqrt(sum of squares)
    ///   trigger = jnp.squeeze(g_norm < max_norm)          # strict
    ///   jax.lax.select(trigger, t, (t / g_norm.astype(t.dtype)) * max_norm)
    /// Dividing first: 3/5·1 = 0.6 exactly where gradlab and tf give 3·0.2 = 0.6000000000000001.
    /// The scale shown is the nominal τ/‖g‖.
    static let optax: [ClipRow] = [
        ClipRow("optax, below", .norm(threshold: 10, style: .optax), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("optax, above", .norm(threshold: 1, style: .optax), G.g, [[0.6, 0], [0, 0.8]], norm: 5, scale: 0.2, clipped: true),
        ClipRow("optax, at", .norm(threshold: 5, style: .optax), G.g, G.g, norm: 5, scale: 1, clipped: false),
        ClipRow("optax, zero", .norm(threshold: 1, style: .optax), G.zero, G.zero, norm: 0, scale: 1, clipped: false),
        ClipRow("optax, NaN", .norm(threshold: 1, style: .optax), G.withNaN, [[.nan, .nan], [.nan]], norm: .nan, scale: .nan, clipped: true, warnings: [.norm(.optax, .nan)]),
        ClipRow("optax, Inf", .norm(threshold: 1, style: .optax), G.withInf, [[.nan, 0], [-0.0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.optax, .infinity)]),
        ClipRow("optax, huge", .norm(threshold: 1, style: .optax), G.huge, [[0, 0], [0, 0]], norm: .infinity, scale: 0, clipped: true, warnings: [.norm(.optax, .overflow)]),
    ]

    /// Keras clipnorm = tf.clip_by_norm per tensor, tensorflow/python/ops/clip_ops.py clip_by_norm
    /// (keras/src/optimizers/base_optimizer.py _clip_by_norm is the same):
    ///   l2sum = math_ops.reduce_sum(values * values, axes, keepdims=True)
    ///   pred = l2sum > 0
    ///   l2norm = array_ops.where(pred, math_ops.sqrt(l2sum_safe), l2sum)
    ///   values_clip = intermediate / math_ops.maximum(l2norm, clip_norm)   # intermediate = values * clip_norm
    /// tf.maximum propagates NaN (TensorFlow ≥ 2.4), so a NaN poisons its own tensor only.
    /// "at": τ = 4 is exactly the norm of the second tensor and above the first's (3).
    static let tensor: [ClipRow] = [
        ClipRow("tensor, below", .tensor(threshold: 10), G.g, G.g, norm: nil, scale: nil, clipped: false),
        ClipRow("tensor, above", .tensor(threshold: 1), G.g, [[1, 0], [0, 1]], norm: nil, scale: nil, clipped: true),
        ClipRow("tensor, at", .tensor(threshold: 4), G.g, G.g, norm: nil, scale: nil, clipped: false),
        ClipRow("tensor, zero", .tensor(threshold: 1), G.zero, G.zero, norm: nil, scale: nil, clipped: false),
        ClipRow("tensor, NaN", .tensor(threshold: 1), G.withNaN, [[.nan, .nan], [1]], norm: nil, scale: nil, clipped: true, warnings: [.tensor(T(index: 0), .nan, zeroed: false)]),
        ClipRow("tensor, Inf", .tensor(threshold: 1), G.withInf, [[.nan, 0], [-1]], norm: nil, scale: nil, clipped: true, warnings: [.tensor(T(index: 0), .infinity, zeroed: false)]),
        ClipRow("tensor, huge", .tensor(threshold: 1), G.huge, [[0, 0], [0, 0]], norm: nil, scale: nil, clipped: true, warnings: [.tensor(T(index: 0), .overflow, zeroed: true), .tensor(T(index: 1), .overflow, zeroed: true)]),
    ]

    /// clamp(g, −τ, τ): torch clip_grad_value_ (clamp_), tf.clip_by_value (minimum, then maximum),
    /// optax.clip (jnp.clip) all keep NaN and send ±∞ to ±τ. A NaN survives, so it warns; ±∞ does not.
    static let value: [ClipRow] = [
        ClipRow("value, below", .value(threshold: 10), G.g, G.g, norm: nil, scale: nil, clipped: false),
        ClipRow("value, above", .value(threshold: 1), G.g, [[1, 0], [0, 1]], norm: nil, scale: nil, clipped: true),
        ClipRow("value, at", .value(threshold: 4), G.g, G.g, norm: nil, scale: nil, clipped: false),
        ClipRow("value, zero", .value(threshold: 1), G.zero, G.zero, norm: nil, scale: nil, clipped: false),
        ClipRow("value, NaN", .value(threshold: 1), G.withNaN, [[.nan, 1], [1]], norm: nil, scale: nil, clipped: true, warnings: [.valueKeptNaN]),
        ClipRow("value, Inf", .value(threshold: 1), G.withInf, [[1, 1], [-1]], norm: nil, scale: nil, clipped: true, warnings: [.valueHidInfinity(count: 1)]),
        ClipRow("value, huge", .value(threshold: 1), G.huge, [[1, 0], [0, 1]], norm: nil, scale: nil, clipped: true),
    ]

    /// Signal clipping happens inside BPTT; a finished gradient passes unchanged (scale 1, never
    /// clipped), and a non-finite one is still flagged. No rule behaves the same; each warning says which.
    static let passThrough: [ClipRow] = [ClipRule.signal(threshold: 1), .none].flatMap { rule in
        let cases: [(String, [[Double]], NonFiniteCause?)] = [
            ("below", G.g, nil), ("above", G.g, nil), ("at", G.g, nil), ("zero", G.zero, nil),
            ("NaN", G.withNaN, .nan), ("Inf", G.withInf, .infinity), ("huge", G.huge, nil),
        ]
        let warning = rule == .none ? ClipWarning.noRule : ClipWarning.signalPassedGradient
        return cases.map { name, input, cause in
            ClipRow("\(rule.mode), \(name)", rule, input, input, norm: nil, scale: 1, clipped: false,
                    warnings: cause.map { [warning($0)] } ?? [])
        }
    }

    static let all = gradlab + torch + tf + optax + tensor + value + passThrough
}

@Suite("Clipping rules against their published semantics")
struct ClippingSemanticsTests {
    @Test("each rule and style on below / above / at / zero / NaN / Inf / huge", arguments: ClipTable.all)
    func row(_ row: ClipRow) {
        let outcome = Clipper.clip(row.input, rule: row.rule)
        #expect(outcome.input.count == row.input.count)
        #expect(clipMatches(outcome.output, row.output, tolerance: row.tolerance), "output \(outcome.output)")
        #expect(clipMatches(outcome.norm, row.norm ?? VectorNorm.of(row.input), tolerance: row.tolerance), "norm \(outcome.norm)")
        if let scale = row.scale {
            #expect(outcome.scale.map { clipMatches($0, scale, tolerance: row.tolerance) } == true, "scale \(String(describing: outcome.scale))")
        } else {
            #expect(outcome.scale == nil)
        }
        #expect(outcome.clipped == row.clipped)
        #expect(outcome.warnings == row.warnings)
        #expect(clipMatches(outcome.clippedNorm, VectorNorm.of(outcome.output)))
    }

    @Test("the table covers every style, every norm order of torch and gradlab, and every rule")
    func tableIsComplete() {
        let labels = Set(ClipTable.all.map(\.label))
        let cases = ["below", "above", "at", "zero", "NaN", "Inf", "huge"]
        let prefixes = ["gradlab p=2", "gradlab p=1", "gradlab p=inf", "torch p=2", "torch p=1", "torch p=inf",
                        "tf", "optax", "tensor", "value", "signal", "none"]
        for prefix in prefixes { for name in cases { #expect(labels.contains("\(prefix), \(name)"), "\(prefix), \(name)") } }
        #expect(Set(ClipTable.all.compactMap { if case .norm(_, _, let style) = $0.rule { style } else { nil } }) == Set(NormClipStyle.allCases))
    }

    // MARK: The edges where the styles part

    /// clip_grad.py: clip_coef = max_norm / (total_norm + 1e-6), applied even when ‖g‖ < τ as long as
    /// ‖g‖ + 1e-6 > τ. gradlab leaves the same gradient alone.
    @Test("torch scales a gradient just below τ: ‖g‖ = 5, τ = 5.0000005 gives 5.0000005/5.000001")
    func torchScalesJustBelowTheThreshold() {
        let torch = Clipper.clip(Gradient.g, rule: .norm(threshold: 5.0000005, style: .torch))
        #expect(torch.output == [[2.9999997000000596, 0], [0, 3.9999996000000797]])
        #expect(torch.scale == 0.9999999000000199)
        #expect(torch.clipped)
        let gradlab = Clipper.clip(Gradient.g, rule: .norm(threshold: 5.0000005))
        #expect(gradlab.output == Gradient.g && !gradlab.clipped)
    }

    /// clip_ops.py: scale_for_finite = clip_norm * math_ops.minimum(1.0 / use_norm, 1.0 / clip_norm).
    /// Below the threshold that is τ·(1/τ), and 49·(1/49) = 0.9999999999999999 in float64.
    @Test("tf's scale below the threshold is τ·(1/τ), which for τ = 49 is not 1")
    func tfScaleBelowThresholdIsNotAlwaysOne() {
        let outcome = Clipper.clip(Gradient.g, rule: .norm(threshold: 49, style: .tf))
        #expect(outcome.scale == 0.9999999999999999)
        #expect(outcome.output == [[2.9999999999999996, 0], [0, 3.9999999999999996]])
        #expect(outcome.clipped)
        #expect(Clipper.clip(Gradient.g, rule: .norm(threshold: 49)).output == Gradient.g)
    }

    /// _clipping.py: trigger = g_norm < max_norm, strict; at equality optax takes (t / g_norm) * max_norm,
    /// and (8/√73)·√73 = 7.999999999999999. gradlab (‖g‖ > τ is false) keeps it exactly.
    @Test("optax rescales a gradient exactly at τ: [3, 8] with τ = √73 gives [3, 7.999999999999999]")
    func optaxAtTheThresholdTakesTheClippingBranch() {
        let tau = 73.0.squareRoot()
        let optax = Clipper.clip([[3, 8]], rule: .norm(threshold: tau, style: .optax))
        #expect(optax.norm == tau)
        #expect(optax.output == [[3, 7.999999999999999]])
        #expect(optax.clipped)
        let gradlab = Clipper.clip([[3, 8]], rule: .norm(threshold: tau))
        #expect(gradlab.norm == tau, "VectorNorm agrees with √73 here")
        #expect(gradlab.output == [[3, 8]] && !gradlab.clipped)
    }

    /// clip_ops.py clip_by_norm: intermediate = values * clip_norm; intermediate / maximum(l2norm, clip_norm).
    /// Below the threshold that is (t·τ)/τ: (0.1·3)/3 = 0.10000000000000002.
    @Test("tensor clipping multiplies before dividing: [0.1] under τ = 3 comes back as 0.10000000000000002")
    func tensorClippingRoundsBelowTheThreshold() {
        let outcome = Clipper.clip([[0.1]], rule: .tensor(threshold: 3))
        #expect(outcome.output == [[0.10000000000000002]])
        #expect(outcome.clipped)
    }

    @Test("tensor clipping treats each tensor alone, unlike global norm clipping")
    func tensorClippingIsPerTensor() {
        let outcome = Clipper.clip([[30, 40], [0.3, 0.4]], rule: .tensor(threshold: 1))
        #expect(clipMatches(outcome.output, [[0.6, 0.8], [0.3, 0.4]], tolerance: 1e-15))
        #expect(outcome.output[1] == [0.3, 0.4], "the small tensor is below τ and keeps its bits")
        #expect(outcome.cosine < 1, "clipping tensors by different factors bends the direction")
    }

    @Test("the three frameworks' norms overflow on huge finite components; gradlab's does not")
    func frameworkNormsOverflow() {
        for style in [NormClipStyle.torch, .tf, .optax] {
            #expect(Clipper.clip(Gradient.huge, rule: .norm(threshold: 1, style: style)).norm == .infinity, "\(style)")
        }
        #expect(abs(Clipper.clip(Gradient.huge, rule: .norm(threshold: 1)).norm / 5e200 - 1) < 1e-15)
    }

    @Test("a warning tells an overflow from an infinite component, for gradlab's norm too, and whether a tensor came out 0")
    func warningsTellTheCause() {
        // gradlab's norm overflows only when the true norm does: four components of 1e308 have ‖g‖₂ = 2e308.
        let overflowing: [[Double]] = [[1e308, 1e308, 1e308, 1e308]]
        #expect(Clipper.clip(overflowing, rule: .norm(threshold: 1)).warnings == [.norm(.gradlab, .overflow)])
        #expect(Clipper.clip(Gradient.withInf, rule: .norm(threshold: 1)).warnings == [.norm(.gradlab, .infinity)])
        // tf.clip_by_norm multiplies by τ before dividing: 1e308·10 = ∞ and ∞/∞ = NaN, so that tensor is not 0.
        let tensor = Clipper.clip([[1e308], [1e200]], rule: .tensor(threshold: 10))
        #expect(tensor.output[0][0].isNaN && tensor.output[1] == [0])
        #expect(tensor.warnings == [.tensor(T(index: 0), .overflow, zeroed: false), .tensor(T(index: 1), .overflow, zeroed: true)])
    }

    // MARK: Rules and their checks

    @Test("tf and optax have only the 2-norm; gradlab and torch take p = 1, 2, ∞")
    func stylesAndOrders() throws {
        for order in NormOrder.allCases {
            try ClipRule.norm(threshold: 1, order: order, style: .gradlab).validate()
            try ClipRule.norm(threshold: 1, order: order, style: .torch).validate()
        }
        for style in [NormClipStyle.tf, .optax] {
            try ClipRule.norm(threshold: 1, order: .two, style: style).validate()
            #expect(throws: ClipError.self) { try ClipRule.norm(threshold: 1, order: .infinity, style: style).validate() }
            #expect(throws: ClipError.self) { try ClipRule.norm(threshold: 1, order: .one, style: style).validate() }
        }
        #expect(throws: ClipError.orderUnavailable(.tf, .one)) {
            try ClipRule.norm(threshold: 1, order: .one, style: .tf).validate()
        }
    }

    @Test("an order tf or optax lack still clips in the 2-norm, as they would", arguments: [NormClipStyle.tf, .optax])
    func invalidOrderFallsBackToTheTwoNorm(style: NormClipStyle) {
        let outcome = Clipper.clip(Gradient.g, rule: .norm(threshold: 1, order: .one, style: style))
        #expect(outcome.norm == 5)
    }

    @Test("every rule but none has a threshold, λ for agc, and validates it", arguments: [0.0, -1, .nan, .infinity])
    func thresholdsOfEveryRule(bad: Double) {
        let rules: [ClipRule] = [.norm(threshold: 2, order: .one, style: .torch), .value(threshold: 2), .tensor(threshold: 2),
                                 .agc(lambda: 2), .signal(threshold: 2)]
        for rule in rules {
            #expect(rule.threshold == 2)
            #expect(throws: Never.self) { try rule.validate() }
        }
        #expect(ClipRule.none.threshold == nil)
        let broken: [ClipRule] = [.norm(threshold: bad), .value(threshold: bad), .tensor(threshold: bad), .agc(lambda: bad), .signal(threshold: bad)]
        for rule in broken { #expect(throws: ClipError.self) { try rule.validate() } }
        #expect(throws: ClipError.ratioNotPositive(-1)) { try ClipRule.agc(lambda: -1).validate() }
        #expect(throws: ClipError.thresholdNotPositive(0)) { try ClipRule.value(threshold: 0).validate() }
        #expect(throws: ClipError.thresholdNotFinite(.infinity)) { try ClipRule.signal(threshold: .infinity).validate() }
        #expect(throws: ClipError.ratioNotFinite(-.infinity)) { try ClipRule.agc(lambda: -.infinity).validate() }
    }

    @Test("norm(threshold:order:) keeps meaning gradlab's style")
    func defaultStyleIsGradlab() {
        #expect(ClipRule.norm(threshold: 1, order: .two) == .norm(threshold: 1, order: .two, style: .gradlab))
        #expect(ClipRule.norm(threshold: 1) == .norm(threshold: 1, order: .two, style: .gradlab))
    }
}
