import Render
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
        let (calls, error) = splitKeepingWhatParses(line)
        if let error { throw error }
        return calls
    }

    /// The commands of the line up to the first one that does not parse, and that one's error:
    /// `set rho=1.2; check (1 < 2` still sets rho, then reports the bracket.
    public static func splitKeepingWhatParses(_ line: String) -> (calls: [CommandCall], error: ShellError?) {
        var pieces: [String] = []
        do throws(ShellError) {
            let calls = try scan(line, into: &pieces)
            return (calls, nil)
        } catch {
            return ((try? parseCommands(pieces)) ?? [], error)
        }
    }

    /// Splits `line` into command texts, appending each complete one to `pieces` as it is found.
    static func scan(_ line: String, into pieces: inout [String]) throws(ShellError) -> [CommandCall] {
        var current = ""
        var depth: [Character] = []
        var inQuote = false
        var column = 0
        var openedAt: [Int] = []  // columns of the open brackets
        var quoteAt = 0
        for ch in line {
            column += 1
            if inQuote {
                current.append(ch)
                if ch == "\"" { inQuote = false }
                continue
            }
            switch ch {
            case "\"":
                inQuote = true
                quoteAt = column
                current.append(ch)
            case "[", "(":
                depth.append(ch)
                openedAt.append(column)
                current.append(ch)
            case "]", ")":
                let opener: Character = ch == "]" ? "[" : "("
                guard depth.last == opener else {
                    throw ShellError("at column \(column): unbalanced '\(ch)': there is no '\(opener)' before it to close")
                }
                depth.removeLast()
                openedAt.removeLast()
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
        if inQuote { throw ShellError("at column \(quoteAt): unbalanced '\"': add the closing quote") }
        if let open = depth.last, let at = openedAt.last {
            throw ShellError("at column \(at): unbalanced '\(open)': add the missing '\(open == "[" ? "]" : ")")'")
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
