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

    // MARK: - A built-in lesson's id

    @Test func loadLintAndVerifyAllRefuseABuiltInLessonsId() throws {
        let path = fixtures.appendingPathComponent("BrokenLessons/friction-builtin-id.toml").path
        let expected = "\(path):2:1: id 'spectral-radius' is the id of the built-in lesson 02-spectral-radius.toml, so load refuses this lesson; give it an id of its own, like my-spectral-radius"
        // lint and verify load a file as this does (gradlab lint and verify pass the built-in ids).
        let (lessons, problems) = LessonCheck.load(path, builtIn: LessonCatalog.builtInIDs())
        #expect(lessons.isEmpty)
        #expect(problems.map(\.description) == [expected])
        // load, at the prompt, says the same.
        let h = Harness(lessons: [])
        h.driver.session.catalog = LessonCatalog.builtIns().0
        let printed = Harness.flat(h.type("load \(path)"))
        #expect(printed.contains("error: cannot load \(path): \(expected)"), "\(printed)")
        // The built-in lessons themselves are not refused: their ids are their own.
        let folder = try #require(LessonCatalog.builtInDirectory())
        #expect(LessonCheck.load(folder, builtIn: LessonCatalog.builtInIDs()).problems.isEmpty)
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

    // MARK: - load of the lesson you are in

    @Test func loadingTheLessonYouAreInGoesOnInTheNewVersionAtTheSameStep() throws {
        let folder = Folder()
        let steps = """
            [[step]]
            id = "one"
            kind = "prose"
            text = "One."

            [[step]]
            id = "two"
            kind = "task"
            text = "Old text of step two."
            setup = { rho = 0.9 }
            done = 'ran("bptt")'
            solution = "bptt"
            """
        let path = try folder.write("changing.toml", Self.lesson(id: "changing", steps: steps))
        let h = Harness(lessons: [])
        h.type("load \(path)", "lesson changing", "")
        #expect(h.step == 2)
        h.type("set rho=1.5")

        // The same file again: nothing changes.
        var printed = h.type("load \(path)")
        #expect(printed.contains("You are in changing, whose file has not changed; where shows the step."))
        #expect(h.driver.session.settings.rho == 1.5)

        // The teacher edits the step and loads it: the new text shows at once, at the same step.
        _ = try folder.write("changing.toml", Self.lesson(id: "changing", steps: steps.replacingOccurrences(of: "Old text", with: "New text")))
        printed = Harness.flat(h.type("load \(path)"))
        #expect(printed.contains("You are in changing: it goes on from the changed file."), "\(printed)")
        #expect(printed.contains("This lesson's file has changed since you were here; you are back at the same step (2)."))
        #expect(printed.contains("New text of step two."))
        #expect(h.step == 2 && h.state?.step.text == "New text of step two.")
        #expect(h.driver.session.settings.rho == 0.9, "the step is rebuilt from the new file")

        // The step is gone from the new version: the lesson starts again, and says so.
        _ = try folder.write("changing.toml", Self.lesson(id: "changing", steps: steps.replacingOccurrences(of: "id = \"two\"", with: "id = \"renamed\"")))
        printed = Harness.flat(h.type("load \(path)"))
        #expect(printed.contains("This lesson's file has changed and your step is no longer in it, so it starts again"))
        #expect(h.step == 1)
    }

    // MARK: - Two files with one id

    @Test func aSecondFileWithALoadedLessonsIdIsRefusedUnlessTheFirstIsGone() throws {
        let folder = Folder()
        let step = "[[step]]\nkind = \"prose\"\ntext = \"Hello.\"\n"
        let a = try folder.write("a.toml", Self.lesson(id: "twin", title: "First", steps: step))
        let b = try folder.write("b.toml", Self.lesson(id: "twin", title: "Second", steps: step))
        let h = Harness(lessons: [])
        h.type("load \(a)")
        var printed = Harness.flat(h.type("load \(b)"))
        #expect(printed.contains("error: cannot load \(b): \(b):1:1: id 'twin' is also the id of \(a); two lessons cannot share an id (the one loaded later would replace the other), so give each its own"), "\(printed)")
        #expect(h.driver.session.catalog.loaded.map(\.title) == ["First"])

        // A renamed file: the old one is gone, so the new one takes its place, and says so.
        try FileManager.default.removeItem(atPath: a)
        printed = Harness.flat(h.type("load \(b)"))
        #expect(printed.contains("This replaces \(a), loaded before with the same id 'twin', which is gone."), "\(printed)")
        #expect(h.driver.session.catalog.loaded.map(\.title) == ["Second"])
        #expect(!h.driver.session.book.loaded.contains { $0.hasSuffix("/a.toml") }, "the old path is forgotten")
    }

    @Test func lintOfTwoFilesOrAFolderWithOneIdReportsTheSecondAtItsId() throws {
        let folder = Folder()
        let step = "[[step]]\nkind = \"prose\"\ntext = \"Hello.\"\n"
        let a = try folder.write("a.toml", Self.lesson(id: "twin", steps: step))
        let b = try folder.write("b.toml", "# the same id, further down\n" + Self.lesson(id: "twin", steps: step))
        let message = "\(b):2:1: id 'twin' is also the id of \(a); two lessons cannot share an id (the one loaded later would replace the other), so give each its own"
        #expect(LessonCheck.load(folder.path).problems.map(\.description) == [message])
        // gradlab lint a.toml b.toml: the files given together, as LessonTool.lint checks them.
        var seen: [Lesson] = []
        let problems = [a, b].flatMap { LessonCheck.unique(LessonCheck.load($0).lessons, among: &seen) }
        #expect(problems.map(\.description) == [message])
    }

    @Test func twoRememberedFilesWithOneIdAreBothNamedAtStartUp() throws {
        let folder = Folder()
        let step = "[[step]]\nkind = \"prose\"\ntext = \"Hello.\"\n"
        let a = try folder.write("a.toml", Self.lesson(id: "twin", steps: step))
        let b = try folder.write("b.toml", Self.lesson(id: "twin", steps: step))
        let store = ProgressStore(directory: folder.path + "/state")
        var book = ProgressBook()
        book.loaded = [a, b]
        try store.save(book)
        let box = Box()
        let driver = Interpreter(json: false, style: OutputStyle(color: false, unicode: true, width: 400), out: { _ in }, err: { box.text += $0 })
        driver.prepareLessons(store: store)
        let warnings = box.text.split(separator: "\n").map(String.init)
        #expect(warnings.contains { $0.contains("\(b):1:1: id 'twin' is also the id of \(a); two lessons cannot share an id") }, "\(warnings)")
        #expect(driver.session.catalog.loaded.map(\.path) == [a])
    }

    final class Box: @unchecked Sendable { var text = "" }

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
