import Render
import Lessons
import Simulator

/// The lesson being worked on: which step, and what has happened at it.
public struct LessonState: Sendable {
    public var lesson: Lesson
    public var index: Int
    /// Hints revealed at this step.
    var hintsShown = 0
    /// Whether this step has been completed (now, or before the learner came back to it).
    var done = false

    var step: Step { lesson.steps[index] }
    var isLast: Bool { index == lesson.steps.count - 1 }

    /// The choices of this step's question or prediction (none for other steps).
    var choices: [String] {
        switch step.kind {
        case .question(let question): if case .choice(let choices, _) = question.answer { return choices }
        case .prediction(let prediction): if case .choice(let choices, _) = prediction.outcome { return choices }
        default: break
        }
        return []
    }

    /// What a line typed at this step is: a command, or an answer (questions and predictions,
    /// answered or not: a learner who comes back may answer again).
    var awaitsAnswer: Bool {
        switch step.kind {
        case .question, .prediction: true
        case .prose, .task: false
        }
    }
}

/// The step runner: a state machine over the session. Entering a step applies its setup and
/// shows it; a task completes when its condition holds after a command, a question when it is
/// answered right, a prediction once it is made and the experiment has run. Each transition
/// returns what to show and updates the progress book, which the driver saves.
enum LessonRunner {
    /// Commands a lesson's solution or experiment may not run: they move between lessons, read or
    /// write files, or end the shell.
    static let forbiddenInLessons: Set<String> = Commands.lessonVerbs.union(["quit"])

    /// Whether a lesson may not run `verb`: looked up as the shell looks it up, so that an alias
    /// (`exit` for quit) is forbidden with its command.
    static func forbidden(_ verb: String) -> Bool {
        Commands.find(verb).map { forbiddenInLessons.contains($0.name) } ?? false
    }

    /// Why a lesson may not run this call although its command is a simulator's, or nil: `live`
    /// would take the learner's terminal over, so a lesson replays keys (`live VIEW --keys "…"`).
    static func refused(_ call: CommandCall) -> String? {
        guard Commands.find(call.verb)?.name == "live", !call.words.contains("--keys") else { return nil }
        return "a lesson may not take the terminal over, so its live must replay keys: live VIEW --keys \"…\""
    }

    // MARK: - Starting, resuming, moving

    /// Starts a lesson, or resumes it where its progress says.
    static func start(_ lesson: Lesson, in session: inout Session) throws(ShellError) -> [Block] {
        session.book.current = lesson.id
        guard let saved = session.book.lessons[lesson.id] else { return try begin(lesson, at: 0, keep: false, in: &session) }
        if saved.step >= lesson.steps.count {  // finished: from the start again, keeping the record
            return [.note("You finished this lesson before; here it is again from the start.")] + (try begin(lesson, at: 0, keep: true, in: &session))
        }
        if saved.hash == lesson.hash, saved.step >= 0, lesson.steps[saved.step].id == saved.stepId {
            return try resume(lesson, saved, at: saved.step, notice: nil, in: &session)
        }
        if let index = lesson.index(ofStep: saved.stepId) {
            return try resume(lesson, saved, at: index,
                              notice: "This lesson's file has changed since you were here; you are back at the same step (\(index + 1)).", in: &session)
        }
        return [.warning("This lesson's file has changed and your step is no longer in it, so it starts again (your earlier answers are kept).")]
            + (try begin(lesson, at: 0, keep: true, in: &session))
    }

    /// A fresh start at `index`; `keep` keeps the record of answers and the finished mark.
    static func begin(_ lesson: Lesson, at index: Int, keep: Bool, in session: inout Session) throws(ShellError) -> [Block] {
        var record = LessonProgress(hash: lesson.hash, step: index, stepId: lesson.steps[index].id)
        if keep, let old = session.book.lessons[lesson.id] {
            record.answers = old.answers
            record.predictions = old.predictions
            record.finished = old.finished
        }
        session.book.lessons[lesson.id] = record
        session.lesson = LessonState(lesson: lesson, index: index)
        let opening: [Block] = index == 0 ? [.text(""), .note("\(lesson.title): \(lesson.summary) (\(lesson.steps.count) steps)")] : []
        return opening + (try enter(index, jump: true, in: &session))
    }

