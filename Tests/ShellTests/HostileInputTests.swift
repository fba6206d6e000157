import StateFiles
import Foundation
import Testing
@testable import Render

/// Input a learner (or a stranger's script) might send, piped through the real binary. Each command
/// of the line gives at most one message; nothing crashes the shell, and it answers the next command.
@Suite struct HostileInputTests {
    static let inputs: [String] = [
        // Empty, blank, huge and broken lines.
        "", "   ", "\t", ";", ";;;", "#", "# only a comment", String(repeating: "x", count: 1_000_000),
        "set rho=" + String(repeating: "9", count: 100_000), String(repeating: "; ", count: 50_000),
        String(repeating: "y", count: 3_000_000), "= " + String(repeating: "1+", count: 300_000) + "1",
        "bptt\u{0}", "\u{0}", "set act=\u{FF}\u{FE}", "\u{1B}[2J\u{1B}]0;title\u{07}", "é", "ρ", "👍", "set act=τανh",
        // Numbers at and past their edges.
        "= 1e999", "= -1e999", "= -0", "= nan", "= inf", "= 1/0", "= 0/0", "= 1e-400", "set rho=1e999", "set rho=-0",
        "set rho=nan", "set n=0", "set n=-1", "set n=99999999999999999999", "set T=0", "set lr=inf", "seed 1e3", "seed 18446744073709551616",
        // Brackets, matrices and ranges.
        "= (((1)", "= 1))", "set W=[[1,2],[3]]", "set W=[[", "set W=[]", "set W=[[]]", "set W=[[nan]]", "set W=[[1e308,1e308],[1e308,1e308]]",
        "clip norm 1 [", "clip norm 1 [1,,2]", "clip norm 1 [" + String(repeating: "1,", count: 20_000) + "1]",
        "sweep rho=0..1:100000", "sweep rho=1..0:5", "sweep rho=a..b", "sweep rho=0..1:5 T=1..9:5 n=1..3:3",
        "= " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000),
        "= " + String(repeating: "-", count: 10_000) + "1", "= " + String(repeating: "not ", count: 5_000) + "true",
        "predict for rho in 0..1:100000: delta[0] > 1",
        // Every command with missing and extra arguments.
        "help nothing here", "show a b", "set", "set =", "set rho", "reset now", "seed", "seed a b", "eig x", "power", "power 0", "power 1 2",
        "bptt x", "clip", "clip norm", "clip nope 1", "clip norm -1", "grad x", "task nope", "optim nope", "train steps=0", "train x",
        "compare", "compare clip=", "sweep", "cliff w=", "cliff nope=1", "suggest x", "check", "check (", "predict", "predict when",
        "notebook x", "=", "lessons x", "lesson", "lesson 0", "lesson 99", "next", "back", "goto", "goto x", "hint", "skip", "restart",
        "where x", "leave", "answer", "load", "load /nonexistent", "load /dev/null", "load /dev/zero", "load /", "transcript", "transcript /", "quit now",
        // Issue 16: a megabyte of ESC or NUL, help and 400,000 ESC, C1 controls, special files,
        // a W too small to rescale, an empty transcript name, a choice letter outside a lesson.
        String(repeating: "\u{1B}", count: (1 << 20) - 16), String(repeating: "\u{0}", count: (1 << 20) - 16),
        "help " + String(repeating: "\u{1B}", count: 400_000), "\u{9B}2J", "set act=\u{9B}31m", "load /proc/self/fd/1", "load /dev/stdin",
        "load /dev/tty", "set W=[[5e-324,0],[0,5e-324]] rho=1", "set W=[[1e308,1e308],[1e308,1e308]] rho=1", "transcript \"\"", "b)",
        "clip value 1 [inf,-inf,nan]", "clip norm 1 [inf,1]", "cliff clip=norm:1000", "answer b)", "lesson 1; goto 3; b)",
    ]

    @Test func theTableIsLargeEnough() { #expect(Self.inputs.count >= 60) }

    @Test(arguments: inputs.indices)
    func aHostileLineGetsAtMostOneMessageAndTheShellGoesOn(_ index: Int) throws {
        let line = Self.inputs[index]
        let r = try gradlab([], input: line + "\n= 1+1\n")
        let shown = String(line.prefix(40))
        #expect(r.status == 0 || r.status == 1, "\(shown): exit status \(r.status)")
        #expect(r.out.hasSuffix("2\n"), "\(shown): the shell did not answer the next command")
        let messages = r.err.split(separator: "\n").filter { $0.hasPrefix("stdin:") }
        #expect(messages.count <= line.split(separator: ";").count, "\(shown): \(messages)")
        #expect(messages.allSatisfy { $0.hasPrefix("stdin:1: error: ") }, "\(shown): \(messages)")
        #expect(!r.err.unicodeScalars.contains { $0.value == 0x1B }, "\(shown): an escape character reached the terminal")
    }
}

@Suite struct UnwritableStateTests {
    /// A state directory that cannot be made (here under a file, which stops root too) costs one
    /// warning; the shell and the lesson work on.
    @Test func anUnwritableStateDirectoryIsAWarningNotAFailure() throws {
        let file = NSTemporaryDirectory() + "gradlab-a-file-\(UUID().uuidString)"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try gradlab(["-c", "lesson 1\n\n= 1+1"], environment: ["GRADLAB_HOME": file + "/state"])
        #expect(r.status == 0)
        #expect(r.out.contains("step 2 of 12") && r.out.hasSuffix("2\n"))
        let warnings = r.err.replacingOccurrences(of: "\n  ", with: " ").split(separator: "\n")
        #expect(warnings == ["warning: cannot create \(file)/state: \(file) is a file, not a folder; lesson progress will not be saved this session"])
    }
}

@Suite struct ResourceLimitTests {
    @Test func aLineOverTheLimitIsRefusedWithTheLimitAndTheNextLineRuns() throws {
        let r = try gradlab([], input: String(repeating: "z", count: 5_000_000) + "\n= 3*3\n")
        #expect(r.out == "9\n")
        #expect(r.err.replacingOccurrences(of: "\n  ", with: " ") == "stdin:1: error: the line is over 1 MiB (1048576 bytes), the longest a command line may be; split it into shorter lines\n")
    }

    @Test func aScriptThatNeverEndsIsRefused() throws {
        let r = try gradlab(["/dev/zero"])
        #expect(r.status == 2)
        #expect(r.err.contains("is over 1 MiB, the most a script may hold"))
    }
}

extension ResourceLimitTests {
    @Test func aLongFlatExpressionIsRefusedAtTheTokenLimitAndOneJustUnderItRunsOnEveryThread() throws {
        let over = "= " + String(repeating: "1+", count: 600) + "1"
        let under = "predict for rho in 0.5..1:4: " + String(repeating: "1+", count: 480) + "1 > 0"
        let r = try gradlab([], input: over + "\n" + under + "\n")
        #expect(r.err == "stdin:1: error: the expression has 1201 numbers, names and operators; the limit is 1000\n")
        #expect(r.out.contains("held at all 4 of 4 points"))
    }
}
