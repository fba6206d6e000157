/// What to do when a step's loss or gradient is NaN or infinite.
public enum NonFinitePolicy: Sendable, Equatable {
    /// Stop and report "diverged at step k", keeping the last finite weights (the default).
    case stop
    /// optax `apply_if_finite`: skip an update whose gradient is not finite (a non-finite loss with a
    /// finite gradient is applied, as optax looks only at the updates) and count consecutive
    /// failures; after more than `maxConsecutive` in a row the update is applied anyway (optax's
    /// behaviour), which lets the NaN or Inf into the weights, so the run ends there ("gave up").
    case skip(maxConsecutive: Int)
    /// Let the NaN through and carry on, to show what happens without any guard.
    case propagate
}

public struct TrainingConfig: Sendable, Equatable {
    public var steps: Int
    public var batchSize: Int
    public var optimizer: OptimizerConfig
    public var clip: ClipRule
    public var nonFinite: NonFinitePolicy
    /// Seed of the stream the batches are drawn from: the same seed gives the same batches.
    public var seed: UInt64
    /// The format the passes store their values in (see `TrainingLoop` for what is rounded where).
    public var precision: Precision = .fp64
    public var lossScale: LossScale = .none
    /// Whether `unscale_` comes before clipping (right) or after it, so that the scaled gradient is
    /// clipped (the classic mistake).
    public var unscale: UnscaleOrder = .beforeClip

    public init(steps: Int = 200, batchSize: Int = 32, optimizer: OptimizerConfig = OptimizerConfig(),
                clip: ClipRule = .none, nonFinite: NonFinitePolicy = .stop, seed: UInt64 = 1) {
        self.steps = steps
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.clip = clip
        self.nonFinite = nonFinite
        self.seed = seed
    }

    /// Whether the passes round or scale anything: below fp64, or with a loss scale.
    public var emulatesPrecision: Bool { precision != .fp64 || lossScale != .none }
}

/// Where `GradScaler.unscale_` comes: before clipping, as PyTorch's documentation has it, or after,
/// so that the clipping rule sees the scaled gradient.
public enum UnscaleOrder: String, Sendable, CaseIterable {
    case beforeClip = "before_clip"
    case afterClip = "after_clip"
}

/// One training step as it happened.
public struct StepRecord: Sendable, Equatable {
    /// Mean loss over the batch, before the update.
    public var loss: Double
    /// ‖g‖₂ of the mean gradient before clipping, and after.
    public var preClipNorm: Double
    public var postClipNorm: Double
    public var clipped: Bool
    /// The update was not applied: skipped by nonfinite=skip or by dynamic loss scaling, or the step
    /// that stopped the run.
    public var skipped: Bool
    /// The loss scale the step's backward pass used (1 without loss scaling).
    public var lossScale = 1.0
    /// What storing the step's values in a narrow format lost (all zero at fp64).
    public var tally = StoreTally()
}

public enum TrainingEnd: Sendable, Equatable {
    case completed
    /// Stopped at this step because its loss or gradient was not finite (nonfinite=stop).
    case diverged(step: Int)
    /// More consecutive non-finite steps than nonfinite=skip allows, ending at this step.
    case gaveUp(step: Int)
    /// Ctrl-C (or another stop request) after this many steps.
    case interrupted(step: Int)
}

public struct TrainingRun: Sendable {
    public var records: [StepRecord]
    public var end: TrainingEnd
    /// The weights at the end (for a stopped run: the last finite ones).
    public var model: RNN
    /// The first step whose loss or gradient was not finite, if any.
    public var firstNonFiniteStep: Int?

    public var losses: [Double] { records.map(\.loss) }
    public var preClipNorms: [Double] { records.map(\.preClipNorm) }
    /// Fraction of the steps whose gradient was clipped.
    public var clipRate: Double { records.isEmpty ? 0 : Double(records.filter(\.clipped).count) / Double(records.count) }
    /// The largest finite pre-clip norm (NaN when there was none).
    public var maxNorm: Double { records.map(\.preClipNorm).filter(\.isFinite).max() ?? .nan }
    /// Mean loss over the last tenth of the updates that were applied (at least one): less noisy
    /// than the last batch. Skipped steps (nonfinite=skip) do not count: the weights did not move.
    public var finalLoss: Double {
        let applied = records.filter { !$0.skipped }
        guard !applied.isEmpty else { return records.last?.loss ?? .nan }
        let tail = applied.suffix(max(1, applied.count / 10))
        return tail.reduce(0) { $0 + $1.loss } / Double(tail.count)
    }
    /// What storing the run's values in a narrow format lost, over every step.
    public var tally: StoreTally {
        var total = StoreTally()
        for record in records { total += record.tally }
        return total
    }
    /// How many steps were not applied (skipped by nonfinite=skip, or the step that stopped a run).
    public var skippedSteps: Int { records.filter(\.skipped).count }
    public var diverged: Bool { firstNonFiniteStep != nil }
}

