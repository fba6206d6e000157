import Simulator
import Testing
@testable import Render
@testable import Shell

// The simulator's errors are typed values; the shell words them (Commands/Wording.swift). Each table
// below reaches its errors the way the shell does (validating a rule, building the model), so it
// checks both that the simulator throws the case meant and that the learner reads the sentence they
// read before.

/// The cases of `ClipError`, without their values.
enum ClipErrorCase: CaseIterable {
    case thresholdNotFinite, thresholdNotPositive, orderUnavailable, ratioNotFinite, ratioNotPositive

    /// Exhaustive, so a new case of `ClipError` does not compile here until it is listed above, and
    /// then fails `everyCaseIsWorded` until the table has a row for it.
    init(_ error: ClipError) {
        switch error {
        case .thresholdNotFinite: self = .thresholdNotFinite
        case .thresholdNotPositive: self = .thresholdNotPositive
        case .orderUnavailable: self = .orderUnavailable
        case .ratioNotFinite: self = .ratioNotFinite
        case .ratioNotPositive: self = .ratioNotPositive
        }
    }
}

/// The cases of `ModelError`, without their values; exhaustive, as `ClipErrorCase`.
enum ModelErrorCase: CaseIterable {
    case literalSize, radiusNotFinite, radiusZero, radiusTooSmall, radiusOverflows

    init(_ error: ModelError) {
        switch error {
        case .literalSize: self = .literalSize
        case .radiusNotFinite: self = .radiusNotFinite
        case .radiusZero: self = .radiusZero
        case .radiusTooSmall: self = .radiusTooSmall
        case .radiusOverflows: self = .radiusOverflows
        }
    }
}

/// A rule that cannot be applied, and the exact sentence the learner reads about it.
struct ClipErrorRow: Sendable, CustomTestStringConvertible {
    let rule: ClipRule
    let sentence: String
    var testDescription: String { Commands.describe(rule) }

    init(_ rule: ClipRule, _ sentence: String) {
        self.rule = rule
        self.sentence = sentence
    }

    /// What `validate()` throws for the rule.
    var error: ClipError? {
        do throws(ClipError) { try rule.validate() } catch { return error }
        return nil
    }
}

/// A spec that gives no model, and the exact sentence the learner reads about it.
struct ModelErrorRow: Sendable, CustomTestStringConvertible {
    let label: String
    let spec: ModelSpec
    let sentence: String
    var testDescription: String { label }

    init(_ label: String, _ spec: ModelSpec, _ sentence: String) {
        self.label = label
        self.spec = spec
        self.sentence = sentence
    }

    /// What `model()` throws for the spec.
    var error: ModelError? {
        do throws(ModelError) { _ = try spec.model() } catch { return error }
        return nil
    }
}

/// A spec with the literal W `rows` and hidden size `n`, rescaled to `rho` when given.
private func literal(_ rows: [[Double]], n: Int, rho: Double? = nil) -> ModelSpec {
    ModelSpec(hiddenSize: n, initialization: .literal(Matrix(rows)), spectralRadius: rho)
}

enum ErrorWordingTable {
    static let clip: [ClipErrorRow] = [
        ClipErrorRow(.norm(threshold: .nan), "the clipping threshold must be a finite number, not nan"),
        ClipErrorRow(.value(threshold: -.infinity), "the clipping threshold must be a finite number, not -inf"),
        ClipErrorRow(.norm(threshold: 0), "the clipping threshold must be greater than 0, not 0"),
        ClipErrorRow(.signal(threshold: -0.0), "the clipping threshold must be greater than 0, not 0"),
        ClipErrorRow(.tensor(threshold: -1), "the clipping threshold must be greater than 0, not -1"),
        ClipErrorRow(.value(threshold: -0.5), "the clipping threshold must be greater than 0, not -0.5"),
        ClipErrorRow(.norm(threshold: 1, order: .one, style: .tf),
                     "style=tf has only the 2-norm (tf.clip_by_global_norm), so p=1 does not apply; drop p= or use style=gradlab or style=torch"),
        ClipErrorRow(.norm(threshold: 1, order: .infinity, style: .optax),
                     "style=optax has only the 2-norm (optax.clip_by_global_norm), so p=inf does not apply; drop p= or use style=gradlab or style=torch"),
        ClipErrorRow(.agc(lambda: .infinity), "the AGC ratio λ must be a finite number, not inf"),
        ClipErrorRow(.agc(lambda: 0), "the AGC ratio λ must be greater than 0, not 0"),
        ClipErrorRow(.agc(lambda: -1), "the AGC ratio λ must be greater than 0, not -1"),
    ]

