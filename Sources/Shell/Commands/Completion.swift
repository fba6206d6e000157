import Foundation
import Simulator

/// Tab completion over the command registry: verbs at the start of a command, then each command's
/// own words (setting keys after `set`, modes after `clip`, topics after `help`), the values of
/// KEY= (a setting's, a clipping rule's mode, a metric), and file names after `load` and `transcript`.
public enum TabCompletion {
    /// `lessons`: the ids that may follow `lesson`.
    public static func complete(_ before: String, lessons: [String] = [], width: Int = 80) -> Completion {
        let segment = String(before.split(separator: ";", omittingEmptySubsequences: false).last ?? "")
        let words = segment.split(whereSeparator: \.isWhitespace).map(String.init)
        let endsInSpace = segment.last?.isWhitespace ?? true
        let partial = endsInSpace ? "" : (words.last ?? "")
        let index = endsInSpace ? words.count : words.count - 1

        let candidates: [String]
        if index == 0 {
            candidates = Commands.all.map(\.name).filter { $0 != "=" }
        } else if let spec = Commands.find(words[0]) {
            if ["check", "predict", "="].contains(spec.name) { return expressionName(partial, width: width) }
            if spec.name == "load", words.count > 1, words[1] == "norms", index >= 2 {
                // load norms FILE [column=NAME] [lr=…] [optim=…] [clip=…]
                if index == 2 { return path(partial, width: width) }
                if !partial.contains("=") { return extend(partial, among: normLogKeys, appendSpace: true, width: width) }
            } else if ["load", "transcript"].contains(spec.name) {
                return index == 1 ? path(partial, width: width, extra: spec.name == "load" ? ["norms"] : []) : Completion(insert: "")
            }
            if let eq = partial.firstIndex(of: "=") {
                let key = String(partial[..<eq]), value = String(partial[partial.index(after: eq)...])
                let values: [String] = switch key {
                case "clip": ClipRule.modes.map { $0 == "none" ? $0 : $0 + ":" }
                case "metric": SweepMetric.allCases.map(\.rawValue)
                default: Settings.keys.first { $0.name == key }?.completions ?? []
                }
                // compare takes several rules, a comma between them: the last is the one being typed.
                let last = key == "clip" ? String(value.split(separator: ",", omittingEmptySubsequences: false).last ?? "") : value
                return extend(last, among: values, appendSpace: true, width: width)
            }
            let words = spec.name == "lesson" ? lessons : spec.argumentWords()
            candidates = index == 1 || spec.name == "set" ? words : []
        } else {
            candidates = []
        }
        return extend(partial, among: candidates, appendSpace: true, width: width)
    }

    /// In an expression: the name being typed at the end of `partial` (after an operator or a
    /// bracket), among the names expressions know; after `COMMAND.`, among the settings.
    static func expressionName(_ partial: String, width: Int) -> Completion {
        let name = String(partial.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }.reversed())
        if let dot = name.firstIndex(of: "."), ResultSource(rawValue: String(name[..<dot]))?.hasSettings == true {
            let key = String(name[name.index(after: dot)...])
            return extend(key, among: SessionNames.settingNames.map(\.name), appendSpace: true, width: width)
        }
        let names = SessionNames.plainNames + SessionNames.seriesNames.map { $0 + "[" } + ResultSource.allCases.filter(\.hasSettings).map { $0.rawValue + "." }
        return extend(name, among: names, appendSpace: true, width: width)
    }

    /// A file or folder name: the names in the folder `partial` names so far (the current one when
    /// it has no '/'), a folder's with '/' after it; hidden ones only when a '.' was typed. At most
    /// 10,000 names of a folder are looked at.
    static func path(_ partial: String, width: Int, extra: [String] = []) -> Completion {
        let slash = partial.lastIndex(of: "/")
        let folder = slash.map { String(partial[...$0]) } ?? ""
        let name = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
        let listed = (folder.isEmpty ? "." : (folder as NSString).expandingTildeInPath)
        guard let enumerator = FileManager.default.enumerator(atPath: listed) else { return Completion(insert: "") }
        var names: [String] = [], looked = 0
        while looked < 10_000, let entry = enumerator.nextObject() as? String {
            looked += 1
            enumerator.skipDescendants()
            guard entry.hasPrefix(name), !entry.hasPrefix(".") || name.hasPrefix(".") else { continue }
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: (listed as NSString).appendingPathComponent(entry), isDirectory: &isFolder)
            names.append(entry + (isFolder.boolValue ? "/" : ""))
        }
        return extend(name, among: (names + (slash == nil ? extra : [])).sorted(), appendSpace: true, width: width)
    }

    /// The words that may follow load norms FILE.
    static let normLogKeys = ["column=", "lr=", "optim=", "clip="]

    /// The completion of `partial` among `candidates`: the rest of a unique match (plus a space,
    /// except after "=", "[", ".", ":" or "/"), or the longest common prefix, listing the matches
    /// when that adds nothing.
    static func extend(_ partial: String, among candidates: [String], appendSpace: Bool, width: Int = 80) -> Completion {
        let matches = candidates.filter { $0.hasPrefix(partial) }
        guard let first = matches.first else { return Completion(insert: "") }
        if matches.count == 1 {
            let rest = String(first.dropFirst(partial.count))
            let open = ["=", "[", ".", ":", "/"].contains { first.hasSuffix($0) }
            return Completion(insert: rest + (appendSpace && !open ? " " : ""))
        }
        var common = first
        for m in matches.dropFirst() {
            while !m.hasPrefix(common) { common.removeLast() }
        }
        let rest = String(common.dropFirst(partial.count))
        return Completion(insert: rest, candidates: rest.isEmpty ? lines(matches, width: width) : [])
    }

    /// Words packed into lines no wider than the terminal, two spaces apart, so that none is split.
    static func lines(_ words: [String], width: Int) -> [String] {
        var lines: [String] = []
        for word in words {
            if let last = lines.last, last.count + 2 + word.count < width {
                lines[lines.count - 1] += "  " + word
            } else {
                lines.append(word)
            }
        }
        return lines
    }
}

/// What Tab does: text to insert at the cursor, and candidates to list when it is ambiguous.
public struct Completion: Sendable, Equatable {
    public var insert: String
    public var candidates: [String]

    public init(insert: String, candidates: [String] = []) {
        self.insert = insert
        self.candidates = candidates
    }
}
