import Foundation

/// One or more named series over a shared x axis, drawn with braille dots: how a gradient norm or a
/// loss moves over training steps, or over a swept parameter such as the learning rate. NaN and
/// ±Inf are data here, not gaps: they are marked in a row of their own above the plot.
public struct LineChart: Sendable {
    public typealias Scale = Sparkline.Scale

    /// A named series; `values[i]` is its value at `x[i]` (values beyond the end of `x` are ignored).
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        /// A range around the values (over seeds: the lowest and the highest run), shaded in the
        /// series' colour under its line; Unicode only (ASCII has no dots fine enough to shade).
        public var band: (low: [Double], high: [Double])?

        public init(_ name: String, _ values: [Double], band: (low: [Double], high: [Double])? = nil) {
            self.name = name
            self.values = values
            self.band = band
        }
    }

    public var title: String
    /// What x is, e.g. "step" or "lr"; it labels the x axis and says where a series went non-finite.
    public var xName: String
    public var x: [Double]
    public var series: [Series]
    /// `.log10` for quantities that span decades (gradient norms); values ≤ 0 then go in a row below the plot.
    public var yScale: Scale
    /// `.log10` for a parameter swept over decades; used only when every x is positive.
    public var xScale: Scale
    /// Rows of the plot area (axes, labels and legend come on top); made odd so that the middle
    /// tick sits exactly on a row.
    public var height: Int

    public init(title: String, xName: String, x: [Double], series: [Series], yScale: Scale = .linear, xScale: Scale = .linear, height: Int = 9) {
        self.title = title
        self.xName = xName
        self.x = x
        self.series = series
        self.yScale = yScale
        self.xScale = xScale
        self.height = height
    }
}

/// Draws a `LineChart` as text within the style's width.
///
/// Telling series apart, when there are several: each one's legend marker (● ■ ◆ …) is printed
/// just right of its last point, so a line can be named at its end. On a colour terminal each
/// series also has its own colour. Without colour, as in a black-and-white print, the markers
/// also sit on each line every 15 columns (staggered from series to series), so a line can be
/// named wherever one looks; in ASCII each series is drawn with its own character instead of
/// braille. Long series are thinned per dot column keeping the lowest and highest value, so a
/// one-step spike is never lost.
enum LineChartDrawing {
    static let tones: [OutputStyle.Tone] = [.cyan, .yellow, .magenta, .green, .blue, .red]
    static let unicodeMarkers = ["●", "■", "◆", "○", "□", "◇"]
    static let asciiMarkers = ["*", "+", "o", "x", "#", "%"]
    /// Columns between markers along a line when there is no colour.
    static let markerSpacing = 15

    static func marker(_ series: Int, unicode: Bool) -> String {
        (unicode ? unicodeMarkers : asciiMarkers)[series % unicodeMarkers.count]
    }

    static func sgr(_ series: Int) -> String { tones[series % tones.count].rawValue }

    /// A band's canvas layer is its series' plus this: the same colour, another layer.
    static let bandLayer = 600

    /// Where a value goes: a dot row of the plot, the non-finite row above it, or (on a log
    /// scale, for values ≤ 0) the row below it.
    enum Place: Equatable {
        case plot(Int)
        /// 3 NaN, 2 +Inf, 1 −Inf: the larger wins a shared cell.
        case overflow(Int)
        case below
    }

