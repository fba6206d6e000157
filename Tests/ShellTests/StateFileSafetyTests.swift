import Foundation
import Lessons
import StateFiles
import Testing
@testable import Shell
@testable import TerminalDriver

/// Issue 16, findings 2 and 4: the files gradlab writes cannot be turned against the learner by
/// links planted at their names, and no file of the learner's is lost or touched.
@Suite struct StateFileSafetyTests {
    func plant(_ link: String, to target: String) {
        #expect(symlink(target, link) == 0, "planting \(link)")
    }

    /// Finding 2 and must-show 3: symbolic links at every name gradlab ever made predictably (the
    /// temporary files `.NAME.PID.tmp` of progress, history and a transcript, and the corrupt files'
    /// `NAME.corrupt-SECONDS`) point at files of someone else's; saving progress and history,
    /// moving corrupt files aside and writing a transcript neither change those files nor create
    /// the dangling links' targets, and the saves themselves succeed.
    @Test func linksPlantedAtPredictableNamesAreNeverFollowed() throws {
        let state = folder("shared-home"), victim = folder("victim"), notes = folder("notes")
        defer { for path in [state, victim, notes] { try? FileManager.default.removeItem(atPath: path) } }
        let pid = getpid()
        let now = Int(Date().timeIntervalSince1970)
        var planted: [String: String] = [:]  // target → its contents (nil-free: dangling ones are listed apart)
        var dangling: [String] = []
        let predictable = [
            "\(state)/.progress.json.\(pid).tmp", "\(state)/.history.\(pid).tmp", "\(notes)/.notes.md.\(pid).tmp",
        ] + (now - 1...now + 5).flatMap { ["\(state)/progress.json.corrupt-\($0)", "\(state)/history.corrupt-\($0)"] }
        for (index, name) in predictable.enumerated() {
            let target = "\(victim)/file-\(index)"
            if index.isMultiple(of: 2) {
                try Data("root's file \(index)\n".utf8).write(to: URL(fileURLWithPath: target))
                planted[target] = "root's file \(index)\n"
            } else {
                dangling.append(target)
            }
            plant(name, to: target)
        }

        let store = ProgressStore(directory: state)
        _ = try store.update { $0.current = "demo" }
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: store.path))
        #expect(store.load().warning?.contains("moved to") == true)
        _ = try store.update { $0.current = "again" }
        #expect(store.load().book.current == "again")

        let history = HistoryFile(directory: state)
        try history.save(["seed 3"])
        try Data([0xff, 0xfe]).write(to: URL(fileURLWithPath: history.path))
        #expect(history.load().warning?.contains("moved to") == true)
        try history.save(["bptt"])
        #expect(history.load().lines == ["bptt"])

        var session = Session()
        _ = try run("seed 3", in: &session)
        _ = try run("transcript \(notes)/notes.md", in: &session)
        #expect(contents("\(notes)/notes.md")?.hasPrefix("# gradlab session") == true)
        AtomicFile.removeStaleTemporaryFiles(in: state)

        for (target, text) in planted { #expect(contents(target) == text, "\(target) was touched") }
        for target in dangling { #expect(!FileManager.default.fileExists(atPath: target), "\(target) was created") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).count == planted.count)
    }

    /// Finding 2: a `progress.json.lock` that is a link, dangling or not, is not followed: the save
    /// is refused with one sentence, and nothing is created or changed at the link's target.
    @Test func aLockFileThatIsALinkIsRefusedNotFollowed() throws {
        let state = folder("shared-home"), victim = folder("victim")
        defer { for path in [state, victim] { try? FileManager.default.removeItem(atPath: path) } }
        let store = ProgressStore(directory: state)
        plant(store.path + ".lock", to: victim + "/created-by-gradlab")
        #expect(throws: FileError.self) { _ = try store.update { $0.current = "demo" } }
        do { _ = try store.update { $0.current = "demo" } } catch {
            #expect(error.description.contains("is a symbolic link, not gradlab's lock file"), "\(error.description)")
        }
        #expect(!FileManager.default.fileExists(atPath: victim + "/created-by-gradlab"))
        #expect(!FileManager.default.fileExists(atPath: store.path), "nothing saved past a lock that is not held")

        unlink(store.path + ".lock")
        try Data("root's\n".utf8).write(to: URL(fileURLWithPath: victim + "/existing"))
        plant(store.path + ".lock", to: victim + "/existing")
        #expect(throws: FileError.self) { _ = try store.update { $0.current = "demo" } }
        #expect(contents(victim + "/existing") == "root's\n")
    }

    /// Finding 4: two corrupt progress files (and two corrupt histories) in the same second are each
    /// moved to their own name; neither is lost.
    @Test func twoCorruptFilesInOneSecondAreBothKept() throws {
        let state = folder("corrupt")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let store = ProgressStore(directory: state)
        let history = HistoryFile(directory: state)
        for text in ["{ first", "{ second", "{ third"] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: store.path))
            #expect(store.load().warning?.contains("moved to") == true)
            try Data(text.utf8 + [0xff]).write(to: URL(fileURLWithPath: history.path))
            #expect(history.load().warning?.contains("moved to") == true)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: state)
        let progress = names.filter { $0.hasPrefix("progress.json.corrupt-") }.compactMap { contents(state + "/" + $0) }
        #expect(Set(progress) == ["{ first", "{ second", "{ third"])
        #expect(names.filter { $0.hasPrefix("history.corrupt-") }.count == 3)
    }

    /// Finding 4: the start-up sweep removes only temporary files gradlab makes, of processes that
    /// are gone; a learner's own `.X.NUMBER.tmp` is kept, and so is a live writer's file.
    @Test func theSweepRemovesOnlyGradlabsOwnTemporaryFiles() throws {
        let state = folder("sweep")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let gone: pid_t = 2_147_483_000  // above any pid_max
        let mine = [".notes.\(gone).tmp", ".draft.md.\(gone).tmp", ".\(gone).tmp", ".x.gradlab-\(gone).tmp",
                    ".history.gradlab-\(gone)-notahexnumber!!.tmp", ".progress.json.gradlab-\(getpid())-0123456789abcdef.tmp"]
        let gradlabs = [".progress.json.gradlab-\(gone)-0123456789abcdef.tmp", ".history.gradlab-\(gone)-fedcba9876543210.tmp",
                        ".progress.json.\(gone).tmp", ".history.\(gone).tmp"]
        for name in mine + gradlabs { try Data("x".utf8).write(to: URL(fileURLWithPath: state + "/" + name)) }
        AtomicFile.removeStaleTemporaryFiles(in: state)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: state)) == Set(mine))
    }
}

