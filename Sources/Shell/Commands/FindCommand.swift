import Render
import Foundation
import Simulator

extension Commands {
    static let find = CommandSpec(
        name: "find", usage: "find KEY in A..B: CLAIM [when KEY=VALUE…] [digits=N]",
        summary: "find where a claim starts to hold, by bisection over one setting",
        details: [
            .paragraph("Runs the claim's experiment at A and at B, where it must hold at one end and not at the other, then halves the range until the boundary is known to N significant digits (3 by default; digits=N, 1 to 12, goes last). It shows the two values, one digit finer than asked, between which the claim changes, each with the numbers the claim read, and the boundary to N digits. For a key of whole numbers, the boundary is exact. Your settings and results stay as they are."),
            .rows([
                ("find rho in 1..1.5: delta[0] > 1e6 when T=50 act=linear", "the smallest ρ at which the error passes 10⁶"),
                ("find T in 10..400: delta[0] > 1e6 when rho=1.1 act=linear", "the shortest sequence that does it"),
                ("find tau in 0.01..10: cosine > 0.99 when clip=value rho=1.3", ""),
            ]),
            .paragraph("Bisection finds one change: where the claim holds and fails several times over the range, predict for KEY in A..B:N: CLAIM shows them all."),
        ],
        argumentWords: { Settings.keyNames + ["tau", "seed"] }
    ) { session, call throws(ShellError) in
        var rest = call.rest, digits = 3
        if let range = rest.range(of: #"\s+digits=\S*\s*$"#, options: .regularExpression) {
            let word = String(rest[range]).trimmingWhitespace()
            let n = try Literal.integer(String(word.dropFirst("digits=".count)), for: "digits")
            guard (1...12).contains(n) else { throw ShellError("digits must be from 1 to 12, not \(n)") }
            digits = n
            rest.removeSubrange(range)
        }
        let (text, whenWords) = try splitWhen(rest)
        let (key, a, b, claimText) = try parseFindRange(text)
        let claim = try Expression(claimText)
        guard !whenWords.contains(where: { $0.hasPrefix(key + "=") }) else { throw ShellError("\(key) is both searched by find and set by when; keep one") }
        let target = try Settings.Assignment.Target(key)
        let when = try assignments(whenWords, tauSwept: target.name == "tau")
        let trains = SessionNames.sources(of: claim).contains(.train)
        let (base, _) = try runSettings(session, when)
        try checkWork(work(base, trains: trains) * 64, what: "that search (up to 64 experiments)")

        var probes: [FindProbe] = []
        /// The claim at key = x: whether it held, and the numbers it read.
        func probe(_ x: Double) throws(ShellError) -> FindProbe {
            if let seen = probes.first(where: { $0.x == x }) { return seen }
            let point = when + [Settings.Assignment(target, try target.parse(number: x))]
            var copy = try experiment(claim, session: session, assigning: point)
            if session.runtime.shouldStop() { throw ShellError("find interrupted after \(probes.count) experiments; nothing was found") }
            let (held, used) = try evaluateClaim(claim, in: &copy)
            let found = FindProbe(x: x, held: held, used: used)
            probes.append(found)
            session.runtime.progress("find", probes.count, 64)
            return found
        }
        let start = try probe(a), end = try probe(b)
        guard start.held != end.held else {
            throw ShellError("the claim \(start.held ? "holds" : "does not hold") at both ends (\(key)=\(NumberFormat.full(a)): \(usedText(start.used)); \(key)=\(NumberFormat.full(b)): \(usedText(end.used))); find needs a range where it changes")
        }
        // Bisection keeps `holding` where the claim holds and `failing` where it does not.
        var holding = start.held ? a : b, failing = start.held ? b : a
        let whole = target.whole
        // To one digit more than asked, so that the change is shown between two neighbours.
        let finer = digits + 1
        for _ in 0..<60 {
            if whole ? abs(holding - failing) <= 1 : abs(holding - failing) <= unit(of: holding, digits: finer) / 4 { break }
            var middle = (holding + failing) / 2
            if whole { middle = middle.rounded(.down) }
            if try probe(middle).held { holding = middle } else { failing = middle }
        }
        let above = holding > failing
        var near = holding, beside = failing
        if !whole {
            // The first value of `finer` digits past `failing` towards `holding`: where the claim
            // holds there, it is the boundary's upper neighbour and the value one unit back the
            // lower; where it does not, the boundary lies one unit on.
            let step = unit(of: holding, digits: finer)
            let onGrid = { (x: Double) in Double(String(format: "%.\(finer + 1)g", x)) ?? x }
            var first = onGrid((above ? Foundation.ceil(failing / step) : Foundation.floor(failing / step)) * step)
            if first == failing { first = onGrid(above ? first + step : first - step) }
            let next = onGrid(above ? first + step : first - step)
            if try probe(first).held { (near, beside) = (first, onGrid(above ? first - step : first + step)) } else { (near, beside) = (next, first) }
        }
        let inside = try probe(near), outside = try probe(beside)
        let found = inside.held && !outside.held
        let estimate = whole ? near : Double(String(format: "%.\(digits)g", (near + beside) / 2)) ?? near
        return Report(command: "find", FindOutcome(
            key: key, claim: claimText, digits: whole ? nil : digits, estimate: estimate, range: (start, end),
            boundary: inside, neighbour: outside, holdsAbove: above, found: found, experiments: probes.count))
    }

