import Foundation
import Lessons
import Simulator
import Testing
@testable import Shell

/// Settings travel as typed values: a word is read once, by its key, and sweep and predict points,
/// runs and the progress file assign what was read.
@Suite struct SettingValueTests {
    @Test func aRangeEndsOnExactlyTheNumbersTyped() throws {
        for text in ["0.1..3:7:log", "0.01..3:5:log", "0.1..3:7", "0.8..1.4:4", "3..0.1:7:log"] {
            let axis = try Commands.parseAxis("lr", text)
            let ends = text.split(separator: ":")[0].components(separatedBy: "..").map { Double($0)! }
            #expect(axis.numbers?.first == ends[0] && axis.numbers?.last == ends[1], "\(text)")
            #expect(axis.points.first?.value == .number(ends[0]) && axis.points.last?.value == .number(ends[1]), "\(text)")
        }
        // The case: exp(log 0.1 + log 30) is 2.9999999999999996, one ulp short of 3.
        let axis = try Commands.parseAxis("lr", "0.1..3:7:log")
        #expect(axis.points.last?.value == .number(3.0))
        #expect(axis.labels.last == "3")
        // Interior points are spaced as before.
        let f = 3.0 / 6.0
        #expect(axis.numbers?[3] == exp(log(0.1) + f * (log(3.0) - log(0.1))))
        // predict's ranges are the same axes.
        let (axes, _, _) = try Commands.parseQuantifier("for lr in 0.1..3:7:log: final_loss > 0")
        #expect(axes[0].points.last?.value == .number(3.0))
    }

    @Test func theLastRowOfALogSweepIsWhatTrainGivesAtTheNumberTyped() throws {
        let shared = "task=adding n=4 T=10 steps=20 batch=4"
        var session = Session()
        let sweep = try run("sweep lr=0.1..3:7:log metric=final_loss \(shared)", in: &session)[0].json
        let axis = try #require(sweep["axes"].flatMap { json -> JSON? in if case .array(let items) = json { items.first } else { nil } })
        #expect(numbers(axis["values"]).last == 3.0)
        let last = try #require(numbers(sweep["values"]).last)
        let train = try #require(number(try run("train lr=3 \(shared)", in: &session)[0].json["final_loss"]))
        #expect(last.bitPattern == train.bitPattern, "sweep's last row \(last), train lr=3 \(train)")
    }
}
