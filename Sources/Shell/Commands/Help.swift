import Render
extension Commands {
    static let help = CommandSpec(
        name: "help", aliases: ["?"], usage: "help [COMMAND]",
        summary: "list the commands, or explain one",
        details: [
            .rows([
                ("help", "every command with a one-line summary"),
                ("help COMMAND", "what COMMAND does, its arguments and examples"),
                ("help settings", "the settings that set changes (help rho: one of them)"),
                ("help expressions", "the names and functions the calculator (=) knows"),
                ("help cells", "the rnn, lstm and gru cells' equations"),
                ("help precision", "fp32, bf16 and fp16, loss scaling, and what gradlab rounds where"),
            ]),
        ],
        argumentWords: { Commands.all.map(\.name) + helpTopics }
    ) { session, call throws(ShellError) in
        guard let topic = call.words.first else { return overview() }
        guard call.words.count == 1 else { throw ShellError("help takes one topic, like help bptt") }
        switch topic {
        case "settings": return settingsHelp()
        case "expressions": return expressionsHelp()
        case "cells": return cellsHelp()
        case "precision": return precisionHelp()
        default:
            if let spec = find(topic) { return commandHelp(spec) }
            if let key = Settings.keys.first(where: { $0.name == topic }) {
                return Report(command: "help", blocks: [
                    .title("set \(key.name)=…"), .text("\(key.summary): \(key.accepts)."), .note("help settings lists them all"),
                ], fields: [("topic", .string(key.name)), ("summary", .string(key.summary)), ("accepts", .string(key.accepts))])
            }
            if let (name, meaning) = SessionNames.descriptions.first(where: { $0.0 == topic || $0.0.hasPrefix(topic + "[") }) {
                return Report(command: "help", blocks: [.title(name), .text("In expressions (= …): \(meaning)."), .note("help expressions lists every name")],
                              fields: [("topic", .string(name)), ("summary", .string(meaning))])
            }
            let topics = all.map(\.name) + Settings.keyNames + SessionNames.plainNames + SessionNames.seriesNames + helpTopics
            throw ShellError("no help for '\(topic)'\(Suggest.didYouMean(topic, among: topics, otherwise: "type help for the list"))")
        }
    }

