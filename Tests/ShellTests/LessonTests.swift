import Foundation
import Lessons
import Testing
@testable import Render
@testable import Shell

/// The folder of test fixtures (lesson files), beside the test targets.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixtureLesson(_ name: String = "demo") throws -> Lesson {
    let (lessons, problems) = LessonCheck.load(fixtures.appendingPathComponent("Lessons/\(name).toml").path)
    #expect(problems.isEmpty, "\(problems)")
    return try #require(lessons.first)
}

/// A driver with the demo lesson loaded, writing into `out` (plain text, no colour).
final class Harness {
    var out = ""
    let driver: Interpreter

    init(lessons: [Lesson], store: ProgressStore? = nil) {
        driver = Interpreter(json: false, style: OutputStyle(color: false, unicode: true, width: 100), out: { _ in }, err: { _ in })
        driver.session.catalog = LessonCatalog(loaded: lessons)
        driver.progressStore = store
        if let store { driver.session.book = store.load().book }
    }

    /// Runs each line as if typed at the prompt; returns what it printed (errors included).
    @discardableResult
    func type(_ lines: String...) -> String {
        var printed = ""
        for line in lines {
            let before = driver.session.transcript.entries.count
            driver.execute(line)
            printed += driver.session.transcript.entries[before...].map(\.output).joined()
        }
        out += printed
        return printed
    }

    /// Printed text with wrapped lines joined again, for checking long messages.
    static func flat(_ text: String) -> String { text.replacingOccurrences(of: "\n  ", with: " ") }

    var state: LessonState? { driver.session.lesson }
    var step: Int? { state.map { $0.index + 1 } }
}

@Suite struct LessonLintTests {
    static let broken = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent("BrokenLessons").path)) ?? [])
        .filter { $0.hasSuffix(".toml") }.sorted()

    @Test func everyBrokenFixtureIsChecked() {
        #expect(Self.broken.count >= 17, "\(Self.broken)")
    }

    /// Every broken fixture says, in `# expect: LINE:COLUMN text` comments, each problem lint must
    /// report; lint must report exactly those (with the built-in lessons' ids taken, as lint has them).
    @Test(arguments: broken)
    func brokenLessonsNameEachProblemWithItsLineAndColumn(_ name: String) throws {
        let path = fixtures.appendingPathComponent("BrokenLessons/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = text.split(separator: "\n").compactMap { line -> (Int, Int, String)? in
            guard let range = line.range(of: "# expect: ") else { return nil }
            let rest = line[range.upperBound...]
            let parts = rest.split(separator: " ", maxSplits: 1)
            let place = parts[0].split(separator: ":").map { Int($0)! }
            return (place[0], place[1], String(parts[1]))
        }
        #expect(!expected.isEmpty)
        let (lessons, problems) = LessonCheck.load(path, builtIn: LessonCatalog.builtInIDs())
        #expect(lessons.isEmpty, "a lesson with problems is not loaded")
        for (line, column, message) in expected {
            #expect(problems.contains { $0.position == SourcePosition(line: line, column: column) && $0.message.contains(message) },
                    "expected \(line):\(column) \(message) among \(problems.map(\.description))")
        }
        #expect(problems.count == expected.count, "\(problems.map(\.description))")
        #expect(problems.allSatisfy { $0.description.hasPrefix(path + ":") })
    }

    @Test func loadingABrokenLessonAtThePromptIsOneErrorAndTheShellGoesOn() {
        let h = Harness(lessons: [])
        let printed = Harness.flat(h.type("load \(fixtures.path)/BrokenLessons/unknown-keys.toml", "= 1 + 1"))
        #expect(printed.contains("error: cannot load"))
        #expect(printed.contains("unknown-keys.toml:1:1: missing key 'summary'"))
        #expect(printed.contains("(and 4 more problems; gradlab lint"))
        #expect(printed.hasSuffix("2\n"))
        #expect(h.driver.session.catalog.loaded.isEmpty)
    }

    @Test func aMissingFileIsOneSentence() {
        let (lessons, problems) = LessonCheck.load("/nonexistent/lesson.toml")
        #expect(lessons.isEmpty)
        #expect(problems.map(\.message) == ["there is no such file"])
    }
}

