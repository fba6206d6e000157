/// One line of progress for a long command on a terminal, e.g. "train ███████▌      312/500  62%":
/// pure text, so that whoever owns the terminal can redraw it in place (with "\r") as work goes on.
public enum ProgressBar {
    static let eighths: [Character] = Array(" ▏▎▍▌▋▊▉")

    /// The label, a bar filling the room left within `width` columns (eighth blocks in Unicode,
    /// `#` in ASCII), the count and the percentage. The count is padded to the width of `total`
    /// and the percentage to four columns so that nothing shifts as it runs; the percentage is
    /// rounded down, so 100% means done. When `width` is too small, the bar goes first, then the label.
    public static func line(done: Int, total: Int, width: Int, unicode: Bool, label: String) -> String {
        let total = max(0, total), done = min(max(0, done), max(0, total))
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let totalText = String(total)
        let count = String(repeating: " ", count: totalText.count - String(done).count) + "\(done)/\(totalText)"
        let percent = String(Int(fraction * 100))
        let tail = count + " " + String(repeating: " ", count: 3 - percent.count) + percent + "%"
        let label = unicode ? label : ASCIIFallback.apply(label)
        let head = label.isEmpty ? "" : label + " "
        let room = width - head.count - tail.count - 1
        guard room >= 1 else {
            return head.count + tail.count <= width ? head + tail : String(tail.suffix(max(0, width)))
        }
        var bar: String
        if unicode {
            let eighthsFilled = Int(fraction * Double(room * 8))
            bar = String(repeating: "█", count: eighthsFilled / 8)
            if eighthsFilled % 8 > 0 { bar.append(eighths[eighthsFilled % 8]) }
        } else {
            bar = String(repeating: "#", count: Int(fraction * Double(room)))
        }
        return head + bar + String(repeating: " ", count: room - bar.count + 1) + tail
    }
}
