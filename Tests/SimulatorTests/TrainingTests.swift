import Foundation
import Simulator
import Synchronization
import Testing

@Suite("Tasks: shapes, targets and the trivial predictor's loss")
struct TaskTests {
    @Test("each task's inputs and targets have the shapes it declares", arguments: TaskKind.allCases)
    func shapes(kind: TaskKind) {
        let task = TrainingTask(kind, length: 30)
        var rng = Xoshiro256(seed: 3, stream: "test")
        for sample in task.batch(8, &rng) {
            #expect(sample.inputs.rows == 30 && sample.inputs.cols == task.inputSize)
            #expect(sample.target.count == task.outputSize)
        }
    }

    @Test("adding marks exactly two steps, one in each half, and its target is the sum of their values")
    func addingTarget() {
        let task = TrainingTask(.adding, length: 100)
        var rng = Xoshiro256(seed: 5, stream: "test")
        for _ in 0..<200 {
            let s = task.sample(&rng)
            let marked = (0..<100).filter { s.inputs[$0, 1] == 1 }
            #expect(marked.count == 2)
            #expect(marked[0] < 50 && marked[1] >= 50)
            #expect(s.target[0] == s.inputs[marked[0], 0] + s.inputs[marked[1], 0])
            #expect((0..<100).allSatisfy { (0..<1).contains(s.inputs[$0, 0]) })
        }
    }

    @Test("order places X/Y near 10% and 50% among one-hot distractors, and the class encodes their order")
    func orderTarget() {
        let task = TrainingTask(.order, length: 100)
        var rng = Xoshiro256(seed: 8, stream: "test")
        for _ in 0..<200 {
            let s = task.sample(&rng)
            for t in 0..<100 { #expect((0..<6).reduce(0.0) { $0 + s.inputs[t, $1] } == 1) }
            let relevant = (0..<100).filter { s.inputs[$0, 4] == 1 || s.inputs[$0, 5] == 1 }
            #expect(relevant.count == 2)
            #expect((10..<20).contains(relevant[0]) && (50..<60).contains(relevant[1]))
            let a = s.inputs[relevant[0], 5] == 1 ? 1 : 0, b = s.inputs[relevant[1], 5] == 1 ? 1 : 0
            #expect(s.target == (0..<4).map { $0 == 2 * a + b ? 1.0 : 0.0 })
        }
    }

    @Test("memory asks for the first input, and every later input is 0")
    func memoryTarget() {
        let task = TrainingTask(.memory, length: 20)
        var rng = Xoshiro256(seed: 2, stream: "test")
        let s = task.sample(&rng)
        #expect(s.target == [s.inputs[0, 0]])
        #expect((1..<20).allSatisfy { s.inputs[$0, 0] == 0 })
    }

    @Test("the trivial predictor's loss matches its empirical value", arguments: [TaskKind.adding, .memory])
    func trivialLossIsTheBestConstant(kind: TaskKind) {
        let task = TrainingTask(kind, length: 20)
        var rng = Xoshiro256(seed: 11, stream: "test")
        let targets = (0..<40_000).map { _ in task.sample(&rng).target[0] }
        let mean = targets.reduce(0, +) / Double(targets.count)
        let loss = targets.reduce(0) { $0 + 0.5 * ($1 - mean) * ($1 - mean) } / Double(targets.count)
        #expect(abs(loss - task.trivialLoss!) < 0.03 * task.trivialLoss!)
    }

    @Test("order's trivial loss is ln 4: cross-entropy of a uniform guess over four classes")
    func orderTrivialLoss() {
        let (loss, gradient) = Loss.crossEntropy.evaluate(output: [0, 0, 0, 0], target: [0, 1, 0, 0])
        #expect(abs(loss - TrainingTask(.order, length: 20).trivialLoss!) < 1e-15)
        #expect(TrainingTask(.regress, length: 20).trivialLoss == nil)
        #expect(gradient == [0.25, -0.75, 0.25, 0.25])
    }

    @Test("cross-entropy stays finite for huge logits")
    func crossEntropyIsStable() {
        let (loss, gradient) = Loss.crossEntropy.evaluate(output: [1000, 0, -1000, 0], target: [0, 1, 0, 0])
        #expect(abs(loss - 1000) < 1e-9)
        #expect(!gradient.contains { !$0.isFinite })
    }
}

@Suite("Optimizers on problems with known answers")
struct OptimizerTests {
    /// f(θ) = ½‖θ − a‖², whose gradient is θ − a and whose minimum is a.
    func minimise(_ config: OptimizerConfig, steps: Int) -> [Double] {
        let a = [3.0, -2.0, 0.5]
        var parameters = [[0.0, 0.0, 0.0]]
        var optimizer = Optimizer(config)
        for _ in 0..<steps {
            optimizer.update(&parameters, gradients: [zip(parameters[0], a).map { $0 - $1 }])
        }
        return parameters[0]
    }

