import Render
import ComplexModule
import Foundation
import Simulator

extension Commands {
    static let eig = CommandSpec(
        name: "eig", usage: "eig",
        summary: "eigenvalues, spectral radius ρ(W) and singular values of W",
        details: [
            .paragraph("Lists the eigenvalues of W, largest modulus first (complex ones come in conjugate pairs), ρ(W) = max |λ|, and the singular values σ (σ_max = ‖W‖₂). Always ρ(W) ≤ σ_max(W), with equality when W is normal (e.g. symmetric or orthogonal). With a gap, ‖Wᵏ‖₂ can exceed ρᵏ for a while: when σ_max > 1 > ρ, an error can grow for some steps before it decays. Computed with LAPACK (dgeev, dgesdd)."),
        ]
    ) { session, call throws(ShellError) in
        try noArguments(call)
        let model = try session.model()
        let spectra = zip(model.cell.gateNames, model.gateMatrices).map { gate, w in
            let eigenvalues = Spectrum.eigenvalues(w)
            return EigenSpectrum(size: w.rows, eigenvalues: eigenvalues, singularValues: Spectrum.singularValues(w),
                                 rho: Spectrum.spectralRadius(w, eigenvalues: eigenvalues), gate: gate)
        }
        if model.cell == .rnn { return Report(command: "eig", spectra[0]) }
        return Report(command: "eig", GateSpectra(cell: model.cell, gates: spectra))
    }

    static let power = CommandSpec(
        name: "power", usage: "power K",
        summary: "‖Wᵏ‖₂ for k = 1…K next to ρ(W)ᵏ",
        details: [
            .paragraph("The norm of the k-th power of W is what multiplies an error sent k steps back through a linear RNN. It grows or shrinks like ρ(W)ᵏ in the long run (Gelfand: ‖Wᵏ‖^(1/k) → ρ), but a non-normal W can grow far beyond ρᵏ first."),
            .rows([
                ("power 40", "‖Wᵏ‖₂ for k = 1…40"),
            ]),
            .paragraph("K runs from \(Limits.powers.lowerBound) to \(Limits.powers.upperBound), and K·n³ may be at most \(NumberFormat.short(Limits.cubicWork))."),
        ]
    ) { session, call throws(ShellError) in
        guard call.words.count == 1 else { throw ShellError("power needs one whole number K, like power 40") }
        guard session.settings.cell == .rnn else {
            throw ShellError("power follows one matrix's powers, the rnn's path back; a \(session.settings.cell.rawValue)'s error goes back through its gates, which bptt measures (‖∂h_T/∂h_t‖₂): use bptt, eig for each gate's spectrum, or set cell=rnn")
        }
        let K = try Literal.integer(call.words[0], for: "K")
        guard Limits.powers.contains(K) else {
            throw ShellError("K must be from \(Limits.powers.lowerBound) to \(Limits.powers.upperBound), not \(K)")
        }
        let w = try session.model().W
        let cube = pow(Double(w.rows), 3)
        guard Double(K) * cube <= Limits.cubicWork else {
            throw ShellError("power \(K) at n=\(w.rows) is too much work (K·n³ must stay under \(NumberFormat.short(Limits.cubicWork))); use K ≤ \(Int(Limits.cubicWork / cube))")
        }
        let norms = Spectrum.powerNorms(w, upTo: K, shouldStop: session.runtime.shouldStop)
        guard norms.count == K else { throw ShellError("power interrupted after \(norms.count) of \(K) powers; nothing was changed") }
        return Report(command: "power", MatrixPowers(norms: norms, rho: try session.spectrum().rho))
    }
}
