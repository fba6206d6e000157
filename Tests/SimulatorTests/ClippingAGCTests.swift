import Simulator
import Testing

// Adaptive gradient clipping against optax/transforms/_clipping.py:
//
//   unitwise_norm:      elif jnp.squeeze(x).ndim <= 1: squared_norm = jnp.sum(numerics.abs_sq(x), keepdims=True)
//                       elif x.ndim in (2, 3): squared_norm = jnp.sum(numerics.abs_sq(x), axis=0, keepdims=True)
//                       return jnp.broadcast_to(jnp.sqrt(squared_norm), x.shape)
//   unitwise_clip:      clipped_grad = grad * (max_norm / jnp.maximum(g_norm, div_eps))     # div_eps = 1e-6
//                       return jnp.where(g_norm < max_norm, grad, clipped_grad)
//   adaptive_grad_clip: max_norm = jax.tree.map(lambda x: clipping * jnp.maximum(x, eps), p_norm)   # eps = 1e-3
//
// optax's kernels are (in, out), so axis 0 runs over the inputs of one output unit; our matrices are
// (out, in), row-major, so a unit is a row. Expected values worked out in float64 with numpy,
// operation for operation.

/// One 2×2 tensor (rows are units) with the parameters P = [[3, 4], [0, 0]]: the units' parameter
/// norms are 5 and 0, so the allowed norms are λ·5 and λ·1e-3.
struct AGCRow: Sendable, CustomTestStringConvertible {
    let label: String
    let lambda: Double
    let gradient: [Double]
    let parameters: [Double]
    let output: [Double]
    let clipped: Bool
    let warnings: [ClipWarning]
    var testDescription: String { label }

    init(_ label: String, λ lambda: Double, _ gradient: [Double], parameters: [Double] = [3, 4, 0, 0], _ output: [Double],
         clipped: Bool, warnings: [ClipWarning] = []) {
        self.label = label
        self.lambda = lambda
        self.gradient = gradient
        self.parameters = parameters
        self.output = output
        self.clipped = clipped
        self.warnings = warnings
    }
}

enum AGCTable {
    /// The one tensor of every row, as warnings name it.
    static let tensor = ClipWarning.Tensor(index: 0)

    static let rows: [AGCRow] = [
        // ‖g‖ of each unit strictly below λ·max(‖w‖, 1e-3): 0.3 < 0.5 and 5e-5 < 1e-4.
        AGCRow("below", λ: 0.1, [0.3, 0, 0, 5e-5], [0.3, 0, 0, 5e-5], clipped: false),
        // Row 1: ‖g‖ = 10 → ×0.5/10; row 2: ‖w‖ = 0, so the floor 1e-3 allows 1e-4: ×1e-4/1e-3.
        AGCRow("above", λ: 0.1, [6, 8, 0, 0.001], [0.30000000000000004, 0.4, 0, 0.0001], clipped: true),
        // ‖g‖ = 5 = λ·‖w‖: not below, so the clipping branch, by 5/5 = 1 exactly.
        AGCRow("at", λ: 1, [3, 4, 0, 0], [3, 4, 0, 0], clipped: false),
        AGCRow("zero", λ: 0.1, [0, 0, 0, 0], [0, 0, 0, 0], clipped: false),
        // A NaN makes its unit's norm NaN: NaN < max_norm is false and the ratio is NaN (maximum propagates it).
        AGCRow("NaN", λ: 0.1, [.nan, 1, 0, 0], [.nan, .nan, 0, 0], clipped: true, warnings: [.agcUnit(tensor, .nanGradient)]),
        // An ∞ makes its unit's ratio max_norm/∞ = 0: 0·∞ = NaN, 1·0 = 0; the other unit is clipped on its own.
        AGCRow("Inf", λ: 0.1, [.infinity, 1, 0, 0.001], [.nan, 0, 0, 0.0001], clipped: true, warnings: [.agcUnit(tensor, .infiniteGradient)]),
        // 1e200² overflows: the unit's norm is ∞, so it is scaled by 0.
        AGCRow("huge", λ: 0.1, [1e200, 0, 0, 0], [0, 0, 0, 0], clipped: true, warnings: [.agcUnit(tensor, .overflowingGradient)]),
        // A NaN parameter: max_norm = λ·maximum(NaN, eps) = NaN, so that unit's gradient becomes NaN.
        AGCRow("NaN parameter", λ: 0.1, [0.3, 0, 0, 0], parameters: [.nan, 4, 0, 0], [.nan, .nan, 0, 0], clipped: true,
               warnings: [.agcUnit(tensor, .nanParameter)]),
        // A huge parameter: ‖w‖ overflows to ∞, max_norm = ∞, and ‖g‖ = 10 < ∞ keeps the unit as it is.
        AGCRow("huge parameter", λ: 0.1, [6, 8, 0, 0], parameters: [1e200, 0, 0, 0], [6, 8, 0, 0], clipped: false,
               warnings: [.agcUnit(tensor, .infiniteParameter)]),
        // Zero-initialised parameters still move: max_norm = λ·1e-3 = 1e-5 ("prevent clipping of zero-initialized params").
        AGCRow("zero parameters", λ: 0.01, [0.1, 0, 0, 0], parameters: [0, 0, 0, 0], [1e-05, 0, 0, 0], clipped: true),
        // div_eps engages when λ·eps < 1e-6: ‖g‖ = 5e-7 ≥ max_norm = 1e-7, but the ratio is 1e-7/max(5e-7, 1e-6) = 0.1,
        // so the unit ends at norm 5e-8, half what it is allowed ("It technically should be impossible to engage").
        AGCRow("div_eps", λ: 1e-4, [3e-7, 4e-7, 0, 0], parameters: [0, 0, 0, 0], [3.0000000000000004e-08, 4.000000000000001e-08, 0, 0],
               clipped: true),
    ]
}

