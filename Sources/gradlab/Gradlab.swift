import Foundation
import ArgumentParser
import Render
import Shell
import TerminalDriver

@main
struct Gradlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradlab",
        abstract: "A terminal shell for learning how gradients explode through time, and how clipping tames them.",
        usage: """
        gradlab [-c <commands>] [--lesson <lesson>] [--json] [--color <when>] [--ascii] [--no-pager] [--bail] [--init <file> | --no-init] [<file>]
          gradlab lint <path> ...
          gradlab verify (<path> ... | --all)
          gradlab bench [--save <file>] [--quick] [--only <prefix>]
        """,
        discussion: Manual.text,
        version: "0.1.0",
        subcommands: [Run.self, Lint.self, Verify.self, Benchmark.self],
        defaultSubcommand: Run.self)

    /// The shell's options belong to the top command, so that `gradlab --help`, the manual page
    /// and the completion scripts (which know nothing of a default subcommand) all show them;
    /// `run` reads them from here. The script FILE stays with `run`: an argument of the top
    /// command would be taken before a subcommand's name is looked for.
    @OptionGroup(title: "Shell options") var shell: ShellFlags

    /// ArgumentParser's own `main`, but with its messages shown inert: they echo what was typed
    /// (an unknown option, a bad value), so `gradlab $'--\e]2;T\a'` must not retitle the terminal.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let message = fullMessage(for: error), code = exitCode(for: error)
            if !message.isEmpty { Terminal.write(Inert.text(message) + "\n", to: code.isSuccess ? .output : .error) }
            Foundation.exit(code.rawValue)
        }
    }
}

/// The options of the shell: `gradlab -c …`, `gradlab --lesson 2`, `gradlab --json FILE`.
struct ShellFlags: ParsableArguments {
    @Option(name: .customShort("c"), help: ArgumentHelp("Run these commands (separated by ';') and exit.", valueName: "commands"))
    var commands: String?

    @Flag(help: "Print one JSON object per command.")
    var json = false

    @Option(help: ArgumentHelp("auto: colour on a terminal, unless NO_COLOR is set and not empty, or TERM=dumb; always: also into a pipe or a file (for less -R); never.", valueName: "when"))
    var color: ColorChoice = .auto

    @Flag(name: .customLong("no-color"), help: "The same as --color=never.")
    var noColor = false

    @Flag(help: "Use ASCII instead of Unicode blocks and symbols.")
    var ascii = false

    @Flag(name: .customLong("no-pager"), help: "Write long output straight to the terminal. Without it, the interactive shell shows a command's output taller than the terminal through $GRADLAB_PAGER, else $PAGER, else less -FRX (empty or cat: none); never in a pipe or with --json.")
    var noPager = false

    @Flag(help: "Stop a script, -c or piped commands at the first command that fails (exit status 1).")
    var bail = false

    @Option(name: .customLong("init"),
            help: ArgumentHelp("Run the commands of this file first, in every mode (settings, load of a folder of lessons). Without it the interactive shell runs $GRADLAB_HOME/init, else $XDG_CONFIG_HOME/gradlab/init, else ~/.config/gradlab/init, when there is one.", valueName: "file"),
            completion: .file())
    var initFile: String?

    @Flag(name: .customLong("no-init"), help: "Run no start-up file.")
    var noInit = false

    @Option(help: ArgumentHelp("Start straight into a lesson: its number, its id, or a lesson file.", valueName: "lesson"),
            completion: .custom { _, _, prefix in Manual.lessonCandidates(prefix) })
    var lesson: String?

    func validate() throws {
        if noColor && color == .always { throw ValidationError("--no-color and --color=always contradict each other; give one") }
        if noInit && initFile != nil { throw ValidationError("--init FILE and --no-init contradict each other; give one") }
    }

    /// The options given, by name, for the subcommands that take none of them.
    var given: [String] {
        [("-c", commands != nil), ("--json", json), ("--color", color != .auto), ("--no-color", noColor), ("--ascii", ascii),
         ("--no-pager", noPager), ("--bail", bail), ("--init", initFile != nil), ("--no-init", noInit), ("--lesson", lesson != nil)]
            .filter(\.1).map(\.0)
    }

    /// Refuses the shell's options for a subcommand that is not the shell.
    func refuse(for subcommand: String) throws {
        guard let first = given.first else { return }
        throw ValidationError("\(first) is an option of the shell, not of gradlab \(subcommand); leave it out")
    }
}

