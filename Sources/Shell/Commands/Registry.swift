import Render
/// One command of the shell. `help` and tab completion are generated from these entries, so they
/// cannot drift from the code.
public struct CommandSpec: Sendable {
    public let name: String
    public let aliases: [String]
    /// The synopsis, e.g. "set KEY=VALUE…".
    public let usage: String
    public let summary: String
    /// Longer help: what it shows, its arguments, examples; wrapped to the terminal's width when shown.
    public let details: [HelpItem]
    /// Words that may follow the verb (completion candidates).
    let argumentWords: @Sendable () -> [String]
    let run: @Sendable (inout Session, CommandCall) throws(ShellError) -> Report

    init(name: String, aliases: [String] = [], usage: String, summary: String, details: [HelpItem],
         argumentWords: @escaping @Sendable () -> [String] = { [] },
         run: @escaping @Sendable (inout Session, CommandCall) throws(ShellError) -> Report) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.details = details
        self.argumentWords = argumentWords
        self.run = run
    }
}

/// A piece of a command's longer help, written without line breaks: `help` wraps it to the
/// terminal's width.
public enum HelpItem: Sendable {
    /// One paragraph (it may end mid-sentence, when rows continue it).
    case paragraph(String)
    /// Terms and their meanings, aligned: "norm τ" and what it does, or an example command and
    /// what it shows. An example whose meaning is "" stands alone.
    case rows([(term: String, meaning: String)])
}

public enum Commands {
    /// Every command, in the order `help` lists them.
    public static let all: [CommandSpec] = [
        help, show, set, reset, seed, eig, power, bptt, clip, grad, task, optim, train, compare, sweep, cliff, suggest, check, predict, find, notebook, calculator, live,
        lessons, lesson, next, back, goto, hint, skip, restart, whereCommand, leave, answer, load, transcript, quit,
    ]

    /// Every name a learner may type as a verb.
    public static var verbs: [String] { all.flatMap { [$0.name] + $0.aliases } }

    public static func find(_ verb: String) -> CommandSpec? {
        all.first { $0.name == verb || $0.aliases.contains(verb) }
    }

    /// Runs one command against the session. Errors are one sentence naming what was wrong.
    public static func run(_ call: CommandCall, in session: inout Session) throws(ShellError) -> Report {
        guard let spec = find(call.verb) else {
            let words = verbs.filter { $0.count > 1 }  // "?" and "=" are near every short typo
            throw ShellError("unknown command '\(call.verb)'\(Suggest.didYouMean(call.verb, among: words, otherwise: "type help for the list"))")
        }
        session.commandsRun += 1
        let timed = session.runtime.timed
        let started = timed != nil ? ContinuousClock.now : nil
        let report = try spec.run(&session, call)
        if let timed, let started { timed(call, ContinuousClock.now - started) }
        session.results.ran.insert(spec.name)
        return report
    }

    static func noArguments(_ call: CommandCall) throws(ShellError) {
        guard call.words.isEmpty else {
            throw ShellError("\(call.verb) takes no arguments, but got '\(call.words[0])'; see help \(call.verb)")
        }
    }
}