    /// `KEY in A..B: CLAIM` → the key, the ends and the claim.
    static func parseFindRange(_ text: String) throws(ShellError) -> (String, Double, Double, String) {
        let like = "write it as find KEY in A..B: CLAIM, like find rho in 1..1.5: delta[0] > 1e6"
        var words = try LineSplitter.splitWords(text)
        guard words.count >= 3, words[1] == "in" else { throw ShellError(like) }
        let key = words[0]
        var range = words[2]
        words.removeFirst(3)
        if range.hasSuffix(":") { range.removeLast() } else if words.first == ":" { words.removeFirst() } else { throw ShellError(like) }
        let ends = range.components(separatedBy: "..")
        guard ends.count == 2 else { throw ShellError("\(range) is not a range A..B; \(like)") }
        let a = try Literal.number(ends[0], for: "the start of the range")
        let b = try Literal.number(ends[1], for: "the end of the range")
        guard a < b else { throw ShellError("the range must run up, from a smaller number to a larger one, not \(range)") }
        let claim = words.joined(separator: " ")
        guard !claim.isEmpty else { throw ShellError("find needs a claim after the colon, like find rho in 1..1.5: delta[0] > 1e6") }
        return (key, a, b, claim)
    }

    /// One unit of the last of `digits` significant digits of x (of 1 at x = 0).
    static func unit(of x: Double, digits: Int) -> Double {
        Foundation.pow(10, Foundation.floor(Foundation.log10(abs(x == 0 ? 1 : x))) - Double(digits - 1))
    }
}

/// The claim at one value of the searched key.
struct FindProbe: Sendable {
    var x: Double
    var held: Bool
    var used: Commands.Used
}

/// What `find` shows: where the claim starts (or stops) holding, with the numbers on each side.
struct FindOutcome: Presentation {
    let key: String
    let claim: String
    /// The significant digits asked for; nil for a key of whole numbers (found exactly).
    let digits: Int?
    /// Where the claim starts to hold, to the digits asked (exact for whole numbers).
    let estimate: Double
    let range: (FindProbe, FindProbe)
    /// The first value, to one digit more than asked, at which the claim holds; `neighbour`, one
    /// unit of that digit away, where it does not.
    let boundary: FindProbe
    let neighbour: FindProbe
    /// Whether the claim holds above the boundary (and not below it).
    let holdsAbove: Bool
    /// Whether the boundary holds and its neighbour does not (false: the claim changes more than
    /// once at that resolution).
    let found: Bool
    let experiments: Int

    /// A value near the boundary with its trailing zeros (1.1950, not 1.195): the digits count.
    func shown(_ x: Double, digits: Int? = nil) -> String {
        guard let count = digits ?? self.digits.map({ $0 + 1 }), x != 0, digits != nil || x == boundary.x || x == neighbour.x else {
            return NumberFormat.full(x)
        }
        let text = String(format: "%#.\(count)g", x)
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    /// The numbers the claim read, to seven digits: near the boundary four would often be the same.
    static func numbers(_ used: Commands.Used) -> String {
        used.map { name, value in
            if case .number(let x) = value, x.isFinite { return "\(name) = " + String(format: "%.7g", x) }
            return "\(name) = \(value)"
        }.joined(separator: ", ")
    }

    var blocks: [Block] {
        let b = shown(boundary.x), n = shown(neighbour.x)
        var blocks: [Block] = [.title("find \(key): \(claim)")]
        if !found {
            blocks.append(.warning("at \(key) = \(b) the claim \(boundary.held ? "holds" : "does not hold") and at \(n) it \(neighbour.held ? "holds" : "does not hold"): it changes more than once near there; predict for \(key) in … shows where"))
        } else if let digits {
            let (low, high) = holdsAbove ? (n, b) : (b, n)
            blocks.append(.text("The claim \(holdsAbove ? "starts to hold" : "stops holding") between \(key) = \(low) and \(high) (it holds at \(b), not at \(n)): \(key) ≈ \(shown(estimate, digits: digits)) to \(digits) significant digit\(digits == 1 ? "" : "s")."))
        } else {
            blocks.append(.text("The claim holds from \(key) = \(b) \(holdsAbove ? "up" : "down"): it does not at \(key) = \(n)."))
        }
        let rows: [[Cell]] = [range.0, neighbour, boundary, range.1].sorted { $0.x < $1.x }.map { probe in
            [.text(shown(probe.x)), .text(probe.held ? "yes" : "no"), .text(Self.numbers(probe.used))]
        }
        blocks.append(.table(Table(columns: [.init(key, numeric: true), .init("holds", numeric: false), .init("numbers", numeric: false)], rows: rows)))
        blocks.append(.note("\(experiments) experiments by bisection, which finds one change of the claim"))
        return blocks
    }

    var fields: [(String, JSON)] {
        func probe(_ p: FindProbe) -> JSON {
            .object([("value", .number(p.x)), ("held", .bool(p.held)), ("names", .object(p.used.map { ($0.0, $0.1.json) }))])
        }
        return [
            ("key", .string(key)), ("claim", .string(claim)), ("digits", digits.map(JSON.integer) ?? .null),
            ("found", .bool(found)), ("boundary", .number(estimate)), ("holds", .string(holdsAbove ? "above" : "below")),
            ("at_boundary", probe(boundary)), ("beside_boundary", probe(neighbour)),
            ("ends", .array([probe(range.0), probe(range.1)])), ("experiments", .integer(experiments)),
        ]
    }
}
