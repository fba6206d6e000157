import Foundation
import Lessons
import Simulator
import Testing
@testable import Render
@testable import Shell

/// Issue 16, finding 8: the small ones. Each answers with one sentence and the shell goes on.
@Suite struct PapercutTests {
    /// `exit` is quit's alias: a lesson's solution may not run it any more than quit, so lint
    /// refuses it and the runner would not run it.
    @Test func anAliasOfAForbiddenCommandIsForbiddenInLessons() throws {
        let directory = folder("alias")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/exit.toml"
        try Data("""
            id = "exits"
            title = "Exits"
            summary = "A solution that ends the shell."

            [[step]]
            id = "t"
            kind = "task"
            text = "Run bptt."
            done = 'ran("bptt")'
            hints = ["bptt"]
            solution = "bptt; exit"

            """.utf8).write(to: URL(fileURLWithPath: path))
        let problems = LessonCheck.load(path).problems.map(\.description)
        #expect(problems == ["\(path):11:13: solution runs exit; a lesson may only run simulator commands, so remove it"], "\(problems)")
        #expect(Commands.find("exit")?.name == "quit")
        #expect(LessonRunner.forbidden("exit") && LessonRunner.forbidden("quit") && LessonRunner.forbidden("where"))
        #expect(!LessonRunner.forbidden("bptt") && !LessonRunner.forbidden("?") && !LessonRunner.forbidden("nonsense"))
        var session = Session()
        #expect(throws: ShellError.self) { _ = try LessonRunner.runLines(["bptt; exit"], in: &session) }
    }

    /// `transcript ""` names no file: refused with one sentence, and no file called `""` appears.
    @Test func anEmptyTranscriptNameIsRefused() throws {
        let h = Harness(lessons: [])
        for line in ["transcript \"\"", "transcript \"  \""] {
            let printed = h.type(line)
            #expect(Harness.flat(printed).contains("transcript needs a file name, and \(line.dropFirst("transcript ".count)) is empty; give one, like transcript notes.md"), "\(printed)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\"\""))
        #expect(!FileManager.default.fileExists(atPath: "\"  \""))
        #expect(h.type("seed 3").contains("seed"), "the shell goes on")
    }

    /// A typed ESC is written to the transcript as the screen showed it (^[), so `cat notes.md`
    /// does not replay it; a quoted name is the name without its quotes, as with load.
    @Test func theTranscriptKeepsTypedLinesInert() throws {
        let directory = folder("transcript")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let h = Harness(lessons: [])
        h.type("= 1 \u{1B}]0;PWNED\u{07}\u{1B}[2J", "seed 3 \u{9B}2J", "transcript \"\(directory)/notes.md\"")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/notes.md"))
        #expect(!bytes.contains(0x1B) && !bytes.contains(0x07))
        #expect(!zip(bytes, bytes.dropFirst()).contains { $0 == 0xC2 && (0x80...0x9F).contains($1) })
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("gradlab> = 1 ^[]0;PWNED^G^[[2J\n"), "\(text)")
        #expect(text.contains("gradlab> seed 3 <U+009B>2J\n"), "\(text)")
    }

    /// A W whose ρ is so small that W·ρ_target/ρ overflows (5e-324 here) is refused with one
    /// sentence, and W stays as it was, rather than becoming NaN.
    @Test func aSpectralRadiusTooSmallToRescaleIsRefused() throws {
        let h = Harness(lessons: [])
        h.type("set rho=0.9")
        let before = try h.driver.session.model().W
        let printed = h.type("set W=[[5e-324,0],[0,5e-324]] rho=1")
        #expect(Harness.flat(printed) == "error: ρ(W) is 4.941e-324, too small to rescale W to rho=1: W·1/ρ(W) overflows; write W with larger entries, or unset rho with rho=none\n")
        #expect(try h.driver.session.model().W == before)
        #expect(h.driver.session.settings.rho == 0.9)
        let spec = ModelSpec(hiddenSize: 2, initialization: .literal(Matrix([[.leastNonzeroMagnitude, 0], [0, .leastNonzeroMagnitude]])), spectralRadius: 1)
        #expect(throws: ModelError.radiusTooSmall(rho: .leastNonzeroMagnitude, target: 1)) { try spec.recurrentMatrix() }
        // The same W without rho is used as written.
        #expect(!h.type("set W=[[5e-324,0],[0,5e-324]]").contains("error"))
    }

