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
    public init(description: String) { self.description = description }
}

/// Reads a whole file, but never more than a stated number of bytes: a lesson, script or state file
/// that is huge (or endless, like /dev/zero) is refused, not loaded into memory.
public enum BoundedFile {
    public enum Outcome: Equatable, Sendable {
        case contents([UInt8])
        case missing
        /// Exists but cannot be opened or read (permissions, a directory, an I/O error).
        case unreadable(String)
        /// Longer than the limit.
        case tooLarge
    }

    /// Files that gradlab reads: lessons and scripts (1 MiB), the progress file (16 MiB).
    public static let lessonLimit = 1 << 20
    public static let progressLimit = 16 << 20

    /// Up to `limit` bytes of the file. With `tail`, a longer regular file gives its last whole
    /// lines within `limit` bytes instead of `.tooLarge`.
    public static func read(_ path: String, limit: Int, tail: Bool = false) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .unreadable(String(cString: strerror(errno))) }
        if (status.st_mode & S_IFMT) == S_IFDIR { return .unreadable("it is a folder") }
        // Blocking again from here: O_NONBLOCK only kept the open of a FIFO from hanging.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        let skipsPartialLine = tail && (status.st_mode & S_IFMT) == S_IFREG && Int(status.st_size) > limit
        if skipsPartialLine { lseek(fd, off_t(Int(status.st_size) - limit), SEEK_SET) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let got = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + count, limit + 1 - count) }
            if got < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if got == 0 { break }
            count += got
        }
        if count > limit && !tail { return .tooLarge }
        var start = max(0, count - limit)
        if skipsPartialLine { start = (bytes[start..<count].firstIndex(of: UInt8(ascii: "\n")) ?? count - 1) + 1 }
        return .contents(Array(bytes[start..<count]))
    }

    /// "1 MiB": a limit as people say it.
    public static func describe(_ bytes: Int) -> String { "\(bytes >> 20) MiB" }
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

    /// Removes the temporary files of writers that died before their rename (`.NAME.PID.tmp` whose
    /// process no longer exists); a live writer's file is left alone.
    public static func removeStaleTemporaryFiles(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".")
            guard parts.count >= 3, let pid = pid_t(parts[parts.count - 2]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    /// `mkdir -p` with owner-only permissions for what it creates.
    public static func makeDirectory(_ path: String) throws(FileError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) == 0 { continue }
            let reason = errno
            var status = stat()
            if reason == EEXIST, stat(prefix, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { continue }
            let why = reason == EEXIST ? "\(prefix) is a file, not a folder" : String(cString: strerror(reason))
            throw FileError(description: "cannot create \(path): \(why)")
        }
    }
}
