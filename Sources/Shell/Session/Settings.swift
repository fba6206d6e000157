import Render
import Lessons
import Simulator

/// The limits on what a learner can ask for, stated in every message that enforces them.
public enum Limits {
    public static let hiddenSize = 1...512
    public static let length = 1...10_000
    public static let spectralRadius = 0.0...100.0
    public static let forgetBias = -20.0...20.0
    public static let powers = 1...1000
    /// Largest number of entries in a vector typed at the prompt.
    public static let vectorEntries = 10_000
    /// Work budget for the O(n³) loops (‖Wᵏ‖₂ for k ≤ K, Jacobian products over T steps).
    public static let cubicWork = 4e9
    /// Seeds stop at 2⁵³ − 1 so that every seed is exact as a JSON number.
    public static let largestSeed: UInt64 = (1 << 53) - 1
    public static let steps = 1...100_000
    public static let batch = 1...1024
    public static let learningRate = 0.0...1000.0
    public static let momentum = 0.0...0.999
    /// A fixed loss scale: from 2⁻²⁴ to 2⁴⁰ covers every use (fp16's range is 2⁻²⁴ to 2¹⁶).
    public static let lossScale = 0x1p-24...0x1p40
    /// Work budget for training: steps · batch · T · n² multiply-adds (about a minute in release).
    public static let trainingWork = 2e11
    /// Memory the experiments of one command (a sweep's or a claim's points, compare's rules) may
    /// hold at once: they run on as many cores as fit in it.
    public static let parallelMemory: Double = 256 * 1024 * 1024
    /// Longest command line, in bytes (UTF-8).
    public static let lineLength = 1 << 20
}

/// The settings a learner changes with `set`: they determine the model and its sequence.
public struct Settings: Sendable, Equatable {
    public var n = 8
    public var T = 40
    public var cell: RecurrentCell = .rnn
    public var forgetBias = 1.0
    public var act: Activation = .tanh
    public var initialization: Initialization = .gaussian
    public var rho: Double? = nil
    public var seed: UInt64 = 1
    public var task: TaskKind = .regress
    public var optimizer: OptimizerKind = .sgd
    public var lr = 0.1
    public var momentum = 0.0
    public var batch = 32
    public var steps = 200
    public var nonFinite: NonFinitePolicy = .stop
    public var precision: Precision = .fp64
    public var lossScale: LossScale = .none
    public var unscale: UnscaleOrder = .beforeClip

    public init() {}

    public var spec: ModelSpec {
        ModelSpec(hiddenSize: n, length: T, activation: act, initialization: initialization, spectralRadius: rho, seed: seed, task: task,
                  cell: cell, forgetBias: forgetBias)
    }

    /// The training set-up these settings describe, with the clipping rule given.
    public func trainingConfig(clip: ClipRule) -> TrainingConfig {
        var config = TrainingConfig(steps: steps, batchSize: batch, optimizer: OptimizerConfig(optimizer, learningRate: lr, momentum: momentum),
                                    clip: clip, nonFinite: nonFinite, seed: seed)
        config.precision = precision
        config.lossScale = lossScale
        config.unscale = unscale
        return config
    }

    /// One pass of BPTT of `model` over these settings' sequence, stored in their precision with
    /// their loss scale (a dynamic one's first, 2¹⁶).
    public func bptt(_ model: RNN, errorClip: Double? = nil, jacobians: Bool = false, shouldStop: () -> Bool = { false }) -> BPTTResult {
        Simulator.bptt(model.stored(in: precision), spec.sample(), loss: spec.trainingTask.loss, errorClip: errorClip,
                       precision: precision, lossScale: lossScale.initial, jacobians: jacobians, shouldStop: shouldStop)
    }

    /// Checks that belong to several settings together (each key checks its own value).
    func validate() throws(ShellError) {
        let minimum = spec.trainingTask.minimumLength
        guard T >= minimum else { throw ShellError("the \(task.rawValue) task needs T ≥ \(minimum), but T is \(T)") }
    }