    /// set, show and eig say the same ρ(W): +Inf when a finite W's eigenvalue is past the Double
    /// range (set said NaN), NaN only when W itself has a non-finite entry.
    @Test func setAndEigAgreeOnRho() throws {
        let h = Harness(lessons: [])
        let set = h.type("set W=[[1e308,1e308],[1e308,1e308]]")
        #expect(set.contains("now ρ(W) = Inf"), "\(set)")
        let eig = h.type("eig")
        #expect(eig.contains("ρ(W) Inf"), "\(eig)")
        let huge = Matrix([[1e308, 1e308], [1e308, 1e308]])
        #expect(Spectrum.spectralRadius(huge) == .infinity)
        let broken = Matrix([[1, .nan], [0, 1]])
        #expect(Spectrum.spectralRadius(broken).isNaN)
        #expect(Spectrum.spectralRadius(broken, eigenvalues: Spectrum.eigenvalues(broken)).isNaN)
        #expect(Spectrum.spectralRadius(Matrix([[0.5, 0], [0, -2]])) == 2)
        let rescaled = h.type("set W=[[1e308,1e308],[1e308,1e308]] rho=1")
        #expect(Harness.flat(rescaled).contains("ρ(W) is past the largest number (about 1.8e308), so W cannot be rescaled to rho=1"), "\(rescaled)")
    }
}

/// Issue 16: what learners met in tmux, each answered now.
@Suite struct LearnerPapercutTests {
    static func builtIns() -> Harness {
        let h = Harness(lessons: [])
        h.driver.session.catalog = LessonCatalog.builtIns().0
        return h
    }

    /// The banner said "New here? … lesson 1 starts the first" after four finished lessons.
    @Test func theBannerNamesTheNextLessonOnceSomeAreFinished() {
        let h = Self.builtIns()
        #expect(h.driver.lessonsLine() == "New here? lessons lists the lessons; lesson 1 starts the first.")
        for id in ["getting-around", "spectral-radius", "bptt"] {
            var record = LessonProgress(hash: "", step: 0, stepId: "")
            record.finished = true
            h.driver.session.book.lessons[id] = record
        }
        #expect(h.driver.lessonsLine() == "You have finished 3 of 13 lessons; lesson 4, When training explodes, is the first of the others.")
    }

    /// notebook said "No predictions yet" after a dozen predictions made in lessons.
    @Test func theNotebookListsTheLessonsPredictions() throws {
        let h = Self.builtIns()
        let lesson = try #require(h.driver.session.catalog.builtIn.first { $0.id == "spectral-radius" })
        let (index, step) = try #require(lesson.steps.enumerated().first { if case .prediction = $0.element.kind { true } else { false } })
        var record = LessonProgress(hash: "", step: 0, stepId: "")
        record.predictions[step.id] = PredictionRecord(predicted: "1e3", observed: "3.2e6", right: false)
        h.driver.session.book.lessons[lesson.id] = record
        let shown = h.type("notebook")
        #expect(shown.contains("In lessons: 0 of 1 called right"), "\(shown)")
        #expect(shown.contains("✗ lesson 2, step \(index + 1): predicted 1e3; observed 3.2e6"), "\(shown)")
    }

    /// At a question, Enter printed nothing, and "b)" (a choice, the way choices are shown) at a
    /// question that wants a number gave "at column 9: unbalanced ')'" (counted in "answer b)").
    @Test func anEmptyLineOrAChoiceLetterAtANumberQuestionIsAnswered() throws {
        let h = Self.builtIns()
        h.type("lesson 1", "goto 3")
        #expect(h.state?.awaitsAnswer == true)
        let again = h.type("")
        #expect(again.contains("Type your answer"), "\(again)")
        let letter = h.type("b)")
        #expect(letter.contains("this question has no choices to pick from"), "\(letter)")
        let paren = h.type("(2")
        #expect(paren.contains("at column 3: expected ')'"), "\(paren)")
    }
}

/// Errors were wrapped at 80 columns (and coloured with a terminal on standard output) when
/// standard error went to a file or a pipe: one message is now one line there.
@Test func anErrorToAFileIsOneLineWithoutColour() throws {
    let long = "clip value 1 [1, 2]; clip value:1 [1, 2]"
    let (_, err, status) = try gradlab(["-c", long], environment: ["COLUMNS": "40"])
    #expect(status == 1)
    #expect(err == "error: write clip value 1 here; the colon form value:1 is for clip= in train, compare and sweep\n", "\(err)")
}

