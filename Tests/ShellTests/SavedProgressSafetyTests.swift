import Foundation
import Lessons
import Render
import Testing
@testable import Shell

/// Issue 16, finding 3: a `progress.json` that parses but holds values no gradlab writes (a step
/// below 0, a hint count below 0 or past any step's, a furthest step near Int.max) used to crash
/// every later `lesson 1` until the file was deleted. Now each is set back with a warning that
/// names the file and the value, the lesson resumes, and the next save writes the file repaired.
@Suite struct SavedProgressSafetyTests {
    final class Box: @unchecked Sendable { var text = "" }

    /// A driver over the built-in lessons and the progress in `store`, as at start-up; what it
    /// prints, output and errors, goes to `box`.
    static func start(_ store: ProgressStore, into box: Box) -> Interpreter {
        let driver = Interpreter(json: false, style: OutputStyle(color: false, unicode: true, width: 400),
                                 out: { box.text += $0 }, err: { box.text += $0 })
        driver.prepareLessons(store: store)
        return driver
    }

    /// Each impossible value: the key of lesson 1's record, the value written there, and how the
    /// warning names it.
    static let values: [(key: String, json: String, named: String)] = [
        ("step", "-1", "step -1"),
        ("step", "\(Int.min)", "step \(Int.min)"),
        ("step", "\(Int.max)", "step \(Int.max)"),
        ("furthest", "\(Int.max)", "furthest step \(Int.max)"),
        ("furthest", "\(Int.max - 1)", "furthest step \(Int.max - 1)"),
        ("furthest", "-7", "furthest step -7"),
        ("hints", "-3", "hint count -3"),
        ("hints", "\(Int.min)", "hint count \(Int.min)"),
        ("hints", "\(Int.max)", "hint count \(Int.max)"),
    ]

    @Test(arguments: 0..<9)
    func impossibleSavedValuesAreSetBackWithAWarningAndTheLessonResumes(_ index: Int) throws {
        let (key, json, named) = Self.values[index]
        let state = folder("saved-progress")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let store = ProgressStore(directory: state)

        // A learner at lesson 1's second step, with a hint seen.
        let first = Box()
        let driver = Self.start(store, into: first)
        for line in ["lesson 1", "", "hint"] { _ = driver.execute(line) }
        let id = try #require(driver.session.lesson?.lesson.id)
        let stepId = try #require(driver.session.lesson?.step.id)
        #expect(driver.session.lesson?.index == 1)

        // The file, edited by hand or by another program.
        let url = URL(fileURLWithPath: store.path)
        let text = try String(contentsOf: url, encoding: .utf8)
        var book = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var lessons = try #require(book["lessons"] as? [String: Any])
        var record = try #require(lessons[id] as? [String: Any])
        let value = try #require(Int(json))
        record[key] = key == "hints" ? [stepId: value] : value
        lessons[id] = record
        book["lessons"] = lessons
        try JSONSerialization.data(withJSONObject: book).write(to: url)

        let second = Box()
        let later = Self.start(store, into: second)
        #expect(Harness.flat(second.text).contains("the lesson progress at \(store.path) held values no lesson can have (lesson \(id)'s \(named)"),
                "\(second.text)")
        for line in ["lessons", "lesson 1", "where", "skip", "back", "lessons"] { _ = later.execute(line) }
        #expect(later.session.lesson?.lesson.id == id, "the lesson runs: \(second.text)")
        #expect(!second.text.contains("error:"), "\(second.text)")
        if key == "furthest" || key == "hints" {
            #expect(second.text.contains("Welcome back") && second.text.contains("step 2 of"), "the step is kept: \(second.text)")
        }

        // The next start finds the file repaired: no warning.
        let third = Box()
        let again = Self.start(store, into: third)
        #expect(!third.text.contains("held values"), "\(third.text)")
        _ = again.execute("lesson 1")
        #expect(again.session.lesson != nil)
    }
}