    @Test("every optimizer finds the minimum of a quadratic", arguments: [
        OptimizerConfig(.sgd, learningRate: 0.1), OptimizerConfig(.sgd, learningRate: 0.05, momentum: 0.9),
        OptimizerConfig(.adagrad, learningRate: 1), OptimizerConfig(.adam, learningRate: 0.05),
    ])
    func quadratic(config: OptimizerConfig) {
        let θ = minimise(config, steps: 3000)
        let close = zip(θ, [3.0, -2.0, 0.5]).allSatisfy { abs($0 - $1) < 1e-4 }
        #expect(close, "\(config.kind): \(θ)")
    }

    @Test("SGD takes exactly θ − lr·g; with momentum v ← μv + g")
    func sgdSteps() {
        var p = [[1.0]]
        var sgd = Optimizer(OptimizerConfig(.sgd, learningRate: 0.5, momentum: 0.9))
        sgd.update(&p, gradients: [[2.0]])
        #expect(p == [[0.0]])
        sgd.update(&p, gradients: [[2.0]])
        #expect(p == [[0.0 - 0.5 * (0.9 * 2 + 2)]])
    }

    @Test("Adagrad divides by the root of the accumulated squares (min-char-rnn)")
    func adagradSteps() {
        var p = [[1.0]]
        var opt = Optimizer(OptimizerConfig(.adagrad, learningRate: 0.1))
        opt.update(&p, gradients: [[2.0]])
        #expect(p[0][0] == 1 - 0.1 * 2 / (4 + 1e-8).squareRoot())
        opt.update(&p, gradients: [[1.0]])
        #expect(abs(p[0][0] - (1 - 0.1 * 2 / (4 + 1e-8).squareRoot() - 0.1 / (5 + 1e-8).squareRoot())) < 1e-15)
    }

    @Test("Adam's bias-corrected first step is lr·g/(|g| + ε)")
    func adamFirstStep() {
        var p = [[1.0, 1.0]]
        var opt = Optimizer(OptimizerConfig(.adam, learningRate: 0.01))
        opt.update(&p, gradients: [[4.0, -0.001]])
        #expect(abs(p[0][0] - (1 - 0.01 * 4 / (4 + 1e-8))) < 1e-15)
        #expect(abs(p[0][1] - (1 + 0.01 * 0.001 / (0.001 + 1e-8))) < 1e-15)
    }
}

@Suite("Training: reproducible, guarded against NaN, and measured")
struct TrainerTests {
    func setup(lr: Double, clip: ClipRule = .none, nonFinite: NonFinitePolicy = .stop, steps: Int = 40) throws -> (RNN, TrainingTask, TrainingConfig) {
        let spec = ModelSpec(hiddenSize: 8, length: 30, seed: 4, task: .adding)
        let config = TrainingConfig(steps: steps, batchSize: 8, optimizer: OptimizerConfig(.sgd, learningRate: lr), clip: clip, nonFinite: nonFinite, seed: 4)
        return (try spec.model(), spec.trainingTask, config)
    }

    @Test("the same seed gives bit-for-bit the same run")
    func reproducible() throws {
        let (model, task, config) = try setup(lr: 0.1)
        let a = train(model, on: task, config), b = train(model, on: task, config)
        #expect(a.records == b.records)
        #expect(a.model == b.model)
    }

    @Test("a run taken a step at a time is train's run, bit for bit, and carries on when lr and the rule change")
    func stepwise() throws {
        let (model, task, config) = try setup(lr: 0.1, steps: 20)
        var loop = TrainingLoop(model, on: task, config)
        for _ in 0..<20 { _ = loop.step() }
        let whole = train(model, on: task, config)
        #expect(loop.run.records == whole.records && loop.run.model == whole.model && loop.run.end == .completed)

        // lr = 0 from step 11: the weights stop where step 10 left them, and the batches carry on
        // (the loss still moves from batch to batch).
        var paused = TrainingLoop(model, on: task, config)
        for _ in 0..<10 { _ = paused.step() }
        let after10 = paused.model
        paused.config.optimizer.learningRate = 0
        paused.config.clip = .norm(threshold: 1e-6, order: .two, style: .gradlab)
        for _ in 0..<10 { _ = paused.step() }
        #expect(paused.model == after10)
        #expect(Array(paused.records.prefix(10)) == Array(whole.records.prefix(10)))
        #expect(paused.records[10].loss == whole.records[10].loss)  // the same weights and batch at step 11
        #expect(paused.records.suffix(10).allSatisfy { $0.clipped })
        #expect(paused.run.clipRate == 0.5)
    }