    /// Back where the learner was: the saved settings, the hints already seen.
    static func resume(_ lesson: Lesson, _ saved: LessonProgress, at index: Int, notice: String?, in session: inout Session) throws(ShellError) -> [Block] {
        var record = saved
        record.hash = lesson.hash
        session.book.lessons[lesson.id] = record
        session.lesson = LessonState(lesson: lesson, index: index)
        var blocks: [Block] = notice.map { [.note($0)] } ?? []
        if index == saved.step, saved.hash == lesson.hash, let (settings, clip) = savedSettings(saved) {
            // The same step of the same file: the state as it was saved, not the step's setup.
            session.settings = settings
            session.clipRule = clip
            let fallback = Provenance(settings: settings, clip: clip)
            session.results = saved.results.map { Results(saved: $0, fallback: fallback) } ?? Results()
            // No more hints than the step has: the file may have lost some since.
            session.lesson?.hintsShown = min(max(saved.hints[lesson.steps[index].id] ?? 0, 0), lesson.steps[index].hints.count)
            session.lesson?.done = saved.completed.contains(lesson.steps[index].id)
            blocks.append(.note("Welcome back: \(lesson.title), step \(index + 1) of \(lesson.steps.count)."))
            blocks += show(session.lesson!, in: session)
            for k in 0..<(session.lesson?.hintsShown ?? 0) { blocks.append(hintBlock(session.lesson!.step, k, in: session)) }
            remember(&session)
            return blocks
        }
        return blocks + (try enter(index, jump: true, in: &session))
    }

    /// The settings saved with a step: typed, or as the words that files written before have.
    static func savedSettings(_ saved: LessonProgress) -> (Settings, ClipRule)? {
        if let state = saved.state { return try? Settings.restore(state) }
        return try? Commands.runSettings(Session(), saved.settings)
    }

    /// Moves to step `index` and shows it. Going on with next applies only a step's own setup, so
    /// the learner's own changes carry over to steps without one. A jump (back, goto, restart, a
    /// changed file) rebuilds the state the lesson means: the setups up to this step, then what the
    /// steps since the last setup did (their solutions and experiments, run again), so that a
    /// question about the step before has its numbers.
    static func enter(_ index: Int, jump: Bool, in session: inout Session) throws(ShellError) -> [Block] {
        guard let lesson = session.lesson?.lesson else { throw ShellError("no lesson is running; lessons lists them, lesson N starts one") }
        var blocks: [Block] = []
        if jump || lesson.steps[index].setup != nil {
            let start = jump ? rebuildStart(index, of: lesson) : index
            try reset(to: start, of: lesson, in: &session)
            let replayed = replay(start..<index, of: lesson, in: &session)
            if !replayed.lines.isEmpty {
                blocks.append(.note("To rebuild this step, gradlab ran again what the steps before it did: " + replayed.lines.joined(separator: "; ")))
            }
            // A question about "the table above" has its table: what the step before measured.
            if case .question = lesson.steps[index].kind, index > start,
               lesson.steps[index - 1].verbs.contains(where: { ResultSource(rawValue: $0) != nil }) {
                blocks += replayed.last
            }
        }
        return blocks + arrive(index, in: &session)
    }

    /// Where a jump to step `index` rebuilds the state from: the last step up to it with a setup of
    /// its own, else the start.
    static func rebuildStart(_ index: Int, of lesson: Lesson) -> Int {
        lesson.steps[...index].lastIndex { $0.setup != nil } ?? 0
    }

    /// The settings and clipping rule step `start` begins with, and no results.
    static func reset(to start: Int, of lesson: Lesson, in session: inout Session) throws(ShellError) {
        (session.settings, session.clipRule) = try stateBefore(start, of: lesson)
        session.results = Results()
    }

    /// What the steps in `steps` did (their solutions and experiments), run again; returns the
    /// lines, and what the last step's lines printed.
    @discardableResult
    static func replay(_ steps: Range<Int>, of lesson: Lesson, in session: inout Session) -> (lines: [String], last: [Block]) {
        var lines: [String] = [], last: [Block] = []
        for step in lesson.steps[steps] where !step.work.isEmpty {
            last = []
            for line in step.work {
                lines.append(line)
                last += (try? runLines([line], in: &session)) ?? []
            }
        }
        return (lines, last)
    }

