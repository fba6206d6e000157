/// What reading a line produced.
public enum LineInput: Sendable, Equatable {
    case line(String)
    /// Ctrl-C at the prompt: the line was abandoned; the shell carries on.
    case interrupted
    /// Ctrl-D on an empty line, or the end of the input.
    case end
}

/// Where the shell's lines come from: a line editor on a terminal, or a plain stream.
public protocol LineReader: AnyObject {
    func read(prompt: String) -> LineInput
    /// Adds a line to what the up arrow recalls (no-op for streams).
    func remember(_ line: String)
}

/// Lines from standard input, with no prompt and no echo: for pipes and scripts.
public final class StreamLineReader: LineReader {
    public init() {}

    public func read(prompt: String) -> LineInput {
        guard let line = Swift.readLine(strippingNewline: true) else { return .end }
        return .line(line.hasSuffix("\r") ? String(line.dropLast()) : line)
    }

    public func remember(_ line: String) {}
}
