import StateFiles
import Render
import Shell
import Foundation
import Lessons

/// The command history, one command per line in UTF-8, kept to the last `limit` entries.
public struct HistoryFile: Sendable {
    public let path: String
    public var limit = 1000
    /// Only the last 4 MiB of the file are read: the newest lines, however long the old ones were.
    static let readLimit = 4 << 20

    public init(directory: String) { path = directory + "/history" }

    public init(path: String, limit: Int = 1000) {
        self.path = path
        self.limit = limit
    }

    /// The largest GRADLAB_HISTORY_SIZE taken.
    public static let largestLimit = 100_000

    /// The history the environment asks for: the file GRADLAB_HISTORY names (else `history` in the
    /// state folder) keeping GRADLAB_HISTORY_SIZE entries (else 1000); and a warning for a size
    /// that is not a whole number from 0 to 100,000 (0 keeps none).
    public static func configured(environment: [String: String] = ProcessInfo.processInfo.environment) -> (HistoryFile, warning: String?) {
        var history = HistoryFile(directory: StateDirectory.path(environment: environment))
        if let path = environment["GRADLAB_HISTORY"], !path.isEmpty { history = HistoryFile(path: (path as NSString).expandingTildeInPath) }
        guard let text = environment["GRADLAB_HISTORY_SIZE"], !text.isEmpty else { return (history, nil) }
        guard let size = Int(text), (0...largestLimit).contains(size) else {
            return (history, "GRADLAB_HISTORY_SIZE must be a whole number from 0 to \(largestLimit), not '\(Inert.text(text))'; keeping \(history.limit) commands")
        }
        history.limit = size
        return (history, nil)
    }
    /// The saved lines, and a warning when the file could not be used. A file that is not valid
    /// UTF-8 text is moved aside (never deleted) so that a fresh history can start.
    public func load() -> (lines: [String], warning: String?) {
        let data: [UInt8]
        switch BoundedFile.read(path, limit: HistoryFile.readLimit, tail: true) {
        case .missing: return ([], nil)
        case .unreadable, .tooLarge: return ([], "cannot read the history at \(path); this session's commands will not be saved")
        case .contents(let bytes): data = bytes
        }
        guard let text = String(validating: data, as: UTF8.self), !text.contains("\0") else {
            if let aside = AtomicFile.moveAside(path) {
                return ([], "the history file was not valid text; it was moved to \(aside) and a new one started")
            }
            return ([], "the history file \(path) is not valid text and could not be moved aside")
        }
        return (text.split(separator: "\n").map(String.init).suffix(limit).map { $0 }, nil)
    }

    /// Replaces the file with `lines` (the last `limit` of them).
    public func save(_ lines: [String]) throws(FileError) {
        try AtomicFile.write(lines.suffix(limit).map { $0 + "\n" }.joined(), to: path)
    }

    /// Adds `lines` after what is in the file now, holding `history.lock`, and keeps the last
    /// `limit`: sessions running at once each add their own commands and lose none of the others'.
    public func append(_ lines: [String]) throws(FileError) {
        try AtomicFile.makeDirectory((path as NSString).deletingLastPathComponent)
        try AtomicFile.withLock(path + ".lock") { () throws(FileError) in
            let (disk, warning) = load()
            // A file that could not be read is left alone; one that was moved aside starts afresh.
            if let warning, FileManager.default.fileExists(atPath: path) { throw FileError(description: warning) }
            try save(disk + lines)
        }
    }
}