    /// Shows step `index` of the running lesson, in the state the session has.
    static func arrive(_ index: Int, in session: inout Session) -> [Block] {
        guard var state = session.lesson else { return [] }
        let lesson = state.lesson
        session.results.ran = []  // ran(…) and checked(…) ask about this step
        session.results.checked = []
        let id = lesson.steps[index].id
        let record = session.book.lessons[lesson.id]
        state.index = index
        state.hintsShown = 0
        state.done = record?.completed.contains(id) ?? false
        session.lesson = state
        remember(&session)
        return show(state, in: session)
    }

    /// The settings and clipping rule step `index` starts from: the defaults, the lesson's setup,
    /// then the setups of the steps up to this one, in order.
    static func stateBefore(_ index: Int, of lesson: Lesson) throws(ShellError) -> (Settings, ClipRule) {
        var session = Session()
        let groups = [lesson.setup] + lesson.steps[...index].compactMap(\.setup)
        for group in groups where !group.isEmpty {
            do throws(ShellError) {
                (session.settings, session.clipRule) = try Commands.runSettings(session, setupWords(group))
            } catch {
                throw ShellError("the setup of this lesson is broken (\(error.message)); gradlab lint \(lesson.path) shows where")
            }
        }
        return (session.settings, session.clipRule)
    }

    /// A setup as `set` words. As with `set`, a W written out is used exactly as written: a rho of
    /// an earlier setup does not rescale it (unless this setup gives rho too).
    static func setupWords(_ group: [SetupEntry]) -> [String] {
        let words = group.map(\.word)
        let keys = Set(group.map(\.key))
        return keys.contains("W") && !keys.contains("rho") ? words + ["rho=none"] : words
    }

    /// Saves where the learner is into the progress book (the driver writes it to disk).
    static func remember(_ session: inout Session) {
        guard let state = session.lesson else { return }
        var record = session.book.lessons[state.lesson.id] ?? LessonProgress(hash: state.lesson.hash, step: state.index, stepId: state.step.id)
        record.hash = state.lesson.hash
        record.step = state.index
        record.stepId = state.step.id
        record.state = session.settings.saved(clip: session.clipRule)
        record.settings = []
        record.results = session.results.saved
        record.furthest = max(record.furthest, state.index)
        if state.hintsShown > 0 { record.hints[state.step.id] = state.hintsShown }
        if state.done, !record.completed.contains(state.step.id) { record.completed.append(state.step.id) }
        session.book.lessons[state.lesson.id] = record
        session.book.current = state.lesson.id
    }

    // MARK: - Showing

    static func header(_ state: LessonState) -> String {
        "\(state.lesson.title) · step \(state.index + 1) of \(state.lesson.steps.count)"
    }

    /// A step as the learner first sees it: where they are, the text, the choices, what to do.
    static func show(_ state: LessonState, in session: Session) -> [Block] {
        let step = state.step
        var blocks: [Block] = [.text(""), .title("── " + header(state) + " ──"), LessonText.prose(step.text, key: "text", in: session)]
        switch step.kind {
        case .prose:
            blocks.append(.note(state.isLast ? "Press Enter (or type next) to finish the lesson." : "Press Enter (or type next) to go on."))
        case .task:
            blocks.append(.note(state.done
                ? "You did this step before: redo it, or type next to go on."
                : "Any command works here. hint gives a hint, skip runs the solution, where repeats the step."))
        case .question(let question):
            if case .choice(let choices, _) = question.answer { blocks.append(choiceList(choices)) }
            blocks.append(.note(state.done ? "You answered this before: answer again, or type next to go on." : answerNote(question)))
        case .prediction(let prediction):
            if case .choice(let choices, _) = prediction.outcome { blocks.append(choiceList(choices)) }
            blocks.append(.note(state.done
                ? "You predicted this before: predict again, or type next to go on."
                : "Make your prediction first: gradlab runs the experiment once you have committed. Being wrong is fine."))
        }
        return blocks
    }

    static func choiceList(_ choices: [String]) -> Block {
        .text(choices.enumerated().map { "  \(letter($0)))  \($1)" }.joined(separator: "\n"))
    }

    static func letter(_ index: Int) -> String { String(UnicodeScalar(UInt8(97 + index))) }

