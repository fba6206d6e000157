import Foundation
import Simulator
import Testing
@testable import Render
@testable import Shell

/// Runs one line against a session and returns the reports (throws the first error).
func run(_ line: String, in session: inout Session) throws -> [Report] {
    try LineSplitter.split(line).map { try Commands.run($0, in: &session) }
}

func numbers(_ json: JSON?) -> [Double] {
    guard case .array(let items)? = json else { return [] }
    return items.compactMap { if case .number(let x) = $0 { x } else { nil } }
}

func number(_ json: JSON?) -> Double? {
    if case .number(let x)? = json { return x }
    return nil
}

func tensors(_ json: JSON?) -> [[Double]] {
    guard case .array(let items)? = json else { return [] }
    return items.map(numbers)
}

@Suite struct ClipCommandTests {
    @Test func normClippingOfOneVector() throws {
        var session = Session()
        let json = try run("clip norm 1 [6,8]", in: &session)[0].json
        #expect(tensors(json["output"]).map { $0.map { ($0 * 1e12).rounded() / 1e12 } } == [[0.6, 0.8]])
        #expect(number(json["norm"]) == 10)
        #expect(number(json["scale"]) == 0.1)
        #expect(abs(number(json["cosine"])! - 1) < 1e-15)
        #expect(session.clipRule == .none, "clipping given vectors does not change the rule")
    }

    @Test func normClippingIsGlobalOverTensors() throws {
        var session = Session()
        let json = try run("clip norm 1 [3,0] [0,4]", in: &session)[0].json
        let out = tensors(json["output"])
        #expect(out.count == 2)
        #expect(abs(out[0][0] - 0.6) < 1e-15 && out[0][1] == 0 && out[1][0] == 0 && abs(out[1][1] - 0.8) < 1e-15)
        #expect(number(json["norm"]) == 5)
    }

    @Test func valueClippingBendsTheDirection() throws {
        var session = Session()
        let json = try run("clip value 0.5 [3,-0.2,0.9]", in: &session)[0].json
        #expect(tensors(json["output"]) == [[0.5, -0.2, 0.5]])
        let expected = (3 * 0.5 + 0.04 + 0.45) / ((9 + 0.04 + 0.81).squareRoot() * (0.25 + 0.04 + 0.25).squareRoot())
        #expect(abs(number(json["cosine"])! - expected) < 1e-12)
        #expect(number(json["cosine"])! < 1)
        #expect(json["scale"] == JSON.null)
    }

    @Test func otherNormsAndTheRuleForGrad() throws {
        var session = Session()
        let json = try run("clip norm 2 p=inf [6,-8]", in: &session)[0].json
        #expect(number(json["norm"]) == 8)
        #expect(tensors(json["output"]) == [[1.5, -2]])
        _ = try run("clip norm 0.5 p=1", in: &session)
        #expect(session.clipRule == .norm(threshold: 0.5, order: .one))
        _ = try run("clip none", in: &session)
        #expect(session.clipRule == .none)
    }

    @Test func stylesReproduceTheFrameworks() throws {
        var session = Session()
        // clip_grad.py: clip_coef = max_norm / (total_norm + 1e-6), applied even at the threshold.
        let torch = try run("clip norm 5 style=torch [3,0] [0,4]", in: &session)[0].json
        #expect(number(torch["scale"]) == 0.99999980000004)
        #expect(tensors(torch["output"]) == [[2.99999940000012, 0], [0, 3.99999920000016]])
        #expect(torch["clipped"] == .bool(true))
        #expect(torch["rule"] == .object([("mode", .string("norm")), ("tau", .number(5)), ("p", .string("2")), ("style", .string("torch"))]))
        // _clipping.py: (t / g_norm) * max_norm — 3/5·1 = 0.6, where gradlab gives 3·0.2 = 0.6000000000000001.
        let optax = try run("clip norm 1 style=optax [3,0] [0,4]", in: &session)[0].json
        #expect(tensors(optax["output"]) == [[0.6, 0], [0, 0.8]])
        let gradlab = try run("clip norm 1 style=gradlab [3,0] [0,4]", in: &session)[0].json
        #expect(tensors(gradlab["output"]) == [[0.6000000000000001, 0], [0, 0.8]])
        _ = try run("clip norm 1 p=inf style=torch", in: &session)
        #expect(session.clipRule == .norm(threshold: 1, order: .infinity, style: .torch))
        _ = try run("clip norm 1 style=PyTorch", in: &session)
        #expect(session.clipRule == .norm(threshold: 1, style: .torch))
    }

