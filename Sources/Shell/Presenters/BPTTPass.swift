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
        if result.jacobianNorms != nil { columns.append(.init("‖∂h_T/∂h_t‖₂")) }
        let rows: [[Cell]] = stepsBack.map { k in
            let t = T - k
            var row: [Cell] = [.integer(t), .integer(k), .number(result.deltaNorms[t])]
            if let jac = result.jacobianNorms { row.append(.number(jac[t])) }
            return row
        }
        let rho = spectrum.rho
        var blocks: [Block] = [
            .title("BPTT over T=\(T) step\(T == 1 ? "" : "s") · n=\(n) · act=\(settings.act.rawValue) · ρ(W)=\(NumberFormat.short(rho)) · σ_max(W)=\(NumberFormat.short(spectrum.sigma)) · seed \(settings.seed)"),
            .table(Table(columns: columns, rows: rows)),
            .sparkline(Sparkline(title: "‖∂L/∂h_t‖₂ from t=\(T) back to t=0",
                                 values: Array(result.deltaNorms.reversed()), scale: .log10, ends: ("t=\(T)", "t=0"))),
            .values([("loss", .number(result.loss)), ("‖∇L‖₂", .number(result.gradientNorm))]),
        ]
        if stepsBack.count < T + 1 {
            blocks.insert(.note("\(stepsBack.count) of the \(T + 1) steps shown, evenly spaced; gradlab --json gives every one"), at: 2)
        }
        blocks.append(contentsOf: Self.growthSummary(result, rho: rho, activation: settings.act))
        if let note = Self.saturationNote(result, rho: rho, activation: settings.act) { blocks.append(note) }
        if jacobiansSkipped {
            blocks.append(.note("‖∂h_T/∂h_t‖₂ skipped: T·n³ = \(NumberFormat.short(Double(T) * pow(Double(n), 3))) is over the budget of \(NumberFormat.short(Limits.cubicWork)); use a smaller n or T"))
        }
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("model", .object([
                ("activation", .string(model.activation.rawValue)),
                ("W", .matrix(model.W.rowArrays)), ("U", .matrix(model.U.rowArrays)), ("b", .numbers(model.b)),
                ("V", .matrix(model.V.rowArrays)), ("c", .numbers(model.c)), ("h0", .numbers(model.h0)),
            ])),
            ("inputs", .matrix(sample.inputs.rowArrays)),
            ("target", .numbers(sample.target)),
            ("loss", .number(result.loss)),
            ("delta_norms", .numbers(result.deltaNorms)),
            ("jacobian_norms", result.jacobianNorms.map(JSON.numbers) ?? .null),
            ("grads", Commands.gradientJSON(result.gradients)),
            ("grad_norm", .number(result.gradientNorm)),
        ]
    }

    /// One sentence on how the error changed on its way back, or on where the numbers broke.
    static func growthSummary(_ result: BPTTResult, rho: Double, activation: Activation) -> [Block] {
        let norms = result.deltaNorms
        let T = norms.count - 1
        if let t = (0...T).first(where: { t in result.hidden.row(t).contains { !$0.isFinite } }) {
            let bound = activation == .linear || activation == .relu
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
        if abs(ratio - 1) < 1e-9 {
            return [.note("the error kept its size over \(T) step\(T == 1 ? "" : "s") back (×1 up to rounding); ρ(W)^\(T) = \(NumberFormat.short(pow(rho, Double(T))))")]
        }
        let verb = ratio > 1 ? "grew" : "shrank"
        return [.note("the error \(verb) ×\(NumberFormat.short(ratio)) over \(T) step\(T == 1 ? "" : "s") back (×\(NumberFormat.short(perStep)) per step); ρ(W)^\(T) = \(NumberFormat.short(pow(rho, Double(T))))")]
    }

    /// Why an error can shrink although ρ(W) > 1: a saturated tanh or sigmoid multiplies it by
    /// φ′(z) < 1 at every step, on top of W.
    static func saturationNote(_ result: BPTTResult, rho: Double, activation: Activation) -> Block? {
        guard activation == .tanh || activation == .sigmoid, rho > 1, result.deltaNorms.count > 1,
              let first = result.deltaNorms.first, let last = result.deltaNorms.last, first < last else { return nil }
        let d = result.meanDerivative
        return .note("\(activation.rawValue) saturates: the mean φ′(z_t) is \(NumberFormat.short(d)), so each step back multiplies the error by φ′ as well as by W (try act=linear)")
    }
}

extension Commands {
    /// Every parameter's gradient, by name, as JSON.
    static func gradientJSON(_ g: Gradients) -> JSON {
        .object([
            ("W", .matrix(g.W.rowArrays)), ("U", .matrix(g.U.rowArrays)), ("b", .numbers(g.b)),
            ("V", .matrix(g.V.rowArrays)), ("c", .numbers(g.c)),
        ])
    }
}
