import Render
import Simulator

/// A clipping threshold from a warm-up run without clipping (Pascanu et al.), as `suggest` shows it.
struct ThresholdAdvice: Presentation {
    let suggestion: ThresholdSuggestion
    /// The settings of the warm-up: the session's, with the KEY=VALUE given.
    let settings: Settings

    var blocks: [Block] {
        var blocks: [Block] = [
            .values([("mean ‖g‖₂", .number(suggestion.mean)), ("warm-up steps", .integer(suggestion.steps)),
                     ("‖g‖₂ seen", .text("\(NumberFormat.short(suggestion.smallest)) … \(NumberFormat.short(suggestion.largest))"))]),
        ]
        if suggestion.exploded {
            let how = suggestion.stoppedAt.map { "met a NaN or Inf at step \($0)" }
                ?? "went from a norm of \(NumberFormat.short(suggestion.first)) to \(NumberFormat.short(suggestion.largest))"
            blocks.append(.warning("the warm-up itself exploded (it \(how)), so this mean measures the explosion and is no threshold to use; lower lr or rho and suggest again"))
        } else {
            blocks.append(.text("Try a threshold from \(NumberFormat.short(suggestion.low)) to \(NumberFormat.short(suggestion.high)), e.g. clip norm \(NumberFormat.short(suggestion.mean))"))
        }
        return blocks
    }

    var fields: [(String, JSON)] {
        [("settings", Commands.settingsJSON(settings)), ("mean_norm", .number(suggestion.mean)), ("low", .number(suggestion.low)),
         ("high", .number(suggestion.high)), ("steps", .integer(suggestion.steps)), ("exploded", .bool(suggestion.exploded))]
    }
}
