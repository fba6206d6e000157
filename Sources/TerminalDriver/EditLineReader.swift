import Render
import Shell
import EditLineShim
import Foundation

/// The interactive line editor: libedit with emacs keys, history on the arrows and tab completion.
public final class EditLineReader: LineReader {
    private let editor: OpaquePointer
    private let completer: Completer

    /// Nil when libedit cannot start (no usable terminal).
    public init?(complete: @escaping (String) -> Completion) {
        guard let editor = gl_open("gradlab") else { return nil }
        self.editor = editor
        self.completer = Completer(complete)
        gl_set_completer(editor, { context, before in
            guard let context else { return nil }
            let completer = Unmanaged<Completer>.fromOpaque(context).takeUnretainedValue()
            let completion = completer.body(String(cString: before))
            guard completion.insert != "" || !completion.candidates.isEmpty else { return nil }
            return strdup(([completion.insert] + completion.candidates).joined(separator: "\n"))
        }, Unmanaged.passUnretained(completer).toOpaque())
    }

    deinit { gl_close(editor) }

    public func read(prompt: String) -> LineInput {
        gl_set_prompt(editor, prompt)
        var status: Int32 = 0
        let line = gl_read_line(editor, &status)
        switch Int(status) {
        case Int(GL_INTERRUPTED.rawValue): return .interrupted
        case Int(GL_LINE.rawValue): return line.map { .line(String(cString: $0)) } ?? .end
        default: return .end
        }
    }

    public func remember(_ line: String) {
        gl_history_add(editor, line)
    }

    private final class Completer {
        let body: (String) -> Completion
        init(_ body: @escaping (String) -> Completion) { self.body = body }
    }
}
