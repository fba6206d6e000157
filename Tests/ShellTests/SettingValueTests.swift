import Foundation
import Lessons
import Simulator
import Testing
@testable import Render
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
        // The issue's case: exp(log 0.1 + log 30) is 2.9999999999999996, one ulp short of 3.
        let axis = try Commands.parseAxis("lr", "0.1..3:7:log")
        #expect(axis.points.last?.value == .number(3.0))
        #expect(axis.labels.last == "3")
        // Inner points are the short decimals nearest the even spacing, and their labels read back to them.
        let f = 3.0 / 6.0
        #expect(axis.numbers?[3] == 0.5477 && abs(0.5477 - exp(log(0.1) + f * (log(3.0) - log(0.1)))) < 1e-4)
        #expect(axis.labels == ["0.1", "0.1763", "0.3107", "0.5477", "0.9655", "1.702", "3"])
        // Where four digits would merge points, as many as keep them apart.
        let fine = try Commands.parseAxis("rho", "1..1.0001:11")
        #expect(fine.labels[1] == "1.00001" && Set(fine.numbers!).count == 11)
        for axis in [axis, fine] {
            #expect(zip(axis.labels, axis.numbers!).allSatisfy { Double($0) == $1 })
        }
        // predict's ranges are the same axes.
        let (axes, _, _) = try Commands.parseQuantifier("for lr in 0.1..3:7:log: final_loss > 0")
        #expect(axes[0].points.last?.value == .number(3.0))
    }

    /// Issue 19: a row shown in a sweep's table, typed back into train, gives that row's run.
    @Test func everyRowOfASweepIsWhatTrainGivesAtTheValueShown() throws {
        let shared = "task=adding n=4 T=10 steps=20 batch=4"
        var session = Session()
        let sweep = try run("sweep lr=0.1..3:7:log metric=final_loss \(shared)", in: &session)[0]
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(sweep)
        let shown = text.split(separator: "\n").compactMap { line -> (String, Double)? in
            let words = line.split(separator: " ")
            guard words.count == 2, let loss = Double(words[1]), Double(words[0]) != nil else { return nil }
            return (String(words[0]), loss)
        }
        #expect(shown.count == 7)
        let values = numbers(sweep.json["values"])
        for (row, (lr, printed)) in shown.enumerated() {
            let train = try #require(number(try run("train lr=\(lr) \(shared)", in: &session)[0].json["final_loss"]))
            #expect(values[row].bitPattern == train.bitPattern, "row \(row): lr=\(lr)")
            #expect(abs(printed - train) <= 1e-3 * abs(train), "row \(row) shows \(printed)")
        }
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

    @Test func aGridPointAssignsTypedValues() throws {
        let axis = try Commands.parseAxis("T", "10..50:3")
        #expect(axis.points.map(\.value) == [.integer(10), .integer(30), .integer(50)])
        let words = try Commands.parseAxis("clip", "none,norm:1")
        #expect(words.points.map(\.value) == [.clip(.none), .clip(.norm(threshold: 1, order: .two, style: .gradlab))])
        let acts = try Commands.parseAxis("act", "tanh, Linear")
        #expect(acts.points.map(\.value) == [.word("tanh"), .word("linear")])
        let seeds = try Commands.parseAxis("seed", "1..3:3")
        #expect(seeds.points.map(\.value) == [.seed(1), .seed(2), .seed(3)])
        // A key of whole numbers takes a..b as every one of them (learners typed seed=1..10 first).
        let every = try Commands.parseAxis("seed", "1..10")
        #expect(every.points.map(\.value) == (1...10).map { .seed(UInt64($0)) } && every.labels == (1...10).map(String.init))
        #expect(try Commands.parseAxis("steps", "40..41").labels == ["40", "41"])
        #expect(throws: ShellError("rho=1..2 is not a range; write a..b:N (N values) or a..b:N:log, like rho=0.8..1.4:25")) { try Commands.parseAxis("rho", "1..2") }
        #expect(throws: ShellError("seed=5..1 must run up from a smaller whole number to a larger one, 2 to 200 of them, like seed=1..10")) { try Commands.parseAxis("seed", "5..1") }
        // A grid point applied to the settings gives what the same words give.
        let session = Session()
        let point = Commands.gridAssignments(5, [axis, words])  // T=50, clip=norm:1
        let typed = try Commands.runSettings(session, point)
        let read = try Commands.runSettings(session, ["T=50", "clip=norm:1"])
        #expect(typed.0 == read.0 && typed.1 == read.1)
    }

    @Test func wordsAreReadOnceIntoTheSameSettings() throws {
        var session = Session()
        _ = try run("set n=4 rho=1.2; clip norm 2", in: &session)
        let words = ["lr=0.25", "act=linear", "nonfinite=skip:3", "seed=9", "clip=value:0.5", "W=[[1.1,0],[0,0.9]]", "rho=none"]
        let direct = try Commands.runSettings(session, words)
        let typed = try Commands.runSettings(session, try Commands.assignments(words))
        #expect(direct.0 == typed.0 && direct.1 == typed.1)
        #expect(direct.0.n == 2 && direct.0.rho == nil && direct.0.seed == 9 && direct.0.nonFinite == .skip(maxConsecutive: 3))
    }

    @Test func theProgressFileRestoresTheTypedValuesItSaved() throws {
        var session = Session()
        _ = try run("set W=[[1.1,0.2],[0,0.9]] act=relu lr=0.123456789 nonfinite=skip:3 task=memory T=12; seed 77; clip norm 1.5 style=torch", in: &session)
        let saved = session.settings.saved(clip: session.clipRule)
        let (settings, clip) = try Settings.restore(saved)
        #expect(settings == session.settings && clip == session.clipRule)
        // A value out of bounds in the file is refused with set's own sentence.
        var broken = saved
        broken["lr"] = .number(2000)
        #expect(throws: ShellError("lr must be from 0 to 1000, not 2000")) { try Settings.restore(broken) }
        broken = saved
        broken["W"] = nil
        broken["n"] = .number(2.5)
        #expect(throws: ShellError("n must be a whole number, not '2.5'")) { try Settings.restore(broken) }
    }

    /// Every command that takes a setting's value bounds it as the key does: set, a run's own
    /// KEY=VALUE, cliff, a sweep range or list and predict's for and when.
    @Test(arguments: [
        ("lr", "2000", "lr must be from 0 to 1000, not 2000"),
        ("steps", "0", "steps must be from 1 to 100000, not 0"),
        ("n", "600", "n must be from 1 to 512, not 600"),
        ("rho", "101", "rho must be from 0 to 100, not 101; use rho=none to keep W as drawn"),
        ("momentum", "1", "momentum must be from 0 to 0.999, not 1"),
        ("seed", "-1", "the seed must be a whole number from 0 to 9007199254740991, not '-1'"),
    ])
    func theSameBoundsHoldEverywhere(_ key: String, _ bad: String, _ message: String) {
        var lines = ["set \(key)=\(bad)", "train \(key)=\(bad)", "sweep \(key)=\(bad),\(bad == "0" ? "1" : "0.5")",
                     "sweep \(key)=\(bad)..0.5:3", "predict for \(key) in \(bad)..0.5:3: loss > 0", "predict loss > 0 when \(key)=\(bad)"]
        if key == "lr" || key == "steps" { lines.append("cliff \(key)=\(bad)") }
        for line in lines {
            var session = Session()
            #expect(throws: ShellError(message), "\(line)") { try run(line, in: &session) }
        }
    }
}
