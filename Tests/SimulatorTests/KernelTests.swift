import Foundation
import Kernels
import Simulator
import Testing

/// The C kernels behind BPTT, held to plain loops and to glibc, including the values that are the
/// subject of gradlab: overflow, underflow, NaN and infinities; and the two paths (AVX2+FMA and
/// portable C) held to each other, bit for bit.
@Suite("BPTT kernels")
struct KernelTests {
    /// The distance in units in the last place between a value and the reference.
    func ulps(_ x: Double, _ reference: Double) -> Double {
        if x == reference { return 0 }
        return abs(x - reference) / reference.magnitude.ulp
    }

    @Test("tanh is within 2 ulp of glibc's from 1e-300 to 800, and odd")
    func tanhIsAccurate() {
        var inputs: [Double] = []
        for k in 0..<200_000 {
            let u = Double(k) / 200_000
            inputs.append(u * 0.7)                  // the rational branch and its edge at 0.625
            inputs.append(Foundation.exp(-690 + 697 * u))  // 1e-300 … 1100, every scale
            inputs.append(u * 25)                   // the exp branch, into saturation
        }
        inputs += inputs.map { -$0 }
        var outputs = [Double](repeating: 0, count: inputs.count)
        gl_tanh(inputs.count, inputs, &outputs)
        var worst = 0.0
        for (x, y) in zip(inputs, outputs) { worst = max(worst, ulps(y, Foundation.tanh(x))) }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test("tanh keeps −0, NaN, ±∞ and subnormals as IEEE 754 and glibc do")
    func tanhSpecialValues() {
        let tiny = Double.leastNonzeroMagnitude  // 5e-324, a subnormal
        let inputs: [Double] = [0, -0.0, .nan, .infinity, -.infinity, tiny, -tiny * 1e13, 0.625, -0.625, 19, 350, 1e308, -1e308]
        var outputs = [Double](repeating: 0, count: inputs.count)
        gl_tanh(inputs.count, inputs, &outputs)
        for (x, y) in zip(inputs, outputs) {
            let reference = Foundation.tanh(x)
            if reference.isNaN { #expect(y.isNaN); continue }
            #expect(ulps(y, reference) <= 2, "tanh(\(x)) = \(y), not \(reference)")
            #expect(y.sign == reference.sign, "tanh(\(x)) has the wrong sign")
        }
    }

    @Test("y = A·x + b matches the plain sums at every size, in both forms", arguments: [1, 3, 4, 5, 8, 15, 16, 17, 33, 64, 65, 128, 200])
    func matvecMatchesPlainSums(n: Int) {
        var rng = Xoshiro256(seed: UInt64(n), stream: "kernel")
        let a = Matrix(rows: n, cols: n, storage: rng.normals(n * n)), at = a.transposed
        let x = rng.normals(n), add = rng.normals(n)
        var y = [Double](repeating: 0, count: n)
        gl_matvec(n, n, a.storage, at.storage, x, add, &y)
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += a[i, j] * x[j] }
            #expect(abs(y[i] - (s + add[i])) <= 1e-12 * (1 + abs(s)), "row \(i)")
        }
    }

    @Test("an infinite weight times a zero state is NaN, as in the plain loop", arguments: [4, 16, 100])
    func matvecPropagatesNonFiniteValues(n: Int) {
        var a = Matrix(rows: n, cols: n, repeating: 1)
        a[1, 2] = .infinity
        var x = [Double](repeating: 1, count: n)
        x[2] = 0
        var y = [Double](repeating: 0, count: n)
        gl_matvec(n, n, a.storage, a.transposed.storage, x, nil, &y)
        #expect(y[1].isNaN)
        #expect(y[0] == Double(n - 1))
    }

    @Test("‖x‖₂ neither overflows nor underflows, and NaN and ∞ win")
    func normIsCareful() {
        #expect(abs(gl_norm2(2, [3e200, 4e200]) - 5e200) <= 5e200.ulp)
        #expect(abs(gl_norm2(2, [3e-200, 4e-200]) - 5e-200) <= 5e-200.ulp)
        let tiny = Double.leastNonzeroMagnitude
        #expect(gl_norm2(3, [3000 * tiny, 4000 * tiny, 0]) == 5000 * tiny)  // subnormals
        #expect(gl_norm2(3, [0, -0.0, 0]) == 0)
        #expect(gl_norm2(3, [1, .nan, .infinity]).isNaN)
        #expect(gl_norm2(3, [1e300, -.infinity, 2]) == .infinity)
        #expect(gl_norm2(9, [1, 2, 3, 4, 5, 6, 7, 8, 9]) == 285.0.squareRoot())
    }

