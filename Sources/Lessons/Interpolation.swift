import Foundation

/// Lesson text with values worked out when it is shown: `${final_loss}`, `${compare_loss[1]:3}`,
/// `${clip_rate:.0%}`. The shell evaluates each expression in the session at that moment; the
/// text around them is kept as written. `$${` writes a literal `${`.
public struct Interpolated: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case literal(String)
        case value(expression: String, format: ValueFormat)
    }

    public var pieces: [Piece]

    /// The expressions in the text, in order.
    public var expressions: [String] {
        pieces.compactMap { if case .value(let expression, _) = $0 { expression } else { nil } }
    }

    /// The text with every value replaced by what `value` gives for it.
    public func render(_ value: (String, ValueFormat) -> String) -> String {
        pieces.map { piece in
            switch piece {
            case .literal(let text): text
            case .value(let expression, let format): value(expression, format)
            }
        }.joined()
    }

    /// The text as written, without its values (what the numbers check reads as prose).
    public var literalText: String {
        pieces.map { if case .literal(let text) = $0 { text } else { " " } }.joined()
    }

    /// Splits `text` into literal text and `${…}` values; an error names what is wrong and where,
    /// as a count of characters from the start.
    public init(_ text: String) throws(InterpolationError) {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            let after = rest[dollar...].dropFirst()
            if after.hasPrefix("${") {  // $${ is a literal ${
                literal += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{") else {
                literal += "$"
                rest = after
                continue
            }
            let offset = text.distance(from: text.startIndex, to: dollar)
            let body = after.dropFirst()
            guard let close = Self.closingBrace(in: body) else {
                throw InterpolationError(offset: offset, message: "${ is not closed; write ${EXPRESSION} or ${EXPRESSION:FORMAT} (or $${ for a literal ${)")
            }
            let inside = body[..<close]
            let (expression, formatText) = Self.splitFormat(inside)
            guard !expression.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw InterpolationError(offset: offset, message: "${} holds no expression; write one, like ${final_loss}")
            }
            let format: ValueFormat
            if let formatText {
                guard let parsed = ValueFormat(formatText) else {
                    throw InterpolationError(offset: offset, message: "'\(formatText)' in ${\(inside)} is not a format; write 3 (significant digits), .2 (decimals), .1% (a percentage) or e3 (scientific)")
                }
                format = parsed
            } else {
                format = .standard
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
            pieces.append(.value(expression: expression.trimmingCharacters(in: .whitespaces), format: format))
            rest = body[body.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The `}` that ends a value on its line, skipping braces inside quoted words.
    static func closingBrace(in body: Substring) -> Substring.Index? {
        let line = body.prefix { $0 != "\n" }
        return unquoted(line).first { line[$0] == "}" }
    }

    /// `expression:format` split at the last colon outside quotes (expressions have no colons).
    static func splitFormat(_ inside: Substring) -> (Substring, String?) {
        guard let colon = unquoted(inside).last(where: { inside[$0] == ":" }) else { return (inside, nil) }
        return (inside[..<colon], String(inside[inside.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }

    /// The positions of `text` outside quoted words ("…" or '…').
    static func unquoted(_ text: Substring) -> [Substring.Index] {
        var quote: Character? = nil
        var found: [Substring.Index] = []
        for index in text.indices {
            let c = text[index]
            if let open = quote {
                if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else {
                found.append(index)
            }
        }
        return found
    }
}

public struct InterpolationError: Error, Sendable {
    /// Characters from the start of the text to the `$` of the value.
    public var offset: Int
    public var message: String
}

/// How a value in lesson text is written.
public enum ValueFormat: Sendable, Equatable {
    /// As the shell shows numbers: four significant digits (0.03954, 17.54, 1.2e+05).
    case standard
    /// This many significant digits.
    case significant(Int)
    /// This many digits after the point.
    case decimals(Int)
    /// Times 100 with this many decimals, and a % sign: 0.7071 at .1% is 70.7%.
    case percent(Int)
    /// Scientific with this many significant digits: 1.23e-05.
    case scientific(Int)

    init?(_ text: String) {
        func digits(_ s: Substring) -> Int? { Int(s).flatMap { (0...15).contains($0) ? $0 : nil } }
        if text.hasPrefix("."), text.hasSuffix("%"), let n = digits(text.dropFirst().dropLast()) { self = .percent(n) }
        else if text.hasPrefix("."), let n = digits(text.dropFirst()) { self = .decimals(n) }
        else if text.hasPrefix("e"), let n = digits(text.dropFirst()), n >= 1 { self = .scientific(n) }
        else if let n = digits(Substring(text)), n >= 1 { self = .significant(n) }
        else { return nil }
    }

    public func format(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
        switch self {
        case .standard: return x == 0 ? "0" : String(format: "%.4g", x)
        case .significant(let n): return x == 0 ? "0" : String(format: "%.\(n)g", x)
        case .decimals(let n): return String(format: "%.\(n)f", x)
        case .percent(let n): return String(format: "%.\(n)f%%", x * 100)
        case .scientific(let n): return String(format: "%.\(n - 1)e", x)
        }
    }
}