/// Under a sanitizer (`scripts/sanitize`, which sets GRADLAB_SANITIZER), only the first three
/// lessons are verified and replayed: together they have every kind of step, and the seed sweeps of
/// lessons 4 to 8 run the kernels and the training that other tests take through the sanitizer,
/// ten times slower there (they made the sanitized suite 16 minutes of CI's 36).
let sanitized = ProcessInfo.processInfo.environment["GRADLAB_SANITIZER"] != nil

@Suite struct LessonVerifyTests {
    static let builtIn = LessonCatalog.builtInDirectory().map { folder in
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".toml") }.sorted().map { folder + "/" + $0 }
    }.map { sanitized ? Array($0.prefix(3)) : $0 } ?? []

    @Test func theCurriculumHasTenLessonsThatLint() throws {
        let folder = try #require(LessonCatalog.builtInDirectory())
        let (lessons, problems) = LessonCheck.load(folder)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        #expect(lessons.count >= 10)
        for lesson in lessons { #expect((8...20).contains(lesson.steps.count), "\(lesson.id) has \(lesson.steps.count) steps") }
    }

    /// gradlab verify --all, one lesson per test so that they run side by side.
    @Test(arguments: builtIn)
    func everyBuiltInLessonVerifies(_ path: String) throws {
        let (lessons, problems) = LessonCheck.load(path)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        for lesson in lessons {
            let failures = LessonCheck.verify(lesson)
            #expect(failures.isEmpty, "\(lesson.id): \(failures.map(\.description))")
        }
    }

    @Test func verifyCatchesATaskDoneBeforeItStartsAndASolutionThatDoesNotDoIt() throws {
        let text = """
            id = "wrong"
            title = "Wrong"
            summary = "Verify must fail."

            [[step]]
            id = "already"
            kind = "task"
            text = "Already done by the setup."
            setup = { rho = 1.5 }
            done = "rho > 1"
            solution = "set rho=2"

            [[step]]
            id = "never"
            kind = "task"
            text = "The solution does not do it."
            done = "rho > 10"
            solution = "set rho=2"

            [[step]]
            id = "wrong-answer"
            kind = "question"
            text = "A question whose answer reads something never measured."
            answer = "delta[0]"
            hints = ["none"]
            """
        let (lesson, problems) = LessonLoader.parse(text, path: "wrong.toml")
        #expect(problems.isEmpty)
        let failures = LessonCheck.verify(try #require(lesson)).map(\.message)
        #expect(failures.count == 3, "\(failures)")
        #expect(failures[0] == "step 1 (already): done already holds before the learner does anything: rho > 1 (rho = 1.5); give the step a setup where it does not")
        #expect(failures[1] == "step 2 (never): after the solution (set rho=2), done is still false: rho > 10 (rho = 2); change the solution or done so that the solution completes the task")
        #expect(failures[2] == "step 3 (wrong-answer): this question's answer needs delta, which bptt measures and has not measured yet here; run bptt first", "\(failures[2])")
    }
}

@Suite struct LessonRunnerTests {
    @Test func aLearnerWalksThroughEveryKindOfStep() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        var printed = h.type("lesson demo")
        #expect(printed.contains("── A demo · step 1 of 7 ──"))
        #expect(printed.contains("Welcome. This lesson is short. It has a few steps.\n\n  = 1 + 1"), "a paragraph is reflowed; an indented line is kept")
        #expect(LessonRunner.prompt(h.driver.session) == "demo 1/7> ")

        h.type("")  // Enter after reading
        #expect(h.step == 2)
        #expect(h.driver.session.settings.rho == 0.9, "the step's setup")
        printed = h.type("next")
        #expect(printed.contains("this step is not done yet"), "a task is not passed over by next")
        printed = h.type("hint", "hint", "hint")
        #expect(printed.contains("Hint 1 of 2: set rho=1.2") && printed.contains("Hint 2 of 2: then bptt") && printed.contains("that was the last hint"))
        h.type("bptt")
        #expect(h.step == 2, "bptt at ρ = 0.9 does not complete it")
        printed = h.type("set rho=3 T=10; bptt")  // another spelling than the solution's: outcomes count
        #expect(printed.contains("✓ Done.") && printed.contains("The gradient grew."))
        #expect(h.step == 3)
        #expect(h.driver.session.settings.rho == 3, "a step without setup keeps the learner's settings")

        #expect(LessonRunner.prompt(h.driver.session) == "demo 3/7 answer> ")
        printed = h.type("= 1.2^30", "show rho")
        #expect(!printed.contains("Not quite"), "commands at the answer prompt are not answers")
        printed = h.type("56")
        #expect(printed.contains("✗ Not quite: 56 is too low.") && printed.contains("Hint 1 of 1"))
        printed = h.type("what")
        #expect(Harness.flat(printed).contains("error: could not work out your answer 'what': at column 1: unknown name 'what'"), "an unreadable answer is an error, not a wrong try")
        printed = h.type("1.2^30")
        #expect(printed.contains("✓ Right: 237.4."))
        #expect(h.step == 4)

        printed = h.type("b")
        #expect(printed.contains("✗ Not b)."))
        printed = h.type("answer a")
        #expect(printed.contains("✓ Right: a) delta[0]."))
        printed = h.type("1.5")
        #expect(printed.contains("✗ Not quite.") && printed.contains("Hint 1 of 1: Below one."))
        printed = h.type("0.5")
        #expect(printed.contains("✓ Right: 0.5."))
        #expect(h.step == 6)
        #expect(LessonRunner.prompt(h.driver.session) == "demo 6/7 predict> ")

        printed = h.type("1e9")
        #expect(printed.contains("Your prediction is in") && printed.contains("» bptt") && printed.contains("you predicted"))
        let record = try #require(h.driver.session.book.lessons["demo"]?.predictions["guess"])
        #expect(record.predicted == "1e9")
        #expect(Double(record.observed.replacingOccurrences(of: "e+", with: "e"))! > 1e9)
        #expect(h.step == 7, "a wrong prediction does not block")

        printed = h.type("b")
        #expect(printed.contains("✓ You called it.") && printed.contains("✓ Lesson 1 complete: A demo"))
        #expect(h.state == nil)
        let done = try #require(h.driver.session.book.lessons["demo"])
        #expect(done.finished)
        #expect(done.answers["q-power"] == ["56", "1.2^30"], "wrong tries are recorded; the unreadable one is not")
        #expect(done.hints["run-bptt"] == 2)
        printed = h.type("lessons")
        #expect(printed.contains("✓ finished"))
    }

    @Test func backAndGotoRebuildTheSameNumbers() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        h.type("lesson demo", "", "skip")
        let first = h.driver.session.results.bptt?.value.deltaNorms
        #expect(first != nil, "skip ran the solution, bptt included")
        h.type("set rho=5 T=7 seed=9", "back")
        #expect(h.step == 2)
        #expect(h.driver.session.settings.rho == 0.9 && h.driver.session.settings.T == 30 && h.driver.session.settings.seed == 3)
        h.type("skip")
        #expect(h.driver.session.results.bptt?.value.deltaNorms == first, "the same step gives the same numbers")
        h.type("goto 6")
        #expect(h.driver.session.settings.rho == 1.5 && h.driver.session.settings.act == .linear)
        let printed = h.type("goto 9")
        #expect(printed.contains("this lesson has steps 1 to 7"))
    }

    @Test func skipShowsTheSolutionAndTheAnswer() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        var printed = h.type("lesson demo", "", "skip")
        #expect(printed.contains("The solution:") && printed.contains("» set rho=1.2; bptt") && printed.contains("BPTT over T=30"))
        printed = h.type("skip")
        #expect(printed.contains("The answer: 1.2^30 = 237.4 (within 1% counts)"))
        #expect(h.driver.session.book.lessons["demo"]?.answers["q-power"] == ["(skipped)"])
    }

    @Test func navigationOutsideALessonAndLeaving() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        var printed = h.type("next")
        #expect(printed.contains("error: no lesson is running; lessons lists them"))
        printed = h.type("lesson 7")
        #expect(printed.contains("error: there is no lesson 7; lessons are numbered 1 to 1"))
        printed = h.type("lesson dem")
        #expect(printed.contains("step 1 of 7"), "a unique start of an id is enough")
        h.type("", "set rho=2")
        printed = h.type("leave")
        #expect(printed.contains("You left A demo at step 2 of 7"))
        #expect(h.state == nil && h.driver.session.settings.rho == 2)
        printed = h.type("lesson")
        #expect(printed.contains("Welcome back") && h.step == 2, "lesson alone resumes the last one")
        #expect(h.driver.session.settings.rho == 2, "with the settings as they were left")
        printed = h.type("restart")
        #expect(h.step == 1 && printed.contains("Starting A demo again"))
    }

    @Test func progressSurvivesANewSessionAndAChangedFile() throws {
        let directory = NSTemporaryDirectory() + "gradlab-progress-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ProgressStore(directory: directory)
        let lesson = try fixtureLesson()
        let first = Harness(lessons: [lesson], store: store)
        first.type("lesson demo", "", "set rho=1.25", "hint")
        #expect(FileManager.default.fileExists(atPath: store.path))

        let second = Harness(lessons: [lesson], store: store)
        var printed = second.type("lessons")
        #expect(printed.contains("step 2/7"))
        printed = second.type("lesson 1")
        #expect(second.step == 2 && printed.contains("Welcome back") && printed.contains("Hint 1 of 2"))
        #expect(second.driver.session.settings.rho == 1.25, "the settings as they were")

        // The file changed: a step was added before; the learner lands on the same step by its id.
        let text = try String(contentsOfFile: lesson.path, encoding: .utf8)
            .replacingOccurrences(of: "[[step]]\nid = \"run-bptt\"", with: "[[step]]\nid = \"new\"\nkind = \"prose\"\ntext = \"New.\"\n\n[[step]]\nid = \"run-bptt\"")
        let (changed, problems) = LessonLoader.parse(text, path: lesson.path)
        #expect(problems.isEmpty)
        let third = Harness(lessons: [try #require(changed)], store: store)
        printed = third.type("lesson demo")
        #expect(third.step == 3 && printed.contains("has changed since you were here"))

        // The step is gone: start again, with a notice.
        let (gone, _) = LessonLoader.parse(text.replacingOccurrences(of: "id = \"run-bptt\"", with: "id = \"renamed\""), path: lesson.path)
        let fourth = Harness(lessons: [try #require(gone)], store: store)
        printed = fourth.type("lesson demo")
        #expect(fourth.step == 1 && printed.contains("your step is no longer in it"))
    }

    @Test func aJumpRebuildsTheResultsTheStepAsksAbout() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        h.type("lesson demo", "", "skip", "skip")  // step 4 asks about the bptt of step 2
        let delta = h.driver.session.results.bptt?.value.deltaNorms
        h.type("restart", "goto 4")
        #expect(h.step == 4)
        #expect(h.driver.session.results.bptt?.value.deltaNorms == delta, "goto ran step 2's solution again")
        #expect(h.out.contains("To rebuild this step, gradlab ran again what the steps before it did: set\n  rho=1.2; bptt"))
        #expect(!h.driver.session.results.ran.contains("bptt"), "ran(…) is about this step only")
    }

    @Test func aResumeBringsBackTheResultsToo() throws {
        let directory = NSTemporaryDirectory() + "gradlab-results-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ProgressStore(directory: directory)
        let lesson = try fixtureLesson()
        let first = Harness(lessons: [lesson], store: store)
        first.type("lesson demo", "", "set rho=1.7; bptt", "= 1.2^30")
        let delta = try #require(first.driver.session.results.bptt?.value.deltaNorms)
        let second = Harness(lessons: [lesson], store: store)
        second.type("lesson demo")
        #expect(second.step == 3)
        #expect(second.driver.session.results.bptt?.value.deltaNorms == delta)
        #expect(second.driver.session.settings.rho == 1.7)
    }

    @Test func progressKeepsTypedSettingsAndStillReadsTheWordsOfOlderFiles() throws {
        let directory = NSTemporaryDirectory() + "gradlab-typed-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ProgressStore(directory: directory)
        let lesson = try fixtureLesson()
        let first = Harness(lessons: [lesson], store: store)
        first.type("lesson demo", "", "set rho=1.7 lr=0.25; clip norm 2; bptt")
        let file = URL(fileURLWithPath: directory + "/progress.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var lessons = try #require(json["lessons"] as? [String: Any])
        var record = try #require(lessons["demo"] as? [String: Any])
        let state = try #require(record["state"] as? [String: Any])
        #expect(state["rho"] as? Double == 1.7 && state["lr"] as? Double == 0.25 && state["act"] as? String == "linear")
        #expect(state["clip"] as? String == "norm:2" && state["n"] as? Double == 8)
        #expect((record["settings"] as? [String])?.isEmpty ?? true, "the words are no longer written")

        // The same progress as a file of today's earlier format: settings and measurements as words.
        record["state"] = nil
        record["settings"] = ["n=8", "init=gaussian", "T=30", "act=linear", "rho=1.7", "lr=0.25", "seed=3", "clip=norm:2"]
        var results = try #require(record["results"] as? [String: Any])
        results["measuredUnder"] = nil
        results["measuredWith"] = ["bptt": ["n=8", "init=gaussian", "T=30", "act=linear", "rho=1.7", "seed=3"]]
        record["results"] = results
        lessons["demo"] = record
        json["lessons"] = lessons
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let second = Harness(lessons: [lesson], store: store)
        second.type("lesson demo")
        #expect(second.driver.session.settings.rho == 1.7 && second.driver.session.settings.lr == 0.25)
        #expect(second.driver.session.clipRule == .norm(threshold: 2, order: .two, style: .gradlab))
        #expect(second.driver.session.results.bptt != nil && SessionNames.staleness(.bptt, in: second.driver.session) == nil)
    }

    @Test func aQuestionAnsweredBeforeTakesAnswersAgain() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        h.type("lesson demo", "", "skip", "1.2^30", "back")
        #expect(h.step == 3 && LessonRunner.prompt(h.driver.session) == "demo 3/7 answer> ")
        var printed = h.type("50")
        #expect(printed.contains("✗ Not quite: 50 is too low."), "a bare number is an answer, not an unknown command")
        printed = h.type("237.4")
        #expect(printed.contains("✓ Right") && h.step == 4)
    }

    @Test func wordsAndUnmeasuredNamesAtAnAcceptQuestion() throws {
        let h = Harness(lessons: [try fixtureLesson()])
        h.type("lesson demo", "goto 5")
        var printed = h.type("big")
        #expect(printed.contains("✗ Not quite: this question wants a number, not a word."))
        printed = h.type("final_loss")
        #expect(Harness.flat(printed).contains("error: your answer needs final_loss, which train measures and has not measured yet here; run train first"))
        printed = h.type("1/3")
        #expect(printed.contains("✓ Right: 0.3333."))
    }

    @Test func anExperimentMustMeasureWhatItIsObservedBy() throws {
        let text = """
            id = "unobserved"
            title = "Unobserved"
            summary = "observe reads what run does not measure."

            [[step]]
            kind = "prediction"
            text = "Guess."
            run = "bptt"
            observe = "final_loss"
            """
        let (lesson, problems) = LessonLoader.parse(text, path: "unobserved.toml")
        #expect(problems.isEmpty)
        #expect(LessonCheck.lint(try #require(lesson)).map(\.description) == ["unobserved.toml:9:1: observe reads final_loss, which comes from train, but run does not run train"])
    }

    @Test func aCorruptProgressFileIsSetAsideNotLost() throws {
        let directory = NSTemporaryDirectory() + "gradlab-corrupt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = ProgressStore(directory: directory)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: store.path))
        let (book, warning, _) = store.load()
        #expect(book == ProgressBook())
        #expect(warning?.contains("moved to") == true)
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("progress.json.corrupt-") }
        #expect(kept.count == 1)
        #expect(try String(contentsOfFile: directory + "/" + kept[0], encoding: .utf8) == "{ not json")
    }

    @Test func transcriptWritesMarkdownAndNeverOverwrites() throws {
        let path = NSTemporaryDirectory() + "gradlab-transcript-\(UUID().uuidString).md"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let h = Harness(lessons: [try fixtureLesson()])
        h.type("lesson demo", "", "= 2^10")
        var printed = h.type("transcript \(path)")
        #expect(printed.contains("Wrote 3 commands"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# gradlab session\n\nLesson: A demo, at step 2 of 7."))
        #expect(text.contains("```\ndemo 1/7> \n\n── A demo · step 2 of 7 ──"), "Enter at a prose step is shown as typed")
        #expect(text.contains("```\ndemo 2/7> = 2^10\n1024\n```"))
        printed = h.type("transcript \(path)")
        #expect(Harness.flat(printed).contains("already exists and is kept as it is"))
    }

    @Test func lessonsCannotRunForbiddenCommandsEvenWhenLintIsBypassed() throws {
        var lesson = try fixtureLesson()
        lesson.steps[1].kind = .task(done: "rho > 1", solution: ["transcript /tmp/evil.md"])
        let h = Harness(lessons: [lesson])
        let printed = h.type("lesson demo", "", "skip")
        #expect(printed.contains("a lesson may not run transcript"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/evil.md"))
    }
}

/// Each built-in lesson, typed through as a learner did (commands and answers, never skip): the
/// lines are in Tests/Fixtures/LearnerRuns, one file per lesson.
@Suite struct LearnerRunTests {
    static let all = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent("LearnerRuns").path)) ?? []).sorted()
    static let runs = sanitized ? Array(all.prefix(3)) : all

    @Test func everyBuiltInLessonHasALearnerRun() throws {
        let folder = try #require(LessonCatalog.builtInDirectory())
        let lessons = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(Self.all == lessons.map { $0.replacingOccurrences(of: ".toml", with: ".txt") })
    }

    @Test(arguments: runs)
    func aLearnerFinishesTheLessonWithoutSkipping(_ name: String) throws {
        let (catalog, problems) = LessonCatalog.builtIns()
        #expect(problems.isEmpty)
        let h = Harness(lessons: [])
        h.driver.session.catalog = catalog
        let text = try String(contentsOfFile: fixtures.appendingPathComponent("LearnerRuns/\(name)").path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(!lines.contains { ["skip", "answer", "goto"].contains($0.split(separator: " ").first.map(String.init) ?? "") })
        let id = try #require(lines.first?.split(separator: " ").last.map(String.init))
        for line in lines { h.type(line) }
        #expect(h.state == nil, "\(name): the run ended at step \(h.step ?? 0)")
        #expect(h.driver.session.book.lessons[id]?.finished == true, "\(name)")
        #expect(h.out.contains("✓ Lesson \(catalog.number(of: id)!) complete"))
    }
}