/// The shell itself (the default): `gradlab`, `gradlab FILE`, `gradlab run FILE`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start the shell (the default when no subcommand is given).",
        discussion: """
        With no arguments on a terminal, starts the interactive shell (type help there).
        Reading from a pipe, runs one command per line with no prompt. Exit status 1 when any command failed.
        The shell's options (gradlab --help) go before or after run.
        """)

    @ParentCommand var top: Gradlab

    @Argument(help: ArgumentHelp("A script of gradlab commands, one per line ('#' starts a comment).", valueName: "file"),
              completion: .file())
    var script: String?

    func validate() throws {
        if top.shell.commands != nil && script != nil { throw ValidationError("give either -c COMMANDS or a script FILE, not both") }
    }

    func run() throws {
        let flags = top.shell
        var options = ShellOptions()
        options.json = flags.json
        options.color = flags.noColor ? .never : flags.color
        options.ascii = flags.ascii
        options.commands = flags.commands
        options.scriptPath = script
        options.lesson = flags.lesson
        options.bail = flags.bail
        options.initPath = flags.initFile
        options.noInit = flags.noInit
        options.pager = !flags.noPager
        let status = ShellMain.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `gradlab lint PATH…`: every problem of each lesson file, as path:line:column: message.
struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check lesson files (or folders of them) without running them.",
        discussion: "Reports every problem as path:line:column: message. Exit status 1 when there is any.")

    @ParentCommand var top: Gradlab

    @Argument(help: ArgumentHelp("Lesson files or folders.", valueName: "path"), completion: .file())
    var paths: [String] = []

    func validate() throws {
        try top.shell.refuse(for: "lint")
        if paths.isEmpty { throw ValidationError("give one or more lesson files or folders, like gradlab lint Lessons") }
    }

    func run() throws {
        let status = LessonTool.lint(paths)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `gradlab verify PATH…|--all`: every step run non-interactively, its solution checked.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every step of lessons non-interactively and check each one.",
        discussion: """
        For each step: applies its setup, checks that the setup alone does not complete it, runs its
        solution (or answers with its answer) and checks that this does. Exit status 1 on any failure.
        """)

    @Flag(help: "Verify every built-in lesson.")
    var all = false

    @ParentCommand var top: Gradlab

    @Argument(help: ArgumentHelp("Lesson files or folders.", valueName: "path"), completion: .file())
    var paths: [String] = []

    func validate() throws {
        try top.shell.refuse(for: "verify")
        if paths.isEmpty && !all { throw ValidationError("give lesson files or folders, or --all for the built-in lessons") }
    }

    func run() throws {
        let status = LessonTool.verify(paths, all: all)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `gradlab bench`: times the simulator's heavy work in this build (use a release build).
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time BPTT, a training step, a sweep, the cliff, a frame of each live view, start-up and verify --all on this machine.",
        discussion: """
        Each item runs after a warm-up, repeatedly for half a second (at least five times); the table gives the \
        median, the spread (half the distance from the 25th to the 75th percentile, relative to the median), \
        the number of runs and, for matrix work, GFLOP/s next to the peak of a large OpenBLAS product.

        In gradlab's source tree, bench/reference.py does the same work with numpy, PyTorch and JAX, and scripts/bench runs both.
        """)

    @ParentCommand var top: Gradlab

    @Option(help: ArgumentHelp("Also write the numbers to this file as JSON.", valueName: "file"), completion: .file())
    var save: String?

    @Flag(help: "A short run (about a tenth of a second an item), to check that everything runs.")
    var quick = false

    @Option(help: ArgumentHelp("Only the items whose name starts with this, like 'bptt n=32'.", valueName: "prefix"))
    var only: String?

    func validate() throws { try top.shell.refuse(for: "bench") }

    func run() throws {
        print("gradlab bench · \(Bench.description)")
        print(Bench.header)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let results = Bench.all(quick: quick, only: only, executable: executable) { print(Bench.row($0)) }
        for m in results where !m.details.isEmpty {
            print("\n\(m.name), commands over 100 ms per experiment:")
            m.details.forEach { print($0) }
        }
        if let save {
            do { try Bench.json(results).write(toFile: save, atomically: true, encoding: .utf8) } catch {
                throw ValidationError("cannot write \(save): \(error.localizedDescription)")
            }
        }
    }
}

extension ColorChoice: ExpressibleByArgument {}
