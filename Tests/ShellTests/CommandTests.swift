import Foundation
import Simulator
import Testing
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

    @Test(arguments: [
        ("clip norm 0 [1]", "the clipping threshold must be greater than 0, not 0.0"),
        ("clip norm -1", "the clipping threshold must be greater than 0, not -1.0"),
        ("clip value nan [1]", "the threshold τ must be a number like 1.2 or 1e-3, not 'nan'"),
        ("clip norm", "clip norm needs a threshold τ, like clip norm 1"),
        ("clip nrom 1", "unknown clipping mode 'nrom' — did you mean 'norm'?"),
        ("clip value 1 p=2 [1]", "p= chooses the norm of norm clipping; it does not apply to clip value"),
        ("clip norm 1 p=3 [1]", "p must be 1, 2 or inf, not '3'"),
        ("clip norm 1 6,8", "unexpected '6,8' after clip norm: vectors are written in brackets, like [6,8]"),
    ])
    func badClipInputIsOneSentence(_ line: String, _ message: String) {
        var session = Session()
        #expect(throws: ShellError(message)) { try run(line, in: &session) }
    }

    @Test func nonFiniteGradientsAreNotHidden() {
        let nan = Clipper.clip([[1, .nan]], rule: .norm(threshold: 1, order: .two))
        #expect(nan.nonFiniteWarning != nil)
        let inf = Clipper.clip([[1, .infinity]], rule: .norm(threshold: 1, order: .two))
        #expect(inf.nonFiniteWarning != nil)
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
        ("set", "set needs KEY=VALUE, like set rho=1.2 T=60; settings: n, T, act, init, rho, W"),
        ("set rh=1", "unknown setting 'rh' — did you mean 'rho'?"),
        ("set t=5", "unknown setting 't' — did you mean 'T'?"),
        ("set rho", "'rho' is not KEY=VALUE; write it like rho=1.2"),
        ("set rho=", "rho= needs a value: a number from 0 to 100, or none to keep W as drawn"),
        ("set n=100000", "n must be from 1 to 512, not 100000"),
        ("set n=2.5", "n must be a whole number, not '2.5'"),
        ("set act=tahn", "act must be one of tanh, linear, relu, sigmoid, not 'tahn' — did you mean 'tanh'?"),
        ("set seed=3", "the seed has a command of its own: seed N"),
        ("set W=[[1,2],[3]]", "W is ragged: row 2 has 1 entries but row 1 has 2"),
        ("set W=[[1,2,3],[4,5,6]]", "W must be square, but [[…]] has 2 rows of 3 entries"),
        ("set W=[[0,1],[0,0]] rho=1", "ρ(W) is 0 (every eigenvalue is zero), so W cannot be rescaled to rho=1.0; choose another init or W, or unset rho with rho=none"),
        ("seed -1", "the seed must be a whole number from 0 to 9007199254740991, not '-1'"),
        ("bpt", "unknown command 'bpt' — did you mean 'bptt'?"),
        ("eig now", "eig takes no arguments, but got 'now'; see help eig"),
        ("power 0", "K must be from 1 to 1000, not 0"),
        ("show colour", "unknown setting 'colour'; settings: n, T, act, init, rho, W"),
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

    @Test func everyCalculatorNameHasAValue() throws {
        var session = Session()
        _ = try run("clip norm 1", in: &session)
        for (name, _) in SessionNames.descriptions {
            let report = try run("= \(name)", in: &session)[0]
            #expect(number(report.json["value"]) != nil, "\(name)")
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

    @Test func aForwardOverflowIsNamedAsSuch() throws {
        var session = Session()
        let report = try run("set rho=3 act=linear T=1000; bptt", in: &session)[1]
        #expect(number(report.json["loss"])!.isNaN)
        #expect(report.blocks.contains { if case .warning(let w) = $0 { w.hasPrefix("the forward pass overflowed") } else { false } })
    }
}
