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
            // One number format for the whole matrix, and at most its top-left 8×8 corner (a gated
            // cell's: the top-left 4×8 of each gate's block, its rows named by gate).
            let n = W.cols, cell = settings.cell, shownColumns = min(n, 8)
            let perGate = cell == .rnn ? shownColumns : min(n, 4)
            let format = NumberFormat.matrixFormat(W.storage)
            let labelled: [(String, Int)] = cell == .rnn ? (0..<perGate).map { (String($0 + 1), $0) }
                : cell.gateNames.enumerated().flatMap { k, gate in (0..<perGate).map { ("\(gate)\($0 + 1)", k * n + $0) } }
            let rows = labelled.map { label, i in [Cell.text(label)] + (0..<shownColumns).map { Cell.text(format(W[i, $0])) } }
            let columns = [Table.Column("row")] + (1...shownColumns).map { Table.Column(String($0)) }
            let rescaled = settings.rho.map { ", rescaled to ρ = \(NumberFormat.short($0))" } ?? ""
            let title = cell == .rnn ? "W (\(n)×\(n), \(settings.initialization.name)\(rescaled))"
                : "W (\(W.rows)×\(n): the \(cell.rawValue)'s gates \(cell.gateNames.joined(separator: ", ")) stacked, each \(settings.initialization.name)\(rescaled.isEmpty ? "" : " and" + rescaled.dropFirst()))"
            var blocks: [Block] = [.title(title), .table(Table(columns: columns, rows: rows))]
            if cell != .rnn && (perGate < n || shownColumns < n) {
                blocks.append(.note("the top-left \(perGate)×\(shownColumns) of each gate's \(n)×\(n); --json gives all of W"))
            } else if shownColumns < n {
                blocks.append(.note("the top-left \(shownColumns)×\(shownColumns) of \(n)×\(n); --json gives all of W"))
            }
            return blocks
        case .key(let key):
            return [.values([(key.name, .text(key.show(settings)))]), .note(key.summary + ": " + key.accepts)]
        case .all:
            var rows: [[Cell]] = Settings.keys.map { [.text($0.name), .text($0.show(settings)), .text($0.summary)] }
            rows.append([.text("seed"), .text(String(settings.seed)), .text("random seed (seed N)")])
            rows.append([.text("clip"), .text(Commands.describe(clip)), .text("rule used by grad and training (clip …)")])
            return [
                .table(Table(columns: [.init("setting", numeric: false), .init("value", numeric: false), .init("meaning", numeric: false)], rows: rows)),
                .values([(spectrum.rhoName, .number(spectrum.rho)), (spectrum.sigmaName, .number(spectrum.sigma))]),
            ]
        }
    }

    var fields: [(String, JSON)] {
        var fields = Commands.settingsFields(settings, clip: clip) + [("spectral_radius", .number(spectrum.rho)), ("sigma_max", .number(spectrum.sigma))]
        if case .W = part { fields.append(("W", .matrix(W.rowArrays))) }
        return fields
    }
}
