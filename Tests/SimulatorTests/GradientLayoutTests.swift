@testable import Simulator
import Testing

@Suite("The layout of a flat gradient")
struct GradientLayoutTests {
    @Test("W, U, b, V, c follow one another in names order, each the size of its parameter, and nothing else",
          arguments: [(1, 1, 1), (8, 1, 1), (5, 2, 1), (12, 6, 4)])
    func tensorsTileTheBuffer(n: Int, m: Int, p: Int) throws {
        let model = RNN(W: Matrix(rows: n, cols: n), U: Matrix(rows: n, cols: m), b: Array(repeating: 0, count: n),
                        V: Matrix(rows: p, cols: n), c: Array(repeating: 0, count: p), activation: .tanh)
        let layout = GradientLayout(model)
        #expect(layout.tensors.map(\.count) == model.parameters.map(\.count))
        #expect(layout.tensors.first?.lowerBound == 0 && layout.tensors.last?.upperBound == layout.count)
        for (before, after) in zip(layout.tensors, layout.tensors.dropFirst()) {
            #expect(before.upperBound == after.lowerBound)
        }
    }

    @Test("gradients(_:) reads each tensor from its place, wherever the slice starts")
    func gradientsReadsEachTensorInPlace() {
        let layout = GradientLayout(n: 2, m: 1, p: 1)
        let buffer = (0..<(3 * layout.count)).map(Double.init)
        let second = layout.gradients(buffer[layout.count..<(2 * layout.count)])  // 11 values from 11 on
        #expect(second.W == Matrix([[11, 12], [13, 14]]))
        #expect(second.U == Matrix([[15], [16]]) && second.b == [17, 18])
        #expect(second.V == Matrix([[19, 20]]) && second.c == [21])
    }
}
