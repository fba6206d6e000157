import Render
import Simulator

/// What `clip MODE τ [VECTOR…]` shows: the vectors before and after, and what the rule did.
struct ClippedVectors: Presentation {
    let outcome: ClipOutcome

    var blocks: [Block] {
        let rows: [[Cell]] = zip(outcome.input, outcome.output).enumerated().map { i, pair in
            [.integer(i + 1), .vector(pair.0), .vector(pair.1)]
        }
        var blocks: [Block] = [
            .title("clip \(Commands.describe(outcome.rule))"),
            .table(Table(columns: [.init("tensor"), .init("input", numeric: false), .init("output", numeric: false)], rows: rows)),
            .values(ClipPresentation.outcomeValues(outcome)),
        ]
        if let note = ClipPresentation.hiddenChangeNote(outcome) { blocks.append(note) }
        if let warning = Commands.clipWarning(outcome) { blocks.append(warning) }
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("rule", Commands.clipJSON(outcome.rule)),
            ("input", .array(outcome.input.map(JSON.numbers))),
            ("output", .array(outcome.output.map(JSON.numbers))),
            ("norm", .number(outcome.norm)),
            ("scale", outcome.scale.map(JSON.number) ?? .null),
            ("cosine", .number(outcome.cosine)),
            ("clipped", .bool(outcome.clipped)),
        ]
    }
}

/// What `grad` shows: the model's gradient per parameter, raw and clipped by the session's rule.
struct ClippedGradient: Presentation {
    let pass: BPTTResult
    let clipped: Gradients
    let outcome: ClipOutcome
    /// The rule as the session holds it (the outcome's rule for every mode but signal).
    let rule: ClipRule
    let cell: RecurrentCell

    var blocks: [Block] {
        let raw = pass.gradients
        func shape(_ m: Matrix) -> String { "\(m.rows)×\(m.cols)" }
        let shapes = [shape(raw.W), shape(raw.U), "\(raw.b.count)", shape(raw.V), "\(raw.c.count)"]
        var rows: [[Cell]] = zip(Gradients.names, shapes).enumerated().map { i, pair in
            [.text(pair.0), .text(pair.1), .number(VectorNorm.of(raw.tensors[i])), .number(VectorNorm.of(clipped.tensors[i]))]
        }
        rows.append([.text("all"), .text(""), .number(VectorNorm.of(raw.tensors)), .number(outcome.clippedNorm)])
        var blocks: [Block] = [
            .title("The gradient ∇L at L = \(NumberFormat.short(pass.loss)), clipped with: \(Commands.describe(rule))"),
            .table(Table(columns: [.init("param", numeric: false), .init("shape", numeric: false), .init("‖raw‖₂"), .init("‖clipped‖₂")], rows: rows)),
            .values(ClipPresentation.outcomeValues(outcome)),
        ]
        if cell != .rnn {
            let gates = cell.gateNames.joined(separator: ", ")
            blocks.append(.note("W and U stack the \(cell.rawValue)'s gates (\(gates); n rows each), as PyTorch's weight_hh and weight_ih do; each is one tensor to per-tensor clipping; gradlab --json names every gate's block"))
        }
        if let warning = Commands.clipWarning(outcome) { blocks.append(warning) }
        if let note = PrecisionWording.passNote(pass) { blocks.append(note) }
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("rule", Commands.clipJSON(rule)),
            ("cell", .string(cell.rawValue)),
            ("loss", .number(pass.loss)),
            ("raw_norm", .number(VectorNorm.of(pass.gradients.tensors))),
            ("clipped_norm", .number(outcome.clippedNorm)),
            ("norm", .number(outcome.norm)),
            ("scale", outcome.scale.map(JSON.number) ?? .null),
            ("cosine", .number(outcome.cosine)),
            ("grads", Commands.gradientJSON(pass.gradients, cell: cell)),
            ("clipped", Commands.gradientJSON(clipped, cell: cell)),
        ] + PrecisionWording.passFields(pass)
    }
}

/// The values line of a clipping outcome, shared by clip and grad.
enum ClipPresentation {
    static func outcomeValues(_ outcome: ClipOutcome) -> [(String, Cell)] {
        var values: [(String, Cell)] = []
        var afterNorm = ("‖ĝ‖₂ after", outcome.clippedNorm)
        if case .norm(_, let order, _) = outcome.rule, order != .two {
            // Norm clipping in p bounds ‖ĝ‖_p, so that is the norm to show after, too.
            let p = order == .one ? "₁" : "∞"
            values.append(("‖g‖\(p) before", .number(outcome.norm)))
            afterNorm = ("‖ĝ‖\(p) after", VectorNorm.of(outcome.output, order: order))
        } else {
            values.append(("‖g‖₂ before", .number(outcome.norm)))
        }
        let noScale = switch outcome.rule {
        case .tensor: "none (one per tensor)"
        case .agc: "none (one per unit)"
        case .signal: "none (inside BPTT)"
        default: "none (per component)"
        }
        values.append(("scale", outcome.scale.map(scaleCell) ?? .text(noScale)))
        values.append((afterNorm.0, .number(afterNorm.1)))
        // The angle between two vectors is undefined when one of them is zero (or not finite).
        values.append(("cosine", outcome.cosine.isNaN ? .text("undefined") : .number(outcome.cosine)))
        values.append(("clipped", .text(outcome.clipped ? "yes" : "no")))
        return values
    }

    /// A scale that is not 1 but would print as "1" (PyTorch's τ/(τ + 1e-6), TensorFlow's 49·(1/49))
    /// is shown as its distance from 1, "1 − 2e-07", so that "clipped yes" next to it makes sense.
    static func scaleCell(_ scale: Double) -> Cell {
        guard scale != 1, scale.isFinite, NumberFormat.short(scale) == "1" else { return .number(scale) }
        return .text(scale < 1 ? "1 − \(NumberFormat.short(1 - scale))" : "1 + \(NumberFormat.short(scale - 1))")
    }

    /// A note when clipping changed components by less than the four digits shown.
    static func hiddenChangeNote(_ outcome: ClipOutcome) -> Block? {
        guard outcome.clipped, outcome.input.map(NumberFormat.vector) == outcome.output.map(NumberFormat.vector) else { return nil }
        return .note("the change is below the four digits shown; gradlab --json gives every digit")
    }
}
