import Render
import Foundation
import Lessons
import Simulator

/// What `gradlab lint` and `gradlab verify` check, beyond the file's structure (which the loader
/// checks): setups the shell accepts, expressions that parse and read names that exist, commands a
/// lesson may run; then, for verify, every step run the way a learner would.
public enum LessonCheck {
    /// The lessons at a path (a `.toml` file, or every `.toml` file of a folder, by name), each
    /// loaded and linted; a lesson with any problem is left out and its problems returned.
    /// `builtIn` holds the built-in lessons' ids (with their files): another file may not take one.
    public static func load(_ path: String, linting: Bool = true, builtIn: [String: String] = [:]) -> (lessons: [Lesson], problems: [LessonProblem]) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return loadFolder(path, linting: linting, builtIn: builtIn) }
        let (lesson, problems) = LessonLoader.load(path: path)
        guard let lesson else { return ([], problems) }
        var found = problems
        if linting {
            found += lint(lesson)
            if let taken = builtIn[lesson.id], canonical(taken) != canonical(lesson.path) {
                found.append(LessonProblem(path: lesson.path, position: lesson.idPosition, message: builtInTaken(lesson.id, by: taken)))
            }
        }
        let all = found.sorted { ($0.position, $0.message) < ($1.position, $1.message) }
        return all.isEmpty ? ([lesson], []) : ([], all)
    }

    /// The problem of a lesson whose id is a built-in lesson's.
    static func builtInTaken(_ id: String, by path: String) -> String {
        "id '\(id)' is the id of the built-in lesson \((path as NSString).lastPathComponent), so load refuses this lesson; give it an id of its own, like my-\(id)"
    }

    /// The problem of a second lesson with the id of one read before it.
    static func sameID(_ id: String, as path: String) -> String {
        "id '\(id)' is also the id of \(path); two lessons cannot share an id (the one loaded later would replace the other), so give each its own"
    }

    /// A path written one way only, to tell whether two paths name the same file.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func loadFolder(_ folder: String, linting: Bool = true, builtIn: [String: String] = [:]) -> (lessons: [Lesson], problems: [LessonProblem]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
        guard !names.isEmpty else {
            return ([], [LessonProblem(path: folder, position: .init(line: 1, column: 1), message: "there are no .toml lesson files in \(folder)")])
        }
        // The files are read and parsed on every core (a tenth of start-up each on one), then taken in order.
        let loaded = parallelMap(names.count) { load((folder as NSString).appendingPathComponent(names[$0]), linting: linting, builtIn: builtIn) }
        var lessons: [Lesson] = [], problems: [LessonProblem] = []
        for (found, wrong) in loaded {
            problems += wrong
            problems += unique(found, among: &lessons)
        }
        return (lessons, problems)
    }

    /// Adds to `lessons` those of `found` whose id is not taken there yet; a problem for each other.
    public static func unique(_ found: [Lesson], among lessons: inout [Lesson]) -> [LessonProblem] {
        var problems: [LessonProblem] = []
        for lesson in found {
            if let other = lessons.first(where: { $0.id == lesson.id }) {
                problems.append(LessonProblem(path: lesson.path, position: lesson.idPosition, message: sameID(lesson.id, as: other.path)))
            } else {
                lessons.append(lesson)
            }
        }
        return problems
    }

    /// Words teachers reach for, and the names expressions have for them.
    static let synonyms = [
        "threshold": "tau", "radius": "rho", "spectral_radius": "rho", "length": "T", "hidden": "n", "size": "n",
        "learning_rate": "lr", "activation": "act", "optimizer": "optim", "norm": "grad_norm", "gradient": "grad_norm",
        "clip_norm": "clipped_norm", "loss_final": "final_loss", "nan": "diverged",
    ]

    /// Everything the shell can tell about a lesson without running it.
    public static func lint(_ lesson: Lesson) -> [LessonProblem] {
        var problems: [LessonProblem] = []
        func problem(_ at: SourcePosition, _ message: String) { problems.append(LessonProblem(path: lesson.path, position: at, message: message)) }

        // Setups: each entry on its own, then each setup on top of those before it.
        var state = Session()
        for (group, at) in [(lesson.setup, lesson.setup.first?.position)] + lesson.steps.compactMap({ step in step.setup.map { ($0, step.position(of: "setup")) } }) {
            var fine = true
            for entry in group {
                do throws(ShellError) { _ = try Commands.runSettings(Session(), [entry.word]) } catch {
                    fine = false
                    problem(entry.position, "setup \(entry.key) = \(entry.value): \(error.message)")
                }
            }
            guard fine, !group.isEmpty else { continue }
            do throws(ShellError) { (state.settings, state.clipRule) = try Commands.runSettings(state, LessonRunner.setupWords(group)) } catch {
                problem(at ?? group[0].position, "this setup, on top of the ones before it, is refused: \(error.message)")
            }
        }

        let known = Set(SessionNames.plainNames)
        let series = Set(SessionNames.seriesNames)
        for step in lesson.steps {
            func expression(_ text: String, key: String, withAnswer: Bool = false, value: Bool = false) {
                do throws(ShellError) {
                    let parsed = try Expression(text)
                    let reads = parsed.reads
                    for name in reads.names.sorted() where !known.contains(name) && !(withAnswer && name == "answer") {
                        if name.contains(".") {
                            do throws(ShellError) { _ = try SessionNames.dotted(name) } catch { problem(step.position(of: key), "\(key) reads \(error.message)") }
                            continue
                        }
                        if series.contains(name) {
                            problem(step.position(of: key), "\(key) reads the series \(name) whole; pick one value, like \(name)[0]")
                            continue
                        }
                        let hint = withAnswer ? "" : (name == "answer" ? " (answer exists only in a question's accept)" : "")
                        let near = synonyms[name.lowercased()].map { " — did you mean '\($0)'?" }
                            ?? Suggest.didYouMean(name, among: Array(known.union(series)), otherwise: "help expressions lists the names")
                        problem(step.position(of: key), "\(key) reads '\(name)', which is not a setting or result\(hint)\(near)")
                    }
                    for name in reads.series.sorted() where !series.contains(name) {
                        problem(step.position(of: key), "\(key) indexes '\(name)', which is not a series; the series are \(series.sorted().joined(separator: ", "))")
                    }
                    for name in reads.checked.sorted() where !known.contains(name) && !series.contains(name) {
                        problem(step.position(of: key), "\(key) asks checked(\"\(name)\"), but \(name) is not a setting or result\(Suggest.didYouMean(name, among: Array(known.union(series)), otherwise: "help expressions lists the names"))")
                    }
                    for verb in reads.ran.sorted() where Commands.find(verb) == nil {
                        problem(step.position(of: key), "\(key) asks ran(\"\(verb)\"), but there is no command \(verb)\(Suggest.didYouMean(verb, among: Commands.all.map(\.name)))")
                    }
                } catch {
                    problem(step.position(of: key), value ? "\(key) shows ${\(text)}, which does not parse: \(error.message)"
                                                          : "\(key) = '\(text)' does not parse: \(error.message)")
                }
            }
            /// Each command line, reported where it is written.
            func commands(_ lines: [String], key: String) {
                if lines.isEmpty { problem(step.position(of: key), "\(key) has no commands; write the commands, one per line") }
                for (number, line) in lines.enumerated() {
                    let at = step.position(of: key, line: number)
                    do throws(ShellError) {
                        for call in try LineSplitter.split(line) {
                            if Commands.find(call.verb) == nil {
                                problem(at, "\(key) runs '\(call.verb)', which is not a command\(Suggest.didYouMean(call.verb, among: Commands.verbs, otherwise: "FORMAT.md lists the commands a lesson may run"))")
                            } else if LessonRunner.forbidden(call.verb) {
                                problem(at, "\(key) runs \(call.verb); a lesson may only run simulator commands, so remove it")
                            } else if let reason = LessonRunner.refused(call) {
                                problem(at, "\(key) runs \(call.verb) without --keys; \(reason)")
                            }
                        }
                    } catch {
                        problem(at, "\(key) line '\(line)' does not parse: \(error.message)")
                    }
                }
            }
            func choiceWords(_ choices: [String]) {
                for choice in choices where Commands.find(choice.lowercased()) != nil {
                    problem(step.position(of: "choices"), "the choice '\(choice)' is also a command, so the learner could not run that command at this step; reword it")
                }
            }
            // The values shown in the text: ${EXPRESSION} or ${EXPRESSION:FORMAT}.
            for (key, texts) in [("text", [step.text]), ("explain", step.explain.map { [$0] } ?? []), ("hints", step.hints)] {
                for text in texts {
                    do throws(InterpolationError) {
                        for value in try Interpolated(text).expressions { expression(value, key: key, value: true) }
                    } catch {
                        problem(step.position(of: key), "\(key): \(error.message)")
                    }
                }
            }
            switch step.kind {
            case .prose:
                break
            case .task(let done, let solution):
                expression(done, key: "done")
                commands(solution, key: "solution")
            case .question(let question):
                switch question.answer {
                case .number(let answer, _): expression(answer, key: "answer")
                case .choice(let choices, _): choiceWords(choices)
                case .expression(let accept, _): expression(accept, key: "accept", withAnswer: true)
                }
                if step.hints.isEmpty { problem(step.position, "a question needs at least one hint: a wrong answer shows the next hint") }
            case .prediction(let prediction):
                commands(prediction.run, key: "run")
                let verbs = step.verbs
                /// What the experiment is observed by must come from the experiment.
                func measured(_ text: String, key: String) {
                    guard let reads = try? Expression(text).reads else { return }
                    for name in reads.names.union(reads.series).sorted() {
                        if let source = SessionNames.source(of: name), !verbs.contains(source.rawValue) {
                            problem(step.position(of: key), "\(key) reads \(name), which comes from \(source.rawValue), but run does not run \(source.rawValue)")
                        }
                    }
                }
                switch prediction.outcome {
                case .number(let observe, _):
                    expression(observe, key: "observe")
                    measured(observe, key: "observe")
                case .choice(let choices, let outcomes):
                    choiceWords(choices)
                    outcomes.forEach { expression($0, key: "outcomes"); measured($0, key: "outcomes") }
                }
            }
        }
        return problems.sorted { ($0.position, $0.message) < ($1.position, $1.message) }
    }

    /// Runs every step as a learner would: a task's setup must not already complete it and its
    /// solution must; a question's answer must be accepted; a prediction's experiment must run and
    /// give an outcome. Then every step once more, reached by goto (its state rebuilt from the
    /// setups and the steps before it). Returns what failed, by step, each at the key (or the
    /// command line) it is about.
    public static func verify(_ lesson: Lesson, runtime: Runtime = Runtime()) -> [LessonProblem] {
        verification(lesson, runtime: runtime).failures
    }

    /// What verify found: the failures, and how many numbers written in the text it checked.
    public struct Verification: Sendable {
        public var failures: [LessonProblem]
        public var numbersChecked: Int
    }

    /// verify, with the count of the numbers in the text it checked against the screen.
    public static func verification(_ lesson: Lesson, runtime: Runtime = Runtime()) -> Verification {
        var failures: [LessonProblem] = []
        func fail(_ index: Int, at position: SourcePosition? = nil, _ message: String) {
            let step = lesson.steps[index]
            failures.append(LessonProblem(path: lesson.path, position: position ?? step.position, message: "step \(index + 1) (\(step.id)): \(message)"))
        }
        /// The values of the text that could not be worked out when it was shown.
        func gaps(_ shown: [VerifyRecord.Shown], reached: String = "") {
            for entry in shown {
                for gap in entry.gaps {
                    let when = entry.key == "explain" ? "once the step is done" : "when the step begins"
                    fail(entry.step, at: lesson.steps[entry.step].position(of: entry.key),
                         "\(reached)\(entry.key) shows ${\(gap.expression)}, which cannot be worked out \(when): \(gap.reason)")
                }
            }
        }
        /// Hints can be asked for as soon as the step begins.
        func hints(_ index: Int, in session: Session, reached: String = "") {
            for hint in lesson.steps[index].hints {
                for gap in LessonText.render(hint, in: session).gaps {
                    fail(index, at: lesson.steps[index].position(of: "hints"),
                         "\(reached)a hint shows ${\(gap.expression)}, which cannot be worked out when the step begins: \(gap.reason)")
                }
            }
        }
        let record = VerifyRecord()
        var session = Session()
        session.runtime = runtime
        session.record = record
        var rebuilt = Rebuilt(lesson: lesson, runtime: runtime)
        do throws(ShellError) { _ = try LessonRunner.begin(lesson, at: 0, keep: false, in: &session) } catch {
            return Verification(failures: [LessonProblem(path: lesson.path, position: .init(line: 1, column: 1), message: error.message)], numbersChecked: 0)
        }
        while let state = session.lesson {
            let index = state.index
            hints(index, in: session)
            if let failure = complete(lesson.steps[index], in: &session) { fail(index, at: failure.at, failure.message) }
            if session.lesson?.index == index {  // go on with the next step, from its own state
                guard index + 1 < lesson.steps.count else { session.lesson = nil; continue }
                do throws(ShellError) {
                    session.simulatorState = try rebuilt.session(at: index + 1).simulatorState
                    _ = LessonRunner.arrive(index + 1, in: &session)
                } catch {
                    fail(index + 1, error.message)
                    session.lesson = nil
                }
            }
        }
        let shown = record.allShown
        gaps(shown)
        let (checked, findings) = ProseCheck.check(lesson, record)
        for finding in findings { fail(finding.step, at: finding.position, finding.message) }
        guard failures.isEmpty else { return Verification(failures: failures, numbersChecked: checked) }
        for index in lesson.steps.indices.dropFirst() {
            let reached = "reached by goto (or back, or a resume after the file changed): "
            var jumped: Session
            let jumpRecord = VerifyRecord()
            do throws(ShellError) { jumped = try rebuilt.session(at: index) } catch {
                fail(index, "reached by goto: \(error.message)")
                continue
            }
            jumped.record = jumpRecord
            _ = LessonRunner.arrive(index, in: &jumped)
            hints(index, in: jumped, reached: reached)
            if let failure = complete(lesson.steps[index], in: &jumped) {
                fail(index, at: failure.at, reached + failure.message)
            }
            gaps(jumpRecord.allShown.filter { $0.step == index }, reached: reached)
        }
        return Verification(failures: failures, numbersChecked: checked)
    }

    /// The state a jump (goto, back) gives each step before showing it, for steps in increasing
    /// order: the setups up to the step, then the work of the steps since the last setup, run
    /// again by the runner itself. Kept from one step to the next, so that each step's work runs
    /// once here, not once for every step after it (a lesson of 400 steps took 34 s to verify).
    struct Rebuilt {
        let lesson: Lesson
        let runtime: Runtime
        private var base: Session?
        private var start = 0, next = 0

        init(lesson: Lesson, runtime: Runtime) {
            self.lesson = lesson
            self.runtime = runtime
        }

        mutating func session(at index: Int) throws(ShellError) -> Session {
            let from = LessonRunner.rebuildStart(index, of: lesson)
            if base == nil || from != start || index < next {
                var fresh = Session()
                fresh.runtime = runtime
                _ = try LessonRunner.begin(lesson, at: 0, keep: false, in: &fresh)
                try LessonRunner.reset(to: from, of: lesson, in: &fresh)
                (base, start, next) = (fresh, from, from)
            }
            LessonRunner.replay(next..<index, of: lesson, in: &base!)
            next = index
            return base!
        }
    }

    /// Completes the current step the way its file says (solution, answer, a prediction); when
    /// that does not work, a sentence for the teacher and the place in the file it is about.
    static func complete(_ step: Step, in session: inout Session) -> (at: SourcePosition, message: String)? {
        let index = session.lesson?.index
        func values(_ expression: String) -> String {
            var used: [(String, ExpressionValue)] = []
            _ = try? Expression(expression).evaluate(in: SessionNames(session), used: &used)
            return used.isEmpty ? "" : " (\(Commands.usedText(used)))"
        }
        /// The first of `lines` that fails, run one at a time: where it is written, and why.
        func failing(_ lines: [String], key: String, in session: inout Session) -> (at: SourcePosition, message: String)? {
            for (number, line) in lines.enumerated() {
                do throws(ShellError) { _ = try LessonRunner.runLines([line], in: &session) } catch {
                    return (step.position(of: key, line: number), "\(key) line '\(line)' fails: \(error.message)")
                }
            }
            return nil
        }
        var key = "text"
        do throws(ShellError) {
            switch step.kind {
            case .prose:
                _ = try LessonRunner.next(in: &session)
            case .task(let done, let solution):
                if (try? LessonRunner.holds(done, in: &session)) == true {
                    return (step.position(of: "done"), "done already holds before the learner does anything: \(done)\(values(done)); give the step a setup where it does not")
                }
                if let failure = failing(solution, key: "solution", in: &session) { return failure }
                guard (try? LessonRunner.holds(done, in: &session)) == true else {
                    return (step.position(of: "solution"), "after the solution (\(solution.joined(separator: "; "))), done is still false: \(done)\(values(done)); "
                            + "change the solution or done so that the solution completes the task")
                }
                _ = LessonRunner.afterCommand(in: &session)
            case .question(let question):
                let answer: String
                switch question.answer {
                case .number(let expression, _):
                    key = "answer"
                    answer = NumberFormat.full(try LessonRunner.expectedAnswer(expression, in: &session))
                case .choice(_, let correct): answer = LessonRunner.letter(correct)
                case .expression(_, let example):
                    key = "example"
                    answer = example
                }
                _ = try LessonRunner.answer(answer, in: &session)
                if session.lesson?.index == index {
                    if case .expression(let accept, let example) = question.answer {
                        return (step.position(of: "example"), "its example \(example) is not accepted by accept = '\(accept)'; change example or accept")
                    }
                    return (step.position(of: "answer"), "its own answer \(answer) was not accepted; check answer and its tolerance")
                }
            case .prediction(let prediction):
                let guess: String
                if case .choice = prediction.outcome { guess = "a" } else { guess = "1" }
                let before = session
                do throws(ShellError) { _ = try LessonRunner.answer(guess, in: &session) } catch {
                    // Which line of the experiment failed, if one did: run it again, line by line.
                    var probe = before
                    if let failure = failing(prediction.run, key: "run", in: &probe) { return failure }
                    switch prediction.outcome {
                    case .choice(_, let outcomes):
                        return (step.position(of: "outcomes"), "after the run (\(prediction.run.joined(separator: "; "))) none of the outcomes holds"
                                + "\(values(outcomes.joined(separator: " or "))); make the last outcome \"true\" if nothing else must match")
                    case .number:
                        return (step.position(of: "observe"), "observe cannot be worked out after the run (\(prediction.run.joined(separator: "; "))): \(error.message)")
                    }
                }
            }
        } catch {
            return (step.position(of: key), error.message)
        }
        return nil
    }
}
