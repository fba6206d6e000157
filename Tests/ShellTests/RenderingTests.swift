import StateFiles
import Foundation
import Lessons
import Testing
@testable import TerminalDriver
@testable import Render
@testable import Shell

@Suite struct SparklineTests {
    let unicode = SparklineGlyphs(unicode: true)
    let ascii = SparklineGlyphs(unicode: false)

    @Test func logScaleRisesOneLevelPerEqualRatio() {
        let values = (0..<8).map { pow(10.0, Double($0)) }
        #expect(SparklineDrawing.draw(values, scale: .log10, width: 80, glyphs: unicode).text == "▁▂▃▄▅▆▇█")
        #expect(SparklineDrawing.draw(values, scale: .log10, width: 80, glyphs: ascii).text == "_.-:=+*#")
    }

    @Test func zeroNaNAndInfinitiesHaveTheirOwnGlyphs() {
        let d = SparklineDrawing.draw([1, 0, .nan, .infinity, 10], scale: .log10, width: 80, glyphs: unicode)
        #expect(d.text == "▁·×▲█")
        #expect(d.sawZero && d.sawNaN && d.sawPositiveInfinity)
        let lin = SparklineDrawing.draw([-.infinity, 0, 1], scale: .linear, width: 80, glyphs: ascii)
        #expect(lin.text == "v_#")
    }

    @Test func downsamplingKeepsTheLargestValueOfEachBucket() {
        var values = [Double](repeating: 1, count: 1000)
        values[777] = 1e6
        let points = SparklineDrawing.downsample(values, to: 50, scale: .log10)
        #expect(points.count == 50)
        #expect(points.filter { $0 == 1e6 }.count == 1)
        values[10] = .nan
        #expect(SparklineDrawing.downsample(values, to: 50, scale: .log10).first!.isNaN)
    }

    @Test func renderedSparklineFitsTheWidth() {
        let renderer = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 60))
        let text = renderer.render(Report(command: "x", blocks: [.sparkline(Sparkline(title: "t", values: (1...500).map(Double.init), scale: .log10))]))
        for line in text.split(separator: "\n") { #expect(line.count <= 60) }
    }
}

@Suite struct FormatTests {
    @Test func numbers() {
        #expect(NumberFormat.short(0.6000000000000001) == "0.6")
        #expect(NumberFormat.short(1470.0) == "1470")
        #expect(NumberFormat.short(.nan) == "NaN")
        #expect(NumberFormat.short(-.infinity) == "-Inf")
        #expect(NumberFormat.column([1, 1e6]) == ["1.000e+00", "1.000e+06"])
        #expect(NumberFormat.column([1, 2.5]) == ["1", "2.5"])
    }

    @Test func jsonWritesNonFiniteNumbersAsStrings() {
        let json = JSON.object([("a", .numbers([1.5, .nan, .infinity, -.infinity])), ("s", .string("é\"\n\u{1B}"))])
        #expect(json.serialized() == #"{"a":[1.5,"NaN","Infinity","-Infinity"],"s":"é\"\n\u001b"}"#)
    }

