import Foundation

/// Percentiles as numpy computes them by default (`np.percentile(x, q)`, the linear method,
/// Hyndman & Fan's seventh), bit for bit: the same virtual index, the same interpolation, the same
/// order of operations.
public enum Percentile {
    /// The q-th percentile (0 ≤ q ≤ 100) of `sorted`, which must be sorted ascending (±∞ may stand
    /// at its ends: a percentile between two equal infinities, or on one, is that infinity, never
    /// ∞ − ∞); NaN when it is empty.
    public static func of(sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let n = sorted.count
        // numpy: quantile = q / 100, and the linear method's virtual index (n − 1)·quantile (which
        // numpy prefers to the equal n·quantile + (α + quantile·(1 − α − β)) − 1 for its rounding).
        let quantile = q / 100
        let virtual = Double(n - 1) * quantile
        let below = virtual.rounded(.down)
        var previous = Int(below), next = previous + 1
        if virtual >= Double(n - 1) { previous = n - 1; next = n - 1 }
        if virtual < 0 { previous = 0; next = 0 }
        // numpy takes gamma against the index it clamped to -1 (the last) above the top: a and b
        // are then the same value, and so is the result whatever gamma is.
        let gamma = virtual - (virtual >= Double(n - 1) ? -1 : below)
        let a = sorted[previous], b = sorted[next]
        if a == b || gamma == 0 { return a }  // numpy's bits too: a + 0·γ and a + (b − a)·0 are a
        // numpy's _lerp: a + (b − a)·γ, or b − (b − a)·(1 − γ) when γ ≥ 0.5.
        let difference = b - a
        return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma
    }

    /// The q-th percentile of values in any order, NaN left out.
    public static func of(_ values: [Double], _ q: Double) -> Double {
        of(sorted: values.filter { !$0.isNaN }.sorted(), q)
    }
}

/// The gradient norms of a run (a warm-up's, or a log's), summed up robustly: the mean beside the
/// median and the upper percentiles, and how many decades they span.
public struct NormSummary: Sendable, Equatable {
    /// Norms spanning more decades than this have a tail that pulls the mean far from the median.
    public static let heavyTailDecades = 2.0

    /// How many finite norms.
    public var count: Int
    public var mean: Double
    public var median: Double
    public var p90: Double
    public var p99: Double
    public var largest: Double
    public var smallest: Double
    /// The smallest norm above zero (a norm of 0 has no decade).
    public var smallestPositive: Double

    /// log10(largest / smallest positive): how many decades the norms span (NaN when none is positive).
    public var decades: Double { smallestPositive > 0 ? log10(largest / smallestPositive) : .nan }
    /// More than two decades: the mean is pulled by the tail, and a τ taken from it misleads.
    public var heavyTailed: Bool { decades > Self.heavyTailDecades }

    /// The summary of finite norms sorted ascending; `mean` when it was summed in the run's order.
    public init(sorted: [Double], mean: Double? = nil) {
        count = sorted.count
        self.mean = mean ?? (sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count))
        median = Percentile.of(sorted: sorted, 50)
        p90 = Percentile.of(sorted: sorted, 90)
        p99 = Percentile.of(sorted: sorted, 99)
        largest = sorted.last ?? .nan
        smallest = sorted.first ?? .nan
        smallestPositive = sorted.first { $0 > 0 } ?? .nan
    }
}

/// What global norm clipping at τ would have done to a set of gradients, one per step, given their
/// norms: how many it would have rescaled, and by how much on average. A replay of the rule on those
/// gradients, not of training: with τ in force, the run would have taken other steps.
public struct ThresholdEffect: Sendable, Equatable {
    public var tau: Double
    /// The fraction of the norms over τ (the steps the rule rescales).
    public var clipRate: Double
    /// The mean of min(1, τ/‖g‖) over the norms: 1 when nothing is clipped.
    public var meanScale: Double

    /// The effect of τ on finite norms sorted ascending (NaN rates when there are none).
    public init(tau: Double, sorted: [Double]) {
        self.tau = tau
        guard !sorted.isEmpty else {
            clipRate = .nan
            meanScale = .nan
            return
        }
        // The first norm over τ: every one from there on is clipped.
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] > tau { high = middle } else { low = middle + 1 }
        }
        var scales = Double(low)
        for norm in sorted[low...] { scales += tau / norm }
        clipRate = Double(sorted.count - low) / Double(sorted.count)
        meanScale = scales / Double(sorted.count)
    }
}

/// The thresholds a robust suggestion weighs, and what each would have done: the median and the
/// upper percentiles, and Pascanu et al.'s half, one and ten times the mean.
public struct NormProfile: Sendable, Equatable {
    public var summary: NormSummary
    public var median: ThresholdEffect
    public var p90: ThresholdEffect
    public var p99: ThresholdEffect
    /// Pascanu et al.'s range: half the mean, the mean, ten times the mean.
    public var low: ThresholdEffect
    public var mean: ThresholdEffect
    public var high: ThresholdEffect

    /// The profile of finite norms sorted ascending; `mean` when it was summed in the run's order.
    public init(sorted: [Double], mean: Double? = nil) {
        let summary = NormSummary(sorted: sorted, mean: mean)
        self.summary = summary
        median = ThresholdEffect(tau: summary.median, sorted: sorted)
        p90 = ThresholdEffect(tau: summary.p90, sorted: sorted)
        p99 = ThresholdEffect(tau: summary.p99, sorted: sorted)
        low = ThresholdEffect(tau: 0.5 * summary.mean, sorted: sorted)
        self.mean = ThresholdEffect(tau: summary.mean, sorted: sorted)
        high = ThresholdEffect(tau: 10 * summary.mean, sorted: sorted)
    }
}
