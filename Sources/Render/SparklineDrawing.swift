import Foundation

/// The glyphs of a sparkline: eight levels and one distinct mark each for 0, NaN, +Inf and −Inf.
public struct SparklineGlyphs: Sendable {
    public let levels: [Character]
    public let zero: Character
    public let nan: Character
    public let positiveInfinity: Character
    public let negativeInfinity: Character

    public init(unicode: Bool) {
        if unicode {
            levels = Array("▁▂▃▄▅▆▇█")
            (zero, nan, positiveInfinity, negativeInfinity) = ("·", "×", "▲", "▼")
        } else {
            levels = Array("_.-:=+*#")
            (zero, nan, positiveInfinity, negativeInfinity) = ("0", "?", "^", "v")
        }
    }
}

/// Draws a series as one line of glyphs, down-sampled by taking the largest value per bucket so
/// that a spike (or a NaN) stays visible however long the series.
public enum SparklineDrawing {
    public struct Drawing: Sendable, Equatable {
        public var text: String
        public var sawZero = false, sawNaN = false, sawPositiveInfinity = false, sawNegativeInfinity = false
    }

    /// The smallest and largest finite values the scale spans (magnitudes above 0 on a log scale).
    public static func range(_ values: [Double], scale: Sparkline.Scale) -> (Double?, Double?) {
        let usable = scale == .log10 ? values.filter { $0.isFinite && $0 != 0 }.map(abs) : values.filter(\.isFinite)
        return (usable.min(), usable.max())
    }

    /// One value per bucket: NaN if the bucket holds a NaN, otherwise its largest value
    /// (largest magnitude on a log scale).
    public static func downsample(_ values: [Double], to width: Int, scale: Sparkline.Scale) -> [Double] {
        guard values.count > width, width > 0 else { return values }
        return (0..<width).map { i in
            let start = i * values.count / width, end = (i + 1) * values.count / width
            let bucket = values[start..<max(end, start + 1)]
            if bucket.contains(where: \.isNaN) { return .nan }
            return scale == .log10 ? bucket.max { abs($0) < abs($1) }! : bucket.max()!
        }
    }

    public static func draw(_ values: [Double], scale: Sparkline.Scale, width: Int, glyphs: SparklineGlyphs) -> Drawing {
        let points = downsample(values, to: width, scale: scale)
        let (lo, hi) = range(points, scale: scale)
        let map: (Double) -> Double = scale == .log10 ? { log10(abs($0)) } : { $0 }
        var drawing = Drawing(text: "")
        for v in points {
            if v.isNaN { drawing.text.append(glyphs.nan); drawing.sawNaN = true; continue }
            if v == .infinity { drawing.text.append(glyphs.positiveInfinity); drawing.sawPositiveInfinity = true; continue }
            if v == -.infinity {
                // On a log scale a magnitude of ∞ is the top, whatever its sign.
                let glyph = scale == .log10 ? glyphs.positiveInfinity : glyphs.negativeInfinity
                drawing.text.append(glyph)
                if scale == .log10 { drawing.sawPositiveInfinity = true } else { drawing.sawNegativeInfinity = true }
                continue
            }
            if v == 0 && scale == .log10 { drawing.text.append(glyphs.zero); drawing.sawZero = true; continue }
            guard let lo, let hi else { drawing.text.append(glyphs.levels[0]); continue }
            let (a, b) = (map(lo), map(hi))
            // A series that is constant up to rounding (11.34 and 11.34000000001) is drawn flat.
            let flat = b - a <= 1e-9 * max(abs(a), abs(b), 1e-3)
            let level = flat ? 3 : Int(((map(v) - a) / (b - a) * 7).rounded())
            drawing.text.append(glyphs.levels[min(7, max(0, level))])
        }
        return drawing
    }
}
