/// Order statistics as numpy computes them (`np.percentile`, linear interpolation between the two
/// nearest ranks), over values that may include ±∞: an infinite value sorts to its end, and a
/// percentile that falls between two equal infinities is that infinity (never ∞ − ∞).
public enum Percentiles {
    /// The q-th percentile (0…100) of values already sorted ascending; NaN for none.
    public static func of(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = q / 100 * Double(values.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, values.count - 1)
        let (a, b) = (values[below], values[above])
        let fraction = position - Double(below)
        if a == b || fraction == 0 { return a }
        if fraction == 1 { return b }
        return a + (b - a) * fraction
    }

    /// The q-th percentile of values in any order, NaN left out.
    public static func of(_ values: [Double], _ q: Double) -> Double {
        of(sorted: values.filter { !$0.isNaN }.sorted(), q)
    }
}