    @Test("the tanh gate is (1 − h²)·δ, summing 1 − h²")
    func tanhGate() {
        let h: [Double] = [0, 0.5, -0.9, 1, 0.25], delta: [Double] = [1, 2, 3, .infinity, -4]
        var g = [Double](repeating: 0, count: 5)
        let sum = gl_tanh_gate(5, h, delta, &g)
        #expect(g[0] == 1 && g[1] == 1.5 && abs(g[2] - 0.57) < 1e-15 && g[3].isNaN && g[4] == -3.75)
        #expect(abs(sum - (1 + 0.75 + 0.19 + 0 + 0.9375)) < 1e-15)
    }

    @Test("a batch of products is each product exactly as alone", arguments: [1, 3, 4, 7, 8, 12, 16, 20, 64, 65])
    func matvecBatchIsExact(n: Int) {
        var rng = Xoshiro256(seed: UInt64(n), stream: "batch")
        let a = Matrix(rows: n, cols: n, storage: rng.normals(n * n)), at = a.transposed
        for count in 1...5 {
            let x = rng.normals(count * n), add = rng.normals(count * n)
            var batch = [Double](repeating: 0, count: count * n), alone = batch
            gl_matvec_batch(count, n, n, a.storage, at.storage, x, add, &batch)
            for e in 0..<count {
                x.withUnsafeBufferPointer { x in
                add.withUnsafeBufferPointer { add in
                alone.withUnsafeMutableBufferPointer { y in
                    gl_matvec(n, n, a.storage, at.storage, x.baseAddress! + e * n, add.baseAddress! + e * n, y.baseAddress! + e * n)
                }}}
            }
            #expect(batch == alone, "n = \(n), \(count) vectors")
        }
    }

    @Test("Aᵀ·B: each entry one chain of fused multiply-adds in order, at every shape")
    func gramIsOneChainAnEntry() {
        var rng = Xoshiro256(seed: 5, stream: "gram")
        for (rows, cols, K) in [(1, 1, 1), (3, 5, 7), (4, 4, 50), (8, 8, 50), (8, 1, 50), (8, 2, 9), (9, 6, 13), (13, 11, 3), (16, 16, 300)] {
            let lda = rows + 2, ldb = cols + 1  // rows apart, as in a batch
            let A = rng.normals(K * lda), B = rng.normals(K * ldb)
            var C = [Double](repeating: .nan, count: rows * cols)
            gl_gram(rows, cols, K, A, lda, B, ldb, &C, cols)
            for i in 0..<rows {
                for j in 0..<cols {
                    var s = 0.0
                    for k in 0..<K { s.addProduct(A[k * lda + i], B[k * ldb + j]) }
                    #expect(C[i * cols + j] == s, "\(rows)×\(cols), K = \(K): entry (\(i), \(j))")
                }
            }
        }
    }

    @Test("A·B: each entry is the textbook loop's sum (a rounded product, then a rounded sum, for each k in order)")
    func matmulIsTheTextbookLoop() {
        var rng = Xoshiro256(seed: 8, stream: "matmul")
        let shapes = [(1, 1, 1), (1, 9, 3), (2, 8, 5), (3, 4, 2), (4, 8, 7), (5, 13, 11), (7, 3, 16), (9, 12, 1),
                      (17, 21, 33), (64, 64, 64)]
        for (rows, cols, K) in shapes {
            let lda = K + 1, ldb = cols + 3, ldc = cols + 2  // rows apart, as within larger buffers
            let A = rng.normals(rows * lda), B = rng.normals(K * ldb)
            var C = [Double](repeating: .nan, count: rows * ldc)
            gl_matmul(rows, cols, K, A, lda, B, ldb, &C, ldc)
            for i in 0..<rows {
                for j in 0..<cols {
                    var s = 0.0
                    for k in 0..<K {
                        let product = A[i * lda + k] * B[k * ldb + j]
                        s = s + product
                    }
                    #expect(C[i * ldc + j] == s, "\(rows)×\(K) · \(K)×\(cols): entry (\(i), \(j))")
                }
            }
        }
    }

