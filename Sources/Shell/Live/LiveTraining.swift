import Foundation
import Simulator
import Synchronization

/// The train view's run: a `TrainingLoop` that a thread of the terminal driver advances while it
/// plays (or `advance` does, in a key script), and that drawing reads without waiting for a step.
/// lr, τ and the rule change between steps (`reconfigure`); the weights and the optimizer's state stay.
public final class LiveTraining: Sendable {
    /// What drawing reads: the records so far, how the run ended, the configuration in force.
    public struct Snapshot: Sendable {
        public var records: [StepRecord]
        public var end: TrainingEnd?
        public var config: TrainingConfig
        /// Step numbers (from 1) at which lr, τ or the rule changed.
        public var changes: [Int]
    }

    private struct Inner: Sendable {
        /// Out while a step runs (nil then), so that a step never holds the lock.
        var loop: TrainingLoop?
        var snapshot: Snapshot
        var pending: TrainingConfig?
        var playing = false
        /// Steps asked for one at a time (`.`), which the driver's thread runs.
        var requested = 0
    }

    private let inner: Mutex<Inner>
    let task: TrainingTask

    init(model: RNN, task: TrainingTask, config: TrainingConfig, threaded: Bool) {
        self.task = task
        self.threaded = threaded
        var config = config
        config.steps = Limits.steps.upperBound  // a live run goes on until it is stopped
        inner = Mutex(Inner(loop: TrainingLoop(model, on: task, config), snapshot: Snapshot(records: [], end: nil, config: config, changes: [])))
    }

    public var snapshot: Snapshot { inner.withLock { $0.snapshot } }

    /// Whether the run plays: the driver's thread steps it at the view's speed.
    public var playing: Bool {
        get { inner.withLock { $0.playing } }
        set { inner.withLock { $0.playing = newValue && $0.snapshot.end == nil } }
    }

    /// Whether a thread of the driver runs the steps (`.` then asks it for one); else the keys run them.
    public let threaded: Bool

    /// One step more, run by the driver's thread.
    func requestStep() { inner.withLock { $0.requested += 1 } }

    /// For the driver's thread: whether to step now (playing, or a step was asked for).
    public func wantsStep() -> Bool {
        inner.withLock { state in
            guard state.snapshot.end == nil else { return false }
            if state.playing { return true }
            guard state.requested > 0 else { return false }
            state.requested -= 1
            return true
        }
    }

    /// lr, τ and the rule of `config`, from the next step on.
    func reconfigure(_ config: TrainingConfig) {
        inner.withLock { state in
            var next = state.pending ?? state.snapshot.config
            next.optimizer.learningRate = config.optimizer.learningRate
            next.clip = config.clip
            guard next != state.snapshot.config || state.pending != nil else { return }
            state.pending = next
        }
    }

    /// Runs `steps` steps (fewer when the run ends), each with the configuration in force as it starts.
    public func advance(steps: Int, shouldStop: @Sendable () -> Bool = { false }) {
        for _ in 0..<steps {
            // The loop is taken out while it steps, and only while the run can go on: an ended
            // run's loop stays, with the results live leaves behind.
            guard var loop = inner.withLock({ state -> TrainingLoop? in
                guard state.snapshot.end == nil, let loop = state.loop else { return nil }
                state.loop = nil
                return loop
            }) else { return }
            let config = inner.withLock { state -> TrainingConfig? in
                defer { state.pending = nil }
                return state.pending
            }
            if let config { loop.config = config }
            let record = loop.step(shouldStop: shouldStop)
            let ended = inner.withLock { state -> Bool in
                if let config {
                    state.snapshot.config = config
                    state.snapshot.changes.append(state.snapshot.records.count + 1)
                }
                if let record { state.snapshot.records.append(record) }
                state.snapshot.end = loop.end
                if loop.end != nil { state.playing = false }
                state.loop = loop
                return loop.end != nil
            }
            if ended || record == nil { return }
        }
    }

    /// The run so far as a `TrainingRun`, for the results live leaves behind.
    var run: TrainingRun? { inner.withLock { $0.loop?.run } }
}