    @Test func tensorClippingIsPerTensor() throws {
        var session = Session()
        let report = try run("clip tensor 1 [3,0] [0,4]", in: &session)[0]
        #expect(tensors(report.json["output"]) == [[1, 0], [0, 1]])
        #expect(report.json["scale"] == JSON.null)
        #expect(report.json["rule"] == .object([("mode", .string("tensor")), ("tau", .number(1))]))
        #expect(report.blocks.contains { if case .values(let values) = $0 { values.contains { $0.0 == "scale" } } else { false } })
    }

    @Test func agcAndSignalAreRulesForGrad() throws {
        var session = Session()
        let agc = try run("clip agc 0.01", in: &session)[0]
        #expect(session.clipRule == .agc(lambda: 0.01))
        #expect(agc.json["rule"] == .object([("mode", .string("agc")), ("lambda", .number(0.01)), ("eps", .number(0.001))]))
        let grad = try run("set n=4 T=10; grad", in: &session)[1].json
        #expect(grad["rule"]?["mode"] == .string("agc"))
        #expect(grad["scale"] == JSON.null)
        _ = try run("clip signal 0.001", in: &session)
        #expect(session.clipRule == .signal(threshold: 0.001))
        let signal = try run("grad", in: &session)[0].json
        #expect(signal["rule"] == .object([("mode", .string("signal")), ("tau", .number(0.001))]))
        #expect(number(signal["clipped_norm"])! < number(signal["raw_norm"])!, "the error was clamped inside BPTT")
        #expect(number(signal["norm"]) == number(signal["raw_norm"]))
    }

    @Test func gradRunsUnderEveryRule() throws {
        for rule in ["none", "norm 1", "norm 1 style=torch", "norm 1 style=tf", "norm 1 style=optax", "norm 1 p=inf style=torch",
                     "value 0.1", "tensor 0.5", "agc 0.01", "signal 0.5"] {
            var session = Session()
            let json = try run("set n=3 T=5; clip \(rule); grad", in: &session)[2].json
            #expect(tensors(json["clipped"]?["W"]).count == 3, "\(rule)")
        }
    }

    @Test(arguments: [
        ("clip norm 0 [1]", "the clipping threshold must be greater than 0, not 0"),
        ("clip norm -1", "the clipping threshold must be greater than 0, not -1"),
        ("clip value nan [1]", "the threshold τ must be a number like 1.2 or 1e-3, not 'nan'"),
        ("clip norm", "clip norm needs a threshold τ, like clip norm 1"),
        ("clip nrom 1", "unknown clipping mode 'nrom' — did you mean 'norm'?"),
        ("clip value 1 p=2 [1]", "p= chooses the norm of norm clipping; it does not apply to clip value"),
        ("clip norm 1 p=3 [1]", "p must be 1, 2 or inf, not '3'"),
        ("clip norm 1 6,8", "unexpected '6,8' after clip norm: vectors are written in brackets, like [6,8]"),
        ("clip agc", "clip agc needs a ratio λ, like clip agc 0.01"),
        ("clip agc 0", "the AGC ratio λ must be greater than 0, not 0"),
        ("clip agc 0.01 [1,2]", "agc needs the model's parameters, which typed vectors do not have; set it as the rule with clip agc 0.01 and run grad"),
        ("clip signal 1 [1,2]", "signal clipping clamps the error δ_t inside BPTT, not a finished gradient, so typed vectors have nothing for it to do; set it with clip signal 1 and run grad"),
        ("clip tensor 1 style=torch [1]", "style= chooses whose norm clipping to reproduce; it does not apply to clip tensor"),
        ("clip norm 1 style=tourch [1]", "style must be gradlab, torch, tf or optax, not 'tourch' — did you mean 'torch'?"),
        ("clip norm 1 p=inf style=tf [1]", "style=tf has only the 2-norm (tf.clip_by_global_norm), so p=inf does not apply; drop p= or use style=gradlab or style=torch"),
        ("clip norm 1 p=1 style=optax", "style=optax has only the 2-norm (optax.clip_by_global_norm), so p=1 does not apply; drop p= or use style=gradlab or style=torch"),
        ("clip norm 1 p=1 p=2", "p= is given twice; keep one"),
        ("clip tnesor 1", "unknown clipping mode 'tnesor' — did you mean 'tensor'?"),
    ])
    func badClipInputIsOneSentence(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
        #expect(session.clipRule == .none, "a refused rule is not set")
    }

