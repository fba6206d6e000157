import Foundation
import Simulator
import Testing

/// PyTorch's own float16 and bfloat16 conversions and GradScaler, run once by
/// Tests/Fixtures/Torch/make_precision.py into precision.json.
struct PrecisionFixture: Decodable {
    var torch_version: String
    /// [x, torch's float16 of x]
    var fp16: [[Double]]
    /// [a float32 x, torch's bfloat16 of x]
    var bf16: [[Double]]
    /// For each step: [the gradient was made infinite, the scale the step used, the step was skipped].
    var scaler: [[ScalerStep]]

    enum ScalerStep: Decodable {
        case flag(Bool), number(Double)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) } else { self = .number(try c.decode(Double.self)) }
        }
        var flag: Bool { if case .flag(let b) = self { b } else { false } }
        var number: Double { if case .number(let x) = self { x } else { .nan } }
    }

    static let loaded: PrecisionFixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Torch/precision.json")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try! decoder.decode(PrecisionFixture.self, from: Data(contentsOf: url))
    }()
}

@Suite("Precision: rounding to fp32, bf16 and fp16, loss scaling after GradScaler")
struct PrecisionTests {
    /// Doubles over the whole range that matters: every binade from 2⁻¹⁶⁰ to 2¹³⁰, both signs.
    func samples(_ count: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256(seed: seed, stream: "precision")
        return (0..<count).map { _ in
            let significand = 1 + rng.uniform()
            let exponent = Int(rng.uniform() * 290) - 160
            return (rng.uniform() < 0.5 ? -1 : 1) * Double(sign: .plus, exponent: exponent, significand: significand)
        }
    }

    @Test("fp32 rounds as the processor's conversion to Float does")
    func fp32() {
        for x in samples(20_000, seed: 1) + [Double(Float.greatestFiniteMagnitude) * (1 + 0x1p-25), 0x1p-150, 0x1p-150 * 1.5, -0.0] {
            #expect(Precision.fp32.round(x).bitPattern == Double(Float(x)).bitPattern, "\(x)")
        }
    }

    @Test("fp16 rounds as Swift's Float16 does: to 65504, then Inf; subnormals down to 2⁻²⁴, then 0")
    func fp16() {
        for x in samples(20_000, seed: 2) {
            #expect(Precision.fp16.round(x).bitPattern == Double(Float16(x)).bitPattern, "\(x)")
        }
        let p = Precision.fp16
        #expect(p.largest == 65504 && p.smallestNormal == 0x1p-14 && p.smallestSubnormal == 0x1p-24)
        #expect(p.round(65519.99) == 65504 && p.round(65520) == .infinity && p.round(-1e6) == -.infinity)
        #expect(p.round(0x1p-24) == 0x1p-24 && p.round(0x1p-25) == 0 && p.round(0x1p-25 * 1.0001) == 0x1p-24)
        #expect(p.round(-1e-9).sign == .minus && p.round(-1e-9) == 0)
        #expect(p.round(.nan).isNaN && p.round(-.infinity) == -.infinity)
    }

    @Test("bf16 keeps float32's exponents and 8 significant bits, rounding to nearest even")
    func bf16() {
        // Against the bit-level rounding of a float32 (as PyTorch and ml_dtypes round one):
        // add 0x7FFF plus the lowest kept bit, then drop the low 16 bits.
        var rng = Xoshiro256(seed: 3, stream: "bf16")
        for x in samples(20_000, seed: 3) + (0..<2000).map({ _ in Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }) {
            let f = Float(x)
            guard Double(f) == x, f.isFinite else { continue }
            let bits = f.bitPattern
            let rounded = Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
            #expect(Precision.bf16.round(x).bitPattern == Double(rounded).bitPattern, "\(x)")
        }
        #expect(Precision.bf16.largest == Double(Float(bitPattern: 0x7F7F_0000)))
        #expect(Precision.bf16.round(1 + 0x1p-8) == 1 && Precision.bf16.round(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
    }