    static func answerNote(_ question: Question) -> String {
        switch question.answer {
        case .number(_, let tolerance): "Type your answer: a number or an expression (\(tolerance) counts). Commands still work; hint helps."
        case .choice: "Type the letter of your answer. Commands still work; hint helps."
        case .expression: "Type your answer. Commands still work; hint helps."
        }
    }

    static func hintBlock(_ step: Step, _ index: Int, in session: Session) -> Block {
        LessonText.prose(step.hints[index], key: "hints", in: session, lead: "Hint \(index + 1) of \(step.hints.count): ")
    }

    /// The prompt for the current step: where the learner is, and whether an answer is awaited.
    static func prompt(_ session: Session) -> String? {
        guard let state = session.lesson else { return nil }
        let place = "\(state.lesson.id) \(state.index + 1)/\(state.lesson.steps.count)"
        switch state.step.kind {
        case .question: return place + " answer> "
        case .prediction: return place + " predict> "
        default: return place + "> "
        }
    }

    // MARK: - Completing

    /// After a command at a task: has the task's condition come true? (Also when the learner
    /// came back to a task done before and does it again.)
    /// `verb` is the command that just ran: when it is one of the measurements the solution makes
    /// and the task is still not done, a note says so, so that a near miss is not met by silence.
    static func afterCommand(_ verb: String? = nil, in session: inout Session) -> [Block] {
        guard let state = session.lesson, case .task(let done, _) = state.step.kind else { return [] }
        do throws(ShellError) {
            guard try holds(done, in: &session) else {
                // live leaves a measurement too (its view's), so a near miss there is met the same way.
                guard !state.done, let verb = verb.flatMap({ Commands.find($0)?.name }), ResultSource(rawValue: verb) != nil || verb == "live",
                      state.step.verbs.contains(verb) else { return [] }
                return [.note("Not yet: this \(verb) did not complete the step. where shows the task again; hint gives a hint.")]
            }
        } catch {
            // The step reads a result measured before the settings changed: say what to run again.
            return stale(done, session).map { [.note("This step's results are stale: \($0).")] } ?? []
        }
        return complete(in: &session, [.text("✓ Done.")])
    }

    /// Marks the step done, shows its explanation, and goes on to the next step (or ends the lesson).
    static func complete(in session: inout Session, _ lead: [Block]) -> [Block] {
        guard var state = session.lesson else { return lead }
        state.done = true
        session.lesson = state
        remember(&session)
        var blocks = lead
        if let explain = state.step.explain { blocks.append(LessonText.prose(explain, key: "explain", in: session)) }
        return blocks + advance(in: &session)
    }

    /// The step after a completed one, or the end of the lesson.
    static func advance(in session: inout Session) -> [Block] {
        guard let state = session.lesson else { return [] }
        if state.isLast {
            session.book.lessons[state.lesson.id]?.finished = true
            session.book.lessons[state.lesson.id]?.step = state.lesson.steps.count  // past the end: next time starts over
            session.book.lessons[state.lesson.id]?.stepId = ""
            session.lesson = nil
            let number = session.catalog.number(of: state.lesson.id).map { " \($0)" } ?? ""
            return [.title("✓ Lesson\(number) complete: \(state.lesson.title)"),
                    .note("You are back in free play with the settings as they are. lessons lists the others; lesson \(state.lesson.id) starts this one again.")]
        }
        do throws(ShellError) {
            return try enter(state.index + 1, jump: false, in: &session)
        } catch {
            return [.warning(error.message)]
        }
    }

    /// Evaluates a condition in the session; an error (a result not measured yet) is an error.
    static func holds(_ condition: String, in session: inout Session, answer: ExpressionValue? = nil) throws(ShellError) -> Bool {
        var used: [(String, ExpressionValue)] = []
        let names = SessionNames(session, strict: true)
        let value = try Expression(condition).evaluate(in: answer.map { AnswerNames(base: names, answer: $0) } ?? names, used: &used)
        guard case .bool(let truth) = value else { throw ShellError("the condition \(condition) is not true or false") }
        return truth
    }

    static func number(_ expression: String, in session: inout Session) throws(ShellError) -> Double {
        var used: [(String, ExpressionValue)] = []
        guard case .number(let x) = try Expression(expression).evaluate(in: SessionNames(session, strict: true), used: &used) else {
            throw ShellError("'\(expression)' is not a number")
        }
        return x
    }