    @Test func nonFiniteGradientsAreNotHidden() {
        let nan = Clipper.clip([[1, .nan]], rule: .norm(threshold: 1, order: .two))
        #expect(nan.warnings == [.norm(.gradlab, .nan)])
        #expect(Commands.clipWarning(nan) != nil)
        let inf = Clipper.clip([[1, .infinity]], rule: .norm(threshold: 1, order: .two))
        #expect(inf.warnings == [.norm(.gradlab, .infinity)])
        #expect(Commands.clipWarning(inf) != nil)
    }

    @Test func tabCompletesEveryMode() {
        #expect(TabCompletion.complete("clip a").insert == "gc ")
        #expect(TabCompletion.complete("clip s").insert == "ignal ")
        #expect(TabCompletion.complete("clip t").insert == "ensor ")
        #expect(TabCompletion.complete("clip v").insert == "alue ")
    }

    @Test func helpDescribesEveryModeAndStyle() throws {
        let rows = Commands.clip.details.flatMap { item -> [(term: String, meaning: String)] in if case .rows(let rows) = item { rows } else { [] } }
        for word in ClipRule.modes + NormClipStyle.allCases.map(\.rawValue) {
            #expect(rows.contains { $0.term.split(separator: " ").first.map(String.init) == word && !$0.meaning.isEmpty }, "\(word)")
        }
        let meanings = rows.map(\.meaning).joined(separator: " ")
        for source in ["clip_grad_norm_", "tf.clip_by_global_norm", "optax.clip_by_global_norm", "Keras clipnorm",
                       "adaptive_grad_clip", "RNNLM"] {
            #expect(meanings.contains(source), "\(source)")
        }
    }

    // MARK: The compact form of train clip=… and compare clip=…

    @Test(arguments: [
        ("none", ClipRule.none),
        ("norm:1", .norm(threshold: 1)),
        ("norm:1:torch", .norm(threshold: 1, style: .torch)),
        ("norm:1:style=tf", .norm(threshold: 1, style: .tf)),
        ("norm:1:p=inf", .norm(threshold: 1, order: .infinity)),
        ("norm:0.5:torch:p=1", .norm(threshold: 0.5, order: .one, style: .torch)),
        ("norm:2:p=1:torch", .norm(threshold: 2, order: .one, style: .torch)),
        ("Norm:1:Optax", .norm(threshold: 1, style: .optax)),
        (" value:0.5 ", .value(threshold: 0.5)),
        ("tensor:1", .tensor(threshold: 1)),
        ("agc:0.01", .agc(lambda: 0.01)),
        ("signal:1e-3", .signal(threshold: 0.001)),
    ])
    func parseClipSpecReadsTheCompactForm(_ text: String, _ rule: ClipRule) throws {
        #expect(try Commands.parseClipSpec(text) == rule)
    }

