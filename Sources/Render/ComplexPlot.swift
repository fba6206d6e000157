import Foundation

/// Points of the complex plane — the eigenvalues of W — drawn with the unit circle, so that one can
/// see which lie outside it (|λ| > 1: a linear RNN's gradient grows along them) and which inside.
public struct ComplexPlot: Sendable {
    public var title: String
    public var points: [(re: Double, im: Double)]
    /// Rows of the plot, made odd so that the real axis sits on a row; the width follows from it
    /// (2·height − 1 columns, for a round circle) and shrinks with it on a narrow terminal.
    public var height: Int

    public init(title: String, points: [(re: Double, im: Double)], height: Int = 11) {
        self.title = title
        self.points = points
        self.height = height
    }
}

/// Draws a `ComplexPlot`: the unit circle in braille dots (ASCII '.'), axes through 0, and each
/// point as a glyph, a different one (red on a colour terminal) outside the unit circle. Both axes
/// span ±R, a round number just above the largest |re| or |im| and never below 1.2, so that the
/// circle and every finite point fit; a huge eigenvalue makes the circle small, and R says so.
enum ComplexPlaneDrawing {
    /// |λ| above 1 + tolerance counts as outside the unit circle (eigenvalues of an orthogonal W
    /// come out of LAPACK a rounding error away from 1).
    static let tolerance = 1e-9

    static func render(_ plot: ComplexPlot, style: OutputStyle) -> String {
        var out = PlotLayout.title(plot.title, style)
        let finite = plot.points.filter { $0.re.isFinite && $0.im.isFinite }
        let extent = max(1, finite.map { max(abs($0.re), abs($0.im)) }.max() ?? 1)
        let r = niceCeiling(1.1 * extent)
        let yLabels = (top: NumberFormat.short(r) + "i", bottom: NumberFormat.short(-r) + "i")
        let labelWidth = max(yLabels.top.count, yLabels.bottom.count)
        var rows = max(5, plot.height | 1)
        while rows > 5 && labelWidth + 1 + 2 * rows - 1 > style.width { rows -= 2 }
        let columns = 2 * rows - 1

        var canvas = DotCanvas(columns: columns, rows: rows, unicode: style.unicode)
        let (perColumn, perRow) = (Double(canvas.dotsPerColumn), Double(canvas.dotsPerRow))
        // The centre of the middle cell, in dots; a character is twice as high as it is wide.
        let cx = Double(columns / 2) * perColumn + (perColumn - 1) / 2
        let cy = Double(rows / 2) * perRow + (perRow - 1) / 2
        let unitWidth = min(cx / perColumn, 2 * cy / perRow) / r   // columns per unit
        let (sx, sy) = (unitWidth * perColumn, unitWidth * perRow / 2)
        func dot(_ re: Double, _ im: Double) -> (x: Int, y: Int) {
            (mirrored(cx, re * sx), mirrored(cy, -im * sy))
        }
        let radius = max(sx, sy)
        // Half-step angles: no sample falls exactly on an axis, so the dots are mirror images.
        let steps = 8 * max(8, Int(radius))
        for k in 0..<steps {
            let angle = 2 * Double.pi * (Double(k) + 0.5) / Double(steps)
            let p = dot(cos(angle), sin(angle))
            canvas.set(p.x, p.y, layer: 0)
        }
        // Points: outside the circle wins a shared cell.
        var marks: [Int: [Int: Bool]] = [:]
        var (inside, outside) = (0, 0)
        for point in finite {
            let isOutside = (point.re * point.re + point.im * point.im).squareRoot() > 1 + tolerance
            if isOutside { outside += 1 } else { inside += 1 }
            let p = dot(point.re, point.im)
            let (column, row) = (p.x / canvas.dotsPerColumn, p.y / canvas.dotsPerRow)
            marks[row, default: [:]][column] = (marks[row]?[column] ?? false) || isOutside
        }

        let glyphs = style.unicode ? (inside: "●", outside: "◆", horizontal: "─", vertical: "│", cross: "┼", circle: "")
                                   : (inside: "o", outside: "X", horizontal: "-", vertical: "|", cross: "+", circle: ".")
        let (insideSGR, outsideSGR, circleSGR, dim) = ("1;32", "1;31", OutputStyle.Tone.cyan.rawValue, OutputStyle.Tone.dim.rawValue)
        let (axisRow, axisColumn) = (rows / 2, columns / 2)
        for row in 0..<rows {
            var line = StyledLine(color: style.color)
            let label = row == 0 ? yLabels.top : row == rows - 1 ? yLabels.bottom : row == axisRow ? "0" : ""
            line.append(PlotLayout.padLeft(label, labelWidth) + " ")
            for column in 0..<columns {
                if let isOutside = marks[row]?[column] {
                    line.append(isOutside ? glyphs.outside : glyphs.inside, isOutside ? outsideSGR : insideSGR)
                } else if let cell = canvas.cell(column: column, row: row) {
                    line.append(style.unicode ? String(cell.braille) : glyphs.circle, circleSGR)
                } else if row == axisRow || column == axisColumn {
                    line.append(row != axisRow ? glyphs.vertical : column != axisColumn ? glyphs.horizontal : glyphs.cross, dim)
                } else {
                    line.append(" ")
                }
            }
            out.append(line.finished)
        }
        // Real-axis labels under the left end, the centre and the right end.
        let (left, right) = (NumberFormat.short(-r), NumberFormat.short(r))
        var axis = Array(repeating: Character(" "), count: columns)
        axis.replaceSubrange(0..<left.count, with: left)
        axis.replaceSubrange((columns - right.count)..<columns, with: right)
        if axisColumn > left.count && axisColumn < columns - right.count - 1 { axis[axisColumn] = "0" }
        out.append(String(repeating: " ", count: labelWidth + 1) + String(axis).trimmingTrailingSpaces())

        var notes: [(glyph: String, sgr: String?, text: String)] = [
            (glyphs.inside, insideSGR, PlotLayout.shown("|λ| ≤ 1: \(inside)", style)),
            (glyphs.outside, outsideSGR, PlotLayout.shown("|λ| > 1: \(outside)", style)),
        ]
        let circle = radius < 2 ? "the unit circle is a dot at this scale" : "the unit circle |λ| = 1 is dotted"
        notes.append(("", nil, PlotLayout.shown("axes from -\(NumberFormat.short(r)) to \(NumberFormat.short(r)); \(circle)", style)))
        if finite.count < plot.points.count {
            notes.append(("", nil, "\(plot.points.count - finite.count) not finite, not drawn"))
        }
        out += PlotLayout.legend(notes, style: style)
        return out.joined(separator: "\n")
    }

    /// The dot nearest `centre + offset`, rounded so that `-offset` lands on the mirror image
    /// about the centre (a whole dot, or the boundary between two): plain rounding would break
    /// ties the same way on both sides and put i one row nearer the axis than −i.
    static func mirrored(_ centre: Double, _ offset: Double) -> Int {
        let half = centre - Foundation.floor(centre)   // 0 or 0.5
        let sign: Double = offset < 0 ? -1 : 1
        return Int(centre - sign * half + sign * (abs(offset) + half).rounded())
    }

    /// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least `x`.
    static func niceCeiling(_ x: Double) -> Double {
        guard x.isFinite, x > 0 else { return 1 }
        let decade = pow(10, Foundation.floor(log10(x)))
        for step in [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] where step * decade >= x * (1 - 1e-12) {
            return step * decade
        }
        return 10 * decade
    }
}
