import Render
import Simulator

/// `compare … seeds=A..B`: each rule trained once per seed (each seed its own starting weights and
/// batches, the same for every rule), summarised as a chaotic run should be: the median final loss,
/// its spread, and how many runs trained, blew up or diverged.
struct SeedComparison: Presentation {
    let rules: [ClipRule]
    let seeds: [UInt64]
    /// `runs[r][k]`: rule r on `seeds[k]`.
    let runs: [[TrainingRun]]
    /// The settings every run shared (its seed is the first of `seeds`).
    let settings: Settings
    let task: TrainingTask

    /// How one run ended, in the four columns of the table.
    enum Ending: String, CaseIterable {
        case trained, blewUp = "blew up", diverged, other
    }

    func ending(_ run: TrainingRun) -> Ending? {
        switch TrainingWording.outcome(run, task: task) {
        case "trained", "loss fell": .trained
        case "blew up": .blewUp
        case "diverged", "went NaN", "skipped NaN steps", "gave up": .diverged
        case "interrupted": nil
        default: .other
        }
    }

    /// The final losses of rule r over the seeds, sorted, a run that went NaN or Inf as +∞.
    func finals(_ r: Int) -> [Double] {
        runs[r].map { $0.finalLoss.isNaN ? .infinity : $0.finalLoss }.sorted()
    }

    /// The loss at each step over the seeds: the median and the quartiles. A run that stopped at a
    /// NaN or Inf counts as +∞ from then on; one stopped by Ctrl-C drops out.
    func perStep(_ r: Int) -> (median: [Double], low: [Double], high: [Double]) {
        let steps = runs[r].map(\.records.count).max() ?? 0
        var median: [Double] = [], low: [Double] = [], high: [Double] = []
        for k in 0..<steps {
            let values = runs[r].compactMap { run -> Double? in
                if k < run.records.count { return run.records[k].loss.isNaN ? .infinity : run.records[k].loss }
                return run.diverged ? .infinity : nil
            }.sorted()
            median.append(Percentile.of(sorted: values, 50))
            low.append(Percentile.of(sorted: values, 25))
            high.append(Percentile.of(sorted: values, 75))
        }
        return (median, low, high)
    }

    var blocks: [Block] {
        let shared = TrainingWording.runDescription(settings, task: task).components(separatedBy: " · ").dropLast().joined(separator: " · ")
        let rows: [[Cell]] = rules.indices.map { r in
            let f = finals(r)
            let counts = Dictionary(grouping: runs[r].compactMap(ending), by: { $0 }).mapValues(\.count)
            return [.text(Commands.describe(rules[r])), .number(Percentile.of(sorted: f, 50)),
                    .text("\(NumberFormat.short(Percentile.of(sorted: f, 25))) … \(NumberFormat.short(Percentile.of(sorted: f, 75)))")]
                + Ending.allCases.map { .integer(counts[$0] ?? 0) }
        }
        let ranges = rules.indices.map { r in "\(Commands.describe(rules[r])) \(NumberFormat.short(finals(r).first ?? .nan)) … \(NumberFormat.short(finals(r).last ?? .nan))" }
        var blocks: [Block] = [
            .title("compare over \(TrainingWording.seeds(seeds.map(String.init))) (\(seeds.count) runs per rule) on \(shared)"),
            .table(Table(columns: [.init("clip", numeric: false), .init("median"), .init("quartiles", numeric: false)]
                         + Ending.allCases.map { .init($0.rawValue) }, rows: rows)),
            .note("final loss over the seeds: the median and the middle half (25th to 75th percentile); from the lowest to the highest: " + ranges.joined(separator: ", ")),
        ]
        let longest = runs.flatMap { $0 }.map(\.records.count).max() ?? 0
        blocks.append(.lineChart(LineChart(
            title: "median loss per step over the seeds, the middle half of the runs shaded", xName: "step", x: (1...max(1, longest)).map(Double.init),
            series: rules.indices.map { r in
                let (median, low, high) = perStep(r)
                return LineChart.Series("clip " + Commands.describe(rules[r]), median, band: (low, high))
            }, yScale: .log10)))
        var note = "each seed draws its own starting weights and batches, the same for every rule; a run that went NaN or Inf counts as +Inf from then on"
        note += "; blew up: the final loss over ten times the first; diverged: stopped by a NaN or Inf"
        if let trivial = task.trivialLoss { note += "; trained: below the \(NumberFormat.short(trivial)) of a predictor that ignores the input; other: none of these" }
        blocks.append(.note(note))
        if runs.flatMap({ $0 }).contains(where: { if case .interrupted = $0.end { true } else { false } }) {
            blocks.append(.warning("interrupted: the runs stopped by Ctrl-C count with the steps they had computed, and in no column"))
        }
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("settings", Commands.settingsJSON(settings)),
            ("seeds", .array(seeds.map { .integer(Int($0)) })),
            ("runs", .array(rules.indices.map { r in
                let f = finals(r)
                let endings = runs[r].map { ending($0)?.rawValue ?? "interrupted" }
                return .object([
                    ("clip", Commands.clipJSON(rules[r])),
                    ("median_final_loss", .number(Percentile.of(sorted: f, 50))),
                    ("quartiles", .numbers([Percentile.of(sorted: f, 25), Percentile.of(sorted: f, 75)])),
                    ("min_final_loss", .number(f.first ?? .nan)), ("max_final_loss", .number(f.last ?? .nan)),
                    ("final_losses", .numbers(runs[r].map(\.finalLoss))),
                    ("endings", .array(endings.map(JSON.string))),
                ] + Ending.allCases.map { e in (e.rawValue.replacingOccurrences(of: " ", with: "_"), .integer(endings.filter { $0 == e.rawValue }.count)) })
            })),
        ]
    }
}
