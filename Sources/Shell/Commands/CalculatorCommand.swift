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
        return Report(command: "=", Evaluation(text: call.rest, value: value, used: used, stale: staleness(expression, session), calculator: true))
    }
}