    @Test(arguments: [
        ("", "the clipping rule is empty; write one like none, norm:1, norm:1:torch, value:0.5, tensor:1, agc:0.01 or signal:1"),
        ("nrom:1", "unknown clipping mode 'nrom' in 'nrom:1' — did you mean 'norm'?"),
        ("clip:1", "unknown clipping mode 'clip' in 'clip:1'; modes: none, norm:τ, value:τ, tensor:τ, agc:λ, signal:τ"),
        ("none:1", "'none:1' has something after none, which takes nothing; write none"),
        ("norm", "'norm' needs a threshold τ after a colon, like norm:1"),
        ("agc:", "'agc:' needs a ratio λ after a colon, like agc:0.01"),
        ("norm:x", "the threshold τ in 'norm:x' must be a number like 1.2 or 1e-3, not 'x'"),
        ("value:0", "the threshold τ in 'value:0' must be greater than 0, like value:1"),
        ("agc:-0.1", "the ratio λ in 'agc:-0.1' must be greater than 0, like agc:0.01"),
        ("value:0.5:torch", "'value:0.5:torch' has an option after the threshold τ, but only norm takes one (a style or p=); write value:0.5"),
        ("norm:1:fast", "unknown option 'fast' in 'norm:1:fast'; a norm rule takes a style (gradlab, torch, tf, optax) or p=1|2|inf, like norm:1:torch:p=inf"),
        ("norm:1:trch", "unknown option 'trch' in 'norm:1:trch' — did you mean 'torch'?"),
        ("norm:1:", "'norm:1:' ends in an empty option; drop the last colon, or write a style or p= after it, like norm:1:torch"),
        ("norm:1:p=3", "p must be 1, 2 or inf, not '3'"),
        ("norm:1:p=1:p=2", "'norm:1:p=1:p=2' gives p= twice; keep one"),
        ("norm:1:tf:torch", "'norm:1:tf:torch' gives a style twice; keep one"),
        ("norm:1:tf:p=inf", "'norm:1:tf:p=inf' asks tf for p=inf, but tf.clip_by_global_norm has only the 2-norm; drop p=inf, or use torch or gradlab"),
    ])
    func parseClipSpecErrorsAreOneSentence(_ text: String, _ message: String) {
        #expect(throws: ShellError(message)) { try Commands.parseClipSpec(text) }
    }

    @Test(arguments: [
        (ClipRule.none, "none", "none"),
        (.norm(threshold: 1), "norm:1", "norm 1"),
        (.norm(threshold: 1, style: .torch), "norm:1:torch", "norm 1 style=torch"),
        (.norm(threshold: 0.25, order: .infinity), "norm:0.25:p=inf", "norm 0.25 p=inf"),
        (.norm(threshold: 1, order: .one, style: .torch), "norm:1:torch:p=1", "norm 1 p=1 style=torch"),
        (.value(threshold: 0.5), "value:0.5", "value 0.5"),
        (.tensor(threshold: 2), "tensor:2", "tensor 2"),
        (.agc(lambda: 0.01), "agc:0.01", "agc 0.01"),
        (.signal(threshold: 1e-5), "signal:1e-05", "signal 1e-05"),
        (.norm(threshold: 0.123456789), "norm:0.123456789", "norm 0.1235"),
    ])
    func rulesAsWords(_ rule: ClipRule, _ spec: String, _ words: String) throws {
        #expect(Commands.clipSpec(rule) == spec)
        #expect(try Commands.parseClipSpec(spec) == rule, "the compact form reads back exactly")
        #expect(Commands.describe(rule) == words)
    }

    @Test func describeReadsBackThroughClip() throws {
        for rule: ClipRule in [.norm(threshold: 1, order: .one, style: .torch), .tensor(threshold: 2), .agc(lambda: 0.5), .signal(threshold: 3)] {
            var session = Session()
            _ = try run("clip \(Commands.describe(rule))", in: &session)
            #expect(session.clipRule == rule)
        }
    }
}

