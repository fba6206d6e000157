import Render
import Foundation

/// The value of an expression: a number or a truth value.
public enum ExpressionValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case bool(Bool)
    /// A word: the value of a setting such as act ("tanh"), compared with == and !=.
    case text(String)

    public var description: String {
        switch self {
        case .number(let x): NumberFormat.short(x)
        case .bool(let b): b ? "true" : "false"
        case .text(let word): "\"\(word)\""
        }
    }

    /// Every digit of a number (the calculator's answer).
    public var fullDescription: String {
        switch self {
        case .number(let x): NumberFormat.full(x)
        case .bool(let b): b ? "true" : "false"
        case .text(let word): "\"\(word)\""
        }
    }

    public var json: JSON {
        switch self {
        case .number(let x): .number(x)
        case .bool(let b): .bool(b)
        case .text(let word): .string(word)
        }
    }
}

/// Where names in an expression get their values.
public protocol ExpressionEnvironment {
    /// The value of `name`, or nil when there is no such name.
    func value(of name: String) throws(ShellError) -> ExpressionValue?
    /// The series `name[i]` indexes, or nil when there is no such series.
    func series(_ name: String) throws(ShellError) -> [Double]?
    /// Whether the command `verb` has run (`ran("bptt")`).
    func ran(_ verb: String) throws(ShellError) -> Bool
    /// Whether a `check` that held has read `name` (`checked("final_loss")`).
    func checked(_ name: String) throws(ShellError) -> Bool
    /// Every name, for "did you mean …?".
    var names: [String] { get }
}

extension ExpressionEnvironment {
    public func series(_ name: String) throws(ShellError) -> [Double]? { nil }
    public func ran(_ verb: String) throws(ShellError) -> Bool { false }
    public func checked(_ name: String) throws(ShellError) -> Bool { false }
}

/// The shell's one expression language: numbers, names, `+ - * / ^`, parentheses, comparisons,
/// `and`/`or`/`not`, and the functions `abs log10 ln exp sqrt min max`.
public struct Expression: Sendable {
    indirect enum Node: Sendable {
        case number(Double)
        case bool(Bool)
        case text(String)
        case name(String, column: Int)
        case negate(Node, column: Int)
        case not(Node, column: Int)
        case binary(String, Node, Node, column: Int)
        case call(String, [Node], column: Int)
        case index(String, Node, column: Int)
        case ran(String, column: Int)
        case checked(String, column: Int)
    }

    /// The plain names and the series an expression reads, and the commands it asks about with
    /// ran(…): what `predict` must run before it can judge the expression; and the names it asks
    /// about with checked(…).
    public var reads: (names: Set<String>, series: Set<String>, ran: Set<String>, checked: Set<String>) {
        var names = Set<String>(), series = Set<String>(), ran = Set<String>(), checked = Set<String>()
        func walk(_ node: Node) {
            switch node {
            case .number, .bool, .text: break
            case .name(let name, _): names.insert(name)
            case .negate(let inner, _), .not(let inner, _): walk(inner)
            case .binary(_, let a, let b, _): walk(a); walk(b)
            case .call(_, let args, _): args.forEach(walk)
            case .index(let name, let inner, _): series.insert(name); walk(inner)
            case .ran(let verb, _): ran.insert(verb)
            case .checked(let name, _): checked.insert(name)
            }
        }
        walk(root)
        return (names, series, ran, checked)
    }

    /// The two sides of a top-level comparison (`delta[0] < delta[T]`), to chart them.
    var comparisonSides: (Expression, Expression)? {
        guard case .binary(let op, let a, let b, _) = root, ["<", "<=", ">", ">=", "==", "!="].contains(op) else { return nil }
        return (Expression(root: a, source: source), Expression(root: b, source: source))
    }

    /// The expression written back out, e.g. "delta[0]" for a side of a comparison.
    var sourceText: String { Self.text(root) }

    static func text(_ node: Node) -> String {
        switch node {
        case .number(let x): NumberFormat.full(x)
        case .bool(let b): b ? "true" : "false"
        case .text(let word): "\"\(word)\""
        case .name(let name, _): name
        case .negate(let inner, _): "-" + text(inner)
        case .not(let inner, _): "not " + text(inner)
        case .binary(let op, let a, let b, _): text(a) + (op == "^" ? "^" : " \(op) ") + text(b)
        case .call(let name, let args, _): name + "(" + args.map(text).joined(separator: ", ") + ")"
        case .index(let name, let inner, _): name + "[" + text(inner) + "]"
        case .ran(let verb, _): "ran(\"\(verb)\")"
        case .checked(let name, _): "checked(\"\(name)\")"
        }
    }