    /// One setting's value, typed: what a `KEY=VALUE` word means once its key has read and checked
    /// it. Sweep and predict points and the progress file carry these, never the words.
    enum Value: Sendable, Equatable {
        case number(Double)
        case integer(Int)
        /// One of the key's named choices, spelt as its list spells it (tanh, adam, gaussian…).
        case word(String)
        /// rho=none: W is used as drawn.
        case none
        /// W written out.
        case matrix(Matrix)
        case nonFinite(NonFinitePolicy)
        case seed(UInt64)
        case clip(ClipRule)
    }

    /// One settable key: its name, what it means, what it accepts, and how to read, assign and show it.
    struct Key: Sendable {
        let name: String
        let summary: String
        let accepts: String
        /// Reads a word as this key's value, checking its type and its bounds.
        let reads: @Sendable (String) throws(ShellError) -> Value
        /// A number as this key's value (a point of a sweep range, a number the progress file kept),
        /// under the same bounds as `reads`; nil for keys whose values are not numbers.
        var number: (@Sendable (Double) throws(ShellError) -> Value)? = nil
        /// Whether the key takes whole numbers (the points of a range are rounded to them).
        var whole = false
        /// Sets a value that `reads` or `number` gave (and checks it against the other settings
        /// where it must: n against a W written out).
        let assigns: @Sendable (Value, inout Settings) throws(ShellError) -> Void
        let show: @Sendable (Settings) -> String
        let json: @Sendable (Settings) -> JSON
        /// What expressions read for this key (`lr`, `act`); nil for keys they read otherwise (rho
        /// reads ρ(W) of the model, W is no single value).
        var expression: (@Sendable (Settings) -> ExpressionValue)? = nil
        /// The words Tab offers after `set KEY=` (a key with named choices lists them).
        var completions: [String] = []

        /// The value a word gives this key, its type and bounds checked: the one place that says
        /// what the key accepts.
        func parse(_ text: String) throws(ShellError) -> Value { try reads(text) }

        /// The value a number gives this key, under the same bounds as `parse`.
        func parse(number x: Double) throws(ShellError) -> Value {
            if let number { return try number(x) }
            return try reads(NumberFormat.full(x))  // no number fits: the key says so in its own words
        }

        /// Sets a value that `parse` gave.
        func assign(_ value: Value, to settings: inout Settings) throws(ShellError) { try assigns(value, &settings) }

        /// `KEY=text`: parse, then assign.
        func apply(_ text: String, to settings: inout Settings) throws(ShellError) { try assign(try parse(text), to: &settings) }
    }

    static var keys: [Key] { modelKeys + trainingKeys }

