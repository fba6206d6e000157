import Foundation
import Simulator
import Testing
@testable import Render
@testable import Shell

/// The commands with `cell=lstm` and `cell=gru`: what they print and what their JSON carries.
@Suite struct GatedCellCommandTests {
    @Test(arguments: ["lstm", "gru"])
    func bpttNamesTheCellAndItsNumbers(_ cell: String) throws {
        var session = Session()
        _ = try run("set cell=\(cell) n=4 T=12", in: &session)
        let report = try run("bptt", in: &session)[0]
        let json = report.json
        #expect(json["cell"] == .string(cell))
        #expect(numbers(json["delta_norms"]).count == 13)
        #expect(numbers(json["jacobian_norms"]).count == 13)
        #expect((json["cell_delta_norms"] != nil) == (cell == "lstm"), "‖∂L/∂c_t‖ is the lstm's alone")
        let gate = number(json["mean_gate"])
        #expect(gate.map { $0 > 0 && $0 < 1 } == true)
        // Every gate's block is named, in the model and in the gradient.
        let gates = cell == "lstm" ? ["i", "f", "g", "o"] : ["r", "z", "n"]
        for name in gates.flatMap({ ["W_" + $0, "U_" + $0] }) {
            #expect(tensors(json["model"]?[name]).count == 4, "model \(name) has n rows")
            #expect(tensors(json["grads"]?[name]).count == 4, "grads \(name) has n rows")
        }
        let biases = cell == "lstm" ? ["b_i", "b_f", "b_g", "b_o"] : ["b_r", "b_z", "b_in", "b_hn"]
        for name in biases { #expect(numbers(json["grads"]?[name]).count == 4, "grads \(name)") }
        if cell == "lstm" { #expect(numbers(json["model"]?["b_f"]) == [1, 1, 1, 1], "the forget bias is forget_bias") }
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(report)
        #expect(text.contains("cell=\(cell)"))
        #expect(text.contains(cell == "lstm" ? "mean forget gate f" : "mean update gate z"))
        #expect(text.contains("‖∂L/∂c_t‖₂") == (cell == "lstm"))
    }

    @Test func forgetBiasMovesTheForgetGateAndOnlyTheLSTMs() throws {
        var session = Session()
        _ = try run("set cell=lstm forget_bias=5; bptt", in: &session)
        let open = try run("check mean_gate", in: &session)[0].json["value"]
        _ = try run("set forget_bias=-2; bptt", in: &session)
        let closed = try run("check mean_gate", in: &session)[0].json["value"]
        #expect(number(open)! > 0.9 && number(closed)! < 0.3)
        let note = try run("set cell=gru forget_bias=3", in: &session)[0]
        let text = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(note)
        #expect(text.contains("forget_bias applies to the lstm only"))
    }

    @Test func eigListsEachGatesMatrixAndRhoRescalesEach() throws {
        var session = Session()
        let json = try run("set cell=lstm rho=1.3; eig", in: &session)[1].json
        guard case .array(let gates)? = json["gates"] else { Issue.record("no gates in \(json.serialized())"); return }
        #expect(gates.count == 4)
        for gate in gates { #expect(abs(number(gate["spectral_radius"])! - 1.3) < 1e-12) }
        #expect(gates.map { $0["matrix"] } == ["W_i", "W_f", "W_g", "W_o"].map(JSON.string))
    }

    @Test func powerSaysWhyItFollowsTheRNNAlone() throws {
        var session = Session()
        _ = try run("set cell=gru", in: &session)
        let error = #expect(throws: ShellError.self) { try run("power 10", in: &session) }
        #expect(error?.message.contains("bptt") == true, "it points to bptt: \(error?.message ?? "")")
    }

    @Test func everyCommandRunsEveryCell() throws {
        for cell in ["lstm", "gru"] {
            var session = Session()
            let lines = ["set cell=\(cell) n=4 T=10", "grad", "clip norm 0.1", "grad", "clip signal 0.01", "grad",
                         "train task=adding T=10 steps=5 batch=4", "compare clip=none,norm:1 task=adding T=10 steps=5 batch=4",
                         "sweep rho=0.5,1.5 metric=delta0", "sweep rho=0.5,1.5 metric=rho_w",
                         "predict delta[0] > 0 when rho=1.2", "show", "show W", "suggest task=adding T=10 steps=3 batch=4"]
            for line in lines {
                #expect(throws: Never.self, "\(cell): \(line)") { _ = try run(line, in: &session) }
            }
            let rho = try run("sweep rho=0.5,1.5 metric=rho_w", in: &session)[0].json
            #expect(numbers(rho["values"]).map { ($0 * 1e9).rounded() / 1e9 } == [0.5, 1.5], "every gate rescaled to ρ")
        }
    }
}
