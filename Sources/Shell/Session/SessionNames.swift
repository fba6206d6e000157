import Render
import Simulator
import StateFiles

/// The names expressions know, read from a session: its settings, its last measurements, and the
/// settings each measurement ran under (`train.lr`). Reading them never changes the session.
struct SessionNames: ExpressionEnvironment {
    let session: Session
    /// Lesson conditions and answers read a stale result as absent (and say what to run again);
    /// `check` and `=` read it and warn.
    let strict: Bool

    init(_ session: Session, strict: Bool = false) {
        self.session = session
        self.strict = strict
    }

    /// Names read from settings: a key's value (from the settings table), or what the model has.
    struct SettingName: Sendable {
        let name: String
        let meaning: String
        let read: @Sendable (Settings, ClipRule, Session) throws(ShellError) -> ExpressionValue
    }

    static let settingNames: [SettingName] = {
        var names: [SettingName] = [
            SettingName(name: "rho", meaning: "spectral radius ρ(W) of W") { s, _, session throws(ShellError) in
                .number(try session.models.spectrum(for: s).rho)
            },
            SettingName(name: "sigma_max", meaning: "largest singular value σ_max(W) = ‖W‖₂") { s, _, session throws(ShellError) in
                .number(try session.models.spectrum(for: s).sigma)
            },
            SettingName(name: "seed", meaning: "the random seed") { s, _, _ in .number(Double(s.seed)) },
            SettingName(name: "tau", meaning: "the clipping threshold τ (when a rule is set)") { _, clip, _ throws(ShellError) in
                guard let tau = clip.threshold else { throw ShellError("'tau' has no value: no clipping rule is set (try clip norm 1)") }
                return .number(tau)
            },
            SettingName(name: "clip", meaning: "the clipping rule's mode: " + ClipRule.modes.map { "\"\($0)\"" }.joined(separator: ", ")) { _, clip, _ in
                .text(clip.mode)
            },
        ]
        for key in Settings.keys {
            guard let value = key.expression else { continue }
            names.append(SettingName(name: key.name, meaning: key.summary) { s, _, _ in value(s) })
        }
        return names
    }()

    static let constants: [(name: String, meaning: String, value: Double)] = [
        ("pi", "π", Double.pi),
        ("e", "Euler's number", 2.718_281_828_459_045),
    ]

    /// Every name with its meaning and where it comes from, for `help expressions`, lint and
    /// completion: constants, settings, results, and one line for the settings of a run.
    static var descriptions: [(String, String)] {
        constants.map { ($0.name, $0.meaning + " (constant)") }
            + settingNames.map { ($0.name, $0.meaning + " (setting)") }
            + ResultName.all.map { ($0.written, "\($0.meaning) (from \($0.source.command))") }
            + [("COMMAND.KEY", "a setting as the last run of that command used it, e.g. train.lr, train.clip, bptt.rho")]
    }

    /// The plain names (no series, no COMMAND.KEY), for "did you mean" and completion.
    static var plainNames: [String] {
        constants.map(\.name) + settingNames.map(\.name) + ResultName.all.filter { $0.index == nil }.map(\.name)
    }

    static var seriesNames: [String] { ResultName.all.filter { $0.index != nil }.map(\.name) }

    /// `train.lr` → (train, "lr") when the parts name a command that measures and a setting.
    static func dotted(_ name: String) throws(ShellError) -> (ResultSource, SettingName)? {
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let command = String(name[..<dot]), key = String(name[name.index(after: dot)...])
        let measuring = ResultSource.allCases.filter(\.hasSettings)
        guard let source = ResultSource(rawValue: command), source.hasSettings else {
            throw ShellError("'\(name)': \(command) measures nothing whose settings can be read; the commands are \(measuring.map(\.rawValue).joined(separator: ", ")), as in train.lr")
        }
        guard let setting = settingNames.first(where: { $0.name == key }) else {
            throw ShellError("'\(name)': \(key) is not a setting\(Suggest.didYouMean(key, among: settingNames.map(\.name), otherwise: "help settings lists them"))")
        }
        return (source, setting)
    }

    var names: [String] { Self.plainNames + Self.seriesNames.map { $0 + "[…]" } }

    func value(of name: String) throws(ShellError) -> ExpressionValue? {
        if let constant = Self.constants.first(where: { $0.name == name }) { return .number(constant.value) }
        if let (source, setting) = try Self.dotted(name) {
            let provenance = try current(source, reading: name)
            return try setting.read(provenance.settings, provenance.clip, session)
        }
        if let setting = Self.settingNames.first(where: { $0.name == name }) {
            do throws(ShellError) { return try setting.read(session.settings, session.clipRule, session) } catch {
                if name == "rho" || name == "sigma_max" { throw ShellError("'\(name)' is unknown because the model cannot be built: \(error.message)") }
                throw error
            }
        }
        guard let result = ResultName.named(name), result.index == nil else { return nil }
        _ = try current(result.source, reading: name)
        guard case .scalar(let value)? = result.read(session.results) else { return nil }
        return value
    }

