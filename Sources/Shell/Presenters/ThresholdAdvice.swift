import Foundation
import Render
import Simulator
import StateFiles

/// A clipping threshold from a run's gradient norms, as `suggest` shows it: from a warm-up run
/// without clipping (Pascanu et al.), or from a log a real run wrote (`suggest norms`). The mean
/// stands beside the median and the upper percentiles; when the norms span more than two decades
/// the mean is pulled by the tail, and the advice turns to the percentiles.
struct ThresholdAdvice: Presentation {
    enum Source: Sendable {
        /// A warm-up, with the settings it ran under: the session's, with the KEY=VALUE given.
        case warmUp(ThresholdSuggestion, Settings)
        /// A log read by load norms.
        case log(NormLogMeasurement, FileStamp)
    }

    let source: Source
    /// Why a log's numbers may no longer describe its file (it changed since it was read).
    var stale: String? = nil

    var profile: NormProfile {
        switch source {
        case .warmUp(let suggestion, _): suggestion.profile
        case .log(let log, _): log.profile
        }
    }

    /// The warm-up blew up: its numbers measure the explosion.
    var exploded: ThresholdSuggestion? {
        if case .warmUp(let suggestion, _) = source, suggestion.exploded { return suggestion }
        return nil
    }

    var blocks: [Block] {
        let summary = profile.summary
        var blocks: [Block] = []
        switch source {
        case .warmUp(let suggestion, _):
            blocks.append(.values(Self.figures(summary) + [("warm-up steps", .integer(suggestion.steps))]))
        case .log(let log, _):
            blocks.append(.title("suggest from the norms of \(log.shownPath)"))
            if let stale { blocks.append(.warning(stale)) }
            blocks.append(.values(Self.figures(summary) + [("logged steps", .integer(log.rows))]))
        }
        blocks.append(.values([("‖g‖₂ seen", .text("\(NumberFormat.short(summary.smallest)) … \(NumberFormat.short(summary.largest))"
                                                   + (summary.decades.isFinite ? " (\(Self.decades(summary.decades)))" : "")))]))
        blocks.append(.note(measuredAt))
        if let suggestion = exploded {
            let how = suggestion.stoppedAt.map { "met a NaN or Inf at step \($0)" }
                ?? "went from a norm of \(NumberFormat.short(suggestion.first)) to \(NumberFormat.short(suggestion.largest))"
            blocks.append(.warning("the warm-up itself exploded (it \(how)), so this mean measures the explosion and is no threshold to use; lower lr or rho and suggest again"))
            return blocks
        }
        return blocks + Self.advice(profile)
    }

    /// The mean beside the median and the upper percentiles.
    static func figures(_ summary: NormSummary) -> [(String, Cell)] {
        [("mean ‖g‖₂", .number(summary.mean)), ("median", .number(summary.median)), ("p90", .number(summary.p90)), ("p99", .number(summary.p99))]
    }

    /// "4.70 decades".
    static func decades(_ x: Double) -> String { String(format: "%.2f", x) + " decade" + (String(format: "%.2f", x) == "1.00" ? "" : "s") }

    /// What the thresholds from Pascanu's rule would do, or, when the norms are heavy-tailed, why
    /// the mean misleads and which percentiles to take τ from instead.
    static func advice(_ profile: NormProfile) -> [Block] {
        let s = profile.summary
        let short = NumberFormat.short, percent = TrainingWording.percent
        guard s.heavyTailed else {
            return [.text("Try a threshold from \(short(profile.low.tau)) to \(short(profile.high.tau)), e.g. clip norm \(short(s.mean))")]
        }
        guard s.median > 0 else {
            return [.warning("the norms span \(decades(s.decades)) and at least half of them are 0 (the run fit its data exactly, or its gradient vanished), so neither their mean (\(short(s.mean))) nor a percentile is a level to clip at; take the norms from a stretch of training where they are not 0 (fewer steps, or another lr or task)")]
        }
        let ratio = s.mean / s.median
        let against = ratio.isFinite && ratio >= 2 ? ": \(short((ratio * 10).rounded() / 10))× the median (\(short(s.median)))" : ""
        let aboveP90 = s.mean > s.p90 ? ", and above p90 (\(short(s.p90)))" : ""
        return [
            .warning("the norms span \(decades(s.decades)), so their mean (\(short(s.mean))) is pulled by the tail\(against)\(aboveP90). Pascanu's range from it, \(short(profile.low.tau)) to \(short(profile.high.tau)), would have clipped \(percent(profile.low.clipRate)) to \(percent(profile.high.clipRate)) of these steps."),
            .text("Take τ from the percentiles instead, between the median and p90: \(short(s.median)) to \(short(s.p90)) (clipping \(percent(profile.median.clipRate)) to \(percent(profile.p90.clipRate)) of these steps), e.g. clip norm \(short(s.p90))"),
        ]
    }

