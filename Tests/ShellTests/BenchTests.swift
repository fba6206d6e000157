import Foundation
import Testing
@testable import Render

/// `gradlab bench` runs its items and writes what it printed as JSON (times are not checked here:
/// speed is measured by the benchmark itself, on a quiet machine).
@Suite struct BenchTests {
    @Test func aQuickBenchTimesBPTTAndStartUpAndWritesJSON() throws {
        let file = NSTemporaryDirectory() + "gradlab-bench-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        for only in ["bptt n=8 T=100", "start-up"] {
            let r = try gradlab(["bench", "--quick", "--only", only, "--save", file])
            #expect(r.status == 0, "\(r.err)")
            let lines = r.out.split(separator: "\n")
            #expect(lines.count >= 3 && lines[1].hasPrefix("work") && lines[2].hasPrefix(only), "\(r.out)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
            let results = json?["results"] as? [[String: Any]] ?? []
            #expect(results.count >= 1)
            for item in results {
                #expect((item["name"] as? String)?.hasPrefix(only) == true)
                #expect(((item["median_seconds"] as? Double) ?? 0) > 0)
            }
        }
    }
}