/// A batch's mean loss and gradient, how many error components `errorClip` clamped on the way, and
/// what storing the passes' values in a narrow format lost.
public struct BatchGradient: Sendable {
    public var loss: Double
    /// The mean gradient; below fp64 or with a loss scale S, the gradient of S × the mean loss,
    /// rounded to the format (the caller unscales it).
    public var gradients: [[Double]]
    public var clamped: Int
    public var tally = StoreTally()
}

/// The mean loss and mean gradient of a model over a batch, and how many error components
/// `errorClip` clamped on the way. The batch is backpropagated a time step at a time for a group of
/// examples at once (`BackpropBatch`); a wave of groups, one a thread, holds at most 64 MiB of
/// buffers and examples, and the groups run on every core when the work pays for the threads (2¹⁸
/// multiply-adds or more). The examples' gradients are summed in their order, so the numbers depend
/// neither on the number of threads nor on the grouping. Nil when `shouldStop` said yes before every
/// example was done (one step of a large batch can take many seconds).
///
/// Below fp64, or with a loss scale S, each example's ∂L/∂y is multiplied by S/B (the loss scale and
/// the batch mean's 1/B, as a framework's backward pass of S × mean loss has it) and the passes store
/// their values in `precision`; the examples' gradients are summed in Float64 and the sum is rounded
/// to `precision`, once: it is the gradient of S × the mean loss, still scaled.
public func batchGradient(_ model: RNN, _ batch: [Sample], loss: Loss, errorClip: Double? = nil,
                          precision: Precision = .fp64, lossScale: Double = 1,
                          shouldStop: @Sendable () -> Bool = { false }) -> BatchGradient? {
    var workspaces: [BackpropBatch] = []
    var next = 0
    return batchGradient(model, count: batch.count, length: batch.first?.length ?? 0, exampleSize: batch.first.map { $0.inputs.storage.count + $0.target.count } ?? 0,
                         draw: { k in defer { next += k }; return Array(batch[next..<next + k]) },
                         loss: loss, errorClip: errorClip, precision: precision, lossScale: lossScale,
                         workspaces: &workspaces, shouldStop: shouldStop)
}

/// The most a wave of a training step's groups holds: their buffers and their examples.
public let batchWaveBytes = 64 << 20

/// `batchGradient` over `count` examples of one length, which `draw(k)` gives k at a time in order,
/// as each wave of groups starts (a batch of 1,024 sequences of the order task at T = 10,000 is
/// 470 MiB of inputs, where a wave holds 64 MiB); `exampleSize` is the numbers in an example's inputs
/// and target. With the buffers of the last step, one set a thread (reused when the shapes are
/// the same).
func batchGradient(_ model: RNN, count: Int, length T: Int, exampleSize: Int, draw: (Int) -> [Sample], loss: Loss, errorClip: Double?,
                   precision: Precision = .fp64, lossScale: Double = 1,
                   workspaces: inout [BackpropBatch], shouldStop: @Sendable () -> Bool) -> BatchGradient? {
    let emulated = precision != .fp64 || lossScale != 1
    let n = model.hiddenSize
    let threads = count * T * model.cell.gates * n * n < 1 << 18 ? 1 : processorCount
    let layout = GradientLayout(model), size = layout.count  // of one example's gradient
    let bytesPerExample = BackpropBatch.bytesPerExample(model, length: T) + exampleSize * MemoryLayout<Double>.size
    let groupSize = max(1, min((count + threads - 1) / threads, batchWaveBytes / threads / max(1, bytesPerExample)))
    let groups = stride(from: 0, to: count, by: groupSize).map { $0..<min($0 + groupSize, count) }

    var total = 0.0
    var clamped = 0
    var tally = StoreTally()
    var sum = [Double](repeating: 0, count: size)
    func add(_ pass: BackpropBatch) {
        clamped += pass.clamped
        tally += pass.tally
        sum.withUnsafeMutableBufferPointer { sum in
        pass.gradients.withUnsafeBufferPointer { gradients in
            for e in 0..<pass.count {
                total += pass.loss[e]
                let gradient = gradients.baseAddress! + e * size
                for i in 0..<size { sum[i] += gradient[i] }
            }
        }}
    }
    // Groups in waves of one a thread, each wave summed in order before the next starts.
    while workspaces.count < threads { workspaces.append(BackpropBatch()) }
    for wave in stride(from: 0, to: groups.count, by: threads) {
        if shouldStop() { return nil }
        let members = Array(groups[wave..<min(wave + threads, groups.count)])
        let first = members[0].lowerBound
        let examples = draw(members[members.count - 1].upperBound - first)
        let complete = workspaces.withUnsafeMutableBufferPointer { pool in
            nonisolated(unsafe) let pool = pool  // member k uses pool[k] alone
            return parallelMap(members.count, serial: members.count == 1) { k in
                pool[k].reserve(model, length: T, count: members[k].count, deltaNorms: false)
                return pool[k].run(model, examples[(members[k].lowerBound - first)..<(members[k].upperBound - first)], loss: loss,
                                   errorClip: errorClip, precision: precision, lossFactor: emulated ? lossScale / Double(count) : 1,
                                   recordNorms: false, shouldStop: shouldStop) == .complete
            }
        }
        guard complete.allSatisfy({ $0 }) else { return nil }
        for k in members.indices { add(workspaces[k]) }
    }
    let scale = 1 / Double(count)
    if emulated { sum.withUnsafeMutableBufferPointer { precision.store($0.baseAddress!, size, into: &tally) } }
    let gradients = layout.tensors.map { tensor in emulated ? Array(sum[tensor]) : sum[tensor].map { $0 * scale } }
    return BatchGradient(loss: total * scale, gradients: gradients, clamped: clamped, tally: tally)
}

