import Foundation
@testable import StateFiles
import Testing
@testable import TerminalDriver

/// Issue 16, finding 4: sessions running at once each add their commands to the history on disk
/// (under `history.lock`); none loses another's, and the bound holds.
@Suite struct HistoryMergeTests {
    @Test func concurrentSessionsLoseNoCommands() async throws {
        let state = NSTemporaryDirectory() + "gradlab-history-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let history = HistoryFile(directory: state)
        try history.save(["before"])
        await withTaskGroup(of: Void.self) { group in
            for session in 0..<5 {
                group.addTask {
                    for command in 0..<5 { try? history.append(["= \(session) + \(command)"]) }
                }
            }
        }
        let (lines, warning) = history.load()
        #expect(warning == nil)
        #expect(lines.first == "before")
        #expect(Set(lines.dropFirst()) == Set((0..<5).flatMap { s in (0..<5).map { "= \(s) + \($0)" } }))
        #expect(lines.count == 26)
    }

    /// Finding 2: a `history.lock` that is a link is refused, and its target is not created.
    @Test func aHistoryLockThatIsALinkIsNotFollowed() throws {
        let state = NSTemporaryDirectory() + "gradlab-history-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let history = HistoryFile(directory: state)
        #expect(symlink(state + "/elsewhere", history.path + ".lock") == 0)
        #expect(throws: FileError.self) { try history.append(["bptt"]) }
        #expect(!FileManager.default.fileExists(atPath: state + "/elsewhere"))
        #expect(!FileManager.default.fileExists(atPath: history.path))
    }

