import Foundation
import Render
import Simulator
import StateFiles

/// A real run's gradient norms as `load norms` shows them: the norms over the steps on a log
/// chart, the percentiles and their span in decades, what norm clipping at each candidate τ would
/// have done to those gradients, and the robust suggestion.
struct NormLogReport: Presentation {
    let log: NormLog
    let stamp: FileStamp
    let measurement: NormLogMeasurement
    /// The candidate thresholds, in order of τ, each with why it is there.
    let table: [(from: String, effect: ThresholdEffect)]

    var summary: NormSummary { measurement.profile.summary }

    /// How a row of the τ table says why it is there.
    static func reason(_ from: String) -> String {
        from.split(separator: ",").map { code -> String in
            switch code {
            case "p50": "median (p50)"
            case "mean/2": "½ mean (Pascanu's low)"
            case "mean": "mean (Pascanu)"
            case "10*mean": "10 × mean (Pascanu's high)"
            case "round": ""
            case "run": "the logged run's τ"
            default: String(code)
            }
        }.filter { !$0.isEmpty }.joined(separator: ", ")
    }

    var blocks: [Block] {
        let short = NumberFormat.short
        let byRow = log.stepColumn == nil || log.stepsOutOfOrder != nil
        let unit = byRow ? "row" : "step"
        let what = log.column.map { "\(log.format.rawValue), column \($0)" } ?? log.format.rawValue
        let span = byRow ? "rows 1 … \(log.rows)" : "steps \(short(log.steps.lowerBound)) … \(short(log.steps.upperBound))"
        var blocks: [Block] = [
            .title("Gradient norms from \(measurement.shownPath)"),
            .note("\(log.rows) norms (\(what)), \(span); \(stamp.sizeDescription), modified \(stamp.modifiedDescription)"),
        ]
        let (x, y) = log.chart.points(byRow: byRow)
        let every = log.chart.width > 1 ? " (each \(unit) of the chart the lowest and highest of \(log.chart.width))" : ""
        let level = { (v: Double) in [Double](repeating: v, count: x.count) }
        let lines: [LineChart.Series] = summary.count > 0 ? [.init("p50", level(summary.median)), .init("p90", level(summary.p90)), .init("p99", level(summary.p99))] : []
        blocks.append(.lineChart(LineChart(title: "‖g‖₂ per \(unit)\(every)", xName: unit, x: x, series: [.init("‖g‖₂", y)] + lines, yScale: .log10, height: 11)))
        if let (line, step, previous) = log.stepsOutOfOrder {
            blocks.append(.note("the steps go back at line \(line) (to \(short(step)) after \(short(previous))), so the chart is drawn by row"))
        }
        if log.nonFinite > 0 {
            let kinds = [(log.nan, "NaN"), (log.infinity, "∞")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: " and ")
            let first = log.firstNonFinite.map { " (the first at line \($0.line), \(unit) \(short($0.step)))" } ?? ""
            blocks.append(.warning("\(log.nonFinite) of the \(log.rows) norms are not finite: \(kinds)\(first). Every figure below is over the \(summary.count) finite ones; norm clipping cannot rescue such a step, since the rule scales by τ/‖g‖ (clip_grad_norm_ turns its gradient into NaN)"))
        }
        guard summary.count > 0 else {
            blocks.append(.text("No norm of the log is finite, so there are no percentiles and nothing to suggest."))
            return blocks
        }
        blocks.append(.values([("p50", .number(summary.median)), ("p90", .number(summary.p90)), ("p99", .number(summary.p99)),
                               ("max", .number(summary.largest)), ("mean", .number(summary.mean))]))
        if summary.decades.isFinite {
            blocks.append(.text("The norms span \(ThresholdAdvice.decades(summary.decades)): from \(short(summary.smallestPositive)) to \(short(summary.largest))."))
        }
        blocks.append(.title("What norm clipping at τ would have done to these \(summary.count) gradients"))
        let rows: [[Cell]] = table.map { row in
            // τ in its own shortest form: one shared format would write 0.1 and 1597 as 1.000e-01 and 1.597e+03
            [.text(short(row.effect.tau)), .text(Self.reason(row.from)), .text(TrainingWording.percent(row.effect.clipRate)), .number(row.effect.meanScale)]
        }
        blocks.append(.table(Table(columns: [.init("τ"), .init("from", numeric: false), .init("clipped"), .init("mean scale")], rows: rows)))
        blocks.append(.note("clipped: the steps whose ‖g‖₂ is over τ; mean scale: the mean of min(1, τ/‖g‖₂) over the steps, 1 when none is clipped. This replays the rule on the logged gradients; it is not a re-run of training, which with τ in force would have taken other steps and logged other norms."))
        let advice = ThresholdAdvice(source: .log(measurement, stamp))
        blocks.append(.note(advice.measuredAt))
        return blocks + ThresholdAdvice.advice(measurement.profile) + [.note("suggest norms shows this advice again; check and = read norms_p50, norms_p99, norms_decades and more (help expressions).")]
    }

    var fields: [(String, JSON)] {
        let s = summary
        let format: String = switch log.format {
        case .csv: "csv"
        case .jsonLines: "jsonl"
        case .plain: "plain"
        }
        let advice = ThresholdAdvice(source: .log(measurement, stamp))
        let suggestion = advice.fields.first { $0.0 == "suggested" }?.1 ?? .null
        return [
            ("path", .string(stamp.path)), ("size", .integer(stamp.size)), ("modified", .number(stamp.modified)),
            ("format", .string(format)), ("column", log.column.map(JSON.string) ?? .null), ("step_column", log.stepColumn.map(JSON.string) ?? .null),
            ("rows", .integer(log.rows)), ("count", .integer(s.count)), ("nonfinite", .integer(log.nonFinite)),
            ("nan", .integer(log.nan)), ("inf", .integer(log.infinity)),
            ("first_nonfinite", log.firstNonFinite.map { .object([("line", .integer($0.line)), ("step", .number($0.step))]) } ?? .null),
            ("mean", .number(s.mean)), ("p50", .number(s.median)), ("p90", .number(s.p90)), ("p99", .number(s.p99)),
            ("max", .number(s.largest)), ("min", .number(s.smallest)), ("min_positive", .number(s.smallestPositive)),
            ("decades", .number(s.decades)), ("heavy_tailed", .bool(s.heavyTailed)),
            ("thresholds", .array(table.map { ThresholdAdvice.effectJSON($0.effect, from: $0.from) })),
            ("measured_at", ThresholdAdvice.conditionsJSON(measurement.conditions)), ("suggested", suggestion),
        ]
    }
}
