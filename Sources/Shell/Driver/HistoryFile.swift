import Foundation
import Lessons

/// The command history, one command per line in UTF-8, kept to the last `limit` entries.
public struct HistoryFile: Sendable {
    public let path: String
    public var limit = 1000

    public init(directory: String) { path = directory + "/history" }

    /// The saved lines, and a warning when the file could not be used. A file that is not valid
    /// UTF-8 text is moved aside (never deleted) so that a fresh history can start.
    public func load() -> (lines: [String], warning: String?) {
        guard FileManager.default.fileExists(atPath: path) else { return ([], nil) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return ([], "cannot read the history at \(path); this session's commands will not be saved")
        }
        guard let text = String(data: data, encoding: .utf8), !text.contains("\0") else {
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
