import Simulator
import Testing
@testable import Render
@testable import Shell

/// What the shell says about a clipping outcome's warnings, or nil when it says nothing.
private func words(_ outcome: ClipOutcome) -> String? {
    if case .warning(let text) = Commands.clipWarning(outcome) { text } else { nil }
}

/// One outcome and the exact sentence the learner reads about it.
struct WordingRow: Sendable, CustomTestStringConvertible {
    let label: String
    let outcome: ClipOutcome
    let sentence: String?
    var testDescription: String { label }

    init(_ label: String, _ outcome: ClipOutcome, _ sentence: String?) {
        self.label = label
        self.outcome = outcome
        self.sentence = sentence
    }
}

/// An RNN with n = 2 hidden units, one input and one output; the first unit of W holds a NaN
/// parameter, the second one whose square overflows. Its gradient is `gradient`, in the order W, U, b, V, c.
private func rnnOutcome(_ gradient: [[Double]], rule: ClipRule) -> ClipOutcome {
    let model = RNN(W: Matrix([[.nan, 4], [1e200, 0]]), U: Matrix([[1], [0]]), b: [0, 0], V: Matrix([[0, 2]]), c: [0],
                    activation: .tanh)
    let shaped = bptt(model, Sample(inputs: Matrix([[1]]), target: [0])).gradients
    return Clipper.clip(shaped.replacing(with: gradient), of: model, rule: rule).outcome
}

/// Four components of 1e308: ‖g‖₂ = 2e308 overflows even in gradlab's rescaled norm.
private let overflowing: [[Double]] = [[1e308, 1e308, 1e308, 1e308]]
/// Squares that overflow, though the true ‖g‖₂ = 5e200 is finite.
private let huge: [[Double]] = [[3e200, 0], [0, 4e200]]

