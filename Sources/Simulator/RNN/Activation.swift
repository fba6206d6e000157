import Kernels
import RealModule

/// The element-wise non-linearity φ of the recurrence h_t = φ(W h_{t−1} + U x_t + b).
public enum Activation: String, Sendable, CaseIterable {
    case tanh, linear, relu, sigmoid

    /// φ(z), with the kernels' tanh and exp (the same bits on every processor).
    @inlinable
    public func apply(_ z: Double) -> Double {
        switch self {
        case .tanh: return gl_tanh1(z)
        case .linear: return z
        case .relu: return z > 0 ? z : (z.isNaN ? z : 0)
        case .sigmoid: return 1 / (1 + gl_exp(-z))
        }
    }

    /// φ′(z), given the pre-activation z and the output h = φ(z) (cheaper for tanh and sigmoid).
    /// relu′ is taken as 0 at z = 0, and NaN stays NaN so that a broken run is never hidden.
    @inlinable
    public func derivative(z: Double, h: Double) -> Double {
        switch self {
        case .tanh: return 1 - h * h
        case .linear: return 1
        case .relu: return z > 0 ? 1 : (z.isNaN ? .nan : 0)
        case .sigmoid: return h * (1 - h)
        }
    }

    /// h[i] = φ(z[i]) for `count` values; tanh through the vector kernel.
    @inlinable
    public func apply(_ z: UnsafePointer<Double>, to h: UnsafeMutablePointer<Double>, count: Int) {
        switch self {
        case .tanh: gl_tanh(count, z, h)
        default: for i in 0..<count { h[i] = apply(z[i]) }
        }
    }
}