    init(root: Node, source: String) {
        self.root = root
        self.source = source
    }

    let root: Node
    public let source: String

    public static let functions: [String: (arity: ClosedRange<Int>, summary: String)] = [
        "abs": (1...1, "absolute value"),
        "log10": (1...1, "base-10 logarithm"),
        "ln": (1...1, "natural logarithm"),
        "exp": (1...1, "e to the power"),
        "sqrt": (1...1, "square root"),
        "min": (1...16, "smallest argument"),
        "max": (1...16, "largest argument"),
        "ran": (1...1, "whether a command has run this session (in a lesson: at this step): ran(\"bptt\")"),
        "checked": (1...1, "whether a check that held read this name (in a lesson: at this step): checked(\"loss\")"),
    ]

    /// The deepest nesting accepted, so that no input can exhaust the stack.
    public static let maximumDepth = 64
    /// The most numbers, names and operators in one expression: a long flat chain like 1+1+…+1 is
    /// as deep a tree as its length, and walking it must not exhaust a thread's stack.
    public static let maximumTokens = 1000

    public init(_ source: String) throws(ShellError) {
        self.source = source
        let tokens = try ExpressionLexer.tokens(source)
        guard tokens.count - 1 <= Expression.maximumTokens else {
            throw ShellError("the expression has \(tokens.count - 1) numbers, names and operators; the limit is \(Expression.maximumTokens)")
        }
        var parser = ExpressionParser(tokens: tokens, source: source)
        root = try parser.parseAll()
    }

    /// Evaluates the expression; `used` collects every name read, with its value, in order.
    public func evaluate(in env: any ExpressionEnvironment, used: inout [(String, ExpressionValue)]) throws(ShellError) -> ExpressionValue {
        try Self.eval(root, env, &used)
    }

