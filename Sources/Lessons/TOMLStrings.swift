/// The strings of a lesson file as they are written: where each one opens, whether it is closed,
/// and each character it holds with the place in the file it comes from (an escape such as
/// `\u001b` is one character, placed at its backslash). TOMLKit gives a string's value but not
/// where its characters are, and it cuts a string at an escaped NUL; this scan lets the loader
/// name the line and column of a control character, of an unclosed string and of each command
/// line of a multi-line `solution`. It follows TOML's four kinds of string and skips comments.
struct TOMLStrings {
    struct Character: Sendable {
        var scalar: Unicode.Scalar
        var position: SourcePosition
    }

    struct Token: Sendable {
        /// Where the opening quote is.
        var start: SourcePosition
        /// `"""…"""` or `'''…'''`.
        var multiline: Bool
        /// `"` or `'`.
        var quote: Unicode.Scalar
        /// False when the line (or, for a multi-line string, the file) ends first.
        var closed: Bool
        /// What the string holds, escapes worked out.
        var characters: [Character]

        /// Where each line that is not all spaces starts (its first character that is not a
        /// space). Start-up reads every text, so the lines' own text is never made.
        var linePositions: [SourcePosition] {
            var result: [SourcePosition] = []
            var first: SourcePosition? = nil
            for character in characters {
                let scalar = character.scalar
                if scalar == "\n" {
                    if let first { result.append(first) }
                    first = nil
                } else if first == nil, scalar != " ", scalar != "\t", scalar.isASCII || !scalar.properties.isWhitespace {
                    first = character.position
                }
            }
            if let first { result.append(first) }
            return result
        }
    }

    private(set) var tokens: [Token] = []

    /// Whether a character may not be shown: C0 controls other than newline and tab, DEL, and C1.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    /// The name of a control character, for messages: "ESC", "NUL".
    static func name(_ scalar: Unicode.Scalar) -> String {
        let names = ["NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR", "SO", "SI",
                     "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"]
        let code = "U+" + String(repeating: "0", count: max(0, 4 - String(scalar.value, radix: 16).count)) + String(scalar.value, radix: 16, uppercase: true)
        if scalar.value < 0x20 { return "\(code) (\(names[Int(scalar.value)]))" }
        return scalar.value == 0x7F ? "\(code) (DEL)" : code
    }

    init(_ text: String) {
        let s = Array(text.unicodeScalars)
        var i = 0, line = 1, lineStart = 0
        func position(_ index: Int) -> SourcePosition { SourcePosition(line: line, column: index - lineStart + 1) }
        func at(_ index: Int, _ needle: String) -> Bool {
            var j = index
            for scalar in needle.unicodeScalars {
                guard j < s.count, s[j] == scalar else { return false }
                j += 1
            }
            return true
        }
        /// Steps over a newline at `i` (LF, or CR LF), counting the line.
        func newline() -> Bool {
            if s[i] == "\n" { i += 1 } else if s[i] == "\r", i + 1 < s.count, s[i + 1] == "\n" { i += 2 } else { return false }
            line += 1
            lineStart = i
            return true
        }
        while i < s.count {
            let c = s[i]
            if newline() { continue }
            if c == "#" {  // a comment, to the end of the line
                while i < s.count, s[i] != "\n", !(s[i] == "\r" && i + 1 < s.count && s[i + 1] == "\n") { i += 1 }
                continue
            }
            guard c == "\"" || c == "'" else { i += 1; continue }
            let basic = c == "\""
            let triple = String(repeating: String(c), count: 3)
            var token = Token(start: position(i), multiline: at(i, triple), quote: c, closed: false, characters: [])
            i += token.multiline ? 3 : 1
            if token.multiline, i < s.count { _ = newline() }  // a newline right after the opening is not part of the string
            while i < s.count {
                let here = position(i)
                if s[i] == c {
                    if !token.multiline { token.closed = true; i += 1; break }
                    var run = 0
                    while i + run < s.count, s[i + run] == c { run += 1 }
                    if run >= 3 {  // up to two quotes may come just before the closing three
                        for k in 0..<min(run - 3, 2) { token.characters.append(Character(scalar: c, position: position(i + k))) }
                        token.closed = true
                        i += run
                        break
                    }
                    for k in 0..<run { token.characters.append(Character(scalar: c, position: position(i + k))) }
                    i += run
                    continue
                }
                if s[i] == "\n" || (s[i] == "\r" && i + 1 < s.count && s[i + 1] == "\n") {
                    guard token.multiline else { break }  // a one-line string ends with its line: not closed
                    _ = newline()
                    token.characters.append(Character(scalar: "\n", position: here))
                    continue
                }
                if basic, s[i] == "\\" {
                    i += 1
                    guard i < s.count else { break }
                    if token.multiline {  // a backslash at the end of a line joins it to the next text
                        var j = i
                        while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                        if j < s.count, s[j] == "\n" || s[j] == "\r" {
                            i = j
                            while i < s.count {
                                if newline() { continue }
                                guard s[i] == " " || s[i] == "\t" else { break }
                                i += 1
                            }
                            continue
                        }
                    }
                    let simple: [Unicode.Scalar: UInt32] = ["b": 8, "t": 9, "n": 10, "f": 12, "r": 13, "e": 27, "\"": 34, "\\": 92]
                    var value: UInt32? = simple[s[i]]
                    var length = 1
                    if let digits = ["x": 2, "u": 4, "U": 8][s[i]] {
                        var hex = String.UnicodeScalarView()
                        var j = i + 1
                        while j < s.count, hex.count < digits, s[j].properties.isASCIIHexDigit { hex.append(s[j]); j += 1 }
                        value = UInt32(String(hex), radix: 16)
                        length = 1 + hex.count
                    }
                    token.characters.append(Character(scalar: value.flatMap(Unicode.Scalar.init) ?? s[i], position: here))
                    i += length
                    continue
                }
                token.characters.append(Character(scalar: s[i], position: here))
                i += 1
            }
            tokens.append(token)
        }
    }
}
