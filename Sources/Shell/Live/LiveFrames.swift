import Foundation
import Render
import Simulator

/// The frames of `live`: each view's numbers as blocks, laid out in panels for a screen `rows` high.
extension LiveState {
    /// The frame for a terminal of `rows` rows and `columns` columns (charts take the rows the
    /// rest leaves them), cropped to `rows` lines.
    public func screen(rows: Int, columns: Int) -> Screen {
        let header = Screen.Band([Screen.Panel([.title(title)])])
        let footer = Screen.Band([Screen.Panel([statusBlock])])
        var bands: [Screen.Band] = [header]
        if let failure {
            bands.append(Screen.Band([Screen.Panel([.warning(failure)])]))
            bands.append(Screen.Band([Screen.Panel(knobBlocks)]))
        } else if showingKeys {
            bands.append(Screen.Band([Screen.Panel(keysHelp)]))
        } else {
            bands += viewBands(rows: rows, columns: columns)
        }
        bands.append(footer)
        return Screen(bands: bands, height: rows)
    }

    var title: String {
        switch measured {
        case .bptt(let m)?:
            let s = m.settings
            let cell = s.cell == .rnn ? "act=\(s.act.rawValue)" : "cell=\(s.cell.rawValue)"
            return "live bptt · T=\(s.T) · n=\(s.n) · \(cell) · \(m.spectrum.rhoName)=\(NumberFormat.short(m.spectrum.rho)) · \(m.spectrum.sigmaName)=\(NumberFormat.short(m.spectrum.sigma)) · seed \(s.seed)"
        case .clip?:
            return "live clip · g = (g1, g2), one tensor; the model's other tensors have ‖·‖₂ = \(NumberFormat.short(now.others)) · τ = \(NumberFormat.short(now.tau))"
        case .cliff?:
            return "live cliff · Pascanu's cliff, x_t = w·σ(x_{t−1}) + b · start w=\(NumberFormat.short(now.cliffW)), b=\(NumberFormat.short(now.cliffB)) · lr \(NumberFormat.short(now.cliffLR)) · clip \(Commands.describe(now.cliffRule))"
        case nil:
            let s = now.settings
            return "live \(view.rawValue) · \(s.task.rawValue) · T=\(s.T) · n=\(s.n) · \(s.optimizer.rawValue) · batch \(Commands.batchSize(s)) · seed \(s.seed)"
        }
    }

    /// The knobs, the chosen one marked, a typed value shown as it is typed; on a terminal 90
    /// columns wide or more, what ←→ do to the chosen one.
    var knobBlocks: [Block] { knobBlocks(hints: columns >= 90) }

    func knobBlocks(hints: Bool) -> [Block] {
        let width = knobs.map(\.name.count).max() ?? 0
        return knobs.enumerated().map { k, knob in
            let chosen = k == focus
            let value = chosen && typing != nil ? "[\(typing!)_]" : knob.value(now)
            let name = knob.name.padding(toLength: width, withPad: " ", startingAt: 0)
            return .text((chosen ? "▶ " : "  ") + name + "  " + value + (chosen && hints ? "   ←→ " + knob.steps : ""))
        }
    }

    var statusBlock: Block {
        if let message { return .warning(message) }
        let play = view == .train ? " · space play · . step" : ""
        return .note("Tab ↑↓ choose · ←→ nudge · 0-9 type\(play) · r reset · ? keys · q back")
    }

    var keysHelp: [Block] {
        [
            .title("Keys of live \(view.rawValue)"),
            .definitions([
                ("Tab, ↓ / Shift-Tab, ↑", "choose the next or the previous setting"),
                ("← →", "nudge it; with Shift, ten times as far"),
                ("0-9 . - e", "type a value for it; Enter sets it, Esc drops it"),
                ("Space", "play or pause training (train)"),
                (".", "one training step (train)"),
                ("r", "back to the settings live started with (train: a new run from fresh weights)"),
                ("?", "these keys; any key goes back"),
                ("q, Esc, Ctrl-C", "back to the prompt, keeping the settings"),
            ]),
            .text(view.summary),
        ] + knobs.map { .note("\($0.name): ←→ \($0.steps)") }
    }

