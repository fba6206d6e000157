/// One key of `live`, decoded from the terminal's bytes or read from a key script.
public enum LiveKey: Sendable, Equatable {
    case up, down, left, right
    /// Shift with ← or →: a bigger nudge.
    case shiftLeft, shiftRight
    case tab, backTab
    case space, enter, escape, backspace
    /// Ctrl-C (raw mode delivers it as a byte, not a signal).
    case interrupt
    /// A printable character: `.`, `r`, `?`, `q`, or part of a value typed.
    case character(Character)
    /// In a key script only: nothing pressed while a tenth of a second of play passes.
    case wait
}

/// Turns the bytes a terminal sends in raw mode into keys. An escape byte alone is Esc only once
/// no more bytes follow it soon (`flush`, after a short timeout): arrows arrive as `ESC [ C`,
/// Shift+arrows as `ESC [ 1 ; 2 C`, and Shift+Tab as `ESC [ Z`.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Whether an escape sequence has begun and waits for its next bytes (or for `flush`).
    public var isWaiting: Bool { !pending.isEmpty }

    /// The keys these bytes complete, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [LiveKey] {
        var keys: [LiveKey] = []
        for byte in bytes {
            if pending.isEmpty {
                if byte == 0x1B {
                    pending = [byte]
                } else if let key = Self.single(byte) {
                    keys.append(key)
                } else if byte >= 0x80 {
                    pending = [byte]  // the first byte of a UTF-8 character
                }
                continue
            }
            pending.append(byte)
            if pending[0] != 0x1B {
                // A UTF-8 character: complete once it has the length its first byte announces.
                let length = pending[0] >= 0xF0 ? 4 : pending[0] >= 0xE0 ? 3 : 2
                if pending.count == length {
                    let text = String(decoding: pending, as: UTF8.self)
                    pending = []
                    if let character = text.first, text.unicodeScalars.first != "\u{FFFD}" { keys.append(.character(character)) }
                }
                continue
            }
            if let key = sequence() { keys += key }
        }
        return keys
    }

    /// The key an escape byte alone meant, when nothing followed it in time.
    public mutating func flush() -> [LiveKey] {
        defer { pending = [] }
        guard let first = pending.first else { return [] }
        return first == 0x1B && pending.count == 1 ? [.escape] : []
    }

    /// After `ESC`, the sequence so far: keys once it is complete ([] for one not known), nil while it goes on.
    private mutating func sequence() -> [LiveKey]? {
        let bytes = pending
        if bytes.count == 2 {
            switch bytes[1] {
            case UInt8(ascii: "["), UInt8(ascii: "O"): return nil
            case 0x1B:  // Esc pressed twice: the first is Esc, the second may begin a sequence
                pending = [0x1B]
                return [.escape]
            default:  // Alt+key: the key alone
                pending = []
                return Self.single(bytes[1]).map { [$0] } ?? []
            }
        }
        let last = bytes[bytes.count - 1]
        // A CSI or SS3 sequence ends with a byte from @ to ~; parameters and intermediates come before.
        guard (0x40...0x7E).contains(last) else {
            if bytes.count > 16 { pending = [] }  // nothing we know is that long
            return bytes.count > 16 ? [] : nil
        }
        pending = []
        let parameters = String(decoding: bytes[2..<(bytes.count - 1)], as: UTF8.self)
        let shifted = parameters.split(separator: ";").dropFirst().first.map { $0 == "2" } ?? false
        switch last {
        case UInt8(ascii: "A"): return [.up]
        case UInt8(ascii: "B"): return [.down]
        case UInt8(ascii: "C"): return [shifted ? .shiftRight : .right]
        case UInt8(ascii: "D"): return [shifted ? .shiftLeft : .left]
        case UInt8(ascii: "Z"): return [.backTab]
        case UInt8(ascii: "c"): return [.shiftRight]  // rxvt's Shift+→
        case UInt8(ascii: "d"): return [.shiftLeft]
        case UInt8(ascii: "M"): return bytes[1] == UInt8(ascii: "O") ? [.enter] : []
        default: return []
        }
    }

    /// A key that is one byte.
    static func single(_ byte: UInt8) -> LiveKey? {
        switch byte {
        case 0x03: .interrupt
        case 0x09: .tab
        case 0x0D, 0x0A: .enter
        case 0x7F, 0x08: .backspace
        case 0x20: .space
        case 0x21...0x7E: .character(Character(Unicode.Scalar(byte)))
        default: nil
        }
    }
}

/// A script of keys for `live --keys "…"`: words separated by spaces. A word is a key's name
/// (`right`, `S-right`, `tab`, `space`, `enter`, `esc`, `C-c`, `wait`…) or an arrow (→ ← ↑ ↓),
/// else each of its characters is typed (`1.25`, `.`, `q`).
public enum KeyScript {
    public static let names: [(String, LiveKey)] = [
        ("up", .up), ("down", .down), ("left", .left), ("right", .right),
        ("↑", .up), ("↓", .down), ("←", .left), ("→", .right),
        ("S-left", .shiftLeft), ("S-right", .shiftRight), ("S-←", .shiftLeft), ("S-→", .shiftRight),
        ("tab", .tab), ("S-tab", .backTab), ("space", .space), ("enter", .enter), ("esc", .escape),
        ("bs", .backspace), ("C-c", .interrupt), ("wait", .wait),
    ]

    public static func parse(_ text: String) -> [LiveKey] {
        text.split(whereSeparator: \.isWhitespace).flatMap { word -> [LiveKey] in
            if let named = names.first(where: { $0.0.lowercased() == word.lowercased() }) { return [named.1] }
            return word.map { LiveKey.character($0) }
        }
    }
}
