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
            let aside = path + ".corrupt-\(Int(Date().timeIntervalSince1970))"
            if rename(path, aside) == 0 {
                return ([], "the history file was not valid text; it was moved to \(aside) and a new one started")
            }
            return ([], "the history file \(path) is not valid text and could not be moved aside")
        }
        return (text.split(separator: "\n").map(String.init).suffix(limit).map { $0 }, nil)
    }

    public func save(_ lines: [String]) throws(FileError) {
        try AtomicFile.write(lines.suffix(limit).map { $0 + "\n" }.joined(), to: path)
    }
}
