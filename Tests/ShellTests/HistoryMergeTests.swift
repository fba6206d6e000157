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
