import Foundation
import Simulator
import Testing
@testable import Render
@testable import Shell

/// Issue 18: live's keys, its knobs, its views and what it leaves behind, without a terminal.
@Suite struct LiveKeyTests {
    func decoded(_ text: String) -> [LiveKey] {
        var decoder = KeyDecoder()
        return decoder.feed(Array(text.utf8)) + decoder.flush()
    }

    @Test func arrowsShiftArrowsTabAndCharacters() {
        #expect(decoded("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up, .down, .right, .left])
        #expect(decoded("\u{1B}[1;2C\u{1B}[1;2D") == [.shiftRight, .shiftLeft])
        #expect(decoded("\u{1B}OC") == [.right], "application cursor mode")
        #expect(decoded("\t\u{1B}[Z \r\u{7F}\u{3}") == [.tab, .backTab, .space, .enter, .backspace, .interrupt])
        #expect(decoded("q.r?1") == [.character("q"), .character("."), .character("r"), .character("?"), .character("1")])
        #expect(decoded("\u{1B}[5~") == [], "a key live does not use is dropped whole")
    }

    @Test func escapeAloneIsEscapeOnlyOnceNothingFollowsIt() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.isWaiting)
        #expect(decoder.feed(Array("[C".utf8)) == [.right], "a sequence split between two reads")
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.flush() == [.escape])
        #expect(!decoder.isWaiting)
        #expect(decoder.feed([0x1B, 0x1B]) == [.escape], "Esc twice: the first is Esc")
        #expect(decoder.flush() == [.escape])
    }

    @Test func utf8CharactersArriveWhole() {
        var decoder = KeyDecoder()
        let bytes = Array("ρ".utf8)
        #expect(decoder.feed([bytes[0]]) == [])
        #expect(decoder.feed([bytes[1]]) == [.character("ρ")])
    }

    @Test func aKeyScriptNamesKeysAndTypesTheRest() {
        #expect(KeyScript.parse("right S-right → tab S-tab space enter esc C-c wait 1.25 q")
                == [.right, .shiftRight, .right, .tab, .backTab, .space, .enter, .escape, .interrupt, .wait,
                    .character("1"), .character("."), .character("2"), .character("5"), .character("q")])
    }
}

@Suite struct LiveStateTests {
    func start(_ view: LiveView, _ setup: String = "") throws -> LiveState {
        var session = Session()
        if !setup.isEmpty { _ = try run(setup, in: &session) }
        return try LiveState.start(view, in: session, threaded: false)
    }

    @Test func arrowsNudgeTheChosenSettingAndShiftNudgesTenTimesAsFar() throws {
        var state = try start(.bptt, "set rho=1.1")
        state.press(.right)
        #expect(state.now.settings.rho == 1.11)
        state.press(.shiftRight)
        #expect(state.now.settings.rho == 1.21)
        state.press(.tab)  // T
        state.press(.left)
        #expect(state.now.settings.T == 39)
        state.press(.shiftRight)
        #expect(state.now.settings.T == 49)
        state.press(.tab)  // act: a choice
        state.press(.right)
        #expect(state.now.settings.act != .tanh)
        state.press(.up)
        state.press(.up)
        #expect(state.knobs[state.focus].name == "rho", "↑ goes back, around")
    }

    @Test func aValueTypedIsSetOnEnterAndItsKeyRefusesOneOutOfBounds() throws {
        var state = try start(.bptt)
        state.press(.tab)  // T
        for key in KeyScript.parse("120 enter") { state.press(key) }
        #expect(state.now.settings.T == 120)
        for key in KeyScript.parse("0 enter") { state.press(key) }
        #expect(state.now.settings.T == 120, "T=0 refused")
        #expect(state.message == "T must be from 1 to 10000, not 0", "set's own sentence")
        for key in KeyScript.parse("7 esc") { state.press(key) }
        #expect(state.now.settings.T == 120 && state.typing == nil && !state.finished, "Esc drops what was typed")
        for key in KeyScript.parse("1.5 enter") { state.press(key) }
        #expect(state.now.settings.T == 120)
        #expect(state.message?.hasPrefix("T must be a whole number") == true)
    }

