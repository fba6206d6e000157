import Foundation
import Render
import Shell
import EditLineShim
import Synchronization

/// `live` on the terminal: raw mode and the alternate screen (the C shim puts them back on every
/// way out), keys read as they come, a frame written in one write at each key, at a resize, and
/// 30 times a second while training plays. Training runs on a thread of its own, so no key waits
/// for a step; a frame reads the run's latest snapshot.
enum LiveTerminal {
    /// The runner `Runtime.live` calls, or nil when standard input or output is not a terminal.
    static func runner(style: OutputStyle) -> (@Sendable (LiveState) -> LiveState)? {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return nil }
        return { state in run(state, style: style) }
    }

    /// What the training thread and the loop share.
    private struct Control: Sendable {
        var training: LiveTraining?
        var speed = 100.0
        var stopped = false
    }

    static func run(_ start: LiveState, style: OutputStyle) -> LiveState {
        var state = start
        guard gl_live_begin() == 0 else { return state }
        defer { gl_live_end() }
        let control = Mutex(Control(training: state.training, speed: state.now.speed))
        // Training's own thread (the train view's): a step whenever the run plays or `.` asks for
        // one, at most `speed` a second; it ends, and is waited for, before live returns.
        let ended = DispatchSemaphore(value: 0)
        if state.view == .train {
            Thread {
                defer { ended.signal() }
                let clock = ContinuousClock()
                var next = clock.now
                while true {
                    let (training, speed, stopped) = control.withLock { ($0.training, $0.speed, $0.stopped) }
                    if stopped { return }
                    let wait = (next - clock.now).seconds
                    guard wait <= 0, let training, training.wantsStep() else {
                        usleep(UInt32(min(max(wait, 0.002), 0.01) * 1e6))
                        continue
                    }
                    next = clock.now + .seconds(1 / speed)
                    training.advance(steps: 1, shouldStop: { control.withLock { $0.stopped } })
                }
            }.start()
        } else {
            ended.signal()
        }
        defer {
            control.withLock { $0.stopped = true }
            ended.wait()
        }

        var decoder = KeyDecoder()
        let clock = ContinuousClock()
        var lastFrame = clock.now
        var dirty = true
        let input = STDIN_FILENO, resize = gl_live_resize_fd()
        var buffer = [UInt8](repeating: 0, count: 256)
        // The run's steps and whether it ended, as last drawn: a step taken after the last frame
        // (the one `.` asked for, the step that ends a run and stops play) is drawn too.
        func progress() -> (Int, Bool)? { state.training.map { let s = $0.snapshot; return (s.records.count, s.end != nil) } }
        var drawn = progress()
        while !state.finished {
            let playing = state.playing
            let now = progress()
            if dirty || ((playing || now.map { $0 != drawn! } ?? false) && (clock.now - lastFrame).seconds >= 1.0 / 30) {
                draw(&state, style: style)
                lastFrame = clock.now
                dirty = false
                drawn = now
            }
            var polled = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: resize, events: Int16(POLLIN), revents: 0)]
            let timeout: Int32 = decoder.isWaiting ? 40 : state.training != nil ? 33 : 250
            let ready = poll(&polled, 2, timeout)
            if gl_interrupt_pending() != 0 {  // a SIGINT from outside: leave as Ctrl-C does
                gl_clear_interrupt()
                state.press(.interrupt)
            }
            if ready < 0 { continue }  // EINTR: a signal; look again
            if polled[1].revents & Int16(POLLIN) != 0 {
                while read(resize, &buffer, buffer.count) > 0 {}
                dirty = true
            }
            if polled[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let got = read(input, &buffer, buffer.count)
                guard got > 0 else { break }  // the terminal is gone
                for key in decoder.feed(Array(buffer[..<got])) {
                    state.press(key)
                    if state.finished { break }
                }
                dirty = true
            } else if ready == 0 && decoder.isWaiting {
                for key in decoder.flush() { state.press(key) }
                dirty = true
            }
            control.withLock {
                $0.training = state.training
                $0.speed = state.now.speed
            }
        }
        state.training?.playing = false
        return state
    }

    /// The frame at the terminal's size now, in one write: each line overwrites its row and
    /// clears what is left of it, and the rows below the frame are cleared.
    static func draw(_ state: inout LiveState, style: OutputStyle) {
        let (rows, columns) = Terminal.size()
        state.rows = max(10, rows)
        state.columns = max(40, columns)
        var frameStyle = style
        frameStyle.width = state.columns
        let lines = TextRenderer(style: frameStyle).lines(state.screen(rows: state.rows, columns: state.columns))
        let text = "\u{1B}[H" + lines.joined(separator: "\u{1B}[K\r\n") + "\u{1B}[K\u{1B}[J"
        Terminal.write(text, to: .output)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