    /// The keys that shape the model and its sequence.
    static let modelKeys: [Key] = [
        Key(name: "n", summary: "hidden size", accepts: "a whole number from \(Limits.hiddenSize.lowerBound) to \(Limits.hiddenSize.upperBound)",
            reads: { text throws(ShellError) in .integer(try checked(try Literal.integer(text, for: "n"), "n", Limits.hiddenSize)) },
            number: { x throws(ShellError) in .integer(try checked(try whole(x, for: "n"), "n", Limits.hiddenSize)) }, whole: true,
            assigns: { value, s throws(ShellError) in
                guard case .integer(let n) = value else { throw mismatch("n", value) }
                if case .literal(let w) = s.initialization, w.rows != n {
                    throw ShellError("n is fixed at \(w.rows) by the W you wrote; set init=gaussian (or orthogonal, identity) first to choose n freely")
                }
                s.n = n
            },
            show: { String($0.n) }, json: { .integer($0.n) }, expression: { .number(Double($0.n)) }),
        integer("T", "sequence length (time steps)", Limits.length, \.T),
        choice("cell", "the recurrent cell: rnn, or PyTorch's lstm or gru (help cells)", RecurrentCell.allCases, \.cell),
        Key(name: "act", summary: "activation φ", accepts: Activation.allCases.map(\.rawValue).joined(separator: ", "),
            reads: { text throws(ShellError) in
                guard let value = Activation(rawValue: text.lowercased()) else {
                    throw ShellError("act must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'\(Suggest.didYouMean(text, among: Activation.allCases.map(\.rawValue)))")
                }
                return .word(value.rawValue)
            },
            assigns: { value, s throws(ShellError) in
                guard case .word(let word) = value, let act = Activation(rawValue: word) else { throw mismatch("act", value) }
                s.act = act
            },
            show: { $0.act.rawValue }, json: { .string($0.act.rawValue) }, expression: { .text($0.act.rawValue) },
            completions: Activation.allCases.map(\.rawValue)),
        Key(name: "init", summary: "how W is drawn", accepts: "gaussian (N(0,1/n) entries), orthogonal, identity",
            reads: { text throws(ShellError) in
                let word = text.lowercased()
                guard drawn(word) != nil else {
                    throw ShellError("init must be gaussian, orthogonal or identity, not '\(text)'\(Suggest.didYouMean(text, among: ["gaussian", "orthogonal", "identity"], otherwise: "to write W out, use W=[[…],[…]]"))")
                }
                return .word(word)
            },
            assigns: { value, s throws(ShellError) in
                guard case .word(let word) = value, let initialization = drawn(word) else { throw mismatch("init", value) }
                s.initialization = initialization
            },
            show: { $0.initialization.name }, json: { .string($0.initialization.name) }, expression: { .text($0.initialization.name) },
            completions: ["gaussian", "orthogonal", "identity"]),
        Key(name: "rho", summary: "rescale W (each gate's, for lstm and gru) to this spectral radius ρ(W)", accepts: "a number from \(NumberFormat.short(Limits.spectralRadius.lowerBound)) to \(NumberFormat.short(Limits.spectralRadius.upperBound)), or none to keep W as drawn",
            reads: { text throws(ShellError) in
                if text.lowercased() == "none" { return .none }
                return try radius(try Literal.number(text, for: "rho"))
            },
            number: { x throws(ShellError) in try radius(x) },
            assigns: { value, s throws(ShellError) in
                switch value {
                case .none: s.rho = nil
                case .number(let x): s.rho = x
                default: throw mismatch("rho", value)
                }
            },
            show: { $0.rho.map(NumberFormat.short) ?? "none" }, json: { $0.rho.map(JSON.number) ?? .null },
            completions: ["none"]),
        number("forget_bias", "the lstm's forget-gate bias b_f", Limits.forgetBias, \.forgetBias),
        Key(name: "W", summary: "the recurrent matrix written out (sets n)", accepts: "rows in brackets, like [[1.1, 0], [0, 0.9]]",
            reads: { text throws(ShellError) in
                if !text.hasPrefix("[") {
                    throw ShellError("W must be a matrix written as rows, like [[1.1, 0], [0, 0.9]]; to have W drawn at random again, set init=gaussian")
                }
                let w = try Literal.matrix(text, for: "W", maxSize: Limits.hiddenSize.upperBound)
                guard w.isSquare else { throw ShellError("W must be square, but [[…]] has \(w.rows) rows of \(w.cols) entries") }
                return .matrix(w)
            },
            assigns: { value, s throws(ShellError) in
                guard case .matrix(let w) = value else { throw mismatch("W", value) }
                s.initialization = .literal(w)
                s.n = w.rows
            },
            show: { s in
                if case .literal(let w) = s.initialization { return "[" + w.rowArrays.map(NumberFormat.vector).joined(separator: ", ") + "]" }
                return "(drawn by init)"
            },
            json: { s in
                if case .literal(let w) = s.initialization { return .matrix(w.rowArrays) }
                return .null
            }),
    ]

    static var keyNames: [String] { keys.map(\.name) }

