import Foundation

/// Vectors of the plane drawn as arrows from the origin: a 2-D gradient and what clipping makes of
/// it, with the circle of radius τ around the origin.
public struct ArrowPlot: Sendable {
    public struct Arrow: Sendable {
        public var name: String
        public var vector: [Double]

        public init(_ name: String, _ vector: [Double]) {
            self.name = name
            self.vector = vector
        }
    }

    public var title: String
    public var arrows: [Arrow]
    /// The radius of the dotted circle (τ), or nil for none.
    public var circle: Double?
    /// Rows of the plot, made odd; it is 2·height − 1 columns wide, so that the circle is round.
    public var height: Int

    public init(title: String, arrows: [Arrow], circle: Double? = nil, height: Int = 13) {
        self.title = title
        self.arrows = arrows
        self.circle = circle
        self.height = height
    }
}

/// Draws an `ArrowPlot`: axes through the origin, the circle dotted, each arrow a line of dots in
/// its series' colour with its marker at the tip (the first arrow on top), a legend under it.
enum ArrowPlotDrawing {
    static func render(_ plot: ArrowPlot, style: OutputStyle) -> String {
        var out = PlotLayout.title(plot.title, style)
        var rows = max(5, plot.height | 1)
        while rows > 5 && 2 * rows + 5 > style.width { rows -= 2 }
        let columns = 2 * rows - 1
        let finite = plot.arrows.map(\.vector).filter { $0.count == 2 && $0.allSatisfy(\.isFinite) }
        let extent = max(finite.flatMap { $0.map(abs) }.max() ?? 1, plot.circle ?? 0, 1e-300)
        let r = ComplexPlaneDrawing.niceCeiling(1.1 * extent)
        var canvas = DotCanvas(columns: columns, rows: rows, unicode: style.unicode)
        let (perColumn, perRow) = (Double(canvas.dotsPerColumn), Double(canvas.dotsPerRow))
        let cx = Double(columns / 2) * perColumn + (perColumn - 1) / 2
        let cy = Double(rows / 2) * perRow + (perRow - 1) / 2
        let unitWidth = min(cx / perColumn, 2 * cy / perRow) / r
        let (sx, sy) = (unitWidth * perColumn, unitWidth * perRow / 2)
        func dot(_ x: Double, _ y: Double) -> (x: Int, y: Int) {
            (ComplexPlaneDrawing.mirrored(cx, x * sx), ComplexPlaneDrawing.mirrored(cy, -y * sy))
        }
        let circleLayer = 100
        if let tau = plot.circle, tau.isFinite, tau > 0 {
            let steps = 8 * max(8, Int(tau * max(sx, sy)))
            for k in 0..<steps where k % 2 == 0 {
                let angle = 2 * Double.pi * (Double(k) + 0.5) / Double(steps)
                let p = dot(tau * cos(angle), tau * sin(angle))
                canvas.set(p.x, p.y, layer: circleLayer)
            }
        }
        var tips: [Int: [Int: Int]] = [:]
        for (k, arrow) in plot.arrows.enumerated().reversed() {
            guard arrow.vector.count == 2, arrow.vector.allSatisfy(\.isFinite) else { continue }
            let tip = dot(arrow.vector[0], arrow.vector[1])
            canvas.line(from: dot(0, 0), to: tip, layer: k)
            tips[tip.y / canvas.dotsPerRow, default: [:]][tip.x / canvas.dotsPerColumn] = k
        }
        let (axisRow, axisColumn) = (rows / 2, columns / 2)
        let labelWidth = NumberFormat.short(-r).count
        for row in 0..<rows {
            var line = StyledLine(color: style.color)
            let label = row == 0 ? NumberFormat.short(r) : row == rows - 1 ? NumberFormat.short(-r) : ""
            line.append(PlotLayout.padLeft(label, labelWidth) + " ")
            for column in 0..<columns {
                if let k = tips[row]?[column] {
                    line.append(LineChartDrawing.marker(k, unicode: style.unicode), LineChartDrawing.sgr(k))
                } else if let cell = canvas.cell(column: column, row: row) {
                    let sgr = cell.layer == circleLayer ? OutputStyle.Tone.dim.rawValue : LineChartDrawing.sgr(cell.layer)
                    line.append(style.unicode ? String(cell.braille) : (cell.layer == circleLayer ? "." : LineChartDrawing.marker(cell.layer, unicode: false)), sgr)
                } else if row == axisRow || column == axisColumn {
                    let glyph = row != axisRow ? (style.unicode ? "│" : "|") : column != axisColumn ? (style.unicode ? "─" : "-") : "+"
                    line.append(glyph, OutputStyle.Tone.dim.rawValue)
                } else {
                    line.append(" ")
                }
            }
            out.append(line.finished)
        }
        var notes: [(glyph: String, sgr: String?, text: String)] = plot.arrows.indices.map { k in
            (LineChartDrawing.marker(k, unicode: style.unicode), LineChartDrawing.sgr(k), plot.arrows[k].name)
        }
        if let tau = plot.circle { notes.append(("", nil, PlotLayout.shown("dotted: ‖·‖₂ = \(NumberFormat.short(tau))", style))) }
        out += PlotLayout.legend(notes, style: style, dim: false)
        return out.joined(separator: "\n")
    }
}
