import Render
import Foundation
import Simulator

extension Commands {
    static let cliff = CommandSpec(
        name: "cliff", usage: "cliff [w=…] [b=…] [lr=…] [steps=…] [clip=RULE] [wrange=a..b] [brange=a..b]",
        summary: "Pascanu's cliff: a loss wall that throws gradient descent off, unless clipped",
        details: """
        One sigmoid unit, x_t = w·σ(x_{t−1}) + b with x_0 = 0.5, and the loss L = (x_50
        − 0.7)² (Pascanu, Mikolov & Bengio 2013). Where the map x ↦ w·σ(x) + b gains a
        second stable fixed point, x_50 jumps and the surface has a wall whose gradient
        is enormous. The map shows L over (w, b) with two gradient-descent paths from
        the same start: without clipping, and with the rule given (norm:1 by default).
          cliff                       start at w=5, b=-2.6 with lr=0.01 for 60 steps
          cliff clip=value:0.5 lr=0.02
        """,
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

        let model = CliffModel()
        let (columns, rows) = (61, 41)
        let ws = (0..<columns).map { wRange.0 + Double($0) * (wRange.1 - wRange.0) / Double(columns - 1) }
        let bs = (0..<rows).map { bRange.0 + Double($0) * (bRange.1 - bRange.0) / Double(rows - 1) }
        let surface = model.surface(ws: ws, bs: bs)
        let plain = model.descend(w: w, b: b, learningRate: lr, steps: steps, clip: .none)
        let clipped = model.descend(w: w, b: b, learningRate: lr, steps: steps, clip: rule)

        func jumps(_ path: [CliffPoint]) -> [Double] { zip(path, path.dropFirst()).map { hypot($1.w - $0.w, $1.b - $0.b) } }
        func leaves(_ path: [CliffPoint]) -> Int? {
            path.firstIndex { !(wRange.0...wRange.1).contains($0.w) || !(bRange.0...bRange.1).contains($0.b) }
        }
        func descent(_ path: [CliffPoint]) -> CliffMeasurement.Descent {
            .init(loss: path.last!.loss, largestStep: jumps(path).max() ?? 0, leftTheMap: leaves(path) != nil)
        }
        let measured = CliffMeasurement(plain: descent(plain), clipped: descent(clipped))
        session.results.cliff = Measured(value: measured, provenance: session.provenance(session.settings, clip: rule))
        func summary(_ path: [CliffPoint], _ name: String) -> Block {
            let jumps = jumps(path)
            let biggest = jumps.indices.max { jumps[$0] < jumps[$1] }
            let leaves = leaves(path)
            let end = path.last!
            var text = "\(name): ends at w=\(NumberFormat.short(end.w)), b=\(NumberFormat.short(end.b)) with loss \(NumberFormat.short(end.loss))"
            if let k = biggest { text += "; largest step \(NumberFormat.short(jumps[k])) at step \(k + 1) (‖∇L‖ = \(NumberFormat.short(path[k].gradientNorm)))" }
            if let k = leaves {
                text += "; leaves the map at step \(k)"
            } else {
                let tail = path.suffix(10).map(\.loss)
                text += "; stays on the map, its last \(tail.count) losses between \(NumberFormat.short(tail.min()!)) and \(NumberFormat.short(tail.max()!))"
            }
            return .text(text)
        }
        let pathJSON: ([CliffPoint]) -> JSON = { path in .array(path.map { .numbers([$0.w, $0.b, $0.loss, $0.gradientNorm]) }) }
        var notes: [Block] = [.note("start: w=\(NumberFormat.short(w)), b=\(NumberFormat.short(b)), loss \(NumberFormat.short(plain[0].loss)), ‖∇L‖ \(NumberFormat.short(plain[0].gradientNorm))")]
        if !(wRange.0...wRange.1).contains(w) || !(bRange.0...bRange.1).contains(b) {
            notes.append(.warning("the start is off the map; move the map with wrange=a..b and brange=a..b"))
        }
        return Report(command: "cliff", blocks: [
            .title("Pascanu's cliff: L(w, b) = (x_50 − 0.7)², x_t = w·σ(x_{t−1}) + b · start w=\(NumberFormat.short(w)), b=\(NumberFormat.short(b)) · lr \(NumberFormat.short(lr)) · \(steps) step\(steps == 1 ? "" : "s")"),
            .heatmap(Heatmap(title: "loss over (w, b)", valueName: "loss", x: .init("w", ws), y: .init("b", bs), values: surface,
                             scale: .log10, trajectories: [
                                 .init("clip \(describe(rule))", clipped.map { (x: $0.w, y: $0.b) }),
                                 .init("no clipping", plain.map { (x: $0.w, y: $0.b) }),
                             ])),
        ] + notes + [
            summary(plain, "without clipping"),
            summary(clipped, "with clip \(describe(rule))"),
        ], fields: [
            ("w", .numbers(ws)), ("b", .numbers(bs)), ("loss", .array(surface.map(JSON.numbers))),
            ("start", .numbers([w, b])), ("lr", .number(lr)), ("steps", .integer(steps)), ("clip", clipJSON(rule)),
            ("paths", .array([
                .object([("clip", clipJSON(.none)), ("points", pathJSON(plain))] + descentJSON(measured.plain)),
                .object([("clip", clipJSON(rule)), ("points", pathJSON(clipped))] + descentJSON(measured.clipped)),
            ])),
        ])
    }

    static func descentJSON(_ descent: CliffMeasurement.Descent) -> [(String, JSON)] {
        [("loss", .number(descent.loss)), ("largest_step", .number(descent.largestStep)), ("left_the_map", .bool(descent.leftTheMap))]
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
