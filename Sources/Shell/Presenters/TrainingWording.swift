import Render
import Simulator

/// What the presenters of training runs and their settings (train, compare, task, optim) say
/// alike: the line that names a run, the one-word outcome, the JSON of a run.
enum TrainingWording {
    /// "adding · T=100 · n=32 · relu · adam lr=0.001 · batch 32 · 1000 steps [· clip norm 1] · seed 1".
    static func runDescription(_ settings: Settings, task: TrainingTask, clip: ClipRule? = nil) -> String {
        "\(task.kind.rawValue) · T=\(task.length) · n=\(settings.n) · \(settings.cell == .rnn ? settings.act.rawValue : settings.cell.rawValue) · \(settings.optimizer.rawValue) lr=\(NumberFormat.short(settings.lr)) · batch \(Commands.batchSize(settings)) · \(settings.steps) steps · "
            + (clip.map { "clip \(Commands.describe($0)) · " } ?? "") + "seed \(settings.seed)"
            + PrecisionWording.title(settings.precision, settings.lossScale)
    }

    /// "seeds 1–10" for a run of consecutive seeds, else "seeds 3,7,9".
    static func seeds(_ labels: [String]) -> String {
        let numbers = labels.compactMap { Int($0) }
        let consecutive = numbers.count == labels.count && zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 }
        return consecutive ? "seeds \(labels[0])–\(labels[labels.count - 1])" : "seeds " + labels.joined(separator: ",")
    }

    static func percent(_ x: Double) -> String { NumberFormat.short((x * 1000).rounded() / 10) + "%" }

    /// A one-word verdict for tables.
    static func outcome(_ run: TrainingRun, task: TrainingTask) -> String {
        switch run.end {
        case .diverged: return "diverged"
        case .gaveUp: return "gave up"
        case .interrupted: return "interrupted"
        case .completed:
            if run.firstNonFiniteStep != nil { return run.skippedSteps > 0 ? "skipped NaN steps" : "went NaN" }
            let first = run.records.first?.loss ?? .infinity
            if let trivial = task.trivialLoss, run.finalLoss < trivial { return "trained" }
            if run.finalLoss > 10 * first { return "blew up" }
            if task.trivialLoss == nil { return run.finalLoss < first ? "loss fell" : "loss rose" }
            return "no better than trivial"
        }
    }

    /// The JSON of one run: how it ended and every step's loss and gradient norm.
    static func runFields(_ run: TrainingRun, task: TrainingTask) -> [(String, JSON)] {
        let end: String = switch run.end {
        case .completed: "completed"
        case .diverged: "diverged"
        case .gaveUp: "gave_up"
        case .interrupted: "interrupted"
        }
        return [
            ("end", .string(end)),
            ("steps_run", .integer(run.records.count)),
            ("diverged_at", run.firstNonFiniteStep.map(JSON.integer) ?? .null),
            ("final_loss", .number(run.finalLoss)),
            ("first_loss", .number(run.records.first?.loss ?? .nan)),
            ("diverged", .bool(run.diverged)),
            ("trivial_loss", task.trivialLoss.map(JSON.number) ?? .null),
            ("clip_rate", .number(run.clipRate)),
            ("max_norm", .number(run.maxNorm)),
            ("losses", .numbers(run.losses)),
            ("pre_clip_norms", .numbers(run.preClipNorms)),
            ("post_clip_norms", .numbers(run.records.map(\.postClipNorm))),
            ("clipped", .array(run.records.map { .bool($0.clipped) })),
        ]
    }
}
