import Foundation

/// Dots on a grid of character cells, shared by the line chart and the complex plane: 2×4 braille
/// dots per cell in Unicode, one dot per cell in ASCII (where braille would turn into '?').
/// Each cell remembers the layer (series) that drew it last, so that the renderer can colour it
/// or, in ASCII, choose that layer's glyph.
struct DotCanvas {
    let columns: Int
    let rows: Int
    let unicode: Bool
    private var bits: [UInt8]
    private var layers: [Int]
    /// For each layer, the cell row it last drew in each column: where a label can sit on its line.
    private(set) var trace: [Int: [Int: Int]] = [:]

    init(columns: Int, rows: Int, unicode: Bool) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        self.unicode = unicode
        bits = Array(repeating: 0, count: self.columns * self.rows)
        layers = Array(repeating: -1, count: self.columns * self.rows)
    }

    var dotsPerColumn: Int { unicode ? 2 : 1 }
    var dotsPerRow: Int { unicode ? 4 : 1 }
    /// The canvas's size in dots.
    var width: Int { columns * dotsPerColumn }
    var height: Int { rows * dotsPerRow }

    /// Bit of the braille dot in column `x` (0–1) and row `y` (0–3) of a cell (Unicode's dot numbering).
    private static let brailleBit: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    /// Sets the dot at (`x`, `y`), counted from the top left; dots off the canvas are ignored.
    mutating func set(_ x: Int, _ y: Int, layer: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let cell = (y / dotsPerRow) * columns + x / dotsPerColumn
        bits[cell] |= unicode ? Self.brailleBit[y % 4][x % 2] : 1
        layers[cell] = layer
        trace[layer, default: [:]][x / dotsPerColumn] = y / dotsPerRow
    }

    /// A straight line of dots from one point to another, ends included (Bresenham).
    mutating func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), layer: Int) {
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var (x, y, error) = (a.x, a.y, dx + dy)
        while true {
            set(x, y, layer: layer)
            if x == b.x && y == b.y { return }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    func isEmpty(column: Int, row: Int) -> Bool {
        guard column >= 0, row >= 0, column < columns, row < rows else { return true }
        return bits[row * columns + column] == 0
    }

    /// The braille character of a cell (Unicode) and the layer that drew it last, or nil when empty.
    func cell(column: Int, row: Int) -> (braille: Character, layer: Int)? {
        guard !isEmpty(column: column, row: row) else { return nil }
        let i = row * columns + column
        return (Character(Unicode.Scalar(0x2800 + UInt32(bits[i]))!), layers[i])
    }
}

/// Builds one line of output from pieces that may each carry SGR colour parameters. It writes an
/// escape sequence only where the colour changes, never one when colour is off, and drops trailing
/// uncoloured spaces; `width` counts the columns the line takes on screen.
struct StyledLine {
    let color: Bool
    private(set) var width = 0
    private var text = ""
    private var active: String?
    private var pendingSpaces = 0

    init(color: Bool) { self.color = color }

    mutating func append(_ piece: String, _ sgr: String? = nil) {
        guard !piece.isEmpty else { return }
        width += piece.count
        let sgr = color ? sgr : nil
        if sgr == nil && piece.allSatisfy({ $0 == " " }) {
            pendingSpaces += piece.count
            return
        }
        if pendingSpaces > 0 {
            if active != nil { text += "\u{1B}[0m"; active = nil }
            text += String(repeating: " ", count: pendingSpaces)
            pendingSpaces = 0
        }
        if sgr != active {
            if active != nil { text += "\u{1B}[0m" }
            if let sgr { text += "\u{1B}[" + sgr + "m" }
            active = sgr
        }
        text += piece
    }

    mutating func pad(to column: Int) {
        if column > width { append(String(repeating: " ", count: column - width)) }
    }

    var finished: String { active == nil ? text : text + "\u{1B}[0m" }
}

/// Shared pieces of the plot renderers: scales, tick labels, legends.
enum PlotLayout {
    /// Maps data values onto 0…1 along an axis, linearly or by log₁₀.
    struct Axis {
        let lo: Double, hi: Double
        let log: Bool
        /// Every value the same, or the same up to rounding: all are drawn at the middle.
        private(set) var flat = false

        /// An axis spanning the finite (positive, on a log scale) values; a single value or none,
        /// or values that differ only in their last digits (cos = 0.9999999999999998 and 1), get a
        /// range around them, so that they are drawn flat in the middle, not as a hump of rounding.
        init(values: [Double], log: Bool) {
            self.log = log
            let mapped = values.filter { $0.isFinite && (!log || $0 > 0) }.map { log ? log10($0) : $0 }
            var (lo, hi) = (mapped.min() ?? (log ? 0 : 0), mapped.max() ?? (log ? 1 : 1))
            if hi - lo <= 1e-12 * max(abs(lo), abs(hi)) {
                flat = !mapped.isEmpty
                let centre = lo == hi ? lo : (lo + hi) / 2
                let spread = log ? 1 : (centre == 0 ? 1 : abs(centre) / 2)
                (lo, hi) = (centre - spread, centre + spread)
            }
            (self.lo, self.hi) = (lo, hi)
        }

        /// Where `value` lies: 0 at the low end, 1 at the high end (nil if it cannot be placed).
        func fraction(_ value: Double) -> Double? {
            guard value.isFinite, !log || value > 0 else { return nil }
            if flat { return 0.5 }
            return ((log ? log10(value) : value) - lo) / (hi - lo)
        }

        /// The value halfway along, rounded to a thousandth of the span (so that −1…1 gives 0, not
        /// 4.9e-06); on a log scale the geometric mean.
        var middle: Double {
            let mid = (lo + hi) / 2
            guard !log else { return pow(10, mid) }
            let step = pow(10, Foundation.floor(log10(hi - lo)) - 3)
            return (mid / step).rounded() * step
        }

        /// The data value at `fraction` along the axis.
        func value(at fraction: Double) -> Double {
            let v = lo + fraction * (hi - lo)
            return log ? pow(10, v) : v
        }
    }

    /// A plot's title in bold, as shown (ASCII in ASCII mode), broken between words to fit.
    static func title(_ text: String, _ style: OutputStyle) -> [String] {
        wrap(shown(text, style), width: style.width, unicode: style.unicode).map { style.paint($0, .bold) }
    }

    /// `text` right-aligned in `width` columns.
    static func padLeft(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// A line `width` columns long with `left` at its start, `right` at its end and `middle`
    /// centred between them when there is room for it (two spaces either side).
    static func spread(_ left: String, _ middle: String, _ right: String, width: Int) -> (line: String, middleFits: Bool) {
        let gap = max(1, width - left.count - right.count)
        guard !middle.isEmpty, gap >= middle.count + 4 else {
            return (left + String(repeating: " ", count: gap) + right, middle.isEmpty)
        }
        var start = (width - middle.count) / 2
        start = min(max(start, left.count + 2), width - right.count - 2 - middle.count)
        let line = left + String(repeating: " ", count: start - left.count) + middle
            + String(repeating: " ", count: width - right.count - start - middle.count) + right
        return (line, true)
    }

    /// The start of a plot row: the y label right-aligned in `labelWidth` columns, then the y axis
    /// with a tick where there is a label.
    static func rowStart(label: String?, labelWidth: Int, style: OutputStyle) -> StyledLine {
        var line = StyledLine(color: style.color)
        line.append(padLeft(label ?? "", labelWidth) + " ")
        line.append(label != nil ? (style.unicode ? "┤" : "+") : (style.unicode ? "│" : "|"), OutputStyle.Tone.dim.rawValue)
        return line
    }

    /// The x axis under a plot of `columns` columns that starts after the y labels: the axis line,
    /// then the values at both ends with the axis's name centred between them — or, when it does
    /// not fit there, on a line of its own (moved left or cut short to fit the width).
    static func xAxis(from left: Double, to right: Double, name: String, labelWidth: Int, columns: Int, style: OutputStyle) -> [String] {
        let indent = String(repeating: " ", count: labelWidth + 2)
        let rule = style.unicode ? "└" + String(repeating: "─", count: columns) : "+" + String(repeating: "-", count: columns)
        let name = shown(name, style)
        let (labels, nameFits) = spread(NumberFormat.short(left), name, NumberFormat.short(right), width: columns)
        var out = [String(indent.dropLast()) + style.paint(rule, .dim), indent + labels]
        if !nameFits {
            let cut = truncate(name, to: style.width, unicode: style.unicode)
            let start = min(indent.count + max(0, (columns - cut.count) / 2), style.width - cut.count)
            out.append(String(repeating: " ", count: max(0, start)) + cut)
        }
        return out
    }

    /// Legend entries (a glyph in its colour, then text) joined by three spaces and wrapped to
    /// the style's width; the text is dimmed when `dim`. An entry too long for a line of its own
    /// is broken between words, its continuation indented under its text.
    static func legend(_ entries: [(glyph: String, sgr: String?, text: String)], style: OutputStyle, dim: Bool = true) -> [String] {
        var lines: [String] = []
        var line = StyledLine(color: style.color)
        let tone = dim ? OutputStyle.Tone.dim.rawValue : nil
        for entry in entries {
            let lead = entry.glyph.isEmpty ? 0 : entry.glyph.count + 1
            let pieces = wrap(entry.text, width: style.width - lead, unicode: style.unicode)
            if line.width > 0 && (pieces.count > 1 || line.width + 3 + lead + pieces[0].count > style.width) {
                lines.append(line.finished)
                line = StyledLine(color: style.color)
            }
            if line.width > 0 { line.append("   ") }
            if !entry.glyph.isEmpty {
                line.append(entry.glyph, entry.sgr)
                line.append(" ")
            }
            line.append(pieces[0], tone)
            for piece in pieces.dropFirst() {
                lines.append(line.finished)
                line = StyledLine(color: style.color)
                line.append(String(repeating: " ", count: lead))
                line.append(piece, tone)
            }
        }
        if line.width > 0 { lines.append(line.finished) }
        return lines
    }

    /// `text` broken between words into lines of at most `width` columns (a word longer than
    /// that is cut short).
    static func wrap(_ text: String, width: Int, unicode: Bool) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        lines.append(current)
        return lines.map { truncate($0, to: width, unicode: unicode) }
    }

    /// `text`, or as much of it as fits in `width` columns followed by "…" ("..." in ASCII).
    static func truncate(_ text: String, to width: Int, unicode: Bool) -> String {
        guard text.count > width else { return text }
        let ellipsis = unicode ? "…" : "..."
        return width < ellipsis.count ? String(text.prefix(max(0, width))) : String(text.prefix(width - ellipsis.count)) + ellipsis
    }

    /// `text` as the style will print it: ASCII stand-ins for its symbols in ASCII mode, so that
    /// widths are measured on what is shown.
    static func shown(_ text: String, _ style: OutputStyle) -> String {
        style.unicode ? text : ASCIIFallback.apply(text)
    }
}