    @Test func rGoesBackAndQEscAndCtrlCLeave() throws {
        for leave in [LiveKey.character("q"), .escape, .interrupt] {
            var state = try start(.bptt, "set rho=1.1")
            state.press(.right)
            state.press(.character("r"))
            #expect(state.now.settings.rho == 1.1)
            state.press(leave)
            #expect(state.finished)
        }
    }

    @Test func theClipViewDrawsTheThreeRules() throws {
        var state = try start(.clip)
        guard case .clip(let m)? = state.measured else { Issue.record("no measurement"); return }
        #expect(m.outcomes.map(\.name) == ["norm", "value", "tensor"])
        // g = (3, 1), the other tensors ‖·‖ = 2, τ = 1: norm clipping scales by 1/‖(3, 1, 2)‖.
        #expect(abs(m.outcomes[0].clipped[0] - 3 / 14.0.squareRoot()) < 1e-12)
        #expect(m.outcomes[1].clipped == [1, 1])
        #expect(abs(hypot(m.outcomes[2].clipped[0], m.outcomes[2].clipped[1]) - 1) < 1e-12)
        #expect(abs(m.outcomes[0].cosine - 1) < 1e-12 && m.outcomes[1].cosine < 0.9)
        state.press(.tab)
        state.press(.tab)  // τ
        state.press(.shiftRight)
        #expect(abs(state.now.tau - 9.313) < 1e-9)
    }

    @Test func trainingCarriesOnWhenLrAndTauChangeMidRun() throws {
        var state = try start(.train, "task adding T=20; set n=8 batch=4; clip norm 1")
        let training = try #require(state.training)
        state.press(.space)
        #expect(state.playing)
        for _ in 0..<3 { state.press(.wait) }  // 10 steps each at 100 steps a second
        #expect(training.snapshot.records.count == 30)
        state.press(.shiftRight)  // lr ×9.3
        state.press(.tab)
        state.press(.right)  // τ ×1.25
        state.press(.wait)
        let snapshot = training.snapshot
        #expect(snapshot.records.count == 40, "the same run went on")
        #expect(state.training === training)
        #expect(abs(snapshot.config.optimizer.learningRate - 0.9313) < 1e-12)
        #expect(snapshot.config.clip == .norm(threshold: 1.25))
        #expect(snapshot.changes == [31])
        state.press(.space)
        state.press(.character("."))
        #expect(training.snapshot.records.count == 41)
        state.press(.character("r"))
        #expect(state.training !== training, "r starts a new run")
    }

    @Test func everyViewsFrameFitsAnEightyColumnTerminal() throws {
        for view in LiveView.allCases {
            let state = try start(view)
            let lines = TextRenderer(style: OutputStyle(color: true, unicode: true, width: 80)).lines(state.screen(rows: 24, columns: 80))
            #expect(lines.count <= 24)
            #expect(lines.allSatisfy { VisibleText.width($0) <= 80 }, "\(view)")
            #expect(lines.last?.contains("q back") == true || lines.suffix(2).joined().contains("back"), "\(view): the status line stays")
        }
    }
}

extension LiveStateTests {
    @Test func withAsciiEveryFrameIsPlainASCIIAndWithoutColourHasNoEscapes() throws {
        for view in LiveView.allCases {
            var state = try start(view)
            state.press(.space)
            state.press(.wait)
            let lines = TextRenderer(style: OutputStyle(color: false, unicode: false, width: 100)).lines(state.screen(rows: 35, columns: 100))
            #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(view)")
            #expect(!lines.joined().contains("\u{1B}"), "\(view)")
        }
    }
}