@Suite("Adaptive gradient clipping (optax adaptive_grad_clip)")
struct ClippingAGCTests {
    @Test("one 2×2 tensor, unit by unit", arguments: AGCTable.rows)
    func row(_ row: AGCRow) {
        let outcome = Clipper.clip([row.gradient], rule: .agc(lambda: row.lambda), shapes: [(rows: 2, cols: 2)],
                                   parameters: [row.parameters])
        #expect(clipMatches(outcome.output, [row.output]), "output \(outcome.output)")
        #expect(outcome.clipped == row.clipped)
        #expect(outcome.scale == nil, "one factor per unit, none for the whole")
        #expect(clipMatches(outcome.norm, VectorNorm.of([row.gradient])))
        #expect(outcome.warnings == row.warnings)
    }

    @Test("a tensor with one column squeezes to a vector and is one unit: U of shape 2×1")
    func aColumnIsOneUnit() {
        // optax: jnp.squeeze(x).ndim <= 1 → the whole-vector norm. ‖g‖ = 5 ≥ λ·‖w‖ = 1, so ×1/5.
        let column = Clipper.clip([[3, 4]], rule: .agc(lambda: 1), shapes: [(rows: 2, cols: 1)], parameters: [[1, 0]])
        #expect(column.output == [[0.6000000000000001, 0.8]])
        // As rows of a 1×2 matrix, or without shapes, it is the same single unit.
        #expect(Clipper.clip([[3, 4]], rule: .agc(lambda: 1), shapes: [(rows: 1, cols: 2)], parameters: [[1, 0]]).output == column.output)
        #expect(Clipper.clip([[3, 4]], rule: .agc(lambda: 1), parameters: [[1, 0]]).output == column.output)
        // Per row it would have been [1, 0.001]: rows are units only when there are two rows and two columns.
        let rows = Clipper.clip([[3, 4, 0, 0]], rule: .agc(lambda: 1), shapes: [(rows: 2, cols: 2)], parameters: [[1, 0, 0, 0]])
        #expect(rows.output == [[0.6000000000000001, 0.8, 0, 0]], "one row [3, 4] with ‖w‖ = 1")
    }

    @Test("without parameters adaptive clipping leaves the gradient alone and says why")
    func withoutParameters() {
        let outcome = Clipper.clip([[6, 8]], rule: .agc(lambda: 0.01))
        #expect(outcome.output == [[6, 8]])
        #expect(!outcome.clipped)
        #expect(outcome.warnings == [.agcWithoutParameters])
    }

    @Test("clipping an RNN's Gradients uses its parameters and shapes, and names the parameters")
    func clipsGradientsOfAModel() {
        // n = 2 hidden units, m = 1 input, p = 1 output: W 2×2 (two units), U 2×1, b, V 1×2, c (one unit each).
        let model = RNN(W: Matrix([[3, 4], [0, 0]]), U: Matrix([[1], [0]]), b: [0, 0], V: Matrix([[0, 2]]), c: [0],
                        activation: .tanh)
        let shaped = bptt(model, Sample(inputs: Matrix([[1]]), target: [0])).gradients
        let raw = shaped.replacing(with: [[6, 8, 0, 0.001], [3, 4], [0.3, 0.4], [1, 0], [.nan]])
        let (clipped, outcome) = Clipper.clip(raw, of: model, rule: .agc(lambda: 0.1))
        #expect(clipped.W.storage == [0.30000000000000004, 0.4, 0, 0.0001])
        // U: one unit, ‖g‖ = 5, allowed 0.1·1 = 0.1, so ×0.1/5.
        #expect(clipMatches(clipped.U.storage, [0.06, 0.08], tolerance: 1e-15))
        // b: parameters zero, allowed 0.1·1e-3 = 1e-4; ‖g‖ = 0.5 (0.5000000000000001 in float64).
        #expect(clipMatches(clipped.b, [0.3 * 1e-4 / 0.5, 0.4 * 1e-4 / 0.5], tolerance: 1e-12))
        // V: ‖g‖ = 1 < 0.1·2 is false, so ×0.2.
        #expect(clipMatches(clipped.V.storage, [0.2, 0], tolerance: 1e-15))
        #expect(clipped.c[0].isNaN)
        #expect(outcome.warnings == [.agcUnit(ClipWarning.Tensor(index: 4, name: "c"), .nanGradient)])
        #expect(clipMatches(outcome.output, clipped.tensors), "the outcome holds the same tensors, in Gradients.names order")
        #expect(outcome.input.count == 5 && outcome.input[0] == raw.W.storage)
    }
}

private func clipMatches(_ actual: [Double], _ expected: [Double], tolerance: Double) -> Bool {
    clipMatches([actual], [expected], tolerance: tolerance)
}
