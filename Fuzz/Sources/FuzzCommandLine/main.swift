import Render
import Shell

/// Any bytes as a command line: split into commands, and each run against a fresh session. The
/// commands that write files or take long are left out; everything else must answer or refuse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let line = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    guard let calls = try? LineSplitter.split(line) else { return 0 }
    var session = Session()
    let renderer = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 80))
    for call in calls where !["transcript", "load", "train", "compare", "sweep", "suggest", "predict", "power", "cliff"].contains(call.verb) {
        // Presentation is lazy: render both ways, so that the presenters are fuzzed too.
        if let report = try? Commands.run(call, in: &session) {
            _ = renderer.render(report)
            _ = report.json.serialized()
        }
    }
    return 0
}
