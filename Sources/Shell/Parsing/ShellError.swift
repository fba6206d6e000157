import Render
import Lessons

/// A problem with what the learner typed, as one sentence that names the bad part and the fix.
public struct ShellError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The nearest words to a misspelt one, for "did you mean …?".
enum Suggest {
    static func nearest(_ word: String, among candidates: [String]) -> String? {
        let lower = word.lowercased()
        if let exactCase = candidates.first(where: { $0.lowercased() == lower }) { return exactCase }
        let length = lower.count
        let limit = length <= 3 ? 1 : 2
        // The difference in length is a lower bound on the distance: only near lengths can qualify
        // (which also keeps a megabyte-long word from costing a megabyte of work per candidate).
        let scored = candidates.filter { abs($0.count - length) <= limit }.map { ($0, distance(lower, $0.lowercased())) }
        if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit { return best.0 }
        return candidates.first { $0.hasPrefix(lower) && lower.count >= 2 }
    }

    /// Up to three candidates near `word` (by edit distance), nearest first.
    static func nearestFew(_ word: String, among candidates: [String]) -> [String] {
        let lower = word.lowercased()
        let length = lower.count
        let limit = max(1, min(2, length / 2))
        return candidates.filter { abs($0.count - length) <= limit }.map { ($0, distance(lower, $0.lowercased())) }
            .filter { $0.1 <= limit }
            .sorted { $0.1 < $1.1 }
            .prefix(3).map(\.0)
    }

    /// " — did you mean 'x'?" when a candidate is near enough, else "; " + `otherwise` (if any).
    static func didYouMean(_ word: String, among candidates: [String], otherwise: String? = nil) -> String {
        guard let near = nearest(word, among: candidates) else { return otherwise.map { "; " + $0 } ?? "" }
        return " — did you mean '\(near)'?"
    }

    static func distance(_ a: String, _ b: String) -> Int { EditDistance.between(a, b) }
}
