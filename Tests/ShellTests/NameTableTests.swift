import Foundation
import Testing
@testable import Render
@testable import Shell

/// Every result name and every setting key is declared once; help, lint, JSON, expressions and Tab
/// completion all read those declarations, and these tests hold them to agree.
@Suite struct NameTableTests {
    /// The words that make each source measure something, quickly.
    static let lstmOnly: Set<String> = ["cell_delta", "mean_gate"]
    static let runs: [ResultSource: String] = [
        .bptt: "bptt", .grad: "grad", .train: "train task=adding T=10 steps=5 batch=4",
        .compare: "compare clip=none,norm:1 steps=3", .sweep: "sweep rho=0.9,1.1", .cliff: "cliff steps=5", .suggest: "suggest steps=3",
        .norms: "load norms \(NormLogTests.torchCSV)",
    ]

    /// The value at a JSON path such as `values`, `runs[].final_loss` or `paths[1].loss`.
    static func value(_ json: JSON, at path: String) -> JSON? {
        var current: JSON? = json
        for part in path.split(separator: ".") {
            let field = String(part.prefix { $0 != "[" })
            current = current?[field]
            if part.hasSuffix("[]") {
                guard case .array(let items)? = current else { return nil }
                let rest = path.split(separator: ".").drop { $0 != part }.dropFirst().joined(separator: ".")
                return .array(items.compactMap { value($0, at: rest) })
            }
            if let open = part.firstIndex(of: "["), let index = Int(part[part.index(after: open)...].dropLast()) {
                guard case .array(let items)? = current, items.indices.contains(index) else { return nil }
                current = items[index]
            }
        }
        return current
    }

    static func numbers(_ json: JSON?) -> [Double]? {
        switch json {
        case .number(let x)?: [x]
        case .integer(let i)?: [Double(i)]
        case .array(let items)?: items.flatMap { numbers($0) ?? [] }
        case .string("NaN")?, .null?: [.nan]  // diverged_at: null in JSON, NaN in expressions
        default: nil
        }
    }

