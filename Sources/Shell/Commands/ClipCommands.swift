import Simulator

extension Commands {
    static let clip = CommandSpec(
        name: "clip", usage: "clip MODE [τ] [p=1|2|inf] [VECTOR…]",
        summary: "clip given vectors, or choose the rule grad uses",
        details: """
        Modes:
          none         no clipping
          norm τ       global norm clipping: g ← g·τ/‖g‖ when ‖g‖ > τ, with ‖g‖ over all tensors
                       together (p=2 by default; p=1 or p=inf choose another norm). No epsilon is
                       added (optax and TensorFlow semantics). The direction is kept: cosine 1.
          value τ      every component clamped to [−τ, τ]; NaN stays NaN, ±Inf becomes ±τ. The
                       direction bends: the cosine to the raw gradient drops below 1.
        With vectors (entries may be nan, inf, -inf), clips them as one gradient and shows the result:
          clip norm 1 [6,8]             → [0.6, 0.8]: norm 10, scale 0.1, cosine 1
          clip norm 1 [3,0] [0,4]       → [0.6, 0] [0, 0.8]: one global norm over both
          clip value 0.5 [3,-0.2,0.9]   → [0.5, -0.2, 0.5]: cosine below 1
        Without vectors, sets the rule that grad applies. clip alone shows the rule.
        A non-finite gradient is not hidden: with ‖g‖ = NaN norm clipping changes nothing (NaN > τ
        is false), with ‖g‖ = Inf the scale is 0 and infinite components become NaN; both warn.
        τ must be a positive finite number.
        """,
        argumentWords: { ["none", "norm", "value"] }
    ) { session, call throws(ShellError) in
        guard let mode = call.words.first else {
            return Report(command: "clip", blocks: [.values([("rule", .text(describe(session.clipRule)))])], fields: [("rule", clipJSON(session.clipRule))])
        }
        var rest = Array(call.words.dropFirst())
        var order = NormOrder.two
        var orderGiven = false
        if let index = rest.firstIndex(where: { $0.hasPrefix("p=") }) {
            let text = String(rest[index].dropFirst(2))
            guard let parsed = NormOrder(rawValue: text.lowercased()) ?? (text.lowercased() == "infinity" ? .infinity : nil) else {
                throw ShellError("p must be 1, 2 or inf, not '\(text)'")
            }
            order = parsed
            orderGiven = true
            rest.remove(at: index)
        }
        let rule: ClipRule
        switch mode {
        case "none":
            rule = .none
        case "norm", "value":
            guard let tauText = rest.first, !tauText.hasPrefix("[") else {
                throw ShellError("clip \(mode) needs a threshold τ, like clip \(mode) 1")
            }
            let tau = try Literal.number(tauText, for: "the threshold τ")
            do throws(ClipError) { try ClipRule.checkThreshold(tau) } catch { throw ShellError(error.description) }
            rest.removeFirst()
            rule = mode == "norm" ? .norm(threshold: tau, order: order) : .value(threshold: tau)
        default:
            throw ShellError("unknown clipping mode '\(mode)'\(Suggest.didYouMean(mode, among: ["none", "norm", "value"], otherwise: "modes: none, norm τ, value τ"))")
        }
        if orderGiven, case .norm = rule {} else if orderGiven {
            throw ShellError("p= chooses the norm of norm clipping; it does not apply to clip \(mode)")
        }
        if let stray = rest.first(where: { !$0.hasPrefix("[") }) {
            throw ShellError("unexpected '\(stray)' after clip \(mode): vectors are written in brackets, like [6,8]")
        }
        guard !rest.isEmpty else {
            session.clipRule = rule
            return Report(command: "clip", blocks: [.text("grad now clips with: \(describe(rule))")], fields: [("rule", clipJSON(rule))])
        }
        var tensors: [[Double]] = []
        for (i, word) in rest.enumerated() {
            tensors.append(try Literal.vector(word, for: "vector \(i + 1)", nonFinite: true))
        }
        guard tensors.reduce(0, { $0 + $1.count }) <= Limits.vectorEntries else {
            throw ShellError("the vectors hold more than \(Limits.vectorEntries) numbers in all; that is the limit")
        }
        let outcome = Clipper.clip(tensors, rule: rule)
        let rows: [[Cell]] = zip(outcome.input, outcome.output).enumerated().map { i, pair in
            [.integer(i + 1), .vector(pair.0), .vector(pair.1)]
        }
        var blocks: [Block] = [
            .title("clip \(describe(rule))"),
            .table(Table(columns: [.init("tensor"), .init("input", numeric: false), .init("output", numeric: false)], rows: rows)),
            .values(outcomeValues(outcome)),
        ]
        if let warning = outcome.nonFiniteWarning { blocks.append(.warning(warning)) }
        return Report(command: "clip", blocks: blocks, fields: [
            ("rule", clipJSON(rule)),
            ("input", .array(outcome.input.map(JSON.numbers))),
            ("output", .array(outcome.output.map(JSON.numbers))),
            ("norm", .number(outcome.norm)),
            ("scale", outcome.scale.map(JSON.number) ?? .null),
            ("cosine", .number(outcome.cosine)),
            ("clipped", .bool(outcome.clipped)),
        ])
    }

