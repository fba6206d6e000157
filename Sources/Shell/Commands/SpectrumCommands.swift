import Render
import ComplexModule
import Foundation
import Simulator

extension Commands {
    static let eig = CommandSpec(
        name: "eig", usage: "eig",
        summary: "eigenvalues, spectral radius ρ(W) and singular values of W",
        details: """
        Lists the eigenvalues of W, largest modulus first (complex ones come in
        conjugate pairs), ρ(W) = max |λ|, and the singular values σ (σ_max = ‖W‖₂).
        Always ρ(W) ≤ σ_max(W), with equality when W is normal (e.g. symmetric or
        orthogonal). With a gap, ‖Wᵏ‖₂ can exceed ρᵏ for a while: when σ_max > 1 > ρ,
        an error can grow for some steps before it decays. Computed with LAPACK (dgeev,
        dgesdd).
        """
    ) { session, call throws(ShellError) in
        try noArguments(call)
        let w = try session.model().W
        let eigenvalues = Spectrum.eigenvalues(w)
        let singular = Spectrum.singularValues(w)
        let rho = eigenvalues.first?.length ?? 0, sigma = singular.first ?? 0
        // The largest twelve and the smallest four, when there are more than sixteen.
        let count = eigenvalues.count
        let shown = count <= 16 ? Array(0..<count) : Array(0..<12) + Array((count - 4)..<count)
        let table = Table(
            columns: [.init("#"), .init("re λ"), .init("im λ"), .init("|λ|")],
            rows: shown.map { i in [.integer(i + 1), .number(eigenvalues[i].real), .number(eigenvalues[i].imaginary), .number(eigenvalues[i].length)] },
            gapsAfter: gaps(in: shown))
        var blocks: [Block] = [
            .title("Eigenvalues of W (\(w.rows)×\(w.cols)), largest |λ| first"),
            .table(table),
            .values([("ρ(W)", .number(rho)), ("σ_max(W) = ‖W‖₂", .number(sigma))]),
            .values([("singular values", .text(singular.prefix(8).map(NumberFormat.short).joined(separator: " ") + (singular.count > 8 ? " … (\(singular.count) in all)" : "")))]),
        ]
        if rho.isFinite && sigma.isFinite && sigma > rho * (1 + 1e-9) {
            blocks.append(.note("σ_max > ρ: W is not normal, so ‖Wᵏ‖₂ can exceed ρᵏ for a while (see power)"))
        }
        blocks.append(.complexPlane(ComplexPlot(
            title: "λ in the complex plane: |λ| > 1 grows like |λ|ᵏ over k steps, |λ| < 1 decays",
            points: eigenvalues.map { ($0.real, $0.imaginary) })))
        return Report(command: "eig", blocks: blocks, fields: [
            ("eigenvalues", .array(eigenvalues.map { .numbers([$0.real, $0.imaginary]) })),
            ("spectral_radius", .number(rho)),
            ("sigma_max", .number(sigma)),
            ("singular_values", .numbers(singular)),
        ])
    }

    static let power = CommandSpec(
        name: "power", usage: "power K",
        summary: "‖Wᵏ‖₂ for k = 1…K next to ρ(W)ᵏ",
        details: """
        The norm of the k-th power of W is what multiplies an error sent k steps back
        through a linear RNN. It grows or shrinks like ρ(W)ᵏ in the long run (Gelfand:
        ‖Wᵏ‖^(1/k) → ρ), but a non-normal W can grow far beyond ρᵏ first.
          power 40       ‖Wᵏ‖₂ for k = 1…40
        K runs from \(Limits.powers.lowerBound) to \(Limits.powers.upperBound), and K·n³ may be at most \(NumberFormat.short(Limits.cubicWork)).
        """
    ) { session, call throws(ShellError) in
        guard call.words.count == 1 else { throw ShellError("power needs one whole number K, like power 40") }
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
        let rho = try session.spectrum().rho
        let rhoPowers = (1...K).map { pow(rho, Double($0)) }
        let shown = evenlySpaced(count: K, rows: 11)
        let table = Table(
            columns: [.init("k"), .init("‖Wᵏ‖₂"), .init("ρᵏ"), .init("‖Wᵏ‖₂ / ρᵏ")],
            rows: shown.map { i in [.integer(i + 1), .number(norms[i]), .number(rhoPowers[i]), .number(norms[i] / rhoPowers[i])] })
        let gelfand = pow(norms[K - 1], 1 / Double(K))
        return Report(command: "power", blocks: [
            .title("Powers of W: ρ(W) = \(NumberFormat.short(rho))"),
            .table(table),
        ] + (shown.count < K ? [.note("\(shown.count) of \(K) powers shown, evenly spaced; gradlab --json gives every one")] : []) + [
            .sparkline(Sparkline(title: "‖Wᵏ‖₂ for k = 1…\(K)", values: norms, scale: .log10, ends: ("k=1", "k=\(K)"))),
            .note("‖W^\(K)‖₂^(1/\(K)) = \(NumberFormat.short(gelfand)) (tends to ρ = \(NumberFormat.short(rho)) as k grows)"),
        ], fields: [
            ("norms", .numbers(norms)),
            ("rho_powers", .numbers(rhoPowers)),
            ("spectral_radius", .number(rho)),
        ])
    }

    /// At most `rows` indices out of 0..<count, evenly spaced and always including both ends; all
    /// of them when leaving some out would save only a few rows.
    static func evenlySpaced(count: Int, rows: Int) -> [Int] {
        guard count > rows + rows / 2 else { return Array(0..<count) }
        var picked: [Int] = []
        for i in 0..<rows {
            let index = Int((Double(i) * Double(count - 1) / Double(rows - 1)).rounded())
            if picked.last != index { picked.append(index) }
        }
        return picked
    }

    /// Row positions after which indices were skipped.
    static func gaps(in indices: [Int]) -> Set<Int> {
        Set(indices.indices.dropLast().filter { indices[$0 + 1] != indices[$0] + 1 })
    }
}
