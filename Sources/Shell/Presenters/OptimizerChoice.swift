import Render
import Simulator

/// The optimizer train uses, as `optim` shows it.
struct OptimizerChoice: Presentation {
    /// The session's settings (optimizer, lr, momentum) and clipping rule.
    let settings: Settings
    let clip: ClipRule

    var blocks: [Block] {
        var values: [(String, Cell)] = [("optim", .text(settings.optimizer.rawValue)), ("lr", .number(settings.lr))]
        if settings.optimizer == .sgd { values.append(("momentum", .number(settings.momentum))) }
        return [.values(values)]
    }

    var fields: [(String, JSON)] { Commands.settingsFields(settings, clip: clip) }
}
