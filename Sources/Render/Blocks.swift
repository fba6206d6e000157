/// What a command shows, as values: the renderers decide spacing, glyphs and colour.
public enum Block: Sendable {
    /// A heading line naming what follows.
    case title(String)
    /// Ordinary text.
    case text(String)
    /// Paragraphs (a lesson's, a command's help): wrapped flush left, with indented lines
    /// (commands, formulas) kept.
    case prose(String)
    /// Terms and what they mean, one row each ("norm τ   global norm clipping…"), indented by two
    /// columns: the terms share a column as wide as the widest of them, up to a third of the width
    /// (a longer term has a line of its own), and each meaning wraps under itself. A row whose
    /// meaning is empty is a term alone, such as an example command.
    case definitions([(term: String, meaning: String)])
    /// A secondary remark (shown dimmed on a colour terminal).
    case note(String)
    /// Something the learner should not miss: a NaN, a skipped computation.
    case warning(String)
    /// Labelled values on one or more lines, e.g. "loss 0.5123   ‖∇L‖₂ 1234".
    case values([(String, Cell)])
    case table(Table)
    case sparkline(Sparkline)
    /// Series over a shared x axis in braille (steps, or a swept parameter).
    case lineChart(LineChart)
    /// Values over a grid of two parameters, with optional trajectories on top.
    case heatmap(Heatmap)
    /// Points of the complex plane (eigenvalues) with the unit circle.
    case complexPlane(ComplexPlot)
    /// Vectors of the plane as arrows from the origin (a 2-D gradient, clipped three ways).
    case arrows(ArrowPlot)
    /// A whole screen of panels side by side (a frame of `live`).
    case screen(Screen)
}

/// One cell of a table or labelled value.
public enum Cell: Sendable {
    case text(String)
    case number(Double)
    case integer(Int)
    case vector([Double])
}

public struct Table: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var numeric: Bool
        public init(_ title: String, numeric: Bool = true) {
            self.title = title
            self.numeric = numeric
        }
    }

    public var columns: [Column]
    public var rows: [[Cell]]
    /// Row indices after which rows were left out (drawn as a "⋮" row).
    public var gapsAfter: Set<Int>

    public init(columns: [Column], rows: [[Cell]], gapsAfter: Set<Int> = []) {
        self.columns = columns
        self.rows = rows
        self.gapsAfter = gapsAfter
    }
}

/// A series drawn as one line of eighth-blocks.
public struct Sparkline: Sendable {
    public enum Scale: Sendable { case linear, log10 }
    public var title: String
    public var values: [Double]
    public var scale: Scale
    /// What the two ends of the line stand for ("t=40", "t=0"); the first and last values when nil.
    public var ends: (start: String, end: String)?

    public init(title: String, values: [Double], scale: Scale, ends: (start: String, end: String)? = nil) {
        self.title = title
        self.values = values
        self.scale = scale
        self.ends = ends
    }
}

/// A command's outcome, presented two ways: blocks for people, the fields of a JSON object for
/// `--json`. A command returns a typed result that conforms; each way is made only when it is
/// asked for, so text output never builds the JSON of a 512×512 matrix, and numbers are formatted
/// only when rendered.
public protocol Presentation: Sendable {
    /// What a person reads.
    var blocks: [Block] { get }
    /// The command-specific JSON fields (after "command" and "ok").
    var fields: [(String, JSON)] { get }
    /// Every warning, so that `--json` readers see them too (by default, the warning blocks).
    var warnings: [String] { get }
}

extension Presentation {
    public var warnings: [String] { blocks.compactMap { if case .warning(let text) = $0 { text } else { nil } } }
}

/// A presentation written out in full: for commands whose outcome is text (help, lessons, set).
public struct Written: Presentation {
    public var blocks: [Block]
    public var fields: [(String, JSON)]

    public init(blocks: [Block] = [], fields: [(String, JSON)] = []) {
        self.blocks = blocks
        self.fields = fields
    }
}

/// The outcome of one command: what it found, and how to present it.
public struct Report: Sendable {
    public var command: String
    public var content: any Presentation
    /// Whether the shell should end after this command (quit).
    public var quits = false

    public init(command: String, _ content: any Presentation) {
        self.command = command
        self.content = content
    }

    public init(command: String, blocks: [Block] = [], fields: [(String, JSON)] = []) {
        self.init(command: command, Written(blocks: blocks, fields: fields))
    }

    public var blocks: [Block] { content.blocks }

    public var warnings: [String] { content.warnings }

    public var json: JSON {
        let warnings = content.warnings
        let warningField: [(String, JSON)] = warnings.isEmpty ? [] : [("warnings", .array(warnings.map(JSON.string)))]
        return .object([("command", .string(command)), ("ok", .bool(true))] + content.fields + warningField)
    }
}
