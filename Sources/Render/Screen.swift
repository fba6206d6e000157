/// A whole screen of a full-screen view (`live`): bands one above another, each band panels of
/// blocks side by side. The renderer lays it out at the style's width; a height crops it to at
/// most that many lines, so that a frame drawn on a terminal never scrolls it (the last band, a
/// status line, is kept: what is cut is above it).
public struct Screen: Sendable {
    /// Blocks drawn in a column of their own.
    public struct Panel: Sendable {
        public var blocks: [Block]
        /// Columns the panel takes; nil shares what the fixed panels leave.
        public var width: Int?

        public init(_ blocks: [Block], width: Int? = nil) {
            self.blocks = blocks
            self.width = width
        }
    }

    /// Panels side by side, two columns apart.
    public struct Band: Sendable {
        public var panels: [Panel]

        public init(_ panels: [Panel]) { self.panels = panels }
    }

    public var bands: [Band]
    /// The most lines the screen takes (cropped above its last band); nil: as many as it needs.
    public var height: Int?

    public init(bands: [Band], height: Int? = nil) {
        self.bands = bands
        self.height = height
    }
}

/// Lays a `Screen` out as lines: each panel rendered at its own width, cut to it where a line is
/// wider still, and padded so that the next panel starts in its column.
enum ScreenDrawing {
    static let gap = 2

    static func lines(_ screen: Screen, renderer: TextRenderer) -> [String] {
        let width = renderer.style.width
        var out: [String] = []
        var lastBand = 0  // where the last band's lines begin: a screen too short loses lines above them
        for band in screen.bands where !band.panels.isEmpty {
            lastBand = out.count
            let widths = panelWidths(band.panels.map(\.width), total: width)
            let columns: [[String]] = zip(band.panels, widths).map { panel, panelWidth in
                var inner = renderer
                inner.style.width = panelWidth
                let text = panel.blocks.map { inner.finished(inner.render($0)) }.joined(separator: "\n")
                return text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map {
                    VisibleText.cut(String($0), to: panelWidth, color: renderer.style.color)
                }
            }
            let rows = columns.map(\.count).max() ?? 0
            for row in 0..<rows {
                var line = ""
                for (k, column) in columns.enumerated() {
                    let piece = row < column.count ? column[row] : ""
                    if k == columns.count - 1 {
                        line += piece
                    } else {
                        line += piece + String(repeating: " ", count: max(0, widths[k] - VisibleText.width(piece)) + gap)
                    }
                }
                out.append(line.trimmingTrailingSpaces())
            }
        }
        if let height = screen.height {
            if out.count > height {
                let tail = Array(out[lastBand...].prefix(height))
                out = Array(out[..<lastBand].prefix(height - tail.count)) + tail
            }
        }
        return out
    }

    /// The columns of each panel: fixed ones as asked (within the total), the others share the rest.
    static func panelWidths(_ asked: [Int?], total: Int) -> [Int] {
        let gaps = gap * max(0, asked.count - 1)
        let fixed = asked.compactMap { $0 }.reduce(0, +)
        let shared = asked.filter { $0 == nil }.count
        let rest = max(0, total - gaps - fixed)
        var widths = asked.map { $0 ?? (shared > 0 ? rest / shared : 0) }
        // The last shared panel takes what the division left over.
        if shared > 0, let last = asked.lastIndex(where: { $0 == nil }) { widths[last] += rest - (rest / shared) * shared }
        // Fixed panels wider than the screen give way from the right.
        var excess = widths.reduce(0, +) + gaps - total
        for k in widths.indices.reversed() where excess > 0 {
            let cut = min(excess, max(0, widths[k] - 10))
            widths[k] -= cut
            excess -= cut
        }
        return widths.map { max(1, $0) }
    }
}

/// Text as a terminal shows it: SGR escape sequences take no columns, every other character one
/// (the renderers draw nothing wider).
public enum VisibleText {
    /// The columns `text` takes on screen.
    public static func width(_ text: String) -> Int {
        var count = 0
        var escape = false, sequence = false
        for scalar in text.unicodeScalars {
            if sequence {
                if (0x40...0x7E).contains(scalar.value) { sequence = false }
            } else if escape {
                escape = false
                sequence = scalar == "["
            } else if scalar == "\u{1B}" {
                escape = true
            } else if scalar.properties.generalCategory != .nonspacingMark {
                count += 1
            }
        }
        return count
    }

    /// `text` cut to at most `columns` columns; escape sequences are kept whole, and a cut line
    /// that had colour ends with a reset so that the colour does not run on.
    public static func cut(_ text: String, to columns: Int, color: Bool) -> String {
        guard width(text) > columns else { return text }
        var out = ""
        var count = 0
        var escape = false, sequence = false, sawEscape = false
        for scalar in text.unicodeScalars {
            if sequence {
                out.unicodeScalars.append(scalar)
                if (0x40...0x7E).contains(scalar.value) { sequence = false }
            } else if escape {
                out.unicodeScalars.append(scalar)
                escape = false
                sequence = scalar == "["
            } else if scalar == "\u{1B}" {
                out.unicodeScalars.append(scalar)
                escape = true
                sawEscape = true
            } else {
                let spacing = scalar.properties.generalCategory != .nonspacingMark
                if spacing && count == columns { break }
                out.unicodeScalars.append(scalar)
                if spacing { count += 1 }
            }
        }
        return sawEscape && color ? out + "\u{1B}[0m" : out
    }
}