    @Test("fp16 and bf16 round as PyTorch's conversions do")
    func agreesWithPyTorch() {
        let fixture = PrecisionFixture.loaded
        #expect(fixture.fp16.count > 1000 && fixture.bf16.count > 1000)
        for pair in fixture.fp16 { #expect(Precision.fp16.round(pair[0]).bitPattern == pair[1].bitPattern, "\(pair[0])") }
        for pair in fixture.bf16 { #expect(Precision.bf16.round(pair[0]).bitPattern == pair[1].bitPattern, "\(pair[0])") }
    }

    @Test("the scale of every step, and which steps are skipped, are GradScaler's over 4,500 steps of PyTorch")
    func scalerAgreesWithPyTorch() {
        var scaler = DynamicScale()
        for (k, step) in PrecisionFixture.loaded.scaler.enumerated() {
            let (bad, used, skipped) = (step[0].flag, step[1].number, step[2].flag)
            #expect(scaler.scale == used, "step \(k + 1)")
            #expect(skipped == bad, "step \(k + 1)")
            scaler.update(finite: !bad)
        }
    }

    @Test("GradScaler's rules: start at 2¹⁶, halve on a non-finite gradient, double after 2000 good steps in a row")
    func scaler() {
        var scaler = DynamicScale()
        #expect(scaler.scale == 65536 && LossScale.dynamic.initial == 65536)
        scaler.update(finite: false)
        #expect(scaler.scale == 32768 && scaler.goodSteps == 0)
        for _ in 0..<1999 { scaler.update(finite: true) }
        #expect(scaler.scale == 32768 && scaler.goodSteps == 1999)
        scaler.update(finite: false)  // a bad step starts the count again
        #expect(scaler.scale == 16384 && scaler.goodSteps == 0)
        for _ in 0..<2000 { scaler.update(finite: true) }
        #expect(scaler.scale == 32768 && scaler.goodSteps == 0)
    }

    func setup(_ precision: Precision, lossScale: LossScale = .none, rho: Double = 1, T: Int = 30, steps: Int = 20,
               clip: ClipRule = .none) throws -> (RNN, TrainingTask, TrainingConfig) {
        let spec = ModelSpec(hiddenSize: 8, length: T, spectralRadius: rho, seed: 4, task: .adding)
        var config = TrainingConfig(steps: steps, batchSize: 8, optimizer: OptimizerConfig(.sgd, learningRate: 0.1), clip: clip, seed: 4)
        config.precision = precision
        config.lossScale = lossScale
        return (try spec.model(), spec.trainingTask, config)
    }

    @Test("a power-of-two loss scale at fp64 changes no bit of the run (B = 8 keeps S/B a power of two)")
    func exactScaling() throws {
        let (model, task, plain) = try setup(.fp64)
        var scaled = plain
        scaled.lossScale = .fixed(1024)
        let a = train(model, on: task, plain), b = train(model, on: task, scaled)
        #expect(a.records.map(\.loss) == b.records.map(\.loss) && a.model == b.model)
        #expect(b.records.allSatisfy { $0.lossScale == 1024 })
    }

    @Test("fp16 without a loss scale flushes the vanishing errors to zero many steps sooner than with a scale of 2¹⁶")
    func underflow() throws {
        let (model, task, config) = try setup(.fp16, rho: 0.5, T: 40, steps: 3)
        let bare = train(model, on: task, config)
        var scaled = config
        scaled.lossScale = .fixed(65536)
        let kept = train(model, on: task, scaled)
        let (a, b) = (bare.records[0].tally, kept.records[0].tally)
        #expect(a.stored == b.stored && a.stored > 0)
        #expect(2 * a.zeros > 3 * b.zeros, "zeros: \(a.zeros) against \(b.zeros) of \(a.stored)")
        #expect(bare.records.allSatisfy { $0.lossScale == 1 })
    }

    @Test("loss_scale=dynamic skips an overflowing step and halves the scale until the gradient fits, then trains on")
    func backsOff() throws {
        let (model, task, config) = try setup(.fp16, lossScale: .dynamic, rho: 1.5, steps: 30)
        let run = train(model, on: task, config)
        #expect(run.records[0].lossScale == 65536 && run.records[0].skipped && run.records[0].tally.infinities > 0)
        // Each skipped step halves the scale of the next; each applied one keeps it.
        for (a, b) in zip(run.records, run.records.dropFirst()) {
            #expect(b.lossScale == (a.skipped ? a.lossScale / 2 : a.lossScale))
        }
        let applied = run.records.filter { !$0.skipped }
        #expect(!applied.isEmpty && applied.allSatisfy { $0.tally.infinities == 0 && $0.preClipNorm.isFinite })
        #expect(run.end == .completed && run.model.parameters.joined().allSatisfy(\.isFinite))
    }

    @Test("value clipping after unscale_ does not hide an overflow from GradScaler: the step is skipped all the same")
    func valueClippingKeepsTheSkip() throws {
        let (model, task, config) = try setup(.fp16, lossScale: .dynamic, rho: 1.4, T: 20, steps: 10, clip: .value(threshold: 0.1))
        let run = train(model, on: task, config)
        // The first step's gradient is +Inf, not NaN: value clipping alone would have made it finite.
        #expect(run.records[0].preClipNorm == .infinity)
        #expect(run.records[0].skipped && run.records[1].lossScale == 32768)
    }

    @Test("clipping the scaled gradient (before unscale_) clips every step and shrinks the update by the scale")
    func clipBeforeUnscale() throws {
        let rule = ClipRule.norm(threshold: 1, order: .two, style: .torch)
        var (model, task, config) = try setup(.fp16, lossScale: .fixed(1024), steps: 20, clip: rule)
        let right = train(model, on: task, config)
        config.unscale = .afterClip
        let wrong = train(model, on: task, config)
        #expect(wrong.clipRate == 1 && right.clipRate < 0.5, "\(wrong.clipRate) against \(right.clipRate)")
        // The wrong order's update is τ/S: the norm it applies is 1/1024 of τ, to float32's rounding.
        #expect(wrong.records.allSatisfy { abs($0.postClipNorm - 1.0 / 1024) < 1e-6 })
        model = right.model
        #expect(model != wrong.model)
    }

    @Test("below fp64 the weights the optimizer keeps are float32 numbers")
    func masterWeights() throws {
        let (model, task, config) = try setup(.bf16, steps: 5)
        let run = train(model, on: task, config)
        #expect(run.model.parameters.joined().allSatisfy { Double(Float($0)) == $0 })
        #expect(run.model.stored(in: .bf16).parameters.joined().allSatisfy { Precision.bf16.round($0) == $0 })
    }
}
