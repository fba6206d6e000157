import Foundation
import Simulator
import Testing
@testable import Render
@testable import Shell

@Suite struct HypothesisTests {
    @Test func aPredictionIsJudgedOnItsOwnSettingsAndLeavesTheLearnersAlone() throws {
        var session = Session()
        _ = try run("set n=6 T=30; clip norm 2", in: &session)
        let before = session.settings, rule = session.clipRule
        let linear = try run("predict delta[0] > 1e6 when rho=1.3 T=60 act=linear", in: &session)[0].json
        #expect(linear["verdict"] == .string("held"))
        let tanh = try run("predict delta[0] > 1e6 when rho=1.3 T=60 act=tanh", in: &session)[0].json
        #expect(tanh["verdict"] == .string("did not hold"))
        // The numbers are tanh's: the same as a bptt with those settings.
        var direct = Session()
        _ = try run("set n=6 rho=1.3 T=60 act=tanh", in: &direct)
        #expect(number(tanh["values"]?["delta[0]"]) == bptt(try direct.model(), direct.sample).deltaNorms[0])
        #expect(session.settings == before && session.clipRule == rule)
        #expect(session.results.bptt == nil, "the learner's own results are untouched")
    }

    @Test func aQuantifiedClaimListsExactlyThePointsWhereItFails() throws {
        var session = Session()
        let json = try run("predict for rho in 0.5..1.5:21: delta[0] < delta[T] when act=linear", in: &session)[0].json
        guard case .array(let listed)? = json["counterexamples"] else { Issue.record("no counterexamples"); return }
        var expected: [String] = []
        for i in 0..<21 {
            let rho = 0.5 + Double(i) * 0.05
            var direct = Session()
            _ = try run("set act=linear rho=\(NumberFormat.full(rho))", in: &direct)
            let deltas = bptt(try direct.model(), direct.sample).deltaNorms
            if !(deltas[0] < deltas[40]) { expected.append("rho=\(NumberFormat.short(rho))") }
        }
        #expect(!expected.isEmpty && expected.count < 21, "the claim must fail in part of the range")
        #expect(listed == expected.map(JSON.string))
        #expect(json["verdict"] == .string("did not hold everywhere"))
    }

    @Test func aTwoKeyClaimCountsItsPoints() throws {
        var session = Session()
        let json = try run("predict for rho in 0.8..1.2:3 and T in 5,10: grad_norm > 0 when act=linear", in: &session)[0].json
        #expect(json["points"] == .integer(6) && json["verdict"] == .string("held everywhere"))
    }

    @Test func everyNameInHelpExpressionsHasAValue() throws {
        var session = Session()
        _ = try run("clip norm 1; bptt; grad; train task=adding T=10 steps=5 batch=4", in: &session)
        #expect(try run("check ran(\"grad\") and not ran(\"cliff\")", in: &session)[0].json["value"] == .bool(true))
        _ = try run("cliff steps=5; suggest steps=3; compare clip=none steps=2; sweep rho=1,2", in: &session)
        _ = try run("load norms \(NormLogTests.torchCSV)", in: &session)
        for (name, _) in SessionNames.descriptions where name != "COMMAND.KEY" && name != "cell_delta[t]" {
            let expression = name.hasSuffix("]") ? String(name[..<name.firstIndex(of: "[")!]) + "[0]" : name
            let value = try run("check \(expression)", in: &session)[0].json["value"]
            #expect(value != nil, "\(name)")
        }
        // ‖∂L/∂c_t‖ exists for an lstm alone, and says so for the others.
        #expect(throws: ShellError.self) { try run("check cell_delta[0]", in: &session) }
        _ = try run("set cell=lstm; bptt", in: &session)
        #expect(try run("check cell_delta[0]", in: &session)[0].json["value"] != nil)
        #expect(try run("check mean_gate > 0 and mean_gate < 1", in: &session)[0].json["value"] == .bool(true))
    }

