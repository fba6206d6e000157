import Foundation
import Testing
@testable import Lessons

@Suite struct ProseTests {
    @Test func paragraphsAreJoinedAndIndentedLinesKept() {
        let text = """

            First line
            joined to this one.

              set rho=1.2
              bptt
            - a list item
              that goes on
            - another

            Another paragraph.


            """
        #expect(Prose.reflow(text) == "First line joined to this one.\n\n  set rho=1.2\n  bptt\n- a list item that goes on\n- another\n\nAnother paragraph.")
    }
}

@Suite struct ToleranceTests {
    @Test func eachKindAcceptsWhatItSays() {
        #expect(Tolerance.absolute(0.1).accepts(1.05, expected: 1))
        #expect(!Tolerance.absolute(0.1).accepts(1.2, expected: 1))
        #expect(Tolerance.relative(0.01).accepts(237, expected: 237.376))
        #expect(!Tolerance.relative(0.01).accepts(230, expected: 237.376))
        #expect(Tolerance.decades(1).accepts(2e6, expected: 1.1e7))
        #expect(!Tolerance.decades(1).accepts(1e5, expected: 1.1e7))
        #expect(!Tolerance.decades(1).accepts(-1e7, expected: 1e7), "a negative guess is not within any decades")
        #expect(Tolerance.relative(0.01).accepts(.infinity, expected: .infinity))
        #expect(!Tolerance.relative(0.01).accepts(1e308, expected: .nan))
        #expect(Tolerance.standard.description == "within 1%")
        #expect(Tolerance.decades(0.5).description == "within 0.5 decades")
    }
}

@Suite struct LoaderTests {
    @Test func keysAreFoundWhereTheyAreWritten() throws {
        let text = """
            id = "where"
            title = "Where"
            summary = "Positions."

            [setup]
            seed = 2

            [[step]]
            kind = "task"
            text = \"\"\"
            done = "not a key: inside a string"
            \"\"\"
              setup = { rho = 1.2, T = 60 }
            done = "rho > 1"
            solution = "set rho=1.2"

            [[step]]
            kind = "prose"
            text = "Two."
            [step.setup]
            act = "linear"
            """
        let (lesson, problems) = LessonLoader.parse(text, path: "where.toml")
        #expect(problems.isEmpty)
        let steps = try #require(lesson).steps
        #expect(steps.count == 2)
        #expect(steps[0].position == SourcePosition(line: 8, column: 1))
        #expect(steps[0].position(of: "done") == SourcePosition(line: 14, column: 1), "not the line inside the multi-line string")
        #expect(steps[0].setup?.map(\.word) == ["rho=1.2", "T=60"])
        #expect(steps[0].setup?.map(\.position) == [SourcePosition(line: 13, column: 13), SourcePosition(line: 13, column: 24)])
        #expect(steps[1].setup?.map(\.word) == ["act=linear"])
        #expect(steps[1].setup?.first?.position == SourcePosition(line: 21, column: 1))
        #expect(lesson?.setup.map(\.word) == ["seed=2"])
        #expect(steps.map(\.id) == ["step-1", "step-2"])
    }

    @Test func theHashChangesWithTheFile() {
        let a = LessonLoader.hash("id = \"a\"")
        #expect(a == LessonLoader.hash("id = \"a\""))
        #expect(a != LessonLoader.hash("id = \"b\""))
    }
}

@Suite struct ProgressStoreTests {
    @Test func progressRoundTripsThroughTheFile() throws {
        let directory = NSTemporaryDirectory() + "gradlab-store-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ProgressStore(directory: directory)
        var book = ProgressBook()
        var record = LessonProgress(hash: "abc", step: 3, stepId: "powers")
        record.completed = ["a", "b"]
        record.hints = ["powers": 1]
        record.answers = ["q": ["1.5", "2"]]
        record.predictions = ["p": PredictionRecord(predicted: "1e6", observed: "1.1e7", right: false)]
        record.settings = ["rho=1.2", "seed=7"]
        book.lessons["spectral-radius"] = record
        book.current = "spectral-radius"
        try store.save(book)
        let (loaded, warning, _) = store.load()
        #expect(warning == nil)
        #expect(loaded == book)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "the temporary file was renamed into place")
    }

    @Test func progressFromANewerVersionIsLeftAlone() throws {
        let directory = NSTemporaryDirectory() + "gradlab-newer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = ProgressStore(directory: directory)
        try Data(#"{"version": 2, "lessons": {}}"#.utf8).write(to: URL(fileURLWithPath: store.path))
        let (_, warning, _) = store.load()
        #expect(warning?.contains("newer gradlab") == true)
        #expect(FileManager.default.fileExists(atPath: store.path))
    }
}
