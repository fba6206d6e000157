import Render
import Simulator

extension Commands {
    static let clip = CommandSpec(
        name: "clip", usage: "clip MODE [τ|λ] [p=1|2|inf] [style=gradlab|torch|tf|optax] [VECTOR…]",
        summary: "clip given vectors, or choose the rule grad and training use",
        details: [
            .paragraph("Modes, each with the semantics of its source:"),
            .rows([
                ("none", "no clipping"),
                ("norm τ", "global norm clipping: g ← g·τ/‖g‖ when ‖g‖ > τ, with ‖g‖ over all tensors together (Pascanu et al. 2013); p=2 by default, p=1 or p=inf choose another norm. The direction is kept: cosine 1."),
                ("value τ", "every component clamped to [−τ, τ]; NaN stays NaN, ±Inf becomes ±τ (torch clip_grad_value_, tf.clip_by_value, optax.clip). The direction bends."),
                ("tensor τ", "each tensor on its own: t ← t·τ/max(‖t‖, τ) (Keras clipnorm: tf.clip_by_norm applied to each tensor)"),
                ("agc λ", "each unit (a row of W; the whole of U, V, b and c, which have one column or row) to λ·max(‖w‖, 1e-3), w its parameters (Brock et al. 2021, optax.adaptive_grad_clip); needs the model: for grad, not vectors"),
                ("signal τ", "each component of the error δ_t clamped to [−τ, τ] inside BPTT (Mikolov's RNNLM); it acts during backpropagation: for grad, not vectors"),
            ]),
            .paragraph("Styles of norm clipping, style=…, each exact to its source, edge cases included:"),
            .rows([
                ("gradlab", "the default: no epsilon; NaN > τ is false, so a NaN gradient passes; overflow-safe ‖g‖"),
                ("torch", "torch.nn.utils.clip_grad_norm_: g·min(τ/(‖g‖+1e-6), 1), always applied; p=1, 2, inf"),
                ("tf", "tf.clip_by_global_norm: g·τ·min(1/‖g‖, 1/τ); a NaN or infinite ‖g‖ makes every component NaN; p=2 only"),
                ("optax", "optax.clip_by_global_norm: g kept only when ‖g‖ < τ, else (g/‖g‖)·τ; p=2 only"),
            ]),
            .paragraph("The three frameworks square without rescaling: a component of 1e200 gives them ‖g‖ = ∞."),
            .paragraph("With vectors (entries may be nan, inf, -inf), clips them as one gradient and shows the result:"),
            .rows([
                ("clip norm 1 [6,8]", "→ [0.6, 0.8]: norm 10, scale 0.1, cosine 1"),
                ("clip norm 1 [3,0] [0,4]", "→ [0.6, 0] [0, 0.8]: one global norm over both"),
                ("clip value 0.5 [3,-0.2,0.9]", "→ [0.5, -0.2, 0.5]: cosine below 1"),
                ("clip tensor 1 [3,0] [0,4]", "→ [1, 0] [0, 1]: each tensor to its own norm 1"),
                ("clip norm 5 style=torch [3,4]", "→ scale 5/(5+1e-6): PyTorch nudges even at the threshold"),
            ]),
            .paragraph("Without vectors, sets the rule that grad applies. clip alone shows the rule."),
            .paragraph("A non-finite gradient is not hidden: every outcome says what the rule did with the NaN or ∞ (with gradlab's style, ‖g‖ = NaN changes nothing and ‖g‖ = ∞ gives scale 0), and warns. τ and λ must be positive finite numbers."),
        ],
        argumentWords: { ClipRule.modes }
    ) { session, call throws(ShellError) in
        guard let mode = call.words.first else {
            return Report(command: "clip", ClipRuleChoice(rule: session.clipRule, changed: false))
        }
        var rest = Array(call.words.dropFirst())
        let orderText = try takeOption("p", from: &rest)
        let styleText = try takeOption("style", from: &rest)
        let order = try orderText.map { text throws(ShellError) in try parseOrder(text) }
        let style = try styleText.map { text throws(ShellError) in try parseStyle(text) }
        guard ClipRule.modes.contains(mode) else {
            if mode.hasPrefix("[") { throw ShellError("the mode comes first and the vectors last, as in clip norm 1 \(mode)") }
            if mode.contains(":") {
                throw ShellError("write clip \(mode.replacingOccurrences(of: ":", with: " ")) here; the colon form \(mode) is for clip= in train, compare and sweep")
            }
            throw ShellError("unknown clipping mode '\(mode)'\(Suggest.didYouMean(mode, among: ClipRule.modes, otherwise: "modes: none, norm τ, value τ, tensor τ, agc λ, signal τ"))")
        }
        var value = 0.0
        if mode != "none" {
            let what = mode == "agc" ? "a ratio λ" : "a threshold τ"
            guard let text = rest.first, !text.hasPrefix("[") else {
                throw ShellError("clip \(mode) needs \(what), like clip \(mode) \(mode == "agc" ? "0.01" : "1")")
            }
            value = try Literal.number(text, for: mode == "agc" ? "the ratio λ" : "the threshold τ")
            rest.removeFirst()
        }
        if mode != "norm" {
            if orderText != nil { throw ShellError("p= chooses the norm of norm clipping; it does not apply to clip \(mode)") }
            if styleText != nil { throw ShellError("style= chooses whose norm clipping to reproduce; it does not apply to clip \(mode)") }
        }
        let rule = makeRule(mode, value, order: order ?? .two, style: style ?? .gradlab)
        do throws(ClipError) { try rule.validate() } catch { throw ShellError(describe(error)) }
        if let stray = rest.first(where: { !$0.hasPrefix("[") }) {
            throw ShellError("unexpected '\(stray)' after clip \(mode): vectors are written in brackets, like [6,8]")
        }
        guard !rest.isEmpty else {
            session.clipRule = rule
            return Report(command: "clip", ClipRuleChoice(rule: rule, changed: true))
        }
        if case .agc = rule {
            throw ShellError("agc needs the model's parameters, which typed vectors do not have; set it as the rule with clip agc \(NumberFormat.short(value)) and run grad")
        }
        if case .signal = rule {
            throw ShellError("signal clipping clamps the error δ_t inside BPTT, not a finished gradient, so typed vectors have nothing for it to do; set it with clip signal \(NumberFormat.short(value)) and run grad")
        }
        var tensors: [[Double]] = []
        for (i, word) in rest.enumerated() {
            tensors.append(try Literal.vector(word, for: "vector \(i + 1)", nonFinite: true))
        }
        guard tensors.reduce(0, { $0 + $1.count }) <= Limits.vectorEntries else {
            throw ShellError("the vectors hold more than \(Limits.vectorEntries) numbers in all; that is the limit")
        }
        return Report(command: "clip", ClippedVectors(outcome: Clipper.clip(tensors, rule: rule)))
    }