    @Test(arguments: [
        ("check final_loss < 1", "'final_loss' comes from train, which has not run yet; run train first, or let predict run it"),
        ("check delta[0]", "'delta[…]' comes from bptt, which has not run yet; run bptt first, or let predict run it"),
        ("check rho and 3", "at column 5: 'and' needs true or false, but got the number"),
        ("check (rho + 1", "at column 7: unbalanced '(': add the missing ')'"),
        ("check rhoo > 1", "at column 1: unknown name 'rhoo' — did you mean 'rho'?"),
        ("check delta[", "at column 12: unbalanced '[': add the missing ']'"),
        ("predict rho + 1", "a prediction is a claim that is true or false, like delta[0] > 1e6; to see a number, use check or ="),
        ("predict for rho 1..2:3: rho > 0", "write the quantifier as for KEY in RANGE: CLAIM, like for rho in 0.5..1.5:11: delta[0] > 1"),
        ("check ran(bptt)", "at column 5: ran takes a command in quotes, like ran(\"bptt\")"),
    ])
    func malformedClaimsAreOneSentence(_ line: String, _ start: String) {
        var session = Session()
        do {
            _ = try run(line, in: &session)
            Issue.record("no error for \(line)")
        } catch let error as ShellError {
            #expect(error.message.hasPrefix(start), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func anIndexOutOfRangeNamesTheRange() throws {
        var session = Session()
        _ = try run("set T=5; bptt", in: &session)
        #expect(throws: ShellError("at column 1: delta[6] is out of range: the index runs over whole numbers from 0 to 5")) {
            try run("check delta[6]", in: &session)
        }
        #expect(try run("check delta[T] == delta[5]", in: &session)[0].json["value"] == .bool(true))
    }

    @Test func theNotebookListsEveryPredictionTheSameInTextAndJSON() throws {
        var session = Session()
        let claims = ["delta[0] > 1 when act=linear rho=1.2", "loss >= 0", "grad_norm < 1e9 when T=10",
                      "not diverged when task=adding T=10 steps=5 batch=4", "for rho in 0.5,1: delta[0] < 1e3 when act=linear"]
        for claim in claims { _ = try run("predict \(claim)", in: &session) }
        let report = try run("notebook", in: &session)[0]
        guard case .array(let entries)? = report.json["entries"] else { Issue.record("no entries"); return }
        #expect(entries.count == 5)
        let text = TextRenderer(style: OutputStyle(width: 200)).render(report)
        for (i, entry) in entries.enumerated() {
            guard case .string(let claim)? = entry["claim"], case .string(let verdict)? = entry["verdict"],
                  case .string(let numbers)? = entry["numbers"], case .string(let conditions)? = entry["conditions"] else {
                Issue.record("entry \(i) incomplete"); continue
            }
            #expect(text.contains("\(i + 1). \(claim)" + (conditions.isEmpty ? "" : " · \(conditions)")))
            #expect(text.contains("   \(verdict): \(numbers)"))
        }
    }

