import StateFiles
import Render
import Foundation
import Lessons

extension Commands {
    /// The commands that move through lessons; a task's condition is not checked after them.
    static let lessonVerbs: Set<String> = ["lessons", "lesson", "next", "back", "goto", "hint", "skip", "restart", "where", "leave", "answer", "transcript", "load"]

    static let lessons = CommandSpec(
        name: "lessons", usage: "lessons",
        summary: "the lessons, with your progress in each",
        details: [
            .paragraph("Lists the built-in lessons, then those loaded with load, numbered for lesson N. ✓ marks a finished lesson; \"step 3/12\" one you are part-way through (with the furthest step you reached, when you went back)."),
        ]
    ) { session, call throws(ShellError) in
        try noArguments(call)
        let all = session.catalog.all
        guard !all.isEmpty else {
            return Report(command: "lessons", blocks: [.text("No lessons were found. load PATH loads a lesson file or a folder of them.")], fields: [("lessons", .array([]))])
        }
        func progress(_ lesson: Lesson) -> String {
            guard let record = session.book.lessons[lesson.id] else { return "" }
            let count = lesson.steps.count
            if session.lesson?.lesson.id == lesson.id, let index = session.lesson?.index { return "▸ step \(index + 1)/\(count)" }
            if (0..<count).contains(record.step) {
                let furthest = min(record.furthest, count - 1)  // the file may have lost steps since
                let reached = furthest > record.step ? " (reached \(furthest + 1))" : ""
                return (record.finished ? "✓ again, " : "") + "step \(record.step + 1)/\(count)" + reached
            }
            return record.finished ? "✓ finished" : ""
        }
        let rows: [[Cell]] = all.enumerated().map { k, lesson in
            [.integer(k + 1), .text(lesson.title), .text(lesson.id), .text(progress(lesson))]
        }
        var blocks: [Block] = [.table(Table(columns: [.init("#"), .init("lesson", numeric: false), .init("id", numeric: false), .init("progress", numeric: false)], rows: rows))]
        let first = session.catalog.builtIn.count + 1
        if !session.catalog.loaded.isEmpty {
            blocks.append(.note(first == all.count ? "Lesson \(first) was loaded with load." : "Lessons \(first) to \(all.count) were loaded with load."))
        }
        blocks.append(.note("lesson N (or its id) starts one, or resumes it where you left off."))
        return Report(command: "lessons", blocks: blocks, fields: [("lessons", .array(all.enumerated().map { k, lesson in
            .object([("number", .integer(k + 1)), ("id", .string(lesson.id)), ("title", .string(lesson.title)), ("summary", .string(lesson.summary)),
                     ("steps", .integer(lesson.steps.count)), ("progress", .string(progress(lesson))),
                     ("builtin", .bool(k < session.catalog.builtIn.count))])
        }))])
    }

    static let lesson = CommandSpec(
        name: "lesson", usage: "lesson N|ID",
        summary: "start a lesson, or resume it where you left off",
        details: [
            .rows([
                ("lesson 2", "the second lesson of lessons (or lesson spectral-radius)"),
                ("lesson", "back to the lesson you were last in"),
            ]),
            .paragraph("Inside a lesson every command still works. Moving around: next, back, goto N, restart, where, leave. Help at a step: hint, skip. Questions: type the answer. Your progress is saved after every command and kept when you leave or quit."),
        ],
        argumentWords: { [] }
    ) { session, call throws(ShellError) in
        guard call.words.count <= 1 else { throw ShellError("lesson takes one number or id, like lesson 2") }
        let chosen: Lesson
        if let word = call.words.first {
            chosen = try session.catalog.find(word)
        } else if let id = session.lesson?.lesson.id ?? session.book.current, let found = try? session.catalog.find(id) {
            chosen = found
        } else {
            throw ShellError("lesson needs a number or an id, like lesson 1; lessons lists them")
        }
        if session.lesson?.lesson.id == chosen.id {
            return lessonReport(try LessonRunner.whereAmI(session), session)
        }
        if session.lesson != nil { _ = try LessonRunner.leave(in: &session) }
        return lessonReport(try LessonRunner.start(chosen, in: &session), session)
    }

