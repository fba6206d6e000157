import Foundation
import Testing
@testable import Render
@testable import Shell

/// `suggest`'s robust advice on its warm-up: the median and percentiles beside the mean, the lr and
/// optimizer it measured at, and a warning when the norms span more than two decades.
@Suite struct RobustSuggestTests {
    @Test("suggest warns when the warm-up's norms span more than two decades, and turns to the percentiles")
    func suggestWarnsOnHeavyTails() throws {
        var session = Session()
        let report = try run("task adding T=100; set n=32 act=relu init=identity; optim adam lr=0.001; suggest", in: &session).last!
        let json = report.json
        #expect(json["heavy_tailed"] == .bool(true) && number(json["decades"]).map { $0 > 2 } == true)
        #expect(report.warnings.contains { $0.contains("decades, so their mean") && $0.contains("pulled by the tail") })
        #expect(json["suggested"]?["basis"] == .string("p90") && json["suggested"]?["tau"] == json["p90"])
        // The old fields are all still there, and say the same.
        let mean = try #require(number(json["mean_norm"]))
        #expect(number(json["low"]) == 0.5 * mean && number(json["high"]) == 10 * mean && integer(json["steps"]) == 100 && json["exploded"] == .bool(false))
        // At which lr, optimizer and rule the norms were measured.
        #expect(json["measured_at"]?["lr"] == .number(0.001) && json["measured_at"]?["optim"] == .string("adam") && json["measured_at"]?["clip"] == .string("none"))
        let shown = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(report)
        #expect(shown.contains("measured at lr 0.001 (adam), without clipping") && shown.contains("Take τ from the percentiles instead, between the median and p90"))
    }

    @Test("suggest on norms within two decades keeps Pascanu's range, with the median and percentiles beside the mean")
    func suggestOnLightTails() throws {
        var session = Session()
        let report = try run("seed 3; set task=adding n=16 T=10 rho=1.2 optim=sgd lr=0.1 batch=16 steps=200; suggest", in: &session).last!
        let json = report.json
        #expect(json["heavy_tailed"] == .bool(false) && report.warnings.isEmpty)
        let mean = try #require(number(json["mean_norm"]))
        #expect(abs(mean - 0.4777) < 5e-5 && json["suggested"]?["basis"] == .string("mean"))
        for key in ["median", "p90", "p99", "decades"] { #expect(number(json[key]) != nil, "suggest gives \(key)") }
        let shown = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(report)
        #expect(shown.hasPrefix("mean ‖g‖₂ 0.4777   median ") && shown.contains("Try a threshold from 0.2389 to 4.777, e.g. clip norm 0.4777"))
    }

    @Test("a warm-up whose norms are mostly 0 gets no percentile τ: there is no level to clip at")
    func suggestOnVanishedNorms() throws {
        var session = Session()
        let report = try run("suggest", in: &session)[0]  // the one regress sequence, fit exactly within the warm-up
        #expect(number(report.json["median"]) == 0 && report.json["suggested"] == .null)
        #expect(report.warnings.contains { $0.contains("at least half of them are 0") })
    }

    @Test("a warm-up that exploded gets its one warning, not a τ from its percentiles")
    func suggestOnAnExplodedWarmUp() throws {
        var session = Session()
        let report = try run("seed 3; set task=adding n=16 T=10 rho=1.2 optim=sgd batch=16; suggest lr=1", in: &session).last!
        #expect(report.json["exploded"] == .bool(true) && report.json["heavy_tailed"] == .bool(true) && report.json["suggested"] == .null)
        #expect(report.warnings.count == 1 && report.warnings[0].hasPrefix("the warm-up itself exploded"))
    }

    func integer(_ json: JSON?) -> Int? {
        if case .integer(let i)? = json { return i }
        return nil
    }
}
