import Foundation
import Lessons
import Render
import Testing
@testable import Shell

/// Issue 15, "Teacher friction": what a teacher writing lessons from FORMAT.md alone ran into,
/// each with the message it now gets. The problems lint finds in a file are in the broken-lesson
/// fixtures (Tests/Fixtures/BrokenLessons/friction-*.toml, checked by LessonLintTests); these are
/// the ones that take a session, two files or a run.
@Suite struct TeacherFrictionTests {
    /// A folder of its own for each test, removed afterwards.
    final class Folder {
        let path = NSTemporaryDirectory() + "gradlab-friction-\(UUID().uuidString)"
        init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    static func lesson(id: String, title: String = "A lesson", steps: String) -> String {
        "id = \"\(id)\"\ntitle = \"\(title)\"\nsummary = \"For a test.\"\n\n" + steps
    }

    // MARK: - Word answers are case-insensitive

    @Test func wordAnswersMatchWhateverTheirCase() throws {
        let text = Self.lesson(id: "words", steps: """
            [[step]]
            kind = "question"
            text = "Which activation saturates?"
            accept = 'answer == "tanh"'
            example = "tanh"
            hints = ["It is an S."]

            [[step]]
            kind = "question"
            text = "Which activation is the identity?"
            accept = 'answer == "Linear"'
            example = "linear"
            hints = ["Not a curve."]
            """)
        let (lesson, problems) = LessonLoader.parse(text, path: "words.toml")
        #expect(problems.isEmpty)
        let h = Harness(lessons: [try #require(lesson)])
        h.type("lesson words")
        var printed = h.type("TanH")
        #expect(printed.contains("✓ Right: \"TanH\"."), "\(printed)")
        printed = h.type("LINEAR")
        #expect(printed.contains("✓ Right: \"LINEAR\"."), "a capital in the teacher's word does not matter either: \(printed)")
        #expect(LessonCheck.verify(try #require(lesson)).isEmpty)
    }
}
