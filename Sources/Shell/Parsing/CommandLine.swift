/// One command of a line: the verb, its words, and the raw text after the verb.
public struct CommandCall: Sendable, Equatable {
    public var verb: String
    /// The arguments split at white space; a bracketed group such as `[6, 8]` or `W=[[1, 0], [0, 1]]`
    /// stays one word, and so does a quoted string.
    public var words: [String]
    /// Everything after the verb, trimmed (the calculator reads this as one expression).
    public var rest: String

    public init(verb: String, words: [String], rest: String) {
        self.verb = verb
        self.words = words
        self.rest = rest
    }
}

/// Splits a line into commands: `;` separates commands, `#` starts a comment; neither counts inside
/// brackets, parentheses or double quotes.
public enum LineSplitter {
    public static func split(_ line: String) throws(ShellError) -> [CommandCall] {
        var pieces: [String] = []
        var current = ""
        var depth: [Character] = []
        var inQuote = false
        for ch in line {
            if inQuote {
                current.append(ch)
                if ch == "\"" { inQuote = false }
                continue
            }
            switch ch {
            case "\"":
                inQuote = true
                current.append(ch)
            case "[", "(":
                depth.append(ch)
                current.append(ch)
            case "]", ")":
                let opener: Character = ch == "]" ? "[" : "("
                guard depth.last == opener else {
                    throw ShellError("unbalanced '\(ch)': there is no '\(opener)' before it to close")
                }
                depth.removeLast()
                current.append(ch)
            case ";" where depth.isEmpty:
                pieces.append(current)
                current = ""
            case "#" where depth.isEmpty:
                pieces.append(current)
                return try parseCommands(pieces)
            default:
                current.append(ch)
            }
        }
        if inQuote { throw ShellError("unbalanced '\"': add the closing quote") }
        if let open = depth.last {
            throw ShellError("unbalanced '\(open)': add the missing '\(open == "[" ? "]" : ")")'")
        }
        pieces.append(current)
        return try parseCommands(pieces)
    }

    static func parseCommands(_ pieces: [String]) throws(ShellError) -> [CommandCall] {
        var calls: [CommandCall] = []
        for piece in pieces {
            if let call = try parseCommand(piece) { calls.append(call) }
        }
        return calls
    }

    static func parseCommand(_ text: String) throws(ShellError) -> CommandCall? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        // The calculator's verb needs no space after it: "=2+2".
        if trimmed.hasPrefix("=") {
            let rest = String(trimmed.dropFirst()).trimmingWhitespace()
            return CommandCall(verb: "=", words: rest.isEmpty ? [] : [rest], rest: rest)
        }
        let words = try splitWords(trimmed)
        let verb = words[0]
        let rest = String(trimmed.dropFirst(verb.count)).trimmingWhitespace()
        return CommandCall(verb: verb, words: Array(words.dropFirst()), rest: rest)
    }

    /// White-space separated words; white space inside brackets or quotes does not split.
    static func splitWords(_ text: String) throws(ShellError) -> [String] {
        var words: [String] = []
        var current = ""
        var depth = 0
        var inQuote = false
        for ch in text {
            if ch == "\"" { inQuote.toggle() }
            if !inQuote {
                if ch == "[" || ch == "(" { depth += 1 }
                if ch == "]" || ch == ")" { depth -= 1 }
            }
            if ch.isWhitespace && depth == 0 && !inQuote {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