    static let grad = CommandSpec(
        name: "grad", usage: "grad [KEY=VALUE…] [clip=RULE]",
        summary: "the model's gradient, raw and clipped by the current rule",
        details: [
            .paragraph("Runs BPTT on the current model and sequence, then applies the clipping rule (set it with clip, e.g. clip norm 1, clip value 0.5, clip agc 0.01) to the gradient of all parameters together; agc takes the model's parameters. Under clip signal τ, BPTT runs twice, without and with the error δ_t clamped to [−τ, τ], and the two gradients are compared. Shows, per parameter, ‖raw‖₂ and ‖clipped‖₂; then the global norm, the scale applied and the cosine between the raw and the clipped gradient (1 = same direction). KEY=VALUE words and clip=RULE (grad clip=value:0.5 rho=1.3, or tau=0.5 for the rule in force) apply to this gradient only; your settings and rule stay as they are."),
        ],
        argumentWords: { Settings.keyNames.map { $0 + "=" } + ["clip=", "tau="] }
    ) { session, call throws(ShellError) in
        let (settings, clip) = try runSettings(session, call.words)
        let model = try session.models.model(for: settings)
        let (result, clipped, outcome) = measureGrad(model, settings, clip: clip)
        session.results.grad = Measured(value: GradMeasurement(raw: result.gradients, outcome: outcome),
                                        provenance: session.provenance(settings, clip: clip, overridden: overriddenKeys(call.words)))
        return Report(command: "grad", ClippedGradient(pass: result, clipped: clipped, outcome: outcome, rule: clip, cell: model.cell))
    }