    @Test(arguments: ResultName.all.map(\.name))
    func everyResultAgreesAcrossHelpJSONExpressionsAndCompletion(_ name: String) throws {
        let result = try #require(ResultName.named(name))
        // help expressions lists it, written as expressions write it.
        var session = Session()
        let help = try run("help expressions", in: &session)[0].json
        #expect(help["names"]?[result.written] != nil, "help expressions lists \(result.written)")

        // Its command's JSON carries it, with the value expressions read (the gated cells' names
        // from an lstm, which has them).
        if Self.lstmOnly.contains(name) { _ = try run("set cell=lstm", in: &session) }
        let report = try run(Self.runs[result.source]!, in: &session)[0]
        let field = try #require(Self.value(report.json, at: result.json), "\(result.source.rawValue)'s JSON has \(result.json)")
        let expression = result.index == nil ? name : name + "[0]"
        let read = try run("check \(expression)", in: &session)[0].json["value"]
        switch read {
        case .bool(let b)?: #expect(field == .bool(b), "\(name): JSON \(field.serialized()) against the expression's \(b)")
        default:
            let fromJSON = try #require(Self.numbers(field))
            let value = try #require(Self.numbers(read))[0]
            let first = fromJSON[0]
            #expect(first == value || (first.isNaN && value.isNaN), "\(name): JSON's first value \(first) against the expression's \(value)")
        }

        // Tab completes it after check.
        let completion = TabCompletion.complete("check " + String(name.dropLast()))
        #expect(completion.insert.hasPrefix(String(name.last!)) || completion.candidates.joined(separator: " ").contains(name),
                "Tab completes \(name)")
    }

    @Test func lintKnowsEveryNameAndRefusesAMisspeltOne() throws {
        var steps = ""
        for (i, result) in ResultName.all.enumerated() {
            let read = result.index == nil ? result.name : result.name + "[0]"
            // A lesson runs simulator commands only, so a log's names are read after a bptt.
            let source = result.source == .norms ? ResultSource.bptt : result.source
            steps += """

            [[step]]
            id = "s\(i)"
            kind = "task"
            text = "Step \(i)."
            done = '\(read) == \(read) or ran("\(source.rawValue)")'
            solution = "\(Self.runs[source]!)"

            """
        }
        for (i, setting) in SessionNames.settingNames.enumerated() {
            steps += """

            [[step]]
            id = "k\(i)"
            kind = "task"
            text = "Key \(i)."
            done = 'train.\(setting.name) == train.\(setting.name) and \(setting.name) == \(setting.name)'
            solution = "train steps=1"

            """
        }
        let header = "id = \"names\"\ntitle = \"Names\"\nsummary = \"Every name.\"\n"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-names-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.toml")
        try (header + steps).write(to: good, atomically: true, encoding: .utf8)
        let (lessons, problems) = LessonCheck.load(good.path)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        #expect(lessons.count == 1)

        let bad = folder.appendingPathComponent("bad.toml")
        try (header + steps.replacingOccurrences(of: "done = 'final_loss", with: "done = 'finall_loss")
             .replacingOccurrences(of: "train.lr ==", with: "train.lrr ==")).write(to: bad, atomically: true, encoding: .utf8)
        let messages = LessonCheck.load(bad.path).problems.map(\.message)
        #expect(messages.contains { $0.contains("'finall_loss'") && $0.contains("final_loss") }, "\(messages)")
        #expect(messages.contains { $0.contains("train.lrr") && $0.contains("'lr'") }, "\(messages)")
    }

    @Test(arguments: Settings.keys.map(\.name))
    func everySettingKeyAgreesAcrossHelpJSONExpressionsAndCompletion(_ name: String) throws {
        let key = try Settings.key(name)
        var session = Session()
        let help = try run("help settings", in: &session)[0].json
        let listed = try #require(help["settings"].flatMap { json -> [JSON]? in if case .array(let items) = json { items } else { nil } })
        #expect(listed.contains { $0["key"] == .string(name) }, "help settings lists \(name)")
        #expect(try run("help \(name)", in: &session)[0].json["accepts"] == .string(key.accepts))

        // show's JSON has every key but W (which is null unless written out, and given as a matrix).
        let shown = try run("show", in: &session)[0].json["settings"]
        if name != "W" { #expect(shown?[name] == key.json(session.settings), "show's JSON has \(name)") }

        // Expressions read it as the table says, now and as a run's setting.
        if let expression = key.expression {
            let value = try run("check \(name)", in: &session)[0].json["value"]
            #expect(value == expression(session.settings).json)
            _ = try run("bptt", in: &session)
            #expect(try run("check bptt.\(name)", in: &session)[0].json["value"] == value)
        }

        // Tab completes it after set, and lint accepts it in a setup.
        let completion = TabCompletion.complete("set " + String(name.prefix(1)))
        #expect(completion.insert == String(name.dropFirst()) + "=" || completion.candidates.joined(separator: " ").contains(name + "="),
                "Tab completes \(name)= after set")
        #expect(throws: Never.self) { _ = try Commands.runSettings(Session(), ["\(name)=\(name == "W" ? "[[1]]" : key.show(Settings()))"]) }

        // Each value Tab offers after set KEY= is one set accepts, and Tab offers it.
        for word in key.completions {
            #expect(throws: Never.self, "\(name)=\(word) is offered, so set must take it") { _ = try key.parse(word) }
            let offered = TabCompletion.complete("set \(name)=" + String(word.prefix(1)))
            let typed = String(word.prefix(1)) + offered.insert
            #expect(typed == word + " " || (word.hasPrefix(typed) && typed.count > 1) || offered.candidates.joined(separator: " ").contains(word),
                    "Tab completes \(name)=\(word)")
        }
    }
}
