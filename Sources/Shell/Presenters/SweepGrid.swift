import Render
import Simulator

/// What `sweep` shows: the metric over a grid of one or two keys, as a table and a chart (a line
/// chart, one curve per named choice, or a heatmap). After Ctrl-C, only the points computed.
struct SweepGrid: Presentation {
    let axes: [SweepAxis]
    let metric: SweepMetric
    /// What every point shares (the swept keys vary on top of it).
    let settings: Settings
    let clip: ClipRule
    /// The metric at each grid point, the last axis varying fastest; nil where a point was not computed.
    let results: [Double?]
    let interrupted: Bool
    /// `table`: a map's numbers as a table too, however many (without it, up to `tableLimit`).
    var table = false
    /// With seeds=: the seeds, and each point's run on each of them (`results` holds the medians).
    var overSeeds: OverSeeds? = nil

    struct OverSeeds {
        let seeds: [String]
        /// `runs[i][k]`: point i on seed k.
        let runs: [[Double]]

        /// The 25th and 75th percentiles of each point's runs.
        var quartiles: [(low: Double, high: Double)] { runs.map { (Percentile.of($0, 25), Percentile.of($0, 75)) } }
    }

    /// The most cells a map prints as a table unasked: 12 columns by 30 rows fit on a screen.
    static let tableLimit = (columns: 12, rows: 30)

    var blocks: [Block] {
        interrupted ? interruptedBlocks : completeBlocks(results.map { $0! })
    }

    var fields: [(String, JSON)] {
        let settings = Commands.settingsFields(self.settings, clip: clip)
        if interrupted {
            return settings + [
                ("metric", .string(metric.rawValue)), ("interrupted", .bool(true)),
                ("values", .array(results.map { $0.map(JSON.number) ?? .null })),
            ]
        }
        let values = results.map { $0! }
        let grid: JSON = axes.count == 1 ? .numbers(values)
            : .array((0..<axes[0].labels.count).map { r in .numbers(Array(values[(r * axes[1].labels.count)..<((r + 1) * axes[1].labels.count)])) })
        var out = settings + [
            ("metric", .string(metric.rawValue)),
            ("axes", .array(axes.map { axis in .object([("key", .string(axis.key)), ("values", axis.numbers.map(JSON.numbers) ?? .array(axis.labels.map(JSON.string)))]) })),
            ("values", grid),
        ]
        if let overSeeds {
            out += [
                ("seeds", .array(overSeeds.seeds.map(JSON.string))),
                ("quartiles", .array(overSeeds.quartiles.map { .numbers([$0.low, $0.high]) })),
                ("runs", .array(overSeeds.runs.map(JSON.numbers))),
            ]
        }
        return out
    }

    /// After Ctrl-C: the points that were computed, in grid order, and no chart (a curve through
    /// the holes would mislead); the JSON has null where a point was not computed.
    var interruptedBlocks: [Block] {
        let done = results.indices.filter { results[$0] != nil }
        let rows: [[Cell]] = done.map { index in
            zip(axes, Commands.gridIndices(index, axes)).map { Cell.text($0.labels[$1]) } + [.number(results[index]!)]
        }
        return [
            .warning("interrupted after \(done.count) of \(results.count) points; these are the ones computed"),
            .table(Table(columns: axes.map { .init($0.key, numeric: false) } + [.init(metric.rawValue)], rows: rows)),
        ]
    }

