import Render
import Simulator

/// Settings and clipping rules as JSON: every command that reports the settings it ran under.
extension Commands {
    /// The settings and the clipping rule, in full, as JSON fields.
    static func settingsFields(_ settings: Settings, clip: ClipRule) -> [(String, JSON)] {
        [("settings", settingsJSON(settings)), ("clip", clipJSON(clip))]
    }

    static func settingsJSON(_ settings: Settings) -> JSON {
        var fields = Settings.keys.filter { $0.name != "W" }.map { ($0.name, $0.json(settings)) }
        if case .literal(let w) = settings.initialization { fields.append(("W", .matrix(w.rowArrays))) }
        fields.append(("seed", .integer(Int(settings.seed))))
        return .object(fields)
    }

    static func clipJSON(_ rule: ClipRule) -> JSON {
        switch rule {
        case .none:
            .object([("mode", .string("none"))])
        case .norm(let tau, let order, let style):
            .object([("mode", .string("norm")), ("tau", .number(tau)), ("p", .string(order.rawValue)), ("style", .string(style.rawValue))])
        case .value(let tau), .tensor(let tau), .signal(let tau):
            .object([("mode", .string(rule.mode)), ("tau", .number(tau))])
        case .agc(let lambda):
            .object([("mode", .string("agc")), ("lambda", .number(lambda)), ("eps", .number(ClipRule.agcEpsilon))])
        }
    }
}
