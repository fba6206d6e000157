import Render
import Simulator

/// What `show` shows: every setting, or one, with ρ(W) and σ_max(W) of the current W.
struct SettingsListing: Presentation {
    enum Part: Sendable { case all, seed, clip, W, key(Settings.Key) }

    let part: Part
    let settings: Settings
    let clip: ClipRule
    let W: Matrix
    let spectrum: SpectrumSummary

    var blocks: [Block] {
        switch part {
        case .seed: return [.values([("seed", .text(String(settings.seed)))])]
        case .clip: return [.values([("clip", .text(Commands.describe(clip)))])]
        case .W:
            // One number format for the whole matrix, and at most its top-left 8×8 corner.
            let n = W.rows, shown = min(n, 8)
            let format = NumberFormat.matrixFormat(W.storage)
            let rows = (0..<shown).map { i in [Cell.integer(i + 1)] + (0..<shown).map { Cell.text(format(W[i, $0])) } }
            let columns = [Table.Column("row")] + (1...shown).map { Table.Column(String($0)) }
            var blocks: [Block] = [
                .title("W (\(n)×\(n), \(settings.initialization.name)\(settings.rho.map { ", rescaled to ρ = \(NumberFormat.short($0))" } ?? ""))"),
                .table(Table(columns: columns, rows: rows)),
            ]
            if shown < n { blocks.append(.note("the top-left \(shown)×\(shown) of \(n)×\(n); --json gives all of W")) }
            return blocks
        case .key(let key):
            return [.values([(key.name, .text(key.show(settings)))]), .note(key.summary + ": " + key.accepts)]
        case .all:
            var rows: [[Cell]] = Settings.keys.map { [.text($0.name), .text($0.show(settings)), .text($0.summary)] }
            rows.append([.text("seed"), .text(String(settings.seed)), .text("random seed (seed N)")])
            rows.append([.text("clip"), .text(Commands.describe(clip)), .text("rule used by grad and training (clip …)")])
            return [
                .table(Table(columns: [.init("setting", numeric: false), .init("value", numeric: false), .init("meaning", numeric: false)], rows: rows)),
                .values([("ρ(W)", .number(spectrum.rho)), ("σ_max(W)", .number(spectrum.sigma))]),
            ]
        }
    }

    var fields: [(String, JSON)] {
        var fields = Commands.settingsFields(settings, clip: clip) + [("spectral_radius", .number(spectrum.rho)), ("sigma_max", .number(spectrum.sigma))]
        if case .W = part { fields.append(("W", .matrix(W.rowArrays))) }
        return fields
    }
}