    func completeBlocks(_ values: [Double]) -> [Block] {
        var title = "sweep \(axes.map { "\($0.key) (\($0.labels.count))" }.joined(separator: " × ")) · \(metric.rawValue): \(metric.summary)"
        // A metric that clipping changes says which rule was in force where no axis sets it.
        if metric.dependsOnClipping, !axes.contains(where: { ["clip", "tau", "τ"].contains($0.key) }) { title += " · clip \(Commands.describe(clip))" }
        if let overSeeds { title += " · the median over \(TrainingWording.seeds(overSeeds.seeds))" }
        var blocks: [Block] = [.title(title)]
        let quartiles = overSeeds?.quartiles
        /// The middle half of the runs at points `indices`, for a chart's band.
        func band(_ indices: [Int]) -> (low: [Double], high: [Double])? {
            quartiles.map { q in (indices.map { q[$0].low }, indices.map { q[$0].high }) }
        }
        if axes.count == 1 {
            let axis = axes[0]
            let spread: [Cell] = quartiles.map { $0.map { Cell.text("\(NumberFormat.short($0.low)) … \(NumberFormat.short($0.high))") } } ?? []
            blocks.append(.table(Table(columns: [.init(axis.key, numeric: axis.numbers != nil), .init(metric.rawValue)] + (quartiles == nil ? [] : [.init("quartiles", numeric: false)]),
                                       rows: values.indices.map { i in [.text(axis.labels[i]), .number(values[i])] + (spread.isEmpty ? [] : [spread[i]]) })))
            if values.count > 2, let x = axis.numbers, axis.isMonotonic {
                blocks.append(.lineChart(LineChart(title: "\(metric.rawValue) over \(axis.key)" + (quartiles == nil ? "" : ", the middle half of the seeds shaded"), xName: axis.key, x: x,
                                                   series: [.init(metric.rawValue, values, band: band(Array(values.indices)))], yScale: metric.logarithmic ? .log10 : .linear,
                                                   xScale: axis.logSpaced ? .log10 : .linear)))
            }
        } else if let (numeric, categories, numericFirst) = Self.curvesLayout(axes), numeric.isMonotonic {
            // A numeric key against a few named choices (clip=none,norm:1): one curve per choice.
            let index: (Int, Int) -> Int = { i, c in numericFirst ? i * categories.labels.count + c : c * numeric.labels.count + i }
            let value: (Int, Int) -> Double = { values[index($0, $1)] }
            let rows: [[Cell]] = numeric.labels.indices.map { i in [.text(numeric.labels[i])] + categories.labels.indices.map { .number(value(i, $0)) } }
            blocks.append(.table(Table(columns: [.init(numeric.key, numeric: true)] + categories.labels.map { .init(categories.key + "=" + $0) }, rows: rows)))
            blocks.append(.lineChart(LineChart(
                title: "\(metric.rawValue) over \(numeric.key)", xName: numeric.key, x: numeric.numbers!,
                series: categories.labels.indices.map { c in
                    .init("\(categories.key)=\(categories.labels[c])", numeric.labels.indices.map { value($0, c) }, band: band(numeric.labels.indices.map { index($0, c) }))
                },
                yScale: metric.logarithmic ? .log10 : .linear, xScale: numeric.logSpaced ? .log10 : .linear)))
        } else if let ys = axes[0].numbers, let xs = axes[1].numbers, axes[0].isMonotonic, axes[1].isMonotonic {
            let columns = axes[1].labels.count
            blocks.append(.heatmap(Heatmap(
                title: "\(metric.rawValue) over \(axes[1].key) × \(axes[0].key)", valueName: metric.rawValue,
                x: .init(axes[1].key, xs), y: .init(axes[0].key, ys),
                values: (0..<axes[0].labels.count).map { r in Array(values[(r * columns)..<((r + 1) * columns)]) },
                scale: metric.logarithmic ? .log10 : .linear)))
            if table || (columns <= Self.tableLimit.columns && axes[0].labels.count <= Self.tableLimit.rows) {
                blocks.append(gridTable(values))
            } else {
                blocks.append(.note("add table to the sweep to print all \(values.count) numbers as a table (--json gives them too)"))
            }
        } else {
            blocks.append(gridTable(values))
        }
        return blocks
    }

    /// The numbers of a two-key sweep: a row per value of the first key, a column per value of
    /// the second, each labelled with the value a command reads back to the same run.
    func gridTable(_ values: [Double]) -> Block {
        let (rowsAxis, colsAxis) = (axes[0], axes[1])
        let columns = [Table.Column("\(rowsAxis.key) \\ \(colsAxis.key)", numeric: false)] + colsAxis.labels.map { Table.Column($0) }
        let rows: [[Cell]] = rowsAxis.labels.enumerated().map { r, label in
            [.text(label)] + (0..<colsAxis.labels.count).map { .number(values[r * colsAxis.labels.count + $0]) }
        }
        return .table(Table(columns: columns, rows: rows))
    }

    /// When one axis is numeric and the other a short list of words, the sweep reads best as one
    /// curve per word: (numeric axis, word axis, whether the numeric axis is the first).
    static func curvesLayout(_ axes: [SweepAxis]) -> (SweepAxis, SweepAxis, Bool)? {
        if axes[0].numbers != nil, axes[1].numbers == nil, axes[1].labels.count <= 6 { return (axes[0], axes[1], true) }
        if axes[1].numbers != nil, axes[0].numbers == nil, axes[0].labels.count <= 6 { return (axes[1], axes[0], false) }
        return nil
    }
}
