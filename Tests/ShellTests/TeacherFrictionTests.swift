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

    // MARK: - A bad command in a multi-line solution; verify names the key

    @Test func verifyReportsTheLineOfTheCommandThatFailsAndTheKeyOtherwise() throws {
        let text = Self.lesson(id: "lines", steps: """
            [[step]]
            id = "bad-line"
            kind = "task"
            text = "The second command fails when it runs."
            setup = { rho = 0.9 }
            done = 'ran("bptt")'
            solution = \"\"\"
            set T=20
              set rho=zz
            bptt
            \"\"\"

            [[step]]
            id = "not-done"
            kind = "task"
            text = "The solution does not do it."
            setup = { rho = 0.9 }
            done = "rho > 10"
            solution = "set rho=2"

            [[step]]
            id = "wrong-example"
            kind = "question"
            text = "A number above 4?"
            accept = "answer > 4"
            example = "3"
            hints = ["Count."]

            [[step]]
            id = "bad-run"
            kind = "prediction"
            text = "Guess."
            run = ["bptt", "set act=nope"]
            observe = "delta[0]"

            [[step]]
            id = "no-outcome"
            kind = "prediction"
            text = "Guess."
            run = "bptt"
            choices = ["big", "small"]
            outcomes = ["delta[0] > 1e300", "delta[0] < 0"]
            """)
        let (lesson, problems) = LessonLoader.parse(text, path: "lines.toml")
        #expect(problems.isEmpty, "\(problems)")
        let failures = LessonCheck.verify(try #require(lesson)).map(\.description)
        #expect(failures == [
            "lines.toml:13:3: step 1 (bad-line): solution line 'set rho=zz' fails: rho must be a number like 1.2 or 1e-3, not 'zz'",
            "lines.toml:23:1: step 2 (not-done): after the solution (set rho=2), done is still false: rho > 10 (rho = 2); change the solution or done so that the solution completes the task",
            "lines.toml:30:1: step 3 (wrong-example): its example 3 is not accepted by accept = 'answer > 4'; change example or accept",
            "lines.toml:37:17: step 4 (bad-run): run line 'set act=nope' fails: act must be one of tanh, linear, relu, sigmoid, not 'nope'",
            "lines.toml:46:1: step 5 (no-outcome): after the run (bptt) none of the outcomes holds (delta[0] = 9.872e-08); make the last outcome \"true\" if nothing else must match",
        ], "\(failures)")
    }

    // MARK: - [step.setup] in the middle of a step

    /// FORMAT.md's [step.setup] example loads as written; the same step with the table above its
    /// keys gets the problem that names each key taken.
    @Test func formatMdsStepSetupExampleWorksAndTheWrongOrderIsNamed() throws {
        let folder = try #require(LessonCatalog.builtInDirectory())
        let format = try String(contentsOfFile: folder + "/FORMAT.md", encoding: .utf8)
        let blocks = format.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let example = try #require(blocks.first { $0.contains("[step.setup]") })
        let (lesson, problems) = LessonLoader.parse(Self.lesson(id: "example", steps: example), path: "example.toml")
        #expect(problems.isEmpty, "\(problems)")
        #expect(try #require(lesson).steps.first?.setup?.map(\.word) == ["rho=0.9"])

        let wrong = Self.lesson(id: "example", steps: """
            [[step]]
            kind = "task"
            text = "Run bptt at ρ = 0.9."
            [step.setup]
            rho = 0.9
            done = 'ran("bptt")'
            solution = "bptt"
            """)
        #expect(LessonLoader.parse(wrong, path: "wrong.toml").problems.map(\.description) == [
            "wrong.toml:10:1: done is written below [step.setup] (line 8), so TOML reads it as a setting of that table, not as the step's done: a table takes every key up to the next [header]; move done above [step.setup], or write the setup on one line above it: setup = { rho = 0.9 }",
            "wrong.toml:11:1: solution is written below [step.setup] (line 8), so TOML reads it as a setting of that table, not as the step's solution: a table takes every key up to the next [header]; move solution above [step.setup], or write the setup on one line above it: setup = { rho = 0.9 }",
        ])
    }

    // MARK: - Command lines are placed where they are written

    /// Every command line of every built-in lesson's solutions and experiments is placed at the
    /// line and column where the file has it (as lint and verify report them).
    @Test func everyCommandLineOfTheBuiltInLessonsIsPlacedWhereItIsWritten() throws {
        let folder = try #require(LessonCatalog.builtInDirectory())
        let (lessons, problems) = LessonCheck.load(folder, linting: false)
        #expect(problems.isEmpty)
        var checked = 0
        for lesson in lessons {
            let lines = try String(contentsOfFile: lesson.path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
            for step in lesson.steps {
                for key in ["solution", "run"] {
                    let commands = step.kind.name == "task" && key == "solution" || step.kind.name == "prediction" && key == "run" ? step.work : []
                    #expect(commands.isEmpty || step.linePositions[key]?.count == commands.count, "\(lesson.id) \(step.id) \(key)")
                    for (number, command) in commands.enumerated() {
                        let at = step.position(of: key, line: number)
                        let written = String(String.UnicodeScalarView(lines[at.line - 1].dropFirst(at.column - 1)))
                        let verb = String(command.prefix { $0 != " " })
                        #expect(written.hasPrefix(verb), "\(lesson.id) \(step.id) \(key) line \(number): \(at) has '\(written)', not '\(command)'")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 50)
    }
}