    @Test func checkSaysWhenResultsBelongToOtherSettings() throws {
        var session = Session()
        _ = try run("bptt", in: &session)
        #expect(try run("check delta[0] > 0", in: &session)[0].warnings.isEmpty)
        _ = try run("set rho=2", in: &session)
        #expect(try run("check delta[0] > 0", in: &session)[0].warnings
                == ["stale: bptt measured with rho=none, and the settings are rho=2 now; run bptt again, or set rho=none to go back to its results"])
    }

    @Test func ranAsksAboutTheLearnersOwnSessionAndKnowsTheCommands() throws {
        var session = Session()
        #expect(try run("predict ran(\"train\")", in: &session)[0].json["verdict"] == .string("did not hold"))
        #expect(throws: ShellError("ran(\"foo\"): there is no command foo; help lists the commands")) { try run("check ran(\"foo\")", in: &session) }
    }

    @Test func keysGivenTwiceAreRefused() {
        var session = Session()
        #expect(throws: ShellError("rho is given twice; keep one")) { try run("predict loss >= 0 when rho=1 rho=2", in: &session) }
        #expect(throws: ShellError("rho is both swept by for and set by when; keep one")) {
            try run("predict for rho in 1,2: loss >= 0 when rho=1.5", in: &session)
        }
        #expect(throws: ShellError("rho is quantified twice; keep one")) { try run("predict for rho in 1,2 and rho in 1,2: loss >= 0", in: &session) }
    }

    @Test func aClaimFalseEverywhereHeldNowhere() throws {
        var session = Session()
        let json = try run("predict for T in 5,10: loss < 0", in: &session)[0].json
        #expect(json["verdict"] == .string("held nowhere"))
    }

    @Test func anInterruptedPredictionGivesNoVerdict() {
        var session = Session()
        session.runtime.shouldStop = { true }
        #expect(throws: ShellError("predict interrupted before its experiment finished; no verdict was recorded")) {
            try run("predict final_loss < 1 when task=adding T=10 steps=5", in: &session)
        }
        #expect(session.notebook.isEmpty)
    }
}

@Suite struct GridRobustnessTests {
    @Test(arguments: ["sweep T=1..1e300:2", "predict for seed in 0..1e30:2: loss > 0", "sweep T=-1e308..1e308:3", "sweep n=1..1.4:5"])
    func hugeOrDegenerateRangesAreOneSentenceNotACrash(_ line: String) {
        var session = Session()
        #expect(throws: ShellError.self) { try run(line, in: &session) }
    }

    @Test func wordSettingsCompareWithWords() throws {
        var session = Session()
        #expect(try run("check act == \"tanh\" and task != \"adding\"", in: &session)[0].json["value"] == .bool(true))
        #expect(throws: ShellError("at column 5: '+' needs a number, but got the word \"tanh\"; words can only be compared with == or !=")) {
            try run("= act + 1", in: &session)
        }
    }

    @Test func theCommandsBeforeABrokenOneStillRun() {
        let (calls, error) = LineSplitter.splitKeepingWhatParses("set rho=1.2; seed 4; check (1 < 2")
        #expect(calls.map(\.verb) == ["set", "seed"])
        #expect(error == ShellError("at column 28: unbalanced '(': add the missing ')'"))
    }

    @Test func gridsHaveAWorkBudgetToo() {
        var session = Session()
        #expect(throws: ShellError.self) {
            try run("predict for lr in 0.1..1:100: not diverged when task=adding T=1000 n=256 steps=10000", in: &session)
        }
    }
}

/// compare, sweep, cliff and suggest leave results that conditions can read, like bptt and train.
@Suite struct MoreResultNamesTests {
    func value(_ expression: String, _ session: inout Session) throws -> ExpressionValue {
        var used: [(String, ExpressionValue)] = []
        return try Expression(expression).evaluate(in: SessionNames(session), used: &used)
    }

    @Test func cliffComparesSweepsAndSuggestionsAreNamed() throws {
        var session = Session()
        _ = try run("cliff", in: &session)
        #expect(try value("cliff_left and not cliff_clipped_left", &session) == .bool(true), "the default start flies off without clipping")
        #expect(try value("cliff_step > 10 * cliff_clipped_step", &session) == .bool(true))
        _ = try run("compare clip=none,norm:1 steps=5; sweep rho=0.5..1.5:3 metric=delta0", in: &session)
        #expect(session.results.compare?.value.count == 2)
        #expect(session.results.sweep?.value.count == 3)
        #expect(try value("sweep[0] < sweep[2]", &session) == .bool(true))
        _ = try run("suggest steps=5", in: &session)
        #expect(try value("mean_norm > 0", &session) == .bool(true))
        var fresh = Session()
        #expect(throws: ShellError("'compare_loss[…]' comes from compare, which has not run yet; run compare first")) {
            try value("compare_loss[0]", &fresh)
        }
    }
}
