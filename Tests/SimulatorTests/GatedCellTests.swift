import Foundation
import Simulator
import Testing

/// The LSTM and GRU cells: their gradients against central finite differences of an independent
/// extended-precision forward pass (ReferenceGated, written from PyTorch's equations), and against
/// PyTorch's own `nn.LSTM` and `nn.GRU` (Tests/Fixtures/Torch/gated.json, made by make_gated.py).
@Suite("LSTM and GRU cells")
struct GatedCellTests {
    struct Case: CustomStringConvertible, Sendable {
        var cell: RecurrentCell
        var n: Int
        var T: Int
        var description: String { "\(cell.rawValue) n=\(n) T=\(T)" }

        static let all: [Case] = [RecurrentCell.lstm, .gru].flatMap { cell in
            [1, 4, 16].flatMap { n in [1, 20, 100].map { T in Case(cell: cell, n: n, T: T) } }
        }
    }

    /// A model with m = 2 inputs and p = 3 outputs, its weights drawn so that the error still
    /// reaches h₀ after 100 steps: the gate that carries the state over (lstm's f, gru's z) is
    /// biased to about 0.95, and the recurrent weights are large enough to matter.
    static func model(_ gated: Case, seed: UInt64 = 7) -> (RNN, Sample) {
        let (n, m, p, T) = (gated.n, 2, 3, gated.T)
        let rows = gated.cell.gates * n
        var rng = Xoshiro256(seed: seed, stream: "gated-\(gated.cell.rawValue)")
        var b = rng.normals(4 * n, standardDeviation: 0.3)
        for i in n..<(2 * n) { b[i] += 3 }  // lstm's f, gru's z
        let model = RNN(W: Matrix(rows: rows, cols: n, storage: rng.normals(rows * n, standardDeviation: 1.2 / Double(n).squareRoot())),
                        U: Matrix(rows: rows, cols: m, storage: rng.normals(rows * m, standardDeviation: 0.3)),
                        b: b,
                        V: Matrix(rows: p, cols: n, storage: rng.normals(p * n)),
                        c: rng.normals(p, standardDeviation: 0.1),
                        h0: rng.normals(n, standardDeviation: 0.5),
                        activation: .tanh, cell: gated.cell)
        let sample = Sample(inputs: Matrix(rows: T, cols: m, storage: rng.normals(T * m)), target: rng.normals(p))
        return (model, sample)
    }

    static func reference(_ model: RNN, _ sample: Sample, objective: ReferenceGated.Objective = .squared) -> ReferenceGated {
        ReferenceGated(kind: model.cell == .lstm ? .lstm : .gru, n: model.hiddenSize, m: model.inputSize, p: model.outputSize,
                       W: model.W.storage, U: model.U.storage, b: model.b, V: model.V.storage, c: model.c, h0: model.h0,
                       inputs: sample.inputs.storage, target: sample.target, objective: objective)
    }

    /// The entries a finite-difference check nudges: all of a small tensor, 96 spread evenly over a
    /// large one (with its first and last), so that the n = 16, T = 100 cases stay a few seconds.
    static func checked(_ count: Int) -> [Int] {
        guard count > 96 else { return Array(0..<count) }
        return (0..<96).map { $0 * (count - 1) / 95 }
    }