enum WordingTable {
    static let rows: [WordingRow] = [
        WordingRow("finite, norm", Clipper.clip([[6, 8]], rule: .norm(threshold: 1)), nil),
        WordingRow("none, NaN", Clipper.clip([[.nan, 1]], rule: .none),
                   "the gradient is not finite (‖g‖ = NaN); no clipping rule is set to catch it"),
        WordingRow("none, overflow", Clipper.clip(overflowing, rule: .none),
                   "the gradient is not finite (‖g‖ = ∞); no clipping rule is set to catch it"),
        WordingRow("signal, Inf", Clipper.clip([[.infinity, 1]], rule: .signal(threshold: 1)),
                   "the gradient is not finite (‖g‖ = ∞); signal clipping bounds the error inside BPTT and leaves the gradient itself as it is"),
        WordingRow("signal inside BPTT, NaN", Clipper.signalOutcome(raw: [[1, 2]], clipped: [[.nan, 1]], threshold: 1),
                   "even with the error clamped to [−τ, τ] inside BPTT the gradient is not finite (‖ĝ‖ = NaN): signal clipping bounds δ_t, not the forward pass"),
        WordingRow("signal inside BPTT, Inf", Clipper.signalOutcome(raw: [[1, 2]], clipped: [[.infinity, 1]], threshold: 1),
                   "even with the error clamped to [−τ, τ] inside BPTT the gradient is not finite (‖ĝ‖ = ∞): signal clipping bounds δ_t, not the forward pass"),
        WordingRow("value, NaN", Clipper.clip([[.nan, 2]], rule: .value(threshold: 1)),
                   "value clipping turns ±Inf into ±τ but leaves NaN components as NaN"),
        WordingRow("value, Inf", Clipper.clip([[.infinity, -.infinity, 2]], rule: .value(threshold: 1)),
                   "2 infinite components became ±τ: the clipped gradient is finite, but the gradient itself overflowed"),
        WordingRow("gradlab, NaN", Clipper.clip([[.nan, 1]], rule: .norm(threshold: 1)),
                   "‖g‖ is NaN, and NaN > τ is false, so norm clipping left the gradient as it was: NaN passes straight through"),
        WordingRow("gradlab, Inf", Clipper.clip([[.infinity, 1]], rule: .norm(threshold: 1, order: .one)),
                   "‖g‖ is infinite, so the scale τ/‖g‖ is 0: finite components became 0 and infinite ones NaN (0·∞)"),
        WordingRow("gradlab, overflow", Clipper.clip(overflowing, rule: .norm(threshold: 1)),
                   "‖g‖ is infinite, so the scale τ/‖g‖ is 0: finite components became 0 and infinite ones NaN (0·∞)"),
        WordingRow("torch, NaN", Clipper.clip([[.nan, 1]], rule: .norm(threshold: 1, order: .infinity, style: .torch)),
                   "‖g‖ is NaN, so PyTorch's coefficient τ/(‖g‖ + 1e-6) is NaN and multiplies every component: the whole gradient became NaN"),
        WordingRow("torch, Inf", Clipper.clip([[.infinity, 1]], rule: .norm(threshold: 1, style: .torch)),
                   "‖g‖ is infinite, so PyTorch's coefficient τ/(‖g‖ + 1e-6) is 0: finite components became 0 and infinite ones NaN (0·∞)"),
        WordingRow("torch, overflow", Clipper.clip(huge, rule: .norm(threshold: 1, style: .torch)),
                   "‖g‖ overflowed to ∞ although every component is finite (PyTorch's norm does not rescale), so the coefficient τ/(‖g‖ + 1e-6) is 0 and the whole gradient became 0"),
        WordingRow("tf, NaN", Clipper.clip([[.nan, 1]], rule: .norm(threshold: 1, style: .tf)),
                   "‖g‖ is NaN, and TensorFlow's clip_by_global_norm then sets the scale to NaN: every component became NaN"),
        WordingRow("tf, Inf", Clipper.clip([[.infinity, 1]], rule: .norm(threshold: 1, style: .tf)),
                   "‖g‖ is infinite, and TensorFlow's clip_by_global_norm then sets the scale to NaN on purpose: every component became NaN"),
        WordingRow("tf, overflow", Clipper.clip(huge, rule: .norm(threshold: 1, style: .tf)),
                   "‖g‖ overflowed to ∞ although every component is finite (TensorFlow's global_norm does not rescale), so the scale is NaN: every component became NaN"),
        WordingRow("optax, NaN", Clipper.clip([[.nan, 1]], rule: .norm(threshold: 1, style: .optax)),
                   "‖g‖ is NaN, so optax's test ‖g‖ < τ is false and it rescales by τ/‖g‖: every component became NaN"),
        WordingRow("optax, Inf", Clipper.clip([[.infinity, 1]], rule: .norm(threshold: 1, style: .optax)),
                   "‖g‖ is infinite, so optax divides every component by ∞: finite components became 0 and infinite ones NaN (∞/∞)"),
        WordingRow("optax, overflow", Clipper.clip(huge, rule: .norm(threshold: 1, style: .optax)),
                   "‖g‖ overflowed to ∞ although every component is finite (optax's norm does not rescale), so every component was divided by ∞ and became 0"),
        WordingRow("tensor, one sentence per tensor", Clipper.clip([[.nan, 1], [3, 4], [.infinity], [1e200]], rule: .tensor(threshold: 1)),
                   "tensor 1 holds a NaN, so tf.clip_by_norm divided it by max(NaN, τ) = NaN: all of tensor 1 became NaN; "
                   + "tensor 3 holds an infinite component, so its norm is ∞: its finite components became 0 and infinite ones NaN; "
                   + "tensor 4's squares overflowed to ∞ although its components are finite (tf.clip_by_norm does not rescale), so it was divided by ∞ and became 0"),
        WordingRow("tensor, overflow not zeroed", Clipper.clip([[1e308]], rule: .tensor(threshold: 10)),
                   "tensor 1's squares overflowed to ∞ although its components are finite (tf.clip_by_norm does not rescale), so it was divided by ∞"),
        WordingRow("tensor, an RNN's", rnnOutcome([[0, 0, 0, 0], [.nan, 0], [0, 0], [1e200, 0], [0]], rule: .tensor(threshold: 1)),
                   "U holds a NaN, so tf.clip_by_norm divided it by max(NaN, τ) = NaN: all of U became NaN; "
                   + "V's squares overflowed to ∞ although its components are finite (tf.clip_by_norm does not rescale), so it was divided by ∞ and became 0"),
        WordingRow("agc, no parameters", Clipper.clip([[6, 8]], rule: .agc(lambda: 0.01)),
                   "adaptive gradient clipping needs the parameters, and none were given: the gradient was left as it was"),
        WordingRow("agc, gradients", rnnOutcome([[.nan, 0, .infinity, 0], [1e200, 0], [0, 0], [0, 0], [.nan]], rule: .agc(lambda: 0.1)),
                   "a unit of W has a NaN gradient, so its norm is NaN and optax scaled the unit by NaN: all of it became NaN; "
                   + "a unit of W has an infinite gradient component, so its norm is ∞ and the unit was scaled by 0: finite components became 0 and infinite ones NaN; "
                   + "a unit of U has finite gradient components whose squares overflow (optax does not rescale), so its norm is ∞ and the unit was scaled to 0; "
                   + "a unit of c has a NaN gradient, so its norm is NaN and optax scaled the unit by NaN: all of it became NaN"),
        WordingRow("agc, parameters", rnnOutcome([[0.1, 0, 0.1, 0], [0, 0], [0, 0], [0, 0], [0]], rule: .agc(lambda: 0.1)),
                   "a unit of the parameter W holds a NaN, so its allowed norm λ·max(‖w‖, 1e-3) is NaN and its gradient became NaN; "
                   + "a unit of the parameter W has an infinite norm, so its allowed norm is ∞ and its gradient is never clipped"),
        WordingRow("agc, unnamed", Clipper.clip([[.nan, 1]], rule: .agc(lambda: 0.1), parameters: [[1, 1]]),
                   "a unit of tensor 1 has a NaN gradient, so its norm is NaN and optax scaled the unit by NaN: all of it became NaN"),
    ]
}

@Suite("What the shell says about a clipping outcome")
struct ClipWordingTests {
    @Test("each warning reads exactly as the learner sees it", arguments: WordingTable.rows)
    func sentence(_ row: WordingRow) {
        #expect(words(row.outcome) == row.sentence)
    }
}