    func viewBands(rows: Int, columns: Int) -> [Screen.Band] {
        // Rows for the charts: what the title, the knobs, the numbers and the status line leave.
        let chartRows = max(5, min(17, rows - 13 - knobs.count))
        switch view {
        case .bptt: return bpttBands(chartRows, columns)
        case .clip: return clipBands(chartRows, columns)
        case .train: return trainBands(rows, columns)
        case .cliff: return cliffBands(chartRows, columns)
        }
    }

    // MARK: - bptt

    func bpttBands(_ chartRows: Int, _ columns: Int) -> [Screen.Band] {
        guard case .bptt(let m)? = measured else { return [] }
        let T = m.settings.T
        var series = [LineChart.Series("‖∂L/∂h_t‖₂", m.result.deltaNorms)]
        if let jac = m.result.jacobianNorms { series.append(LineChart.Series("‖∂h_T/∂h_t‖₂", jac)) }
        let chart = LineChart(title: "the error ‖∂L/∂h_t‖₂ and ‖∂h_T/∂h_t‖₂ over t", xName: "t", x: (0...T).map(Double.init), series: series,
                              yScale: .log10, height: chartRows - 2)
        let plotRows = max(5, min(chartRows - 2, (columns / 3) / 2) | 1)
        let plane = ComplexPlot(title: "λ of W", points: m.eigenvalues, height: plotRows)
        let norms = m.result.deltaNorms
        let growth = m.growthPerStep, rho = m.spectrum.rho
        var numbers: [Block] = [
            .values([("growth per step", .text("×" + NumberFormat.short(growth))), ("ρ(W)", .number(rho)),
                     ("σ_max(W)", .number(m.spectrum.sigma))]),
            .values([("delta[0]", .number(norms[0])), ("delta[T]", .number(norms[T])), ("loss", .number(m.result.loss))]),
        ]
        numbers += BPTTPass.growthSummary(m.result, rho: rho, activation: m.settings.act, cell: m.settings.cell)
        let planeWidth = min(max(24, 2 * plotRows + 8), columns / 3)
        return [
            Screen.Band([Screen.Panel([.lineChart(chart)]), Screen.Panel([.complexPlane(plane)], width: planeWidth)]),
            Screen.Band([Screen.Panel(knobBlocks, width: min(48, columns / 2)), Screen.Panel(numbers)]),
        ]
    }

    // MARK: - clip

    func clipBands(_ chartRows: Int, _ columns: Int) -> [Screen.Band] {
        guard case .clip(let m)? = measured else { return [] }
        let rows = max(7, chartRows | 1)
        let arrows = ArrowPlot(title: "g and what each rule makes of it (τ = \(NumberFormat.short(m.tau)))",
                               arrows: [ArrowPlot.Arrow("g", m.gradient)] + m.outcomes.map { ArrowPlot.Arrow($0.name, $0.clipped) },
                               circle: m.tau, height: rows)
        let table = Table(columns: [.init("rule", numeric: false), .init("g1"), .init("g2"), .init("‖ĝ‖₂"), .init("cosine"), .init("scale")],
                          rows: [[.text("none"), .number(m.gradient[0]), .number(m.gradient[1]), .number(hypot(m.gradient[0], m.gradient[1])),
                                  .number(1), .number(1)]]
                              + m.outcomes.map { o in
                                  let norm = hypot(o.clipped[0], o.clipped[1]), raw = hypot(m.gradient[0], m.gradient[1])
                                  return [.text(o.name + " " + NumberFormat.short(m.tau)), .number(o.clipped[0]), .number(o.clipped[1]),
                                          .number(norm), .number(o.cosine), .number(raw > 0 ? norm / raw : 1)]
                              })
        let notes: [Block] = [
            .values([("‖g‖₂ of this tensor", .number(hypot(m.gradient[0], m.gradient[1]))), ("‖g‖₂ over every tensor", .number(m.globalNorm))]),
            .note("norm clipping scales every tensor by τ/‖g‖ over all of them (the direction kept); tensor clipping scales this one by its own norm; value clipping clamps each component to ±τ, and bends the direction"),
        ]
        return [
            Screen.Band([Screen.Panel([.arrows(arrows)], width: min(columns / 2, 2 * rows + 14)),
                         Screen.Panel([.table(table)] + notes)]),
            Screen.Band([Screen.Panel(knobBlocks)]),
        ]
    }