@Suite struct CustomLessonTests {
    /// A lesson a teacher wrote from FORMAT.md alone loads, verifies, and runs to the end when
    /// loaded at the prompt and answered as a learner would.
    @Test func aTeachersLessonLoadsAndRunsToTheEnd() throws {
        let path = fixtures.appendingPathComponent("Lessons/choosing-tau.toml").path
        let lesson = try fixtureLesson("choosing-tau")
        #expect(LessonCheck.verify(lesson).isEmpty)
        let h = Harness(lessons: [])
        h.type("load \(path)", "lesson choosing-tau", "", "grad", "1/raw_norm", "clip norm 2; grad", "a",
               "clip value 0.1; grad", "1e10", "", "a", "suggest lr=0.1", "train clip=norm:0.3", "1", "")
        #expect(h.state == nil, "stopped at step \(h.step ?? 0)")
        #expect(h.out.contains("✓ Lesson 1 complete: Choosing the clipping threshold τ"))
    }
}

@Suite struct ProgressSharingTests {
    /// Two gradlab processes at once, each in its own lesson: neither loses the other's progress.
    @Test func twoSessionsKeepEachOthersProgress() throws {
        let directory = NSTemporaryDirectory() + "gradlab-two-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = ProgressStore(directory: directory)
        let demo = try fixtureLesson(), teacher = try fixtureLesson("choosing-tau")
        let one = Harness(lessons: [demo, teacher], store: store)
        let two = Harness(lessons: [demo, teacher], store: store)
        one.type("lesson demo", "")
        two.type("lesson choosing-tau", "", "grad")
        one.type("skip")
        let saved = store.load().book
        #expect(saved.lessons["demo"]?.step == 2)
        #expect(saved.lessons["choosing-tau"]?.step == 2, "the other session's progress survived this one's save")
        #expect(one.driver.session.book.lessons["choosing-tau"] != nil, "and this session now knows it")
    }
}

