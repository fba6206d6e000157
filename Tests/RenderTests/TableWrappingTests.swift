import Foundation
import Testing
@testable import Render

@Suite struct TableWrappingTests {
    let table = Table(columns: [.init("key", numeric: false), .init("meaning", numeric: false), .init("accepts", numeric: false)], rows: [
        [.text("rho"), .text("rescale W to this spectral radius ρ(W)"), .text("a number from 0 to 100, or none to keep W as drawn")],
        [.text("nonfinite"), .text("what training does with a NaN or Inf step"), .text("stop, skip (skip:N gives up after N in a row; default 5), propagate")],
    ], gapsAfter: [0])

    /// Numbers do not wrap: a grid too wide for the terminal goes in bands of columns, each
    /// repeating the first, and no line is wider than the terminal.
    @Test func aGridTooWideGoesInBandsThatRepeatTheFirstColumn() {
        let grid = Table(columns: [.init("rho \\ T", numeric: false)] + (1...12).map { .init("T=\($0 * 10)") },
                         rows: [0.8, 1.4].map { rho in [.text("\(rho)")] + (1...12).map { .number(pow(rho, Double($0 * 10)) * 1.2345) } })
        let text = rendered(.table(grid), width: 80)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 80 })
        let headers = lines.filter { $0.hasPrefix("rho \\ T") }
        #expect(headers.count == 2 && headers[0].contains("T=10") && headers[1].contains("T=120") && !headers[1].contains("T=10 "))
        #expect(lines.filter { $0.hasPrefix("1.4") }.count == 2)
        // Every column is in exactly one band.
        for t in 1...12 { #expect(headers.filter { $0.split(separator: " ").contains("T=\(t * 10)") }.count == 1) }
        #expect(rendered(.table(grid), width: 400).split(separator: "\n").filter { $0.hasPrefix("rho") }.count == 1)
    }

    @Test func aTableThatFitsIsUnchanged() {
        #expect(rendered(.table(table), width: 160) == """
            key        meaning                                    accepts
            ─────────  ─────────────────────────────────────────  ───────────────────────────────────────────────────────────────────
            rho        rescale W to this spectral radius ρ(W)     a number from 0 to 100, or none to keep W as drawn

            nonfinite  what training does with a NaN or Inf step  stop, skip (skip:N gives up after N in a row; default 5), propagate

            """)
    }

    /// The last column gives way first, down to 20 columns; then the widest text column.
    @Test func aNarrowTerminalWrapsTheTextColumnsUnderThemselves() {
        #expect(rendered(.table(table), width: 60) == """
            key        meaning                     accepts
            ─────────  ──────────────────────────  ────────────────────
            rho        rescale W to this spectral  a number from 0 to
                       radius ρ(W)                 100, or none to keep
                                                   W as drawn

            nonfinite  what training does with a   stop, skip (skip:N
                       NaN or Inf step             gives up after N in
                                                   a row; default 5),
                                                   propagate

            """)
    }

    @Test(arguments: [40, 50, 60, 80, 100, 120])
    func everyLineFitsAndEveryCellKeepsItsWords(width: Int) {
        let text = rendered(.table(table), width: width)
        for line in lines(text) { #expect(line.count <= width, "\(line)") }
        let cells = table.rows.flatMap { $0 }.map { cell -> String in if case .text(let s) = cell { s } else { "" } }
        #expect(text.split(whereSeparator: \.isWhitespace).filter { !$0.allSatisfy { $0 == "─" } }.count
            == (["key", "meaning", "accepts"] + cells).flatMap { $0.split(separator: " ") }.count)
    }
}

/// compare's table at 60 columns was one character too wide, and its cells have no space to wrap
/// at: a table that fits with one space between columns gets one.
@Test func aTableJustTooWideClosesUpItsColumns() {
    let table = Table(columns: [.init("clip", numeric: false), .init("final loss", numeric: true), .init("diverged at", numeric: false),
                                .init("max ‖g‖₂", numeric: true), .init("clipped", numeric: false), .init("verdict", numeric: false)],
                      rows: [[.text("norm 1"), .number(0), .text("—"), .number(2.749), .text("6%"), .text("loss fell")]])
    let wide = rendered(.table(table), width: 80)
    #expect(wide.split(separator: "\n").map(\.count).max() == 61)
    let narrow = rendered(.table(table), width: 60)
    #expect(narrow.split(separator: "\n").map(\.count).max() == 56, "\(narrow)")
    #expect(narrow.contains("norm 1 "))
}