@Suite struct SettingsCommandTests {
    @Test func setChangesSeveralSettingsAndRescalesW() throws {
        var session = Session()
        _ = try run("set rho=1.2 T=60 act=linear", in: &session)
        #expect(session.settings.T == 60 && session.settings.act == .linear && session.settings.rho == 1.2)
        let rho = Spectrum.spectralRadius(try session.model().W)
        #expect(abs(rho - 1.2) < 1e-12)
    }

    @Test func aBadValueChangesNothing() {
        var session = Session()
        #expect(throws: ShellError("T must be from 1 to 10000, not 0")) { try run("set rho=1.5 T=0", in: &session) }
        #expect(session.settings == Settings())
    }

    @Test(arguments: [
        ("set", "set needs KEY=VALUE, like set rho=1.2 T=60; help settings lists the keys"),
        ("set rh=1", "unknown setting 'rh' — did you mean 'rho'?"),
        ("set t=5", "unknown setting 't' — did you mean 'T'?"),
        ("set rho", "'rho' is not KEY=VALUE; write it like rho=1.2"),
        ("set rho=", "rho= needs a value: a number from 0 to 100, or none to keep W as drawn"),
        ("set n=100000", "n must be from 1 to 512, not 100000"),
        ("set n=2.5", "n must be a whole number, not '2.5'"),
        ("set act=tahn", "act must be one of tanh, linear, relu, sigmoid, not 'tahn' — did you mean 'tanh'?"),
        ("set seed=-3", "the seed must be a whole number from 0 to 9007199254740991, not '-3'"),
        ("set W=[[1,2],[3]]", "W is ragged: row 2 has 1 entries but row 1 has 2"),
        ("set W=[[1,2,3],[4,5,6]]", "W must be square, but [[…]] has 2 rows of 3 entries"),
        ("set W=[[0,1],[0,0]] rho=1", "ρ(W) is 0 (every eigenvalue is zero), so W cannot be rescaled to rho=1.0; choose another init or W, or unset rho with rho=none"),
        ("seed -1", "the seed must be a whole number from 0 to 9007199254740991, not '-1'"),
        ("bpt", "unknown command 'bpt' — did you mean 'bptt'?"),
        ("eig now", "eig takes no arguments, but got 'now'; see help eig"),
        ("power 0", "K must be from 1 to 1000, not 0"),
        ("show colour", "unknown setting 'colour'; help settings lists them all"),
    ])
    func badInputIsOneSentenceNamingTheProblem(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
    }

    @Test func aWrittenOutWFixesN() throws {
        var session = Session()
        _ = try run("set W=[[1.1,0],[0,0.9]]", in: &session)
        #expect(session.settings.n == 2)
        #expect(throws: ShellError.self) { try run("set n=4", in: &session) }
        _ = try run("set init=gaussian n=4", in: &session)
        #expect(session.settings.n == 4)
    }

    @Test func resetRestoresDefaults() throws {
        var session = Session()
        _ = try run("set rho=2 n=3; seed 9; clip norm 1; reset", in: &session)
        #expect(session.settings == Settings())
        #expect(session.clipRule == .none)
    }

    @Test func powerIsBoundedByWork() {
        var session = Session()
        #expect(throws: ShellError("power 1000 at n=512 is too much work (K·n³ must stay under 4e+09); use K ≤ 29")) {
            try run("set n=512; power 1000", in: &session)
        }
    }
}

@Suite struct SpectrumAndBPTTCommandTests {
    @Test func eigOfARotationIsAConjugatePairOnTheUnitCircle() throws {
        var session = Session()
        let json = try run("set W=[[0,-1],[1,0]]; eig", in: &session)[1].json
        #expect(tensors(json["eigenvalues"]) == [[0, 1], [0, -1]])
        #expect(number(json["spectral_radius"]) == 1)
        #expect(numbers(json["singular_values"]) == [1, 1])
    }

    @Test func powerNormsOfADiagonalMatrixArePowersOfItsLargestEntry() throws {
        var session = Session()
        let json = try run("set W=[[0.5,0],[0,2]]; power 5", in: &session)[1].json
        #expect(numbers(json["norms"]) == [2, 4, 8, 16, 32])
        #expect(numbers(json["rho_powers"]) == [2, 4, 8, 16, 32])
    }

