import Render
import Simulator

/// The task train learns, as `task` shows it.
struct TaskChoice: Presentation {
    let task: TrainingTask
    /// The session's settings and clipping rule, which the JSON reports in full.
    let settings: Settings
    let clip: ClipRule

    var blocks: [Block] {
        [
            .values([("task", .text(task.kind.rawValue)), ("T", .integer(task.length)),
                     ("inputs", .integer(task.inputSize)), ("outputs", .integer(task.outputSize))]),
            .text(Commands.describe(task.kind)),
            .note(task.trivialLoss.map { "a predictor that ignores the input at best reaches loss \(NumberFormat.short($0))" }
                  ?? "one fixed sequence: a network can fit it exactly, so any loss can be reached"),
        ]
    }

    var fields: [(String, JSON)] {
        Commands.settingsFields(settings, clip: clip) + [("trivial_loss", task.trivialLoss.map(JSON.number) ?? .null)]
    }
}