    static func render(_ chart: LineChart, style: OutputStyle) -> String {
        let glyphs = SparklineGlyphs(unicode: style.unicode)
        let logY = chart.yScale == .log10
        var out = PlotLayout.title(chart.title + (logY ? ", log scale" : ""), style)
        let names = chart.series.map { PlotLayout.shown($0.name, style) }, xName = PlotLayout.shown(chart.xName, style)
        let values = chart.series.map { Array($0.values.prefix(chart.x.count)) }
        let multiple = chart.series.count > 1
        if multiple {
            out += PlotLayout.legend(names.indices.map { (marker($0, unicode: style.unicode), sgr($0), names[$0]) }, style: style, dim: false)
        }
        guard !chart.x.isEmpty, values.contains(where: { !$0.isEmpty }) else {
            return (out + [style.paint("(no data)", .dim)]).joined(separator: "\n")
        }

        let xAxis = PlotLayout.Axis(values: chart.x, log: chart.xScale == .log10 && chart.x.allSatisfy { $0 > 0 })
        let bands = chart.series.map { series in series.band.map { (Array($0.low.prefix(chart.x.count)), Array($0.high.prefix(chart.x.count))) } }
        let yAxis = PlotLayout.Axis(values: values.flatMap { $0 } + bands.flatMap { band in band.map { $0.0 + $0.1 } ?? [] }, log: logY)
        let rows = max(3, chart.height | 1)
        let all = values.flatMap { $0 }
        let kinds = [(all.contains(where: \.isNaN), "NaN"), (all.contains(.infinity), "Inf"), (all.contains(-.infinity), "-Inf")]
            .filter(\.0).map(\.1)
        let overflowLabel = kinds.joined(separator: "/")
        let belowLabel = logY && all.contains { $0.isFinite && $0 <= 0 } ? (all.contains { $0 < 0 } ? PlotLayout.shown("≤0", style) : "0") : ""
        let tickLabels = [rows / 2: NumberFormat.short(yAxis.middle), 0: NumberFormat.short(yAxis.value(at: 1)),
                          rows - 1: NumberFormat.short(yAxis.value(at: 0))]
        let labelWidth = ([overflowLabel, belowLabel] + tickLabels.values).map(\.count).max()!
        let margin = multiple ? 2 : 0
        let columns = max(10, style.width - labelWidth - 2 - margin)

        var canvas = DotCanvas(columns: columns, rows: rows, unicode: style.unicode)
        var overflow: [Int: (priority: Int, series: Int)] = [:]
        var below: [Int: Int] = [:]
        var lastPoint: [Int: (x: Int, y: Int)] = [:]
        var notes: [(glyph: String, sgr: String?, text: String)] = []
        var crowded = false
        func dotX(_ x: Double) -> Int? {
            xAxis.fraction(x).map { Int(($0 * Double(canvas.width - 1)).rounded()) }
        }
        func place(_ v: Double) -> Place {
            if v.isNaN { return .overflow(3) }
            if v == .infinity { return .overflow(2) }
            if v == -.infinity { return .overflow(1) }
            guard let f = yAxis.fraction(v) else { return .below }
            return .plot(Int(((1 - f) * Double(canvas.height - 1)).rounded()))
        }

        // Bands first, under every line: in each dot column, every fourth dot from the lowest to the
        // highest of the range, on diagonals (light shading, under which the line stays clear). Drawn on a layer of their own
        // with the series' colour (layers a multiple of the palette apart), so that a label is
        // never placed on the shading instead of the line.
        if style.unicode {
            for s in values.indices.reversed() {
                guard let (low, high) = bands[s] else { continue }
                var span: [Int: (Int, Int)] = [:]
                for i in low.indices where i < high.count {
                    guard let x = dotX(chart.x[i]) else { continue }
                    let ends = [low[i], high[i]].map { v -> Int? in
                        switch place(v) {
                        case .plot(let y): y
                        case .overflow: 0
                        case .below: canvas.height - 1
                        }
                    }
                    guard let a = ends[0], let b = ends[1] else { continue }
                    let (top, bottom) = (min(a, b), max(a, b))
                    span[x] = span[x].map { (min($0.0, top), max($0.1, bottom)) } ?? (top, bottom)
                }
                for (x, (top, bottom)) in span {
                    for y in top...bottom where (x + y) % 4 == 0 { canvas.set(x, y, layer: s + bandLayer) }
                }
            }
        }

        // The first series is drawn last, so that it is on top where lines cross.
        for s in values.indices.reversed() {
            var points: [(x: Int, y: Int?)] = []
            for (i, v) in values[s].enumerated() {
                guard let x = dotX(chart.x[i]) else { continue }
                let cell = x / canvas.dotsPerColumn
                switch place(v) {
                case .plot(let y): points.append((x, y))
                case .overflow(let priority):
                    if priority > overflow[cell]?.priority ?? 0 || (priority == overflow[cell]?.priority && s < overflow[cell]!.series) {
                        overflow[cell] = (priority, s)
                    }
                    points.append((x, nil))
                case .below:
                    below[cell] = s
                    points.append((x, nil))
                }
            }
            let thinned = thin(points)
            crowded = crowded || points.count > canvas.width
            var previous: (x: Int, y: Int)?
            for point in thinned {
                guard let y = point.y else { previous = nil; continue }
                canvas.line(from: previous ?? (point.x, y), to: (point.x, y), layer: s)
                previous = (point.x, y)
            }
            lastPoint[s] = thinned.last { $0.y != nil }.map { ($0.x, $0.y!) }
            if let note = nonFiniteNote(values[s], x: chart.x, name: multiple ? names[s] : "", xName: xName) {
                notes.insert((multiple ? marker(s, unicode: style.unicode) : "", sgr(s), note), at: 0)
            }
        }

        // Each series' marker just right of its last point, on the nearest free row.
        var markers: [Int: [Int: Int]] = [:]
        if multiple {
            for s in values.indices {
                guard let p = lastPoint[s] else { continue }
                let row = p.y / canvas.dotsPerRow
                let offsets = [0] + (1..<rows).flatMap { [-$0, $0] }
                let spot = [p.x / canvas.dotsPerColumn + 2, columns + 1].lazy.compactMap { column in
                    offsets.lazy.map { row + $0 }.first { r in
                        r >= 0 && r < rows && markers[r]?[column] == nil && canvas.isEmpty(column: column, row: r)
                    }.map { (column, $0) }
                }.first
                if let (column, r) = spot { markers[r, default: [:]][column] = s }
            }
            if !style.color && style.unicode {
                for s in values.indices {
                    for column in stride(from: 4 + 5 * s % markerSpacing, to: columns - 3, by: markerSpacing) {
                        guard let row = canvas.trace[s]?[column], markers[row]?[column] == nil else { continue }
                        markers[row, default: [:]][column] = s
                    }
                }
            }
        }

        func line(label: String?, cell: (Int) -> (String, String?)?) -> String {
            var line = PlotLayout.rowStart(label: label, labelWidth: labelWidth, style: style)
            for column in 0..<(columns + margin) {
                if let (glyph, sgr) = cell(column) { line.append(glyph, sgr) } else { line.append(" ") }
            }
            return line.finished
        }
        if !overflow.isEmpty {
            out.append(line(label: overflowLabel) { column in
                overflow[column].map { ([glyphs.negativeInfinity, glyphs.positiveInfinity, glyphs.nan][$0.priority - 1].description, sgr($0.series)) }
            })
        }
        for row in 0..<rows {
            out.append(line(label: tickLabels[row]) { column in
                if let s = markers[row]?[column] { return (marker(s, unicode: style.unicode), sgr(s)) }
                guard let cell = canvas.cell(column: column, row: row) else { return nil }
                return (style.unicode ? String(cell.braille) : marker(cell.layer, unicode: false), sgr(cell.layer))
            })
        }
        if !below.isEmpty {
            out.append(line(label: belowLabel) { column in below[column].map { (String(glyphs.zero), sgr($0)) } })
        }
        out += PlotLayout.xAxis(from: xAxis.value(at: 0), to: xAxis.value(at: 1), name: chart.xName, labelWidth: labelWidth, columns: columns, style: style)

        if xAxis.log { notes.append(("", nil, "\(xName) on a log scale")) }
        if crowded { notes.append(("", nil, "each column spans the lowest to the highest of its points")) }
        if !overflow.isEmpty || !below.isEmpty {
            var key: [String] = []
            if all.contains(where: \.isNaN) { key.append("\(glyphs.nan) NaN") }
            if all.contains(.infinity) { key.append("\(glyphs.positiveInfinity) +Inf") }
            if all.contains(-.infinity) { key.append("\(glyphs.negativeInfinity) -Inf") }
            var text = key.isEmpty ? "" : "top row: " + key.joined(separator: ", ")
            if !below.isEmpty { text += (text.isEmpty ? "" : "; ") + "bottom row: \(glyphs.zero) " + PlotLayout.shown("≤ 0, off the log scale", style) }
            notes.append(("", nil, text))
        }
        out += PlotLayout.legend(notes, style: style)
        return out.joined(separator: "\n")
    }

