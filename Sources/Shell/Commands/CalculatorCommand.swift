import Render
extension Commands {
    static let calculator = CommandSpec(
        name: "=", usage: "= EXPR",
        summary: "calculate, with settings as names: = rho^T",
        details: [
            .paragraph("Evaluates an expression over numbers and the current settings and shows the names it used."),
            .rows([
                ("= rho^T", "how much ρ(W) multiplies over T steps"),
                ("= 1.1^50", "a quick power"),
                ("= sigma_max > rho", "comparisons give true or false"),
            ]),
            .paragraph("help expressions lists every name and function."),
        ]
    ) { session, call throws(ShellError) in
        guard !call.rest.isEmpty else { throw ShellError("= needs an expression, like = rho^T") }
        let expression = try Expression(call.rest)
        var used: [(String, ExpressionValue)] = []
        let value = try expression.evaluate(in: SessionNames(session), used: &used)
        var blocks: [Block] = []
        let alone = used.count == 1 && call.rest.trimmingWhitespace() == used[0].0
        if !used.isEmpty && !alone { blocks.append(.note(used.map { "\($0.0) = \($0.1.fullDescription)" }.joined(separator: ", "))) }
        // A calculator shows every digit: the answer is the point.
        blocks.append(.text(value.fullDescription))
        blocks += staleWarnings(expression, session)
        return Report(command: "=", blocks: blocks, fields: [
            ("expression", .string(call.rest)),
            ("value", value.json),
            ("names", .object(used.map { ($0.0, $0.1.json) })),
        ])
    }
}
