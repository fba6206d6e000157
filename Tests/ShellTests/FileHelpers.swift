import Foundation

/// A new, empty folder under the system's temporary folder, named after the test.
func folder(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "gradlab-\(name)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A file's text, or nil when there is no file.
func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}
