import Render
import Lessons
import Simulator

/// The limits on what a learner can ask for, stated in every message that enforces them.
public enum Limits {
    public static let hiddenSize = 1...512
    public static let length = 1...10_000
    public static let spectralRadius = 0.0...100.0
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
    /// Work budget for training: steps · batch · T · n² multiply-adds (about a minute in release).
    public static let trainingWork = 2e11
    /// Longest command line, in bytes (UTF-8).
    public static let lineLength = 1 << 20
}

/// The settings a learner changes with `set`: they determine the model and its sequence.
public struct Settings: Sendable, Equatable {
    public var n = 8
    public var T = 40
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

    public init() {}

    public var spec: ModelSpec {
        ModelSpec(hiddenSize: n, length: T, activation: act, initialization: initialization, spectralRadius: rho, seed: seed, task: task)
    }

    /// The training set-up these settings describe, with the clipping rule given.
    public func trainingConfig(clip: ClipRule) -> TrainingConfig {
        TrainingConfig(steps: steps, batchSize: batch, optimizer: OptimizerConfig(optimizer, learningRate: lr, momentum: momentum),
                       clip: clip, nonFinite: nonFinite, seed: seed)
    }

    /// Checks that belong to several settings together (each key checks its own value).
    func validate() throws(ShellError) {
        let minimum = spec.trainingTask.minimumLength
        guard T >= minimum else { throw ShellError("the \(task.rawValue) task needs T ≥ \(minimum), but T is \(T)") }
    }

    /// One settable key: its name, what it means, what it accepts, and how to apply and show it.
    struct Key: Sendable {
        let name: String
        let summary: String
        let accepts: String
        let apply: @Sendable (inout Settings, String) throws(ShellError) -> Void
        let show: @Sendable (Settings) -> String
        let json: @Sendable (Settings) -> JSON
        /// What expressions read for this key (`lr`, `act`); nil for keys they read otherwise (rho
        /// reads ρ(W) of the model, W is no single value).
        var expression: (@Sendable (Settings) -> ExpressionValue)? = nil
    }

    static var keys: [Key] { modelKeys + trainingKeys }

