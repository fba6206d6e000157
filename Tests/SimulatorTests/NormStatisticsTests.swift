import Testing
@testable import Simulator

/// Percentiles as numpy's np.percentile(x, q) computes them (the default, linear method), bit for
/// bit, and what clipping at τ would have done to a set of norms.
@Suite("Norm statistics")
struct NormStatisticsTests {
    /// x_i = ((7919·i mod 1000) + 1)/37 · 10^(i mod 7 − 3), the powers of ten written as literals:
    /// the same doubles in numpy and here, spanning seven decades.
    static func values(_ n: Int) -> [Double] {
        let factors = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
        return (0..<n).map { i -> Double in
            let base: Double = Double((i * 7919) % 1000 + 1) / 37.0
            return base * factors[i % 7]
        }
    }

    /// np.percentile(values(n), q) for each q, printed with float.hex() by numpy 2.4.6:
    ///
    ///     import numpy as np
    ///     f = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
    ///     x = np.array([((i * 7919) % 1000 + 1) / 37.0 * f[i % 7] for i in range(n)])
    ///     [float(np.percentile(x, q)).hex() for q in qs]
    static let qs: [Double] = [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 100]
    static let expected: [Int: [Double]] = [
        1: [
            0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16,
            0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16, 0x1.c570327afd9ecp-16,
        ],
        2: [
            0x1.c570327afd9ecp-16, 0x1.496a7312c0360p-9, 0x1.97c8d365db88dp-6, 0x1.fd660335db5b7p-5, 0x1.fd49ac32b3abap-4,
            0x1.7df02b653cd4cp-3, 0x1.ca5091c5f83a8p-3, 0x1.f824026668aacp-3, 0x1.fcb9274340b61p-3, 0x1.fd3b80b11fd3bp-3,
        ],
        3: [
            0x1.c570327afd9ecp-16, 0x1.47a502e045386p-8, 0x1.9790255f8c292p-5, 0x1.fd49ac32b3abap-4, 0x1.fd3b80b11fd3bp-3,
            0x1.42135f7b28214p+0, 0x1.dd20ef1e2a9efp+0, 0x1.1d14890cc941fp+1, 0x1.21bb57995b40bp+1, 0x1.223fa77016240p+1,
        ],
        4: [
            0x1.c570327afd9ecp-16, 0x1.ea94cc372a55bp-8, 0x1.319df08615470p-4, 0x1.7df02b653cd4cp-3, 0x1.42135f7b28214p+0,
            0x1.b4a084d7deca1p+2, 0x1.e0aa7b6efabe0p+3, 0x1.3f09e86b9a5ffp+4, 0x1.46e8c64a6a137p+4, 0x1.47c8a60dd67c9p+4,
        ],
        10: [
            0x1.c570327afd9ecp-16, 0x1.1b2fb5ed36275p-10, 0x1.5a032a855a3bep-7, 0x1.11d9cebcbf840p-3, 0x1.80588fe9dc059p+0,
            0x1.1cb3e45306eb4p+7, 0x1.6333e45306eabp+11, 0x1.905983759f22bp+13, 0x1.af812ae5b5474p+13, 0x1.b2f759f229838p+13,
        ],
        11: [
            0x1.c570327afd9ecp-16, 0x1.39dd42f121f3ep-10, 0x1.805c1aca40fb8p-7, 0x1.604fb4b8df9e9p-3, 0x1.223fa77016240p+1,
            0x1.96eb3e45306ebp+6, 0x1.92b3e45306eb4p+10, 0x1.8c80dd67c8a64p+13, 0x1.af1eb3e45307dp+13, 0x1.b2f759f229838p+13,
        ],
        100: [
            0x1.c570327afd9ecp-16, 0x1.c10bab9766340p-11, 0x1.034f5cde55d6cp-6, 0x1.5aa349572daa4p-3, 0x1.414c1bacf914cp+3,
            0x1.10a2983759f22p+9, 0x1.e6fe45306eb58p+12, 0x1.9078000000001p+14, 0x1.9c220dd67c8a9p+14, 0x1.9d6dd67c8a60ep+14,
        ],
        1001: [
            0x1.c570327afd9ecp-16, 0x1.7e96aa97c5fdep-10, 0x1.12fc4a9d164e8p-6, 0x1.7483bc78aa7b7p-3, 0x1.8dd67c8a60dd6p+3,
            0x1.23e45306eb3e4p+9, 0x1.f9114c1bacf91p+12, 0x1.8c1d67c8a60ddp+14, 0x1.a21306eb3e45bp+14, 0x1.a64c1bacf914cp+14,
        ],
    ]

    @Test("np.percentile's numbers, bit for bit, for 1 to 1001 values and q from 0 to 100", arguments: [1, 2, 3, 4, 10, 11, 100, 1001])
    func matchesNumpy(_ n: Int) throws {
        let sorted = Self.values(n).sorted()
        let expected = try #require(Self.expected[n])
        for (q, want) in zip(Self.qs, expected) {
            let got = Percentile.of(sorted: sorted, q)
            #expect(got.bitPattern == want.bitPattern, "n=\(n) q=\(q): \(got) against numpy's \(want)")
        }
    }

    @Test("the summary: median and percentiles beside the mean, and the decades from the smallest positive norm")
    func summary() {
        let s = NormSummary(sorted: [0, 0.01, 1, 2, 1000])
        #expect(s.count == 5 && s.median == 1 && s.largest == 1000 && s.smallest == 0 && s.smallestPositive == 0.01)
        #expect(abs(s.mean - 1003.01 / 5) < 1e-12)
        #expect(abs(s.decades - 5) < 1e-12 && s.heavyTailed)
        #expect(!NormSummary(sorted: [1, 2, 50]).heavyTailed)  // 1.7 decades
        let empty = NormSummary(sorted: [])
        #expect(empty.count == 0 && empty.median.isNaN && empty.decades.isNaN && !empty.heavyTailed)
        #expect(NormSummary(sorted: [0, 0]).decades.isNaN)
    }

    @Test("clip rate and mean scale: the norms over τ, and the mean of min(1, τ/‖g‖)")
    func effects() {
        let norms: [Double] = [1, 2, 4, 8]
        let at2 = ThresholdEffect(tau: 2, sorted: norms)
        #expect(at2.clipRate == 0.5 && at2.meanScale == (1 + 1 + 0.5 + 0.25) / 4)
        let at1 = ThresholdEffect(tau: 1, sorted: norms)
        #expect(at1.clipRate == 0.75 && at1.meanScale == (1 + 0.5 + 0.25 + 0.125) / 4)
        let above = ThresholdEffect(tau: 8, sorted: norms)  // a norm equal to τ is not clipped
        #expect(above.clipRate == 0 && above.meanScale == 1)
        let below = ThresholdEffect(tau: 0.5, sorted: norms)
        #expect(below.clipRate == 1 && below.meanScale == (0.5 + 0.25 + 0.125 + 0.0625) / 4)
        #expect(ThresholdEffect(tau: 1, sorted: []).clipRate.isNaN)
    }
}
