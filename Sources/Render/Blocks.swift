/// What a command shows, as values: the renderers decide spacing, glyphs and colour.
public enum Block: Sendable {
    /// A heading line naming what follows.
    case title(String)
    /// Ordinary text.
    case text(String)
    /// A lesson's paragraphs: wrapped flush left, with indented lines (commands, formulas) kept.
    case prose(String)
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

/// The outcome of one command: blocks for people, fields for `--json`.
public struct Report: Sendable {
    public var command: String
    public var blocks: [Block]
    /// The command-specific JSON fields (after "command" and "ok").
    public var fields: [(String, JSON)]
    /// Whether the shell should end after this command (quit).
    public var quits = false

    public init(command: String, blocks: [Block] = [], fields: [(String, JSON)] = []) {
        self.command = command
        self.blocks = blocks
        self.fields = fields
    }

    /// Every warning among the blocks, so that `--json` readers see them too.
    public var warnings: [String] { blocks.compactMap { if case .warning(let text) = $0 { text } else { nil } } }

    public var json: JSON {
        let warningField: [(String, JSON)] = warnings.isEmpty ? [] : [("warnings", .array(warnings.map(JSON.string)))]
        return .object([("command", .string(command)), ("ok", .bool(true))] + fields + warningField)
    }
}
