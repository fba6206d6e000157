import Foundation
import Render
import Simulator

/// One BPTT pass as `bptt` shows it: the error and the Jacobian products at every step.
struct BPTTPass: Presentation {
    let result: BPTTResult
    let model: RNN
    let sample: Sample
    let settings: Settings
    let spectrum: SpectrumSummary
    /// The Jacobian products were over the work budget.
    let jacobiansSkipped: Bool

    var blocks: [Block] {
        let T = sample.length, n = model.hiddenSize
        // Rows run in the direction of backpropagation: from t = T back to t = 0.
        let stepsBack = Rows.evenlySpaced(count: T + 1, rows: 11)
        var columns: [Table.Column] = [.init("t"), .init("steps back"), .init("‖∂L/∂h_t‖₂")]
        if result.cellDeltaNorms != nil { columns.append(.init("‖∂L/∂c_t‖₂")) }
        if result.jacobianNorms != nil { columns.append(.init("‖∂h_T/∂h_t‖₂")) }
        let rows: [[Cell]] = stepsBack.map { k in
            let t = T - k
            var row: [Cell] = [.integer(t), .integer(k), .number(result.deltaNorms[t])]
            if let cellNorms = result.cellDeltaNorms { row.append(.number(cellNorms[t])) }
            if let jac = result.jacobianNorms { row.append(.number(jac[t])) }
            return row
        }
        let rho = spectrum.rho
        let cell = model.cell == .rnn ? "act=\(settings.act.rawValue)" : "cell=\(model.cell.rawValue)"
        var blocks: [Block] = [
            .title("BPTT over T=\(T) step\(T == 1 ? "" : "s") · n=\(n) · \(cell) · \(spectrum.rhoName)=\(NumberFormat.short(rho)) · \(spectrum.sigmaName)=\(NumberFormat.short(spectrum.sigma)) · seed \(settings.seed)"
                   + PrecisionWording.title(settings.precision, settings.lossScale)),
            .table(Table(columns: columns, rows: rows)),
            .sparkline(Sparkline(title: "‖∂L/∂h_t‖₂ from t=\(T) back to t=0",
                                 values: Array(result.deltaNorms.reversed()), scale: .log10, ends: ("t=\(T)", "t=0"))),
        ]
        if let cellNorms = result.cellDeltaNorms {
            blocks.append(.sparkline(Sparkline(title: "‖∂L/∂c_t‖₂ from t=\(T) back to t=0 (the cell path)",
                                               values: Array(cellNorms.reversed()), scale: .log10, ends: ("t=\(T)", "t=0"))))
        }
        blocks.append(.values([("loss", .number(result.loss)), ("‖∇L‖₂", .number(result.gradientNorm))]))
        if stepsBack.count < T + 1 {
            blocks.insert(.note("\(stepsBack.count) of the \(T + 1) steps shown, evenly spaced; gradlab --json gives every one"), at: 2)
        }
        blocks.append(contentsOf: Self.growthSummary(result, rho: rho, activation: settings.act, cell: model.cell))
        if let note = Self.saturationNote(result, rho: rho, activation: settings.act, cell: model.cell) { blocks.append(note) }
        if let note = Self.gateNote(result, cell: model.cell) { blocks.append(note) }
        if let note = PrecisionWording.passNote(result) { blocks.append(note) }
        if jacobiansSkipped {
            let cost = model.cell == .rnn ? "T·n³" : "T·\(model.cell.gates)·n³"
            blocks.append(.note("‖∂h_T/∂h_t‖₂ skipped: \(cost) = \(NumberFormat.short(Commands.jacobianWork(settings))) is over the budget of \(NumberFormat.short(Limits.cubicWork)); use a smaller n or T"))
        }
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("cell", .string(model.cell.rawValue)),
            ("model", .object(
                (model.cell == .rnn ? [("activation", JSON.string(model.activation.rawValue))] : [])
                + Commands.parameterJSON(W: model.W, U: model.U, b: model.b, V: model.V, c: model.c, cell: model.cell)
                + [("h0", .numbers(model.h0))])),
            ("inputs", .matrix(sample.inputs.rowArrays)),
            ("target", .numbers(sample.target)),
            ("loss", .number(result.loss)),
            ("delta_norms", .numbers(result.deltaNorms)),
        ] + (result.cellDeltaNorms.map { [("cell_delta_norms", JSON.numbers($0))] } ?? [])
          + [(model.cell == .rnn ? "mean_dphi" : "mean_gate", JSON.number(result.meanDerivative))] + [
            ("jacobian_norms", result.jacobianNorms.map(JSON.numbers) ?? .null),
            ("grads", Commands.gradientJSON(result.gradients, cell: model.cell)),
            ("grad_norm", .number(result.gradientNorm)),
        ] + PrecisionWording.passFields(result)
    }

    /// One sentence on how the error changed on its way back, or on where the numbers broke.
    static func growthSummary(_ result: BPTTResult, rho: Double, activation: Activation, cell: RecurrentCell) -> [Block] {
        let norms = result.deltaNorms
        let T = norms.count - 1
        if let t = (0...T).first(where: { t in result.hidden.row(t).contains { !$0.isFinite } }) {
            let bound = cell == .rnn && (activation == .linear || activation == .relu)
                ? "nothing bounds h_t with act=\(activation.rawValue)" : "a non-finite weight or input reached it"
            return [.warning("the forward pass overflowed: h_t is no longer finite from t=\(t) on (\(bound)), so the loss and every gradient are NaN")]
        }
        if let broken = stride(from: T, through: 0, by: -1).first(where: { !norms[$0].isFinite }) {
            return [.warning("the error overflowed to \(NumberFormat.short(norms[broken])) at t=\(broken) (\(T - broken) steps back); everything before it is lost")]
        }
        guard T > 0, norms[T] > 0 else { return [] }
        let ratio = norms[0] / norms[T]
        guard ratio > 0 else {
            return [.note("the error vanished: it is exactly 0 by t=0")]
        }
        let perStep = pow(ratio, 1 / Double(T))
        // ρ(W)^T is the rnn's yardstick; a gated cell's error is multiplied by its gates as well.
        guard cell == .rnn else {
            let verb = ratio > 1 ? "grew" : "shrank"
            return [.note("the error \(verb) ×\(NumberFormat.short(ratio)) over \(T) step\(T == 1 ? "" : "s") back (×\(NumberFormat.short(perStep)) per step)")]
        }
        if abs(ratio - 1) < 1e-9 {
            return [.note("the error kept its size over \(T) step\(T == 1 ? "" : "s") back (×1 up to rounding); ρ(W)^\(T) = \(NumberFormat.short(pow(rho, Double(T))))")]
        }
        let verb = ratio > 1 ? "grew" : "shrank"
        return [.note("the error \(verb) ×\(NumberFormat.short(ratio)) over \(T) step\(T == 1 ? "" : "s") back (×\(NumberFormat.short(perStep)) per step); ρ(W)^\(T) = \(NumberFormat.short(pow(rho, Double(T))))")]
    }

    /// Why an error can shrink although ρ(W) > 1: a saturated tanh or sigmoid multiplies it by
    /// φ′(z) < 1 at every step, on top of W.
    static func saturationNote(_ result: BPTTResult, rho: Double, activation: Activation, cell: RecurrentCell) -> Block? {
        guard cell == .rnn, activation == .tanh || activation == .sigmoid, rho > 1, result.deltaNorms.count > 1,
              let first = result.deltaNorms.first, let last = result.deltaNorms.last, first < last else { return nil }
        let d = result.meanDerivative
        return .note("\(activation.rawValue) saturates: the mean φ′(z_t) is \(NumberFormat.short(d)), so each step back multiplies the error by φ′ as well as by W (try act=linear)")
    }

    /// What the gate that carries the state over did: an lstm's mean forget gate f (the cell path
    /// multiplies an error by f at each step back) or a gru's mean update gate z.
    static func gateNote(_ result: BPTTResult, cell: RecurrentCell) -> Block? {
        guard result.deltaNorms.count > 1, result.meanDerivative.isFinite else { return nil }
        let mean = NumberFormat.short(result.meanDerivative)
        switch cell {
        case .rnn: return nil
        case .lstm:
            var note = "the mean forget gate f is \(mean): the cell path c_t = f ⊙ c_{t−1} + … carries an error back multiplied by f, with no W and no tanh′"
            if let cellNorms = result.cellDeltaNorms, let last = cellNorms.last, last > 0, let first = cellNorms.first {
                note += "; ‖∂L/∂c_t‖ went ×\(NumberFormat.short(first / last)) from t=\(cellNorms.count - 1) to t=0"
            }
            return .note(note)
        case .gru:
            return .note("the mean update gate z is \(mean): h_t = (1 − z) ⊙ ñ + z ⊙ h_{t−1} carries an error straight back multiplied by z, with no W")
        }
    }
}

