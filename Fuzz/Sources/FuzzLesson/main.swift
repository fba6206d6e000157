import Lessons
import Shell

/// Any bytes as a lesson file: loaded (TOML, structure, positions) and, when it loads, linted.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    let (lesson, _) = LessonLoader.parse(text, path: "fuzz.toml")
    if let lesson { _ = LessonCheck.lint(lesson) }
    return 0
}