    func series(_ name: String) throws(ShellError) -> [Double]? {
        guard let result = ResultName.named(name), result.index != nil else { return nil }
        _ = try current(result.source, reading: name + "[…]")
        guard case .series(let values)? = result.read(session.results) else {
            if name == "cell_delta" {
                throw ShellError("cell_delta[…] was not measured: bptt measures ‖∂L/∂c_t‖ for cell=lstm alone (the cell this bptt ran had no c_t); set cell=lstm and run bptt")
            }
            throw ShellError("jac[…] was not measured: bptt leaves out the Jacobian products when T·n³ is over \(NumberFormat.short(Limits.cubicWork)); use a smaller n or T")
        }
        return values
    }

    func checked(_ name: String) throws(ShellError) -> Bool { session.results.checked.contains(name) }

    func ran(_ verb: String) throws(ShellError) -> Bool {
        guard let spec = Commands.find(verb) else {
            throw ShellError("ran(\"\(verb)\"): there is no command \(verb)\(Suggest.didYouMean(verb, among: Commands.all.map(\.name), otherwise: "help lists the commands"))")
        }
        return session.results.ran.contains(spec.name)
    }

    /// The provenance of `source`'s last measurement; an error when it has not run, or (strict) when
    /// the settings it depends on have changed since.
    func current(_ source: ResultSource, reading name: String) throws(ShellError) -> Provenance {
        guard let provenance = session.results.provenance(of: source) else {
            let predict = ResultSource.predictable.contains(source) ? ", or let predict run it" : ""
            let run = source == .norms ? "load norms FILE" : source.rawValue
            throw ShellError("'\(name)' comes from \(source.command), which has not run yet; run \(run) first\(predict)")
        }
        if strict, let stale = Self.staleness(source, in: session) { throw ShellError("'\(name)': " + stale) }
        return provenance
    }

    /// Why `source`'s results no longer describe the current settings ("bptt measured with rho=1.2,
    /// and rho is 0.8 now; run bptt again"), or nil when they are current (or absent).
    static func staleness(_ source: ResultSource, in session: Session) -> String? {
        guard let provenance = session.results.provenance(of: source) else { return nil }
        if let file = provenance.file { return changedFile(file, shown: session.results.norms?.value.shownPath ?? file.path) }
        let changed = provenance.changes(for: source, now: session.settings, clip: session.clipRule)
        guard !changed.isEmpty else { return nil }
        let then = changed.map { "\($0)=\(Settings.shown($0, provenance.settings, clip: provenance.clip))" }
        let now = changed.map { "\($0)=\(Settings.shown($0, session.settings, clip: session.clipRule))" }
        // The way back to the settings it measured with, as commands.
        var back: [String] = []
        let keys = changed.filter { $0 != "seed" && $0 != "clip" }
        if !keys.isEmpty { back.append("set " + keys.map { "\($0)=\(Settings.exact($0, provenance.settings))" }.joined(separator: " ")) }
        if changed.contains("seed") { back.append("seed \(provenance.settings.seed)") }
        if changed.contains("clip") { back.append("clip " + Commands.describe(provenance.clip)) }
        return "\(source.rawValue) measured with \(then.joined(separator: " ")), and the settings are \(now.joined(separator: " ")) now; run \(source.rawValue) again, or \(back.joined(separator: "; ")) to go back to its results"
    }

    /// Why numbers read from a file no longer describe it (it changed or went since it was read),
    /// or nil when it is as it was.
    static func changedFile(_ then: FileStamp, shown: String) -> String? {
        guard let now = FileStamp.now(then.path) else {
            return "\(shown) is gone since load norms read it; these are its numbers as they were"
        }
        guard now.size != then.size || now.modified != then.modified else { return nil }
        return "\(shown) has changed since load norms read it (\(then.sizeDescription), modified \(then.modifiedDescription); now \(now.sizeDescription), modified \(now.modifiedDescription)); load norms \(shown) again to read it as it is"
    }

    /// The command a name reads from: a result's (`delta`), or a run's settings' (`train.lr`).
    static func source(of name: String) -> ResultSource? {
        ResultName.source(of: name) ?? (try? dotted(name))??.0
    }

    /// The sources an expression reads results or run settings from.
    static func sources(of expression: Expression) -> [ResultSource] {
        let reads = expression.reads
        let found = Set(reads.names.union(reads.series).compactMap(source(of:)))
        return ResultSource.allCases.filter(found.contains)
    }

    /// Why each source an expression reads is stale, in the order of the sources (empty: all current).
    static func staleness(of expression: Expression, in session: Session) -> [String] {
        sources(of: expression).compactMap { staleness($0, in: session) }
    }
}
