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

    /// A list of thresholds spanning decades is drawn on a log axis, and a metric that clipping
    /// changes names the rule in force when no axis sets it.
    @Test func aLogSpreadListAndTheRuleInForceAreSaid() throws {
        var session = Session()
        #expect(try Commands.parseAxis("tau", "0.01,1,100").logSpaced && !(try Commands.parseAxis("tau", "1,2,3").logSpaced))
        _ = try run("clip value 0.5", in: &session)
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(try run("sweep rho=0.8,1,1.2 metric=cosine", in: &session)[0])
        #expect(text.contains("· clip value 0.5"))
        let plain = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(try run("sweep rho=0.8,1,1.2 metric=delta0", in: &session)[0])
        #expect(!plain.contains("· clip"))
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

/// Issue 19: `find` bisects one setting for where a claim starts to hold.
@Suite struct FindTests {
    /// The smallest ρ with delta[0] > 1e6 at T = 50, to three digits, agrees with a fine grid of
    /// bptt runs, and the two values it shows are the two sides of the change.
    @Test func findsTheSmallestRhoThatPassesAMillion() throws {
        var session = Session()
        let json = try run("find rho in 1..1.5: delta[0] > 1e6 when T=50 act=linear", in: &session)[0].json
        #expect(json["found"] == .bool(true) && json["holds"] == .string("above"))
        let estimate = try #require(number(json["boundary"]))
        #expect(estimate == 1.19)
        let inside = try #require(number(json["at_boundary"]?["value"])), outside = try #require(number(json["beside_boundary"]?["value"]))
        #expect(inside == 1.195 && outside == 1.194)
        // Every number of digits brackets the same boundary, one digit finer than asked.
        for (digits, pair) in [(1, (1.1, 1.2)), (2, (1.19, 1.2)), (5, (1.19452, 1.19453))] {
            let finer = try run("find rho in 1..1.5: delta[0] > 1e6 when T=50 act=linear digits=\(digits)", in: &session)[0].json
            #expect(finer["found"] == .bool(true))
            #expect(number(finer["beside_boundary"]?["value"]) == pair.0 && number(finer["at_boundary"]?["value"]) == pair.1, "digits=\(digits)")
        }
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(try run("find rho in 1..1.5: delta[0] > 1e6 when T=50 act=linear digits=1", in: &session)[0])
        #expect(text.contains("starts to hold between rho = 1.1 and 1.2 (it holds at 1.2, not at 1.1): rho ≈ 1 to 1 significant digit."), "\(text)")
        // Every point of a grid of ρ from 1.19 to 1.2 in steps of 0.0001: the claim fails below the
        // boundary and holds above it.
        var copy = session
        _ = try run("set T=50 act=linear", in: &copy)
        var firstHeld: Double? = nil
        for k in 0...100 {
            let rho = 1.19 + Double(k) * 0.0001
            _ = try run("set rho=\(rho); bptt", in: &copy)
            let delta0 = try #require(copy.results.bptt?.value.deltaNorms[0])
            if delta0 > 1e6 && firstHeld == nil { firstHeld = rho }
            if let first = firstHeld { #expect(rho < first || delta0 > 1e6, "not monotone at \(rho)") }
        }
        let first = try #require(firstHeld)
        #expect(first > outside && first <= inside + 1e-12)
        #expect(String(format: "%.3g", first) == "1.19")
        // Settings are untouched.
        #expect(session.settings == Session().settings)
    }

    @Test func aWholeNumberKeyIsFoundExactlyAndAClaimThatHoldsBelowToo() throws {
        var session = Session()
        let t = try run("find T in 10..400: delta[0] > 1e6 when rho=1.1 act=linear", in: &session)[0].json
        #expect(number(t["boundary"]) == 85 && number(t["beside_boundary"]?["value"]) == 84)
        let below = try run("find rho in 0.5..1.5: delta[0] < 1 when T=50 act=linear digits=2", in: &session)[0].json
        #expect(below["holds"] == .string("below") && below["found"] == .bool(true))
        let inside = try #require(number(below["at_boundary"]?["value"])), outside = try #require(number(below["beside_boundary"]?["value"]))
        #expect(inside < outside && outside - inside < 0.0101)
    }

    @Test(arguments: [
        ("find rho 1..2: delta[0] > 1", "write it as find KEY in A..B: CLAIM, like find rho in 1..1.5: delta[0] > 1e6"),
        ("find rho in 2..1: delta[0] > 1", "the range must run up, from a smaller number to a larger one, not 2..1"),
        ("find rho in 1..2:", "find needs a claim after the colon, like find rho in 1..1.5: delta[0] > 1e6"),
        ("find rho in 1..1.5: delta[0] > 1e6 when T=5 act=linear", "the claim does not hold at both ends (rho=1: delta[0] = 0.4286; rho=1.5: delta[0] = 4.428); find needs a range where it changes"),
        ("find rho in 1..2: delta[0] > 1 when digits=20", "digits must be from 1 to 12, not 20"),
        ("find rho in 1..2: delta[0] > 1 when rho=1.2", "rho is both searched by find and set by when; keep one"),
    ])
    func badSearchesSayWhatToWrite(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
    }
}

/// Issue 19: compare over seeds gives each rule its median, spread and endings, made of the same
/// runs as compare on each seed alone.
@Suite struct SeedCompareTests {
    func integers(_ json: JSON?) -> [Int] {
        guard case .array(let items)? = json else { return [] }
        return items.compactMap { if case .integer(let k) = $0 { k } else { nil } }
    }

    @Test func eachRuleOverSeedsIsTheSingleSeedRunsSummarised() throws {
        var session = Session()
        let shared = "task=memory T=20 n=8 optim=sgd lr=0.1 batch=4 steps=40"
        let json = try run("compare clip=none,norm:1 seeds=3..7 \(shared)", in: &session)[0].json
        guard case .array(let rules)? = json["runs"] else { Issue.record("no runs"); return }
        #expect(rules.count == 2 && integers(json["seeds"]) == [3, 4, 5, 6, 7])
        var medians: [Double] = []
        for (r, rule) in ["none", "norm:1"].enumerated() {
            var single: [Double] = []
            for seed in 3...7 {
                var copy = Session()
                let one = try run("compare clip=\(rule) seed=\(seed) \(shared)", in: &copy)[0].json
                guard case .array(let runs)? = one["runs"] else { Issue.record("no run"); return }
                single.append(try #require(number(runs[0]["final_loss"])))
            }
            let finals = numbers(rules[r]["final_losses"])
            #expect(finals.map(\.bitPattern) == single.map(\.bitPattern), "rule \(rule)")
            let sorted = single.sorted()
            #expect(number(rules[r]["median_final_loss"]) == sorted[2])
            #expect(numbers(rules[r]["quartiles"]) == [sorted[1], sorted[3]])  // 5 values: the 25th and 75th percentiles fall on ranks
            let counts = ["trained", "blew_up", "diverged", "other"].compactMap { key -> Int? in if case .integer(let k)? = rules[r][key] { k } else { nil } }
            #expect(counts.count == 4)
            #expect(counts.reduce(0, +) == 5)
            medians.append(sorted[2])
        }
        #expect(session.results.compare?.value == medians)
        #expect(session.settings == Session().settings)
    }

    @Test(arguments: [
        ("compare clip=none,norm:1 seeds=1..10 seed=2", "seed= and seeds= contradict each other; give seeds=A..B alone"),
        ("compare clip=none seeds=1..150", "seeds= takes 2 to 100 seeds, not 150"),
        ("compare clip=none seeds=5..1", "seeds=5..1 must run up, from a smaller seed to a larger one, like seeds=1..10"),
        ("compare clip=none seeds=1,2,x", "the seed must be a whole number from 0 to 9007199254740991, not 'x'"),
        ("compare clip=none,norm:1,norm:2,norm:3 seeds=1..100 steps=10000 task=memory T=5 n=2", "compare over seeds keeps every step of every run, and rules × seeds × steps is 4000000, over the 2000000 it may be; use fewer seeds or steps"),
    ])
    func badSeedComparisonsSayWhy(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
    }

    @Test func percentilesAreNumpys() {
        // np.percentile([1, 2, 3, 4], [0, 25, 50, 75, 100]) = [1, 1.75, 2.5, 3.25, 4]
        #expect([0, 25, 50, 75, 100].map { Percentile.of([4, 1, 3, 2], $0) } == [1, 1.75, 2.5, 3.25, 4])
        // np.percentile([10, 0.5, 7], 90) = 9.4 (to rounding); infinities sort to the top
        #expect(abs(Percentile.of([10, 0.5, 7], 90) - 9.4) < 1e-12)
        #expect(Percentile.of([1, .infinity, .infinity], 90) == .infinity && Percentile.of([1, 2, .infinity], 50) == 2)
        #expect(Percentile.of([], 50).isNaN && Percentile.of([.nan, 3], 50) == 3)
    }
}

/// Issue 19: sweep … seeds=A..B: every point on every seed, the median shown, the runs kept.
@Suite struct SeedSweepTests {
    @Test func eachPointIsTheMedianOfItsSeeds() throws {
        var session = Session()
        let shared = "task=memory T=20 n=8 optim=sgd batch=4 steps=30 metric=final_loss"
        let json = try run("sweep lr=0.05..0.5:3:log seeds=1..5 \(shared)", in: &session)[0].json
        let medians = numbers(json["values"])
        guard case .array(let runs)? = json["runs"], case .array(let quartiles)? = json["quartiles"] else { Issue.record("no runs"); return }
        #expect(medians.count == 3 && runs.count == 3 && quartiles.count == 3)
        #expect(session.results.sweep?.value == medians)
        for (i, lr) in ["0.05", "0.1581", "0.5"].enumerated() {
            // lr after optim=, which sets the optimizer's own default lr
            let single = numbers(try run("sweep seed=1..5 \(shared) lr=\(lr)", in: &session)[0].json["values"])
            #expect(numbers(runs[i]).map(\.bitPattern) == single.map(\.bitPattern), "lr=\(lr)")
            #expect(medians[i] == single.sorted()[2])
            #expect(numbers(quartiles[i]) == [single.sorted()[1], single.sorted()[3]])
        }
    }

    @Test(arguments: [
        ("sweep seed=1..3 lr=0.1,0.2 seeds=1..4", "seeds= runs every point on each seed, so seed is neither swept nor set beside it; drop one"),
        ("sweep lr=0.1,0.2 seeds=1..150", "seeds= takes 2 to 100 seeds, not 150"),
        ("sweep rho=0.5..1.5:60 T=10..69:60 seeds=1..2", "that is 3600 points on 2 seeds, 7200 runs; a sweep makes at most 3600"),
    ])
    func badSeedSweepsSayWhy(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
    }
}

/// bptt and grad take KEY=VALUE for one pass, as train and sweep do (a tester typed bptt T=30).
@Suite struct OnePassSettingsTests {
    @Test func bpttAndGradWithWordsAreTheSetRunsAndLeaveTheSettings() throws {
        var session = Session()
        let once = try run("bptt T=30 rho=1.2 act=linear", in: &session)[0].json
        #expect(session.settings == Session().settings)
        #expect(session.results.bptt?.provenance.overridden == ["T", "rho", "act"])
        var set = Session()
        let plain = try run("set T=30 rho=1.2 act=linear; bptt", in: &set)[1].json
        #expect(numbers(once["delta_norms"]).map(\.bitPattern) == numbers(plain["delta_norms"]).map(\.bitPattern))
        #expect(!numbers(once["delta_norms"]).isEmpty)

        let gradOnce = try run("grad clip=value:0.5 rho=1.3", in: &session)[0].json
        #expect(session.clipRule == .none)
        var clipped = Session()
        let gradPlain = try run("set rho=1.3; clip value 0.5; grad", in: &clipped)[2].json
        for key in ["raw_norm", "clipped_norm", "cosine"] {
            #expect(number(gradOnce[key])?.bitPattern == number(gradPlain[key])?.bitPattern, "\(key)")
        }
        #expect(throws: ShellError("bptt does not clip, so clip=norm:1 does not apply; grad shows the gradient under a clipping rule (grad clip=norm:1)")) {
            try run("bptt clip=norm:1", in: &session)
        }
    }
}

/// Issue 19's precision: precision=, loss_scale= and unscale= as settings, and what bptt and train
/// show of them.
@Suite struct PrecisionCommandTests {
    @Test func theSettingsReadTheirValuesAndRefuseOthersInOneSentence() throws {
        var session = Session()
        _ = try run("set precision=fp16 loss_scale=dynamic unscale=after_clip", in: &session)
        #expect(session.settings.precision == .fp16 && session.settings.lossScale == .dynamic && session.settings.unscale == .afterClip)
        _ = try run("set loss_scale=1024", in: &session)
        #expect(session.settings.lossScale == .fixed(1024))
        #expect(throws: ShellError("loss_scale must be none, dynamic, or a number from 5.96e-08 to 1.1e+12, not 0")) {
            try run("set loss_scale=0", in: &session)
        }
        #expect(throws: ShellError("precision must be one of fp64, fp32, bf16, fp16, not 'fp8'")) {
            try run("set precision=fp8", in: &session)
        }
    }

    /// fp16 loses the vanishing error where fp64 keeps it; a loss scale of 2¹⁶ keeps it longer.
    @Test func bpttShowsTheErrorUnderflowingToZero() throws {
        var session = Session()
        _ = try run("set rho=0.6 T=60", in: &session)
        func deltas(_ words: String) throws -> [Double] { numbers(try run("bptt " + words, in: &session)[0].json["delta_norms"]) }
        let exact = try deltas(""), half = try deltas("precision=fp16"), scaled = try deltas("precision=fp16 loss_scale=65536")
        #expect(exact.allSatisfy { $0 > 0 })
        let lost = { (norms: [Double]) in norms.lastIndex(of: 0) ?? -1 }
        #expect(lost(half) > lost(scaled) && lost(scaled) > 0, "0 from t=\(lost(half)) and t=\(lost(scaled))")
        let json = try run("bptt precision=fp16", in: &session)[0].json
        #expect(json["precision"] == .string("fp16") && json["stored_zeros"] != .integer(0) && json["stored_zeros"] != nil)
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(try run("bptt precision=fp16", in: &session)[0])
        #expect(text.contains("· fp16") && text.contains("‖∂L/∂h_t‖₂ is exactly 0 from t=\(lost(half)) back"), "\(text)")
    }

    /// The scale of each step follows GradScaler's rules, and the text names each move.
    @Test func trainShowsTheDynamicScaleBackingOff() throws {
        var session = Session()
        _ = try run("task memory T=40; set lr=0.1 n=16", in: &session)
        let report = try run("train steps=60 precision=fp16 loss_scale=dynamic", in: &session)[0]
        let scales = numbers(report.json["loss_scales"])
        guard case .array(let skippedJSON)? = report.json["skipped"] else { Issue.record("no skipped"); return }
        let skipped = skippedJSON.map { $0 == .bool(true) }
        #expect(scales.first == 65536 && skipped.contains(true))
        for k in 1..<scales.count { #expect(scales[k] == (skipped[k - 1] ? scales[k - 1] / 2 : scales[k - 1])) }
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(report)
        #expect(text.contains("loss scale: 65536 at step 1 → 32768 at step"), "\(text)")
    }

    /// Clipping the scaled gradient clips every step; clipping after unscale_ does not.
    @Test func clippingBeforeUnscaleClipsEveryStep() throws {
        var session = Session()
        _ = try run("task memory T=40; set lr=0.1 n=16", in: &session)
        func rate(_ order: String) throws -> Double {
            number(try run("train steps=300 precision=fp16 loss_scale=dynamic clip=norm:1 unscale=\(order)", in: &session)[0].json["clip_rate"])!
        }
        let (right, wrong) = (try rate("before_clip"), try rate("after_clip"))
        #expect(wrong == 1 && right < 0.5, "\(right) against \(wrong)")
    }
}