/// Trains `model` on `task` with mini-batch gradient descent: for every step it draws a batch,
/// backpropagates, clips, updates, and records the loss and the gradient norms.
/// `shouldStop` is asked before every step and within it (every 64 time steps of the batch's
/// passes, or every step when a step is much work); `progress` is told after every step.
public func train(_ model: RNN, on task: TrainingTask, _ config: TrainingConfig,
                  shouldStop: @Sendable () -> Bool = { false }, progress: (Int) -> Void = { _ in }) -> TrainingRun {
    var loop = TrainingLoop(model, on: task, config)
    loop.records.reserveCapacity(config.steps)
    while loop.records.count < config.steps, loop.step(shouldStop: shouldStop) != nil {
        progress(loop.records.count)
    }
    return loop.run
}

/// A training run taken a step at a time, as `train` takes it: the weights, the optimizer's state
/// and the batch stream carry over from step to step, so the learning rate and the clipping rule
/// may change between steps without starting again (`config.steps` is not consulted: the caller
/// decides when to stop).
public struct TrainingLoop: Sendable {
    /// The set-up of the next step. Its optimizer kind and momentum, batch size and seed belong to
    /// the run and are read once; its learning rate, clipping rule and non-finite policy are read
    /// at every step.
    public var config: TrainingConfig
    public private(set) var model: RNN
    public fileprivate(set) var records: [StepRecord] = []
    /// Why the run can go no further (diverged, gave up, interrupted); nil while it can.
    public fileprivate(set) var end: TrainingEnd? = nil
    public private(set) var firstNonFiniteStep: Int? = nil
    public let task: TrainingTask
    private var optimizer: Optimizer
    private var rng: Xoshiro256
    private var consecutive = 0
    private var workspaces: [BackpropBatch] = []
    /// GradScaler's scale and count of good steps, for loss_scale=dynamic.
    public private(set) var scaler = DynamicScale()

    /// The format of the weights the optimizer keeps, and of the gradient it is given: float32 below
    /// fp64, as under torch.autocast (the passes use a copy of the weights in the narrow format).
    public var masterPrecision: Precision { config.precision == .fp64 ? .fp64 : .fp32 }

    public init(_ model: RNN, on task: TrainingTask, _ config: TrainingConfig) {
        self.model = config.precision == .fp64 ? model : model.stored(in: .fp32)
        self.task = task
        self.config = config
        optimizer = Optimizer(config.optimizer)
        rng = Xoshiro256(seed: config.seed, stream: "batches")
    }

    /// The run so far; a run that has not ended counts as completed.
    public var run: TrainingRun {
        TrainingRun(records: records, end: end ?? .completed, model: model, firstNonFiniteStep: firstNonFiniteStep)
    }

