import Foundation

/// Lesson text as teachers write it, made ready to wrap: the lines of a paragraph are joined
/// (the terminal's width decides where lines break), blank lines separate paragraphs, a line that
/// starts with "- " begins a list item (the lines after it join it), and other lines that start
/// with two spaces (commands, formulas, tables) are kept exactly as written.
public enum Prose {
    public static func reflow(_ text: String) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        func flush() {
            if !paragraph.isEmpty { out.append(paragraph.joined(separator: " ")) }
            paragraph = []
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                flush()
                if out.last != "" { out.append("") }
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("• ") {
                flush()  // a list item: the lines that follow it, up to a blank line or the next item, join it
                paragraph = [trimmed]
            } else if let first = paragraph.first, first.hasPrefix("- ") || first.hasPrefix("• ") {
                paragraph.append(trimmed)
            } else if line.hasPrefix("  ") || line.hasPrefix("\t") {
                flush()
                out.append(line.hasPrefix("\t") ? "  " + trimmed : line)
            } else {
                paragraph.append(trimmed)
            }
        }
        flush()
        while out.first == "" { out.removeFirst() }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n")
    }
}
