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

/// The start-up file: commands run before the first prompt. `$GRADLAB_HOME/init` when GRADLAB_HOME
/// is set (it moves all of gradlab's files), else `$XDG_CONFIG_HOME/gradlab/init`, else
/// `~/.config/gradlab/init`.
public enum InitFile {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["GRADLAB_HOME"], !home.isEmpty { return home + "/init" }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty { return config + "/gradlab/init" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.config/gradlab/init"
    }
}

public struct FileError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// `AtomicFile.create` found something already at the path.
    public let alreadyExists: Bool
    public init(description: String, alreadyExists: Bool = false) {
        self.description = description
        self.alreadyExists = alreadyExists
    }
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
    /// lines within `limit` bytes instead of `.tooLarge`. Only a regular file is read unless
    /// `anyKind` (a script may come from a pipe, `gradlab <(…)`): a FIFO, a terminal or a pipe as a
    /// lesson, progress or history would wait for its writer for ever.
    public static func read(_ path: String, limit: Int, tail: Bool = false, anyKind: Bool = false) -> Outcome {
        let (fd, status): (Int32, stat)
        switch open(path, anyKind: anyKind) {
        case .opened(let d, let s): (fd, status) = (d, s)
        case .missing: return .missing
        case .unreadable(let why): return .unreadable(why)
        }
        defer { close(fd) }
        let skipsPartialLine = tail && (status.st_mode & S_IFMT) == S_IFREG && Int(status.st_size) > limit
        if skipsPartialLine { lseek(fd, off_t(Int(status.st_size) - limit), SEEK_SET) }
        // As large as the file (and one byte more, to see it end), or 64 KiB for a pipe, grown as
        // needed up to the limit: a 16 MiB buffer zeroed for a 2 kB progress file was a tenth of
        // the start-up.
        let regular = (status.st_mode & S_IFMT) == S_IFREG
        var bytes = [UInt8](repeating: 0, count: min(limit + 1, regular ? max(Int(status.st_size), 0) + 1 : 64 << 10))
        var count = 0
        while count <= limit {
            if count == bytes.count { bytes += [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - bytes.count)) }
            let got = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + count, $0.count - count) }
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

    /// A file opened for reading, with its status, or why not.
    enum Opening {
        case opened(Int32, stat)
        case missing
        case unreadable(String)
    }

    /// Opens a file for reading, blocking: a folder is refused, and so is anything but a regular
    /// file unless `anyKind` (a FIFO, a terminal or a pipe as a lesson, progress, history or log
    /// would wait for its writer for ever). The caller closes the descriptor.
    static func open(_ path: String, anyKind: Bool = false) -> Opening {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        var status = stat()
        let refusal: String? = if fstat(fd, &status) != 0 {
            String(cString: strerror(errno))
        } else if (status.st_mode & S_IFMT) == S_IFDIR {
            "it is a folder"
        } else if !anyKind, (status.st_mode & S_IFMT) != S_IFREG {
            "it is not a regular file but \(kind(status.st_mode)), which could keep gradlab waiting for ever"
        } else {
            nil
        }
        if let refusal {
            close(fd)
            return .unreadable(refusal)
        }
        // Blocking again from here: O_NONBLOCK only kept the open of a FIFO from hanging.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .opened(fd, status)
    }

    /// What a file that is not a regular one is, as people say it.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO or a pipe"
        case S_IFCHR: "a device (a terminal, /dev/stdin…)"
        case S_IFSOCK: "a socket"
        case S_IFBLK: "a block device"
        default: "a special file"
        }
    }

    /// "1 MiB": a limit as people say it.
    public static func describe(_ bytes: Int) -> String { "\(bytes >> 20) MiB" }
}

/// Writes that are never half done: a temporary file in the same directory, fsync, rename, then
/// fsync of the directory. A reader sees the old file or the new one, never a mix.
///
/// No file gradlab makes has a name another user could guess and plant a symbolic link at first:
/// temporary files are `.NAME.gradlab-PID-RANDOM.tmp`, and every temporary or lock file is created
/// with `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`, so a link, dangling or not, is never followed.
public enum AtomicFile {
    /// Replaces `path` with `text` atomically.
    public static func write(_ text: String, to path: String) throws(FileError) {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectory(directory)
        let (fd, temporary) = try createTemporary(beside: path)
        do throws(FileError) { try writeAll(text, to: fd, path: path) } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileError(description: "cannot save \(path): \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileError(description: "cannot save \(path): \(reason)")
        }
        syncDirectory(directory)
    }

    /// Creates `path` with `text`, all at once, and never over anything already there (a file, a
    /// folder, a symbolic link even if dangling: `.alreadyExists`). On Linux the text is written to
    /// a file without a name (`O_TMPFILE`) that is linked in when whole, so a kill at any moment
    /// leaves nothing behind; where that is not supported, a `.NAME.gradlab-PID-RANDOM.tmp` is
    /// written and linked, and a kill between the two can leave that one file.
    public static func create(_ text: String, at path: String) throws(FileError) {
        try create(text, at: path, unnamed: true)
    }