    static func eval(_ node: Node, _ env: any ExpressionEnvironment, _ used: inout [(String, ExpressionValue)]) throws(ShellError) -> ExpressionValue {
        switch node {
        case .number(let x):
            return .number(x)
        case .bool(let b):
            return .bool(b)
        case .text(let word):
            return .text(word)
        case .name(let name, let column):
            guard let v = try env.value(of: name) else {
                if (try? env.series(name)) != nil {
                    throw ShellError("at column \(column): '\(name)' is a series; pick one value with an index, like \(name)[0] or \(name)[T]")
                }
                if functions[name] != nil { throw ShellError("at column \(column): \(name) is a function; call it with parentheses, like \(name)(x)") }
                let names = env.names.map { $0.replacingOccurrences(of: "[…]", with: "") }
                let near = Suggest.nearestFew(name, among: names)
                let hint = near.isEmpty ? (Suggest.nearest(name, among: names).map { " — did you mean '\($0)'?" } ?? "; help expressions lists every name")
                    : " — did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
                throw ShellError("at column \(column): unknown name '\(name)'\(hint)")
            }
            if !used.contains(where: { $0.0 == name }) { used.append((name, v)) }
            return v
        case .index(let name, let inner, let column):
            guard let values = try env.series(name) else {
                throw ShellError("at column \(column): '\(name)' cannot be indexed; the series are \(env.names.filter { $0.hasSuffix("[…]") }.joined(separator: ", "))")
            }
            let position = try number(inner, env, &used, column: column, role: "the index of \(name)[…]")
            guard position == position.rounded(), position >= 0, position < Double(values.count) else {
                throw ShellError("at column \(column): \(name)[\(NumberFormat.short(position))] is out of range: the index runs over whole numbers from 0 to \(values.count - 1)")
            }
            let label = "\(name)[\(Int(position))]"
            if !used.contains(where: { $0.0 == label }) { used.append((label, .number(values[Int(position)]))) }
            return .number(values[Int(position)])
        case .ran(let verb, _):
            return .bool(try env.ran(verb))
        case .checked(let name, _):
            return .bool(try env.checked(name))
        case .negate(let inner, let column):
            return .number(-(try number(inner, env, &used, column: column, role: "'-'")))
        case .not(let inner, let column):
            return .bool(!(try truth(inner, env, &used, column: column, role: "'not'")))
        case .call(let name, let args, let column):
            var xs: [Double] = []
            for arg in args { xs.append(try number(arg, env, &used, column: column, role: "\(name)()")) }
            switch name {
            case "abs": return .number(abs(xs[0]))
            case "log10": return .number(log10(xs[0]))
            case "ln": return .number(log(xs[0]))
            case "exp": return .number(exp(xs[0]))
            case "sqrt": return .number(xs[0].squareRoot())
            case "min": return .number(xs.contains(where: \.isNaN) ? .nan : xs.min()!)
            default: return .number(xs.contains(where: \.isNaN) ? .nan : xs.max()!)
            }
        case .binary(let op, let lhs, let rhs, let column):
            let role = "'\(op)'"
            switch op {
            case "and", "or":
                // Both sides are evaluated, so that a mistake on either side is reported, unless the
                // other side decides alone (`x or …` with x true): a result not measured yet on one
                // side then does not hide the answer.
                let decider = op == "or"
                var a: Result<Bool, ShellError>, b: Result<Bool, ShellError>
                do throws(ShellError) { a = .success(try truth(lhs, env, &used, column: column, role: role)) } catch { a = .failure(error) }
                do throws(ShellError) { b = .success(try truth(rhs, env, &used, column: column, role: role)) } catch { b = .failure(error) }
                switch (a, b) {
                case (.success(let x), .success(let y)): return .bool(op == "and" ? x && y : x || y)
                case (.success(decider), _), (_, .success(decider)): return .bool(decider)
                case (.failure(let error), _), (_, .failure(let error)): throw error
                }
            case "==", "!=":
                let a = try eval(lhs, env, &used), b = try eval(rhs, env, &used)
                switch (a, b) {
                // Words compare without regard to case: a learner's "Tanh" is the word tanh.
                case (.text(let x), .text(let y)): return .bool((x.lowercased() == y.lowercased()) == (op == "=="))
                case (.text, _), (_, .text):
                    throw ShellError("at column \(column): '\(op)' compares a word with a word, like act == \"tanh\"; here one side is not a word")
                default:
                    let x = try number(lhs, env, &used, column: column, role: role)
                    let y = try number(rhs, env, &used, column: column, role: role)
                    return .bool((x == y) == (op == "=="))
                }
            default:
                let a = try number(lhs, env, &used, column: column, role: role)
                let b = try number(rhs, env, &used, column: column, role: role)
                switch op {
                case "+": return .number(a + b)
                case "-": return .number(a - b)
                case "*": return .number(a * b)
                case "/": return .number(a / b)
                case "^": return .number(pow(a, b))
                case "<": return .bool(a < b)
                case "<=": return .bool(a <= b)
                case ">": return .bool(a > b)
                case ">=": return .bool(a >= b)
                case "==": return .bool(a == b)
                default: return .bool(a != b)
                }
            }
        }
    }

    static func number(_ node: Node, _ env: any ExpressionEnvironment, _ used: inout [(String, ExpressionValue)], column: Int, role: String) throws(ShellError) -> Double {
        switch try eval(node, env, &used) {
        case .number(let x): return x
        case .bool(let b):
            throw ShellError("at column \(column): \(role) needs a number, but got the truth value \(b); compare numbers with < > == instead")
        case .text(let word):
            throw ShellError("at column \(column): \(role) needs a number, but got the word \"\(word)\"; words can only be compared with == or !=")
        }
    }

    static func truth(_ node: Node, _ env: any ExpressionEnvironment, _ used: inout [(String, ExpressionValue)], column: Int, role: String) throws(ShellError) -> Bool {
        switch try eval(node, env, &used) {
        case .bool(let b): return b
        case .number(let x):
            throw ShellError("at column \(column): \(role) needs true or false, but got the number \(NumberFormat.short(x)); write a comparison such as rho > 1")
        case .text(let word):
            throw ShellError("at column \(column): \(role) needs true or false, but got the word \"\(word)\"; write a comparison such as act == \"tanh\"")
        }
    }
}

struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case number(Double), name(String), string(String), op(String), end }
    var kind: Kind
    var column: Int
}

