import Foundation

/// A number as written in text: its value, how precisely it was written, and where.
public struct WrittenNumber: Sendable, Equatable {
    /// What was written, as written ("0.0395", "70.7%", "1.2e-05").
    public var text: String
    /// Its value (a percentage divided by 100).
    public var value: Double
    /// Half a unit in the last digit written, in the units of `value`: a number shown to those
    /// digits agrees with this one when it lies within this of it.
    public var halfUnit: Double
    /// Significant digits written; trailing zeros of a whole number do not count (1000 has one).
    public var significantDigits: Int
    /// Characters from the start of the text.
    public var offset: Int

    /// Whether `shown` (a number on screen, written to `shown.halfUnit`) says the same to the
    /// digits of this one: rounded to this one's last digit, it is this one. The sign is not
    /// compared (text says "falls by 0.123" of a change the screen shows as −0.123).
    public func agrees(with shown: WrittenNumber) -> Bool {
        guard shown.halfUnit <= halfUnit * 1.000001 else { return false }  // the screen shows at least as many digits
        return abs(abs(shown.value) - abs(value)) <= halfUnit * 1.000001
    }

    public func agrees(withConstant constant: Double) -> Bool {
        abs(abs(constant) - abs(value)) <= halfUnit * 1.000001
    }
}

/// Finds the numbers written in text: in lesson prose, to check them; on the screen, to check
/// them against.
public enum ProseNumbers {
    /// Every number in `text`. A number glued to a letter or an underscore is part of a name
    /// (x_50, float16, L2) and not read; nor is a number directly after `=` (a `KEY=VALUE` word to
    /// type, an input, not a claim), when `skippingInputs`.
    public static func numbers(in text: String, skippingInputs: Bool = false) -> [WrittenNumber] {
        let chars = Array(text)
        var found: [WrittenNumber] = []
        var i = 0
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func gluedBefore(_ c: Character) -> Bool { c.isLetter || c == "_" || isDigit(c) || c == "." || c == "§" }
        while i < chars.count {
            guard isDigit(chars[i]) else { i += 1; continue }
            var start = i
            if i > 0, gluedBefore(chars[i - 1]) {  // inside a name or another number
                while i < chars.count, isDigit(chars[i]) || chars[i] == "." { i += 1 }
                continue
            }
            var negative = false
            // A minus is a sign unless it follows a name or a number (t−1 is a difference).
            if start > 0, chars[start - 1] == "-" || chars[start - 1] == "−", start < 2 || !(gluedBefore(chars[start - 2]) || chars[start - 2] == ")") {
                negative = true
                start -= 1
            }
            var j = i
            while j < chars.count, isDigit(chars[j]) { j += 1 }
            var decimals = 0
            var mantissaDigits = String(chars[i..<j])
            if j + 1 < chars.count, chars[j] == ".", isDigit(chars[j + 1]) {
                var k = j + 1
                while k < chars.count, isDigit(chars[k]) { k += 1 }
                decimals = k - j - 1
                mantissaDigits += String(chars[(j + 1)..<k])
                j = k
            }
            var exponent = 0
            if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                var k = j + 1
                var sign = 1
                if k < chars.count, chars[k] == "+" || chars[k] == "-" || chars[k] == "−" {
                    sign = chars[k] == "+" ? 1 : -1
                    k += 1
                }
                let digitsStart = k
                while k < chars.count, isDigit(chars[k]) { k += 1 }
                if k > digitsStart, let e = Int(String(chars[digitsStart..<k])) {
                    exponent = sign * e
                    j = k
                }
            }
            var percent = false
            if j < chars.count, chars[j] == "%" { percent = true; j += 1 }
            let end = j
            if end < chars.count, chars[end].isLetter || chars[end] == "_" || isDigit(chars[end]) {  // 128d, 16bit: part of a word
                i = end
                while i < chars.count, chars[i].isLetter || isDigit(chars[i]) { i += 1 }
                continue
            }
            i = end
            let before = start > 0 ? chars[start - 1] : " "
            if skippingInputs, before == "=" { continue }
            let written = String(chars[start..<end])
            let plain = String(chars[(negative ? start + 1 : start)..<(percent ? end - 1 : end)])
            guard var value = Double(plain.replacingOccurrences(of: "−", with: "-")) else { continue }
            if negative { value = -value }
            var halfUnit = 0.5 * pow(10, Double(exponent - decimals))
            if percent { value /= 100; halfUnit /= 100 }
            let significant = significantDigits(mantissaDigits, decimals: decimals)
            found.append(WrittenNumber(text: written, value: value, halfUnit: halfUnit, significantDigits: significant, offset: start))
        }
        return found
    }

    /// Digits from the first non-zero one to the last written, less a whole number's trailing zeros.
    static func significantDigits(_ digits: String, decimals: Int) -> Int {
        var s = Substring(digits.drop { $0 == "0" })
        if decimals == 0 { while s.last == "0" { s = s.dropLast() } }
        return s.count
    }

    /// Whether a whole number reads as a year (1900 to 2099), which is not a measured number.
    public static func isYear(_ number: WrittenNumber) -> Bool {
        number.halfUnit == 0.5 && !number.text.contains("%") && (1900...2099).contains(number.value)
    }
}