    @Test("every parameter's gradient matches central finite differences to 1e-6 relative", arguments: Case.all)
    func gradientsMatchFiniteDifferences(_ gated: Case) {
        let (model, sample) = Self.model(gated)
        let result = bptt(model, sample)
        let reference = Self.reference(model, sample)
        let analytic: [ReferenceGated.Tensor: [Double]] = [
            .W: result.gradients.W.storage, .U: result.gradients.U.storage, .b: result.gradients.b,
            .V: result.gradients.V.storage, .c: result.gradients.c, .h0: result.deltaAtStart,
        ]
        for tensor in ReferenceGated.Tensor.allCases {
            let all = analytic[tensor]!
            let entries = Self.checked(all.count)
            let a = entries.map { all[$0] }
            let f = ReferenceGated.finiteDifference(tensor, of: reference, at: entries)
            let error = relativeError(a, f)
            // h₀ is no trained parameter (gradlab's models start at h₀ = 0), and a one-unit lstm
            // forgets it: its error falls to 1e-15 of ‖δ_T‖ over 100 steps, below what differences
            // of L can resolve. There it is held to that floor instead.
            let floor = tensor == .h0 ? 1e-9 * result.deltaNorms[gated.T] : 0
            let difference = euclidean(zip(a, f).map { $0 - $1 })
            #expect(error < 1e-6 || difference < floor,
                    "\(gated) ∂L/∂\(tensor): relative error \(error); ‖analytic‖ = \(euclidean(a)), ‖fd‖ = \(euclidean(f))")
            // Not vacuous: the gradient is well above the differences' noise (lstm's forget rows are
            // 0 at T = 1, where c₀ = 0, so the whole tensor is what is held to it).
            #expect(euclidean(all) > 1e-5 || floor > 0, "\(gated) ∂L/∂\(tensor) is (nearly) zero")
        }
        // The floor is used by that one case alone: every other ∂L/∂h₀ is alive.
        if !(gated.cell == .lstm && gated.n == 1 && gated.T > 1) { #expect(euclidean(result.deltaAtStart) > 1e-5) }
        #expect(result.loss == Double(reference.loss()) || abs(result.loss - Double(reference.loss())) < 1e-13 * abs(result.loss),
                "\(gated) loss \(result.loss) against the reference's \(Double(reference.loss()))")
    }

    struct TorchCase: Decodable {
        var cell: String, n: Int, m: Int, p: Int, T: Int, loss: String
        var W: [[Double]], U: [[Double]], b: [Double], V: [[Double]], c: [Double], h0: [Double]
        var inputs: [[Double]], target: [Double]
        var loss_value: Double
        var h_T: [Double]
        var grads: [String: Flat]

        var model: RNN {
            RNN(W: Matrix(W), U: Matrix(U), b: b, V: Matrix(V), c: c, h0: h0,
                activation: .tanh, cell: RecurrentCell(rawValue: cell)!)
        }
        var sample: Sample { Sample(inputs: Matrix(inputs), target: target) }
        var lossKind: Loss { loss == "cross_entropy" ? .crossEntropy : .squaredError }
    }

    /// A vector, or a matrix's rows, read as one row-major list.
    struct Flat: Decodable {
        var values: [Double]
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let vector = try? container.decode([Double].self) { values = vector } else { values = try container.decode([[Double]].self).flatMap { $0 } }
        }
    }

    struct TorchFixture: Decodable {
        var torch_version: String
        var cases: [TorchCase]
    }

    static let torch: TorchFixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Torch/gated.json")
        return try! JSONDecoder().decode(TorchFixture.self, from: Data(contentsOf: url))
    }()

    @Test("the loss, h_T and every gradient agree with PyTorch's nn.LSTM and nn.GRU to 1e-12",
          arguments: 0..<8)
    func agreesWithPyTorch(_ index: Int) throws {
        let fixture = Self.torch.cases[index]
        let result = bptt(fixture.model, fixture.sample, loss: fixture.lossKind)
        let label = "\(fixture.cell) n=\(fixture.n) T=\(fixture.T) \(fixture.loss)"
        #expect(abs(result.loss - fixture.loss_value) <= 1e-12 * abs(fixture.loss_value), "\(label): loss \(result.loss) against torch's \(fixture.loss_value)")
        #expect(relativeError(result.hidden.row(fixture.T), fixture.h_T) < 1e-12, "\(label): h_T")
        let ours: [String: [Double]] = ["W": result.gradients.W.storage, "U": result.gradients.U.storage, "b": result.gradients.b,
                                        "V": result.gradients.V.storage, "c": result.gradients.c, "h0": result.deltaAtStart]
        for (name, flat) in fixture.grads {
            let theirs = flat.values
            let mine = try #require(ours[name], "\(name) is not one of our gradients")
            #expect(mine.count == theirs.count, "\(label): ∂L/∂\(name) has \(mine.count) values, torch's \(theirs.count)")
            // Each tensor relative to its own size: ∂L/∂h₀ is 1e-21 in the long lstm case.
            #expect(relativeError(mine, theirs) < 1e-12, "\(label): ∂L/∂\(name) relative error \(relativeError(mine, theirs))")
        }
    }

    @Test("the fixture covers both cells and both losses with gradients that are not zero")
    func fixtureIsNotDegenerate() {
        let cases = Self.torch.cases
        #expect(Set(cases.map(\.cell)) == ["lstm", "gru"])
        #expect(Set(cases.map(\.loss)) == ["squared", "cross_entropy"])
        for fixture in cases {
            #expect(Set(fixture.grads.keys) == ["W", "U", "b", "V", "c", "h0"])
            #expect(euclidean(fixture.grads["W"]!.values) > 1e-6)
        }
    }

    @Test("lstm reports ‖∂L/∂c_t‖ for t = 0…T, finite and below ‖δ_T‖ at T (δ_T ⊙ o ⊙ tanh′ c_T); gru reports none")
    func cellErrorNorms() throws {
        let (model, sample) = Self.model(Case(cell: .lstm, n: 4, T: 20))
        let result = bptt(model, sample)
        let norms = try #require(result.cellDeltaNorms)
        #expect(norms.count == 21)
        #expect(norms.allSatisfy { $0.isFinite && $0 > 0 })
        // At t = T the cell error is δ_T ⊙ o ⊙ (1 − tanh² c_T), so it is below ‖δ_T‖.
        #expect(norms[20] < result.deltaNorms[20])
        #expect(bptt(Self.model(Case(cell: .gru, n: 4, T: 20)).0, sample).cellDeltaNorms == nil)
    }

    @Test("‖∂h_T/∂h_0‖ of a gated cell matches finite differences of h_T in h_0 (lstm's c_0 held at 0)",
          arguments: [RecurrentCell.lstm, .gru])
    func jacobianNorms(_ cell: RecurrentCell) throws {
        let (model, sample) = Self.model(Case(cell: cell, n: 3, T: 6))
        let result = bptt(model, sample, jacobians: true)
        let norms = try #require(result.jacobianNorms)
        #expect(norms.count == 7 && norms[6] == 1)
        #expect(norms.allSatisfy { $0.isFinite && $0 > 0 })
        let columns = (0..<3).map { j in
            func hT(_ shift: Double) -> [Double] {
                var shifted = model
                shifted.h0[j] += shift
                return bptt(shifted, sample).hidden.row(6)
            }
            return zip(hT(1e-6), hT(-1e-6)).map { ($0 - $1) / 2e-6 }
        }
        let J = Matrix(rows: 3, cols: 3, storage: (0..<3).flatMap { i in (0..<3).map { j in columns[j][i] } })
        #expect(abs(Spectrum.largestSingularValue(J) - norms[0]) < 1e-6 * norms[0],
                "σ_max of the differences \(Spectrum.largestSingularValue(J)) against \(norms[0])")
    }
}
