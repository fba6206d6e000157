import Foundation
import Testing

/// Issue 16, finding 1: what `gradlab lint`, `gradlab verify` and the argument parser print echoes
/// lesson files, their names and the command line, so a control character in any of them must
/// reach the terminal as text (^[, <U+009B>), never as the byte that starts an escape sequence.
@Suite struct InertOutputTests {
    /// The built gradlab beside this test binary (`.build/debug`), or GRADLAB_BIN.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["GRADLAB_BIN"] { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On macOS the tests run inside a bundle: gradlabPackageTests.xctest/Contents/MacOS.
        while folder.path.contains(".xctest") { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("gradlab").path
    }

    /// Runs gradlab with `arguments` in `directory`; what it wrote to standard output and error.
    static func run(_ arguments: [String], in directory: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["GRADLAB_HOME"] = directory + "/state"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(bytes)
    }

    /// The bytes a terminal acts on: C0 controls but newline and tab, DEL, and the C1 controls
    /// (U+0080…U+009F, in UTF-8 C2 80…C2 9F). What `od` shows, counted.
    static func controls(_ bytes: [UInt8]) -> Int {
        var count = 0
        for (k, byte) in bytes.enumerated() {
            if (byte < 0x20 && byte != 0x0A && byte != 0x09) || byte == 0x7F { count += 1 }
            if byte == 0xC2, k + 1 < bytes.count, (0x80...0x9F).contains(bytes[k + 1]) { count += 1 }
        }
        return count
    }

    static let title = #""\u001b]0;PWNED\u0007\u001b[2J""#
    static let top = "id = \"hostile\"\ntitle = \"Escapes\"\nsummary = \"Hostile.\"\n"
    static let prose = "\n[[step]]\nid = \"a\"\nkind = \"prose\"\ntext = \"Hi.\"\n"

    /// Each channel: the lesson files to write (name → text), the arguments, run in their folder,
    /// and what the output must show where the control characters were.
    static let channels: [(name: String, files: [String: String], arguments: [String], shows: String)] = [
        ("a key name", ["k.toml": top + title + " = 1\n" + prose], ["lint", "k.toml"], "unknown key '^[]0;PWNED^G^[[2J'"),
        ("a setup key", ["s.toml": top + "\n[setup]\n\"\\u001b[2Jkey\" = 1\n" + prose], ["lint", "s.toml"], "unknown setting '^[[2Jkey'"),
        ("a setup value", ["v.toml": top + "\n[setup]\nrho = \"\\u001b[2J\\u009b2J\"\n" + prose], ["lint", "v.toml"], "not '^[[2J<U+009B>2J'"),
        ("a solution line", ["t.toml": top + """

            [[step]]
            id = "t"
            kind = "task"
            text = "Do it."
            done = 'ran("bptt")'
            hints = ["h"]
            solution = "\\u001b]0;PWNED\\u0007bptt"

            """], ["lint", "t.toml"], "solution line '^[]0;PWNED^Gbptt'"),
        ("a run line and outcomes", ["p.toml": top + """

            [[step]]
            id = "p"
            kind = "prediction"
            text = "Guess."
            run = "bptt\\u001b[2J"
            choices = ["a", "b"]
            outcomes = ["\\u001b[2J", "true"]

            """], ["lint", "p.toml"], "outcomes = '^[[2J'"),
        ("an example", ["q.toml": top + """

            [[step]]
            id = "q"
            kind = "question"
            text = "Name one."
            accept = "answer > 0"
            example = "\\u001b[2J\\u009b"
            hints = ["h"]

            """], ["lint", "q.toml"], "example holds the control character U+009B"),
        ("a file name in a linted folder", ["lessons/\u{1B}[2J\u{9B}2J.toml": top + "oops = 1\n" + prose], ["lint", "lessons"], "lessons/^[[2J<U+009B>2J.toml:"),
        ("a file name in a verified folder", ["lessons/\u{1B}[2J\u{9B}2J.toml": top + "oops = 1\n" + prose], ["verify", "lessons"], "lessons/^[[2J<U+009B>2J.toml:"),
        ("a missing path to lint", [:], ["lint", "\u{1B}[2J.toml"], "^[[2J.toml:1:1: there is no such file"),
        ("a missing path to verify", [:], ["verify", "\u{1B}]0;T\u{07}.toml", "\u{9B}2J"], "<U+009B>2J:1:1: there is no such file"),
        ("verify of a lesson with escapes", ["k.toml": top + title + " = 1\n" + prose], ["verify", "k.toml"], "unknown key '^[]0;PWNED^G^[[2J'"),
        ("an unknown option", [:], ["--\u{1B}]2;T\u{07}"], "'--^[]2;T^G'"),
        ("an unknown option to lint", [:], ["lint", "--x\u{9B}2J", "k.toml"], "'--x<U+009B>2J'"),
        ("an unexpected argument", [:], ["script.gl", "\u{1B}[2J\u{9B}"], "'^[[2J<U+009B>'"),
    ]

    @Test func everyChannelIsChecked() { #expect(Self.channels.count == 14) }

    @Test(arguments: 0..<14)
    func lintVerifyAndTheArgumentParserWriteNoControlCharacters(_ index: Int) throws {
        let (name, files, arguments, shows) = Self.channels[index]
        let directory = folder("inert")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (file, text) in files {
            let path = directory + "/" + file
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        let printed = try Self.run(arguments, in: directory)
        let text = String(decoding: printed, as: UTF8.self)
        #expect(!printed.isEmpty, "\(name): nothing printed")
        #expect(Self.controls(printed) == 0, "\(name): control characters reached the terminal: \(text.debugDescription)")
        #expect(text.contains(shows), "\(name): expected \(shows.debugDescription) in \(text.debugDescription)")
    }
}
