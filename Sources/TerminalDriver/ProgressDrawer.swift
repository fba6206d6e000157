import Render
import Shell
import Foundation
import Synchronization

/// Draws a long command's progress bar on the terminal's standard error, in place, at most ten
/// times a second; safe to call from the worker threads of a parallel sweep.
final class ProgressDrawer: Sendable {
    private struct State {
        var lastDraw = 0.0
        var shown = false
        /// The terminal's width, read again when a command starts (it may have been resized).
        var width: Int
    }

    private let state: Mutex<State>
    private let unicode: Bool

    init(width: Int, unicode: Bool) {
        self.state = Mutex(State(width: width))
        self.unicode = unicode
    }

    /// The width the next bar is drawn to.
    func resize(_ width: Int) { state.withLock { $0.width = width } }

    func report(_ label: String, _ done: Int, _ total: Int) {
        let now = Date().timeIntervalSinceReferenceDate
        state.withLock { state in
            guard done < total, now - state.lastDraw >= 0.1 else { return }
            state.lastDraw = now
            state.shown = true
            // Room is left for the terminal's echo of "^C", which would otherwise wrap to a new
            // line and leave the bar behind when it is erased.
            Terminal.write("\r" + ProgressBar.line(done: done, total: total, width: state.width - 4, unicode: unicode, label: label), to: .error)
        }
    }

    /// Erases the bar, if one is on the screen.
    func clear() {
        state.withLock { state in
            guard state.shown else { return }
            state.shown = false
            state.lastDraw = 0
            Terminal.write("\r\u{1B}[K", to: .error)
        }
    }
}
