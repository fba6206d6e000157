import Render
import Simulator

/// Numbers, vectors and matrices as the learner writes them.
public enum Literal {
    /// A decimal number such as `1.2`, `-3`, `1e-3`, `.5`. NaN, infinities, hex and overflow
    /// (`1e999`) are refused: a setting must be an actual finite number.
    public static func number(_ text: String, for what: String) throws(ShellError) -> Double {
        let t = text.trimmingWhitespace()
        guard isDecimal(t) else {
            throw ShellError("\(what) must be a number like 1.2 or 1e-3, not '\(t)'")
        }
        guard let value = Double(t), value.isFinite else {
            throw ShellError("\(what) is too large: '\(t)' does not fit in a 64-bit float")
        }
        return value
    }

    /// A whole number.
    public static func integer(_ text: String, for what: String) throws(ShellError) -> Int {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }), let value = Int(t) else {
            throw ShellError("\(what) must be a whole number, not '\(t)'")
        }
        return value
    }

    /// A seed: a whole number from 0 to 2⁵³ − 1 (exact as a JSON number).
    public static func seed(_ text: String) throws(ShellError) -> UInt64 {
        guard let value = UInt64(text.trimmingWhitespace()), value <= Limits.largestSeed else {
            throw ShellError("the seed must be a whole number from 0 to \(Limits.largestSeed), not '\(text)'")
        }
        return value
    }

    /// `[6, 8]` → [6, 8]. With `nonFinite`, entries may also be `nan`, `inf` and `-inf`: a gradient
    /// to clip is data, and a broken gradient is exactly what a learner may want to try.
    public static func vector(_ text: String, for what: String, nonFinite: Bool = false) throws(ShellError) -> [Double] {
        let t = text.trimmingWhitespace()
        guard t.hasPrefix("["), t.hasSuffix("]") else {
            throw ShellError("\(what) must be a vector in brackets like [6, 8], not '\(t)'")
        }
        let inner = String(t.dropFirst().dropLast()).trimmingWhitespace()
        if inner.contains("[") {
            throw ShellError("\(what) must be a flat vector like [6, 8], not a nested list")
        }
        if inner.isEmpty { throw ShellError("\(what) is empty: write at least one number, like [6, 8]") }
        var values: [Double] = []
        for (i, part) in inner.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = String(part).trimmingWhitespace().lowercased()
            if nonFinite, let special = ["nan": Double.nan, "inf": .infinity, "+inf": .infinity, "-inf": -.infinity][entry] {
                values.append(special)
            } else {
                values.append(try number(entry, for: "entry \(i + 1) of \(what)"))
            }
        }
        return values
    }

    /// `[[1.1, 0], [0, 0.9]]` → a 2×2 matrix. Every row must have the same length.
    public static func matrix(_ text: String, for what: String, maxSize: Int) throws(ShellError) -> Matrix {
        let t = text.trimmingWhitespace()
        guard t.hasPrefix("[["), t.hasSuffix("]]") else {
            throw ShellError("\(what) must be a matrix written as rows, like [[1.1, 0], [0, 0.9]], not '\(t.prefix(40))'")
        }
        var rows: [[Double]] = []
        var rest = Substring(t.dropFirst().dropLast())
        while true {
            rest = Substring(String(rest).trimmingWhitespace())
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                throw ShellError("\(what): row \(rows.count + 1) must be in brackets, like [0, 0.9]")
            }
            rows.append(try vector(String(rest[...close]), for: "row \(rows.count + 1) of \(what)"))
            if rows.count > maxSize {
                throw ShellError("\(what) has more than \(maxSize) rows; the limit is \(maxSize)×\(maxSize)")
            }
            rest = Substring(String(rest[rest.index(after: close)...]).trimmingWhitespace())
            if rest.isEmpty { break }
            guard rest.first == "," else {
                throw ShellError("\(what): put a comma between rows, as in [[1, 0], [0, 1]]")
            }
            rest = rest.dropFirst()
        }
        for (i, row) in rows.enumerated() where row.count != rows[0].count {
            throw ShellError("\(what) is ragged: row \(i + 1) has \(row.count) entries but row 1 has \(rows[0].count)")
        }
        return Matrix(rows)
    }

    static func isDecimal(_ t: String) -> Bool {
        var chars = Substring(t)
        if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
        var digits = 0, sawDot = false
        while let c = chars.first, c.isASCII, c.isNumber || c == "." {
            if c == "." { if sawDot { return false }; sawDot = true } else { digits += 1 }
            chars = chars.dropFirst()
        }
        guard digits > 0 else { return false }
        if let e = chars.first, e == "e" || e == "E" {
            chars = chars.dropFirst()
            if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
            guard !chars.isEmpty, chars.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            return true
        }
        return chars.isEmpty
    }
}
