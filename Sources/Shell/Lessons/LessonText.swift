import Lessons
import Render

/// Lesson text as the learner reads it: its `${…}` values worked out in the session at the moment
/// it is shown, then reflowed.
enum LessonText {
    /// A value that could not be worked out, and why.
    struct Gap: Sendable, Equatable {
        var expression: String
        var reason: String
    }

    /// `text` with its values filled in from the session. A value that cannot be worked out (a
    /// result not measured yet) is shown as what it is, and returned as a gap. A stale result is
    /// shown as measured: it is what the screen showed when it ran.
    static func render(_ text: String, in session: Session) -> (text: String, gaps: [Gap]) {
        guard text.contains("${") else { return (text, []) }
        guard let interpolated = try? Interpolated(text) else { return (text, []) }  // lint reports it
        var gaps: [Gap] = []
        let names = SessionNames(session)
        let rendered = interpolated.render { expression, format in
            var used: [(String, ExpressionValue)] = []
            do throws(ShellError) {
                switch try Expression(expression).evaluate(in: names, used: &used) {
                case .number(let x): return format.format(x)
                case .text(let word): return word
                case .bool(let truth): return truth ? "true" : "false"
                }
            } catch {
                gaps.append(Gap(expression: expression, reason: error.message))
                return "[\(expression): not measured]"
            }
        }
        return (rendered, gaps)
    }

    /// Text as a prose block, values filled in; `key` names it for verify's record.
    static func prose(_ text: String, key: String, in session: Session, lead: String = "") -> Block {
        let (rendered, gaps) = render(text, in: session)
        session.record?.shown(key: key, at: session.lesson?.index, gaps: gaps)
        return .prose(lead + Prose.reflow(rendered))
    }
}
