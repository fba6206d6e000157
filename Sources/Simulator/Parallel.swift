import Dispatch
import Glibc
import Synchronization

/// The processors online (at least 1).
let processorCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

/// `body(0..<count)` on every core (or on one thread when `serial`), results in index order: each
/// index is computed on its own, so the numbers never depend on the number of threads. At most
/// `width` indices run at once (each worker takes the next index when it is done), so that work
/// which holds much memory a point holds it for a few points, not for one a core.
public func parallelMap<T: Sendable>(_ count: Int, serial: Bool = false, width: Int = .max, _ body: @Sendable (Int) -> T) -> [T] {
    let workers = min(count, processorCount, width)
    if serial || workers <= 1 { return (0..<count).map(body) }
    nonisolated(unsafe) let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer {
        _ = results.deinitialize()
        results.deallocate()
    }
    let next = Mutex(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while case let i = next.withLock({ value in defer { value += 1 }; return value }), i < count {
            results[i] = body(i)
        }
    }
    return results.map { $0! }
}