    /// Takes the next step and returns its record; nil when the run has ended, or when `shouldStop`
    /// said yes before the step was done (the run then ends as interrupted, the step not taken).
    ///
    /// Below fp64 (or with a loss scale S) a step is torch.autocast's with GradScaler's: the passes
    /// use the weights rounded to the format and store their values in it (`batchGradient`); the
    /// gradient of S × the mean loss, rounded to the format, goes to float32, is multiplied by 1/S
    /// (`unscale_`) and clipped, in that order or, with `config.unscale` after_clip, the other; the optimizer's
    /// arithmetic is Float64 and the weights it keeps are rounded to float32 after each update.
    /// loss_scale=dynamic skips a step whose unscaled gradient is not finite and halves S, and
    /// doubles S after 2000 finite steps in a row (`DynamicScale`); the `nonfinite` policy then
    /// judges the loss alone.
    public mutating func step(shouldStop: @Sendable () -> Bool = { false }) -> StepRecord? {
        guard end == nil else { return nil }
        let step = records.count + 1
        var errorClip: Double? = nil
        if case .signal(let tau) = config.clip { errorClip = tau }
        optimizer.learningRate = config.optimizer.learningRate
        let emulated = config.emulatesPrecision
        let scale: Double
        switch config.lossScale {
        case .none: scale = 1
        case .fixed(let s): scale = s
        case .dynamic: scale = scaler.scale
        }
        guard !shouldStop(),
              let gradient = batchGradient(emulated ? model.stored(in: config.precision) : model,
                                           count: task.examples(config.batchSize), length: task.length,
                                           exampleSize: task.length * task.inputSize + task.outputSize,
                                           draw: { task.batch($0, &rng) }, loss: task.loss, errorClip: errorClip,
                                           precision: config.precision, lossScale: scale,
                                           workspaces: &workspaces, shouldStop: shouldStop) else {
            end = .interrupted(step: step - 1)
            return nil
        }
        if emulated { return emulatedStep(step, gradient, scale: scale) }
        let (loss, gradients, clamped) = (gradient.loss, gradient.gradients, gradient.clamped)
        let norm = VectorNorm.of(gradients)
        if !(loss.isFinite && norm.isFinite) && firstNonFiniteStep == nil { firstNonFiniteStep = step }
        // optax's apply_if_finite judges the update alone; stop and propagate judge loss and gradient.
        let finite: Bool
        if case .skip = config.nonFinite { finite = norm.isFinite } else { finite = loss.isFinite && norm.isFinite }

        var applyAnyway = false
        if !finite {
            switch config.nonFinite {
            case .stop:
                end = .diverged(step: step)
                return record(StepRecord(loss: loss, preClipNorm: norm, postClipNorm: norm, clipped: false, skipped: true))
            case .skip(let limit):
                consecutive += 1
                if consecutive <= limit {
                    return record(StepRecord(loss: loss, preClipNorm: norm, postClipNorm: norm, clipped: false, skipped: true))
                }
                applyAnyway = true
            case .propagate:
                break
            }
        } else {
            consecutive = 0
        }

        let outcome = Clipper.clip(gradients, rule: config.clip, shapes: model.parameterShapes, parameters: model.parameters)
        var parameters = model.parameters
        optimizer.update(&parameters, gradients: outcome.output)
        model.parameters = parameters
        if applyAnyway { end = .gaveUp(step: step) }
        // Signal clipping happened inside BPTT: the step counts as clipped when any error was clamped
        // (its norms are both of the gradient of the clamped errors).
        return record(StepRecord(loss: loss, preClipNorm: norm, postClipNorm: outcome.clippedNorm,
                                 clipped: outcome.clipped || clamped > 0, skipped: false))
    }

    private mutating func record(_ record: StepRecord) -> StepRecord {
        records.append(record)
        return record
    }