    // MARK: - What the learner types

    static func next(in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        if case .prose = state.step.kind { return complete(in: &session, []) }
        guard state.done else {
            let what: String
            switch state.step.kind {
            case .question: what = "answer the question"
            case .prediction: what = "make your prediction"
            default: what = "do the task"
            }
            throw ShellError("this step is not done yet: \(what) first, or type hint for help, or skip to see the solution")
        }
        return advance(in: &session)
    }

    static func back(in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        guard state.index > 0 else { throw ShellError("this is the first step; there is nothing before it") }
        return try enter(state.index - 1, jump: true, in: &session)
    }

    static func goto(_ number: Int, in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        guard (1...state.lesson.steps.count).contains(number) else {
            throw ShellError("this lesson has steps 1 to \(state.lesson.steps.count); there is no step \(number)")
        }
        return try enter(number - 1, jump: true, in: &session)
    }

    static func restart(in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        return [.note("Starting \(state.lesson.title) again; your answers so far are kept in the record.")]
            + (try begin(state.lesson, at: 0, keep: true, in: &session))
    }

    static func hint(in session: inout Session) throws(ShellError) -> [Block] {
        var state = try running(session)
        let step = state.step
        guard !step.hints.isEmpty else {
            throw ShellError(step.isGraded ? "this step has no hints; skip shows the solution" : "this step has nothing to do: press Enter or type next")
        }
        guard state.hintsShown < step.hints.count else {
            throw ShellError("that was the last hint (\(step.hints.count) of \(step.hints.count)); skip shows the solution")
        }
        state.hintsShown += 1
        session.lesson = state
        remember(&session)
        return [hintBlock(step, state.hintsShown - 1, in: session)]
    }

    static func whereAmI(_ session: Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        var blocks = show(state, in: session)
        if state.hintsShown > 0 { blocks.append(.note("Hints seen: \(state.hintsShown) of \(state.step.hints.count).")) }
        return blocks
    }

    static func leave(in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        remember(&session)
        session.lesson = nil
        return [.text("You left \(state.lesson.title) at step \(state.index + 1) of \(state.lesson.steps.count); your progress is kept."),
                .note("lesson \(state.lesson.id) picks it up again. Your settings stay as they are.")]
    }

    /// Runs the solution (task), reveals the answer (question) or runs the experiment without a
    /// prediction; each command is shown with its output.
    static func skip(in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        switch state.step.kind {
        case .prose:
            return complete(in: &session, [])
        case .task(let done, let solution):
            var blocks: [Block] = [.note("The solution:")] + (try runLines(solution, in: &session))
            guard (try? holds(done, in: &session)) == true else {
                blocks.append(.warning("the solution did not complete this step (its condition \(done) is still false); this is a mistake in the lesson. next goes on anyway."))
                session.lesson?.done = true
                remember(&session)
                return blocks
            }
            return complete(in: &session, blocks + [.text("✓ Done.")])
        case .question(let question):
            let shown: String
            switch question.answer {
            case .number(let answer, let tolerance):
                do throws(ShellError) {
                    let value = try expectedAnswer(answer, in: &session)
                    shown = (Double(answer) != nil ? answer : "\(answer) = \(NumberFormat.short(value))") + " (\(tolerance) counts)"
                } catch {
                    shown = "\(answer), which cannot be worked out now: \(error.message)"
                }
            case .choice(let choices, let correct): shown = "\(letter(correct))) \(choices[correct])"
            case .expression(_, let example): shown = "for example \(example)"
            }
            session.book.lessons[state.lesson.id]?.answers[state.step.id, default: []].append("(skipped)")
            return complete(in: &session, [.text("The answer: " + shown)])
        case .prediction(let prediction):
            return try observe(prediction, predicted: nil, in: &session)
        }
    }