    /// The model's gradient on the settings' sequence and what `clip` makes of it: (the pass, the
    /// clipped gradient, the outcome). Under signal clipping BPTT runs again with δ_t clamped.
    static func measureGrad(_ model: RNN, _ settings: Settings, clip: ClipRule) -> (BPTTResult, Gradients, ClipOutcome) {
        let result = settings.bptt(model)
        if case .signal(let tau) = clip {
            let clipped = settings.bptt(model, errorClip: tau).gradients
            return (result, clipped, Clipper.signalOutcome(raw: result.gradients.tensors, clipped: clipped.tensors, threshold: tau))
        }
        let pair = Clipper.clip(result.gradients, of: model, rule: clip)
        return (result, pair.gradients, pair.outcome)
    }

    // MARK: Rules as words

    /// The rule as the words that set it after `clip`: "norm 1", "norm 1 p=inf style=torch",
    /// "agc 0.01". Numbers to four significant digits.
    public static func describe(_ rule: ClipRule) -> String {
        switch rule {
        case .none:
            return "none"
        case .norm(let tau, let order, let style):
            return "norm \(NumberFormat.short(tau))" + (order == .two ? "" : " p=\(order.rawValue)")
                + (style == .gradlab ? "" : " style=\(style.rawValue)")
        case .value(let tau), .tensor(let tau), .signal(let tau):
            return "\(rule.mode) \(NumberFormat.short(tau))"
        case .agc(let lambda):
            return "agc \(NumberFormat.short(lambda))"
        }
    }

    /// The rule in the compact form `parseClipSpec` reads back exactly: "none", "norm:1",
    /// "norm:1:torch:p=inf", "value:0.5", "tensor:1", "agc:0.01", "signal:1".
    public static func clipSpec(_ rule: ClipRule) -> String {
        switch rule {
        case .none:
            return "none"
        case .norm(let tau, let order, let style):
            return "norm:\(NumberFormat.full(tau))" + (style == .gradlab ? "" : ":\(style.rawValue)") + (order == .two ? "" : ":p=\(order.rawValue)")
        case .value(let tau), .tensor(let tau), .signal(let tau):
            return "\(rule.mode):\(NumberFormat.full(tau))"
        case .agc(let lambda):
            return "agc:\(NumberFormat.full(lambda))"
        }
    }