    static let grad = CommandSpec(
        name: "grad", usage: "grad",
        summary: "the model's gradient, raw and clipped by the current rule",
        details: """
        Runs BPTT on the current model and sequence, then applies the clipping rule (set it with
        clip norm τ or clip value τ) to the gradient of all parameters together. Shows, per
        parameter, ‖raw‖₂ and ‖clipped‖₂; then the global norm, the scale applied and the cosine
        between the raw and the clipped gradient (1 = same direction).
        """
    ) { session, call throws(ShellError) in
        try noArguments(call)
        let model = try session.model()
        let result = Simulator.bptt(model, session.sample)
        let raw = result.gradients
        let outcome = Clipper.clip(raw.tensors, rule: session.clipRule)
        let clipped = raw.replacing(with: outcome.output)
        let shapes = [shape(raw.W), shape(raw.U), "\(raw.b.count)", shape(raw.V), "\(raw.c.count)"]
        var rows: [[Cell]] = zip(Gradients.names, shapes).enumerated().map { i, pair in
            [.text(pair.0), .text(pair.1), .number(VectorNorm.of(raw.tensors[i])), .number(VectorNorm.of(clipped.tensors[i]))]
        }
        rows.append([.text("all"), .text(""), .number(VectorNorm.of(raw.tensors)), .number(outcome.clippedNorm)])
        var blocks: [Block] = [
            .title("Gradient of L = \(NumberFormat.short(result.loss)), clipped with: \(describe(session.clipRule))"),
            .table(Table(columns: [.init("param", numeric: false), .init("shape", numeric: false), .init("‖raw‖₂"), .init("‖clipped‖₂")], rows: rows)),
            .values(outcomeValues(outcome)),
        ]
        if let warning = outcome.nonFiniteWarning { blocks.append(.warning(warning)) }
        return Report(command: "grad", blocks: blocks, fields: [
            ("rule", clipJSON(session.clipRule)),
            ("loss", .number(result.loss)),
            ("raw_norm", .number(VectorNorm.of(raw.tensors))),
            ("clipped_norm", .number(outcome.clippedNorm)),
            ("norm", .number(outcome.norm)),
            ("scale", outcome.scale.map(JSON.number) ?? .null),
            ("cosine", .number(outcome.cosine)),
            ("grads", gradientJSON(raw)),
            ("clipped", gradientJSON(clipped)),
        ])
    }

    static func outcomeValues(_ outcome: ClipOutcome) -> [(String, Cell)] {
        var values: [(String, Cell)] = []
        if case .norm(_, let order) = outcome.rule, order != .two {
            values.append(("‖g‖_\(order.rawValue)", .number(outcome.norm)))
        } else {
            values.append(("‖g‖₂ before", .number(outcome.norm)))
        }
        values.append(("scale", outcome.scale.map(Cell.number) ?? .text("none (per component)")))
        values.append(("‖ĝ‖₂ after", .number(outcome.clippedNorm)))
        values.append(("cosine", .number(outcome.cosine)))
        values.append(("clipped", .text(outcome.clipped ? "yes" : "no")))
        return values
    }

    static func shape(_ m: Matrix) -> String { "\(m.rows)×\(m.cols)" }

    static func describe(_ rule: ClipRule) -> String {
        switch rule {
        case .none: "none"
        case .norm(let tau, let order): "norm \(NumberFormat.short(tau))" + (order == .two ? "" : " p=\(order.rawValue)")
        case .value(let tau): "value \(NumberFormat.short(tau))"
        }
    }

    static func clipJSON(_ rule: ClipRule) -> JSON {
        switch rule {
        case .none: .object([("mode", .string("none"))])
        case .norm(let tau, let order): .object([("mode", .string("norm")), ("tau", .number(tau)), ("p", .string(order.rawValue))])
        case .value(let tau): .object([("mode", .string("value")), ("tau", .number(tau))])
        }
    }
}
