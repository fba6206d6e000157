import Simulator
import Testing

/// The first outputs below were computed once by an independent implementation of splitmix64
/// seeding, xoshiro256** and the FNV-1a stream hash (Python, arbitrary-precision integers masked to
/// 64 bits), and pin the generator bit for bit: the same seed must give the same model on every
/// machine.
@Suite("Xoshiro256 random numbers")
struct XoshiroTests {
    /// A seed (and optionally a stream name) with the generator's first outputs.
    struct Pin: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var stream: String?
        var outputs: [UInt64]
        var testDescription: String { "seed \(seed)" + (stream.map { " stream \"\($0)\"" } ?? "") }
    }

    static let seedPins: [Pin] = [
        Pin(seed: 0, outputs: [0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a, 0x1a5f_849d_4933_e6e0, 0x6aa5_94f1_262d_2d2c]),
        Pin(seed: 1, outputs: [0xb3f2_af6d_0fc7_10c5, 0x853b_5596_4736_4cea, 0x92f8_9756_082a_4514, 0x642e_1c7b_c266_a3a7]),
        Pin(seed: 42, outputs: [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1, 0xecb8_ad47_03b3_60a1]),
    ]

    static let streamPins: [Pin] = [
        Pin(seed: 1, stream: "W", outputs: [0xf2d8_5a7a_19e6_6b0d, 0x79c9_0201_45fa_d85d, 0x3299_d28e_262f_4daf]),
        Pin(seed: 1, stream: "U", outputs: [0x518b_6087_78f5_efa0, 0x9a36_e1c4_0538_7678, 0x33eb_ddae_aa39_ff07]),
        Pin(seed: 1, stream: "inputs", outputs: [0xea6c_a49b_ad93_78d3, 0x019e_c1e7_0089_f3f5, 0x5721_3176_f5bf_ac80]),
    ]

    @Test("a fixed seed produces fixed first outputs", arguments: seedPins)
    func fixedSeedGivesFixedOutputs(pin: Pin) {
        var rng = Xoshiro256(seed: pin.seed)
        #expect((0..<pin.outputs.count).map { _ in rng.next() } == pin.outputs)
    }

    @Test("a named stream of a seed produces fixed first outputs", arguments: streamPins)
    func namedStreamGivesFixedOutputs(pin: Pin) throws {
        var rng = Xoshiro256(seed: pin.seed, stream: try #require(pin.stream))
        #expect((0..<pin.outputs.count).map { _ in rng.next() } == pin.outputs)
    }

    @Test("uniform() takes the top 53 bits: fixed values for a fixed seed, always in [0, 1)")
    func uniformIsFixedAndInRange() {
        var rng = Xoshiro256(seed: 7)
        #expect([rng.uniform(), rng.uniform(), rng.uniform()] == [0.7005764821796896, 0.2787512294737843, 0.8396274618764198])
        var many = Xoshiro256(seed: 8)
        let draws = (0..<20_000).map { _ in many.uniform() }
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test("normal() gives fixed values for a fixed seed (Box–Muller on the uniforms)")
    func normalIsFixed() {
        var rng = Xoshiro256(seed: 7)
        let expected = [-0.2790239910251981, 1.8997685786889567, 2.136306014732201]
        for e in expected {
            let value = rng.normal()
            // log and cos come from the platform's libm, which may differ in the last bit.
            #expect(relativeError(value, e) < 1e-14, "\(value) against \(e)")
        }
    }

    @Test("different seeds and different stream names give different streams")
    func streamsDiffer() {
        func first(_ rng: Xoshiro256) -> [UInt64] {
            var r = rng
            return (0..<4).map { _ in r.next() }
        }
        let streams = [
            first(Xoshiro256(seed: 1)), first(Xoshiro256(seed: 2)),
            first(Xoshiro256(seed: 1, stream: "W")), first(Xoshiro256(seed: 2, stream: "W")),
            first(Xoshiro256(seed: 1, stream: "U")), first(Xoshiro256(seed: 1, stream: "V")),
            first(Xoshiro256(seed: 1, stream: "inputs")), first(Xoshiro256(seed: 1, stream: "target")),
        ]
        #expect(Set(streams.flatMap { $0 }).count == streams.count * 4, "two streams share an output")
        #expect(first(Xoshiro256(seed: 1, stream: "W")) == first(Xoshiro256(seed: 1, stream: "W")))
    }

    @Test("normal() over 100 000 draws has mean ≈ 0, variance ≈ 1 and about 68.3 % of draws within one σ")
    func normalHasStandardMoments() {
        var rng = Xoshiro256(seed: 2024)
        let count = 100_000
        let draws = (0..<count).map { _ in rng.normal() }
        let mean = draws.reduce(0, +) / Double(count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)
        let withinOne = Double(draws.filter { abs($0) < 1 }.count) / Double(count)
        // Standard errors: 1/√N ≈ 0.0032 for the mean, √(2/N) ≈ 0.0045 for the variance,
        // √(p(1−p)/N) ≈ 0.0015 for the fraction; the bounds are about 4 of them.
        #expect(abs(mean) < 0.013, "mean \(mean)")
        #expect(abs(variance - 1) < 0.018, "variance \(variance)")
        #expect(abs(withinOne - 0.682_689) < 0.006, "fraction within one σ \(withinOne)")
        #expect(draws.allSatisfy { $0.isFinite })
    }

    @Test("normals(_:standardDeviation:) is the same draws as normal(), scaled")
    func normalsAreScaledNormals() {
        var a = Xoshiro256(seed: 3), b = Xoshiro256(seed: 3)
        let scaled = a.normals(5, standardDeviation: 0.25)
        let plain = (0..<5).map { _ in b.normal() * 0.25 }
        #expect(scaled == plain)
        var c = Xoshiro256(seed: 3)
        #expect(c.normals(0).isEmpty)
    }
}