    @Test("A·B over no terms is zero, and NaN, ±∞ and −0 go through as in the loop")
    func matmulSpecialValues() {
        var C = [Double](repeating: .nan, count: 6)
        gl_matmul(2, 3, 0, nil, 0, nil, 3, &C, 3)
        #expect(C.allSatisfy { $0 == 0 && $0.sign == .plus })
        // Row 0 meets ∞ · 0 in column 0 (NaN) and ∞ · 1 elsewhere; row 1 sums −0 products to +0.
        let A: [Double] = [.infinity, 1, -0.0, 0], B: [Double] = [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]
        var D = [Double](repeating: 0, count: 8)
        gl_matmul(2, 4, 2, A, 2, B, 9, &D, 4)  // B is 2 × 4 with rows 9 apart
        #expect(D[0].isNaN && D[1..<4].allSatisfy { $0 == .infinity })
        #expect(D[4..<8].allSatisfy { $0 == 0 && $0.sign == .plus })
    }

    @Test("U x_t + b and the column sums are the plain sums in order")
    func inputTermsAndColumnSums() {
        var rng = Xoshiro256(seed: 6, stream: "inputs")
        for (T, n, m) in [(1, 1, 1), (5, 8, 1), (7, 9, 2), (3, 13, 6)] {
            let X = rng.normals(T * m), Ut = rng.normals(m * n), b = rng.normals(n)
            let ldg = n + 3
            var G = [Double](repeating: 0, count: T * ldg)
            gl_input_terms(T, n, m, X, Ut, b, &G, ldg)
            var sums = [Double](repeating: 0, count: n)
            gl_column_sums(T, n, G, ldg, &sums)
            for j in 0..<n {
                var column = 0.0
                for t in 0..<T {
                    var s = 0.0
                    for k in 0..<m { s.addProduct(X[t * m + k], Ut[k * n + j]) }
                    #expect(G[t * ldg + j] == b[j] + s)
                    column += G[t * ldg + j]
                }
                #expect(sums[j] == column)
            }
        }
    }

    @Test("tanh of a value does not depend on its neighbours (which branch they take)")
    func tanhLanesAreIndependent() {
        var rng = Xoshiro256(seed: 7, stream: "lanes")
        for x in rng.normals(2000).map({ $0 * 2 }) {
            var results: [Double] = []
            for neighbour in [x, 0.1, 3.0, .nan] {
                var out = [Double](repeating: 0, count: 4)
                gl_tanh(4, [neighbour, x, neighbour, neighbour], &out)
                results.append(out[1])
            }
            #expect(results.allSatisfy { $0 == results[0] }, "tanh(\(x))")
        }
    }

    // MARK: The same bits on both paths

    /// Runs `body` on the AVX2+FMA kernels and on the portable ones and returns both results (the
    /// vector run is the portable one again where the processor has no AVX2+FMA). Leaves the path
    /// as it found it.
    func onBothPaths<R>(_ body: () -> R) -> (vector: R, portable: R) {
        let before = gl_kernels_vectorized()
        defer { _ = gl_kernels_use_vector(before) }
        _ = gl_kernels_use_vector(1)
        let vector = body()
        _ = gl_kernels_use_vector(0)
        #expect(gl_kernels_vectorized() == 0)
        let portable = body()
        return (vector, portable)
    }

