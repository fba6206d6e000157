/// Where each key of a lesson file is written. TOMLKit checks the syntax and gives the values but
/// not their positions, so this scan of the (already valid) text finds them, for problems that name
/// a line and column.
struct KeyLocator {
    /// Keys of the top level, and `setup.KEY` for the lesson's `[setup]`.
    private(set) var top: [String: SourcePosition] = [:]
    /// For each `[[step]]`: the header's position and its keys (`setup.KEY` for its setup), and
    /// where its `[step.setup]` header is, when it has one.
    private(set) var steps: [(header: SourcePosition, keys: [String: SourcePosition], setupHeader: SourcePosition?)] = []
    /// Where the lesson's `[setup]` header is, when it has one.
    private(set) var setupHeader: SourcePosition? = nil
    /// Every key, in the order of the file, named as in `top` and `steps` ("text", "setup.rho"):
    /// a string written after a key and before the next one is (part of) that key's value.
    private(set) var all: [(name: String, position: SourcePosition)] = []
    /// Tables other than `[setup]`, `[[step]]` and `[step.setup]`, which the format does not have.
    private(set) var unknownTables: [(name: String, position: SourcePosition)] = []

    init(_ text: String) {
        enum Section { case top, setup, step, stepSetup, other }
        var section = Section.top
        var closing: String? = nil  // the delimiter of a multi-line string being skipped
        // Unicode scalars, not Characters: the syntax is ASCII, and grapheme breaking would cost
        // most of the time of loading a lesson.
        for (index, rawLine) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(rawLine)
            let number = index + 1
            if let delimiter = closing {
                if Self.count(delimiter, in: line[...]) % 2 == 1 { closing = nil }
                continue
            }
            var start = 0
            while start < line.count, line[start] == " " || line[start] == "\t" { start += 1 }
            guard start < line.count, line[start] != "#" else { continue }
            let at = SourcePosition(line: number, column: start + 1)
            if line[start] == "[" {
                let header = String(String.UnicodeScalarView(line[start...].prefix { $0 != "#" }.filter { !$0.properties.isWhitespace }))
                switch header {
                case "[[step]]": section = .step; steps.append((at, [:], nil))
                case "[setup]": section = .setup; setupHeader = at
                case "[step.setup]":
                    section = steps.isEmpty ? .other : .stepSetup
                    if !steps.isEmpty { steps[steps.count - 1].setupHeader = at }
                default:
                    section = .other
                    unknownTables.append((header, at))
                }
                continue
            }
            guard let (key, afterEquals) = Self.key(line, from: start) else { continue }
            for delimiter in ["\"\"\"", "'''"] where Self.count(delimiter, in: line[afterEquals...]) % 2 == 1 {
                closing = delimiter
            }
            var found = [(key, at)]
            if let brace = line[afterEquals...].firstIndex(of: "{") {  // an inline table: its keys too
                var i = brace + 1
                while i < line.count {
                    while i < line.count, line[i] == " " || line[i] == "," { i += 1 }
                    guard let (inner, next) = Self.key(line, from: i) else { break }
                    found.append((key + "." + inner, SourcePosition(line: number, column: i + 1)))
                    i = next
                    var depth = 0, quote: Unicode.Scalar? = nil
                    while i < line.count {  // skip the value
                        let c = line[i]
                        if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c }
                        else if c == "[" || c == "{" { depth += 1 } else if c == "]" || c == "}" { if depth == 0 { break }; depth -= 1 }
                        else if c == ",", depth == 0 { break }
                        i += 1
                    }
                }
            }
            for (name, position) in found {
                switch section {
                case .top: top[name] = position
                case .setup: top["setup." + name] = position
                case .step: steps[steps.count - 1].keys[name] = position
                case .stepSetup: steps[steps.count - 1].keys["setup." + name] = position
                case .other: break
                }
                all.append(([.setup, .stepSetup].contains(section) ? "setup." + name : name, position))
            }
        }
    }

    /// How many times `needle` occurs in `line`, not overlapping.
    private static func count(_ needle: String, in line: ArraySlice<Unicode.Scalar>) -> Int {
        let n = Array(needle.unicodeScalars)
        var found = 0, i = line.startIndex
        while i + n.count <= line.endIndex {
            if line[i..<(i + n.count)].elementsEqual(n) { found += 1; i += n.count } else { i += 1 }
        }
        return found
    }

    /// A bare or quoted key at `start` followed by `=`: the key and the index after the `=`.
    private static func key(_ line: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var i = start
        var key = String.UnicodeScalarView()
        if i < line.count, line[i] == "\"" || line[i] == "'" {
            let quote = line[i]
            i += 1
            while i < line.count, line[i] != quote { key.append(line[i]); i += 1 }
            i += 1
        } else {
            while i < line.count, line[i].properties.isAlphabetic || line[i].properties.numericType != nil || "_-.".unicodeScalars.contains(line[i]) {
                key.append(line[i])
                i += 1
            }
        }
        while i < line.count, line[i] == " " || line[i] == "\t" { i += 1 }
        guard !key.isEmpty, i < line.count, line[i] == "=" else { return nil }
        return (String(key), i + 1)
    }
}