    /// The training keys, after the model's.
    static let trainingKeys: [Key] = [
        choice("task", "what the network is trained on (help task)", TaskKind.allCases, \.task),
        choice("optim", "the optimizer", OptimizerKind.allCases, \.optimizer),
        number("lr", "learning rate", Limits.learningRate, \.lr),
        number("momentum", "SGD momentum μ", Limits.momentum, \.momentum),
        integer("batch", "sequences per training step", Limits.batch, \.batch),
        integer("steps", "training steps", Limits.steps, \.steps),
        Key(name: "nonfinite", summary: "what training does with a NaN or Inf step",
            accepts: "stop, skip (skip:N gives up after N in a row; default 5), propagate",
            reads: { text throws(ShellError) in
                let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
                switch parts.first {
                case "stop" where parts.count == 1: return .nonFinite(.stop)
                case "propagate" where parts.count == 1: return .nonFinite(.propagate)
                case "skip":
                    let limit = parts.count == 2 ? try Literal.integer(parts[1], for: "the skip limit") : 5
                    guard (1...1000).contains(limit) else { throw ShellError("the skip limit must be from 1 to 1000, not \(limit)") }
                    return .nonFinite(.skip(maxConsecutive: limit))
                default:
                    throw ShellError("nonfinite must be stop, skip, skip:N or propagate, not '\(text)'")
                }
            },
            assigns: { value, s throws(ShellError) in
                guard case .nonFinite(let policy) = value else { throw mismatch("nonfinite", value) }
                s.nonFinite = policy
            },
            show: { s in
                switch s.nonFinite {
                case .stop: "stop"
                case .propagate: "propagate"
                case .skip(let n): n == 5 ? "skip" : "skip:\(n)"
                }
            },
            json: { .string($0.nonFiniteSpec) }, expression: { .text($0.nonFiniteSpec) },
            completions: ["stop", "skip", "propagate"]),
        choice("precision", "the format values are stored in (help precision)", Precision.allCases, \.precision),
        Key(name: "loss_scale", summary: "multiply the loss before the backward pass (help precision)",
            accepts: "none, dynamic (PyTorch's GradScaler), or a number from \(NumberFormat.short(Limits.lossScale.lowerBound)) to \(NumberFormat.short(Limits.lossScale.upperBound))",
            reads: { text throws(ShellError) in
                switch text.lowercased() {
                case "none": return .none
                case "dynamic": return .word("dynamic")
                default: return try lossScale(try Literal.number(text, for: "loss_scale"))
                }
            },
            number: { x throws(ShellError) in try lossScale(x) },
            assigns: { value, s throws(ShellError) in
                switch value {
                case .none: s.lossScale = .none
                case .word("dynamic"): s.lossScale = .dynamic
                case .number(let x): s.lossScale = .fixed(x)
                default: throw mismatch("loss_scale", value)
                }
            },
            show: { $0.lossScaleSpec },
            json: { s in if case .fixed(let x) = s.lossScale { .number(x) } else { .string(s.lossScaleSpec) } },
            expression: { s in if case .fixed(let x) = s.lossScale { .number(x) } else { .text(s.lossScaleSpec) } },
            completions: ["none", "dynamic", "65536"]),
        choice("unscale", "unscale_ before clipping (right) or after it (the classic mistake)", UnscaleOrder.allCases, \.unscale),
    ]

    static func lossScale(_ x: Double) throws(ShellError) -> Value {
        guard Limits.lossScale.contains(x) else {
            throw ShellError("loss_scale must be none, dynamic, or a number from \(NumberFormat.short(Limits.lossScale.lowerBound)) to \(NumberFormat.short(Limits.lossScale.upperBound)), not \(NumberFormat.short(x))")
        }
        return .number(x)
    }

    /// The seed as a run's `seed=N` sets it (it has a command of its own, and no row among the keys).
    static let seedKey = Key(
        name: "seed", summary: "random seed (seed N)", accepts: "a whole number from 0 to \(Limits.largestSeed)",
        reads: { text throws(ShellError) in .seed(try Literal.seed(text)) },
        number: { x throws(ShellError) in
            guard let seed = UInt64(exactly: x), seed <= Limits.largestSeed else {
                throw ShellError("the seed must be a whole number from 0 to \(Limits.largestSeed), not '\(NumberFormat.full(x))'")
            }
            return .seed(seed)
        },
        whole: true,
        assigns: { value, s throws(ShellError) in
            guard case .seed(let seed) = value else { throw mismatch("seed", value) }
            s.seed = seed
        },
        show: { String($0.seed) }, json: { .integer(Int($0.seed)) })