    // MARK: - train

    func trainBands(_ rows: Int, _ columns: Int) -> [Screen.Band] {
        guard let training else { return [] }
        let snapshot = training.snapshot
        let records = snapshot.records
        let x = records.indices.map { Double($0 + 1) }
        // Each chart's plot: what is left of the screen, halved, once the title, the charts' own
        // lines (title, legend, axis, a note: five each), the knobs and the status line have theirs.
        let half = max(3, min(9, (rows - 17) / 2))
        let loss = LineChart(title: "loss per step", xName: "step", x: x, series: [LineChart.Series("loss", records.map(\.loss))],
                             yScale: .log10, height: half)
        let norms = LineChart(title: "‖g‖₂ before and after clipping", xName: "step", x: x,
                              series: [LineChart.Series("before", records.map(\.preClipNorm)), LineChart.Series("after", records.map(\.postClipNorm))],
                              yScale: .log10, height: half)
        let clipped = records.filter(\.clipped).count
        let config = snapshot.config
        var state = training.playing ? "playing" : "paused"
        switch snapshot.end {
        case .diverged(let step)?: state = "diverged at step \(step) (r starts again)"
        case .gaveUp(let step)?: state = "gave up at step \(step) (r starts again)"
        case .completed?: state = "finished"
        case .interrupted?, nil: break
        }
        if records.isEmpty && snapshot.end == nil && !training.playing { state = "paused: space plays, . takes one step" }
        func last(_ value: Double?) -> Cell { value.map { .number($0) } ?? .text("—") }
        var numbers: [Block] = [
            .values([("step", .integer(records.count)), ("state", .text(state))]),
            .values([("loss", last(records.last?.loss)), ("‖g‖₂", last(records.last?.preClipNorm)),
                     ("clip rate", .text(records.isEmpty ? "—" : String(format: "%.0f%%", 100 * Double(clipped) / Double(records.count))))]),
            .note("the run's lr \(NumberFormat.short(config.optimizer.learningRate)), clip \(Commands.describe(config.clip)) · \(config.optimizer.kind.rawValue)"),
        ]
        if !snapshot.changes.isEmpty {
            numbers.append(.note("lr, τ or the rule changed at step " + snapshot.changes.suffix(6).map(String.init).joined(separator: ", ")
                                 + "; the weights carried on"))
        }
        return [
            Screen.Band([Screen.Panel([.lineChart(loss)])]),
            Screen.Band([Screen.Panel([.lineChart(norms)])]),
            Screen.Band([Screen.Panel(knobBlocks, width: min(48, columns / 2)), Screen.Panel(numbers)]),
        ]
    }

    // MARK: - cliff

    func cliffBands(_ chartRows: Int, _ columns: Int) -> [Screen.Band] {
        guard case .cliff(let m)? = measured else { return [] }
        let blocks = m.landscape.blocks
        // The heatmap and the two summaries; the command's long title is the frame's own.
        let map = blocks.compactMap { block -> Block? in if case .heatmap = block { block } else { nil } }
        let rest = blocks.filter { if case .text = $0 { true } else { false } }
        return [
            Screen.Band([Screen.Panel(map)]),
            Screen.Band([Screen.Panel(knobBlocks, width: min(44, columns / 2)), Screen.Panel(rest)]),
        ]
    }
}
