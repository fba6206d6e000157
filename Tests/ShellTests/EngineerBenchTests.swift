import Foundation
import Simulator
import Testing
@testable import Render
@testable import Shell

/// Issue 19, the engineer's bench: τ as a knob of sweep and predict, the gradient's metrics in a
/// sweep, and a two-key sweep's numbers as a table.
@Suite struct TauKnobTests {
    /// Each point of `sweep tau=… clip=value` is what grad gives under `clip value τ` at that τ.
    @Test func sweepingTauIsGradUnderEachThreshold() throws {
        var session = Session()
        _ = try run("set rho=1.3 T=30", in: &session)
        for metric in ["cosine", "clipped_norm", "raw_norm"] {
            let sweep = try run("sweep tau=0.01..100:5:log metric=\(metric) clip=value", in: &session)[0].json
            let values = numbers(sweep["values"])
            #expect(values.count == 5)
            for (tau, value) in zip([0.01, 0.1, 1, 10, 100], values) {
                var copy = session
                let grad = try run("clip value \(tau); grad", in: &copy)[1].json
                #expect(number(grad[metric])?.bitPattern == value.bitPattern, "\(metric) at tau=\(tau)")
            }
        }
        // cosine falls as τ tightens, and reaches 1 once nothing is clipped.
        let cosine = numbers(try run("sweep tau=0.01..100:5:log metric=cosine clip=value", in: &session)[0].json["values"])
        #expect(cosine.last == 1 && cosine.first! < 0.9)
    }

    /// `clipped`: the fraction of components the rule changed; all or none for norm clipping.
    @Test func theClippedFractionCountsChangedComponents() throws {
        var session = Session()
        _ = try run("set rho=1.3 T=30", in: &session)
        let norm = numbers(try run("sweep tau=0.001,1e9 metric=clipped clip=norm", in: &session)[0].json["values"])
        #expect(norm == [1, 0])
        let value = numbers(try run("sweep tau=0.01..100:5:log metric=clipped clip=value", in: &session)[0].json["values"])
        #expect(value.first! > 0 && value.first! < 1 && value.last == 0)
        #expect(zip(value, value.dropFirst()).allSatisfy { $0 >= $1 })
    }

    /// τ keeps the mode of the session's rule, or of clip= (which may then name the mode alone);
    /// without a rule it says what to add.
    @Test func tauChangesTheThresholdOfTheRuleInForce() throws {
        var session = Session()
        _ = try run("clip norm 5 style=torch", in: &session)
        let (settings, rule) = try Commands.runSettings(session, ["tau=0.5"])
        #expect(rule == .norm(threshold: 0.5, order: .two, style: .torch) && settings == session.settings)
        #expect(try Commands.runSettings(session, ["tau=2", "clip=value"]).1 == .value(threshold: 2))
        #expect(try Commands.runSettings(session, ["clip=agc", "τ=0.01"]).1 == .agc(lambda: 0.01))
        #expect(throws: ShellError("tau must be a positive number, not 0")) { try Commands.runSettings(session, ["tau=0"]) }
        var plain = Session()
        #expect(throws: ShellError("tau sets the threshold of the clipping rule, and there is none; add clip=norm (or value, tensor, agc, signal), or set a rule with clip norm 1")) {
            try run("sweep tau=0.1..1:3 metric=cosine", in: &plain)
        }
        #expect(throws: ShellError("compare takes each rule's τ in the rule itself, like clip=norm:1,norm:10; drop tau=")) {
            try run("compare clip=none,norm:1 tau=3", in: &plain)
        }
        // predict for tau in …: the claim is judged at each threshold.
        let verdict = try run("predict for tau in 0.01,100: cosine > 0.99 when clip=value rho=1.3 T=30", in: &plain)[0]
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(verdict)
        #expect(text.contains("failed at 1 of 2"), "\(text)")
    }

    /// A map's numbers as a table, labelled with values that read back to the same runs; a large
    /// one on asking.
    @Test func aTwoKeySweepPrintsItsGrid() throws {
        var session = Session()
        let small = try run("sweep rho=0.8..1.4:4 T=10..40:4 act=linear", in: &session)[0]
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(small)
        #expect(text.contains("rho \\ T") && text.contains("1.4  "))
        let large = try run("sweep rho=0.8..1.4:25 T=10..200:20 act=linear", in: &session)[0]
        let largeText = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(large)
        #expect(!largeText.contains("rho \\ T") && largeText.contains("add table to the sweep to print all 500 numbers"))
        let asked = try run("sweep rho=0.8..1.4:25 T=10..200:20 act=linear table", in: &session)[0]
        let askedText = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(asked)
        #expect(askedText.contains("rho \\ T") && askedText.contains("1.375"))
    }
}
