import Render
import Shell

/// Any bytes as an expression: parsed, then evaluated against a session with results in it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    var session = Session()
    if let report = try? Commands.run(CommandCall(verb: "=", words: [], rest: text), in: &session) {
        _ = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 80)).render(report)
        _ = report.json.serialized()
    }
    return 0
}
