import Foundation

/// Where gradlab keeps what the learner has: `$GRADLAB_HOME`, else `$XDG_STATE_HOME/gradlab`,
/// else `~/.local/state/gradlab`.
public enum StateDirectory {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["GRADLAB_HOME"], !home.isEmpty { return home }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/gradlab" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/gradlab"
    }
}

public struct FileError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Writes that are never half done: a temporary file in the same directory, fsync, rename, then
/// fsync of the directory. A reader sees the old file or the new one, never a mix.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws(FileError) {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectory(directory)
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw FileError(description: "cannot write \(temporary): \(reason)")
            }
            offset += written
        }
        let synced = fsync(fd) == 0
        let syncError = errno
        let closed = close(fd) == 0
        guard synced, closed else {
            let reason = String(cString: strerror(synced ? errno : syncError))
            unlink(temporary)
            throw FileError(description: "cannot save \(path): \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileError(description: "cannot save \(path): \(reason)")
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// `mkdir -p` with owner-only permissions for what it creates.
    public static func makeDirectory(_ path: String) throws(FileError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FileError(description: "cannot create \(path): \(error.localizedDescription)")
        }
    }
}

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
