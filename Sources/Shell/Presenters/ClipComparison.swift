import Render
import Simulator

/// Training runs from the same weights and batches, one per clipping rule, as `compare` shows them.
struct ClipComparison: Presentation {
    let rules: [ClipRule]
    /// One run per rule, in the same order.
    let runs: [TrainingRun]
    /// The settings every run used: the session's, with the KEY=VALUE given.
    let settings: Settings
    let task: TrainingTask

    var blocks: [Block] {
        let rows: [[Cell]] = zip(rules, runs).map { rule, run in
            [.text(Commands.describe(rule)), .number(run.finalLoss), .text(run.firstNonFiniteStep.map(String.init) ?? "—"),
             .number(run.maxNorm), .text(TrainingWording.percent(run.clipRate)), .text(TrainingWording.outcome(run, task: task))]
        }
        var blocks: [Block] = [
            .title("compare on " + TrainingWording.runDescription(settings, task: task)),
            .table(Table(columns: [.init("clip", numeric: false), .init("final loss"), .init("diverged at"), .init("max ‖g‖₂"), .init("clipped"), .init("verdict", numeric: false)], rows: rows)),
        ]
        let longest = runs.map(\.records.count).max() ?? 0
        blocks.append(.lineChart(LineChart(
            title: "loss per step", xName: "step", x: (1...max(1, longest)).map(Double.init),
            series: zip(rules, runs).map { LineChart.Series("clip " + Commands.describe($0), $1.losses) }, yScale: .log10)))
        blocks.append(.note((task.trivialLoss.map { "a predictor that ignores the input reaches \(NumberFormat.short($0)); " } ?? "") + "every run started from the same weights and saw the same batches"))
        if runs.contains(where: { if case .interrupted = $0.end { true } else { false } }) {
            blocks.append(.warning("interrupted: the rows show the steps computed before Ctrl-C"))
        }
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("settings", Commands.settingsJSON(settings)),
            ("runs", .array(zip(rules, runs).map { rule, run in .object([("clip", Commands.clipJSON(rule))] + TrainingWording.runFields(run, task: task)) })),
        ]
    }
}
