/// toml++ (inside TOMLKit 0.6.0) stops the whole program with a failed assertion, instead of
/// reporting an error, on a table header with no name (`[` alone on a line, `[ `, `[[`, `[.a]`), on
/// one whose name starts with a letter outside ASCII (`[δ]`, also after a byte-order mark), and on a
/// bracket that closes the wrong kind (`a = [1, }`). This check, found by fuzzing the lesson
/// loader, catches both first, so that a broken lesson file is a problem with a line and column,
/// never a crash. It reads lines as TOML does: headers only at the top level, strings and comments
/// skipped, a multi-line string or array followed across lines.
enum HeaderGuard {
    static func problem(in text: String) -> (SourcePosition, String)? {
        var closing: String? = nil  // the delimiter of the multi-line string being read
        var open: [(Character, SourcePosition)] = []  // brackets and braces of a value, still open
        // Unicode scalars, not Characters: every delimiter is ASCII, and grapheme breaking would
        // cost most of the time of loading a lesson.
        for (index, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(raw)
            var i = 0
            if let delimiter = closing {
                guard let end = find(delimiter, in: line, from: 0) else { continue }
                closing = nil
                i = end + 3
            } else {
                if index == 0, line.first == "\u{FEFF}" { i = 1 }  // a byte-order mark, which toml++ skips
                while i < line.count, line[i] == " " || line[i] == "\t" { i += 1 }
                if open.isEmpty, i < line.count, line[i] == "[" {
                    var j = i + 1
                    if j < line.count, line[j] == "[" { j += 1 }
                    while j < line.count, line[j] == " " || line[j] == "\t" { j += 1 }
                    guard j < line.count, "_-\"'".unicodeScalars.contains(line[j]) || line[j].isASCII && line[j].properties.isAlphabetic
                            || ("0"..."9").contains(line[j]) else {
                        if j < line.count, !line[j].isASCII && !line[j].properties.isWhitespace {
                            return (SourcePosition(line: index + 1, column: j + 1),
                                    "a table name without quotes may use only A–Z, a–z, 0–9, _ and -; write it like [[step]] or [setup]")
                        }
                        return (SourcePosition(line: index + 1, column: i + 1),
                                "this table header has no name; write it like [[step]] or [setup]")
                    }
                }
            }
            // The rest of the line: strings are skipped, brackets counted.
            while i < line.count {
                let c = line[i]
                if c == "#" { break }
                if c == "\"" || c == "'" {
                    let triple = String(repeating: String(Character(c)), count: 3)
                    if starts(triple, in: line, at: i) {
                        if let end = find(triple, in: line, from: i + 3) { i = end + 3; continue }
                        closing = triple
                        break
                    }
                    i += 1
                    while i < line.count, line[i] != c {
                        if c == "\"", line[i] == "\\" { i += 1 }
                        i += 1
                    }
                    i += 1
                    continue
                }
                let at = SourcePosition(line: index + 1, column: i + 1)
                if c == "[" || c == "{" { open.append((Character(c), at)) }
                if c == "]" || c == "}" {
                    let opener: Character = c == "]" ? "[" : "{"
                    if let last = open.last, last.0 != opener {
                        return (at, "'\(c)' does not close the '\(last.0)' opened at \(last.1)")
                    }
                    if !open.isEmpty { open.removeLast() }
                }
                i += 1
            }
        }
        return nil
    }

    private static func find(_ needle: String, in line: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        while i < line.count {
            if starts(needle, in: line, at: i) { return i }
            i += 1
        }
        return nil
    }

    private static func starts(_ needle: String, in line: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i
        for scalar in needle.unicodeScalars {
            guard j < line.count, line[j] == scalar else { return false }
            j += 1
        }
        return true
    }
}