    /// A value of another type than the key's: `parse` gives none, so this is a slip in the code.
    static func mismatch(_ name: String, _ value: Value) -> ShellError { ShellError("\(name) cannot take \(value)") }

    /// `value` if `range` holds it, else the key's one sentence on its bounds.
    static func checked(_ value: Int, _ name: String, _ range: ClosedRange<Int>) throws(ShellError) -> Int {
        guard range.contains(value) else { throw ShellError("\(name) must be from \(range.lowerBound) to \(range.upperBound), not \(value)") }
        return value
    }

    /// A number that must be whole (a key of whole numbers given a number, as the progress file keeps them).
    static func whole(_ x: Double, for name: String) throws(ShellError) -> Int {
        guard let value = Int(exactly: x) else { throw ShellError("\(name) must be a whole number, not '\(NumberFormat.full(x))'") }
        return value
    }

    static func radius(_ x: Double) throws(ShellError) -> Value {
        guard Limits.spectralRadius.contains(x) else {
            throw ShellError("rho must be from \(NumberFormat.short(Limits.spectralRadius.lowerBound)) to \(NumberFormat.short(Limits.spectralRadius.upperBound)), not \(NumberFormat.short(x)); use rho=none to keep W as drawn")
        }
        return .number(x)
    }

    /// The initializations init= names (a W written out has W= of its own).
    static func drawn(_ word: String) -> Initialization? {
        switch word {
        case "gaussian": .gaussian
        case "orthogonal": .orthogonal
        case "identity": .identity
        default: nil
        }
    }

    static func integer(_ name: String, _ summary: String, _ range: ClosedRange<Int>, _ path: WritableKeyPath<Settings, Int> & Sendable) -> Key {
        Key(name: name, summary: summary, accepts: "a whole number from \(range.lowerBound) to \(range.upperBound)",
            reads: { text throws(ShellError) in .integer(try checked(try Literal.integer(text, for: name), name, range)) },
            number: { x throws(ShellError) in .integer(try checked(try whole(x, for: name), name, range)) }, whole: true,
            assigns: { value, s throws(ShellError) in
                guard case .integer(let i) = value else { throw mismatch(name, value) }
                s[keyPath: path] = i
            },
            show: { String($0[keyPath: path]) }, json: { .integer($0[keyPath: path]) }, expression: { .number(Double($0[keyPath: path])) })
    }

    static func number(_ name: String, _ summary: String, _ range: ClosedRange<Double>, _ path: WritableKeyPath<Settings, Double> & Sendable) -> Key {
        let bounds = "from \(NumberFormat.short(range.lowerBound)) to \(NumberFormat.short(range.upperBound))"
        let check: @Sendable (Double) throws(ShellError) -> Value = { x throws(ShellError) in
            guard range.contains(x) else { throw ShellError("\(name) must be \(bounds), not \(NumberFormat.short(x))") }
            return .number(x)
        }
        return Key(name: name, summary: summary, accepts: "a number " + bounds,
            reads: { text throws(ShellError) in try check(try Literal.number(text, for: name)) },
            number: check,
            assigns: { value, s throws(ShellError) in
                guard case .number(let x) = value else { throw mismatch(name, value) }
                s[keyPath: path] = x
            },
            show: { NumberFormat.short($0[keyPath: path]) }, json: { .number($0[keyPath: path]) }, expression: { .number($0[keyPath: path]) })
    }

