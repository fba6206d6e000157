import Foundation
import Testing
@testable import Render

/// The text a block renders to in a given style.
func rendered(_ block: Block, width: Int = 40, unicode: Bool = true, color: Bool = false) -> String {
    TextRenderer(style: OutputStyle(color: color, unicode: unicode, width: width)).render(Report(command: "t", blocks: [block]))
}

/// The columns a line takes on screen: its characters less any SGR escape sequences.
func visibleWidth(_ line: Substring) -> Int {
    line.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression).count
}

@Suite struct LineChartTests {
    let straight = Block.lineChart(LineChart(title: "y = x", xName: "x", x: [1, 2, 3], series: [.init("y", [1, 2, 3])], height: 3))

    @Test func aThreePointStraightLine() {
        #expect(rendered(straight) == """
            y = x
            3 ┤                          ⣀⣀⣀⠤⠤⠤⠒⠒⠒⠉⠉
            2 ┤             ⣀⣀⣀⣀⠤⠤⠤⠒⠒⠒⠉⠉⠉
            1 ┤⣀⣀⠤⠤⠤⠤⠒⠒⠒⠊⠉⠉⠉
              └─────────────────────────────────────
               1                 x                 3

            """)
        #expect(rendered(straight, unicode: false) == """
            y = x
            3 +                           **********
            2 +         ******************
            1 +*********
              +-------------------------------------
               1                 x                 3

            """)
    }

    /// Values equal up to their last bits (a cosine of 0.9999999999999998 beside 1) draw one flat
    /// line in the middle, not a hump of rounding noise with three labels of "1".
    @Test func valuesEqualUpToRoundingDrawFlat() {
        let text = rendered(.lineChart(LineChart(title: "cosine", xName: "tau", x: [1, 2, 3], series: [.init("cos", [0.9999999999999998, 1, 0.9999999999999997])], height: 5)))
        let plotted = text.split(separator: "\n").filter { $0.contains { ("\u{2801}"..."\u{28FF}").contains($0) } }
        #expect(plotted.count == 1 && plotted[0].hasPrefix("  1 ┤"), "\(text)")
        #expect(text.contains("1.5 ┤") && text.contains("0.5 ┤"))
    }

    /// A band (over seeds, the middle half of the runs) is shaded under its line in the series'
    /// colour, stretches the y axis to fit, and is left out in ASCII.
    @Test func aBandIsShadedUnderItsLine() {
        let flat = LineChart(title: "loss", xName: "step", x: [1, 2, 3, 4], series: [.init("median", [2, 2, 2, 2])], height: 5)
        var banded = flat
        banded.series[0].band = ([1, 1, 1, 1], [4, 4, 4, 4])
        let plain = rendered(.lineChart(flat)), shaded = rendered(.lineChart(banded))
        #expect(plain.contains("2 ┤") && !plain.contains("4 ┤"))
        #expect(shaded.contains("4 ┤") && shaded.contains("1 ┤"))
        // Every row of the plot has dots: the band fills from 1 to 4, the line sits inside it.
        let rows = shaded.split(separator: "\n").filter { $0.contains("┤") || $0.contains("│") }
        #expect(rows.count == 5 && rows.allSatisfy { $0.contains { ("\u{2801}"..."\u{28FF}").contains($0) } })
        // In colour, the shading takes the series' colour (cyan, the first).
        #expect(rendered(.lineChart(banded), color: true).components(separatedBy: "\u{1B}[36m").count > 2)
        #expect(rendered(.lineChart(banded), unicode: false).split(separator: "\n").filter { $0.contains("*") }.count == 1)
    }

    @Test func nonFiniteValuesAreMarkedInTheTopRowAndNamedInTheLegend() {
        let chart = Block.lineChart(LineChart(title: "‖g‖", xName: "step", x: [1, 2, 3, 4, 5], series: [.init("g", [1, 10, 100, .infinity, .nan])],
                                              yScale: .log10, height: 3))
        #expect(rendered(chart) == """
            ‖g‖, log scale
            NaN/Inf ┤                       ▲      ×
                100 ┤           ⣀⡠⠔⠒⠉
                 10 ┤     ⢀⣀⠤⠔⠊⠉
                  1 ┤⣀⠤⠔⠒⠉⠁
                    └───────────────────────────────
                     1            step             5
            non-finite from step 4 on (Inf)
            top row: × NaN, ▲ +Inf

            """)
        #expect(rendered(chart, unicode: false) == """
            ||g||, log scale
            NaN/Inf +                       ^      ?
                100 +            ****
                 10 +    ********
                  1 +****
                    +-------------------------------
                     1            step             5
            non-finite from step 4 on (Inf)
            top row: ? NaN, ^ +Inf

            """)
    }

    @Test func zeroOnALogScaleGoesInABottomRow() {
        let text = rendered(.lineChart(LineChart(title: "g", xName: "step", x: [1, 2, 3], series: [.init("g", [1, 0, 10])], yScale: .log10, height: 3)))
        let lines = text.split(separator: "\n")
        #expect(lines[1] == "   10 ┤                                ⠈")
        #expect(lines[4] == "    0 ┤                ·")
        #expect(lines.last == "bottom row: · ≤ 0, off the log scale")
    }

    @Test func severalSeriesAreNamedAlongTheirLinesAndAtTheirEnds() {
        let chart = Block.lineChart(LineChart(title: "two", xName: "t", x: [0, 1, 2, 3],
                                              series: [.init("up", [0, 1, 2, 3]), .init("down", [3, 2, 1, 0])], height: 5))
        #expect(rendered(chart) == """
            two
            ● up   ■ down
              3 ┤⠉⠒⠒⠤⠤⣀⡀                   ⢀⣀⠤⠤⠒⠒⠉ ●
                │      ⠈⠉⠑■⠢⠤⣀⡀     ●⣀⠤⠔⠒⠊⠉⠁
            1.5 ┤             ⢈⣉⠶⠶⠶⣉⡁
                │      ⢀⣀⡠⠤⠔⠒⠉⠁     ⠈⠉⠒⠢⠤■⣀⡀
              0 ┤⣀⠤⠤⠒●⠉⠁                   ⠈⠉⠒⠒⠤⠤⣀ ■
                └─────────────────────────────────
                 0               t               3

            """)
        #expect(rendered(chart, unicode: false) == """
            two
            * up   + down
              3 +++++++                     ****** *
                |      ++++++++     ********
            1.5 +              *****
                |      ********     ++++++++
              0 +******                     ++++++ +
                +---------------------------------
                 0               t               3

            """)
        // On a colour terminal each series has its own colour, and no marker sits on the lines.
        let colour = rendered(chart, color: true)
        #expect(colour.split(separator: "\n")[2] == "  3 \u{1B}[2m┤\u{1B}[0m\u{1B}[33m⠉⠒⠒⠤⠤⣀⡀\u{1B}[0m                   \u{1B}[36m⢀⣀⠤⠤⠒⠒⠉\u{1B}[0m \u{1B}[36m●\u{1B}[0m")
        #expect(!colour.split(separator: "\n")[3].contains("■"))
    }

    @Test func thinningKeepsTheFirstLowestHighestAndLastOfEachColumn() {
        let points: [(x: Int, y: Int?)] = [(0, 5), (0, 1), (0, 7), (0, 9), (0, 3), (0, 4), (1, nil), (1, 2), (2, 6)]
        let thinned = LineChartDrawing.thin(points).map { "\($0.x):\($0.y.map(String.init) ?? "-")" }
        #expect(thinned == ["0:5", "0:1", "0:9", "0:4", "1:-", "1:2", "2:6"])
    }

    @Test func downSamplingKeepsAOneStepSpike() {
        var values = [Double](repeating: 1, count: 10_000)
        values[7777] = 1000
        let chart = Block.lineChart(LineChart(title: "spike", xName: "step", x: (1...10_000).map(Double.init), series: [.init("g", values)], height: 5))
        for unicode in [true, false] {
            let text = rendered(chart, width: 80, unicode: unicode)
            let lines = text.split(separator: "\n")
            #expect(lines[1].hasPrefix(" 1000 ┤") || lines[1].hasPrefix(" 1000 +"))
            let top = lines[1].dropFirst(7)
            #expect(top.count == 1 + top.prefix { $0 == " " }.count, "one mark, and only one, in the top row")
            #expect(text.hasSuffix("\neach column spans the lowest to the highest of its points\n"))
        }
    }

    @Test func aLogXAxisIsSaid() {
        let text = rendered(.lineChart(LineChart(title: "loss", xName: "lr", x: [0.01, 0.1, 1], series: [.init("loss", [3, 2, 1])], xScale: .log10, height: 3)))
        #expect(text.hasSuffix("\n   0.01             lr                 1\nlr on a log scale\n"))
    }
}

@Suite struct HeatmapTests {
    let twoByTwo = Block.heatmap(Heatmap(title: "2×2", valueName: "v", x: .init("x", [0, 1]), y: .init("y", [0, 1]), values: [[1, 2], [.nan, 4]]))

    @Test func aTwoByTwoMapWithANaN() {
        #expect(rendered(twoByTwo) == """
            2×2
            y
            1 ┤××××████
              │××××████
              │    ░░░░
            0 ┤    ░░░░
              └────────
               0  x   1
            v  [      ░░░░░░▒▒▒▒▒▒▓▓▓▓▓▓██████]
                1             2.5             4
            × NaN (1 value)

            """)
        #expect(rendered(twoByTwo, unicode: false) == """
            2x2
            y
            1 +????@@@@
              |????@@@@
              |    ----
            0 +    ----
              +--------
               0  x   1
            v  [   ...:::---===+++***###%%%@@@]
                1             2.5             4
            ? NaN (1 value)

            """)
    }

    @Test func colourCellsAreHalfBlocksIn256Colours() {
        let text = rendered(twoByTwo, color: true)
        let lines = text.split(separator: "\n")
        // Top right: 4, the top of the scale, above and below; the NaN cell: white on dark red.
        #expect(lines[2].contains("\u{1B}[1;38;5;231;48;5;88m××××\u{1B}[0m\u{1B}[38;5;226;48;5;226m▀▀▀▀\u{1B}[0m"))
        #expect(lines[4].contains("\u{1B}[38;5;53;48;5;53m▀▀▀▀\u{1B}[0m\u{1B}[38;5;31;48;5;31m▀▀▀▀\u{1B}[0m"))
        #expect(lines.filter { $0.contains("▀") }.count == 4, "two cells per character: as high as the 4 rows of shades")
        let ascii = rendered(twoByTwo, unicode: false, color: true)
        #expect(ascii.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(ascii.contains("\u{1B}[48;5;226m    \u{1B}[0m"), "coloured spaces when colour is on but Unicode is not")
    }

    @Test func trajectoriesInfinityAndPointsOffTheMap() {
        let map = Block.heatmap(Heatmap(title: "paths", valueName: "loss", x: .init("a", [0, 1, 2]), y: .init("b", [0, 1, 2]),
                                        values: [[1, 10, 100], [10, 100, 1000], [100, 1000, .infinity]], scale: .log10,
                                        trajectories: [.init("no clip", [(0, 0), (2, 2), (5, 5)]), .init("clip", [(0, 0), (1, 0)])]))
        #expect(rendered(map) == """
            paths
            b
            2 ┤▓▓▓▓████▲▲●▲
              │▓▓▓▓████▲▲▲▲
            1 ┤░░░░▓▓▓▓████
              │░░░░▓▓▓▓████
              │  ● ░░◆░▓▓▓▓
            0 ┤    ░░░░▓▓▓▓
              └────────────
               0    a     2
            loss, log scale
            [      ░░░░░░▒▒▒▒▒▒▓▓▓▓▓▓██████]
             1        10        100     1000
            ● no clip (3 points, 1 off the map)
            ◆ clip (2 points)   ▲ +Inf (1 value)

            """)
        #expect(rendered(map, unicode: false) == """
            paths
            b
            2 +****@@@@^^o^
              |****@@@@^^^^
            1 +----****@@@@
              |----****@@@@
              |  o --x-****
            0 +    ----****
              +------------
               0    a     2
            loss, log scale
            [   ...:::---===+++***###%%%@@@]
             1        10        100     1000
            o no clip (3 points, 1 off the map)
            x clip (2 points)   ^ +Inf (1 value)

            """)
    }

    @Test func aBigGridIsDownSampledKeepingNaNAndTheLargestValue() {
        var values = [[Double]](repeating: [Double](repeating: 1, count: 200), count: 150)
        values[77][123] = .nan
        values[10][20] = 9
        let map = Block.heatmap(Heatmap(title: "big", valueName: "v", x: .init("x", (0..<200).map(Double.init)), y: .init("y", (0..<150).map(Double.init)), values: values))
        let text = rendered(map, width: 80, unicode: false)
        let rows = text.split(separator: "\n").filter { $0.contains("|") || $0.contains(" +") }.dropLast()
        #expect(rows.count == 16)
        #expect(rows.map { $0.filter { $0 == "?" }.count }.reduce(0, +) == 1)
        #expect(rows.map { $0.filter { $0 == "@" }.count }.reduce(0, +) == 1)
        #expect(text.contains("each cell shows the largest of its block of about 3x10 values (NaN first)"))
    }

    @Test func fractionalIndexFollowsUnevenAndFallingAxes() {
        #expect(HeatmapDrawing.fractionalIndex(of: 0.1, in: [0.01, 0.1, 1]) == 1)
        #expect(HeatmapDrawing.fractionalIndex(of: 0.55, in: [0.01, 0.1, 1]) == 1.5)
        #expect(HeatmapDrawing.fractionalIndex(of: 3, in: [0, 1, 2]) == 3)
        #expect(HeatmapDrawing.fractionalIndex(of: 1.5, in: [2, 1, 0]) == 0.5)
        #expect(HeatmapDrawing.fractionalIndex(of: .nan, in: [0, 1]) == nil)
    }
}

@Suite struct ComplexPlaneTests {
    @Test func theUnitCircleWithPlusAndMinusI() {
        let plot = Block.complexPlane(ComplexPlot(title: "±i", points: [(0, 1), (0, -1)], height: 7))
        #expect(rendered(plot) == """
            ±i
             1.2i      ⣀●⣀
                    ⡠⠚⠉ │ ⠉⠓⢄
                   ⡸⠁   │   ⠈⢇
                0 ─⡇────┼────⢸─
                   ⢱⡀   │   ⢀⡎
                    ⠑⢤⣀ │ ⣀⡤⠊
            -1.2i      ⠉●⠉
                  -1.2  0   1.2
            ● |λ| ≤ 1: 2   ◆ |λ| > 1: 0
            axes from -1.2 to 1.2; the unit circle
            |λ| = 1 is dotted

            """)
        #expect(rendered(plot, unicode: false) == """
            +-i
             1.2i       o
                    .........
                   ..   |   ..
                0 -.----+----.-
                   ..   |   ..
                    .........
            -1.2i       o
                  -1.2  0   1.2
            o |lambda| <= 1: 2   X |lambda| > 1: 0
            axes from -1.2 to 1.2; the unit circle
            |lambda| = 1 is dotted

            """)
    }

    @Test func mirroredRoundingIsSymmetricAboutTheCentre() {
        #expect(ComplexPlaneDrawing.mirrored(3, 2.5) == 6 && ComplexPlaneDrawing.mirrored(3, -2.5) == 0)
        #expect(ComplexPlaneDrawing.mirrored(20.5, 2) == 23 && ComplexPlaneDrawing.mirrored(20.5, -2) == 18)
        #expect(ComplexPlaneDrawing.mirrored(20.5, 0.2) == 21 && ComplexPlaneDrawing.mirrored(20.5, -0.2) == 20)
    }

    @Test func pointsOutsideTheCircleStandOut() {
        let plot = Block.complexPlane(ComplexPlot(title: "2 and 0.5", points: [(2, 0), (0.5, 0)], height: 7))
        #expect(rendered(plot) == """
            2 and 0.5
             2.5i       │
                        │
                      ⡠⠒⠒⠒⢄
                0 ────⡇─┼●⢸──◆─
                      ⠑⠤⠤⠤⠊
                        │
            -2.5i       │
                  -2.5  0   2.5
            ● |λ| ≤ 1: 1   ◆ |λ| > 1: 1
            axes from -2.5 to 2.5; the unit circle
            |λ| = 1 is dotted

            """)
        let colour = rendered(plot, color: true)
        #expect(colour.contains("\u{1B}[1;31m◆") && colour.contains("\u{1B}[1;32m●"))
    }

    @Test func aHugeEigenvalueShrinksTheCircleAndSaysSo() {
        let text = rendered(.complexPlane(ComplexPlot(title: "big", points: [(1e6, 0), (0.5, 0.5), (.nan, 0)])), width: 80)
        #expect(text.contains(" 1.2e+06i "))
        #expect(text.contains("axes from -1.2e+06 to 1.2e+06; the unit circle is a dot at this scale"))
        #expect(text.contains("1 not finite, not drawn"))
    }

    @Test func theScaleIsARoundNumberAboveTheLargestPart() {
        #expect(ComplexPlaneDrawing.niceCeiling(1.1) == 1.2)
        #expect(ComplexPlaneDrawing.niceCeiling(2.2) == 2.5)
        #expect(ComplexPlaneDrawing.niceCeiling(8.8) == 10)
        #expect(ComplexPlaneDrawing.niceCeiling(1.1e6) == 1.2e6)
    }
}

@Suite struct ProgressBarRenderingTests {
    @Test func eighthBlocksInUnicodeAndHashesInASCII() {
        #expect(ProgressBar.line(done: 312, total: 500, width: 32, unicode: true, label: "train") == "train ████████      312/500  62%")
        #expect(ProgressBar.line(done: 313, total: 500, width: 32, unicode: true, label: "train") == "train ████████▏     313/500  62%")
        #expect(ProgressBar.line(done: 312, total: 500, width: 32, unicode: false, label: "train") == "train ########      312/500  62%")
        #expect(ProgressBar.line(done: 7, total: 500, width: 32, unicode: true, label: "") == "▎                     7/500   1%")
        #expect(ProgressBar.line(done: 500, total: 500, width: 32, unicode: true, label: "train") == "train █████████████ 500/500 100%")
    }

    @Test func outOfRangeCountsAndNarrowWidths() {
        #expect(ProgressBar.line(done: 900, total: 500, width: 32, unicode: false, label: "x") == "x ################# 500/500 100%")
        #expect(ProgressBar.line(done: -3, total: 0, width: 20, unicode: false, label: "x") == "x ######### 0/0 100%")
        #expect(ProgressBar.line(done: 1, total: 2, width: 14, unicode: true, label: "sweep") == "sweep 1/2  50%")
        #expect(ProgressBar.line(done: 1, total: 2, width: 13, unicode: true, label: "sweep") == "1/2  50%")
        #expect(ProgressBar.line(done: 1, total: 2, width: 5, unicode: true, label: "sweep") == "  50%")
        for width in [1, 10, 40, 80] {
            #expect(ProgressBar.line(done: 1, total: 3, width: width, unicode: true, label: "‖g‖₂ sweep").count <= width)
            #expect(ProgressBar.line(done: 1, total: 3, width: width, unicode: false, label: "‖g‖₂ sweep").unicodeScalars.allSatisfy { $0.isASCII })
        }
    }
}

/// Every plot, in every mode: within the width, no escapes without colour, ASCII when asked, the same every time.
@Suite struct PlotRenderingLimitsTests {
    static let blocks: [Block] = {
        let steps = (1...300).map(Double.init)
        let exploding: [Double] = steps.map { $0 < 200 ? pow(1.05, $0) : .nan }
        let chart = LineChart(title: "‖∂L/∂h_t‖₂ over training steps, with and without clipping at several thresholds", xName: "training step",
                              x: steps, series: [.init("no clipping at all, the gradient explodes", exploding), .init("clip norm 1", steps.map { 1 + sin($0) / 2 }),
                                                 .init("clip value 0.5", steps.map { 0.5 + cos($0) / 4 })], yScale: .log10)
        let grid: [[Double]] = (0..<60).map { (j: Int) -> [Double] in
            (0..<90).map { (i: Int) -> Double in i == 45 ? .infinity : j == 7 ? -1 : 1e-3 * Double(i * j + 1) }
        }
        let map = Heatmap(title: "loss landscape over the two recurrent weights, with a cliff in the middle", valueName: "loss of the final step",
                          x: .init("W₁₁ (the first recurrent weight)", (0..<90).map { Double($0) / 10 }), y: .init("W₂₂", (0..<60).map { -1.2345e-5 * Double($0) }),
                          values: grid, scale: .log10,
                          trajectories: [.init("plain gradient descent, no clipping at all", [(0, 0), (4.5, -2e-4), (100, 1)]), .init("clip norm 1", [(1, -1e-4)])])
        let points: [(re: Double, im: Double)] = (0..<64).map { (k: Int) in (1.3 * cos(Double(k)), 0.9 * sin(Double(k) * 1.7)) }
        return [.lineChart(chart), .heatmap(map), .complexPlane(ComplexPlot(title: "eigenvalues of a 64×64 W drawn from a Gaussian, in the complex plane", points: points)),
                .complexPlane(ComplexPlot(title: "one huge", points: [(-3e7, 2e7)]))]
    }()

    @Test(arguments: [40, 80, 120])
    func plotsFitTheWidthAndTheMode(width: Int) {
        for block in Self.blocks {
            for (unicode, color) in [(true, false), (false, false), (true, true), (false, true)] {
                let text = rendered(block, width: width, unicode: unicode, color: color)
                for line in text.split(separator: "\n") {
                    #expect(visibleWidth(line) <= width, "\(line)")
                }
                if !color { #expect(!text.contains("\u{1B}")) }
                if !unicode { #expect(text.unicodeScalars.allSatisfy { $0.isASCII }) }
                #expect(text == rendered(block, width: width, unicode: unicode, color: color))
            }
        }
    }
}
