/// toml++ (inside TOMLKit 0.6.0) stops the whole program with a failed assertion, instead of
/// reporting an error, on a table header with no name (`[` alone on a line, `[ `, `[[`, `[.a]`) and
/// on a bracket that closes the wrong kind (`a = [1, }`). This check, found by fuzzing the lesson
/// loader, catches both first, so that a broken lesson file is a problem with a line and column,
/// never a crash. It reads lines as TOML does: headers only at the top level, strings and comments
/// skipped, a multi-line string or array followed across lines.
enum HeaderGuard {
    static func problem(in text: String) -> (SourcePosition, String)? {
        var closing: String? = nil  // the delimiter of the multi-line string being read
        var open: [(Character, SourcePosition)] = []  // brackets and braces of a value, still open
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(raw)
            var i = 0
            if let delimiter = closing {
                guard let end = find(delimiter, in: line, from: 0) else { continue }
                closing = nil
                i = end + 3
            } else {
                while i < line.count, line[i] == " " || line[i] == "\t" { i += 1 }
                if open.isEmpty, i < line.count, line[i] == "[" {
                    var j = i + 1
                    if j < line.count, line[j] == "[" { j += 1 }
                    while j < line.count, line[j] == " " || line[j] == "\t" { j += 1 }
                    let named = j < line.count && (line[j].isLetter || line[j].isNumber || "_-\"'".contains(line[j]))
                    if !named {
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
                    let triple = String(repeating: String(c), count: 3)
                    if find(triple, in: line, from: i) == i {
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
                if c == "[" || c == "{" { open.append((c, at)) }
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

    private static func find(_ needle: String, in line: [Character], from start: Int) -> Int? {
        let n = Array(needle)
        guard line.count >= n.count, start <= line.count - n.count else { return nil }
        for i in start...(line.count - n.count) where Array(line[i..<(i + n.count)]) == n { return i }
        return nil
    }
}