/// Two gradlab processes on one home: the later save of an older step moved a learner back from
/// step 16 to 14, silently. What either did is kept, and the one that saves last says so.
@Test func twoProcessesOnOneHomeKeepTheFurthestStepAndSaySo() throws {
    let directory = folder("two-homes")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = ProgressStore(directory: directory)
    let catalog = LessonCatalog.builtIns().0
    var warnings: [String] = []
    let late = Interpreter(json: false, style: OutputStyle(color: false, unicode: true, width: 100), out: { _ in }, err: { warnings.append($0) })
    late.session.catalog = catalog
    late.progressStore = store
    late.execute("lesson 1")  // this one stays at step 1 while the other goes on

    let ahead = Harness(lessons: [], store: store)
    ahead.driver.session.catalog = catalog
    ahead.type("lesson 1", "next", "next", "show", "", "goto 6")
    #expect(store.load().book.lessons["getting-around"]?.furthest == 5)

    late.execute("next")
    let saved = try #require(store.load().book.lessons["getting-around"])
    #expect(saved.step == 1)       // where this learner is now
    #expect(saved.furthest == 5)   // what the other reached is kept
    #expect(warnings.joined().contains("another gradlab on this home had reached step 6 of lesson 1"), "\(warnings)")
}

/// goto to a question about "that table" rebuilt the state without showing the table: the
/// question now has the output of the measurement before it.
@Test func gotoAQuestionShowsWhatTheStepBeforeMeasured() {
    let h = LearnerPapercutTests.builtIns()
    let shown = h.type("lesson 3", "goto 3")
    #expect(shown.contains("To rebuild this step, gradlab ran again what the steps before it did: bptt"), "\(shown)")
    #expect(shown.contains("» bptt") && shown.contains("‖∂L/∂h_t‖₂"), "\(shown)")
    // A question after a step that measured nothing shows no output of it.
    let first = h.type("leave", "lesson 1", "goto 3")
    #expect(!first.contains("» help"), "\(first)")
}

/// cliff clip=norm:1000 said "leaves the map at step 18" of a path that ends on the map.
@Test func aCliffPathThatComesBackSaysSo() {
    let h = Harness(lessons: [])
    let shown = Harness.flat(h.type("cliff clip=norm:1000"))
    for line in shown.split(separator: "\n") where line.contains("leaves the map") {
        let end = line.split(separator: ";")[0]  // "…: ends at w=…, b=… with loss …"
        let numbers = end.split(whereSeparator: { " =,".contains($0) }).compactMap { Double($0) }
        let onTheMap = numbers.count >= 2 && (-1...9).contains(numbers[0]) && (-4...2).contains(numbers[1])
        #expect(line.contains("ends back on it") == onTheMap, "\(line)")
    }
}

/// Errors from -c carried no location; of several lines, each names its line, as a script's do.
@Test func errorsOfSeveralCommandLinesNameTheirLine() throws {
    let (_, err, status) = try gradlab(["-c", "show\nbogus"])
    #expect(status == 1)
    #expect(err.hasPrefix("-c:2: error: unknown command 'bogus'"), "\(err)")
}

/// A first start reads the built-in lessons on another thread while the prompt is up; the first
/// command, Tab completion and the banner wait for them, and they are all there.
@Test func aFirstStartReadsTheLessonsBehindThePrompt() throws {
    let directory = folder("first-start")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var printed = ""
    let driver = Interpreter(json: false, style: OutputStyle(color: false, unicode: true, width: 100), out: { printed += $0 }, err: { printed += $0 })
    driver.prepareLessons(store: ProgressStore(directory: directory), background: true)
    #expect(driver.lessonsLine() == "New here? lessons lists the lessons; lesson 1 starts the first.")
    #expect(driver.whereLeft() == nil)
    #expect(driver.lessonIDs.count == 13)
    driver.execute("lessons")
    #expect(printed.contains("Clipping in the wild"), "\(printed)")

    // With progress, they are read before the banner, which names the lesson.
    driver.execute("lesson 2")
    let again = Interpreter(json: false, style: OutputStyle(color: false, unicode: true, width: 100), out: { _ in }, err: { _ in })
    again.prepareLessons(store: ProgressStore(directory: directory), background: true)
    #expect(again.whereLeft()?.contains("lesson 2, The spectral radius") == true)
}

/// The merge of two processes' progress must not undo this process's own restart: a restarted
/// lesson's tasks are to be done again, not passed with Enter.
@Test func aRestartStillAsksForTheTasksAgain() throws {
    let directory = folder("restart")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let h = Harness(lessons: [], store: ProgressStore(directory: directory))
    h.driver.session.catalog = LessonCatalog.builtIns().0
    h.type("lesson 1", "", "help eig", "", "restart", "")
    #expect(h.step == 2)
    let shown = h.type("")
    #expect(h.step == 2, "Enter passed a task done before the restart: \(shown)")
}
