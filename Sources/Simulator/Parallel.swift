import Dispatch
import Glibc

/// The processors online (at least 1).
let processorCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

/// `body(0..<count)` on every core (or on one thread when `serial`), results in index order: each
/// index is computed on its own, so the numbers never depend on the number of threads.
public func parallelMap<T: Sendable>(_ count: Int, serial: Bool = false, _ body: @Sendable (Int) -> T) -> [T] {
    if serial { return (0..<count).map(body) }
    nonisolated(unsafe) let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    DispatchQueue.concurrentPerform(iterations: count) { i in results[i] = body(i) }
    return results.map { $0! }
}
