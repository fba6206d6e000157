import Kernels

/// xoshiro256** (Blackman & Vigna), seeded through splitmix64: the same seed gives the same numbers
/// on every machine, whatever the thread count.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// An independent stream for one purpose ("W", "inputs", …), so that drawing more of one thing
    /// (a longer sequence) never changes another (the weights).
    public init(seed: UInt64, stream: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in stream.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var mix = SplitMix64(state: seed ^ hash)
        self.init(seed: mix.next())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal by the Box–Muller transform (one value per call, for simplicity and stability
    /// of the stream when sizes change), √(−2 log u₁)·cos 2πu₂ with the kernels' log and cos 2πu:
    /// the system's libm picks its code by processor, and its last bits with it.
    public mutating func normal() -> Double {
        let u1 = 1 - uniform()  // (0, 1]
        let u2 = uniform()
        return (-2 * gl_log(u1)).squareRoot() * gl_cos_2pi(u2)
    }

    public mutating func normals(_ count: Int, standardDeviation: Double = 1) -> [Double] {
        (0..<count).map { _ in normal() * standardDeviation }
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
