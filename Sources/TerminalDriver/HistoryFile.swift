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
    /// The saved lines (the last `limit`), and a warning when the file could not be used. A file
    /// that is not valid UTF-8 text is moved aside (never deleted) so that a fresh history can start.
    public func load() -> (lines: [String], warning: String?) {
        let (lines, _, warning) = loadCounting()
        return (lines, warning)
    }

    /// `load`, and how many lines the file holds now (more than `limit` until it is compacted).
    public func loadCounting() -> (lines: [String], onDisk: Int, warning: String?) {
        let data: [UInt8]
        switch BoundedFile.read(path, limit: HistoryFile.readLimit, tail: true) {
        case .missing: return ([], 0, nil)
        case .unreadable, .tooLarge: return ([], 0, "cannot read the history at \(path); this session's commands will not be saved")
        case .contents(let bytes): data = bytes
        }
        guard let text = String(validating: data, as: UTF8.self), !text.contains("\0") else {
            if let aside = AtomicFile.moveAside(path) {
                return ([], 0, "the history file was not valid text; it was moved to \(aside) and a new one started")
            }
            return ([], 0, "the history file \(path) is not valid text and could not be moved aside")
        }
        let all = text.split(separator: "\n")
        return (all.suffix(limit).map(String.init), all.count, nil)
    }

    /// Replaces the file with `lines` (the last `limit` of them), atomically: a temporary file,
    /// fsync, rename.
    public func save(_ lines: [String]) throws(FileError) {
        try AtomicFile.write(lines.suffix(limit).map { $0 + "\n" }.joined(), to: path)
    }

    var lockPath: String { path + ".lock" }

    /// Adds `lines` at the end of the file, holding `history.lock`, so that sessions running at
    /// once each add their own commands and lose none of the others'. One write(2) to the file
    /// opened with `O_APPEND`, and no fsync: once it returns, the kernel has the lines, and a crash
    /// of gradlab loses none of them. The file grows past `limit` until `compact` trims it. When
    /// the file cannot be appended to in place (it is a symbolic link, which is not followed, or
    /// the write fails), it is rewritten atomically with the lines added, as `compact` does.
    public func append(_ lines: [String]) throws(FileError) {
        guard !lines.isEmpty else { return }
        try AtomicFile.makeDirectory((path as NSString).deletingLastPathComponent)
        try AtomicFile.withLock(lockPath) { () throws(FileError) in
            if appendInPlace(lines.map { $0 + "\n" }.joined()) { return }
            let (disk, _, warning) = loadCounting()
            // A file that could not be read is left alone; one that was moved aside starts afresh.
            if let warning, FileManager.default.fileExists(atPath: path) { throw FileError(description: warning) }
            try save(disk + lines)
        }
    }

    /// Rewrites the file atomically to its last `limit` lines when it holds more, holding
    /// `history.lock` (the lines other sessions appended meanwhile are counted and kept as theirs).
    /// A file that cannot be read is left as it is (the error says why).
    public func compact() throws(FileError) {
        try AtomicFile.withLock(lockPath) { () throws(FileError) in
            var status = stat()
            guard stat(path, &status) == 0 else { return }  // no file: nothing to trim
            let (lines, onDisk, warning) = loadCounting()
            if let warning {
                // One that was moved aside is gone, and the next append starts afresh.
                if FileManager.default.fileExists(atPath: path) { throw FileError(description: warning) }
                return
            }
            if onDisk > limit || Int(status.st_size) > HistoryFile.readLimit { try save(lines) }
        }
    }

    /// One write(2) of `text` at the end of the file, created owner-only when missing; false when
    /// the file is a link (never followed), not a plain file, or cannot be written (what this
    /// call wrote of it is taken back). A last line without its newline is ended first.
    func appendInPlace(_ text: String) -> Bool {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        var bytes = Array(text.utf8)
        var last: UInt8 = 0x0A
        if status.st_size > 0, pread(fd, &last, 1, status.st_size - 1) != 1 { return false }
        if last != 0x0A { bytes.insert(0x0A, at: 0) }  // an editor's or another program's last line
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                _ = ftruncate(fd, status.st_size)  // no half line left behind for the atomic rewrite to keep
                return false
            }
            offset += written
        }
        return true
    }
}

/// This session's side of the history: each command typed is appended at once (one write, no
/// fsync: nothing on the hot path waits for the disk), and the file is rewritten atomically to its
/// last `limit` lines when it has grown well past them, and when the shell leaves.
struct HistoryRecorder {
    let file: HistoryFile
    /// How many lines the file holds, as far as this session knows (other sessions may add more).
    private(set) var onDisk: Int
    /// False once a save failed (warned once): the session's commands are no longer written.
    private(set) var saving: Bool
    private var appended = false

    init(file: HistoryFile, onDisk: Int) {
        self.file = file
        self.onDisk = onDisk
        saving = file.limit > 0  // GRADLAB_HISTORY_SIZE=0 keeps none, and leaves the file alone
    }

    /// The file is compacted when it holds more than this many lines: `limit` and half as many
    /// again (at least 100), so that a rewrite comes once in many commands.
    var compactionThreshold: Int { file.limit + max(100, file.limit / 2) }

    /// Appends a command; a warning when it could not be saved (then no more are).
    mutating func record(_ line: String) -> String? {
        guard saving else { return nil }
        do throws(FileError) { try file.append([line]) } catch {
            saving = false
            return "\(error.description); history will not be saved this session"
        }
        appended = true
        onDisk += 1
        return onDisk > compactionThreshold ? compact() : nil
    }

    /// When the shell leaves: the file trimmed to its last `limit` lines, if this session wrote any.
    mutating func finish() -> String? {
        guard saving && appended else { return nil }
        return compact()
    }

    private mutating func compact() -> String? {
        do throws(FileError) { try file.compact() } catch {
            saving = false
            return "\(error.description); history will not be saved this session"
        }
        onDisk = min(onDisk, file.limit)
        return nil
    }
}