    static let next = stepCommand("next", "next", "go on to the next step (Enter does too, after reading)",
                                  "At a task, question or prediction, the step must be done first (skip shows the solution).") { s, _ throws(ShellError) in
        try LessonRunner.next(in: &s)
    }
    static let back = stepCommand("back", "back", "go back one step, with that step's settings",
                                  "The step is rebuilt from the lesson's setups and the solutions of the steps before it, so the numbers are the ones it was written for.") { s, _ throws(ShellError) in
        try LessonRunner.back(in: &s)
    }
    static let goto = stepCommand("goto", "goto N", "jump to step N of the lesson",
                                  "Step N is rebuilt from the lesson's setups and the solutions of the steps before it.", takes: true) { s, call throws(ShellError) in
        guard call.words.count == 1, let number = Int(call.words[0]) else { throw ShellError("goto takes a step number, like goto 3") }
        return try LessonRunner.goto(number, in: &s)
    }
    static let hint = stepCommand("hint", "hint", "the next hint for this step",
                                  "Hints come one at a time; a wrong answer also shows the next one.") { s, _ throws(ShellError) in
        try LessonRunner.hint(in: &s)
    }
    static let skip = stepCommand("skip", "skip", "run this step's solution (or show its answer) and go on",
                                  "At a task the solution's commands run and print, so the state is exactly as if you had typed them.") { s, _ throws(ShellError) in
        try LessonRunner.skip(in: &s)
    }
    static let restart = stepCommand("restart", "restart", "start this lesson again from step 1",
                                     "Settings go back to the lesson's start; the record of your answers is kept.") { s, _ throws(ShellError) in
        try LessonRunner.restart(in: &s)
    }
    static let whereCommand = stepCommand("where", "where", "which lesson and step you are at, and what it asks",
                                          "Shows the current step again, with the hints you have seen.") { s, _ throws(ShellError) in
        try LessonRunner.whereAmI(s)
    }
    static let leave = stepCommand("leave", "leave", "back to free play (your progress is kept)",
                                   "lesson N, or lesson alone, picks up where you left.") { s, _ throws(ShellError) in
        try LessonRunner.leave(in: &s)
    }
    static let answer = stepCommand("answer", "answer TEXT", "answer the question or make the prediction of this step",
                                    "At a question's prompt you can type the answer alone; answer TEXT always means an answer.", takes: true) { s, call throws(ShellError) in
        try LessonRunner.answer(call.rest, in: &s)
    }

    static func stepCommand(_ name: String, _ usage: String, _ summary: String, _ details: String, takes: Bool = false,
                            _ run: @escaping @Sendable (inout Session, CommandCall) throws(ShellError) -> [Block]) -> CommandSpec {
        CommandSpec(name: name, usage: usage, summary: summary, details: [.paragraph(details)]) { session, call throws(ShellError) in
            if !takes { try noArguments(call) }
            return lessonReport(try run(&session, call), session)
        }
    }

    /// A lesson command's report: its blocks, and where the learner now is.
    static func lessonReport(_ blocks: [Block], _ session: Session) -> Report {
        var fields: [(String, JSON)] = []
        if let state = session.lesson {
            fields = [("lesson", .string(state.lesson.id)), ("step", .integer(state.index + 1)), ("steps", .integer(state.lesson.steps.count)),
                      ("kind", .string(state.step.kind.name)), ("done", .bool(state.done))]
        } else {
            fields = [("lesson", .null)]
        }
        return Report(command: "lesson", blocks: blocks, fields: fields)
    }