    @Test func asciiModeLeavesNoUnicode() {
        let renderer = TextRenderer(style: OutputStyle(color: false, unicode: false, width: 80))
        var session = Session()
        let report = try! Commands.run(CommandCall(verb: "bptt", words: [], rest: ""), in: &session)
        let text = renderer.render(report)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func tablesAlignNumbersRight() {
        let renderer = TextRenderer(style: OutputStyle())
        let text = renderer.render(Report(command: "x", blocks: [.table(Table(columns: [.init("k"), .init("v")], rows: [[.integer(1), .number(10)], [.integer(10), .number(2.5)]]))]))
        #expect(text == " k    v\n──  ───\n 1   10\n10  2.5\n")
    }
}

@Suite struct StateFileTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "gradlab-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func historyRoundTripsUTF8AndKeepsTheLastEntries() throws {
        var history = HistoryFile(directory: temporaryDirectory() + "/nested")
        history.limit = 3
        try history.save(["a", "= 2 # é→ü", "b", "c"])
        let (lines, warning) = history.load()
        #expect(lines == ["= 2 # é→ü", "b", "c"])
        #expect(warning == nil)
    }

    @Test func aHugeHistoryIsReadFromItsEndOnly() throws {
        let history = HistoryFile(directory: temporaryDirectory())
        let text = String(repeating: "o", count: 5 << 20) + "\nbptt\n= 1+1\n"
        #expect(FileManager.default.createFile(atPath: history.path, contents: Data(text.utf8)))
        let (lines, warning) = history.load()
        #expect(lines == ["bptt", "= 1+1"])
        #expect(warning == nil)
    }

    @Test func boundedReadsRefuseWhatIsTooLong() throws {
        let path = temporaryDirectory() + "/f"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("12345".utf8)))
        #expect(BoundedFile.read(path, limit: 5) == .contents(Array("12345".utf8)))
        #expect(BoundedFile.read(path, limit: 4) == .tooLarge)
        #expect(BoundedFile.read("/dev/zero", limit: 1000, anyKind: true) == .tooLarge, "a script read from an endless device is still bounded")
        #expect(BoundedFile.read(path + "x", limit: 4) == .missing)
        #expect(BoundedFile.read(temporaryDirectory(), limit: 4) == .unreadable("it is a folder"))
    }

    @Test func aCorruptHistoryIsMovedAsideNotLost() throws {
        let dir = temporaryDirectory()
        let history = HistoryFile(directory: dir)
        #expect(FileManager.default.createFile(atPath: history.path, contents: Data([0x66, 0xff, 0xfe, 0x0a])))
        let (lines, warning) = history.load()
        #expect(lines.isEmpty)
        #expect(warning?.contains("moved to") == true)
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("history.corrupt-") }
        #expect(aside.count == 1)
        #expect(FileManager.default.contents(atPath: dir + "/" + aside[0]) == Data([0x66, 0xff, 0xfe, 0x0a]))
    }

    @Test func stateDirectoryFollowsTheEnvironment() {
        #expect(StateDirectory.path(environment: ["GRADLAB_HOME": "/g", "XDG_STATE_HOME": "/x", "HOME": "/h"]) == "/g")
        #expect(StateDirectory.path(environment: ["XDG_STATE_HOME": "/x", "HOME": "/h"]) == "/x/gradlab")
        #expect(StateDirectory.path(environment: ["HOME": "/h"]) == "/h/.local/state/gradlab")
    }
}

@Suite struct InertTextTests {
    /// Escape sequences that would set the title, write the clipboard or clear the screen reach the
    /// terminal as visible text, never as control characters.
    @Test func controlCharactersAreShownNotSent() {
        let hostile = "title \u{1B}]0;pwned\u{07} clipboard \u{1B}]52;c;aGk=\u{07} clear \u{1B}[2J c1 \u{9B}2J del \u{7F}"
        let renderer = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200))
        let text = renderer.render(Report(command: "x", blocks: [.text(hostile), .values([("v", .text(hostile))])])) + renderer.renderError(hostile)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x7F })
        #expect(text.contains("title ^[]0;pwned^G clipboard ^[]52;c;aGk=^G clear ^[[2J c1 <U+009B>2J del ^?"))
        #expect(Inert.text("tabs\tand\nnewlines stay") == "tabs\tand\nnewlines stay")
        #expect(Inert.text("ρ(W) é 🙂\u{1B}\u{0}") == "ρ(W) é 🙂^[^@", "text of any script stays as it was around a control")
        // Issue 16, finding 6: a megabyte of ESC is made inert in one pass (it took over a minute).
        let megabyte = String(repeating: "\u{1B}", count: 1 << 20)
        #expect(Inert.text(megabyte).utf8.count == 2 << 20)
    }
}
