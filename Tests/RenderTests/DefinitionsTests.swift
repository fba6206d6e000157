import Testing
@testable import Render

/// The lines of a rendering, without the final newline.
func lines(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
}

@Suite struct DefinitionsTests {
    let rows: [(term: String, meaning: String)] = [
        ("none", "no clipping"),
        ("norm τ", "global norm clipping: g ← g·τ/‖g‖ when ‖g‖ > τ, over all tensors together"),
        ("clip norm 5 style=torch [3,4]", "scale 5/(5+1e-6)"),
        ("cliff clip=value:0.5 lr=0.02", ""),
    ]

    @Test func termsShareAColumnAndMeaningsHangUnderThemselves() {
        #expect(rendered(.definitions(rows), width: 40) == """
              none     no clipping
              norm τ   global norm clipping: g ←
                       g·τ/‖g‖ when ‖g‖ > τ, over
                       all tensors together
              clip norm 5 style=torch [3,4]
                       scale 5/(5+1e-6)
              cliff clip=value:0.5 lr=0.02

            """)
    }

    @Test func aWideTerminalKeepsEachRowOnOneLine() {
        #expect(rendered(.definitions(rows), width: 120) == """
              none                            no clipping
              norm τ                          global norm clipping: g ← g·τ/‖g‖ when ‖g‖ > τ, over all tensors together
              clip norm 5 style=torch [3,4]   scale 5/(5+1e-6)
              cliff clip=value:0.5 lr=0.02

            """)
    }

    @Test func withNoTermNarrowEnoughMeaningsGoUnderTheirTerms() {
        let long: [(term: String, meaning: String)] = [("optim sgd lr=0.1 momentum=0.9", "θ ← θ − lr·v")]
        #expect(rendered(.definitions(long), width: 40) == """
              optim sgd lr=0.1 momentum=0.9
                  θ ← θ − lr·v

            """)
    }

    @Test func aTermAloneWiderThanTheTerminalWrapsWithAHangingIndent() {
        let example: [(term: String, meaning: String)] = [("predict for lr in 0.01..2:20: not diverged when clip=norm:1 task=adding T=20", "")]
        #expect(rendered(.definitions(example), width: 40) == """
              predict for lr in 0.01..2:20: not
                  diverged when clip=norm:1
                  task=adding T=20

            """)
    }

    /// In ASCII, "‖∂L/∂h_t‖₂" is 12 columns wide ("||dL/dh_t||2"), not 10: the column and the
    /// meanings are measured as shown.
    @Test func asciiIsMeasuredAsShown() {
        let math: [(term: String, meaning: String)] = [("‖∂L/∂h_t‖₂", "the error that has travelled back to step t, ρ(W)ᵏ")]
        let text = rendered(.definitions(math), width: 60, unicode: false)
        #expect(text == """
              ||dL/dh_t||2   the error that has travelled back to step
                             t, rho(W)^k

            """)
    }

    @Test(arguments: [40, 47, 60, 80, 97, 120], [true, false])
    func everyLineFitsAndEveryWordSurvives(width: Int, unicode: Bool) {
        let text = rendered(.definitions(rows), width: width, unicode: unicode)
        for line in lines(text) { #expect(line.count <= width, "\(line)") }
        let words = rows.flatMap { ($0.term + " " + $0.meaning).split(separator: " ") }.map { PlotLayout.shown(String($0), OutputStyle(unicode: unicode)) }
        #expect(text.split(whereSeparator: \.isWhitespace).map(String.init) == words)
    }

    @Test func aWordLongerThanTheRoomIsKeptWhole() {
        #expect(TextRenderer.words("a torch.nn.utils.clip_grad_norm_: b", width: 10) == ["a", "torch.nn.utils.clip_grad_norm_:", "b"])
        #expect(TextRenderer.words("", width: 10) == [""])
        #expect(TextRenderer.words("one  two", width: 10) == ["one two"])
    }
}