    static func choice<C: RawRepresentable & CaseIterable & Sendable>(_ name: String, _ summary: String, _ cases: C.AllCases,
                                                                      _ path: WritableKeyPath<Settings, C> & Sendable) -> Key where C.RawValue == String {
        let names = cases.map(\.rawValue)
        return Key(name: name, summary: summary, accepts: names.joined(separator: ", "),
            reads: { text throws(ShellError) in
                guard let value = C(rawValue: text.lowercased()) else {
                    throw ShellError("\(name) must be one of \(names.joined(separator: ", ")), not '\(text)'\(Suggest.didYouMean(text, among: names))")
                }
                return .word(value.rawValue)
            },
            assigns: { value, s throws(ShellError) in
                guard case .word(let word) = value, let choice = C(rawValue: word) else { throw mismatch(name, value) }
                s[keyPath: path] = choice
            },
            show: { $0[keyPath: path].rawValue }, json: { .string($0[keyPath: path].rawValue) }, expression: { .text($0[keyPath: path].rawValue) },
            completions: names)
    }

    /// These settings and a clipping rule as the progress file keeps them: every key with its typed
    /// value, from the key table (seed and clip too).
    func saved(clip: ClipRule) -> SavedSettings {
        var saved: SavedSettings = [:]
        for key in Self.keys where key.name != "W" {
            switch key.json(self) {
            case .integer(let i): saved[key.name] = .number(Double(i))
            case .number(let x): saved[key.name] = .number(x)
            case .string(let s): saved[key.name] = .text(s)
            default: saved[key.name] = SavedValue.none
            }
        }
        if case .literal(let w) = initialization { saved["W"] = .matrix(w.rowArrays) }
        saved["seed"] = .number(Double(seed))
        saved["clip"] = .text(Commands.clipSpec(clip))
        return saved
    }

    /// Settings and a clipping rule as the progress file kept them, each typed value checked by its
    /// key as `set` checks it; keys it does not know are left at their defaults.
    static func restore(_ saved: SavedSettings) throws(ShellError) -> (Settings, ClipRule) {
        // A W written out sets n (and init) itself, so it goes first and n and init are left out.
        let literal = saved["W"].map { if case .matrix = $0 { true } else { false } } ?? false
        var names = (literal ? ["W"] : []) + keys.map(\.name).filter { $0 != "W" && !(literal && ($0 == "n" || $0 == "init")) } + ["seed", "clip"]
        names = names.filter { saved[$0] != nil }
        var settings = Settings(), clip = ClipRule.none
        for name in names {
            try Assignment(name, saved: saved[name]!).apply(to: &settings, clip: &clip)
        }
        try settings.validate()
        return (settings, clip)
    }

    /// The loss scale as `loss_scale=` reads it back: none, dynamic or the number.
    var lossScaleSpec: String { PrecisionWording.spec(lossScale) }

    /// The non-finite policy as `nonfinite=` reads it back: stop, propagate or skip:N.
    var nonFiniteSpec: String {
        switch nonFinite {
        case .stop: "stop"
        case .propagate: "propagate"
        case .skip(let limit): "skip:\(limit)"
        }
    }

    /// What `key=text` sets, checked by the key's own rule (for commands that take a setting's name
    /// for their own argument, with the same bounds).
    static func value<T>(of name: String, _ text: String, _ path: KeyPath<Settings, T>) throws(ShellError) -> T {
        var probe = Settings()
        try key(name).apply(text, to: &probe)
        return probe[keyPath: path]
    }

    /// The keys whose values differ between two settings and clipping rules, with seed and clip.
    static func differences(_ a: Settings, _ aClip: ClipRule, _ b: Settings, _ bClip: ClipRule) -> [String] {
        var names = keys.filter { $0.json(a) != $0.json(b) }.map(\.name)
        if a.seed != b.seed { names.append("seed") }
        if aClip != bClip { names.append("clip") }
        return names
    }

    /// A key's value as people read it, seed and clip included.
    static func shown(_ name: String, _ settings: Settings, clip: ClipRule) -> String {
        switch name {
        case "seed": String(settings.seed)
        case "clip": Commands.describe(clip)
        default: keys.first { $0.name == name }?.show(settings) ?? "?"
        }
    }

    /// A key's value as `set` reads it back exactly (every digit of a number).
    static func exact(_ name: String, _ settings: Settings) -> String {
        guard let key = keys.first(where: { $0.name == name }) else { return "?" }
        if case .number(let x) = key.json(settings) { return NumberFormat.full(x) }
        return key.show(settings)
    }