    /// The τ the advice gives as its example: the mean, or p90 for heavy-tailed norms; none when
    /// half the norms are 0.
    static func suggested(_ profile: NormProfile) -> (tau: Double, basis: String)? {
        let s = profile.summary
        guard s.count > 0 else { return nil }
        guard s.heavyTailed else { return (s.mean, "mean") }
        return s.median > 0 ? (s.p90, "p90") : nil
    }

    /// "measured at lr 0.1 (sgd), without clipping …": the conditions the norms belong to.
    var measuredAt: String {
        switch source {
        case .warmUp(_, let settings):
            return "measured at lr \(NumberFormat.short(settings.lr)) (\(settings.optimizer.rawValue)), without clipping (a warm-up never clips); a τ from them belongs to that lr"
        case .log(let log, _):
            return Self.measuredAt(log.conditions)
        }
    }

    static func measuredAt(_ conditions: RunConditions) -> String {
        var known: [String] = []
        if let lr = conditions.lr { known.append("lr \(NumberFormat.short(lr))") }
        if let optimizer = conditions.optimizer { known.append(optimizer) }
        if let clip = conditions.clip { known.append(clip == .none ? "no clipping" : "clip \(Commands.describe(clip))") }
        var missing: [String] = []
        if conditions.lr == nil { missing.append("lr") }
        if conditions.optimizer == nil { missing.append("optimizer") }
        if conditions.clip == nil { missing.append("clipping rule") }
        let list = missing.count > 1 ? missing.dropLast().joined(separator: ", ") + " or " + missing.last! : missing.first ?? ""
        if known.isEmpty {
            return "the log does not say at which lr, optimizer or clipping rule its run measured these norms (load norms FILE lr=… optim=… clip=… records them); a τ from them belongs to that run's lr"
        }
        let unknown = missing.isEmpty ? "" : "; its \(list) unknown"
        return "measured by the logged run at \(known.joined(separator: ", ")), as load norms was told\(unknown); a τ from them belongs to that lr"
    }

    var fields: [(String, JSON)] {
        let summary = profile.summary
        var fields: [(String, JSON)] = []
        switch source {
        case .warmUp(let suggestion, let settings):
            fields = [("settings", Commands.settingsJSON(settings)), ("mean_norm", .number(suggestion.mean)), ("low", .number(suggestion.low)),
                      ("high", .number(suggestion.high)), ("steps", .integer(suggestion.steps)), ("exploded", .bool(suggestion.exploded)),
                      ("measured_at", .object([("lr", .number(settings.lr)), ("optim", .string(settings.optimizer.rawValue)), ("clip", .string("none"))]))]
        case .log(let log, let stamp):
            fields = [("path", .string(stamp.path)), ("mean_norm", .number(summary.mean)), ("low", .number(profile.low.tau)),
                      ("high", .number(profile.high.tau)), ("steps", .integer(log.rows)),
                      ("measured_at", Self.conditionsJSON(log.conditions))]
        }
        let suggestion: JSON = exploded != nil ? .null : Self.suggested(profile).map { .object([("tau", .number($0.tau)), ("basis", .string($0.basis))]) } ?? .null
        return fields + [
            ("median", .number(summary.median)), ("p90", .number(summary.p90)), ("p99", .number(summary.p99)),
            ("smallest", .number(summary.smallest)), ("largest", .number(summary.largest)), ("decades", .number(summary.decades)),
            ("heavy_tailed", .bool(summary.heavyTailed)), ("suggested", suggestion),
            ("thresholds", .array(Self.candidates(profile).map { Self.effectJSON($0.effect, from: $0.from) })),
        ]
    }

    /// The thresholds the advice weighs, in order of τ.
    static func candidates(_ profile: NormProfile) -> [(from: String, effect: ThresholdEffect)] {
        [("p50", profile.median), ("p90", profile.p90), ("p99", profile.p99),
         ("mean/2", profile.low), ("mean", profile.mean), ("10*mean", profile.high)].sorted { $0.1.tau < $1.1.tau }
    }

    static func effectJSON(_ effect: ThresholdEffect, from: String) -> JSON {
        .object([("tau", .number(effect.tau)), ("from", .string(from)), ("clip_rate", .number(effect.clipRate)), ("mean_scale", .number(effect.meanScale))])
    }

    static func conditionsJSON(_ conditions: RunConditions) -> JSON {
        .object([("lr", conditions.lr.map(JSON.number) ?? .null), ("optim", conditions.optimizer.map(JSON.string) ?? .null),
                 ("clip", conditions.clip.map { .string(Commands.describe($0)) } ?? .null)])
    }
}