    @Test("a small learning rate lowers the loss below its start")
    func learns() throws {
        let (model, task, config) = try setup(lr: 0.1, steps: 200)
        let run = train(model, on: task, config)
        #expect(run.end == .completed)
        #expect(run.finalLoss < run.records[0].loss)
    }

    @Test("the recorded norms are the batch gradient's, before and after clipping")
    func recordsNorms() throws {
        let (model, task, config) = try setup(lr: 0.1, clip: .norm(threshold: 0.01, order: .two, style: .gradlab), steps: 1)
        let run = train(model, on: task, config)
        var rng = Xoshiro256(seed: 4, stream: "batches")
        let (loss, gradients) = batchGradient(model, task.batch(8, &rng), loss: task.loss).map { ($0.loss, $0.gradients) }!
        #expect(run.records[0].loss == loss)
        #expect(run.records[0].preClipNorm == VectorNorm.of(gradients))
        #expect(abs(run.records[0].postClipNorm - 0.01) < 1e-15)
        #expect(run.records[0].clipped)
    }

    // n = 64 and 65 are enough work to split the batch over the cores; 65 takes the row form, two
    // examples at a time, with an odd one left over in a group of 15; 12 and 5 leave rows over.
    @Test("a batch's gradient is the mean of its examples' BPTT gradients, bit for bit, on one thread or several",
          arguments: [(8, 50, Activation.tanh, nil as Double?, 32, RecurrentCell.rnn), (8, 50, .relu, 0.01, 32, .rnn),
                      (64, 100, .tanh, nil, 32, .rnn), (65, 20, .tanh, nil, 31, .rnn), (12, 30, .sigmoid, nil, 7, .rnn),
                      (5, 30, .linear, 0.01, 3, .rnn), (8, 50, .tanh, nil, 32, .lstm), (33, 40, .tanh, 0.001, 31, .lstm),
                      (8, 50, .tanh, nil, 32, .gru), (33, 40, .tanh, 0.001, 31, .gru)])
    func batchGradientIsTheMeanOfBPTT(n: Int, T: Int, act: Activation, errorClip: Double?, size: Int, cell: RecurrentCell) throws {
        let model = try ModelSpec(hiddenSize: n, length: T, activation: act, spectralRadius: 1.1, seed: 3, task: .adding, cell: cell).model()
        let task = TrainingTask(.adding, length: T)
        var rng = Xoshiro256(seed: 9, stream: "batches")
        let batch = task.batch(size, &rng)
        let whole = try #require(batchGradient(model, batch, loss: task.loss, errorClip: errorClip))
        let (loss, gradients, clamped) = (whole.loss, whole.gradients, whole.clamped)
        var total = 0.0, clampedAlone = 0
        var sum = model.parameters.map { [Double](repeating: 0, count: $0.count) }
        for sample in batch {
            let alone = bptt(model, sample, loss: task.loss, errorClip: errorClip)
            total += alone.loss
            clampedAlone += alone.clampedErrors
            for (k, tensor) in alone.gradients.tensors.enumerated() { for i in tensor.indices { sum[k][i] += tensor[i] } }
        }
        let scale = 1 / Double(size)
        #expect(loss == total * scale)
        #expect(gradients == sum.map { $0.map { $0 * scale } })
        #expect(clamped == clampedAlone)
        if errorClip != nil { #expect(clamped > 0) }
    }

    @Test("nonfinite=stop reports the step and keeps the last finite weights")
    func stopsAtTheFirstNaN() throws {
        let (model, task, config) = try setup(lr: 1e6)
        let run = train(model, on: task, config)
        guard case .diverged(let step) = run.end else { Issue.record("expected divergence, got \(run.end)"); return }
        #expect(run.firstNonFiniteStep == step)
        #expect(run.model.parameters.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(run.records.count == step)
    }

    @Test("nonfinite=skip skips up to N updates in a row, then applies one and gives up (optax apply_if_finite)")
    func skipsThenGivesUp() throws {
        var (model, task, config) = try setup(lr: 0.1, nonFinite: .skip(maxConsecutive: 3))
        model.W.storage[0] = .nan  // every step is non-finite from the start
        let run = train(model, on: task, config)
        #expect(run.end == .gaveUp(step: 4))
        #expect(run.records.prefix(3).map(\.skipped) == [true, true, true])
        #expect(!run.records[3].skipped)
    }

    @Test("nonfinite=propagate runs every step and lets NaN into the weights")
    func propagates() throws {
        let (model, task, config) = try setup(lr: 1e6, nonFinite: .propagate)
        let run = train(model, on: task, config)
        #expect(run.end == .completed && run.records.count == 40)
        #expect(run.firstNonFiniteStep != nil)
        #expect(run.losses.last!.isNaN)
    }

    @Test("clipping the norm rescues a learning rate at which plain SGD diverges")
    func clippingRescues() throws {
        let (model, task, plain) = try setup(lr: 3, steps: 150)
        var clipped = plain
        clipped.clip = .norm(threshold: 1, order: .two, style: .gradlab)
        #expect(train(model, on: task, plain).diverged)
        let rescued = train(model, on: task, clipped)
        #expect(!rescued.diverged && rescued.finalLoss.isFinite)
    }

    @Test("signal clipping counts a step as clipped when it clamped an error inside BPTT")
    func signalClippingIsCounted() throws {
        let (model, task, config) = try setup(lr: 0.1, clip: .signal(threshold: 1e-3), steps: 5)
        let run = train(model, on: task, config)
        #expect(run.clipRate == 1)
        var loose = config
        loose.clip = .signal(threshold: 1e6)
        #expect(train(model, on: task, loose).clipRate == 0)
    }

    @Test("a stop request ends the run between steps")
    func interrupts() throws {
        let (model, task, config) = try setup(lr: 0.1)
        let done = Mutex(0)
        let run = train(model, on: task, config, shouldStop: { done.withLock { $0 >= 5 } }, progress: { step in done.withLock { $0 = step } })
        #expect(run.end == .interrupted(step: 5) && run.records.count == 5)
    }

    @Test("a stop request inside a step's passes ends the run before that step, with nothing of it applied")
    func interruptsWithinAStep() throws {
        var (model, task, config) = try setup(lr: 0.1)
        task.length = 300  // asked before the step, then every 64 time steps
        let asked = Mutex(0)
        let run = train(model, on: task, config, shouldStop: { asked.withLock { $0 += 1; return $0 > 3 } })
        #expect(run.end == .interrupted(step: 0) && run.records.isEmpty && run.model == model)
    }

    @Test("the suggested threshold is the mean warm-up gradient norm")
    func suggestion() throws {
        let (model, task, config) = try setup(lr: 0.1, steps: 20)
        let s = suggestThreshold(model, on: task, config)
        let norms = train(model, on: task, config).preClipNorms
        #expect(abs(s.mean - norms.reduce(0, +) / 20) < 1e-12 * s.mean)
        #expect(s.low == 0.5 * s.mean && s.high == 10 * s.mean)
    }
}

@Suite("Pascanu's cliff")
struct CliffTests {
    @Test("the backpropagated gradient matches central finite differences")
    func gradient() {
        let model = CliffModel()
        for (w, b) in [(5.0, -2.6), (3.0, -1.0), (7.0, -3.5), (-1.0, 0.5)] {
            let (_, dw, db) = model.lossAndGradient(w: w, b: b)
            let h = 1e-6
            let fw = (model.loss(w: w + h, b: b) - model.loss(w: w - h, b: b)) / (2 * h)
            let fb = (model.loss(w: w, b: b + h) - model.loss(w: w, b: b - h)) / (2 * h)
            #expect(abs(dw - fw) <= 1e-5 * max(1, abs(fw)))
            #expect(abs(db - fb) <= 1e-5 * max(1, abs(fb)))
        }
    }

    @Test("a wall: the loss jumps across a tiny change of b near w = 5")
    func wall() {
        let model = CliffModel()
        #expect(model.loss(w: 5, b: -2.625) > 5 && model.loss(w: 5, b: -2.6) < 1)
    }

    @Test("from w=5, b=−2.6 plain descent is thrown off the map; clipped descent keeps every step ≤ lr·τ")
    func descents() {
        let model = CliffModel()
        let plain = model.descend(w: 5, b: -2.6, learningRate: 0.01, steps: 60, clip: .none)
        let clipped = model.descend(w: 5, b: -2.6, learningRate: 0.01, steps: 60, clip: .norm(threshold: 1, order: .two, style: .gradlab))
        let jump = zip(plain, plain.dropFirst()).map { hypot($1.w - $0.w, $1.b - $0.b) }.max()!
        #expect(jump > 10)
        let steps = zip(clipped, clipped.dropFirst()).map { hypot($1.w - $0.w, $1.b - $0.b) }
        let bounded = steps.allSatisfy { $0 <= 0.01 * (1 + 1e-12) }
        #expect(bounded)
        #expect(clipped.count == 61)
    }
}
