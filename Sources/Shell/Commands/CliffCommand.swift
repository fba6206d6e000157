import Render
import Foundation
import Simulator

extension Commands {
    static let cliff = CommandSpec(
        name: "cliff", usage: "cliff [w=…] [b=…] [lr=…] [steps=…] [clip=RULE] [wrange=a..b] [brange=a..b]",
        summary: "Pascanu's cliff: a loss wall that throws gradient descent off, unless clipped",
        details: [
            .paragraph("One sigmoid unit, x_t = w·σ(x_{t−1}) + b with x_0 = 0.5, and the loss L = (x_50 − 0.7)² (Pascanu, Mikolov & Bengio 2013). Where the map x ↦ w·σ(x) + b gains a second stable fixed point, x_50 jumps and the surface has a wall whose gradient is enormous. The map shows L over (w, b) with two gradient-descent paths from the same start: without clipping, and with the rule given (norm:1 by default)."),
            .rows([
                ("cliff", "start at w=5, b=-2.6 with lr=0.01 for 60 steps"),
                ("cliff clip=value:0.5 lr=0.02", ""),
            ]),
        ],
        argumentWords: { ["w=", "b=", "lr=", "steps=", "clip=", "wrange=", "brange="] }
    ) { session, call throws(ShellError) in
        var (w, b, lr, steps) = (5.0, -2.6, 0.01, 60)
        var rule: ClipRule = .norm(threshold: 1, order: .two, style: .gradlab)
        var wRange = (2.0, 8.0), bRange = (-5.0, 0.0)
        for word in call.words {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw ShellError("'\(word)' is not KEY=VALUE; write it like lr=0.02")
            }
            let key = String(word[..<eq]), value = String(word[word.index(after: eq)...])
            switch key {
            case "w": w = try Literal.number(value, for: "w")
            case "b": b = try Literal.number(value, for: "b")
            case "lr": lr = try Settings.value(of: "lr", value, \.lr)  // the same bounds as set lr=…
            case "steps": steps = try Settings.value(of: "steps", value, \.steps)
            case "clip": rule = try parseClipSpec(value)
            case "wrange": wRange = try span(value, for: "wrange")
            case "brange": bRange = try span(value, for: "brange")
            default:
                throw ShellError("cliff does not know '\(key)'\(Suggest.didYouMean(key, among: ["w", "b", "lr", "steps", "clip", "wrange", "brange"], otherwise: "it takes w, b, lr, steps, clip, wrange, brange"))")
            }
        }
        guard abs(w) <= 1000, abs(b) <= 1000 else { throw ShellError("start w and b within ±1000") }

        let landscape = CliffLandscape(start: (w, b), lr: lr, steps: steps, rule: rule, wRange: wRange.0...wRange.1, bRange: bRange.0...bRange.1)
        session.results.cliff = Measured(value: landscape.measurement, provenance: session.provenance(session.settings, clip: rule))
        return Report(command: "cliff", landscape)
    }

    /// "a..b" with a < b.
    static func span(_ text: String, for what: String) throws(ShellError) -> (Double, Double) {
        let ends = text.components(separatedBy: "..")
        guard ends.count == 2 else { throw ShellError("\(what) must be a range a..b, like 2..8") }
        let a = try Literal.number(ends[0], for: "the start of \(what)"), b = try Literal.number(ends[1], for: "the end of \(what)")
        guard a < b, b - a <= 1000 else { throw ShellError("\(what) must run from a smaller to a larger number, at most 1000 apart") }
        return (a, b)
    }
}
