import Render
import Shell
import Foundation

/// Small facts about the terminal: whether it takes colour, how wide it is, how to write to it.
public enum Terminal {
    public static func style(_ options: ShellOptions, environment: [String: String] = ProcessInfo.processInfo.environment) -> OutputStyle {
        let tty = isatty(STDOUT_FILENO) == 1
        return OutputStyle(color: color(options, terminal: tty, environment: environment), unicode: !options.ascii,
                           width: width(tty: tty, environment: environment))
    }

    /// Whether to colour a stream: never in JSON; `--color=always` and `never` as they say; `auto`
    /// on a terminal, unless NO_COLOR is set to something (an empty NO_COLOR does not count, as
    /// no-color.org has it) or TERM is dumb.
    static func color(_ options: ShellOptions, terminal: Bool, environment: [String: String]) -> Bool {
        guard !options.json else { return false }
        switch options.color {
        case .always: return true
        case .never: return false
        case .auto: return terminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        }
    }

    /// The style of errors and warnings: the output's, unless standard error is not a terminal
    /// (a log file, a pipe): then unwrapped, one message a line, and without colour unless
    /// `--color=always` asks for it.
    public static func errorStyle(_ options: ShellOptions, environment: [String: String] = ProcessInfo.processInfo.environment) -> OutputStyle {
        var style = style(options, environment: environment)
        if isatty(STDERR_FILENO) != 1 {
            style.color = color(options, terminal: false, environment: environment)
            style.width = Int.max / 2
        }
        return style
    }

    /// The terminal's width in columns; $COLUMNS, then 80 when it cannot be known.
    static func width(tty: Bool = isatty(STDOUT_FILENO) == 1, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        var size = winsize()
        if tty, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return max(40, Int(size.ws_col))
        }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return max(40, columns) }
        return 80
    }

    /// The terminal's rows and columns, from standard output; (0, 0) when it is not a terminal
    /// or does not say.
    static func size() -> (rows: Int, columns: Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 else { return (0, 0) }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// Makes multibyte input work in the line editor even when the environment says "C".
    static func useUTF8Locale() {
        setlocale(LC_ALL, "")
        let ctype = setlocale(LC_CTYPE, nil).map { String(cString: $0) } ?? "C"
        if !ctype.uppercased().contains("UTF-8") && !ctype.uppercased().contains("UTF8") {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }

    public enum Stream: Int32, Sendable {
        case output = 1, error = 2
    }

    /// Writes all of `text` to standard output or standard error, unbuffered, so that the two
    /// streams interleave in the order things happened.
    public static func write(_ text: String, to stream: Stream) {
        write(text, descriptor: stream.rawValue)
    }

    /// Writes all of `text` to `descriptor`; false when the reader has gone (EPIPE) or the device
    /// failed, and nothing useful is left to do.
    @discardableResult
    static func write(_ text: String, descriptor: Int32) -> Bool {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Foundation.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
