/// Which rows of a long series a table shows.
enum Rows {
    /// At most `rows` indices out of 0..<count, evenly spaced and always including both ends; all
    /// of them when leaving some out would save only a few rows.
    static func evenlySpaced(count: Int, rows: Int) -> [Int] {
        guard count > rows + rows / 2 else { return Array(0..<count) }
        var picked: [Int] = []
        for i in 0..<rows {
            let index = Int((Double(i) * Double(count - 1) / Double(rows - 1)).rounded())
            if picked.last != index { picked.append(index) }
        }
        return picked
    }

    /// Row positions after which indices were skipped.
    static func gaps(in indices: [Int]) -> Set<Int> {
        Set(indices.indices.dropLast().filter { indices[$0 + 1] != indices[$0] + 1 })
    }
}