    @Test func bpttJSONCarriesEverythingToRecomputeIt() throws {
        var session = Session()
        let json = try run("set rho=1.2 T=40 act=linear; bptt", in: &session)[1].json
        #expect(numbers(json["delta_norms"]).count == 41)
        #expect(numbers(json["jacobian_norms"]).count == 41)
        #expect(numbers(json["jacobian_norms"]).last == 1)
        #expect(tensors(json["inputs"]).count == 40)
        guard case .object(let model)? = json["model"] else { Issue.record("no model"); return }
        #expect(model.map(\.0) == ["activation", "W", "U", "b", "V", "c", "h0"])
        guard case .object(let grads)? = json["grads"] else { Issue.record("no grads"); return }
        #expect(grads.map(\.0) == ["W", "U", "b", "V", "c"])
        // Linear and ρ = 1.2: the error grows on its way back.
        let deltas = numbers(json["delta_norms"])
        #expect(deltas[0] > 100 * deltas[40])
        // The reported gradient norm is the global 2-norm of the reported gradients.
        let flat = grads.flatMap { _, value -> [Double] in
            if case .array(let items) = value, case .array = items.first { return tensors(value).flatMap { $0 } }
            return numbers(value)
        }
        #expect(abs(number(json["grad_norm"])! - VectorNorm.of(flat)) <= 1e-12 * number(json["grad_norm"])!)
    }

    @Test func calculatorReadsSettings() throws {
        var session = Session()
        let json = try run("set rho=1.2 T=40; = rho^T", in: &session)[1].json
        #expect(abs(number(json["value"])! - pow(1.2, 40)) < 1e-9 * pow(1.2, 40))
    }

    @Test func helpCoversEveryCommand() throws {
        var session = Session()
        for spec in Commands.all {
            let report = try run("help \(spec.name)", in: &session)[0]
            #expect(report.json["usage"] == .string(spec.usage))
        }
    }
}

@Suite struct CompletionTests {
    @Test(arguments: [
        ("bp", "tt "), ("", ""), ("set r", "ho="), ("set act=li", "near "), ("set rho=1.2 T", "="),
        ("clip n", "o"), ("clip no", ""), ("clip nor", "m "), ("help bp", "tt "), ("show; bp", "tt "),
    ])
    func tabCompletesFromTheRegistry(_ before: String, _ insert: String) {
        #expect(TabCompletion.complete(before).insert == insert)
    }

    /// Learners pressed Tab after train clip=no, metric=, and a file name after load: nothing came.
    @Test(arguments: [
        ("train clip=non", "e "), ("train clip=nor", "m:"), ("compare clip=none,val", "ue:"),
        ("sweep rho=0.5..1.5:20 metric=final", "_loss "), ("train act=re", "lu "), ("train task=ad", "ding "),
    ])
    func tabCompletesTheValuesOfKeys(_ before: String, _ insert: String) {
        #expect(TabCompletion.complete(before).insert == insert)
    }

    @Test func tabCompletesFileNamesAfterLoadAndTranscript() throws {
        let directory = folder("complete")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/my-lessons", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/notes-monday.md"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/.hidden"))
        #expect(TabCompletion.complete("load \(directory)/my").insert == "-lessons/")
        #expect(TabCompletion.complete("transcript \(directory)/no").insert == "tes-monday.md ")
        let listed = TabCompletion.complete("load \(directory)/")
        #expect(listed.insert == "" && listed.candidates == ["my-lessons/  notes-monday.md"])
        #expect(TabCompletion.complete("load \(directory)/.h").insert == "idden ")
        #expect(TabCompletion.complete("load \(directory)/nothing-here").insert == "")
    }

    @Test func ambiguousPrefixesListTheCandidates() {
        #expect(TabCompletion.complete("se").candidates == ["set  seed"])
        #expect(TabCompletion.complete("clip no").candidates == ["none  norm"])
    }
}