    static let load = CommandSpec(
        name: "load", usage: "load PATH | " + loadNormsUsage,
        summary: "load a lesson file or a folder of them, or a real run's gradient norms",
        details: [
            .paragraph("load PATH loads a lesson written in the format of Lessons/FORMAT.md (a .toml file), or every .toml file of a folder, after checking it as gradlab lint does. Loading a changed file again replaces the old version; if you are in that lesson, you go on in the new version at the same step (by its id), rebuilt from the file. lessons then lists it."),
            .paragraph("load norms FILE reads the gradient norms a real training run logged, such as what PyTorch's clip_grad_norm_ returned at each step (the total norm before clipping), and shows them over the steps on a log chart, their percentiles p50, p90, p99 and max (numpy's np.percentile, over the finite norms) and how many decades they span, then what norm clipping at each candidate τ would have done to those gradients (the share of steps clipped and the mean scale min(1, τ/‖g‖)), and the advice of suggest. The table replays the rule on the logged gradients; it is not a re-run of training. suggest norms gives the advice again, and check reads norms_p50, norms_p99, norms_decades and the other norms_ names."),
            .rows([
                ("CSV", "a header, then a row a step: step,value as TensorBoard's CSV export (Wall time,Step,Value) and a logging loop write it; the norms are in value, grad_norm, norm, total_norm or gradient_norm (any case), or the column column=NAME names; the step is optional"),
                ("JSON lines", "one object a line, like {\"step\": 3, \"grad_norm\": 1.5}, with such a key"),
                ("one number a line", "no header, as np.savetxt writes a vector"),
                ("lr=, optim=, clip=", "what the logged run trained with, to show beside the advice (clip=norm:1:torch for clip_grad_norm_(max_norm=1)); its τ then gets a row of the table"),
            ]),
            .paragraph("NaN and inf (as PyTorch logs them) are counted and shown, never dropped silently. Empty lines, CRLF and a UTF-8 byte-order mark are fine; a line gradlab cannot read is named with its line and column. The file is read a chunk at a time, never whole, and up to 1,000,000 finite norms (8 MB) are kept for exact percentiles. Example:"),
            .rows([
                ("load norms runs/grad_norms.csv lr=0.05 optim=sgd clip=norm:1:torch", ""),
            ]),
        ],
        argumentWords: { ["norms"] }
    ) { session, call throws(ShellError) in
        if call.words.first == "norms" { return try loadNorms(&session, call) }
        guard !call.rest.isEmpty else { throw ShellError("load needs a path, like load my-lesson.toml, or load norms FILE for a log of gradient norms") }
        let path = unquoted(call.rest)
        let expanded = (path as NSString).expandingTildeInPath
        let (found, problems) = LessonCheck.load(expanded, builtIn: session.catalog.builtInIDs)
        if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more problem\(problems.count == 2 ? "" : "s"); gradlab lint \(path) lists them all)" : ""
            let log = [".csv", ".jsonl", ".json", ".txt", ".log"].contains { path.lowercased().hasSuffix($0) }
                ? "; to read it as a log of gradient norms, load norms \(path)" : ""
            throw ShellError("cannot load \(path): \(first)\(more)\(log)")
        }
        let replaced: [Lesson]
        do throws(ShellError) { replaced = try session.catalog.add(found) } catch { throw ShellError("cannot load \(path): \(error.message)") }
        // Remembered with the progress, so that the lessons are there in the next session too.
        for lesson in found {
            let absolute = URL(fileURLWithPath: lesson.path).standardizedFileURL.path
            if !session.book.loaded.contains(absolute) { session.book.loaded.append(absolute) }
        }
        var notes: [Block] = []
        for old in replaced {
            if FileManager.default.fileExists(atPath: old.path) {
                notes.append(.note("\(old.path), loaded before with the id '\(old.id)', no longer has it; this file takes its place (load \(old.path) again to list it under its new id)."))
            } else {
                session.book.loaded.removeAll { LessonCheck.canonical($0) == LessonCheck.canonical(old.path) }
                notes.append(.note("This replaces \(old.path), loaded before with the same id '\(old.id)', which is gone."))
            }
        }
        let rows: [[Cell]] = found.map { [.integer(session.catalog.number(of: $0.id) ?? 0), .text($0.id), .text($0.title), .integer($0.steps.count)] }
        var blocks: [Block] = [
            .text("Loaded \(found.count) lesson\(found.count == 1 ? "" : "s") from \(path):"),
            .table(Table(columns: [.init("#"), .init("id", numeric: false), .init("title", numeric: false), .init("steps")], rows: rows)),
        ] + notes
        // The lesson being worked on changed: go on in the new version, at the same step.
        if let state = session.lesson, let changed = found.first(where: { $0.id == state.lesson.id }) {
            if changed.hash == state.lesson.hash {
                blocks.append(.note("You are in \(changed.id), whose file has not changed; where shows the step."))
            } else {
                LessonRunner.remember(&session)
                blocks.append(.note("You are in \(changed.id): it goes on from the changed file."))
                blocks += try LessonRunner.start(changed, in: &session)
            }
            return Report(command: "load", blocks: blocks, fields: [("loaded", .array(found.map { .string($0.id) }))])
        }
        blocks.append(.note("lesson \(found[0].id) starts \(found.count == 1 ? "it" : "the first"); lessons lists every lesson, in later sessions too."))
        return Report(command: "load", blocks: blocks, fields: [("loaded", .array(found.map { .string($0.id) }))])
    }

    /// A path as typed after load or transcript, without the double quotes around it, if any.
    static func unquoted(_ rest: String) -> String {
        rest.hasPrefix("\"") && rest.hasSuffix("\"") && rest.count > 1 ? String(rest.dropFirst().dropLast()) : rest
    }

    static let transcript = CommandSpec(
        name: "transcript", usage: "transcript FILE",
        summary: "write this session so far to FILE as Markdown",
        details: [
            .paragraph("Every command you typed and what it printed, in order, for your notes or for a teacher. An existing file is never overwritten: give a new name."),
        ]
    ) { session, call throws(ShellError) in
        guard !call.rest.isEmpty else { throw ShellError("transcript needs a file name, like transcript notes.md") }
        let name = unquoted(call.rest)
        guard !name.trimmingWhitespace().isEmpty else {
            throw ShellError("transcript needs a file name, and \(call.rest) is empty; give one, like transcript notes.md")
        }
        let path = (name as NSString).expandingTildeInPath
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ShellError("\(name) already exists and is kept as it is; give another name, like transcript notes-2.md")
        }
        var text = "# gradlab session\n\n"
        if let state = session.lesson { text += "Lesson: \(state.lesson.title), at step \(state.index + 1) of \(state.lesson.steps.count).\n\n" }
        if session.transcript.dropped > 0 {
            text += "(The first \(session.transcript.dropped) commands are left out: a transcript keeps the last \(BoundedFile.describe(Transcript.limit)) of text.)\n\n"
        }
        for entry in session.transcript.entries {
            let output = entry.output
            // The line as the screen showed it: a typed ESC is written ^[, so cat does not replay it.
            text += "```\n\(Inert.text(entry.prompt + entry.line))\n\(output)\(output.hasSuffix("\n") || output.isEmpty ? "" : "\n")```\n\n"
        }
        // Created, never replaced: a file or link put at the name since the check above is kept,
        // and a kill while writing leaves no temporary file in the learner's folder.
        do throws(FileError) { try AtomicFile.create(text, at: path) } catch {
            if error.alreadyExists { throw ShellError("\(name) already exists and is kept as it is; give another name, like transcript notes-2.md") }
            throw ShellError(error.description)
        }
        let count = session.transcript.entries.count
        return Report(command: "transcript", blocks: [.text("Wrote \(count) command\(count == 1 ? "" : "s") to \(name).")],
                      fields: [("path", .string(path)), ("commands", .integer(count))])
    }
}
