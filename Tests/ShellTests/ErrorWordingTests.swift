import Simulator
import Testing
@testable import Shell

// The simulator's errors are typed values; the shell words them (Commands/Wording.swift). Each table
// below reaches its errors the way the shell does (validating a rule), so it checks both that the
// simulator throws the case meant and that the learner reads the sentence they read before.

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
}