    /// An answer to a question, or a prediction.
    static func answer(_ text: String, in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        let given = text.trimmingWhitespace()
        guard !given.isEmpty else { throw ShellError("type an answer after answer, like answer 1.5") }
        switch state.step.kind {
        case .prose, .task:
            throw ShellError("this step asks no question; \(state.step.isGraded ? "do the task (where repeats it)" : "press Enter or type next")")
        case .question(let question):
            let (right, feedback) = try judge(given, question, in: &session)
            session.book.lessons[state.lesson.id]?.answers[state.step.id, default: []].append(given)
            if right { return complete(in: &session, [.text("✓ " + feedback)]) }
            var blocks: [Block] = [.text("✗ " + feedback)]
            var updated = state
            if updated.hintsShown < updated.step.hints.count {
                updated.hintsShown += 1
                blocks.append(hintBlock(updated.step, updated.hintsShown - 1, in: session))
            }
            blocks.append(.note("Try again" + (updated.hintsShown < updated.step.hints.count ? "; hint gives another hint" : "; skip shows the answer") + "."))
            session.lesson = updated
            remember(&session)
            return blocks
        case .prediction(let prediction):
            return try observe(prediction, predicted: given, in: &session)
        }
    }

    /// Whether an answer is right, and a sentence saying so.
    static func judge(_ given: String, _ question: Question, in session: inout Session) throws(ShellError) -> (Bool, String) {
        switch question.answer {
        case .number(let answer, let tolerance):
            let value = try learnerNumber(given, in: &session)
            let expected = try expectedAnswer(answer, in: &session)
            if tolerance.accepts(value, expected: expected) {
                let (said, right) = (shown(value, tolerance), shown(expected, tolerance))
                return (true, "Right: \(right)" + (said == right ? "." : " (you said \(said), \(tolerance))."))
            }
            let direction = value > expected ? "too high" : "too low"
            return (false, "Not quite: \(shown(value, tolerance)) is \(direction).")
        case .choice(let choices, let correct):
            let index = try choiceIndex(given, choices)
            if index == correct { return (true, "Right: \(letter(correct))) \(choices[correct]).") }
            return (false, "Not \(letter(index))).")
        case .expression(let accept, _):
            // The answer is worked out when it is an expression; a word that names nothing is a word.
            var used: [(String, ExpressionValue)] = []
            let value: ExpressionValue
            do throws(ShellError) { value = try Expression(given).evaluate(in: SessionNames(session, strict: true), used: &used) } catch {
                let isWord = given.allSatisfy { $0.isLetter || $0 == "_" || $0 == "-" }
                guard isWord, missing(given, session) == nil else {
                    throw ShellError(missing(given, session, what: "your answer") ?? "could not work out your answer '\(given)': \(error.message)")
                }
                value = .text(given)
            }
            if let reason = missing(accept, session, what: "this question") { throw ShellError(reason) }
            let right: Bool
            do throws(ShellError) { right = try holds(accept, in: &session, answer: value) } catch {
                if case .text = value { return (false, "Not quite: this question wants a number, not a word.") }
                if case .number = value { return (false, "Not quite: this question wants a word, not a number.") }
                throw error
            }
            return right ? (true, "Right: \(value.description).") : (false, "Not quite.")
        }
    }

    /// A numeric question's answer, worked out now; an error says what to measure first.
    static func expectedAnswer(_ answer: String, in session: inout Session) throws(ShellError) -> Double {
        do throws(ShellError) { return try number(answer, in: &session) } catch {
            throw ShellError(missing(answer, session, what: "this question's answer") ?? "this question's answer cannot be worked out: \(error.message)")
        }
    }

    /// When an expression reads results that have not been measured at this step, or were measured
    /// under other settings than the current ones: what to run.
    static func missing(_ expression: String, _ session: Session, what: String = "this") -> String? {
        guard let parsed = try? Expression(expression) else { return nil }
        let sources = SessionNames.sources(of: parsed)
        let absent = sources.filter { session.results.provenance(of: $0) == nil }.map(\.rawValue)
        if !absent.isEmpty {
            let reads = parsed.reads
            let names = reads.names.union(reads.series).filter { name in
                SessionNames.source(of: name).map { absent.contains($0.rawValue) } ?? false
            }
            return "\(what) needs \(names.sorted().joined(separator: ", ")), which \(absent.joined(separator: " and ")) measures and has not measured yet here; run \(absent.joined(separator: " and ")) first"
        }
        return stale(expression, session).map { "\(what) reads results measured under other settings: \($0)" }
    }

