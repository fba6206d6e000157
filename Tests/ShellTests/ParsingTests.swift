import Foundation
import Testing
@testable import Render
@testable import Shell

@Suite struct LineSplitterTests {
    @Test func semicolonsSeparateCommandsAndHashStartsAComment() throws {
        let calls = try LineSplitter.split("set rho=1.2 T=40; bptt # the classic")
        #expect(calls.map(\.verb) == ["set", "bptt"])
        #expect(calls[0].words == ["rho=1.2", "T=40"])
    }

    @Test func bracketsKeepTheirSpacesSemicolonsAndHashes() throws {
        let calls = try LineSplitter.split("clip norm 1 [3, 0] [0, 4]; set W=[[1, 0], [0, 1]]")
        #expect(calls[0].words == ["norm", "1", "[3, 0]", "[0, 4]"])
        #expect(calls[1].words == ["W=[[1, 0], [0, 1]]"])
    }

    @Test func calculatorNeedsNoSpaceAfterItsVerb() throws {
        let calls = try LineSplitter.split("=2+2")
        #expect(calls == [CommandCall(verb: "=", words: ["2+2"], rest: "2+2")])
    }

    @Test func blankLinesAndCommentsAreNoCommands() throws {
        #expect(try LineSplitter.split("   ").isEmpty)
        #expect(try LineSplitter.split("# only a comment").isEmpty)
        #expect(try LineSplitter.split(" ; ;").isEmpty)
    }

    @Test(arguments: ["clip norm 1 [6,8", "clip norm 1 6,8]", "= (1+2", "= 1+2)", "= \"abc"])
    func unbalancedInputIsOneClearError(_ line: String) {
        #expect(throws: ShellError.self) { try LineSplitter.split(line) }
    }
}

@Suite struct LiteralTests {
    @Test func numbersInEveryUsualSpelling() throws {
        for (text, value) in [("1.2", 1.2), ("-3", -3.0), ("1e-3", 0.001), (".5", 0.5), ("+2", 2.0), ("-0", -0.0)] {
            #expect(try Literal.number(text, for: "x") == value)
        }
    }

    @Test(arguments: ["nan", "inf", "-inf", "0x10", "1.2.3", "", "e5", "1e", "abc", "1,5"])
    func nonNumbersAreRefused(_ text: String) {
        #expect(throws: ShellError.self) { try Literal.number(text, for: "rho") }
    }

    @Test func overflowIsRefusedWithTheReason() {
        #expect(throws: ShellError("rho is too large: '1e999' does not fit in a 64-bit float")) {
            try Literal.number("1e999", for: "rho")
        }
    }

    @Test func matrixRowsAndRaggedness() throws {
        let w = try Literal.matrix("[[1.1, 0], [0, 0.9]]", for: "W", maxSize: 8)
        #expect(w.rowArrays == [[1.1, 0], [0, 0.9]])
        #expect(throws: ShellError("W is ragged: row 2 has 1 entries but row 1 has 2")) {
            try Literal.matrix("[[1,2],[3]]", for: "W", maxSize: 8)
        }
        #expect(throws: ShellError.self) { try Literal.matrix("[1,2]", for: "W", maxSize: 8) }
        #expect(throws: ShellError.self) { try Literal.matrix("[[1,2] [3,4]]", for: "W", maxSize: 8) }
        #expect(throws: ShellError.self) { try Literal.matrix("[[1,x],[3,4]]", for: "W", maxSize: 8) }
    }

    @Test func matrixSizeIsLimited() {
        let big = "[" + Array(repeating: "[1]", count: 10).joined(separator: ",") + "]"
        #expect(throws: ShellError("W has more than 4 rows; the limit is 4×4")) { try Literal.matrix(big, for: "W", maxSize: 4) }
    }

    @Test func vectors() throws {
        #expect(try Literal.vector("[6, 8]", for: "v") == [6, 8])
        #expect(throws: ShellError.self) { try Literal.vector("[]", for: "v") }
        #expect(throws: ShellError.self) { try Literal.vector("[1,,2]", for: "v") }
        #expect(throws: ShellError.self) { try Literal.vector("[[1]]", for: "v") }
    }
}

struct FixedNames: ExpressionEnvironment {
    var values: [String: Double]
    var names: [String] { Array(values.keys) }
    func value(of name: String) throws(ShellError) -> ExpressionValue? { values[name].map(ExpressionValue.number) }
}

@Suite struct ExpressionTests {
    func eval(_ text: String, _ names: [String: Double] = ["rho": 1.2, "T": 40]) throws -> ExpressionValue {
        var used: [(String, ExpressionValue)] = []
        return try Expression(text).evaluate(in: FixedNames(values: names), used: &used)
    }

    @Test func arithmeticFollowsTheUsualPrecedence() throws {
        #expect(try eval("1 + 2 * 3") == .number(7))
        #expect(try eval("(1 + 2) * 3") == .number(9))
        #expect(try eval("-2^2") == .number(-4))
        #expect(try eval("2^3^2") == .number(512))
        #expect(try eval("2^-1") == .number(0.5))
        #expect(try eval("10 - 4 - 3") == .number(3))
        #expect(try eval("1e-3 * 1000") == .number(1))
    }

    @Test func namesAndFunctions() throws {
        #expect(try eval("rho^T") == .number(pow(1.2, 40)))
        #expect(try eval("max(1, rho, 0.5)") == .number(1.2))
        #expect(try eval("log10(1000)") == .number(3))
        #expect(try eval("sqrt(abs(-16))") == .number(4))
    }

    @Test func comparisonsAndLogic() throws {
        #expect(try eval("rho > 1 and T >= 40") == .bool(true))
        #expect(try eval("not rho > 1 or T == 40") == .bool(true))
        #expect(try eval("rho != 1.2") == .bool(false))
    }

    @Test func theNamesUsedAreReported() throws {
        var used: [(String, ExpressionValue)] = []
        _ = try Expression("rho^T + rho").evaluate(in: FixedNames(values: ["rho": 1.2, "T": 40]), used: &used)
        #expect(used.map(\.0) == ["rho", "T"])
    }

    @Test func errorsNameThePosition() {
        #expect(throws: ShellError("at column 5: expected a number, a name or '(' but found end of input")) { try eval("1 + ") }
        #expect(throws: ShellError("at column 1: unknown name 'rh' — did you mean 'rho'?")) { try eval("rh + 1") }
        #expect(throws: ShellError("at column 5: 'and' needs true or false, but got the number 1.2; write a comparison such as rho > 1")) { try eval("rho and 3") }
        #expect(throws: ShellError("at column 3: use == to compare; a single = is not an operator here")) { try eval("1 = 1") }
        #expect(throws: ShellError("the expression is empty: write something like rho^T")) { try eval("  ") }
        #expect(throws: ShellError.self) { try eval("1 < 2 < 3") }
        #expect(throws: ShellError.self) { try eval("foo(1)") }
        #expect(throws: ShellError.self) { try eval("sqrt(1, 2)") }
        #expect(throws: ShellError.self) { try eval("1 $ 2") }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(throws: ShellError.self) { try eval(deep) }
        let minuses = String(repeating: "-", count: 10_000) + "1"
        #expect(throws: ShellError.self) { try eval(minuses) }
    }
}
