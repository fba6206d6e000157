import Foundation
import Lessons
import Render
import Synchronization

/// What a lesson's commands printed while verify ran it, and the values its text could not show, by step.
final class VerifyRecord: Sendable {
    struct Printed: Sendable {
        /// The step at which it was printed; -1 before the first.
        var step: Int
        var blocks: [Block]
    }

    struct Shown: Sendable {
        var step: Int
        var key: String
        var gaps: [LessonText.Gap]
    }

    private struct State {
        var printed: [Printed] = []
        var shown: [Shown] = []
    }

    private let state = Mutex(State())

    func printed(_ blocks: [Block], at step: Int?) {
        guard !blocks.isEmpty else { return }
        state.withLock { $0.printed.append(Printed(step: step ?? -1, blocks: blocks)) }
    }

    func shown(key: String, at step: Int?, gaps: [LessonText.Gap]) {
        guard let step, !gaps.isEmpty else { return }
        state.withLock { $0.shown.append(Shown(step: step, key: key, gaps: gaps)) }
    }

    var allPrinted: [Printed] { state.withLock { $0.printed } }
    var allShown: [Shown] { state.withLock { $0.shown } }
}

/// verify's check of the numbers a lesson writes: every number in a step's text, explain and
/// hints written with three or more significant digits must be on the screen, to the digits
/// written, by the time the step is done (printed by its own commands or an earlier step's), or be
/// one of the lesson's `constants`. A value written as `${…}` is the screen's by construction.
enum ProseCheck {
    /// The smallest count of significant digits that is checked: 0.079 and 1.2 are round figures;
    /// 0.0395 and 17.5 are claims about a measurement.
    static let significantDigits = 3

    /// How the screen is read: as the learner's terminal shows it, wide enough not to wrap.
    static let screen = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 160))

    struct Finding: Sendable {
        var step: Int
        var position: SourcePosition
        var message: String
    }

    /// The numbers checked, and those that nothing on the screen shows.
    static func check(_ lesson: Lesson, _ record: VerifyRecord) -> (checked: Int, findings: [Finding]) {
        // What was printed, by step: the screen at a step is everything printed up to its end.
        let printed = record.allPrinted.sorted { $0.step < $1.step }
        var next = 0
        var onScreen: [WrittenNumber] = []
        var checked = 0
        var findings: [Finding] = []
        for (index, step) in lesson.steps.enumerated() {
            while next < printed.count, printed[next].step <= index {
                onScreen += ProseNumbers.numbers(in: screen.render(Report(command: "", blocks: printed[next].blocks)))
                next += 1
            }
            var texts: [(key: String, text: String)] = [("text", step.text)]
            if let explain = step.explain { texts.append(("explain", explain)) }
            texts += step.hints.map { ("hints", $0) }
            var linesBefore: [String: Int] = [:]  // non-blank lines of the key's earlier strings (hints)
            for (key, text) in texts {
                let literal = (try? Interpolated(text))?.literalText ?? text
                for number in claims(in: literal) {
                    checked += 1
                    if lesson.constants.contains(where: number.agrees(withConstant:)) { continue }
                    if onScreen.contains(where: number.agrees(with:)) { continue }
                    let line = (linesBefore[key] ?? 0) + nonBlankLines(in: literal, before: number.offset)
                    let nearest = onScreen.min { distance($0, number) < distance($1, number) }
                    let shown = nearest.map { "the nearest number on the screen is \($0.text)" } ?? "nothing was printed before it"
                    findings.append(Finding(step: index, position: step.position(of: key, line: line),
                                            message: "\(key) says \(number.text), which no command printed up to this step (\(shown)); "
                                                + "show the value with ${…}, write it with fewer digits, or add it to constants"))
                }
                linesBefore[key, default: 0] += text.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }.count
            }
        }
        return (checked, findings)
    }

    /// The numbers of lesson text that are claims: three or more significant digits, not a year,
    /// not a value to type (`lr=0.125`).
    static func claims(in text: String) -> [WrittenNumber] {
        ProseNumbers.numbers(in: text, skippingInputs: true).filter {
            $0.significantDigits >= significantDigits && !ProseNumbers.isYear($0)
        }
    }

    static func nonBlankLines(in text: String, before offset: Int) -> Int {
        text.prefix(offset).split(separator: "\n", omittingEmptySubsequences: false).dropLast().filter { !$0.allSatisfy(\.isWhitespace) }.count
    }

    /// How far apart two numbers are, in ratio.
    static func distance(_ a: WrittenNumber, _ b: WrittenNumber) -> Double {
        let x = abs(a.value), y = abs(b.value)
        guard x > 0, y > 0 else { return x == y ? 0 : .infinity }
        return abs(log(x / y))
    }
}
