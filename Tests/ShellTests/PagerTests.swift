import Testing
@testable import TerminalDriver

/// Issue 20: which pager the environment asks for, and how tall output is on a terminal.
@Suite struct PagerTests {
    func configured(_ environment: [String: String]) -> (String, String?)? {
        Pager.configured(environment: environment, warn: { _ in }).map { ($0.command, $0.variable) }
    }

    @Test func gradlabPagerThenPagerThenLess() {
        #expect(configured([:])! == ("less -FRX", nil))
        #expect(configured(["PAGER": "most"])! == ("most", "PAGER"))
        #expect(configured(["PAGER": "most", "GRADLAB_PAGER": "less -S"])! == ("less -S", "GRADLAB_PAGER"))
        // Empty or cat: none, and an empty GRADLAB_PAGER is not passed over for PAGER.
        for none in [["PAGER": ""], ["PAGER": "cat"], ["GRADLAB_PAGER": "", "PAGER": "less"], ["GRADLAB_PAGER": " cat "]] {
            #expect(configured(none) == nil, "\(none)")
        }
    }

    @Test func rowsCountWrappedLinesAndNotColour() {
        #expect(Pager.rows(of: "", columns: 80) == 0)
        #expect(Pager.rows(of: "a\nb\n", columns: 80) == 2)
        #expect(Pager.rows(of: "a\n\nb", columns: 80) == 3)
        #expect(Pager.rows(of: String(repeating: "x", count: 81) + "\n", columns: 80) == 2)
        #expect(Pager.rows(of: String(repeating: "x", count: 80) + "\n", columns: 80) == 1)
        #expect(Pager.rows(of: "\u{1B}[1;36m" + String(repeating: "ρ", count: 80) + "\u{1B}[0m\n", columns: 80) == 1)
        #expect(Pager.rows(of: String(repeating: "x", count: 500), columns: 0) == 1)
    }

    /// A plain command is exec'd by sh (so the pager is gradlab's child, which a SIGTERM reaches);
    /// anything with shell syntax runs as it is.
    @Test func plainCommandsAreExecd() {
        #expect(Pager.script("less -FRX") == "exec less -FRX")
        #expect(Pager.script("/usr/bin/most") == "exec /usr/bin/most")
        for syntax in ["cat | less", "less; echo", "LESS=S less", "less $OPTS", "less 'a b'"] {
            #expect(Pager.script(syntax) == syntax)
        }
    }
}