@Suite struct FormatExampleTests {
    /// The complete example in Lessons/FORMAT.md lints and verifies, so the reference cannot drift
    /// from the code.
    @Test func theExampleInFormatMdIsAWorkingLesson() throws {
        let folder = try #require(LessonCatalog.builtInDirectory())
        let text = try String(contentsOfFile: folder + "/FORMAT.md", encoding: .utf8)
        let start = try #require(text.range(of: "```toml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let (lesson, problems) = LessonLoader.parse(String(text[start.upperBound..<end.lowerBound]), path: "FORMAT.md example")
        #expect(problems.isEmpty, "\(problems)")
        let example = try #require(lesson)
        #expect(LessonCheck.lint(example).isEmpty)
        #expect(LessonCheck.verify(example).isEmpty)
        #expect(Set(example.steps.map(\.kind.name)) == ["prose", "task", "question", "prediction"])
    }
}

/// A result measured under other settings than the current ones never completes a step or answers a
/// question: it reads as absent, and the learner is told what to run again.
@Suite struct StaleResultTests {
    func builtIn(_ file: String) throws -> Lesson {
        let folder = try #require(LessonCatalog.builtInDirectory())
        let (lessons, problems) = LessonCheck.load((folder as NSString).appendingPathComponent(file))
        #expect(problems.isEmpty, "\(problems)")
        return try #require(lessons.first)
    }

