import Foundation
import Render
import Simulator

/// What `cliff` shows: the loss surface over (w, b) and two descents from one start, without
/// clipping and with the rule given.
struct CliffLandscape: Presentation {
    /// The grid: w across, b up.
    let ws: [Double]
    let bs: [Double]
    /// The map's bounds, as given (the grid's last points may differ from them by rounding).
    let wRange: ClosedRange<Double>
    let bRange: ClosedRange<Double>
    /// The loss at (w, b), a row for each b.
    let surface: [[Double]]
    let start: (w: Double, b: Double)
    let lr: Double
    let steps: Int
    let rule: ClipRule
    let plain: [CliffPoint]
    let clipped: [CliffPoint]

    /// The length of each step of a path.
    func jumps(_ path: [CliffPoint]) -> [Double] { zip(path, path.dropFirst()).map { hypot($1.w - $0.w, $1.b - $0.b) } }

    /// The first point of a path off the map.
    func leaves(_ path: [CliffPoint]) -> Int? {
        path.firstIndex { !wRange.contains($0.w) || !bRange.contains($0.b) }
    }

    func descent(_ path: [CliffPoint]) -> CliffMeasurement.Descent {
        .init(loss: path.last!.loss, largestStep: jumps(path).max() ?? 0, leftTheMap: leaves(path) != nil)
    }

    var measurement: CliffMeasurement { CliffMeasurement(plain: descent(plain), clipped: descent(clipped)) }

    var blocks: [Block] {
        let (w, b) = start
        func summary(_ path: [CliffPoint], _ name: String) -> Block {
            let jumps = jumps(path)
            let biggest = jumps.indices.max { jumps[$0] < jumps[$1] }
            let end = path.last!
            var text = "\(name): ends at w=\(NumberFormat.short(end.w)), b=\(NumberFormat.short(end.b)) with loss \(NumberFormat.short(end.loss))"
            if let k = biggest { text += "; largest step \(NumberFormat.short(jumps[k])) at step \(k + 1) (‖∇L‖ = \(NumberFormat.short(path[k].gradientNorm)))" }
            if let k = leaves(path) {
                let back = wRange.contains(end.w) && bRange.contains(end.b)
                text += "; leaves the map at step \(k)" + (back ? " and ends back on it" : "")
            } else {
                let tail = path.suffix(10).map(\.loss)
                text += "; stays on the map, its last \(tail.count) losses between \(NumberFormat.short(tail.min()!)) and \(NumberFormat.short(tail.max()!))"
            }
            return .text(text)
        }
        var notes: [Block] = [.note("start: w=\(NumberFormat.short(w)), b=\(NumberFormat.short(b)), loss \(NumberFormat.short(plain[0].loss)), ‖∇L‖ \(NumberFormat.short(plain[0].gradientNorm))")]
        if !wRange.contains(w) || !bRange.contains(b) {
            notes.append(.warning("the start is off the map; move the map with wrange=a..b and brange=a..b"))
        }
        let rule = Commands.describe(self.rule)
        return [
            .title("Pascanu's cliff: L(w, b) = (x_50 − 0.7)², x_t = w·σ(x_{t−1}) + b · start w=\(NumberFormat.short(w)), b=\(NumberFormat.short(b)) · lr \(NumberFormat.short(lr)) · \(steps) step\(steps == 1 ? "" : "s")"),
            .heatmap(Heatmap(title: "loss over (w, b)", valueName: "loss", x: .init("w", ws), y: .init("b", bs), values: surface,
                             scale: .log10, trajectories: [
                                 .init("clip \(rule)", clipped.map { (x: $0.w, y: $0.b) }),
                                 .init("no clipping", plain.map { (x: $0.w, y: $0.b) }),
                             ])),
        ] + notes + [
            summary(plain, "without clipping"),
            summary(clipped, "with clip \(rule)"),
        ]
    }

    var fields: [(String, JSON)] {
        let measured = measurement
        func pathJSON(_ path: [CliffPoint]) -> JSON { .array(path.map { .numbers([$0.w, $0.b, $0.loss, $0.gradientNorm]) }) }
        func descentJSON(_ descent: CliffMeasurement.Descent) -> [(String, JSON)] {
            [("loss", .number(descent.loss)), ("largest_step", .number(descent.largestStep)), ("left_the_map", .bool(descent.leftTheMap))]
        }
        return [
            ("w", .numbers(ws)), ("b", .numbers(bs)), ("loss", .array(surface.map(JSON.numbers))),
            ("start", .numbers([start.w, start.b])), ("lr", .number(lr)), ("steps", .integer(steps)), ("clip", Commands.clipJSON(rule)),
            ("paths", .array([
                .object([("clip", Commands.clipJSON(.none)), ("points", pathJSON(plain))] + descentJSON(measured.plain)),
                .object([("clip", Commands.clipJSON(rule)), ("points", pathJSON(clipped))] + descentJSON(measured.clipped)),
            ])),
        ]
    }
}

extension CliffLandscape {
    /// The surface on a 61 × 41 grid over the map, and the descents from (w, b) without clipping and
    /// with `rule`; `surface` is one measured before on the same map (it does not move with the start).
    init(start: (w: Double, b: Double), lr: Double, steps: Int, rule: ClipRule,
         wRange: ClosedRange<Double>, bRange: ClosedRange<Double>, surface: [[Double]]? = nil) {
        let model = CliffModel(), (columns, rows) = (61, 41)
        let ws = (0..<columns).map { wRange.lowerBound + Double($0) * (wRange.upperBound - wRange.lowerBound) / Double(columns - 1) }
        let bs = (0..<rows).map { bRange.lowerBound + Double($0) * (bRange.upperBound - bRange.lowerBound) / Double(rows - 1) }
        self.init(ws: ws, bs: bs, wRange: wRange, bRange: bRange, surface: surface ?? model.surface(ws: ws, bs: bs), start: start, lr: lr,
                  steps: steps, rule: rule, plain: model.descend(w: start.w, b: start.b, learningRate: lr, steps: steps, clip: .none),
                  clipped: model.descend(w: start.w, b: start.b, learningRate: lr, steps: steps, clip: rule))
    }
}
