import Foundation

/// A file as it was when it was read: where, how large, and when it was last modified, so that a
/// result read from it can tell when the file has changed since.
public struct FileStamp: Sendable, Equatable {
    /// The path as given, with `~` expanded.
    public var path: String
    public var size: Int
    /// Seconds since 1970, with the nanoseconds the file system keeps.
    public var modified: Double

    public init(path: String, size: Int, modified: Double) {
        self.path = path
        self.size = size
        self.modified = modified
    }

    init(path: String, _ status: stat) {
        self.init(path: path, size: Int(status.st_size),
                  modified: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
    }

    /// The file's stamp now, or nil when it is gone or cannot be looked at.
    public static func now(_ path: String) -> FileStamp? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileStamp(path: path, status)
    }

    /// "6,750 bytes": the size as people say it.
    public var sizeDescription: String {
        var digits = String(size), bytes = ""
        while digits.count > 3 {
            bytes = "," + digits.suffix(3) + bytes
            digits.removeLast(3)
        }
        bytes = digits + bytes
        return size < 1 << 20 ? "\(bytes) bytes" : String(format: "%.1f MiB", Double(size) / Double(1 << 20))
    }

    /// "2025-12-07 12:17:03 UTC": the modification time as people read it, to the second.
    public var modifiedDescription: String {
        var seconds = time_t(modified.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}

/// Reads a file a chunk at a time, never holding more than one chunk: a log of any length is read
/// in bounded memory, and whoever reads it keeps only what it needs. Only a regular file is read
/// (a FIFO or a terminal could keep gradlab waiting for ever).
public enum StreamedFile {
    public static let chunkSize = 64 << 10

    public enum Outcome: Equatable, Sendable {
        /// Read to its end.
        case read(FileStamp)
        /// The reader asked to stop before the end.
        case stopped(FileStamp)
        case missing
        /// Exists but cannot be opened or read (permissions, a folder, an I/O error), and why.
        case unreadable(String)
    }

    /// Hands `body` each chunk of the file in order (with the file's stamp, taken when it was
    /// opened); `body` returns false to stop reading.
    public static func read(_ path: String, chunkSize: Int = chunkSize,
                            _ body: (UnsafeRawBufferPointer, FileStamp) -> Bool) -> Outcome {
        let (fd, status): (Int32, stat)
        switch BoundedFile.open(path) {
        case .opened(let d, let s): (fd, status) = (d, s)
        case .missing: return .missing
        case .unreadable(let why): return .unreadable(why)
        }
        defer { close(fd) }
        let stamp = FileStamp(path: path, status)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunkSize), alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let got = Foundation.read(fd, buffer.baseAddress!, buffer.count)
            if got < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if got == 0 { return .read(stamp) }
            guard body(UnsafeRawBufferPointer(rebasing: buffer[..<got]), stamp) else { return .stopped(stamp) }
        }
    }
}
