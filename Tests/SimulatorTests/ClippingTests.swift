import Simulator
import Testing

/// Every component of `actual` within `tolerance` (absolute) of `expected`, shapes equal.
private func approximatelyEqual(_ actual: [[Double]], _ expected: [[Double]], tolerance: Double = 1e-15) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
        a.count == e.count && zip(a, e).allSatisfy { abs($0 - $1) <= tolerance }
    }
}

@Suite("Gradient clipping")
struct ClippingTests {
    // MARK: Norm clipping

    @Test("norm clipping [6, 8] to 1 gives [0.6, 0.8]: norm 10, scale 0.1, direction kept")
    func normClippingRescalesToTheThreshold() {
        let outcome = Clipper.clip([[6, 8]], rule: .norm(threshold: 1, order: .two))
        #expect(approximatelyEqual(outcome.output, [[0.6, 0.8]]))
        #expect(outcome.input == [[6, 8]])
        #expect(outcome.norm == 10)
        #expect(outcome.scale == 0.1)
        #expect(outcome.clipped)
        #expect(abs(outcome.cosine - 1) < 1e-15)
        #expect(abs(outcome.clippedNorm - 1) < 1e-15)
        #expect(outcome.warnings.isEmpty)
    }

    @Test("global norm clipping takes ‖g‖ over all tensors together: [3, 0], [0, 4] to 1 gives [0.6, 0], [0, 0.8]")
    func globalNormClippingSpansEveryTensor() {
        let outcome = Clipper.clip([[3, 0], [0, 4]], rule: .norm(threshold: 1, order: .two))
        #expect(approximatelyEqual(outcome.output, [[0.6, 0], [0, 0.8]]))
        #expect(outcome.norm == 5)
        #expect(outcome.scale == 0.2)
        #expect(outcome.clipped)
        #expect(abs(outcome.cosine - 1) < 1e-15)
        #expect(abs(outcome.clippedNorm - 1) < 1e-15)
    }

    @Test("global norm clipping keeps every tensor's shape, empty ones included")
    func globalNormClippingKeepsShapes() {
        let outcome = Clipper.clip([[3, 0, 0], [], [4]], rule: .norm(threshold: 1, order: .two))
        #expect(outcome.output.map(\.count) == [3, 0, 1])
        #expect(approximatelyEqual(outcome.output, [[0.6, 0, 0], [], [0.8]]))
    }

    @Test("a gradient at or below the threshold is left exactly as it was", arguments: [10.0, 10.5, 1e9])
    func normClippingBelowThresholdChangesNothing(threshold: Double) {
        let outcome = Clipper.clip([[6, 8], [0]], rule: .norm(threshold: threshold, order: .two))
        #expect(outcome.output == [[6, 8], [0]])
        #expect(outcome.scale == 1)
        #expect(!outcome.clipped)
        #expect(abs(outcome.cosine - 1) < 1e-15)
        #expect(outcome.clippedNorm == 10)
    }

    @Test("norm clipping adds no epsilon: the scale is exactly τ/‖g‖")
    func normClippingHasNoEpsilon() {
        let outcome = Clipper.clip([[3, 0], [0, 4]], rule: .norm(threshold: 2.5, order: .two))
        #expect(outcome.scale == 0.5)
        #expect(outcome.output == [[1.5, 0], [0, 2]])
        #expect(outcome.clippedNorm == 2.5)

        let tenth = Clipper.clip([[6, 8]], rule: .norm(threshold: 1, order: .two))
        #expect(tenth.scale == 1.0 / 10.0)
        #expect(tenth.output == [[6 * (1.0 / 10.0), 8 * (1.0 / 10.0)]])
    }

    @Test("norm clipping in the 1-norm: [3, 0], [0, 4] has ‖g‖₁ = 7, so τ = 1 scales by 1/7")
    func normClippingInTheOneNorm() {
        let outcome = Clipper.clip([[3, 0], [0, 4]], rule: .norm(threshold: 1, order: .one))
        #expect(outcome.norm == 7)
        #expect(outcome.scale == 1.0 / 7.0)
        #expect(approximatelyEqual(outcome.output, [[3.0 / 7, 0], [0, 4.0 / 7]]))
        #expect(outcome.clipped)
        #expect(abs(outcome.cosine - 1) < 1e-15)
        #expect(abs(outcome.clippedNorm - 5.0 / 7) < 1e-15, "clippedNorm is always the 2-norm")
    }

    @Test("norm clipping in the ∞-norm: [3, 0], [0, 4] has ‖g‖∞ = 4, so τ = 1 scales by ¼")
    func normClippingInTheInfinityNorm() {
        let outcome = Clipper.clip([[3, 0], [0, 4]], rule: .norm(threshold: 1, order: .infinity))
        #expect(outcome.norm == 4)
        #expect(outcome.scale == 0.25)
        #expect(outcome.output == [[0.75, 0], [0, 1]])
        #expect(outcome.clippedNorm == 1.25)
    }

    @Test("the norm order decides whether the same gradient is clipped: [0.6], [0.6] against τ = 1",
          arguments: [(NormOrder.one, true), (.two, false), (.infinity, false)])
    func normOrderDecidesWhetherToClip(order: NormOrder, clipped: Bool) {
        let outcome = Clipper.clip([[0.6], [0.6]], rule: .norm(threshold: 1, order: order))
        #expect(outcome.clipped == clipped)
        #expect(((outcome.scale ?? 0) < 1) == clipped)
    }

    // MARK: Value clipping