extension Commands {
    /// Parameters (or their gradients) by name, as JSON: W, U, b, V, c for the rnn cell; a gated
    /// cell's W, U and b split by gate and named for it (W_i, W_f, …; gru's b_r, b_z, b_in, b_hn).
    static func parameterJSON(W: Matrix, U: Matrix, b: [Double], V: Matrix, c: [Double], cell: RecurrentCell) -> [(String, JSON)] {
        let tail: [(String, JSON)] = [("V", .matrix(V.rowArrays)), ("c", .numbers(c))]
        guard cell != .rnn else { return [("W", .matrix(W.rowArrays)), ("U", .matrix(U.rowArrays)), ("b", .numbers(b))] + tail }
        let n = W.cols, gates = cell.gateNames
        func block(_ m: Matrix, _ k: Int) -> JSON { .matrix(Array(m.rowArrays[(k * n)..<((k + 1) * n)])) }
        let biasNames = cell == .gru ? ["r", "z", "in", "hn"] : gates
        return gates.indices.map { ("W_" + gates[$0], block(W, $0)) }
            + gates.indices.map { ("U_" + gates[$0], block(U, $0)) }
            + biasNames.indices.map { ("b_" + biasNames[$0], .numbers(Array(b[($0 * n)..<(($0 + 1) * n)]))) }
            + tail
    }

    /// Every parameter's gradient, by name, as JSON (gated cells' by gate, as `parameterJSON`).
    static func gradientJSON(_ g: Gradients, cell: RecurrentCell) -> JSON {
        .object(parameterJSON(W: g.W, U: g.U, b: g.b, V: g.V, c: g.c, cell: cell))
    }
}