    static let model: [ModelErrorRow] = [
        ModelErrorRow("smaller than n", literal([[1, 0], [0, 1]], n: 3),
                      "the W written out is 2×2, but the hidden size is 3: W must be 3×3"),
        ModelErrorRow("not square", literal([[1, 0, 0], [0, 1, 0]], n: 2),
                      "the W written out is 2×3, but the hidden size is 2: W must be 2×2"),
        ModelErrorRow("NaN, rescaled", literal([[1, .nan], [0, 1]], n: 2, rho: 0.9),
                      "W has non-finite entries, so its spectral radius is undefined and it cannot be rescaled"),
        ModelErrorRow("∞, rescaled", literal([[1, .infinity], [0, 1]], n: 2, rho: 1),
                      "W has non-finite entries, so its spectral radius is undefined and it cannot be rescaled"),
        ModelErrorRow("nilpotent, rho=1", literal([[0, 1], [0, 0]], n: 2, rho: 1),
                      "ρ(W) is 0 (every eigenvalue is zero), so W cannot be rescaled to rho=1.0; choose another init or W, or unset rho with rho=none"),
        ModelErrorRow("zero, rho=0.5", literal([[0, 0], [0, 0]], n: 2, rho: 0.5),
                      "ρ(W) is 0 (every eigenvalue is zero), so W cannot be rescaled to rho=0.5; choose another init or W, or unset rho with rho=none"),
        ModelErrorRow("subnormal, rho=1", literal([[.leastNonzeroMagnitude, 0], [0, .leastNonzeroMagnitude]], n: 2, rho: 1),
                      "ρ(W) is 4.941e-324, too small to rescale W to rho=1: W·1/ρ(W) overflows; write W with larger entries, or unset rho with rho=none"),
        ModelErrorRow("ρ past the range, rho=1", literal([[1e308, 1e308], [1e308, 1e308]], n: 2, rho: 1),
                      "ρ(W) is past the largest number (about 1.8e308), so W cannot be rescaled to rho=1; write W with smaller entries, or unset rho with rho=none"),
    ]
}

@Suite("What the shell says about the simulator's errors")
struct ErrorWordingTests {
    @Test("every case of ClipError has a row, and a sentence")
    func everyClipErrorIsWorded() {
        let errors = ErrorWordingTable.clip.compactMap(\.error)
        #expect(errors.count == ErrorWordingTable.clip.count)
        #expect(Set(errors.map(ClipErrorCase.init)) == Set(ClipErrorCase.allCases))
        for error in errors { #expect(!Commands.describe(error).isEmpty) }
    }

    @Test("each clipping rule error reads exactly as the learner sees it", arguments: ErrorWordingTable.clip)
    func clipSentence(_ row: ClipErrorRow) throws {
        let error = try #require(row.error)
        #expect(Commands.describe(error) == row.sentence)
    }

    @Test("every case of ModelError has a row, and a sentence")
    func everyModelErrorIsWorded() {
        let errors = ErrorWordingTable.model.compactMap(\.error)
        #expect(errors.count == ErrorWordingTable.model.count)
        #expect(Set(errors.map(ModelErrorCase.init)) == Set(ModelErrorCase.allCases))
        for error in errors { #expect(!Commands.describe(error).isEmpty) }
    }

    @Test("each model error reads exactly as the learner sees it", arguments: ErrorWordingTable.model)
    func modelSentence(_ row: ModelErrorRow) throws {
        let error = try #require(row.error)
        #expect(Commands.describe(error) == row.sentence)
    }

    @Test("the session hands the model error on in the same words")
    func sessionSaysTheSame() throws {
        let row = try #require(ErrorWordingTable.model.last)
        var settings = Settings()
        (settings.n, settings.initialization, settings.rho) = (row.spec.hiddenSize, row.spec.initialization, row.spec.spectralRadius)
        #expect(settings.spec == row.spec)
        #expect(throws: ShellError(row.sentence)) { try Session.model(for: settings) }
    }
}
