import ComplexModule
import Foundation
import Render
import Simulator

/// What `eig` shows: the eigenvalues of W, largest modulus first, and its singular values.
struct EigenSpectrum: Presentation {
    let size: Int
    let eigenvalues: [Complex<Double>]
    let singularValues: [Double]
    /// ρ(W) as `Spectrum.spectralRadius` gives it, so that `eig` and `set` agree.
    let rho: Double
    /// A gated cell's gate this is the matrix of ("" for the rnn's W).
    var gate = ""
    var sigma: Double { singularValues.first ?? 0 }
    /// W, or W_f for a gate.
    var name: String { gate.isEmpty ? "W" : "W_" + gate }

    var blocks: [Block] {
        let rho = self.rho, sigma = self.sigma, singular = singularValues
        // The largest twelve and the smallest four, when there are more than sixteen.
        let count = eigenvalues.count
        let shown = count <= 16 ? Array(0..<count) : Array(0..<12) + Array((count - 4)..<count)
        let table = Table(
            columns: [.init("#"), .init("re λ"), .init("im λ"), .init("|λ|")],
            rows: shown.map { i in [.integer(i + 1), .number(eigenvalues[i].real), .number(eigenvalues[i].imaginary), .number(eigenvalues[i].length)] },
            gapsAfter: Rows.gaps(in: shown))
        var blocks: [Block] = [
            .title("Eigenvalues of W (\(size)×\(size)), largest |λ| first"),
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
        return blocks
    }

    var fields: [(String, JSON)] {
        [
            ("eigenvalues", .array(eigenvalues.map { .numbers([$0.real, $0.imaginary]) })),
            ("spectral_radius", .number(rho)),
            ("sigma_max", .number(sigma)),
            ("singular_values", .numbers(singularValues)),
        ]
    }
}

/// What `eig` shows for a gated cell: each gate's ρ(W_k), σ_max(W_k) and largest eigenvalues, and
/// every gate's eigenvalues in one plane.
struct GateSpectra: Presentation {
    let cell: RecurrentCell
    let gates: [EigenSpectrum]

    var blocks: [Block] {
        let n = gates.first?.size ?? 0
        let rows: [[Cell]] = gates.map { g in
            let top = g.eigenvalues.first
            return [.text(g.name), .number(g.rho), .number(g.sigma), .number(top?.real ?? .nan), .number(top?.imaginary ?? .nan)]
        }
        return [
            .title("Eigenvalues of the \(cell.rawValue)'s gate matrices (each \(n)×\(n)), largest |λ| first"),
            .table(Table(columns: [.init("matrix", numeric: false), .init("ρ"), .init("σ_max"), .init("re λ₁"), .init("im λ₁")], rows: rows)),
            .note("each gate's W_k multiplies h_{t−1} inside its gate, so no single matrix sets the growth of an error: bptt measures it"),
            .complexPlane(ComplexPlot(
                title: "λ of every gate's W_k in the complex plane (\(gates.map(\.name).joined(separator: ", ")))",
                points: gates.flatMap { $0.eigenvalues.map { ($0.real, $0.imaginary) } })),
        ]
    }

    var fields: [(String, JSON)] {
        [
            ("cell", .string(cell.rawValue)),
            ("gates", .array(gates.map { .object([("matrix", .string($0.name))] + $0.fields) })),
            ("spectral_radius", .number(gates.map(\.rho).max() ?? .nan)),
            ("sigma_max", .number(gates.map(\.sigma).max() ?? .nan)),
        ]
    }
}

/// What `power K` shows: ‖Wᵏ‖₂ for k = 1…K beside ρ(W)ᵏ.
struct MatrixPowers: Presentation {
    /// ‖Wᵏ‖₂ for k = 1…K.
    let norms: [Double]
    let rho: Double

    var rhoPowers: [Double] { (1...norms.count).map { pow(rho, Double($0)) } }

    var blocks: [Block] {
        let K = norms.count, rhoPowers = self.rhoPowers
        let shown = Rows.evenlySpaced(count: K, rows: 11)
        let table = Table(
            columns: [.init("k"), .init("‖Wᵏ‖₂"), .init("ρᵏ"), .init("‖Wᵏ‖₂ / ρᵏ")],
            rows: shown.map { i in [.integer(i + 1), .number(norms[i]), .number(rhoPowers[i]), .number(norms[i] / rhoPowers[i])] })
        let gelfand = pow(norms[K - 1], 1 / Double(K))
        return [
            .title("Powers of W: ρ(W) = \(NumberFormat.short(rho))"),
            .table(table),
        ] + (shown.count < K ? [.note("\(shown.count) of \(K) powers shown, evenly spaced; gradlab --json gives every one")] : []) + [
            .sparkline(Sparkline(title: "‖Wᵏ‖₂ for k = 1…\(K)", values: norms, scale: .log10, ends: ("k=1", "k=\(K)"))),
            .note("‖W^\(K)‖₂^(1/\(K)) = \(NumberFormat.short(gelfand)) (tends to ρ = \(NumberFormat.short(rho)) as k grows)"),
        ]
    }

    var fields: [(String, JSON)] {
        [
            ("norms", .numbers(norms)),
            ("rho_powers", .numbers(rhoPowers)),
            ("spectral_radius", .number(rho)),
        ]
    }
}
