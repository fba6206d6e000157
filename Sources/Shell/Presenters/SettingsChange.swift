import Render
import Simulator

/// What `set`, `seed` and `reset` say: what changed (or the seed), and the settings now, in full,
/// in the JSON.
struct SettingsChange: Presentation {
    enum Kind: Sendable {
        /// The keys set, in the order typed; whether a written-out W dropped an earlier rho; the new spectrum.
        case set([Settings.Key], rhoDropped: Bool, spectrum: SpectrumSummary)
        case seed
        case reset
    }

    let kind: Kind
    let settings: Settings
    let clip: ClipRule

    var blocks: [Block] {
        switch kind {
        case .set(let keys, let rhoDropped, let spectrum):
            let changes: [(String, Cell)] = keys.map { key in
                (key.name, .text(key.name == "seed" ? String(settings.seed) : key.show(settings)))
            }
            let names = Set(keys.map(\.name))
            var notes: [Block] = []
            if names.contains("act") && settings.cell != .rnn {
                notes.append(.note("act applies to the rnn cell only; the \(settings.cell.rawValue)'s gates use σ and tanh (help cells)"))
            }
            if names.contains("forget_bias") && settings.cell != .lstm {
                notes.append(.note("forget_bias applies to the lstm only (set cell=lstm)"))
            }
            return [.values(changes)] + notes
                + (rhoDropped ? [.note("rho is back to none, so W is used exactly as written (add rho=… to rescale it)")] : [])
                + [.note("now \(spectrum.rhoName) = \(NumberFormat.short(spectrum.rho)), \(spectrum.sigmaName) = \(NumberFormat.short(spectrum.sigma))")]
        case .seed:
            return [.values([("seed", .text(String(settings.seed)))])]
        case .reset:
            return [.text("Settings, seed and clipping rule are back to their defaults.")]
        }
    }

    var fields: [(String, JSON)] { Commands.settingsFields(settings, clip: clip) }
}

/// What `clip` says without vectors: the rule grad and training use, shown or just chosen.
struct ClipRuleChoice: Presentation {
    let rule: ClipRule
    let changed: Bool

    var blocks: [Block] {
        changed ? [.text("grad, train, compare and sweep now clip with: \(Commands.describe(rule))")]
            : [.values([("rule", .text(Commands.describe(rule)))])]
    }

    var fields: [(String, JSON)] { [("rule", Commands.clipJSON(rule))] }
}
