import Render
import Simulator

extension Commands {
    static let show = CommandSpec(
        name: "show", usage: "show [KEY]",
        summary: "the current settings, clipping rule and ρ(W)",
        details: [
            .rows([
                ("show", "every setting with its meaning, plus ρ(W) and σ_max(W) of the current W"),
                ("show KEY", "one setting; show W prints the whole recurrent matrix"),
            ]),
        ],
        argumentWords: { Settings.keyNames + ["seed", "clip"] }
    ) { session, call throws(ShellError) in
        guard call.words.count <= 1 else { throw ShellError("show takes at most one setting, like show rho") }
        let model = try session.model()
        let part: SettingsListing.Part
        switch call.words.first {
        case nil: part = .all
        case "seed": part = .seed
        case "clip": part = .clip
        case "W": part = .W
        case let name?: part = .key(try Settings.key(name))
        }
        return Report(command: "show", SettingsListing(part: part, settings: session.settings, clip: session.clipRule,
                                                       W: model.W, spectrum: try session.spectrum()))
    }

    static let set = CommandSpec(
        name: "set", usage: "set KEY=VALUE…",
        summary: "change settings (help settings lists them)",
        details: [
            .paragraph("Changes one or more settings at once; if any value is wrong, none changes."),
            .rows([
                ("set rho=1.2 T=60", "W rescaled so that ρ(W) = 1.2, sequences of 60 steps"),
                ("set act=linear", "φ(z) = z, so the error is multiplied by Wᵀ at each step back"),
                ("set W=[[1.1,0],[0,0.9]]", "write W out (this also sets n)"),
                ("set rho=none", "keep W as drawn"),
                ("set seed=7", "the seed too (as seed 7 does)"),
            ]),
            .paragraph("help settings lists every key and what it accepts."),
        ],
        argumentWords: { (Settings.keyNames + ["seed"]).map { $0 + "=" } }
    ) { session, call throws(ShellError) in
        guard !call.words.isEmpty else {
            throw ShellError("set needs KEY=VALUE, like set rho=1.2 T=60; help settings lists the keys")
        }
        var updated = session.settings
        var changed: [Settings.Key] = []
        var rhoDropped = false
        for word in call.words {
            guard let eq = word.firstIndex(of: "=") else {
                throw ShellError("'\(word)' is not KEY=VALUE; write it like rho=1.2")
            }
            let name = String(word[..<eq]), value = String(word[word.index(after: eq)...])
            guard !name.isEmpty else { throw ShellError("'\(word)' has no setting before '='; write it like rho=1.2") }
            if name == "seed" {  // the seed has its own command, but show lists it with the settings
                updated.seed = try Literal.seed(value)
                changed.append(Settings.seedKey)
                continue
            }
            let key = try Settings.key(name)
            guard !value.isEmpty else { throw ShellError("\(name)= needs a value: \(key.accepts)") }
            try key.apply(value, to: &updated)
            changed.append(key)
        }
        // A W written out is used as written: an earlier rho would silently rescale it.
        let names = call.words.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
        if names.contains("W"), !names.contains("rho"), updated.rho != nil {
            updated.rho = nil
            rhoDropped = true
        }
        try updated.validate()
        var trial = session
        trial.settings = updated
        let spectrum = try trial.spectrum()  // refuse settings that cannot make a model (ρ(W) = 0 with rho set)
        session = trial
        return Report(command: "set", SettingsChange(kind: .set(changed, rhoDropped: rhoDropped, spectrum: spectrum),
                                                      settings: session.settings, clip: session.clipRule))
    }

    static let reset = CommandSpec(
        name: "reset", usage: "reset",
        summary: "settings, seed and clipping rule back to their defaults",
        details: [
            .paragraph("Defaults: n=8, T=40, act=tanh, init=gaussian, rho=none, seed 1, clip none, task regress, optim sgd, lr 0.1. The last results (delta, final_loss…) are forgotten, since they belong to the old settings; the notebook, which commands have run and the lesson you are in are kept."),
        ]
    ) { session, call throws(ShellError) in
        try noArguments(call)
        // Only the settings and what they measured go: the notebook, which commands have run, the
        // lesson and its progress all stay.
        let ran = session.results.ran
        session.settings = Settings()
        session.clipRule = .none
        session.results = Results()
        session.results.ran = ran
        return Report(command: "reset", SettingsChange(kind: .reset, settings: session.settings, clip: session.clipRule))
    }

    static let seed = CommandSpec(
        name: "seed", usage: "seed [N]",
        summary: "choose the random seed (the same seed gives the same weights, data and training, bit for bit, on every machine)",
        details: [
            .rows([
                ("seed", "shows the seed"),
                ("seed N", "N is a whole number from 0 to 2⁵³−1; W, U, V, inputs and target are redrawn from it (each from its own stream, so T changes only the inputs)"),
            ]),
        ]
    ) { session, call throws(ShellError) in
        guard let word = call.words.first else {
            return Report(command: "seed", SettingsChange(kind: .seed, settings: session.settings, clip: session.clipRule))
        }
        guard call.words.count == 1 else { throw ShellError("seed takes one whole number, like seed 7") }
        let value = try Literal.seed(word)
        session.settings.seed = value
        return Report(command: "seed", SettingsChange(kind: .seed, settings: session.settings, clip: session.clipRule))
    }
}
