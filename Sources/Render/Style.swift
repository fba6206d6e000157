/// How text reaches the terminal: colour or not, Unicode or ASCII, and how wide.
public struct OutputStyle: Sendable, Equatable {
    public var color: Bool
    public var unicode: Bool
    public var width: Int

    public init(color: Bool = false, unicode: Bool = true, width: Int = 80) {
        self.color = color
        self.unicode = unicode
        self.width = width
    }

    enum Tone: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36"
    }

    /// `text` in SGR colour when colour is on; unchanged otherwise.
    func paint(_ text: String, _ tones: Tone...) -> String {
        guard color, !tones.isEmpty, !text.isEmpty else { return text }
        return "\u{1B}[" + tones.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    /// SGR parameters for one of the 256 xterm colours as foreground or background.
    static func foreground256(_ index: Int) -> String { "38;5;\(index)" }
    static func background256(_ index: Int) -> String { "48;5;\(index)" }
}