@Suite struct NonFiniteTests {
    @Test func clipAcceptsNaNAndInfinityInVectorsAndWarns() throws {
        var session = Session()
        let nan = try run("clip norm 1 [nan, 1]", in: &session)[0]
        #expect(nan.json["scale"] == .number(1))
        #expect(nan.blocks.contains { if case .warning(let w) = $0 { w.contains("NaN passes straight through") } else { false } })
        let inf = try run("clip norm 1 [inf, 1]", in: &session)[0]
        #expect(inf.json["scale"] == .number(0))
        #expect(tensors(inf.json["output"])[0][1] == 0 && tensors(inf.json["output"])[0][0].isNaN)
        #expect(throws: ShellError.self) { try run("set rho=inf", in: &session) }
    }

    @Test func eachStyleSaysWhatItDidWithNaNInfAndOverflow() throws {
        var session = Session()
        // tf: scale = where(is_finite(use_norm), …, NaN) — everything NaN.
        let tf = try run("clip norm 1 style=tf [nan, 1]", in: &session)[0]
        #expect(tensors(tf.json["output"])[0].allSatisfy { $0.isNaN })
        #expect(tf.json["warnings"] != nil)
        #expect(tf.blocks.contains { if case .warning(let w) = $0 { w.contains("TensorFlow") } else { false } })
        // torch: 1e200² overflows, total_norm = ∞, clip_coef = 0 — the gradient is zeroed.
        let torch = try run("clip norm 1 style=torch [1e200, 1]", in: &session)[0]
        #expect(tensors(torch.json["output"]) == [[0, 0]])
        #expect(torch.blocks.contains { if case .warning(let w) = $0 { w.contains("overflowed") } else { false } })
        // gradlab: the same vector has a finite norm, 1e200, and is scaled to norm 1.
        let gradlab = try run("clip norm 1 [1e200, 1]", in: &session)[0]
        #expect(tensors(gradlab.json["output"])[0][0] == 1)
        #expect(gradlab.json["warnings"] == nil)
        // tensor: the NaN poisons its own tensor only.
        let tensor = try run("clip tensor 1 [nan, 1] [3, 4]", in: &session)[0]
        #expect(tensors(tensor.json["output"])[0].allSatisfy { $0.isNaN })
        #expect(tensors(tensor.json["output"])[1] == [0.6, 0.8])
        #expect(tensor.blocks.contains { if case .warning(let w) = $0 { w.hasPrefix("tensor 1 holds a NaN") } else { false } })
    }

    @Test func aForwardOverflowIsNamedAsSuch() throws {
        var session = Session()
        let report = try run("set rho=3 act=linear T=1000; bptt", in: &session)[1]
        #expect(number(report.json["loss"])!.isNaN)
        #expect(report.blocks.contains { if case .warning(let w) = $0 { w.hasPrefix("the forward pass overflowed") } else { false } })
    }
}

@Suite struct TrainingCommandTests {
    @Test func trainReportsTheRunAndLeavesTheSettingsAlone() throws {
        var session = Session()
        let before = session.settings
        let json = try run("train task=adding T=10 steps=20 batch=4 lr=0.1 clip=norm:1", in: &session)[0].json
        #expect(session.settings == before)
        #expect(numbers(json["losses"]).count == 20)
        #expect(json["end"] == .string("completed"))
        #expect(json["clip"]?["mode"] == .string("norm"))
    }

    @Test func compareUsesTheSameStartForEveryRule() throws {
        var session = Session()
        let json = try run("compare clip=none,norm:0.5 task=adding T=10 steps=10 batch=4 lr=0.1", in: &session)[0].json
        guard case .array(let runs)? = json["runs"], runs.count == 2 else { Issue.record("no runs"); return }
        #expect(numbers(runs[0]["losses"]).first == numbers(runs[1]["losses"]).first)
    }