enum ExpressionLexer {
    static func tokens(_ source: String) throws(ShellError) -> [ExpressionToken] {
        var tokens: [ExpressionToken] = []
        let chars = Array(source)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c.isWhitespace { i += 1; continue }
            if c.isASCII && (c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber)) {
                var j = i
                while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "." { j += 1 }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    var k = j + 1
                    if k < chars.count, chars[k] == "-" || chars[k] == "+" { k += 1 }
                    if k < chars.count, chars[k].isASCII, chars[k].isNumber {
                        while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }
                        j = k
                    }
                }
                let text = String(chars[i..<j])
                guard Literal.isDecimal(text), let value = Double(text) else {
                    throw ShellError("at column \(column): '\(text)' is not a number")
                }
                guard value.isFinite else { throw ShellError("at column \(column): \(text) is too large for a 64-bit float") }
                tokens.append(.init(kind: .number(value), column: column))
                i = j
                continue
            }
            if c.isLetter || c == "_" {
                var j = i
                // A dot between two words joins them into one name: train.lr, bptt.rho.
                func continues(_ k: Int) -> Bool {
                    chars[k].isLetter || chars[k].isNumber || chars[k] == "_"
                        || (chars[k] == "." && k + 1 < chars.count && (chars[k + 1].isLetter || chars[k + 1] == "_"))
                }
                while j < chars.count, continues(j) { j += 1 }
                let word = String(chars[i..<j])
                let aliases = ["ρ": "rho", "τ": "tau", "π": "pi"]
                let name = word.split(separator: ".").map { aliases[String($0)] ?? String($0) }.joined(separator: ".")
                tokens.append(.init(kind: ["and", "or", "not"].contains(word) ? .op(word) : .name(name), column: column))
                i = j
                continue
            }
            let two = i + 1 < chars.count ? String(chars[i...(i + 1)]) : ""
            if ["<=", ">=", "==", "!="].contains(two) {
                tokens.append(.init(kind: .op(two), column: column))
                i += 2
                continue
            }
            if c == "\"" {
                guard let close = chars[(i + 1)...].firstIndex(of: "\"") else {
                    throw ShellError("at column \(column): the string has no closing quote")
                }
                tokens.append(.init(kind: .string(String(chars[(i + 1)..<close])), column: column))
                i = close + 1
                continue
            }
            if two == "**" { throw ShellError("at column \(column): '**' is not an operator here; write powers with ^, as in 2^3") }
            if "+-*/^<>(),[]".contains(c) {
                tokens.append(.init(kind: .op(String(c)), column: column))
                i += 1
                continue
            }
            if two == "=>" || two == "=<" { throw ShellError("at column \(column): write \(two == "=>" ? ">=" : "<=") for \(two == "=>" ? "greater" : "less") or equal") }
            if c == "=" { throw ShellError("at column \(column): use == to compare; a single = is not an operator here") }
            throw ShellError("at column \(column): unexpected character '\(c)'")
        }
        tokens.append(.init(kind: .end, column: chars.count + 1))
        return tokens
    }
}

/// Precedence climbing, lowest first: or, and, not, comparisons, + −, * /, unary −, ^ (right-associative).
struct ExpressionParser {
    var tokens: [ExpressionToken]
    let source: String
    var position = 0
    var depth = 0

    init(tokens: [ExpressionToken], source: String) {
        self.tokens = tokens
        self.source = source
    }

    var current: ExpressionToken { tokens[position] }

    mutating func parseAll() throws(ShellError) -> Expression.Node {
        if case .end = current.kind { throw ShellError("the expression is empty: write something like rho^T") }
        let node = try parseOr()
        guard case .end = current.kind else {
            throw ShellError("at column \(current.column): unexpected \(describe(current)) after a complete expression")
        }
        return node
    }

