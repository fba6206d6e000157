import Render
import Simulator

/// What bptt, grad and train say about a pass stored in a narrow format: the format and loss scale
/// in a title, what the stores lost, and how a dynamic loss scale moved.
enum PrecisionWording {
    /// " · fp16 · loss scale 65536" (nothing at fp64 without a scale).
    static func title(_ precision: Precision, _ lossScale: LossScale) -> String {
        guard precision != .fp64 || lossScale != .none else { return "" }
        return " · \(precision.rawValue)" + (lossScale == .none ? "" : " · loss scale \(spec(lossScale))")
    }

    static func spec(_ scale: LossScale) -> String {
        switch scale {
        case .none: "none"
        case .dynamic: "dynamic"
        case .fixed(let s): number(s)
        }
    }

    /// A scale as people write one: whole numbers in full (65536), others short.
    static func number(_ x: Double) -> String {
        x >= 1 && x < 1e15 && x == x.rounded() ? String(Int(x)) : NumberFormat.short(x)
    }

    /// 123840000 as "123,840,000".
    static func count(_ k: Int) -> String {
        var digits = String(k), groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(Substring(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        return ([Substring(digits)] + groups).joined(separator: ",")
    }

    /// "of 1,298 values stored in fp16, 32% were 0 and none ±Inf".
    static func stores(_ tally: StoreTally, _ precision: Precision) -> String {
        guard tally.stored > 0 else { return "nothing was stored in \(precision.rawValue)" }
        func share(_ k: Int) -> String {
            let fraction = Double(k) / Double(tally.stored)
            return k == 0 ? "none" : fraction < 0.0005 ? "under 0.1%" : TrainingWording.percent(fraction)
        }
        return "of the \(count(tally.stored)) values stored in \(precision.rawValue), \(share(tally.zeros)) were 0 and \(share(tally.infinities)) ±Inf"
    }

    /// The format's range, for the sentence after a pass: "fp16 keeps 6e-08 to 65504".
    static func range(_ precision: Precision) -> String {
        "\(precision.rawValue) holds numbers from \(NumberFormat.short(precision.smallestSubnormal)) to \(number(precision.largest))"
    }

    /// The note under a bptt or grad pass stored in a narrow format (nil at fp64 without a scale).
    static func passNote(_ result: BPTTResult) -> Block? {
        guard result.precision != .fp64 || result.lossScale != 1 else { return nil }
        let norms = result.deltaNorms, T = norms.count - 1
        var sentence = "\(stores(result.tally, result.precision)) (\(range(result.precision))"
        if result.lossScale != 1 { sentence += "; ∂L/∂y was multiplied by \(number(result.lossScale)), and the errors shown are divided by it again" }
        sentence += ")"
        // The step from which back the error is exactly 0: the format lost it there.
        if T > 0, norms[T] > 0, let lost = stride(from: T, through: 0, by: -1).first(where: { norms[$0] == 0 }) {
            sentence += "; ‖∂L/∂h_t‖₂ is exactly 0 from t=\(lost) back"
        }
        return .note(sentence)
    }

    /// The JSON of a pass's format: precision, loss scale, and its stores' tally.
    static func passFields(_ result: BPTTResult) -> [(String, JSON)] {
        [("precision", .string(result.precision.rawValue)), ("loss_scale", .number(result.lossScale))] + tallyFields(result.tally)
    }

    static func tallyFields(_ tally: StoreTally) -> [(String, JSON)] {
        [("stored", .integer(tally.stored)), ("stored_zeros", .integer(tally.zeros)), ("stored_infinities", .integer(tally.infinities))]
    }

    /// The JSON of a run's format: every step's loss scale and skips, and the stores' tally.
    static func runFields(_ run: TrainingRun) -> [(String, JSON)] {
        [("loss_scales", .numbers(run.records.map(\.lossScale))), ("skipped", .array(run.records.map { .bool($0.skipped) }))]
            + tallyFields(run.tally)
    }

    /// The blocks under a training run stored in a narrow format or loss-scaled: what the stores
    /// lost over the run, and the scale's moves under loss_scale=dynamic.
    static func runBlocks(_ run: TrainingRun, _ config: TrainingConfig) -> [Block] {
        guard config.emulatesPrecision else { return [] }
        let order = config.unscale == .beforeClip ? "unscale_ then clip" : "clip, then unscale_ (the scaled gradient was clipped)"
        let stored = config.precision == .fp64 ? "fp64 rounds nothing, and the optimizer kept Float64 weights"
            : "\(stores(run.tally, config.precision)) over the run (\(range(config.precision))); the optimizer kept float32 weights"
        var blocks: [Block] = [.note("\(stored); \(order)")]
        guard config.lossScale == .dynamic, let first = run.records.first else { return blocks }
        let steps = (1...run.records.count).map(Double.init)
        blocks.insert(.lineChart(LineChart(title: "loss scale per step (GradScaler)", xName: "step", x: steps,
                                           series: [.init("scale", run.records.map(\.lossScale))], yScale: .log10)), at: 0)
        // Each change of scale: the step it first applied to, and why.
        var moves: [String] = []
        var backoffs = 0, growths = 0
        for (k, (a, b)) in zip(run.records, run.records.dropFirst()).enumerated() where a.lossScale != b.lossScale {
            if b.lossScale < a.lossScale { backoffs += 1 } else { growths += 1 }
            moves.append("\(number(b.lossScale)) at step \(k + 2)")
        }
        let skipped = run.records.filter(\.skipped).count
        let shown = moves.count <= 8 ? moves : Array(moves.prefix(4)) + ["…"] + Array(moves.suffix(3))
        let path = ([number(first.lossScale) + " at step 1"] + shown).joined(separator: " → ")
        blocks.append(.text("loss scale: " + path))
        let halved = backoffs == 0 ? "no gradient overflowed, so the scale was never halved"
            : "\(skipped) step\(skipped == 1 ? "" : "s") skipped because the gradient overflowed, each halving the scale"
        let doubled = growths == 0 ? "it never doubled (that takes \(LossScale.growthInterval) good steps in a row)"
            : "it doubled \(growths) time\(growths == 1 ? "" : "s"), each after \(LossScale.growthInterval) good steps in a row"
        blocks.append(.text("\(halved); \(doubled)"))
        return blocks
    }
}