    static func key(_ name: String) throws(ShellError) -> Key {
        if let key = keys.first(where: { $0.name == (name == "ρ" ? "rho" : name) }) { return key }
        if name == "seed" { throw ShellError("the seed has a command of its own: seed N") }
        if name == "clip" || name == "tau" { throw ShellError("the clipping rule has a command of its own: clip norm 1 (see help clip)") }
        throw ShellError("unknown setting '\(name)'\(Suggest.didYouMean(name, among: keyNames, otherwise: "help settings lists them all"))")
    }

    /// One `KEY=VALUE` of a run, read once: a key of the table (or the seed, or the clipping rule)
    /// and its typed value. A sweep or predict point is a list of these, applied to the settings
    /// the run starts from; the words are not read again.
    struct Assignment: Sendable {
        /// What a run's `KEY=` sets: a setting (the seed among them), the clipping rule, or the
        /// threshold τ of the rule (λ for agc), keeping its mode: `sweep tau=0.1..10:9:log clip=value`.
        enum Target: Sendable {
            case setting(Key)
            case clip
            case tau

            /// The target `KEY=` names in a run (`ρ` is rho, `τ` is tau).
            init(_ name: String) throws(ShellError) {
                switch name {
                case "clip": self = .clip
                case "tau", "τ": self = .tau
                case "seed": self = .setting(Settings.seedKey)
                default: self = .setting(try Settings.key(name))
                }
            }

            var name: String {
                switch self {
                case .setting(let key): key.name
                case .clip: "clip"
                case .tau: "tau"
                }
            }

            /// The key takes whole numbers: a range's points are rounded to them.
            var whole: Bool { if case .setting(let key) = self { key.whole } else { false } }

            func parse(_ text: String) throws(ShellError) -> Value {
                switch self {
                case .setting(let key): try key.parse(text)
                case .clip: .clip(try Commands.parseClipSpec(text))
                case .tau: try parse(number: try Literal.number(text, for: "tau"))
                }
            }

            func parse(number x: Double) throws(ShellError) -> Value {
                switch self {
                case .setting(let key): return try key.parse(number: x)
                case .clip: return .clip(try Commands.parseClipSpec(NumberFormat.full(x)))  // no rule is a number: its message
                case .tau:
                    guard x.isFinite, x > 0 else { throw ShellError("tau must be a positive number, not \(NumberFormat.full(x))") }
                    return .number(x)
                }
            }
        }

        let target: Target
        let value: Value

        var name: String { target.name }

        init(_ target: Target, _ value: Value) {
            self.target = target
            self.value = value
        }

        /// `name=text`, read and checked.
        init(_ name: String, _ text: String) throws(ShellError) {
            let target = try Target(name)
            self.init(target, try target.parse(text))
        }

        /// A value as the progress file kept it, checked as the word would be.
        init(_ name: String, saved: SavedValue) throws(ShellError) {
            let target = try Target(name)
            switch saved {
            case .number(let x): self.init(target, try target.parse(number: x))
            case .text(let t): self.init(target, try target.parse(t))
            case .none: self.init(target, try target.parse("none"))
            case .matrix(let rows):  // W, read as written (the matrix reader checks its shape and entries)
                self.init(target, try target.parse("[" + rows.map { "[" + $0.map(NumberFormat.full).joined(separator: ",") + "]" }.joined(separator: ",") + "]"))
            }
        }

        func apply(to settings: inout Settings, clip: inout ClipRule) throws(ShellError) {
            switch target {
            case .setting(let key): try key.assign(value, to: &settings)
            case .clip:
                guard case .clip(let rule) = value else { throw mismatch("clip", value) }
                clip = rule
            case .tau:
                guard case .number(let tau) = value else { throw mismatch("tau", value) }
                guard let rule = clip.with(threshold: tau) else {
                    throw ShellError("tau sets the threshold of the clipping rule, and there is none; add clip=norm (or value, tensor, agc, signal), or set a rule with clip norm 1")
                }
                clip = rule
            }
        }
    }
}
