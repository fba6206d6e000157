import Lessons
import Render
import Shell
import TerminalDriver

/// `gradlab lint` and `gradlab verify`: the checks, printed for a terminal or CI log.
public enum LessonTool {
    /// Everything lint and verify print passes here: names, keys and lines come from lesson files
    /// and the command line, so their control characters are shown (^[), never sent.
    static func say(_ text: String, to stream: Terminal.Stream) {
        Terminal.write(Inert.text(text), to: stream)
    }

    public static func lint(_ paths: [String]) -> Int32 {
        var count = 0, problems = 0
        let builtIn = LessonCatalog.builtInIDs()
        var seen: [Lesson] = []  // two files given together must not share an id
        for path in paths {
            var (lessons, found) = LessonCheck.load(path, builtIn: builtIn)
            found += LessonCheck.unique(lessons, among: &seen)
            count += lessons.count
            problems += found.count
            for problem in found { say(problem.description + "\n", to: .error) }
        }
        say(problems == 0 ? "\(count) lesson\(count == 1 ? "" : "s") checked: no problems\n"
                                     : "\(problems) problem\(problems == 1 ? "" : "s") found\n", to: problems == 0 ? .output : .error)
        return problems == 0 ? 0 : 1
    }

    public static func verify(_ paths: [String], all: Bool) -> Int32 {
        var targets = paths
        if all {
            guard let folder = LessonCatalog.builtInDirectory() else {
                say("error: the built-in lessons were not found; set GRADLAB_LESSONS to their folder\n", to: .error)
                return 2
            }
            targets.insert(folder, at: 0)
        }
        var failures = 0, numbers = 0
        let builtIn = LessonCatalog.builtInIDs()
        var seen: [Lesson] = []  // two files given together must not share an id
        for path in targets {
            var (lessons, problems) = LessonCheck.load(path, builtIn: builtIn)
            problems += LessonCheck.unique(lessons, among: &seen)
            for problem in problems { say(problem.description + "\n", to: .error) }
            failures += problems.count
            for lesson in lessons {
                let verification = LessonCheck.verification(lesson)
                let failed = verification.failures
                for failure in failed { say(failure.description + "\n", to: .error) }
                failures += failed.count
                numbers += verification.numbersChecked
                let checked = verification.numbersChecked
                say("\(failed.isEmpty ? "ok  " : "FAIL") \(lesson.id) (\(lesson.steps.count) steps, \(checked) number\(checked == 1 ? "" : "s") in the text checked)\n", to: .output)
            }
        }
        say(failures == 0 ? "every step verified; each of the \(numbers) numbers written in the text is on the screen\n" : "\(failures) failure\(failures == 1 ? "" : "s")\n", to: failures == 0 ? .output : .error)
        return failures == 0 ? 0 : 1
    }
}