    @Test func appendingKeepsTheLastEntries() throws {
        var history = HistoryFile(directory: NSTemporaryDirectory() + "gradlab-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: (history.path as NSString).deletingLastPathComponent) }
        history.limit = 3
        try history.save(["a", "b"])
        try history.append(["c", "d"])
        #expect(history.load().lines == ["b", "c", "d"])
    }

    /// Issue 20: a command's save is one write at the end of the file, not a rewrite (the file is
    /// the same inode, so no temporary file was written, fsynced and renamed in), and the lines
    /// are there for any reader at once.
    @Test func appendsWriteInPlaceWithoutARewrite() throws {
        let state = folder("history-append")
        defer { try? FileManager.default.removeItem(atPath: state) }
        var history = HistoryFile(directory: state)
        history.limit = 3
        try history.save(["a"])
        let before = try inode(history.path)
        for line in ["b", "c", "d", "e"] { try history.append([line]) }
        #expect(try inode(history.path) == before)
        #expect(contents(history.path) == "a\nb\nc\nd\ne\n")  // past the limit until compacted
        #expect(history.load().lines == ["c", "d", "e"])
        var status = stat()
        #expect(stat(history.path, &status) == 0 && status.st_mode & 0o777 == 0o600)
        // A new file is created owner-only by the append itself.
        let fresh = HistoryFile(directory: state + "/new")
        try fresh.append(["bptt"])
        #expect(contents(fresh.path) == "bptt\n")
        #expect(stat(fresh.path, &status) == 0 && status.st_mode & 0o777 == 0o600)
        // A last line without its newline (written by an editor) is ended, not joined to.
        #expect(FileManager.default.createFile(atPath: history.path, contents: Data("x\ny".utf8)))
        try history.append(["z"])
        #expect(contents(history.path) == "x\ny\nz\n")
    }

    /// Compaction rewrites the file (atomically: a new inode) to the last `limit` lines, and
    /// leaves a file within the limit as it is.
    @Test func compactionKeepsTheLastEntries() throws {
        let state = folder("history-compact")
        defer { try? FileManager.default.removeItem(atPath: state) }
        var history = HistoryFile(directory: state)
        history.limit = 3
        try history.compact()  // no file: nothing to do
        #expect(!FileManager.default.fileExists(atPath: history.path))
        for number in 1...7 { try history.append(["= \(number)"]) }
        let grown = try inode(history.path)
        try history.compact()
        #expect(contents(history.path) == "= 5\n= 6\n= 7\n")
        let compacted = try inode(history.path)
        #expect(compacted != grown)
        try history.compact()
        #expect(try inode(history.path) == compacted)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).sorted() == ["history", "history.lock"])
    }

    /// A session's recorder appends every command, compacts when the file has grown well past
    /// the limit (so it never holds more than the threshold), and trims to the limit as it ends.
    @Test func aSessionCompactsPastTheThresholdAndAsItLeaves() throws {
        let state = folder("history-recorder")
        defer { try? FileManager.default.removeItem(atPath: state) }
        var history = HistoryFile(directory: state)
        history.limit = 10
        var recorder = HistoryRecorder(file: history, onDisk: 0)
        #expect(recorder.compactionThreshold == 110)
        var rewrites = 0, last = try? inode(history.path)
        for number in 1...300 {
            #expect(recorder.record("= \(number)") == nil)
            let lines = contents(history.path)!.split(separator: "\n")
            #expect(lines.count <= 110 && lines.last == "= \(number)")
            let now = try inode(history.path)
            if now != last { rewrites += 1 }
            last = now
        }
        #expect(rewrites == 1 + 2)  // created by the first append, then compacted at 111 and at 211
        #expect(recorder.finish() == nil)
        #expect(history.load().lines == (291...300).map { "= \($0)" })
        #expect(contents(history.path)!.split(separator: "\n").count == 10)
    }

    /// A history that is a symbolic link is not appended to through the link: the file is
    /// rewritten in its place (as every save did before appends), and the link's target is untouched.
    @Test func aHistoryThatIsALinkIsRewrittenNotFollowed() throws {
        let state = folder("history-link")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let history = HistoryFile(directory: state)
        #expect(FileManager.default.createFile(atPath: state + "/target", contents: Data("seed 3\n".utf8)))
        #expect(symlink(state + "/target", history.path) == 0)
        try history.append(["bptt"])
        #expect(contents(state + "/target") == "seed 3\n")
        #expect(contents(history.path) == "seed 3\nbptt\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: history.path)) == nil)
    }

    private func inode(_ path: String) throws -> UInt {
        var status = stat()
        guard stat(path, &status) == 0 else { throw FileError(description: "no \(path)") }
        return UInt(status.st_ino)
    }
}

/// Issue 16, finding 2: temporary files have names no one can guess in advance.
@Suite struct TemporaryFileNameTests {
    /// The temporary file of a save is not a predictable name: a fixed mark, the process and a
    /// random part, and it is gone once the save is done.
    @Test func temporaryFilesHaveUnpredictableNamesAndDoNotStay() throws {
        let state = folder("names")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let (fd, first) = try AtomicFile.createTemporary(beside: state + "/progress.json")
        close(fd)
        let (fd2, second) = try AtomicFile.createTemporary(beside: state + "/progress.json")
        close(fd2)
        #expect(first != second)
        #expect(AtomicFile.temporaryFileOwner((first as NSString).lastPathComponent) == getpid())
        unlink(first)
        unlink(second)
        try AtomicFile.write("x", to: state + "/progress.json")
        try AtomicFile.create("y", at: state + "/notes.md")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).sorted() == ["notes.md", "progress.json"])
        #expect(throws: FileError.self) { try AtomicFile.create("z", at: state + "/notes.md") }
        #expect(contents(state + "/notes.md") == "y")
        // Where O_TMPFILE is not supported: a named temporary file, linked (never over anything) and removed.
        try AtomicFile.create("w", at: state + "/named.md", unnamed: false)
        #expect(symlink(state + "/target", state + "/link.md") == 0)
        #expect(throws: FileError.self) { try AtomicFile.create("v", at: state + "/link.md", unnamed: false) }
        #expect(throws: FileError.self) { try AtomicFile.create("v", at: state + "/link.md") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).sorted() == ["link.md", "named.md", "notes.md", "progress.json"])
        #expect(contents(state + "/named.md") == "w")
    }
}

@Suite struct HistoryConfigurationTests {
    @Test func theEnvironmentChoosesTheFileAndTheSize() {
        let (plain, none) = HistoryFile.configured(environment: ["GRADLAB_HOME": "/tmp/g"])
        #expect(plain.path == "/tmp/g/history" && plain.limit == 1000 && none == nil)
        let (chosen, _) = HistoryFile.configured(environment: ["GRADLAB_HOME": "/tmp/g", "GRADLAB_HISTORY": "/tmp/h/mine", "GRADLAB_HISTORY_SIZE": "50"])
        #expect(chosen.path == "/tmp/h/mine" && chosen.limit == 50)
        let (off, _) = HistoryFile.configured(environment: ["GRADLAB_HISTORY_SIZE": "0"])
        #expect(off.limit == 0)
        for bad in ["-1", "lots", "100001", "1e3"] {
            let (kept, warning) = HistoryFile.configured(environment: ["GRADLAB_HOME": "/tmp/g", "GRADLAB_HISTORY_SIZE": bad])
            #expect(kept.limit == 1000)
            #expect(warning == "GRADLAB_HISTORY_SIZE must be a whole number from 0 to 100000, not '\(bad)'; keeping 1000 commands")
        }
    }
}