    func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case .number(let x): "number \(NumberFormat.short(x))"
        case .name(let n): "name '\(n)'"
        case .string(let s): "string \"\(s)\""
        case .op(let o): "'\(o)'"
        case .end: "end of input"
        }
    }

    mutating func accept(_ op: String) -> Int? {
        if case .op(op) = current.kind {
            let column = current.column
            position += 1
            return column
        }
        return nil
    }

    mutating func nested<T>(_ body: (inout ExpressionParser) throws(ShellError) -> T) throws(ShellError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Expression.maximumDepth else {
            throw ShellError("at column \(current.column): the expression is nested deeper than \(Expression.maximumDepth) levels")
        }
        return try body(&self)
    }

    mutating func parseOr() throws(ShellError) -> Expression.Node {
        var node = try parseAnd()
        while let column = accept("or") { node = .binary("or", node, try parseAnd(), column: column) }
        return node
    }

    mutating func parseAnd() throws(ShellError) -> Expression.Node {
        var node = try parseNot()
        while let column = accept("and") { node = .binary("and", node, try parseNot(), column: column) }
        return node
    }

    mutating func parseNot() throws(ShellError) -> Expression.Node {
        if let column = accept("not") {
            return .not(try nested { p throws(ShellError) in try p.parseNot() }, column: column)
        }
        return try parseComparison()
    }

    mutating func parseComparison() throws(ShellError) -> Expression.Node {
        let node = try parseSum()
        for op in ["<=", ">=", "==", "!=", "<", ">"] {
            if let column = accept(op) {
                let rhs = try parseSum()
                if case .op(let next) = current.kind, ["<=", ">=", "==", "!=", "<", ">"].contains(next) {
                    throw ShellError("at column \(current.column): comparisons do not chain; write a < b and b < c")
                }
                return .binary(op, node, rhs, column: column)
            }
        }
        return node
    }

    mutating func parseSum() throws(ShellError) -> Expression.Node {
        var node = try parseProduct()
        while true {
            if let column = accept("+") { node = .binary("+", node, try parseProduct(), column: column) }
            else if let column = accept("-") { node = .binary("-", node, try parseProduct(), column: column) }
            else { return node }
        }
    }

    mutating func parseProduct() throws(ShellError) -> Expression.Node {
        var node = try parseUnary()
        while true {
            if let column = accept("*") { node = .binary("*", node, try parseUnary(), column: column) }
            else if let column = accept("/") { node = .binary("/", node, try parseUnary(), column: column) }
            else { return node }
        }
    }

    mutating func parseUnary() throws(ShellError) -> Expression.Node {
        if let column = accept("-") { return .negate(try nested { p throws(ShellError) in try p.parseUnary() }, column: column) }
        if accept("+") != nil { return try nested { p throws(ShellError) in try p.parseUnary() } }
        return try parsePower()
    }

    mutating func parsePower() throws(ShellError) -> Expression.Node {
        let base = try parseAtom()
        if let column = accept("^") {
            return .binary("^", base, try nested { p throws(ShellError) in try p.parseUnary() }, column: column)
        }
        return base
    }

    mutating func parseAtom() throws(ShellError) -> Expression.Node {
        let token = current
        switch token.kind {
        case .number(let x):
            position += 1
            return .number(x)
        case .name(let name):
            position += 1
            if name == "true" || name == "false" { return .bool(name == "true") }
            if accept("[") != nil {
                let inner = try nested { p throws(ShellError) in try p.parseOr() }
                guard accept("]") != nil else {
                    throw ShellError("at column \(current.column): expected ']' to close \(name)[ opened at column \(token.column)")
                }
                return .index(name, inner, column: token.column)
            }
            guard accept("(") != nil else { return .name(name, column: token.column) }
            if name == "ran" || name == "checked" {
                guard case .string(let word) = current.kind else {
                    throw ShellError(name == "ran" ? "at column \(current.column): ran takes a command in quotes, like ran(\"bptt\")"
                                                   : "at column \(current.column): checked takes a name in quotes, like checked(\"final_loss\")")
                }
                position += 1
                guard accept(")") != nil else { throw ShellError("at column \(current.column): expected ')' after \(name)(\"\(word)\"") }
                return name == "ran" ? .ran(word, column: token.column) : .checked(word, column: token.column)
            }
            guard let fn = Expression.functions[name] else {
                // log is ambiguous: name both logarithms rather than the nearer spelling.
                let suggestion = name == "log" ? "; use ln(x) for the natural logarithm or log10(x)"
                    : Suggest.didYouMean(name, among: Array(Expression.functions.keys), otherwise: "functions: \(Expression.functions.keys.sorted().joined(separator: ", "))")
                throw ShellError("at column \(token.column): unknown function '\(name)'\(suggestion)")
            }
            var args: [Expression.Node] = []
            if accept(")") == nil {
                repeat { args.append(try nested { p throws(ShellError) in try p.parseOr() }) } while accept(",") != nil
                guard accept(")") != nil else {
                    throw ShellError("at column \(current.column): expected ')' to close \(name)( opened at column \(token.column)")
                }
            }
            guard fn.arity.contains(args.count) else {
                let wanted = fn.arity.count == 1 ? "1 argument" : "\(fn.arity.lowerBound) to \(fn.arity.upperBound) arguments"
                throw ShellError("at column \(token.column): \(name)() takes \(wanted), not \(args.count)")
            }
            return .call(name, args, column: token.column)
        case .string(let word):
            position += 1
            return .text(word)
        case .op("("):
            position += 1
            let inner = try nested { p throws(ShellError) in try p.parseOr() }
            guard accept(")") != nil else {
                throw ShellError("at column \(current.column): expected ')' to close the '(' at column \(token.column)")
            }
            return inner
        default:
            throw ShellError("at column \(token.column): expected a number, a name or '(' but found \(describe(token))")
        }
    }
}
