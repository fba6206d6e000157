import Foundation
import Testing
@testable import Render
@testable import Shell

/// Help is data (paragraphs and rows) wrapped once to the terminal's width: at every width each
/// line fits, and the words are those of the data, in order.
@Suite struct HelpLayoutTests {
    static let widths = [40, 60, 80, 120]

    /// The words of a command's longer help as written: paragraphs, and each row's term then meaning.
    static func words(_ items: [HelpItem], _ style: OutputStyle) -> [String] {
        let text = items.map { item in
            switch item {
            case .paragraph(let text): text
            case .rows(let rows): rows.map { $0.term + " " + $0.meaning }.joined(separator: " ")
            }
        }.joined(separator: " ")
        return PlotLayout.shown(text, style).split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// Lines longer than the width, unless a word too long for any column (a path, a function
    /// name like torch.nn.utils.clip_grad_norm_:) forced them out.
    static func overlong(_ text: String, width: Int) -> [Substring] {
        text.split(separator: "\n").filter { line in
            line.count > width && !line.split(separator: " ").contains { $0.count > width * 2 / 3 - 5 }
        }
    }

    @Test(arguments: Commands.all.map(\.name), [true, false])
    func everyCommandsHelpFitsEveryWidthAndKeepsItsWords(name: String, unicode: Bool) throws {
        let spec = try #require(Commands.find(name))
        var session = Session()
        let report = try run("help \(name)", in: &session)[0]
        for width in Self.widths {
            let style = OutputStyle(color: false, unicode: unicode, width: width)
            let renderer = TextRenderer(style: style)
            #expect(Self.overlong(renderer.render(report), width: width) == [], "help \(name) at \(width)")
            let details = renderer.render(Report(command: "help", blocks: Commands.detailBlocks(spec.details)))
            #expect(details.split(whereSeparator: \.isWhitespace).map(String.init) == Self.words(spec.details, style), "help \(name) at \(width)")
        }
    }

    /// No details text keeps a hard line break or a run of spaces for alignment: rows align.
    @Test func detailsAreWrittenWithoutLineBreaks() {
        for spec in Commands.all {
            for item in spec.details {
                let texts: [String] = switch item {
                case .paragraph(let text): [text]
                case .rows(let rows): rows.flatMap { [$0.term, $0.meaning] }
                }
                for text in texts {
                    #expect(!text.contains("\n") && !text.contains("  ") && text == text.trimmingCharacters(in: .whitespaces), "\(spec.name): \(text)")
                }
            }
        }
    }

    /// The old hand-wrapped help stayed 84 columns wide on any terminal; now a wide one is used.
    @Test func aWideTerminalIsUsed() throws {
        var session = Session()
        let report = try run("help clip", in: &session)[0]
        let text = TextRenderer(style: OutputStyle(width: 120)).render(report)
        #expect(text.split(separator: "\n").contains { $0.count > 100 })
    }

    @Test(arguments: ["help", "help settings", "help expressions"])
    func theHelpTablesFitEveryWidth(line: String) throws {
        var session = Session()
        let report = try run(line, in: &session)[0]
        for width in Self.widths {
            for unicode in [true, false] {
                let text = TextRenderer(style: OutputStyle(color: false, unicode: unicode, width: width)).render(report)
                #expect(Self.overlong(text, width: width) == [], "\(line) at \(width)")
            }
        }
    }

    /// --json keeps "details" a string (the plain text at 80 columns) and adds the same as data.
    @Test func jsonKeepsDetailsAsTextAndAddsTheItems() throws {
        var session = Session()
        let json = try run("help bptt", in: &session)[0].json
        guard case .string(let details)? = json["details"] else { Issue.record("details is not a string"); return }
        let plain = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 80))
            .render(Report(command: "help", blocks: Commands.detailBlocks(Commands.bptt.details)))
        #expect(details + "\n" == plain)
        #expect(details.hasPrefix("Runs the RNN h_t = φ(W h_{t−1} + U x_t + b) (or the LSTM or GRU of set cell=…,\nhelp cells) over the current sequence (t = 1…T, h_0 = 0),"))
        #expect(details.contains("\n  ‖∂L/∂h_t‖₂     the error that has travelled back to step t\n"))
        guard case .array(let items)? = json["detail_items"] else { Issue.record("no detail_items"); return }
        #expect(items.count == Commands.bptt.details.count)
        #expect(items[0]["paragraph"] != nil)
        guard case .array(let rows)? = items[1]["rows"] else { Issue.record("no rows"); return }
        #expect(rows[0]["term"] == .string("‖∂L/∂h_t‖₂"))
        #expect(rows[0]["meaning"] == .string("the error that has travelled back to step t"))
        #expect(try run("help quit", in: &session)[0].json["details"] == .string(""))
    }
}
