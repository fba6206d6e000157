import Render
import Simulator

extension Commands {
    static let live = CommandSpec(
        name: "live", usage: "live [bptt|clip|train|cliff] [--keys \"KEYS\"]",
        summary: "a full-screen view: turn the knobs and watch the gradients move",
        details: [
            .paragraph("Opens a view on the whole terminal that is drawn again at every key. The views:"),
            .rows(LiveView.allCases.map { ($0.rawValue, $0.summary) }),
            .paragraph("Keys: Tab or ↑↓ choose a setting; ←→ nudge it, with Shift ten times as far; digits (or ., outside the train view) type a value, which Enter sets and Esc drops; Space plays and pauses training, . steps once; r goes back to the settings live started with; ? shows the keys; q, Esc or Ctrl-C go back to the prompt. The settings live changed stay the session's (a view's own knobs, such as g1, w and speed, are its alone), a line says what changed, and the last frame stays on the screen; its measurements (bptt's delta[t] and jac[t], train's final_loss and clip_rate, cliff's) are the results expressions and lessons read."),
            .paragraph("--keys \"…\" replays keys without a terminal and prints the last frame: key names (up, down, left, right, S-left, S-right, tab, S-tab, space, enter, esc, C-c, wait: a tenth of a second of play), or characters typed. Lessons use it."),
            .rows([
                ("live bptt", "ρ on ←→: watch the error at t = 0 cross 10⁶"),
                ("live bptt --keys \"right right right q\"", "ρ up by 0.03, then the frame"),
                ("live train --keys \"space wait wait S-right wait q\"", "train, raise lr mid-run, train on"),
            ]),
        ],
        argumentWords: { LiveView.allCases.map(\.rawValue) + ["--keys"] }
    ) { session, call throws(ShellError) in
        var words = call.words
        var script: String?
        if let at = words.firstIndex(of: "--keys") {
            guard at + 1 < words.count else { throw ShellError("--keys needs the keys after it, in quotes: live bptt --keys \"right right q\"") }
            script = unquoted(words[at + 1])
            words.removeSubrange(at...(at + 1))
        }
        guard words.count <= 1 else { throw ShellError("live takes one view, but got '\(words[1])'; see help live") }
        let names = LiveView.allCases.map(\.rawValue)
        let view = try words.first.map { word throws(ShellError) in
            guard let view = LiveView(rawValue: word.lowercased()) else {
                throw ShellError("live has no view '\(word)'\(Suggest.didYouMean(word, among: names, otherwise: "the views are \(names.joined(separator: ", "))"))")
            }
            return view
        } ?? .bptt
        let runner = session.runtime.live
        if script == nil && runner == nil {
            throw ShellError("live needs a terminal on standard input and output, and this is not one; live \(view.rawValue) --keys \"…\" replays keys without one")
        }
        var state = try LiveState.start(view, in: session, threaded: script == nil)
        if let script {
            for key in KeyScript.parse(script) {
                state.press(key)
                if state.finished { break }
            }
        } else if let runner {
            state = runner(state)
        }
        return try leave(state, &session)
    }

    /// The settings and results live leaves behind, and what it says: what changed, and its last frame.
    static func leave(_ state: LiveState, _ session: inout Session) throws(ShellError) -> Report {
        session.settings = state.now.settings
        session.clipRule = state.now.rule
        let settings = session.settings, rule = session.clipRule
        switch state.measured {
        case .bptt(let m)?:
            session.results.bptt = Measured(value: BPTTMeasurement(m.result), provenance: session.provenance(m.settings, clip: rule))
        case .cliff(let m)?:
            session.results.cliff = Measured(value: m.landscape.measurement, provenance: session.provenance(settings, clip: m.landscape.rule))
        case .clip?, nil:
            break
        }
        if let training = state.training {
            training.playing = false
            if let run = training.run, !run.records.isEmpty {
                // The run's last lr and rule are the settings now; it ran under them from its last change on.
                session.results.train = Measured(value: TrainMeasurement(run), provenance: session.provenance(settings, clip: rule))
            }
        }
        return Report(command: "live", LiveOutcome(view: state.view, changes: state.changes, screen: state.screen(rows: state.rows, columns: state.columns),
                                                   settings: settings, clip: rule, steps: state.training?.snapshot.records.count))
    }
}

/// What `live` leaves on the screen: its last frame, and one line on what changed.
struct LiveOutcome: Presentation {
    let view: LiveView
    let changes: [LiveChange]
    let screen: Screen
    let settings: Settings
    let clip: ClipRule
    /// Training steps the train view ran.
    let steps: Int?

    var blocks: [Block] {
        func listed(_ changes: [LiveChange]) -> String {
            changes.map { "\($0.name) \($0.before) → \($0.after)" }.joined(separator: ", ")
        }
        let kept = changes.filter(\.kept), viewOnly = changes.filter { !$0.kept }
        var summary = kept.isEmpty ? "live \(view.rawValue): no setting changed" : "live \(view.rawValue) changed " + listed(kept)
        if !viewOnly.isEmpty { summary += "; in the view only: " + listed(viewOnly) }
        if let steps { summary += "; \(steps) training step\(steps == 1 ? "" : "s")" }
        return [.screen(screen), .text(summary)]
    }

    var fields: [(String, JSON)] {
        [("view", .string(view.rawValue)),
         ("changed", .array(changes.map { .object([("key", .string($0.name)), ("before", .string($0.before)), ("after", .string($0.after)),
                                                   ("kept", .bool($0.kept))]) }))]
            + (steps.map { [("steps", JSON.integer($0))] } ?? [])
            + Commands.settingsFields(settings, clip: clip)
    }
}
