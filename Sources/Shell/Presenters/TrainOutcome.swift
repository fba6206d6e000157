import Render
import Simulator

/// One training run as `train` shows it: the loss and the gradient norm at every step, and how
/// the run went.
struct TrainOutcome: Presentation {
    let run: TrainingRun
    /// The settings of this run: the session's, with the run's own KEY=VALUE.
    let settings: Settings
    let task: TrainingTask
    /// The run's configuration, with the clipping rule it used.
    let config: TrainingConfig

    var blocks: [Block] {
        let steps = (1...max(1, run.records.count)).map(Double.init)
        let title = "train " + TrainingWording.runDescription(settings, task: task, clip: config.clip)
        return [
            .title(title),
            .lineChart(LineChart(title: "loss per step", xName: "step", x: steps,
                                 series: [.init("loss", run.losses)], yScale: .log10)),
            .lineChart(LineChart(title: "‖g‖₂ per step", xName: "step", x: steps,
                                 series: config.clip == .none ? [.init("‖g‖₂", run.preClipNorms)]
                                     : [.init("before clipping", run.preClipNorms), .init("after", run.records.map(\.postClipNorm))],
                                 yScale: .log10)),
            .values([("first loss", .number(run.records.first?.loss ?? .nan)), ("final loss", .number(run.finalLoss)),
                     ("trivial", task.trivialLoss.map(Cell.number) ?? .text("—")), ("clipped", .text(TrainingWording.percent(run.clipRate))),
                     ("max ‖g‖₂", .number(run.maxNorm))]),
        ] + PrecisionWording.runBlocks(run, config) + [
            Self.verdict(run, task: task),
        ]
    }

    var fields: [(String, JSON)] {
        Commands.settingsFields(settings, clip: config.clip) + TrainingWording.runFields(run, task: task) + PrecisionWording.runFields(run)
    }

    /// The sentence under a training run that says how it went.
    static func verdict(_ run: TrainingRun, task: TrainingTask) -> Block {
        let final = NumberFormat.short(run.finalLoss), trivial = task.trivialLoss.map(NumberFormat.short) ?? "",
            first = NumberFormat.short(run.records.first?.loss ?? .nan)
        switch (run.end, TrainingWording.outcome(run, task: task)) {
        case (.diverged(let step), _):
            let broken = run.records.last!
            let what = broken.loss.isFinite ? "the gradient norm became \(NumberFormat.short(broken.preClipNorm))" : "the loss became \(NumberFormat.short(broken.loss))"
            let before = run.records.dropLast().last.map { "; the loss was \(NumberFormat.short($0.loss)) at step \(step - 1)" } ?? ""
            return .warning("diverged at step \(step): \(what)\(before)")
        case (.gaveUp(let step), _):
            return .warning("gave up at step \(step): more non-finite gradients in a row than nonfinite=skip allows, so, as optax's apply_if_finite does, that update was applied and NaN or Inf reached the weights")
        case (.interrupted(let step), _):
            return .warning("interrupted after \(step) steps; what was computed is shown")
        case (_, "went NaN"):
            return .warning("went non-finite at step \(run.firstNonFiniteStep!) and carried on")
        case (_, "skipped NaN steps"):
            return .warning("skipped \(run.skippedSteps) updates whose gradient was not finite (the first at step \(run.firstNonFiniteStep!)); the weights stayed finite, final loss \(final)")
        case (_, "trained"):
            return .text("trained: the final loss \(final) is below the \(trivial) of a predictor that ignores the input")
        case (_, "loss fell"), (_, "loss rose"):
            return .text("the loss went from \(first) to \(final)")
        case (_, "blew up"):
            return .warning("blew up: the final loss \(final) is over ten times the first (\(NumberFormat.short(run.records[0].loss)))")
        default:
            return .text("did not beat the \(trivial) of a predictor that ignores the input (final loss \(final))")
        }
    }
}
