import ArgumentParser
import Shell

@main
struct Gradlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradlab",
        abstract: "A terminal shell for learning how gradients explode through time, and how clipping tames them.",
        discussion: """
        With no arguments on a terminal, starts the interactive shell (type help there).
        Reading from a pipe, runs one command per line with no prompt. Exit status 1 when any command failed.
        """,
        version: "0.1.0")

    @Option(name: .customShort("c"), help: ArgumentHelp("Run these commands (separated by ';') and exit.", valueName: "commands"))
    var commands: String?

    @Flag(help: "Print one JSON object per command.")
    var json = false

    @Flag(name: .customLong("no-color"), help: "Never use colour (also: NO_COLOR, TERM=dumb).")
    var noColor = false

    @Flag(help: "Use ASCII instead of Unicode blocks and symbols.")
    var ascii = false

    @Argument(help: ArgumentHelp("A script of gradlab commands, one per line ('#' starts a comment).", valueName: "file"))
    var script: String?

    func validate() throws {
        if commands != nil && script != nil { throw ValidationError("give either -c COMMANDS or a script FILE, not both") }
    }

    func run() throws {
        var options = ShellOptions()
        options.json = json
        options.noColor = noColor
        options.ascii = ascii
        options.commands = commands
        options.scriptPath = script
        let status = ShellMain.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}
