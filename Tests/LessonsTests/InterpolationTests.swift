import Testing
@testable import Lessons

/// `${EXPRESSION:FORMAT}` in lesson text, and the numbers verify reads in text and on the screen.
@Suite struct InterpolationTests {
    @Test func splitsTextIntoLiteralsAndValues() throws {
        let text = try Interpolated("τ = 1 ends at ${final_loss}, ${clip_rate:.0%} clipped; $5 and $${x}.")
        #expect(text.pieces == [
            .literal("τ = 1 ends at "), .value(expression: "final_loss", format: .standard),
            .literal(", "), .value(expression: "clip_rate", format: .percent(0)),
            .literal(" clipped; $5 and ${x}."),
        ])
        #expect(text.expressions == ["final_loss", "clip_rate"])
        #expect(text.render { expression, format in format.format(expression == "final_loss" ? 0.039537 : 0.7071) }
                == "τ = 1 ends at 0.03954, 71% clipped; $5 and ${x}.")
    }

    @Test func aColonInsideQuotesIsNotAFormat() throws {
        let text = try Interpolated(#"${train.clip == "norm:1"} and ${compare_loss[1]:3}"#)
        #expect(text.pieces == [.value(expression: #"train.clip == "norm:1""#, format: .standard), .literal(" and "),
                                .value(expression: "compare_loss[1]", format: .significant(3))])
    }

    @Test func formatsWriteNumbersAsDocumented() {
        #expect(ValueFormat.standard.format(0.0395374) == "0.03954")
        #expect(ValueFormat.standard.format(123456) == "1.235e+05")
        #expect(ValueFormat.significant(3).format(0.0395374) == "0.0395")
        #expect(ValueFormat.decimals(2).format(17.5449) == "17.54")
        #expect(ValueFormat.percent(1).format(0.70712) == "70.7%")
        #expect(ValueFormat.scientific(2).format(17.54) == "1.8e+01")
        #expect(ValueFormat.standard.format(.nan) == "NaN")
        #expect(ValueFormat.standard.format(-.infinity) == "-Inf")
    }

    @Test func badValuesAreRefusedWithWhatToWrite() {
        func error(_ text: String) -> String? {
            do { _ = try Interpolated(text); return nil } catch { return "\(error.offset): \(error.message)" }
        }
        #expect(error("ends at ${final_loss") == "8: ${ is not closed; write ${EXPRESSION} or ${EXPRESSION:FORMAT} (or $${ for a literal ${)")
        #expect(error("a ${ } b") == "2: ${} holds no expression; write one, like ${final_loss}")
        #expect(error("${loss:4x}")?.hasPrefix("0: '4x' in ${loss:4x} is not a format; write 3 (significant digits)") == true)
        #expect(error("${loss\n}") != nil, "a value ends on its line")
    }

    // MARK: - Numbers written in text

    @Test func readsNumbersAsWrittenWithTheirPrecision() {
        let found = ProseNumbers.numbers(in: "ends at 0.0395, −2.612 and 70.7% (1.2e-5, 1000, 128)")
        #expect(found.map(\.text) == ["0.0395", "−2.612", "70.7%", "1.2e-5", "1000", "128"])
        #expect(found.map(\.significantDigits) == [3, 4, 3, 2, 1, 3])
        #expect(found[1].value == -2.612)
        #expect(abs(found[2].value - 0.707) < 1e-15 && abs(found[2].halfUnit - 0.0005) < 1e-15)
    }

    @Test func numbersInsideNamesAreNotNumbers() {
        let found = ProseNumbers.numbers(in: "x_50, float16, h_{t−1}, L2, §3.2, 128d and lr=0.125 but 0.125")
        #expect(found.map(\.text) == ["1", "0.125", "0.125"], "t−1 is a difference: its 1 has no sign")
        let claims = ProseNumbers.numbers(in: "type set lr=0.125, then see 0.125", skippingInputs: true)
        #expect(claims.map(\.text) == ["0.125"], "a value to type is an input, not a claim")
    }

    @Test func aNumberAgreesWithTheScreenToItsOwnDigits() {
        func agrees(_ prose: String, _ screen: String) -> Bool {
            ProseNumbers.numbers(in: prose)[0].agrees(with: ProseNumbers.numbers(in: screen)[0])
        }
        #expect(agrees("0.0395", "0.03954"))
        #expect(agrees("0.040", "0.03954"))
        #expect(!agrees("0.0396", "0.03954"))
        #expect(!agrees("0.079", "0.03954"))
        #expect(!agrees("0.03954", "0.04"), "the screen shows fewer digits than the text claims")
        #expect(agrees("70.7%", "0.7071"))
        #expect(agrees("1.2e-5", "1.234e-05"))
        #expect(agrees("2.612", "−2.612"), "signs are not compared")
        #expect(ProseNumbers.isYear(ProseNumbers.numbers(in: "2013")[0]))
        #expect(!ProseNumbers.isYear(ProseNumbers.numbers(in: "2013.5")[0]))
    }
}
