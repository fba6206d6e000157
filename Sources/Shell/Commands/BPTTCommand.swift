import Render
import Foundation
import Simulator

extension Commands {
    static let bptt = CommandSpec(
        name: "bptt", usage: "bptt [KEY=VALUE…]",
        summary: "backpropagate through time and show the error at every step",
        details: [
            .paragraph("Runs the RNN h_t = φ(W h_{t−1} + U x_t + b) (or the LSTM or GRU of set cell=…, help cells) over the current sequence (t = 1…T, h_0 = 0), takes the loss L = ½‖V h_T + c − y*‖², and backpropagates. For every t it shows"),
            .rows([
                ("‖∂L/∂h_t‖₂", "the error that has travelled back to step t"),
                ("‖∂L/∂c_t‖₂", "cell=lstm: the error on the cell state, which the forget gate carries back"),
                ("‖∂h_T/∂h_t‖₂", "the norm of the Jacobian product Π diag(φ′(z_k)) W from k = t+1 to T (a gated cell's through its gates, c_t held fixed)"),
            ]),
            .paragraph("as a table (abbreviated for long T) and a log-scale sparkline from t = T back to t = 0, then the loss and the norm of the whole gradient. KEY=VALUE words (bptt T=30 rho=1.2) apply to this pass only; your settings stay as they are. gradlab --json gives every number, the model and the inputs. The Jacobian products cost T·n³ (times the gates) and are skipped past \(NumberFormat.short(Limits.cubicWork)). A gated cell's last lines give the mean of the gate that carries the state over: the lstm's forget gate f, the gru's update gate z."),
        ],
        argumentWords: { Settings.keyNames.map { $0 + "=" } }
    ) { session, call throws(ShellError) in
        if let word = call.words.first(where: { typed in ["clip=", "tau=", "τ="].contains { typed.hasPrefix($0) } }) {
            throw ShellError("bptt does not clip, so \(word) does not apply; grad shows the gradient under a clipping rule (grad \(word))")
        }
        let (settings, clip) = try runSettings(session, call.words)
        let model = try session.models.model(for: settings)
        let affordable = jacobiansAffordable(settings)
        let result = try measureBPTT(model, settings, jacobians: affordable, shouldStop: session.runtime.shouldStop)
        let spectrum = try session.models.spectrum(for: settings)
        session.results.bptt = Measured(value: BPTTMeasurement(result), provenance: session.provenance(settings, clip: clip, overridden: overriddenKeys(call.words)))
        return Report(command: "bptt", BPTTPass(result: result, model: model, sample: settings.spec.sample(), settings: settings,
                                                spectrum: spectrum, jacobiansSkipped: !affordable))
    }

    /// Whether the Jacobian products ∂h_T/∂h_t (T·n³ multiply-adds, times the gates for a gated
    /// cell) are within the work budget.
    static func jacobiansAffordable(_ settings: Settings) -> Bool {
        jacobianWork(settings) <= Limits.cubicWork
    }

    static func jacobianWork(_ settings: Settings) -> Double { Double(settings.T) * Double(settings.cell.gates) * pow(Double(settings.n), 3) }

    /// One pass of BPTT over the settings' sequence: what bptt shows and what predict reads.
    static func measureBPTT(_ model: RNN, _ settings: Settings, jacobians: Bool, shouldStop: () -> Bool) throws(ShellError) -> BPTTResult {
        let result = settings.bptt(model, jacobians: jacobians, shouldStop: shouldStop)
        if result.interrupted { throw ShellError("bptt interrupted; nothing was changed") }
        return result
    }
}