@Suite struct LiveCommandTests {
    @Test func withoutATerminalOrKeysLiveRefusesInOneSentence() {
        var session = Session()
        #expect(throws: ShellError("live needs a terminal on standard input and output, and this is not one; live bptt --keys \"…\" replays keys without one")) {
            _ = try run("live", in: &session)
        }
        #expect(throws: ShellError("live has no view 'bpt' — did you mean 'bptt'?")) { _ = try run("live bpt --keys \"q\"", in: &session) }
        #expect(session.results.bptt == nil)
    }

    @Test func keysReplayAndTheSessionKeepsTheSettingsAndACurrentResult() throws {
        var session = Session()
        let report = try run("set act=linear rho=1.2; live bptt --keys \"right right right right q\"", in: &session)[1]
        #expect(session.settings.rho == 1.24)
        let bptt = try #require(session.results.bptt)
        #expect(bptt.value.deltaNorms[0] > 1e6)
        #expect(bptt.provenance.changes(for: .bptt, now: session.settings, clip: session.clipRule).isEmpty, "current, not stale")
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(report)
        #expect(text.contains("live bptt · T=40") && text.contains("λ of W"))
        #expect(text.hasSuffix("live bptt changed rho 1.2 → 1.24\n"))
        #expect(session.results.ran.contains("live"))
    }

    @Test func theInteractiveRunnerGetsTheStateAndItsSettingsStay() throws {
        var session = Session()
        session.runtime.live = { state in
            var state = state
            for key in KeyScript.parse("tab 60 enter q") { state.press(key) }
            return state
        }
        _ = try run("live", in: &session)
        #expect(session.settings.T == 60)
    }

    @Test func trainAndCliffLeaveTheirResults() throws {
        var session = Session()
        _ = try run("task memory T=10; live train --keys \"space wait wait q\"", in: &session)
        #expect(session.results.train?.value.finalLoss.isFinite == true)
        _ = try run("live cliff --keys \"S-right q\"", in: &session)
        let cliff = try #require(session.results.cliff)
        #expect(cliff.value.plain.largestStep > cliff.value.clipped.largestStep)
    }

    /// From a learner's walkthrough: a step asked for after the run ended kept nothing of it.
    @Test func aStepAskedForAfterTheRunEndedKeepsTheRun() throws {
        var session = Session()
        _ = try run("set rho=1.24 act=linear; live train --keys \". . . q\"", in: &session)
        let train = try #require(session.results.train)
        #expect(train.value.diverged)
    }

    /// From a learner's walkthrough: .05 typed into a knob is 0.05 (outside the train view, where . steps).
    @Test func aValueMayStartWithItsPoint() throws {
        var session = Session()
        _ = try run("live bptt --keys \". 5 enter q\"", in: &session)
        #expect(session.settings.rho == 0.5)
    }

    /// A live pass that does not complete a lesson's task says so, as a bptt would.
    @Test func aNearMissInLiveIsMetWithNotYet() throws {
        let path = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Lessons/03-bptt.toml").path
        let (lessons, problems) = LessonCheck.load(path)
        #expect(problems.isEmpty)
        let harness = Harness(lessons: lessons)
        let started = harness.type("lesson bptt", "goto 4")
        #expect(harness.step == 4, "\(started.suffix(300))")
        let past = harness.type("live bptt --keys \"right right right right right right right right q\"")
        #expect(Harness.flat(past).contains("Not yet: this live did not complete the step."), "\(past.suffix(300))")
        let found = harness.type("live bptt --keys \"left left left left q\"")
        #expect(found.contains("✓ Done."), "\(found.suffix(300))")
    }

    @Test func aLessonMayReplayKeysButNotTakeTheTerminalOver() throws {
        #expect(LessonRunner.refused(try LineSplitter.split("live bptt")[0]) != nil)
        #expect(LessonRunner.refused(try LineSplitter.split("live bptt --keys \"q\"")[0]) == nil)
        #expect(LessonRunner.refused(try LineSplitter.split("bptt")[0]) == nil)
    }
}
