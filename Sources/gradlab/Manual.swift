import Foundation
import Render
import Shell

/// What `gradlab --help` and the manual page say beyond the options: the shell's commands, the
/// files gradlab reads and writes, and the environment it heeds. Plain ASCII, since the manual's
/// generator (the argument parser's) keeps no other character; each block's lines are indented,
/// so that the manual keeps them as lines.
enum Manual {
    static var text: String {
        """
        With no subcommand, gradlab is the shell: on a terminal, the interactive prompt (type help \
        there, or lesson 1); otherwise it runs the commands of FILE, of -c, or of standard input, \
        one per line, without a prompt, and exits with status 1 when any of them failed.

        COMMANDS OF THE SHELL (help COMMAND there explains one)
        \(Commands.plainList(width: 72))

        FILES
        \(indented(files))

        ENVIRONMENT
        \(indented(environment))
        """
    }

    static let files: [(String, String)] = [
        ("~/.config/gradlab/init", "commands run before the first prompt: $GRADLAB_HOME/init when GRADLAB_HOME is set, else $XDG_CONFIG_HOME/gradlab/init; --init FILE names another, --no-init skips it"),
        ("~/.local/state/gradlab/history", "the command history: $GRADLAB_HISTORY when set, else history in the state folder ($GRADLAB_HOME, else $XDG_STATE_HOME/gradlab)"),
        ("~/.local/state/gradlab/progress.json", "lesson progress: the step, hints, answers, settings and results of each lesson (progress.json.lock beside it while it is written)"),
        ("PREFIX/share/gradlab/Lessons", "the built-in lessons, beside the installed binary ($GRADLAB_LESSONS names another folder)"),
        ("transcript FILE", "writes the session as Markdown to FILE, never over an existing file"),
    ]

    static let environment: [(String, String)] = [
        ("GRADLAB_HOME", "one folder for the init file, the history and the progress"),
        ("XDG_CONFIG_HOME, XDG_STATE_HOME", "where the init file, and the history and progress, live otherwise"),
        ("GRADLAB_HISTORY, GRADLAB_HISTORY_SIZE", "the history's file, and how many commands it keeps (1000; 0 keeps none)"),
        ("GRADLAB_LESSONS", "the folder of the built-in lessons"),
        ("NO_COLOR, TERM", "with --color=auto, no colour when NO_COLOR is set and not empty, or TERM is dumb"),
        ("GRADLAB_PAGER, PAGER", "the pager for output taller than the terminal (less -FRX when neither is set; empty or cat: none); LESS and LV are set for it as git sets them, when they are not set"),
        ("GRADLAB_KERNELS", "portable: the portable kernels instead of AVX2 (the same bits)"),
    ]

    /// Terms and meanings, one term a line, its meaning on the lines below it, indented further.
    static func indented(_ rows: [(String, String)]) -> String {
        rows.map { term, meaning in "  \(term)\n" + TextRenderer.words(meaning, width: 64).map { "      " + $0 }.joined(separator: "\n") }
            .joined(separator: "\n")
    }

    /// What Tab offers after `--lesson`: the ids of the built-in lessons and, once something is
    /// typed, the lesson files (.toml) and folders whose path starts with it.
    static func lessonCandidates(_ prefix: String) -> [String] {
        let ids = LessonCatalog.builtIns().0.all.map(\.id).filter { $0.hasPrefix(prefix) }
        guard !prefix.isEmpty else { return ids }
        let slash = prefix.lastIndex(of: "/")
        let folder = slash.map { String(prefix[...$0]) } ?? ""
        let start = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        let expanded = folder.isEmpty ? "." : (folder as NSString).expandingTildeInPath
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: expanded)) ?? []).sorted().compactMap { name -> String? in
            guard name.hasPrefix(start), !name.hasPrefix(".") || start.hasPrefix(".") else { return nil }
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: expanded + "/" + name, isDirectory: &isFolder)
            if isFolder.boolValue { return folder + name + "/" }
            return name.hasSuffix(".toml") ? folder + name : nil
        }
        return ids + files
    }
}