    static func commandHelp(_ spec: CommandSpec) -> Report {
        let details = detailBlocks(spec.details)
        var blocks: [Block] = [.title(spec.usage), .prose(spec.summary.prefix(1).uppercased() + spec.summary.dropFirst() + ".")] + details
        if !spec.aliases.isEmpty { blocks.append(.note("also: " + spec.aliases.joined(separator: ", "))) }
        // "details" stays one string, as printed without a terminal (80 columns); "detail_items"
        // holds the same as data, for readers that wrap it themselves.
        var plain = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 80)).render(Report(command: "help", blocks: details))
        if plain.hasSuffix("\n") { plain.removeLast() }
        var fields: [(String, JSON)] = [
            ("topic", .string(spec.name)), ("usage", .string(spec.usage)),
            ("summary", .string(spec.summary)), ("details", .string(plain)),
            ("detail_items", .array(spec.details.map(\.json))),
        ]
        // task and optim are settings too.
        if let key = Settings.keys.first(where: { $0.name == spec.name }) {
            blocks.append(.note("\(key.name) is also a setting (set \(key.name)=…): \(key.summary); \(key.accepts)"))
            fields.append(("accepts", .string(key.accepts)))
        }
        return Report(command: "help", blocks: blocks, fields: fields)
    }

    /// A command's longer help as blocks: paragraphs wrap flush left, rows align.
    static func detailBlocks(_ details: [HelpItem]) -> [Block] {
        details.map { item in
            switch item {
            case .paragraph(let text): .prose(text)
            case .rows(let rows): .definitions(rows)
            }
        }
    }

    /// Every command's usage and summary in plain ASCII, indented, for `gradlab --help` and the
    /// manual page (whose generator drops every character that is not ASCII).
    public static func plainList(width: Int) -> String {
        var text = TextRenderer(style: OutputStyle(color: false, unicode: false, width: width))
            .render(Report(command: "help", blocks: [.definitions(all.map { ($0.usage, $0.summary) })]))
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    static func overview() -> Report {
        let rows: [[Cell]] = all.map { [.text($0.name), .text($0.summary)] }
        return Report(command: "help", blocks: [
            .title("Commands"),
            .table(Table(columns: [.init("command", numeric: false), .init("what it does", numeric: false)], rows: rows)),
            .note("help COMMAND explains one and shows its arguments; help settings lists the settings."),
            .note("Several commands go on one line with ';' between them: set rho=1.2; bptt"),
        ], fields: [
            ("commands", .array(all.map { .object([("name", .string($0.name)), ("usage", .string($0.usage)), ("summary", .string($0.summary))]) })),
        ])
    }

    static func settingsHelp() -> Report {
        let rows: [[Cell]] = Settings.keys.map { [.text($0.name), .text($0.summary), .text($0.accepts)] }
        return Report(command: "help", blocks: [
            .title("Settings (set KEY=VALUE…)"),
            .table(Table(columns: [.init("key", numeric: false), .init("meaning", numeric: false), .init("accepts", numeric: false)], rows: rows)),
            .note("The seed has its own command (seed N), and so has the clipping rule (clip)."),
        ], fields: [
            ("settings", .array(Settings.keys.map { .object([("key", .string($0.name)), ("summary", .string($0.summary)), ("accepts", .string($0.accepts))]) })),
        ])
    }

    /// The cells' equations, and what the model's settings mean for each.
    static let cellItems: [HelpItem] = [
        .paragraph("set cell=rnn|lstm|gru chooses how h_t is formed from h_{t−1} and x_t. The gated cells follow PyTorch's nn.LSTM and nn.GRU, their equations and gate order; σ is the logistic sigmoid."),
        .rows([
            ("rnn", "h_t = φ(W h_{t−1} + U x_t + b), φ set by act"),
            ("lstm", "i, f, g, o = σ, σ, tanh, σ of (W h_{t−1} + U x_t + b), one block of n rows a gate; c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t)"),
            ("gru", "r, z = σ(U x_t + W h_{t−1} + b) for their blocks; ñ = tanh(U_n x_t + b_in + r ⊙ (W_n h_{t−1} + b_hn)); h_t = (1 − z) ⊙ ñ + z ⊙ h_{t−1}"),
        ]),
        .paragraph("For a gated cell W stacks one n×n matrix a gate (W_i; W_f; W_g; W_o, PyTorch's weight_hh) and U one input block a gate (weight_ih). Each gate's matrix is drawn by init on its own and rescaled by rho on its own, so rho=1.2 gives every gate ρ(W_k) = 1.2; eig lists each gate's. b is one bias a gate (PyTorch's b_ih + b_hh, which only ever appear summed); the gru keeps b_hn apart, since r multiplies it. The lstm's forget-gate bias starts at forget_bias (default 1, as Jozefowicz et al. 2015 recommend) and every other bias at 0. act applies to the rnn cell only."),
        .paragraph("bptt shows ‖∂L/∂h_t‖ for every cell, and for the lstm also ‖∂L/∂c_t‖: the error on the cell state, which the forget gate carries back with no W and no tanh′ in the way."),
    ]

    /// The topics `help` knows besides the commands, settings and names.
    static let helpTopics = ["settings", "expressions", "cells", "precision"]

    /// What precision=, loss_scale= and unscale= emulate, exactly.
    static let precisionItems: [HelpItem] = [
        .paragraph("set precision=fp32|bf16|fp16 stores the values of bptt, grad and train in that format, rounded as the hardware rounds a result it writes: to the nearest number (ties to even), to ±Inf past the largest (65504 for fp16, 3.4e38 for bf16 and fp32), and through the subnormals to 0 below the smallest (6e-08 for fp16, 9.2e-41 for bf16, 1.4e-45 for fp32). The arithmetic between two stores is Float64. fp64, the default, rounds nothing."),
        .rows([
            ("stored in the format", "the weights the passes use; z_t and h_t (a gated cell's gates and states); y; ∂L/∂y after the loss scale; every δ_t = ∂L/∂h_t and gradient row; the parameters' gradient (the sum over steps and examples, rounded once)"),
            ("float32", "the weights the optimizer keeps and updates (its own arithmetic is Float64), and the gradient it is given, as under torch.autocast"),
            ("as they are", "the inputs and targets; the loss; bptt's ‖∂h_T/∂h_t‖₂, which is formed in Float64 from the stored forward pass"),
        ]),
        .paragraph("set loss_scale=N multiplies ∂L/∂y (so every gradient of the backward pass) by N, and the parameters' gradient by 1/N again (GradScaler's unscale_, in float32) before clipping and the update; a batch's mean brings its 1/B in at the same place, as loss.mean() does. loss_scale=dynamic is PyTorch's GradScaler with its defaults: the scale starts at 65536; a step whose gradient is not finite is skipped and the scale halved; after 2000 finite steps in a row it doubles. bptt and grad use the first scale."),
        .paragraph("set unscale=after_clip makes the classic mistake: clipping the scaled gradient, before unscale_, so that the rule sees a norm N times too large. train shows the clip rate and the outcome of each order."),
        .rows([
            ("bptt precision=fp16", "where the error δ_t underflows to 0"),
            ("train precision=fp16 loss_scale=dynamic", "the scale backing off and growing"),
        ]),
    ]

    /// `help precision`: the topic, which also answers for the key of that name.
    static func precisionHelp() -> Report {
        let key = Settings.keys.first { $0.name == "precision" }!
        return Report(command: "help", blocks: [.title("Precision (set precision=fp64|fp32|bf16|fp16, loss_scale=…, unscale=…)")] + detailBlocks(precisionItems),
                      fields: [("topic", .string("precision")), ("summary", .string(key.summary)), ("accepts", .string(key.accepts)),
                               ("details", .array(precisionItems.map(\.json)))])
    }

    static func cellsHelp() -> Report {
        Report(command: "help", blocks: [.title("Cells (set cell=rnn|lstm|gru)")] + detailBlocks(cellItems),
               fields: [("topic", .string("cells")), ("details", .array(cellItems.map(\.json)))])
    }

    static func expressionsHelp() -> Report {
        let names: [[Cell]] = SessionNames.descriptions.map { [.text($0.0), .text($0.1)] }
        let functions: [[Cell]] = Expression.functions.keys.sorted().map { [.text($0 + "()"), .text(Expression.functions[$0]!.summary)] }
        return Report(command: "help", blocks: [
            .title("Expressions (= EXPR, check EXPR, predict CLAIM)"),
            .text("Numbers (1.2, 1e-3), + - * / ^ and parentheses, comparisons < <= > >= == !=, and, or, not."),
            .table(Table(columns: [.init("name", numeric: false), .init("meaning", numeric: false)], rows: names + functions)),
        ], fields: [
            ("names", .object(SessionNames.descriptions.map { ($0.0, .string($0.1)) })),
            ("functions", .object(Expression.functions.keys.sorted().map { ($0, .string(Expression.functions[$0]!.summary)) })),
        ])
    }

    static let quit = CommandSpec(
        name: "quit", aliases: ["exit"], usage: "quit",
        summary: "leave gradlab (Ctrl-D does the same)",
        details: []
    ) { _, call throws(ShellError) in
        try noArguments(call)
        var report = Report(command: "quit")
        report.quits = true
        return report
    }
}

extension HelpItem {
    /// {"paragraph": TEXT} or {"rows": [{"term": …, "meaning": …}, …]}.
    var json: JSON {
        switch self {
        case .paragraph(let text): .object([("paragraph", .string(text))])
        case .rows(let rows): .object([("rows", .array(rows.map { .object([("term", .string($0.term)), ("meaning", .string($0.meaning))]) }))])
        }
    }
}