    @Test func bpttBeforeTheSettingChangedDoesNotCompleteTheTask() throws {
        let lesson = try builtIn("02-spectral-radius.toml")
        let h = Harness(lessons: [lesson])
        h.type("lesson \(lesson.id)")
        let step = try #require(lesson.index(ofStep: "vanish")) + 1
        h.type("goto \(step)")
        h.type("bptt")  // at the step's own ρ = 1.2
        let printed = Harness.flat(h.type("set rho=0.8"))
        #expect(h.step == step, "bptt at ρ = 1.2 does not count for ρ = 0.8")
        #expect(printed.contains("stale") && printed.contains("rho=1.2") && printed.contains("run bptt again"), "\(printed)")
        #expect(Harness.flat(h.type("bptt")).contains("✓ Done."))
        #expect(h.step == step + 1)
    }

    @Test func aQuestionDoesNotAcceptANumberFromOtherSettings() throws {
        let lesson = try builtIn("02-spectral-radius.toml")
        let h = Harness(lessons: [lesson])
        h.type("lesson \(lesson.id)")
        let step = try #require(lesson.index(ofStep: "vanish-size")) + 1
        h.type("goto \(step)")  // rebuilt: rho = 0.8 and bptt run
        let jac = try #require(h.driver.session.results.bptt?.value.jacobianNorms?[0])
        h.type("set rho=0.9")
        let printed = Harness.flat(h.type(NumberFormat.full(jac)))
        #expect(h.step == step, "a stale jac[0] is no answer")
        #expect(printed.contains("run bptt again"), "\(printed)")
        h.type("set rho=0.8")
        #expect(Harness.flat(h.type(NumberFormat.full(jac))).contains("✓"))
    }