    @Test func sweepMatchesADirectLoopOverTheSameGrid() throws {
        var session = Session()
        let json = try run("sweep rho=0.5..1.5:5 T=5,10,20 act=linear", in: &session)[0].json
        guard case .array(let rows)? = json["values"] else { Issue.record("no values"); return }
        for (r, rho) in [0.5, 0.75, 1.0, 1.25, 1.5].enumerated() {
            for (c, T) in [5, 10, 20].enumerated() {
                var direct = Session()
                _ = try run("set rho=\(rho) T=\(T) act=linear", in: &direct)
                let expected = bptt(try direct.model(), direct.sample).deltaNorms[0]
                #expect(numbers(rows[r])[c] == expected)
            }
        }
    }

    @Test(arguments: ["sweep lr=0.05..2:6:log clip=none,norm:1 task=adding T=10 steps=15 batch=4 metric=final_loss",
                      "compare clip=none,norm:1,value:0.1 task=adding T=10 steps=15 batch=4 lr=1"])
    func numbersAreTheSameOnOneThreadAndOnAll(_ line: String) throws {
        var parallel = Session(), serial = Session()
        serial.runtime.serial = true
        let all = try run(line, in: &parallel)[0].json, one = try run(line, in: &serial)[0].json
        #expect(all["values"] == one["values"] && all["runs"] == one["runs"])
        #expect(all["values"] != nil || all["runs"] != nil)
    }

    @Test func cliffThrowsPlainDescentOffAndKeepsClippedDescentOnTheMap() throws {
        var session = Session()
        let json = try run("cliff", in: &session)[0].json
        guard case .array(let paths)? = json["paths"], paths.count == 2 else { Issue.record("no paths"); return }
        let plain = tensors(paths[0]["points"]), clipped = tensors(paths[1]["points"])
        #expect(plain.contains { $0[0] < 2 || $0[0] > 8 || $0[1] < -5 || $0[1] > 0 })
        #expect(clipped.allSatisfy { (2...8).contains($0[0]) && (-5...0).contains($0[1]) })
    }

    @Test(arguments: [
        ("train steps=0", "steps must be from 1 to 100000, not 0"),
        ("train lr=-1", "lr must be from 0 to 1000, not -1"),
        ("train clip=norm", "'norm' needs a threshold τ after a colon, like norm:1"),
        ("train foo=1", "unknown setting 'foo'; help settings lists them all"),
        ("train steps=100000 n=512 T=10000", "that is too much work (2.627e+14 multiply-adds, over the limit of 2e+11); lower steps, batch, T or n, or use fewer points"),
        ("compare lr=1", "compare needs the rules to compare, like compare clip=none,norm:1"),
        ("sweep", "sweep needs a KEY=RANGE to sweep, like rho=0.8..1.4:25"),
        ("sweep rho=1..2", "rho=1..2 is not a range; write a..b:N (N values) or a..b:N:log, like rho=0.8..1.4:25"),
        ("sweep rho=0..2:5:log", "a :log range needs positive ends, but rho runs from 0 to 2"),
        ("sweep rho=1..2:5 metric=speed", "unknown metric 'speed'; metrics: delta0, delta_ratio, grad_norm, loss, rho_w, zeros, raw_norm, clipped_norm, cosine, clipped, final_loss, diverged, diverged_at, clip_rate, max_norm"),
        ("sweep rho=1..2:70 T=1..100:70", "that is 4900 points; the limit is 3600 (60×60) for two keys"),
        ("task order T=5", "the order task needs T ≥ 10, but T is 5"),
        ("task sorting", "task must be one of regress, adding, order, memory, not 'sorting'"),
        ("optim adamw", "optim must be one of sgd, adagrad, adam, not 'adamw' — did you mean 'adam'?"),
        ("cliff lr=2000", "lr must be from 0 to 1000, not 2000"),
        ("cliff wrange=3..1", "wrange must run from a smaller to a larger number, at most 1000 apart"),
    ])
    func badInputIsOneSentence(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
    }
}