    /// The rest of a step below fp64 or with a loss scale (see `step`), from the scaled gradient.
    private mutating func emulatedStep(_ step: Int, _ gradient: BatchGradient, scale: Double) -> StepRecord? {
        let master = masterPrecision
        let inverse = master.round(1 / scale)  // GradScaler's inv_scale, a float32
        func unscaled(_ tensors: [[Double]]) -> [[Double]] { tensors.map { $0.map { master.round($0 * inverse) } } }
        func clipped(_ tensors: [[Double]]) -> ClipOutcome {
            var outcome = Clipper.clip(tensors, rule: config.clip, shapes: model.parameterShapes, parameters: model.parameters)
            outcome.output = outcome.output.map { $0.map(master.round) }
            return outcome
        }
        let loss = gradient.loss
        let scaled = gradient.gradients.map { $0.map(master.round) }  // exact: a narrow format's numbers are float32's
        let plain = unscaled(scaled)
        let norm = VectorNorm.of(plain)
        let outcome: ClipOutcome, update: [[Double]]
        if config.unscale == .afterClip {
            outcome = clipped(scaled)
            update = unscaled(outcome.output)
        } else {
            outcome = clipped(plain)
            update = outcome.output
        }
        let updateNorm = VectorNorm.of(update)
        // The gradient as unscale_ finds it, which is what GradScaler judges: before clipping (value
        // clipping turns ±Inf into ±τ, and the step is skipped all the same), or after it.
        let unscaledNorm = config.unscale == .afterClip ? updateNorm : norm
        // Under loss_scale=dynamic a gradient that overflowed is the scaler's to handle, not a step that went NaN.
        let judged = config.lossScale == .dynamic ? loss.isFinite : loss.isFinite && unscaledNorm.isFinite
        if !judged && firstNonFiniteStep == nil { firstNonFiniteStep = step }
        func skippedRecord() -> StepRecord {
            StepRecord(loss: loss, preClipNorm: norm, postClipNorm: updateNorm, clipped: outcome.clipped, skipped: true,
                       lossScale: scale, tally: gradient.tally)
        }

        var applyAnyway = false
        if config.lossScale == .dynamic {
            // GradScaler looks at the gradient alone: a non-finite one is skipped and the scale halved.
            guard unscaledNorm.isFinite else {
                scaler.update(finite: false)
                return record(skippedRecord())
            }
            scaler.update(finite: true)
            if !loss.isFinite, case .stop = config.nonFinite {
                end = .diverged(step: step)
                return record(skippedRecord())
            }
        } else if !(loss.isFinite && unscaledNorm.isFinite) {
            switch config.nonFinite {
            case .stop:
                end = .diverged(step: step)
                return record(skippedRecord())
            case .skip(let limit):
                consecutive += 1
                if consecutive <= limit { return record(skippedRecord()) }
                applyAnyway = true
            case .propagate:
                break
            }
        } else {
            consecutive = 0
        }

        var parameters = model.parameters
        optimizer.update(&parameters, gradients: update)
        model.parameters = parameters.map { $0.map(master.round) }
        if applyAnyway { end = .gaveUp(step: step) }
        return record(StepRecord(loss: loss, preClipNorm: norm, postClipNorm: updateNorm,
                                 clipped: outcome.clipped || gradient.clamped > 0, skipped: false, lossScale: scale, tally: gradient.tally))
    }
}

/// Pascanu et al. (2013)'s heuristic for the clipping threshold: the average gradient norm over
/// a warm-up run without clipping; they found values from half to ten times it to work.
public struct ThresholdSuggestion: Sendable, Equatable {
    /// Mean of the finite pre-clip norms of the warm-up steps.
    public var mean: Double
    public var low: Double { 0.5 * mean }
    public var high: Double { 10 * mean }
    /// How many warm-up steps had a finite norm.
    public var steps: Int
    /// The smallest and largest finite norm of the warm-up.
    public var smallest: Double = .nan
    public var largest: Double = .nan
    /// The step at which the warm-up met a NaN or Inf and stopped, if it did.
    public var stoppedAt: Int? = nil

    /// The norm of the first warm-up step.
    public var first: Double = .nan

    /// Whether the warm-up itself blew up (a NaN or Inf, or a norm over a thousand times the
    /// first): its mean is then set by the explosion and is no threshold to use.
    public var exploded: Bool { stoppedAt != nil || largest > 1000 * first }

    /// The median, percentiles and span of the finite warm-up norms beside their mean, and what
    /// each candidate τ would have done to them.
    public var profile = NormProfile(sorted: [])
}

public func suggestThreshold(_ model: RNN, on task: TrainingTask, _ config: TrainingConfig,
                             shouldStop: @Sendable () -> Bool = { false }) -> ThresholdSuggestion {
    var warmup = config
    warmup.clip = .none
    warmup.nonFinite = .stop
    let run = train(model, on: task, warmup, shouldStop: shouldStop)
    let norms = run.preClipNorms.filter(\.isFinite)
    let mean = norms.isEmpty ? .nan : norms.reduce(0, +) / Double(norms.count)
    return ThresholdSuggestion(mean: mean, steps: norms.count,
                               smallest: norms.min() ?? .nan, largest: norms.max() ?? .nan, stoppedAt: run.firstNonFiniteStep,
                               first: norms.first ?? .nan, profile: NormProfile(sorted: norms.sorted(), mean: mean))
}