    /// "unclipped: non-finite from step 37 on (NaN)", or nil when every value is finite.
    static func nonFiniteNote(_ values: [Double], x: [Double], name: String, xName: String) -> String? {
        guard let first = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let kind = NumberFormat.short(values[first])
        let count = values[first...].filter { !$0.isFinite }.count
        let prefix = name.isEmpty ? "" : name + ": "
        if count == values.count - first {
            return prefix + "non-finite from \(xName) \(NumberFormat.short(x[first])) on (\(kind))"
        }
        return prefix + "non-finite at \(count) point\(count == 1 ? "" : "s"), first at \(xName) \(NumberFormat.short(x[first])) (\(kind))"
    }

    /// Of each run of consecutive drawn points in one dot column, keeps the first, the lowest, the
    /// highest and the last, in order: the line through them covers the same dots as the line
    /// through all of them, so a spike stays visible however long the series. A point with no
    /// `y` (not drawn on the plot) breaks the line and is kept.
    static func thin(_ points: [(x: Int, y: Int?)]) -> [(x: Int, y: Int?)] {
        var out: [(x: Int, y: Int?)] = []
        var run: [(x: Int, y: Int)] = []
        func flush() {
            guard !run.isEmpty else { return }
            let low = run.indices.min { run[$0].y < run[$1].y }!
            let high = run.indices.max { run[$0].y < run[$1].y }!
            for i in Set([0, low, high, run.count - 1]).sorted() { out.append((run[i].x, run[i].y)) }
            run = []
        }
        for point in points {
            if let y = point.y {
                if let last = run.last, last.x != point.x { flush() }
                run.append((point.x, y))
            } else {
                flush()
                out.append(point)
            }
        }
        flush()
        return out
    }
}
