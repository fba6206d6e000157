import Testing
@testable import Render

/// Issue 18: the frames of live are screens of panels laid side by side, cropped to the terminal.
@Suite struct ScreenTests {
    func lines(_ screen: Screen, width: Int, color: Bool = false, unicode: Bool = true) -> [String] {
        TextRenderer(style: OutputStyle(color: color, unicode: unicode, width: width)).lines(screen)
    }

    @Test func panelsSitSideBySideInTheirOwnColumns() {
        let screen = Screen(bands: [
            Screen.Band([Screen.Panel([.text("left one"), .text("left two")], width: 12), Screen.Panel([.text("right")])]),
            Screen.Band([Screen.Panel([.text("under")])]),
        ])
        #expect(lines(screen, width: 40) == ["left one      right", "left two", "under"])
    }

    @Test func aPanelWrapsToItsWidthAndNoLineIsWiderThanTheScreen() {
        let long = String(repeating: "word ", count: 30)
        let screen = Screen(bands: [Screen.Band([Screen.Panel([.text(long)], width: 20), Screen.Panel([.text(long)])])])
        for line in lines(screen, width: 50) { #expect(VisibleText.width(line) <= 50, "\(line)") }
        let chart = Block.lineChart(LineChart(title: "a chart", xName: "t", x: [0, 1, 2], series: [.init("y", [1, 10, 100])], yScale: .log10))
        for line in lines(Screen(bands: [Screen.Band([Screen.Panel([chart]), Screen.Panel([chart], width: 30)])]), width: 70, color: true) {
            #expect(VisibleText.width(line) <= 70, "\(line)")
        }
    }

    @Test func aShortScreenKeepsItsLastBandAndLosesLinesAboveIt() {
        let screen = Screen(bands: [
            Screen.Band([Screen.Panel((1...10).map { .text("line \($0)") })]),
            Screen.Band([Screen.Panel([.text("status")])]),
        ], height: 4)
        #expect(lines(screen, width: 30) == ["line 1", "line 2", "line 3", "status"])
    }

    @Test func fixedPanelsGiveWayOnANarrowScreen() {
        #expect(ScreenDrawing.panelWidths([30, nil], total: 100) == [30, 68])
        #expect(ScreenDrawing.panelWidths([nil, nil, nil], total: 62) == [19, 19, 20])
        let narrow = ScreenDrawing.panelWidths([50, 50], total: 60)
        #expect(narrow.reduce(0, +) + 2 <= 60)
    }

    @Test func visibleWidthSkipsColourAndCutKeepsItWhole() {
        let coloured = "\u{1B}[1;36mρρρρ\u{1B}[0m tail"
        #expect(VisibleText.width(coloured) == 9)
        let cut = VisibleText.cut(coloured, to: 3, color: true)
        #expect(VisibleText.width(cut) == 3)
        #expect(cut.hasPrefix("\u{1B}[1;36mρρρ") && cut.hasSuffix("\u{1B}[0m"))
        #expect(VisibleText.cut("plain", to: 10, color: false) == "plain")
    }

    @Test func arrowsEndInTheirMarkersInsideTheCircle() {
        let plot = ArrowPlot(title: "g", arrows: [.init("g", [3, 1]), .init("norm", [0.9, 0.3])], circle: 1, height: 9)
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 60)).render(Report(command: "t", blocks: [.arrows(plot)]))
        #expect(text.contains("●") && text.contains("■"))
        #expect(text.contains("● g   ■ norm"))
        #expect(text.contains("dotted: ‖·‖₂ = 1"))
        let ascii = TextRenderer(style: OutputStyle(color: false, unicode: false, width: 60)).render(Report(command: "t", blocks: [.arrows(plot)]))
        #expect(!ascii.unicodeScalars.contains { $0.value > 0x7F }, "ASCII only")
    }
}