    /// Why the results an expression reads are stale ("bptt measured with rho=1.2, and the settings
    /// are rho=0.8 now; run bptt again"), or nil when they are current.
    static func stale(_ expression: String, _ session: Session) -> String? {
        guard let parsed = try? Expression(expression) else { return nil }
        let reasons = SessionNames.staleness(of: parsed, in: session)
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// A number with as many digits as the tolerance needs: 4 significant digits when they are
    /// within it, all of them otherwise (so that 0.9999998 is not shown as a right-looking 1).
    static func shown(_ x: Double, _ tolerance: Tolerance) -> String {
        let short = NumberFormat.short(x)
        if let read = Double(short), tolerance.accepts(read, expected: x) { return short }
        return NumberFormat.full(x)
    }

    static func learnerNumber(_ given: String, in session: inout Session) throws(ShellError) -> Double {
        // "b)": a choice letter, the way choices are shown.
        if given.count == 2, given.last == ")", given.first.map({ $0.isLetter && $0.isASCII }) == true { throw ShellError("this question has no choices to pick from: type a number like 1.5e3, or an expression like 1.2^60") }
        if let reason = missing(given, session, what: "your answer") { throw ShellError(reason) }
        let expression: Expression
        do throws(ShellError) { expression = try Expression(given) } catch {
            throw ShellError("'\(given)' is not a number or an expression (\(error.message)); type a number like 1.5e3, or an expression like 1.2^60")
        }
        var used: [(String, ExpressionValue)] = []
        let value: ExpressionValue
        do throws(ShellError) { value = try expression.evaluate(in: SessionNames(session, strict: true), used: &used) } catch {
            throw ShellError("could not work out your answer '\(given)': \(error.message)")
        }
        guard case .number(let x) = value else { throw ShellError("'\(given)' is not a number; type a number, like 1.5e3") }
        return x
    }

    static func choiceIndex(_ given: String, _ choices: [String]) throws(ShellError) -> Int {
        let word = given.lowercased().trimmingCharacters(in: [")", ".", " "])
        if word.count == 1, let scalar = word.unicodeScalars.first, scalar.value >= 97, Int(scalar.value) - 97 < choices.count {
            return Int(scalar.value) - 97
        }
        if let number = Int(word), (1...choices.count).contains(number) { return number - 1 }
        if let index = choices.firstIndex(where: { $0.lowercased() == given.lowercased() }) { return index }
        throw ShellError("'\(given)' is not one of the choices; type a letter from a to \(letter(choices.count - 1))")
    }

    /// Runs a prediction's experiment and shows the prediction beside what happened.
    static func observe(_ prediction: Prediction, predicted: String?, in session: inout Session) throws(ShellError) -> [Block] {
        let state = try running(session)
        // The prediction is read before anything runs, so that a bad one changes nothing.
        var guessNumber: Double? = nil, guessChoice: Int? = nil
        if let predicted {
            switch prediction.outcome {
            case .number: guessNumber = try learnerNumber(predicted, in: &session)
            case .choice(let choices, _): guessChoice = try choiceIndex(predicted, choices)
            }
        }
        var blocks: [Block] = predicted == nil ? [.note("The experiment, without a prediction:")] : [.note("Your prediction is in. The experiment:")]
        blocks += try runLines(prediction.run, in: &session)
        let observed: String, right: Bool
        switch prediction.outcome {
        case .number(let observe, let tolerance):
            let value = try number(observe, in: &session)
            observed = NumberFormat.short(value)
            right = guessNumber.map { tolerance.accepts($0, expected: value) } ?? false
            var rows: [(String, Cell)] = []
            if let guessNumber { rows.append(("you predicted", .number(guessNumber))) }
            rows.append(("observed (\(observe))", .number(value)))
            blocks.append(.values(rows))
            if let guessNumber {
                blocks.append(.text(right ? "✓ Close: \(tolerance)." : "✗ Not this time: " + miss(guessNumber, value, tolerance) + " Being surprised is how this sinks in."))
            }
        case .choice(let choices, let outcomes):
            var happened: Int? = nil
            for (index, outcome) in outcomes.enumerated() where (try? holds(outcome, in: &session)) == true {
                happened = index
                break
            }
            guard let happened else {
                throw ShellError("none of this prediction's outcomes held after the experiment: the lesson has a mistake (gradlab verify reports it to its author); skip goes on")
            }
            observed = choices[happened]
            right = guessChoice == happened
            if let guessChoice {
                blocks.append(.values([("you predicted", .text("\(letter(guessChoice))) \(choices[guessChoice])")),
                                       ("observed", .text("\(letter(happened))) \(choices[happened])"))]))
                blocks.append(.text(right ? "✓ You called it." : "✗ Not this time. Being surprised is how this sinks in."))
            } else {
                blocks.append(.values([("observed", .text("\(letter(happened))) \(choices[happened])"))]))
            }
        }
        session.book.lessons[state.lesson.id]?.predictions[state.step.id] = PredictionRecord(predicted: predicted ?? "(skipped)", observed: observed, right: right)
        return complete(in: &session, blocks)
    }

    /// How far a guess was, in the terms of the tolerance: a difference, a factor, or decades.
    static func miss(_ guess: Double, _ value: Double, _ tolerance: Tolerance) -> String {
        if case .absolute = tolerance, guess.isFinite, value.isFinite {
            return "off by \(NumberFormat.short(abs(guess - value))) (\(tolerance) counts as close)."
        }
        if guess > 0, value > 0, guess.isFinite, value.isFinite {
            let decades = abs(Foundation.log10(guess / value))
            if decades >= 1 { return "off by \(NumberFormat.short(decades)) decades (a factor of \(NumberFormat.short(pow(10, decades))))." }
            return "off by a factor of \(NumberFormat.short(max(guess / value, value / guess)))."
        }
        return "\(NumberFormat.short(guess)) against \(NumberFormat.short(value))."
    }

    /// At a prediction not yet made, the experiment's own measurements wait for the prediction:
    /// typed first, they would show the outcome before the learner commits. An error says so.
    static func holdUntilPredicted(_ call: CommandCall, _ session: Session) throws(ShellError) {
        guard let state = session.lesson, !state.done, case .prediction = state.step.kind,
              let verb = Commands.find(call.verb)?.name, ResultSource(rawValue: verb) != nil, state.step.verbs.contains(verb) else { return }
        throw ShellError("\(verb) is this step's experiment, so it waits for your prediction: type it at the predict> prompt and gradlab runs \(verb) for you (skip runs it without a prediction)")
    }

    /// Runs a lesson's commands one line at a time, each shown as typed with its output.
    static func runLines(_ lines: [String], in session: inout Session) throws(ShellError) -> [Block] {
        var blocks: [Block] = []
        for line in lines {
            blocks.append(.title("» " + line))
            for call in try LineSplitter.split(line) {
                guard !forbidden(call.verb) else {
                    throw ShellError("a lesson may not run \(call.verb) (in '\(line)'); lessons only run simulator commands")
                }
                if let reason = refused(call) { throw ShellError("\(reason) (in '\(line)')") }
                blocks += try Commands.run(call, in: &session).blocks
            }
        }
        session.record?.printed(blocks, at: session.lesson?.index)
        return blocks
    }

    static func running(_ session: Session) throws(ShellError) -> LessonState {
        guard let state = session.lesson else {
            throw ShellError("no lesson is running; lessons lists them and lesson N starts one")
        }
        return state
    }
}

extension Step {
    /// What the step does to the simulator when a learner completes it as written: a task's
    /// solution, a prediction's experiment.
    var work: [String] {
        switch kind {
        case .task(_, let solution): solution
        case .prediction(let prediction): prediction.run
        case .prose, .question: []
        }
    }

    /// The commands `work` runs, by their names (an alias counts as its command).
    var verbs: Set<String> {
        Set(work.flatMap { (try? LineSplitter.split($0)) ?? [] }.compactMap { Commands.find($0.verb)?.name })
    }
}

/// The session's names plus `answer`, the learner's answer, for a question's accept condition.
struct AnswerNames: ExpressionEnvironment {
    let base: SessionNames
    let answer: ExpressionValue
    var names: [String] { ["answer"] + base.names }
    func value(of name: String) throws(ShellError) -> ExpressionValue? { name == "answer" ? answer : try base.value(of: name) }
    func series(_ name: String) throws(ShellError) -> [Double]? { try base.series(name) }
    func ran(_ verb: String) throws(ShellError) -> Bool { try base.ran(verb) }
    func checked(_ name: String) throws(ShellError) -> Bool { try base.checked(name) }
}

import Foundation