/// Issue 16, finding 5: a FIFO, a pipe or a terminal given as a lesson, or found where the
/// progress file should be, is refused at once instead of waiting for a writer for ever.
@Suite struct SpecialFileTests {
    @Test func aFIFOIsNeverReadAsALessonOrAsProgress() throws {
        let state = folder("fifo-home")
        defer { try? FileManager.default.removeItem(atPath: state) }
        #expect(mkfifo(state + "/lesson.toml", 0o600) == 0 && mkfifo(state + "/progress.json", 0o600) == 0)
        #expect(BoundedFile.read(state + "/lesson.toml", limit: 1 << 20)
                == .unreadable("it is not a regular file but a FIFO or a pipe, which could keep gradlab waiting for ever"))
        #expect(BoundedFile.read("/dev/null", limit: 1 << 20)
                == .unreadable("it is not a regular file but a device (a terminal, /dev/stdin…), which could keep gradlab waiting for ever"))
        #expect(BoundedFile.read("/dev/null", limit: 1 << 20, anyKind: true) == .contents([]), "a script may come from anywhere")
        let h = Harness(lessons: [])
        let printed = Harness.flat(h.type("load \(state)/lesson.toml"))
        #expect(printed.contains("it is not a regular file but a FIFO or a pipe"), "\(printed)")
        let (book, warning, _) = ProgressStore(directory: state).load()
        #expect(book.lessons.isEmpty && warning != nil)
    }
}