    /// The keys that shape the model and its sequence.
    static let modelKeys: [Key] = [
        Key(name: "n", summary: "hidden size", accepts: "a whole number from \(Limits.hiddenSize.lowerBound) to \(Limits.hiddenSize.upperBound)",
            apply: { s, text throws(ShellError) in
                let value = try Literal.integer(text, for: "n")
                guard Limits.hiddenSize.contains(value) else {
                    throw ShellError("n must be from \(Limits.hiddenSize.lowerBound) to \(Limits.hiddenSize.upperBound), not \(value)")
                }
                if case .literal(let w) = s.initialization, w.rows != value {
                    throw ShellError("n is fixed at \(w.rows) by the W you wrote; set init=gaussian (or orthogonal, identity) first to choose n freely")
                }
                s.n = value
            },
            show: { String($0.n) }, json: { .integer($0.n) }, expression: { .number(Double($0.n)) }),
        Key(name: "T", summary: "sequence length (time steps)", accepts: "a whole number from \(Limits.length.lowerBound) to \(Limits.length.upperBound)",
            apply: { s, text throws(ShellError) in
                let value = try Literal.integer(text, for: "T")
                guard Limits.length.contains(value) else {
                    throw ShellError("T must be from \(Limits.length.lowerBound) to \(Limits.length.upperBound), not \(value)")
                }
                s.T = value
            },
            show: { String($0.T) }, json: { .integer($0.T) }, expression: { .number(Double($0.T)) }),
        Key(name: "act", summary: "activation φ", accepts: Activation.allCases.map(\.rawValue).joined(separator: ", "),
            apply: { s, text throws(ShellError) in
                guard let value = Activation(rawValue: text.lowercased()) else {
                    throw ShellError("act must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'\(Suggest.didYouMean(text, among: Activation.allCases.map(\.rawValue)))")
                }
                s.act = value
            },
            show: { $0.act.rawValue }, json: { .string($0.act.rawValue) }, expression: { .text($0.act.rawValue) }),
        Key(name: "init", summary: "how W is drawn", accepts: "gaussian (N(0,1/n) entries), orthogonal, identity",
            apply: { s, text throws(ShellError) in
                switch text.lowercased() {
                case "gaussian": s.initialization = .gaussian
                case "orthogonal": s.initialization = .orthogonal
                case "identity": s.initialization = .identity
                default:
                    throw ShellError("init must be gaussian, orthogonal or identity, not '\(text)'\(Suggest.didYouMean(text, among: ["gaussian", "orthogonal", "identity"], otherwise: "to write W out, use W=[[…],[…]]"))")
                }
            },
            show: { $0.initialization.name }, json: { .string($0.initialization.name) }, expression: { .text($0.initialization.name) }),
        Key(name: "rho", summary: "rescale W to this spectral radius ρ(W)", accepts: "a number from \(NumberFormat.short(Limits.spectralRadius.lowerBound)) to \(NumberFormat.short(Limits.spectralRadius.upperBound)), or none to keep W as drawn",
            apply: { s, text throws(ShellError) in
                if text.lowercased() == "none" { s.rho = nil; return }
                let value = try Literal.number(text, for: "rho")
                guard Limits.spectralRadius.contains(value) else {
                    throw ShellError("rho must be from \(NumberFormat.short(Limits.spectralRadius.lowerBound)) to \(NumberFormat.short(Limits.spectralRadius.upperBound)), not \(NumberFormat.short(value)); use rho=none to keep W as drawn")
                }
                s.rho = value
            },
            show: { $0.rho.map(NumberFormat.short) ?? "none" }, json: { $0.rho.map(JSON.number) ?? .null }),
        Key(name: "W", summary: "the recurrent matrix written out (sets n)", accepts: "rows in brackets, like [[1.1, 0], [0, 0.9]]",
            apply: { s, text throws(ShellError) in
                if !text.hasPrefix("[") {
                    throw ShellError("W must be a matrix written as rows, like [[1.1, 0], [0, 0.9]]; to have W drawn at random again, set init=gaussian")
                }
                let w = try Literal.matrix(text, for: "W", maxSize: Limits.hiddenSize.upperBound)
                guard w.isSquare else { throw ShellError("W must be square, but [[…]] has \(w.rows) rows of \(w.cols) entries") }
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
            apply: { s, text throws(ShellError) in
                let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
                switch parts.first {
                case "stop" where parts.count == 1: s.nonFinite = .stop
                case "propagate" where parts.count == 1: s.nonFinite = .propagate
                case "skip":
                    let limit = parts.count == 2 ? try Literal.integer(parts[1], for: "the skip limit") : 5
                    guard (1...1000).contains(limit) else { throw ShellError("the skip limit must be from 1 to 1000, not \(limit)") }
                    s.nonFinite = .skip(maxConsecutive: limit)
                default:
                    throw ShellError("nonfinite must be stop, skip, skip:N or propagate, not '\(text)'")
                }
            },
            show: { s in
                switch s.nonFinite {
                case .stop: "stop"
                case .propagate: "propagate"
                case .skip(let n): n == 5 ? "skip" : "skip:\(n)"
                }
            },
            json: { .string($0.nonFiniteSpec) }, expression: { .text($0.nonFiniteSpec) }),
    ]

    static func integer(_ name: String, _ summary: String, _ range: ClosedRange<Int>, _ path: WritableKeyPath<Settings, Int> & Sendable) -> Key {
        Key(name: name, summary: summary, accepts: "a whole number from \(range.lowerBound) to \(range.upperBound)",
            apply: { s, text throws(ShellError) in
                let value = try Literal.integer(text, for: name)
                guard range.contains(value) else { throw ShellError("\(name) must be from \(range.lowerBound) to \(range.upperBound), not \(value)") }
                s[keyPath: path] = value
            },
            show: { String($0[keyPath: path]) }, json: { .integer($0[keyPath: path]) }, expression: { .number(Double($0[keyPath: path])) })
    }

    static func number(_ name: String, _ summary: String, _ range: ClosedRange<Double>, _ path: WritableKeyPath<Settings, Double> & Sendable) -> Key {
        let bounds = "from \(NumberFormat.short(range.lowerBound)) to \(NumberFormat.short(range.upperBound))"
        return Key(name: name, summary: summary, accepts: "a number " + bounds,
            apply: { s, text throws(ShellError) in
                let value = try Literal.number(text, for: name)
                guard range.contains(value) else { throw ShellError("\(name) must be \(bounds), not \(NumberFormat.short(value))") }
                s[keyPath: path] = value
            },
            show: { NumberFormat.short($0[keyPath: path]) }, json: { .number($0[keyPath: path]) }, expression: { .number($0[keyPath: path]) })
    }

    static func choice<C: RawRepresentable & CaseIterable & Sendable>(_ name: String, _ summary: String, _ cases: C.AllCases,
                                                                      _ path: WritableKeyPath<Settings, C> & Sendable) -> Key where C.RawValue == String {
        let names = cases.map(\.rawValue)
        return Key(name: name, summary: summary, accepts: names.joined(separator: ", "),
            apply: { s, text throws(ShellError) in
                guard let value = C(rawValue: text.lowercased()) else {
                    throw ShellError("\(name) must be one of \(names.joined(separator: ", ")), not '\(text)'\(Suggest.didYouMean(text, among: names))")
                }
                s[keyPath: path] = value
            },
            show: { $0[keyPath: path].rawValue }, json: { .string($0[keyPath: path].rawValue) }, expression: { .text($0[keyPath: path].rawValue) })
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

    /// Settings and a clipping rule as the progress file kept them, each value checked by its key
    /// as `set` checks it; keys it does not know are left at their defaults.
    static func restore(_ saved: SavedSettings) throws(ShellError) -> (Settings, ClipRule) {
        func text(_ value: SavedValue) -> String {
            switch value {
            case .number(let x): NumberFormat.full(x)
            case .text(let t): t
            case .matrix(let rows): "[" + rows.map { "[" + $0.map(NumberFormat.full).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            case .none: "none"
            }
        }
        // A W written out sets n (and init) itself, so it goes first and n and init are left out.
        let literal = saved["W"].map { if case .matrix = $0 { true } else { false } } ?? false
        var names = (literal ? ["W"] : []) + keys.map(\.name).filter { $0 != "W" && !(literal && ($0 == "n" || $0 == "init")) } + ["seed", "clip"]
        names = names.filter { saved[$0] != nil }
        return try Commands.runSettings(Session(), names.map { "\($0)=\(text(saved[$0]!))" })
    }

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
    static func value<Value>(of name: String, _ text: String, _ path: KeyPath<Settings, Value>) throws(ShellError) -> Value {
        var probe = Settings()
        try key(name).apply(&probe, text)
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
}