    /// Equal bits, NaN for NaN (whatever its payload).
    func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    /// Values of every scale, with a sprinkling of the special ones at the given positions.
    func mixed(_ count: Int, _ rng: inout Xoshiro256, scale: Double = 1, specials: Bool = false) -> [Double] {
        var x = rng.normals(count).map { $0 * scale }
        guard specials else { return x }
        let special: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 0.625, -0.625, Double.leastNormalMagnitude / 4, 40, -350, 1e300]
        for (k, value) in special.enumerated() where k * 7 < count { x[k * 7] = value }
        return x
    }

    static let oddSizes = [1, 3, 5, 7, 17, 63, 64, 65, 129]

    @Test("each kernel gives identical bits on the AVX2+FMA and the portable path", .serialized, arguments: oddSizes)
    func bothPathsGiveTheSameBits(n: Int) {
        if gl_kernels_vector_available() == 0 { print("no AVX2+FMA on this processor: the portable path is compared with itself") }
        var rng = Xoshiro256(seed: UInt64(n), stream: "paths")
        let a = Matrix(rows: n, cols: n, storage: rng.normals(n * n)), at = a.transposed

        // y = A·x + add, for batches of 1…3 vectors, with and without add (both forms: n ≤ 64 and above)
        for count in 1...3 {
            let x = mixed(count * n, &rng, scale: 3), add = rng.normals(count * n)
            for withAdd in [true, false] {
                let (v, p) = onBothPaths {
                    var y = [Double](repeating: .nan, count: count * n)
                    gl_matvec_batch(count, n, n, a.storage, at.storage, x, withAdd ? add : nil, &y)
                    return y
                }
                #expect(sameBits(v, p), "matvec n = \(n), \(count) vectors, add: \(withAdd)")
            }
        }

        // tanh, over every branch and the special values, and one value at a time
        let z = mixed(3 * n, &rng, scale: 2, specials: true) + mixed(n, &rng, scale: 0.3)
        let tanh = onBothPaths {
            var y = [Double](repeating: .nan, count: z.count)
            gl_tanh(z.count, z, &y)
            return y
        }
        #expect(sameBits(tanh.vector, tanh.portable), "tanh n = \(n)")
        #expect(sameBits(tanh.vector, z.map { gl_tanh1($0) }), "tanh one at a time, n = \(n)")

        // the tanh gate: g and Σ tanh′
        let h = tanh.vector.map { $0.isFinite ? $0 : 0.5 }, delta = mixed(h.count, &rng, specials: true)
        let gate = onBothPaths {
            var g = [Double](repeating: .nan, count: h.count)
            let sum = gl_tanh_gate(h.count, h, delta, &g)
            return g + [sum]
        }
        #expect(sameBits(gate.vector, gate.portable), "tanh gate n = \(n)")

        // ‖x‖₂ at ordinary, huge and tiny scales (the last two take the rescaled sums)
        for scale in [1.0, 1e200, 1e-200] {
            let x = rng.normals(n).map { $0 * scale }
            let norms = onBothPaths { gl_norm2(x.count, x) }
            #expect(norms.vector.bitPattern == norms.portable.bitPattern, "‖x‖ n = \(n), scale \(scale)")
        }

        // Gᵀ·H (n × n, and n × 2 for Gᵀ X) over K steps, rows apart as in a batch of 3, at sizes
        // that take the packed product too
        for K in [1, 7, 100, 700] {
            for cols in [n, 2] {
                let lda = 3 * n, ldb = 3 * cols
                let A = rng.normals(K * lda), B = rng.normals(K * ldb)
                let (v, p) = onBothPaths {
                    var C = [Double](repeating: .nan, count: n * cols)
                    gl_gram(n, cols, K, A, lda, B, ldb, &C, cols)
                    return C
                }
                #expect(sameBits(v, p), "gram \(n)×\(cols), K = \(K)")
            }
        }

        // A·B, the textbook loop's order
        let product = onBothPaths {
            var C = [Double](repeating: .nan, count: n * n)
            gl_matmul(n, n, n, a.storage, n, at.storage, n, &C, n)
            return C
        }
        #expect(sameBits(product.vector, product.portable), "matmul n = \(n)")

        // U x_t + b for 1, 2 and 6 inputs, and the column sums
        for m in [1, 2, 6] {
            let T = 11, X = rng.normals(T * m), Ut = rng.normals(m * n), b = rng.normals(n)
            let (v, p) = onBothPaths {
                var G = [Double](repeating: .nan, count: T * n), sums = [Double](repeating: .nan, count: n)
                gl_input_terms(T, n, m, X, Ut, b, &G, n)
                gl_column_sums(T, n, G, n, &sums)
                return G + sums
            }
            #expect(sameBits(v, p), "input terms and column sums n = \(n), m = \(m)")
        }
    }

    @Test("a whole BPTT and a training run give identical bits on both paths, for every cell", .serialized,
          arguments: [7, 17, 65], RecurrentCell.allCases)
    func bothPathsGiveTheSameRuns(n: Int, cell: RecurrentCell) throws {
        let spec = ModelSpec(hiddenSize: n, length: 30, spectralRadius: 1.3, seed: 3, cell: cell)
        let model = try spec.model(), sample = spec.sample()
        let passes = onBothPaths { bptt(model, sample, jacobians: true) }
        #expect(passes.vector.loss.bitPattern == passes.portable.loss.bitPattern)
        #expect(sameBits(passes.vector.gradients.W.storage, passes.portable.gradients.W.storage))
        #expect(sameBits(passes.vector.deltaNorms, passes.portable.deltaNorms))
        #expect(sameBits(passes.vector.jacobianNorms ?? [], passes.portable.jacobianNorms ?? []))
        #expect(sameBits(passes.vector.cellDeltaNorms ?? [], passes.portable.cellDeltaNorms ?? []))
        let adding = ModelSpec(hiddenSize: n, length: 30, spectralRadius: 1.3, seed: 3, task: .adding, cell: cell)
        let learner = try adding.model(), config = TrainingConfig(steps: 5, batchSize: 4)
        let runs = onBothPaths { train(learner, on: adding.trainingTask, config).losses }
        #expect(sameBits(runs.vector, runs.portable))
    }

    @Test("σ is 1/(1 + gl_exp(−x)) bit for bit on both paths, across the range, at its edges and for NaN and ±∞",
          .serialized, arguments: [1, 3, 4, 5, 8, 13, 64])
    func sigmoidIsTheScalarForm(count: Int) {
        var rng = Xoshiro256(seed: UInt64(count), stream: "sigmoid")
        var inputs = mixed(count * 50, &rng, scale: 30, specials: true)
        let edges: [Double] = [708, 708.0000000000001, -709, -709.0000000000001, 709.5, -745, 746, -1e-300, 36.7, -36.7]
        for (k, edge) in edges.enumerated() where k * 5 + 2 < inputs.count { inputs[k * 5 + 2] = edge }
        let expected = inputs.map { 1 / (1 + gl_exp(-$0)) }
        let paths = onBothPaths { () -> [Double] in
            var out = [Double](repeating: 0, count: inputs.count)
            gl_sigmoid(inputs.count, inputs, &out)
            return out
        }
        #expect(sameBits(paths.vector, expected), "vector path, \(count)")
        #expect(sameBits(paths.portable, expected), "portable path, \(count)")
        let libm = inputs.filter { abs($0) < 700 }.map { 1 / (1 + Foundation.exp(-$0)) }
        let ours = inputs.filter { abs($0) < 700 }.map { 1 / (1 + gl_exp(-$0)) }
        #expect(zip(ours, libm).allSatisfy { abs($0 - $1) <= 4 * $1.ulp }, "within 4 ulp of libm's")
    }

    @Test("GRADLAB_KERNELS and gl_kernels_use_vector choose the path; the vector one only where the processor has it")
    func choosingThePath() {
        let before = gl_kernels_vectorized()
        defer { _ = gl_kernels_use_vector(before) }
        #expect(gl_kernels_use_vector(0) == 0 && String(cString: gl_kernels_name()) == "portable C")
        let available = gl_kernels_vector_available()
        #expect(gl_kernels_use_vector(1) == available)
        #expect(String(cString: gl_kernels_name()) == (available != 0 ? "AVX2+FMA" : "portable C"))
    }

    // MARK: exp, log and cos 2πu of our own

    @Test("exp and log are within 2 ulp of glibc's, cos 2πu within 3 (glibc's angle is rounded too), and the special values are kept")
    func elementaryFunctions() {
        var rng = Xoshiro256(seed: 9, stream: "libm")
        var worst = (exp: 0.0, log: 0.0, cos: 0.0)
        for _ in 0..<200_000 {
            let u = rng.uniform()
            let x = -745 + 1454 * u
            let e = Foundation.exp(x)
            if e >= Double.leastNormalMagnitude && e.isFinite { worst.exp = max(worst.exp, ulps(gl_exp(x), e)) }
            let y = Foundation.exp(-700 + 1400 * rng.uniform())
            worst.log = max(worst.log, ulps(gl_log(y), Foundation.log(y)))
            // cos 2πu against glibc where its own angle 2π·v has a small error: |v| ≤ 1/8, for
            // u ≤ 1/8 cos 2πu itself, above sin 2π(1/4 − u) (1/4 − u is exact)
            let v = u * 3 / 8
            let c = v <= 0.125 ? Foundation.cos(2 * Double.pi * v) : Foundation.sin(2 * Double.pi * (0.25 - v))
            worst.cos = max(worst.cos, ulps(gl_cos_2pi(v), c))
        }
        #expect(worst.exp <= 2 && worst.log <= 2 && worst.cos <= 3, "worst: \(worst)")
        #expect(gl_exp(0) == 1 && gl_exp(-.infinity) == 0 && gl_exp(.infinity) == .infinity && gl_exp(.nan).isNaN)
        #expect(gl_exp(710) == .infinity && gl_exp(-746) == 0 && gl_exp(-745) == Double.leastNonzeroMagnitude)
        #expect(gl_log(1) == 0 && gl_log(0) == -.infinity && gl_log(-1).isNaN && gl_log(.infinity) == .infinity)
        #expect(ulps(gl_log(Double.leastNonzeroMagnitude), Foundation.log(Double.leastNonzeroMagnitude)) <= 1)
        #expect(gl_cos_2pi(0) == 1 && gl_cos_2pi(0.5) == -1 && gl_cos_2pi(0.25) == 0 && gl_cos_2pi(0.75) == 0)
        #expect(gl_cos_2pi(.nan).isNaN && gl_cos_2pi(1e300) == 1)
    }
}
