import Foundation

/// Values over a grid of two parameters — a loss surface over two weights, the final gradient norm
/// over ρ and T — drawn as coloured cells on a colour terminal and with a shade ramp otherwise,
/// optionally with trajectories on top (gradient descent leaping off a cliff without clipping,
/// staying on the surface with it). NaN and ±Inf cells get glyphs of their own.
public struct Heatmap: Sendable {
    public typealias Scale = Sparkline.Scale

    /// A named axis and the parameter value at each column (x) or row (y) of the grid, in order.
    public struct Axis: Sendable {
        public var name: String
        public var values: [Double]

        public init(_ name: String, _ values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    /// A path through the parameter plane, each point marked with the trajectory's glyph.
    public struct Trajectory: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(_ name: String, _ points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    /// What the colours stand for, e.g. "loss"; it titles the colour bar.
    public var valueName: String
    /// The columns, left to right.
    public var x: Axis
    /// The rows, bottom to top: y increases upward.
    public var y: Axis
    /// `values[j][i]` is the value at `x.values[i]`, `y.values[j]`; a missing value counts as NaN.
    public var values: [[Double]]
    /// `.log10` colours by decade; values ≤ 0 then get a glyph of their own.
    public var scale: Scale
    /// Drawn in order on top of the map, each with its own glyph; where two meet, the first shows.
    public var trajectories: [Trajectory]

    public init(title: String, valueName: String, x: Axis, y: Axis, values: [[Double]], scale: Scale = .linear, trajectories: [Trajectory] = []) {
        self.title = title
        self.valueName = valueName
        self.x = x
        self.y = y
        self.values = values
        self.scale = scale
        self.trajectories = trajectories
    }
}

/// Draws a `Heatmap` within the style's width and at most 16 rows high.
///
/// On a colour terminal each character shows two cells, one above the other (the upper half block
/// ▀ in the upper cell's colour on the lower cell's colour), in a viridis-like run of xterm's 256
/// colours; in ASCII with colour, one cell per character as a coloured space. Without colour, one
/// cell per character from a shade ramp, printed under the map with its range. A grid larger than
/// the room is down-sampled keeping the largest value of each block (NaN first, so it is never
/// hidden); a small one gets several characters per cell so that it is not tiny.
enum HeatmapDrawing {
    /// Dark purple through blue, teal and green to yellow: order stays readable in grey too.
    static let palette = [53, 54, 25, 61, 31, 37, 36, 71, 77, 113, 149, 185, 220, 226]
    static let unicodeRamp: [Character] = Array(" ░▒▓█")
    static let asciiRamp: [Character] = Array(" .:-=+*#%@")
    static let unicodeMarkers = ["●", "◆", "■", "○"]
    static let asciiMarkers = ["o", "x", "s", "O"]
    /// Marker colours on a colour terminal: red for the first path, white for the second, …
    static let markerColors = [196, 231, 201, 16]
    /// Background for NaN and ±Inf cells on a colour terminal: dark red, off the palette.
    static let nonFiniteBackground = 88
    static let maxRows = 16

    /// What one drawn cell holds.
    enum Pixel: Equatable {
        /// A bin of the colour scale or ramp, 0 at the low end.
        case level(Int)
        case nan, positiveInfinity, negativeInfinity
        /// A value ≤ 0 on a log scale.
        case belowScale
    }

    static func render(_ map: Heatmap, style: OutputStyle) -> String {
        let glyphs = SparklineGlyphs(unicode: style.unicode)
        let log = map.scale == .log10
        var out = PlotLayout.title(map.title, style)
        let (nx, ny) = (map.x.values.count, map.y.values.count)
        guard nx > 0, ny > 0 else { return (out + [style.paint("(no data)", .dim)]).joined(separator: "\n") }
        func value(_ i: Int, _ j: Int) -> Double {
            j < map.values.count && i < map.values[j].count ? map.values[j][i] : .nan
        }
        let all = (0..<ny).flatMap { j in (0..<nx).map { i in value(i, j) } }

        // Geometry: pixels (cells as drawn) per character row, and the size of the drawn grid.
        let halfBlocks = style.color && style.unicode
        let perRow = halfBlocks ? 2 : 1
        let yLabels = (top: NumberFormat.short(map.y.values[ny - 1]), bottom: NumberFormat.short(map.y.values[0]))
        // Wide enough for any y value, since which one labels the middle row depends on the layout.
        let labelWidth = map.y.values.map { NumberFormat.short($0).count }.max()!
        let room = max(8, style.width - labelWidth - 2)
        let maxPixelRows = maxRows * perRow
        // Side of a data cell in columns (a character is about half as wide as it is high).
        let side = min(Double(room) / Double(nx), 2 * Double(maxRows) / Double(ny), 4)
        let gx = nx >= room ? room : nx * max(1, Int(side))
        var ky = max(1, halfBlocks ? Int(side) : Int(side / 2))
        if ny * ky > maxPixelRows { ky = max(1, maxPixelRows / ny) }
        let gy = min(ny * ky, maxPixelRows)
        let rows = (gy + perRow - 1) / perRow

        // The colour scale: whole decades on a log scale.
        let finite = all.filter { $0.isFinite && (!log || $0 > 0) }
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if log {
            lo = finite.isEmpty ? 0 : Foundation.floor(log10(lo))
            hi = finite.isEmpty ? 1 : Foundation.ceil(log10(hi))
        }
        if hi <= lo { (lo, hi) = log ? (lo, lo + 1) : (lo - (lo == 0 ? 1 : abs(lo) / 2), hi + (hi == 0 ? 1 : abs(hi) / 2)) }
        let levels = style.color ? palette.count : (style.unicode ? unicodeRamp : asciiRamp).count
        func level(_ t: Double) -> Int { min(levels - 1, max(0, Int(t * Double(levels)))) }
        func pixel(_ v: Double) -> Pixel {
            if v.isNaN { return .nan }
            if v == .infinity { return .positiveInfinity }
            if v == -.infinity { return .negativeInfinity }
            if log && v <= 0 { return .belowScale }
            return .level(level(((log ? log10(v) : v) - lo) / (hi - lo)))
        }

        // Resample: each drawn cell takes the block of data cells under it; NaN wins, then the largest.
        func block(_ k: Int, _ n: Int, _ g: Int) -> Range<Int> {
            let start = k * n / g
            return start..<max(start + 1, (k + 1) * n / g)
        }
        let grid: [[Pixel]] = (0..<gy).map { p in
            let rowsBelow = block(gy - 1 - p, ny, gy)
            return (0..<gx).map { q in
                let cells = rowsBelow.flatMap { j in block(q, nx, gx).map { i in value(i, j) } }
                return pixel(cells.contains(where: \.isNaN) ? .nan : cells.max()!)
            }
        }

        // Trajectories: the drawn cell under each point; the first path is drawn last, on top.
        var marks: [Int: [Int: Int]] = [:]
        var pathNotes: [(glyph: String, sgr: String?, text: String)] = []
        for (t, path) in map.trajectories.enumerated().reversed() {
            var off = 0, nonFinite = 0
            for point in path.points {
                guard point.x.isFinite, point.y.isFinite else { nonFinite += 1; continue }
                // A point far off the map has an index too large for Int: count it off before converting.
                guard let i = fractionalIndex(of: point.x, in: map.x.values), let j = fractionalIndex(of: point.y, in: map.y.values),
                      i > -1, i < Double(nx), j > -1, j < Double(ny) else { off += 1; continue }
                let q = Int(Foundation.floor((i + 0.5) * Double(gx) / Double(nx)))
                let fromBottom = Int(Foundation.floor((j + 0.5) * Double(gy) / Double(ny)))
                guard q >= 0, q < gx, fromBottom >= 0, fromBottom < gy else { off += 1; continue }
                marks[gy - 1 - fromBottom, default: [:]][q] = t
            }
            var text = PlotLayout.shown(path.name, style) + " (\(path.points.count) point\(path.points.count == 1 ? "" : "s")"
            if off > 0 { text += ", \(off) off the map" }
            if nonFinite > 0 { text += ", \(nonFinite) non-finite" }
            pathNotes.insert((marker(t, style), style.color ? markerSGR(t, on: nil) : nil, text + ")"), at: 0)
        }

        // The map, with y labels on the first, middle and last rows.
        var midLabel: String?
        let middle = (rows - 1) / 2
        if rows >= 5 {
            let centre = Double(middle * perRow + min(gy, (middle + 1) * perRow)) / 2
            // The y value of the data row nearest the row's centre: a value the row really holds.
            let index = Int(((Double(gy) - centre) * Double(ny) / Double(gy) - 0.5).rounded())
            midLabel = NumberFormat.short(map.y.values[min(max(0, index), ny - 1)])
        }
        out.append(PlotLayout.truncate(PlotLayout.shown(map.y.name, style), to: style.width, unicode: style.unicode))
        let columns = gx
        for r in 0..<rows {
            let label = r == 0 ? yLabels.top : r == rows - 1 ? yLabels.bottom : r == middle ? midLabel : nil
            var line = PlotLayout.rowStart(label: label, labelWidth: labelWidth, style: style)
            for q in 0..<columns {
                let cell = character(rows: (r * perRow)..<min(gy, (r + 1) * perRow), column: q, grid: grid, marks: marks, style: style, glyphs: glyphs)
                line.append(cell.text, cell.sgr)
            }
            out.append(line.finished)
        }
        out += PlotLayout.xAxis(from: map.x.values[0], to: map.x.values[nx - 1], name: map.x.name, labelWidth: labelWidth, columns: columns, style: style)

        out += colourBar(title: PlotLayout.shown(map.valueName, style) + (log ? ", log scale" : ""), lo: lo, hi: hi, log: log, style: style)
        var notes = pathNotes
        let kinds: [(glyph: Character, name: String, test: (Double) -> Bool)] = [
            (glyphs.nan, "NaN", { $0.isNaN }), (glyphs.positiveInfinity, "+Inf", { $0 == .infinity }), (glyphs.negativeInfinity, "-Inf", { $0 == -.infinity }),
        ]
        for kind in kinds {
            let count = all.filter(kind.test).count
            guard count > 0 else { continue }
            notes.append((String(kind.glyph), style.color ? nonFiniteSGR(nonFiniteBackground) : nil, "\(kind.name) (\(count) value\(count == 1 ? "" : "s"))"))
        }
        if log && all.contains(where: { $0.isFinite && $0 <= 0 }) {
            notes.append((String(glyphs.zero), nil, PlotLayout.shown("≤ 0, off the log scale", style)))
        }
        if nx > gx || ny > gy {
            notes.append(("", nil, "each cell shows the largest of its block of about \(Int((Double(nx) / Double(gx)).rounded(.up)))×\(Int((Double(ny) / Double(gy)).rounded(.up))) values (NaN first)"))
        }
        out += PlotLayout.legend(notes, style: style)
        return out.joined(separator: "\n")
    }

    static func marker(_ t: Int, _ style: OutputStyle) -> String {
        (style.unicode ? unicodeMarkers : asciiMarkers)[t % unicodeMarkers.count]
    }

    /// A NaN/Inf (or ≤ 0) glyph: bold white on `background`.
    static func nonFiniteSGR(_ background: Int) -> String {
        "1;" + OutputStyle.foreground256(231) + ";" + OutputStyle.background256(background)
    }

    static func markerSGR(_ t: Int, on background: Int?) -> String {
        "1;" + OutputStyle.foreground256(markerColors[t % markerColors.count]) + (background.map { ";" + OutputStyle.background256($0) } ?? "")
    }

    /// One character of the map covering the drawn cells `rows` (one, or two with half blocks) of
    /// `column`: a path's marker first, then a NaN/Inf glyph, then the colours or the shade.
    static func character(rows: Range<Int>, column q: Int, grid: [[Pixel]], marks: [Int: [Int: Int]], style: OutputStyle, glyphs: SparklineGlyphs) -> (text: String, sgr: String?) {
        let pixels = rows.map { grid[$0][q] }
        func colour(_ pixel: Pixel) -> Int? {
            if case .level(let k) = pixel { return palette[k] }
            return nil
        }
        if let (p, t) = rows.lazy.compactMap({ p in marks[p]?[q].map { (p, $0) } }).min(by: { $0.1 < $1.1 }) {
            return (marker(t, style), style.color ? markerSGR(t, on: colour(grid[p][q])) : nil)
        }
        for pixel in pixels {
            let glyph: Character
            switch pixel {
            case .nan: glyph = glyphs.nan
            case .positiveInfinity: glyph = glyphs.positiveInfinity
            case .negativeInfinity: glyph = glyphs.negativeInfinity
            case .belowScale: glyph = glyphs.zero
            case .level: continue
            }
            let background = pixel == .belowScale ? (pixels.compactMap(colour).first ?? palette[0]) : nonFiniteBackground
            return (String(glyph), style.color ? nonFiniteSGR(background) : nil)
        }
        let levels = pixels.compactMap { pixel -> Int? in if case .level(let k) = pixel { return k } else { return nil } }
        if style.color && style.unicode {
            let upper = palette[levels[0]]
            let lower = levels.count > 1 ? ";" + OutputStyle.background256(palette[levels[1]]) : ""
            return ("▀", OutputStyle.foreground256(upper) + lower)
        }
        if style.color { return (" ", OutputStyle.background256(palette[levels[0]])) }
        return (String((style.unicode ? unicodeRamp : asciiRamp)[levels[0]]), nil)
    }

    /// The colour bar (or shade ramp) with its range: whole decades on a log scale, labelled where
    /// they fit; the ends always.
    static func colourBar(title: String, lo: Double, hi: Double, log: Bool, style: OutputStyle) -> [String] {
        let levels = style.color ? palette.count : (style.unicode ? unicodeRamp : asciiRamp).count
        let length = min(levels * max(1, 30 / levels), style.width - 2)
        var bar = StyledLine(color: style.color)
        bar.append("[")
        for k in 0..<length {
            let level = min(levels - 1, k * levels / length)
            if style.color {
                bar.append(style.unicode ? "█" : " ", style.unicode ? OutputStyle.foreground256(palette[level]) : OutputStyle.background256(palette[level]))
            } else {
                bar.append(String((style.unicode ? unicodeRamp : asciiRamp)[level]))
            }
        }
        bar.append("]")
        // Labels under the bar: the ends first, then whatever fits between them.
        let ticks: [Double] = log ? Array(stride(from: lo, through: hi, by: 1)) : [lo, (lo + hi) / 2, hi]
        let texts = ticks.map { NumberFormat.short(log ? pow(10, $0) : $0) }
        var placed: [(start: Int, text: String)] = []
        let total = length + 2
        for k in [0, ticks.count - 1] + Array(1..<max(1, ticks.count - 1)) where k < ticks.count {
            let text = texts[k]
            let centre = 1 + Int(((ticks[k] - lo) / (hi - lo) * Double(length)).rounded())
            let start = min(max(0, centre - text.count / 2), total - text.count)
            if placed.allSatisfy({ start > $0.start + $0.text.count || start + text.count < $0.start }) {
                placed.append((start, text))
            }
        }
        var labels = ""
        for (start, text) in placed.sorted(by: { $0.start < $1.start }) {
            labels += String(repeating: " ", count: max(0, start - labels.count)) + text
        }
        if title.count + 2 + total <= style.width {
            let indent = String(repeating: " ", count: title.count + 2)
            return [style.paint(title, .dim) + "  " + bar.finished, indent + labels]
        }
        return [style.paint(PlotLayout.truncate(title, to: style.width, unicode: style.unicode), .dim), bar.finished, labels]
    }

    /// Where `v` falls among monotonic axis values, as a fractional index (0 at the first value);
    /// beyond the ends it extends the first or last spacing, so off-map points can be told apart.
    static func fractionalIndex(of v: Double, in values: [Double]) -> Double? {
        guard v.isFinite, let first = values.first, let last = values.last else { return nil }
        guard values.count > 1, first != last else { return v == first ? 0 : nil }
        let sign: Double = last > first ? 1 : -1
        var k = 0
        while k < values.count - 2 && sign * v > sign * values[k + 1] { k += 1 }
        let (a, b) = (values[k], values[k + 1])
        return b == a ? Double(k) : Double(k) + (v - a) / (b - a)
    }
}