    @Test func aRunsOwnSettingsAreReadAndDoNotGoStale() throws {
        let text = """
        id = "own"
        title = "Own settings"
        summary = "A run's own clip and lr."

        [[step]]
        id = "clipped"
        kind = "task"
        text = "Train once with norm clipping at lr 0.1."
        setup = { task = "adding", T = 10, steps = 20, batch = 4, lr = 0.5 }
        done = 'train.clip == "norm" and train.tau == 1 and train.lr == 0.1 and not diverged'
        solution = "train clip=norm:1 lr=0.1"

        [[step]]
        id = "after"
        kind = "prose"
        text = "Done."
        """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-own-\(UUID()).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (lessons, problems) = LessonCheck.load(path)
        #expect(problems.isEmpty, "\(problems)")
        let lesson = try #require(lessons.first)
        #expect(LessonCheck.verify(lesson).isEmpty)
        let h = Harness(lessons: [lesson])
        h.type("lesson own")
        h.type("train lr=0.1")  // the session's rule is none
        #expect(h.step == 1)
        #expect(Harness.flat(h.type("train clip=norm:1 lr=0.1")).contains("✓ Done."))
        #expect(h.step == 2)

        // The run's own keys do not go stale when the session's change; the others do.
        var session = Session()
        _ = try run("task adding T=10; set steps=5 batch=4; train clip=norm:1 lr=0.1; set lr=0.7", in: &session)
        #expect(SessionNames.staleness(.train, in: session) == nil)
        _ = try run("set T=12", in: &session)
        #expect(SessionNames.staleness(.train, in: session) == "train measured with T=10, and the settings are T=12 now; run train again, or set T=10 to go back to its results")
    }
}
