import Render
import Shell
import Glibc

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

/// Lines from standard input, with no prompt and no echo: for pipes and scripts. A line keeps at
/// most one byte over `Limits.lineLength` (the rest is read and dropped), so that endless input
/// without a newline cannot fill the memory; the shell then refuses the line as too long.
public final class StreamLineReader: LineReader {
    public init() {}

    public func read(prompt: String) -> LineInput {
        var bytes: [UInt8] = [], readAny = false
        while true {
            let c = getchar_unlocked()
            if c == EOF {
                if !readAny { return .end }
                break
            }
            readAny = true
            if c == 0x0A { break }
            if bytes.count <= Limits.lineLength { bytes.append(UInt8(truncatingIfNeeded: c)) }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    public func remember(_ line: String) {}
}
