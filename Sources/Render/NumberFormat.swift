import Foundation

/// The fixed, readable number formats every renderer uses.
public enum NumberFormat {
    /// Four significant digits, `%g`-style: "0.6", "1.235", "1470", "2.393e+04", "NaN", "Inf".
    public static func short(_ x: Double) -> String {
        if let special = nonFinite(x) { return special }
        if x == 0 { return "0" }
        return String(format: "%.4g", x)
    }

    /// Every digit needed to read the number back exactly: "117.39085287969579", "1e+300", "NaN".
    public static func full(_ x: Double) -> String {
        if let special = nonFinite(x) { return special }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// Scientific with four significant digits: "2.393e+04".
    public static func scientific(_ x: Double) -> String {
        if let special = nonFinite(x) { return special }
        if x == 0 { return "0" }
        return String(format: "%.3e", x)
    }

    /// One format for a whole column, so that the column lines up: scientific when the finite,
    /// non-zero magnitudes span four decades or more, or reach below 1e-3 or above 1e5.
    public static func column(_ values: [Double]) -> [String] { values.map(columnFormat(values)) }

    /// The format `column` gives these values.
    static func columnFormat(_ values: [Double]) -> @Sendable (Double) -> String {
        let magnitudes = values.filter { $0.isFinite && $0 != 0 }.map(abs)
        guard let lo = magnitudes.min(), let hi = magnitudes.max() else { return short }
        let wide = hi / lo >= 1e4 || lo < 1e-3 || hi >= 1e5
        return wide ? scientific : short
    }

    /// The entries of a matrix with one fixed number of decimals, four significant digits for the
    /// largest ("-0.5385", "0.0067"), so that columns line up and small entries read as small;
    /// scientific (as `column`) when the magnitudes reach 1e4 or an entry is not finite.
    public static func matrix(_ values: [Double]) -> [String] { values.map(matrixFormat(values)) }

    /// The format `matrix` gives these entries, chosen once from all of them, to apply to the few
    /// that are shown (a 512×512 W shows its top-left 8×8).
    public static func matrixFormat(_ values: [Double]) -> @Sendable (Double) -> String {
        guard values.allSatisfy(\.isFinite) else { return columnFormat(values) }
        let largest = values.reduce(0.0) { Swift.max($0, abs($1)) }
        guard largest < 1e4 else { return columnFormat(values) }
        let decimals = largest == 0 ? 0 : max(0, 3 - Int(log10(largest).rounded(.down)))
        return { $0 == 0 ? "0" : String(format: "%.\(decimals)f", $0) }
    }

    /// A vector as "[0.6, 0.8]".
    public static func vector(_ values: [Double]) -> String {
        "[" + values.map(short).joined(separator: ", ") + "]"
    }

    private static func nonFinite(_ x: Double) -> String? {
        if x.isNaN { return "NaN" }
        if x == .infinity { return "Inf" }
        if x == -.infinity { return "-Inf" }
        return nil
    }
}
