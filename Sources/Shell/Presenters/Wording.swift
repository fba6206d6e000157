import Render
import Simulator

// The words for the simulator's other typed values: the tasks, the functions the norm clipping styles
// reproduce, and the errors of clipping rules and model specs. The simulator says these as data;
// every sentence a learner reads about them is here. Clipping warnings are worded in ClipWording.swift.

extension Commands {
    /// What a task asks the network to do, in one line (`task` shows it).
    static func describe(_ task: TaskKind) -> String {
        switch task {
        case .regress: "one fixed sequence of N(0,1) inputs and one N(0,1) target"
        case .adding: "add the two marked values of a two-channel sequence (values in [0,1), markers)"
        case .order: "classify the order of the two relevant symbols X/Y among distractors (4 classes)"
        case .memory: "output the first input after T steps"
        }
    }

    /// The function a norm clipping style reproduces, as sentences name it.
    static func source(of style: NormClipStyle) -> String {
        switch style {
        case .gradlab: "gradlab's own, overflow-safe"
        case .torch: "torch.nn.utils.clip_grad_norm_"
        case .tf: "tf.clip_by_global_norm"
        case .optax: "optax.clip_by_global_norm"
        }
    }

    /// Why a clipping rule cannot be applied as written, and what to write instead.
    static func describe(_ error: ClipError) -> String {
        switch error {
        case .thresholdNotFinite(let tau):
            "the clipping threshold must be a finite number, not \(plain(tau))"
        case .thresholdNotPositive(let tau):
            "the clipping threshold must be greater than 0, not \(plain(tau))"
        case .orderUnavailable(let style, let order):
            """
            style=\(style.rawValue) has only the 2-norm (\(source(of: style))), so p=\(order.rawValue) does not apply; \
            drop p= or use style=gradlab or style=torch
            """
        case .ratioNotFinite(let lambda):
            "the AGC ratio λ must be a finite number, not \(plain(lambda))"
        case .ratioNotPositive(let lambda):
            "the AGC ratio λ must be greater than 0, not \(plain(lambda))"
        }
    }

    /// Why the settings give no model, and what to change.
    static func describe(_ error: ModelError) -> String {
        switch error {
        case .literalSize(let rows, let cols, let n):
            "the W written out is \(rows)×\(cols), but the hidden size is \(n): W must be \(n)×\(n)"
        case .radiusNotFinite:
            "W has non-finite entries, so its spectral radius is undefined and it cannot be rescaled"
        case .radiusZero(let target):
            """
            ρ(W) is 0 (every eigenvalue is zero), so W cannot be rescaled to rho=\(target); \
            choose another init or W, or unset rho with rho=none
            """
        case .radiusTooSmall(let rho, let target):
            """
            ρ(W) is \(NumberFormat.short(rho)), too small to rescale W to rho=\(plain(target)): \
            W·\(plain(target))/ρ(W) overflows; write W with larger entries, or unset rho with rho=none
            """
        case .radiusOverflows(let target):
            """
            ρ(W) is past the largest number (about 1.8e308), so W cannot be rescaled to rho=\(plain(target)); \
            write W with smaller entries, or unset rho with rho=none
            """
        }
    }

    /// A number as a person wrote it: "0", "-1", "0.5" (not "0.0", "-1.0"); nan, inf and -inf as Swift
    /// prints them.
    private static func plain(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}
