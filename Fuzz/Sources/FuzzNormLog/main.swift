import Foundation
import Render
import Shell

/// Any bytes as a gradient-norm log: written to a file, read by `load norms` (the streamed CSV and
/// JSON-lines reader), shown, and advised on by `suggest norms`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let path = NSTemporaryDirectory() + "gradlab-fuzz-norms-\(getpid()).csv"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: count)) else { return 0 }
    var session = Session()
    let renderer = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 80))
    for line in ["load norms \(path)", "suggest norms", "check norms_p50 < norms_p99"] {
        guard let call = try? LineSplitter.split(line).first, let report = try? Commands.run(call, in: &session) else { continue }
        _ = renderer.render(report)
        _ = report.json.serialized()
    }
    return 0
}