    /// `unnamed: false` takes the named way even where `O_TMPFILE` works (for tests).
    static func create(_ text: String, at path: String, unnamed allowed: Bool) throws(FileError) {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectory(directory)
        #if os(Linux)
        let unnamed = !allowed ? -1 : open(directory.isEmpty ? "." : directory, temporaryFileFlag | O_WRONLY | O_CLOEXEC, 0o600)
        if unnamed >= 0 {
            do throws(FileError) { try writeAll(text, to: unnamed, path: path) } catch {
                close(unnamed)
                throw error
            }
            if linkat(AT_FDCWD, "/proc/self/fd/\(unnamed)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 {
                close(unnamed)
                syncDirectory(directory)
                return
            }
            let reason = errno
            close(unnamed)
            if reason == EEXIST { throw FileError(description: "\(path) already exists", alreadyExists: true) }
            if reason != ENOENT && reason != EPERM && reason != EACCES {  // no /proc: the named way below
                throw FileError(description: "cannot save \(path): \(String(cString: strerror(reason)))")
            }
        }
        #endif
        let (fd, temporary) = try createTemporary(beside: path)
        defer { unlink(temporary) }
        do throws(FileError) { try writeAll(text, to: fd, path: path) } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw FileError(description: "cannot save \(path): \(String(cString: strerror(errno)))") }
        // link, unlike rename, never replaces what is at `path`, and does not follow a link there.
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { throw FileError(description: "\(path) already exists", alreadyExists: true) }
            throw FileError(description: "cannot save \(path): \(String(cString: strerror(errno)))")
        }
        syncDirectory(directory)
    }

    /// Moves a file that cannot be read out of the way as `PATH.corrupt-SECONDS` (with `-2`, `-3`…
    /// when that name is taken): nothing already there is replaced. Returns the new path, or nil
    /// when the file could not be moved.
    public static func moveAside(_ path: String) -> String? {
        let stem = path + ".corrupt-\(Int(Date().timeIntervalSince1970))"
        for attempt in 1...1000 {
            let aside = attempt == 1 ? stem : stem + "-\(attempt)"
            // The name is claimed first with O_EXCL, so that the rename only ever replaces our own
            // empty placeholder, never another corrupt file moved aside in the same second.
            let placeholder = open(aside, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if placeholder < 0 {
                if errno == EEXIST { continue }
                return nil
            }
            close(placeholder)
            if rename(path, aside) == 0 { return aside }
            unlink(aside)
            return nil
        }
        return nil
    }

    /// Runs `body` holding an exclusive `flock` on `lockPath`, so that gradlab processes sharing a
    /// state folder take turns. The lock file is opened without following a symbolic link and only
    /// ever created with `O_EXCL`; a link or anything but a plain file there is refused. The error's
    /// description is a clause: callers add what is not saved.
    public static func withLock<T>(_ lockPath: String, _ body: () throws(FileError) -> T) throws(FileError) -> T {
        var fd: Int32 = -1
        for _ in 0..<100 {
            fd = open(lockPath, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 || errno != ENOENT { break }
            fd = open(lockPath, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            if errno == ELOOP {
                throw FileError(description: "\(lockPath) is a symbolic link, not gradlab's lock file, and is not followed")
            }
            throw FileError(description: "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(description: "\(lockPath) is not a plain file, so it is not gradlab's lock file")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            throw FileError(description: "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Removes the temporary files of gradlab writers that died before their rename: names that
    /// gradlab makes (`.NAME.gradlab-PID-RANDOM.tmp`, and the `.progress.json.PID.tmp` and
    /// `.history.PID.tmp` of earlier versions) whose process no longer exists, and that are plain
    /// files of this user. A live writer's file, and any other file, is left alone.
    public static func removeStaleTemporaryFiles(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names {
            guard let pid = temporaryFileOwner(name) else { continue }
            let path = directory + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_uid == geteuid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(path) }
        }
    }

    /// The process that made a temporary file named `name`, when gradlab made it.
    static func temporaryFileOwner(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let parts = name.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, let tag = parts.last else { return nil }
        if tag.hasPrefix("gradlab-") {
            let fields = tag.dropFirst(8).split(separator: "-", omittingEmptySubsequences: false)
            guard fields.count == 2, fields[1].count == 16, fields[1].allSatisfy(\.isHexDigit),
                  let pid = pid_t(fields[0]), pid > 0 else { return nil }
            return pid
        }
        // Earlier versions: `.progress.json.PID.tmp` and `.history.PID.tmp` only.
        let stem = parts.dropLast().joined(separator: ".")
        guard stem == ".progress.json" || stem == ".history", let pid = pid_t(tag), pid > 0 else { return nil }
        return pid
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

    #if os(Linux)
    /// `O_TMPFILE`, which Swift does not import: `__O_TMPFILE | O_DIRECTORY`.
    static let temporaryFileFlag: Int32 = 0o20000000 | O_DIRECTORY
    #endif

    /// A new temporary file beside `path`, with a name no one can plant a link at in advance.
    static func createTemporary(beside path: String) throws(FileError) -> (Int32, String) {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        for _ in 0..<100 {
            let random = String(UInt64.random(in: .min ... .max), radix: 16)
            let suffix = String(repeating: "0", count: 16 - random.count) + random
            let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).gradlab-\(getpid())-\(suffix).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, temporary) }
            if errno != EEXIST {
                throw FileError(description: "cannot save \(path): \(String(cString: strerror(errno)))")
            }
        }
        throw FileError(description: "cannot save \(path): no free name for a temporary file")
    }

    /// Writes all of `text` to `fd` and fsyncs it.
    static func writeAll(_ text: String, to fd: Int32, path: String) throws(FileError) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError(description: "cannot save \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw FileError(description: "cannot save \(path): \(String(cString: strerror(errno)))") }
    }

    static func syncDirectory(_ directory: String) {
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }
}
