import Foundation
import Simulator

/// Backpropagation through time as min-char-rnn writes it: one loop forward and one loop back over
/// whole vectors and matrices, with none of the fast path's buffers, batching or kernels. Every
/// line is a line of the math in BPTT.swift's doc comment:
///
///     forward:  z_t = W h_{t−1} + U x_t + b,  h_t = φ(z_t),  y = V h_T + c,  L = loss(y, y*)
///     backward: δ_T = Vᵀ ∂L/∂y;  g_t = φ′(z_t) ⊙ δ_t;  δ_{t−1} = Wᵀ g_t
///               ∂L/∂W = Σ g_t h_{t−1}ᵀ,  ∂L/∂U = Σ g_t x_tᵀ,  ∂L/∂b = Σ g_t,
///               ∂L/∂V = ∂L/∂y h_Tᵀ,  ∂L/∂c = ∂L/∂y
///
/// The loss and ∂L/∂y are the simulator's (`Loss.evaluate`); φ and φ′ are written out again below.
/// (`ReferenceRNN`, beside this file, is the forward pass alone in extended precision, for finite
/// differences.)
/// The gradient comes back as flat tensors in `Gradients.names` order (W, U, b, V, c).
func referenceBPTT(_ model: RNN, _ sample: Sample, loss: Loss)
    -> (loss: Double, gradients: [[Double]], deltaNorms: [Double]) {
    let (W, U, V, T, act) = (model.W, model.U, model.V, sample.length, model.activation)
    let x = sample.inputs.rowArrays  // x[t − 1] is x_t
    var h = [model.h0], z: [[Double]] = [[]]  // h_0 … h_T and z_1 … z_T (z[0] is not used)
    for t in stride(from: 1, through: T, by: 1) {
        z.append(W * h[t - 1] + U * x[t - 1] + model.b)
        h.append(z[t].map { φ(act, $0) })
    }
    let y = V * h[T] + model.c
    let (L, dy) = loss.evaluate(output: y, target: sample.target)

    var dW = Matrix(rows: W.rows, cols: W.cols), dU = Matrix(rows: U.rows, cols: U.cols), db = zeros(model.b.count)
    var delta = V.transposed * dy
    var deltaNorms = [norm(delta)]  // ‖δ_T‖, then ‖δ_{T−1}‖ … ‖δ_0‖ put in front
    for t in stride(from: T, through: 1, by: -1) {
        let g = z[t].map { dφ(act, $0) } ⊙ delta
        dW += outer(g, h[t - 1])
        dU += outer(g, x[t - 1])
        db += g
        delta = W.transposed * g
        deltaNorms.insert(norm(delta), at: 0)
    }
    let dV = outer(dy, h[T]), dc = dy
    return (L, [dW.storage, dU.storage, db, dV.storage, dc], deltaNorms)
}

// The few operations min-char-rnn takes from numpy. `+` on two arrays is element-wise in this file
// only (elsewhere it joins them), and `*` of a matrix and a vector is the simulator's plain loop.

infix operator ⊙: MultiplicationPrecedence

/// The element-wise (Hadamard) product.
private func ⊙ (a: [Double], b: [Double]) -> [Double] {
    precondition(a.count == b.count, "⊙ of \(a.count) and \(b.count) values")
    return zip(a, b).map { $0 * $1 }
}

/// The element-wise sum.
private func + (a: [Double], b: [Double]) -> [Double] {
    precondition(a.count == b.count, "+ of \(a.count) and \(b.count) values")
    return zip(a, b).map { $0 + $1 }
}

private func += (a: inout [Double], b: [Double]) { a = a + b }

private func += (a: inout Matrix, b: Matrix) {
    precondition(a.rows == b.rows && a.cols == b.cols, "+= of a \(a.rows)×\(a.cols) and a \(b.rows)×\(b.cols) matrix")
    a.storage = zip(a.storage, b.storage).map { $0 + $1 }
}

/// u vᵀ.
private func outer(_ u: [Double], _ v: [Double]) -> Matrix {
    Matrix(rows: u.count, cols: v.count, storage: u.flatMap { ui in v.map { ui * $0 } })
}

private func zeros(_ count: Int) -> [Double] { [Double](repeating: 0, count: count) }

private func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

/// φ(z), written out again rather than borrowed from `Activation`.
private func φ(_ activation: Activation, _ z: Double) -> Double {
    switch activation {
    case .tanh: tanh(z)
    case .linear: z
    case .relu: z > 0 ? z : 0
    case .sigmoid: 1 / (1 + exp(-z))
    }
}

/// φ′(z): 1 − tanh², 1, the step (0 at the kink), σ(1 − σ).
private func dφ(_ activation: Activation, _ z: Double) -> Double {
    switch activation {
    case .tanh: 1 - tanh(z) * tanh(z)
    case .linear: 1
    case .relu: z > 0 ? 1 : 0
    case .sigmoid: φ(.sigmoid, z) * (1 - φ(.sigmoid, z))
    }
}