    /// Reads a clipping rule in the compact form of `train clip=…` and `compare clip=…`:
    ///
    ///     none | MODE:NUMBER | norm:NUMBER[:OPTION][:OPTION]
    ///
    /// with MODE one of norm, value, tensor, agc (NUMBER is λ) and signal, and OPTION a style
    /// (gradlab, torch, tf, optax; `style=torch` also reads) or a norm order p=1, p=2, p=inf. Examples:
    /// `norm:1`, `norm:1:torch`, `norm:1:p=inf`, `norm:1:torch:p=inf`, `value:0.5`, `agc:0.01`.
    public static func parseClipSpec(_ text: String) throws(ShellError) -> ClipRule {
        let spec = text.trimmingWhitespace()
        guard !spec.isEmpty else {
            throw ShellError("the clipping rule is empty; write one like none, norm:1, norm:1:torch, value:0.5, tensor:1, agc:0.01 or signal:1")
        }
        if spec.contains(" ") {
            throw ShellError("write the clipping rule '\(spec)' with colons and no spaces, like \(spec.split(separator: " ").joined(separator: ":"))")
        }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        let mode = parts[0].lowercased()
        guard ClipRule.modes.contains(mode) else {
            throw ShellError("unknown clipping mode '\(parts[0])' in '\(spec)'\(Suggest.didYouMean(mode, among: ClipRule.modes, otherwise: "modes: none, norm:τ, value:τ, tensor:τ, agc:λ, signal:τ"))")
        }
        if mode == "none" {
            guard parts.count == 1 else { throw ShellError("'\(spec)' has something after none, which takes nothing; write none") }
            return .none
        }
        let example = mode == "agc" ? "agc:0.01" : "\(mode):1"
        let what = mode == "agc" ? "ratio λ" : "threshold τ"
        guard parts.count >= 2, !parts[1].isEmpty else {
            throw ShellError("'\(spec)' needs a \(what) after a colon, like \(example)")
        }
        let value = try Literal.number(parts[1], for: "the \(what) in '\(spec)'")
        guard value > 0 else {
            throw ShellError("the \(what) in '\(spec)' must be greater than 0, like \(example)")
        }
        var order: NormOrder? = nil, style: NormClipStyle? = nil
        for option in parts.dropFirst(2) {
            guard mode == "norm" else {
                throw ShellError("'\(spec)' has an option after the \(what), but only norm takes one (a style or p=); write \(mode):\(parts[1])")
            }
            if option.isEmpty {
                throw ShellError("'\(spec)' ends in an empty option; drop the last colon, or write a style or p= after it, like norm:1:torch")
            } else if option.lowercased().hasPrefix("p=") {
                guard order == nil else { throw ShellError("'\(spec)' gives p= twice; keep one") }
                order = try parseOrder(String(option.dropFirst(2)))
            } else if let parsed = NormClipStyle(rawValue: styleWord(option)) ?? styleAlias(styleWord(option)) {
                guard style == nil else { throw ShellError("'\(spec)' gives a style twice; keep one") }
                style = parsed
            } else {
                throw ShellError("unknown option '\(option)' in '\(spec)'\(Suggest.didYouMean(styleWord(option), among: NormClipStyle.allCases.map(\.rawValue), otherwise: "a norm rule takes a style (gradlab, torch, tf, optax) or p=1|2|inf, like norm:1:torch:p=inf"))")
            }
        }
        let rule = makeRule(mode, value, order: order ?? .two, style: style ?? .gradlab)
        if case .norm(_, let order, let style) = rule, !style.orders.contains(order) {
            throw ShellError("'\(spec)' asks \(style.rawValue) for p=\(order.rawValue), but \(source(of: style)) has only the 2-norm; drop p=\(order.rawValue), or use torch or gradlab")
        }
        return rule
    }

    // MARK: Parsing helpers

    /// The rule a mode word names, with its number (τ, or λ for agc); order and style count for norm only.
    private static func makeRule(_ mode: String, _ value: Double, order: NormOrder, style: NormClipStyle) -> ClipRule {
        switch mode {
        case "norm": .norm(threshold: value, order: order, style: style)
        case "value": .value(threshold: value)
        case "tensor": .tensor(threshold: value)
        case "agc": .agc(lambda: value)
        case "signal": .signal(threshold: value)
        default: .none
        }
    }

    /// Removes the one `KEY=…` word from `words` and returns what follows the `=`, or nil when absent.
    private static func takeOption(_ key: String, from words: inout [String]) throws(ShellError) -> String? {
        let indices = words.indices.filter { words[$0].lowercased().hasPrefix(key + "=") }
        guard let index = indices.first else { return nil }
        guard indices.count == 1 else { throw ShellError("\(key)= is given twice; keep one") }
        return String(words.remove(at: index).dropFirst(key.count + 1))
    }

    private static func parseOrder(_ text: String) throws(ShellError) -> NormOrder {
        let lower = text.lowercased()
        guard let order = NormOrder(rawValue: lower) ?? (lower == "infinity" ? .infinity : nil) else {
            throw ShellError("p must be 1, 2 or inf, not '\(text)'")
        }
        return order
    }

    private static func parseStyle(_ text: String) throws(ShellError) -> NormClipStyle {
        let word = text.lowercased()
        guard let style = NormClipStyle(rawValue: word) ?? styleAlias(word) else {
            let names = NormClipStyle.allCases.map(\.rawValue)
            throw ShellError("style must be gradlab, torch, tf or optax, not '\(text)'\(Suggest.didYouMean(word, among: names))")
        }
        return style
    }

    /// An option word without a `style=` prefix, lower-cased.
    private static func styleWord(_ option: String) -> String {
        let lower = option.lowercased()
        return lower.hasPrefix("style=") ? String(lower.dropFirst(6)) : lower
    }

    /// The frameworks' full names, accepted too.
    private static func styleAlias(_ word: String) -> NormClipStyle? {
        switch word {
        case "pytorch": .torch
        case "tensorflow": .tf
        default: nil
        }
    }
}
