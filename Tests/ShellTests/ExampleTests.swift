import Foundation
import Testing
@testable import Render

/// Runs the built `gradlab` (beside this test binary, or $GRADLAB_BIN) with no terminal.
func gradlab(_ arguments: [String], input: String = "", environment extra: [String: String] = [:]) throws -> (out: String, err: String, status: Int32) {
    let bin = ProcessInfo.processInfo.environment["GRADLAB_BIN"]
        ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("gradlab").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: bin)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["GRADLAB_HOME"] = NSTemporaryDirectory() + "gradlab-examples-\(UUID().uuidString)"
    environment.removeValue(forKey: "COLUMNS")
    for (k, v) in extra { environment[k] = v }
    process.environment = environment
    // Standard error goes to a file, so that a child writing much to it (a sanitizer's report)
    // cannot block while this side waits for standard output to end.
    let errPath = NSTemporaryDirectory() + "gradlab-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    let stdin = Pipe(), stdout = Pipe(), stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    try stderr.close()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let err = FileManager.default.contents(atPath: errPath) ?? Data()
    return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), process.terminationStatus)
}

/// The exact text gradlab prints, pinned: a change to the interface shows up here.
@Suite struct ExampleTests {
    @Test func clipNormOfOneVector() throws {
        let r = try gradlab(["-c", "clip norm 1 [6,8]"])
        #expect(r.out == """
            clip norm 1
            tensor  input   output
            ──────  ──────  ──────────
                 1  [6, 8]  [0.6, 0.8]
            ‖g‖₂ before 10   scale 0.1   ‖ĝ‖₂ after 1   cosine 1   clipped yes

            """)
        #expect(r.err == "" && r.status == 0)
    }

    @Test func eigenvaluesOfARotation() throws {
        let r = try gradlab(["-c", "set W=[[0,-1],[1,0]]; eig"])
        #expect(r.out == """
            W [[0, -1], [1, 0]]
            now ρ(W) = 1, σ_max(W) = 1
            Eigenvalues of W (2×2), largest |λ| first
            #  re λ  im λ  |λ|
            ─  ────  ────  ───
            1     0     1    1
            2     0    -1    1
            ρ(W) 1   σ_max(W) = ‖W‖₂ 1
            singular values 1 1
            λ in the complex plane: |λ| > 1 grows like |λ|ᵏ over k steps, |λ| < 1 decays
             1.2i           │
                       ⢀⡠⠔⠒⠚●⠓⠒⠢⢄⡀
                     ⢀⠔⠉    │    ⠉⠢⡀
                    ⢠⠋      │      ⠙⡄
                    ⡇       │       ⢸
                0 ─⢸⡁───────┼───────⢈⡇─
                    ⡇       │       ⢸
                    ⠘⣄      │      ⣠⠃
                     ⠈⠢⣀    │    ⣀⠔⠁
                       ⠈⠑⠢⠤⢤●⡤⠤⠔⠊⠁
            -1.2i           │
                  -1.2      0       1.2
            ● |λ| ≤ 1: 2   ◆ |λ| > 1: 0
            axes from -1.2 to 1.2; the unit circle |λ| = 1 is dotted

            """)
    }

    @Test func bpttOfADiagonalLinearRNN() throws {
        let r = try gradlab(["-c", "set W=[[1.1,0],[0,0.9]] T=5 act=linear; bptt"])
        #expect(r.out == """
            W [[1.1, 0], [0, 0.9]]   T 5   act linear
            now ρ(W) = 1.1, σ_max(W) = 1.1
            BPTT over T=5 steps · n=2 · act=linear · ρ(W)=1.1 · σ_max(W)=1.1 · seed 1
            t  steps back  ‖∂L/∂h_t‖₂  ‖∂h_T/∂h_t‖₂
            ─  ──────────  ──────────  ────────────
            5           0      0.4054             1
            4           1      0.3651           1.1
            3           2       0.329          1.21
            2           3      0.2966         1.331
            1           4      0.2677         1.464
            0           5      0.2419         1.611
            ‖∂L/∂h_t‖₂ from t=5 back to t=0, log scale: ▁ 0.2419 … █ 0.4054
            t=5 █▇▅▄▂▁ t=0
            loss 0.304   ‖∇L‖₂ 4.138
            the error shrank ×0.5966 over 5 steps back (×0.9019 per step); ρ(W)^5 = 1.611

            """)
    }

    @Test func asciiMode() throws {
        let r = try gradlab(["--ascii", "-c", "clip value 0.5 [3,-0.2,0.9]"])
        #expect(r.out == """
            clip value 0.5
            tensor  input           output
            ------  --------------  ----------------
                 1  [3, -0.2, 0.9]  [0.5, -0.2, 0.5]
            ||g||2 before 3.138   scale none (per component)   ||g'||2 after 0.7348
            cosine 0.8629   clipped yes

            """)
    }

    @Test func pipedCommandsPrintNoPromptAndAnErrorGoesToStderr() throws {
        let good = try gradlab([], input: "set rho=1.2 T=40 act=linear\nbptt\n")
        #expect(good.status == 0 && good.err == "")
        #expect(!good.out.contains("gradlab>"))
        #expect(good.out.contains("‖∂L/∂h_t‖₂ from t=40 back to t=0, log scale: ▁ 128.7 … █ 1.126e+05"))
        // Rising: from the lowest block at t=40 to the highest at t=0.
        let sparkline = good.out.split(separator: "\n").first { $0.hasPrefix("t=40 ") }
        #expect(sparkline == "t=40 ▁▁▁▁▁▁▂▂▂▂▃▃▃▃▃▃▄▄▄▄▄▅▅▅▅▅▆▆▆▆▆▆▇▇▇▇▇████ t=0")

        let bad = try gradlab([], input: "set rho=1.2\nbpt\nbptt\n")
        #expect(bad.status == 1)
        #expect(bad.err == "stdin:2: error: unknown command 'bpt' — did you mean 'bptt'?\n")
        #expect(bad.out.contains("BPTT over T=40"), "the shell carries on after an error")
    }

    @Test func scriptFilesReportTheLine() throws {
        let path = NSTemporaryDirectory() + "gradlab-script-\(UUID().uuidString).gl"
        try "# a script\nset T=10\n\nset rho=-1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try gradlab([path])
        #expect(r.status == 1)
        #expect(r.err == "\(path):4: error: rho must be from 0 to 100, not -1; use rho=none to keep W as drawn\n")
        let missing = try gradlab(["/nonexistent/script.gl"])
        #expect(missing.status != 0 && missing.err.contains("no such file"))
    }

    @Test func jsonIsOneObjectPerCommand() throws {
        let r = try gradlab(["--json", "-c", "clip norm 1 [6,8]; bogus; = 1/0"])
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix(#"{"command":"clip","ok":true,"#))
        #expect(lines[0].contains(#""norm":10.0,"scale":0.1,"cosine":1.0"#))
        #expect(lines[1] == #"{"command":"bogus","ok":false,"error":"unknown command 'bogus'; type help for the list"}"#)
        #expect(lines[2].contains(#""value":"Infinity""#))
        for line in lines { #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any]) }
        #expect(r.status == 1)
    }

    @Test func noColourWithoutATerminal() throws {
        let r = try gradlab(["-c", "bogus; eig"], environment: ["TERM": "xterm-256color"])
        #expect(!r.out.contains("\u{1B}") && !r.err.contains("\u{1B}"))
    }

    @Test func quitStopsAScript() throws {
        let r = try gradlab([], input: "seed 3\nquit\nbogus\n")
        #expect(r.status == 0 && r.err == "")
    }
}