    /// cos∠(g, ĝ) = ⟨g, ĝ⟩/(‖g‖‖ĝ‖) = (1.5 + 0.04 + 0.45) / (√9.85 · √0.54) = 1.99 / √5.319.
    @Test("value clipping [3, −0.2, 0.9] to 0.5 gives [0.5, −0.2, 0.5] and bends the direction to cos = 1.99/√(9.85·0.54)")
    func valueClippingClampsEachComponent() {
        let outcome = Clipper.clip([[3, -0.2, 0.9]], rule: .value(threshold: 0.5))
        #expect(outcome.output == [[0.5, -0.2, 0.5]])
        #expect(outcome.scale == nil)
        #expect(outcome.clipped)
        #expect(relativeError(outcome.norm, 9.85.squareRoot()) < 1e-15)
        let expectedCosine = 1.99 / (9.85 * 0.54).squareRoot()  // 0.86285551893124…
        #expect(relativeError(outcome.cosine, expectedCosine) < 1e-14)
        #expect(outcome.cosine < 1)
        #expect(relativeError(outcome.clippedNorm, 0.54.squareRoot()) < 1e-15)
        #expect(outcome.warnings.isEmpty)
    }

    @Test("value clipping leaves a gradient inside [−τ, τ] unchanged")
    func valueClippingInsideTheBoxChangesNothing() {
        let outcome = Clipper.clip([[0.5, -0.5], [0.1]], rule: .value(threshold: 0.5))
        #expect(outcome.output == [[0.5, -0.5], [0.1]])
        #expect(!outcome.clipped)
        #expect(abs(outcome.cosine - 1) < 1e-15)
    }

    @Test("value clipping keeps NaN as NaN and turns ±Inf into ±τ")
    func valueClippingOfNonFiniteComponents() {
        let outcome = Clipper.clip([[.nan, .infinity], [-.infinity, 0.2, -3]], rule: .value(threshold: 0.5))
        #expect(outcome.output[0][0].isNaN)
        #expect(outcome.output[0][1] == 0.5)
        #expect(outcome.output[1] == [-0.5, 0.2, -0.5])
        #expect(outcome.clipped)
        #expect(outcome.norm.isNaN)
        #expect(outcome.cosine.isNaN)
        #expect(outcome.warnings == [.valueHidInfinity(count: 2), .valueKeptNaN], "two ∞ became ±τ; a NaN component survived clipping")
    }

    /// [1, −1] is a bounded, finite gradient, but the gradient it came from had overflowed: value
    /// clipping hides that, so it says so (a learner expected a warning, as norm clipping gives).
    @Test("value clipping an infinite but NaN-free gradient gives a finite one and says the gradient overflowed")
    func valueClippingOfInfinitySaysSo() {
        let outcome = Clipper.clip([[.infinity, -3]], rule: .value(threshold: 1))
        #expect(outcome.output == [[1, -1]])
        #expect(outcome.norm == .infinity)
        #expect(outcome.warnings == [.valueHidInfinity(count: 1)])
    }

    // MARK: Non-finite norms

    @Test("norm clipping a gradient with a NaN component: ‖g‖ is NaN, NaN > τ is false, nothing changes, and it warns")
    func normClippingWithNaNPassesItThrough() {
        let outcome = Clipper.clip([[.nan, 3], [4]], rule: .norm(threshold: 1, order: .two))
        #expect(outcome.norm.isNaN)
        #expect(outcome.scale == 1)
        #expect(outcome.output[0][0].isNaN)
        #expect(outcome.output[0][1] == 3 && outcome.output[1] == [4])
        #expect(!outcome.clipped)
        #expect(outcome.cosine.isNaN)
        #expect(outcome.warnings == [.norm(.gradlab, .nan)])
    }

    @Test("norm clipping a gradient with an infinite component: scale 0, finite components 0, infinite ones NaN, and it warns",
          arguments: NormOrder.allCases)
    func normClippingWithInfinityZeroesTheGradient(order: NormOrder) {
        let outcome = Clipper.clip([[.infinity, 3], [-2]], rule: .norm(threshold: 1, order: order))
        #expect(outcome.norm == .infinity)
        #expect(outcome.scale == 0)
        #expect(outcome.output[0][0].isNaN)
        #expect(outcome.output[0][1] == 0 && outcome.output[1] == [0])
        #expect(outcome.clipped)
        #expect(outcome.warnings == [.norm(.gradlab, .infinity)])
    }

    // MARK: No rule, thresholds

    @Test("with no rule the gradient passes unchanged, scale 1, and a non-finite one is still flagged")
    func noRuleChangesNothing() {
        let outcome = Clipper.clip([[6, 8]], rule: .none)
        #expect(outcome.output == [[6, 8]])
        #expect(outcome.scale == 1)
        #expect(outcome.norm == 10)
        #expect(!outcome.clipped)
        #expect(outcome.warnings.isEmpty)
        #expect(Clipper.clip([[.infinity, 8]], rule: .none).warnings == [.noRule(.infinity)])
    }

    @Test("a clipping threshold must be positive and finite",
          arguments: [0.0, -0.0, -1, .nan, .infinity, -.infinity])
    func checkThresholdRejectsNonPositiveOrNonFinite(tau: Double) {
        #expect(throws: ClipError.self) { try ClipRule.checkThreshold(tau) }
    }

    @Test("a positive finite threshold is accepted", arguments: [1e-300, 0.5, 1, 1e300])
    func checkThresholdAcceptsPositiveFinite(tau: Double) throws {
        try ClipRule.checkThreshold(tau)
    }

    @Test("a rule reports its threshold, and no rule has none")
    func ruleThresholds() {
        #expect(ClipRule.none.threshold == nil)
        #expect(ClipRule.norm(threshold: 2, order: .one).threshold == 2)
        #expect(ClipRule.value(threshold: 0.5).threshold == 0.5)
    }
}
