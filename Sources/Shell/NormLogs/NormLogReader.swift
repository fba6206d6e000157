import Foundation

/// Something wrong in a norm log, and where: its line and column, counted from 1 (the column in
/// characters, after a byte-order mark), or the line alone when the whole line is at fault.
struct NormLogProblem: Error, Sendable, Equatable {
    /// 0: the file as a whole (it is empty, or has no values).
    var line: Int
    var column: Int?
    var message: String

    var description: String {
        guard line > 0 else { return message }
        return column.map { "line \(line), column \($0): \(message)" } ?? "line \(line): \(message)"
    }
}

/// A run's gradient norms as `load norms` reads them from a log: the finite norms (sorted, for
/// exact percentiles), the non-finite ones counted, and a bounded chart of them over the steps.
struct NormLog: Sendable {
    enum Format: String, Sendable {
        case csv = "CSV"
        case jsonLines = "JSON lines"
        /// One number a line, no header (as np.savetxt writes a vector).
        case plain = "one number a line"
    }

    var format: Format
    /// The column (CSV) or key (JSON lines) the norms come from, as the file spells it; nil for plain.
    var column: String?
    /// The column or key of the step, when there is one; rows are numbered from 1 otherwise.
    var stepColumn: String?
    /// Rows that gave a norm, finite or not.
    var rows: Int
    /// The finite norms, sorted ascending.
    var sorted: [Double]
    /// Their mean, summed in the order of the file.
    var mean: Double
    var nan: Int
    var infinity: Int
    /// Where the first NaN or ∞ was: its line, and its step (or row).
    var firstNonFinite: (line: Int, step: Double)?
    var chart: NormChart
    /// The first step that went back (line, step, the step before it): the chart is then by row.
    var stepsOutOfOrder: (line: Int, step: Double, previous: Double)?
    /// The first and last step (or row).
    var steps: ClosedRange<Double>

    var nonFinite: Int { nan + infinity }
}

/// At most `capacity` points of a long series, each the lowest and highest of a run of rows (and
/// whether a NaN or ∞ was among them): a million steps draw as well as a thousand, in bounded memory.
struct NormChart: Sendable {
    static let capacity = 1024

    struct Bucket: Sendable, Equatable {
        var firstStep: Double
        var firstRow: Int
        var low = Double.infinity
        var high = -Double.infinity
        var nan = false
        var infinity = false
        var rows = 0
    }

    /// Rows a bucket holds (the last may hold fewer): doubles each time the buckets fill.
    private(set) var width = 1
    private(set) var buckets: [Bucket] = []

    mutating func add(row: Int, step: Double, value: Double) {
        if buckets.isEmpty || buckets[buckets.count - 1].rows >= width {
            if buckets.count == Self.capacity { halve() }
            if buckets.isEmpty || buckets[buckets.count - 1].rows >= width {
                buckets.append(Bucket(firstStep: step, firstRow: row))
            }
        }
        let last = buckets.count - 1
        buckets[last].rows += 1
        if value.isNaN {
            buckets[last].nan = true
        } else if value.isInfinite {
            buckets[last].infinity = true
        } else {
            buckets[last].low = min(buckets[last].low, value)
            buckets[last].high = max(buckets[last].high, value)
        }
    }

    /// Merges the buckets in pairs, so each holds twice the rows.
    private mutating func halve() {
        var merged: [Bucket] = []
        merged.reserveCapacity(Self.capacity)
        var i = 0
        while i < buckets.count {
            var bucket = buckets[i]
            if i + 1 < buckets.count {
                let next = buckets[i + 1]
                bucket.low = min(bucket.low, next.low)
                bucket.high = max(bucket.high, next.high)
                bucket.nan = bucket.nan || next.nan
                bucket.infinity = bucket.infinity || next.infinity
                bucket.rows += next.rows
            }
            merged.append(bucket)
            i += 2
        }
        buckets = merged
        width *= 2
    }

    /// The points to draw: each bucket's lowest and highest finite norm, then a NaN or ∞ if it
    /// held one, at its first step (or row, when `byRow`).
    func points(byRow: Bool) -> (x: [Double], y: [Double]) {
        var x: [Double] = [], y: [Double] = []
        for bucket in buckets {
            let at = byRow ? Double(bucket.firstRow) : bucket.firstStep
            if bucket.low <= bucket.high {
                x.append(at); y.append(bucket.low)
                if bucket.high != bucket.low { x.append(at); y.append(bucket.high) }
            }
            if bucket.nan { x.append(at); y.append(.nan) }
            if bucket.infinity { x.append(at); y.append(.infinity) }
        }
        return (x, y)
    }
}

/// Reads a norm log fed to it a chunk at a time (`feed`, then `finish`), keeping only the part of a
/// line that a chunk cut, the finite norms (up to `valueLimit`) and the chart's buckets.
///
/// The log is CSV with a header (`step,value` as TensorBoard's export and a logging loop write it,
/// or any columns, the norms in `value`, `grad_norm`, `norm`, `total_norm` or the one `column=`
/// names, matched without regard to case), JSON lines (one object a line with such a key), or one
/// number a line. A UTF-8 byte-order mark, CRLF line ends and empty lines are fine; NaN and ∞ (as
/// `nan`, `inf`, `NaN`, `Infinity`) are counted, never dropped silently.
struct NormLogReader {
    /// Finite norms kept for exact percentiles: 8 MB of them.
    static let valueLimit = 1_000_000
    /// A line longer than this is refused rather than held.
    static let lineLimit = 1 << 20
    static let valueNames = ["value", "grad_norm", "norm", "total_norm", "gradient_norm"]
    static let stepNames = ["step", "global_step", "_step", "iteration"]

    /// "a, b or c".
    static func either(_ names: [String]) -> String { names.dropLast().joined(separator: ", ") + " or " + names.last! }

    /// The column (or key) named by column=, as typed.
    let requested: String?
    let valueLimit: Int

    /// The end of a line that a chunk cut off, kept until the next chunk completes it.
    private var pending: [UInt8] = []
    /// The most bytes of a line ever kept between chunks (the tests hold it to one line).
    private(set) var peakPending = 0
    private var line = 0
    private var layout: Layout?
    private var values: [Double] = []
    private var sum = 0.0
    private var rows = 0
    private var nan = 0, infinity = 0
    private var firstNonFinite: (line: Int, step: Double)?
    private var chart = NormChart()
    private var previousStep: Double?
    private var outOfOrder: (line: Int, step: Double, previous: Double)?
    private var firstStep: Double?
    private var lastStep = -Double.infinity

    /// How the rows are laid out, learnt from the first line that is not empty.
    private enum Layout {
        /// CSV: how many fields a row has, which holds the norm, which the step, and the header's line.
        case csv(fields: Int, value: Int, step: Int?, names: [String], headerLine: Int)
        /// JSON lines: the keys (lowercased) of the norm and the step, as line `firstLine` spelt them.
        case jsonLines(value: String, step: String?, spelt: String, firstLine: Int)
        case plain
    }

    init(column: String? = nil, valueLimit: Int = NormLogReader.valueLimit) {
        requested = column
        self.valueLimit = valueLimit
    }

    // MARK: - Lines

    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(NormLogProblem) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var start = 0
        while start < chunk.count {
            guard let found = memchr(base + start, 0x0A, chunk.count - start) else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                peakPending = max(peakPending, pending.count)
                if pending.count > Self.lineLimit {
                    throw NormLogProblem(line: line + 1, column: nil,
                                         message: "the line is longer than \(Self.lineLimit >> 20) MiB, which no norm log needs; is this the right file?")
                }
                return
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            if pending.isEmpty {
                try take(UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
                peakPending = max(peakPending, pending.count)
                let whole = pending
                pending.removeAll(keepingCapacity: true)
                try take(copy: whole)
            }
            start = end + 1
        }
    }

    /// The log read so far, once the file has ended.
    mutating func finish() throws(NormLogProblem) -> NormLog {
        if !pending.isEmpty {
            let whole = pending
            pending = []
            try take(copy: whole)
        }
        guard let layout else { throw NormLogProblem(line: 0, column: nil, message: "the file is empty") }
        guard rows > 0 else {
            throw NormLogProblem(line: 0, column: nil, message: "it has a header but no rows of norms under it")
        }
        values.sort()
        let (column, step): (String?, String?) = switch layout {
        case .csv(_, let value, let step, let names, _): (names[value], step.map { names[$0] })
        case .jsonLines(_, _, let spelt, _): (spelt, stepKey)
        case .plain: (nil, nil)
        }
        let format: NormLog.Format = switch layout {
        case .csv: .csv
        case .jsonLines: .jsonLines
        case .plain: .plain
        }
        return NormLog(format: format, column: column, stepColumn: step, rows: rows, sorted: values,
                       mean: values.isEmpty ? .nan : sum / Double(values.count), nan: nan, infinity: infinity,
                       firstNonFinite: firstNonFinite, chart: chart, stepsOutOfOrder: outOfOrder,
                       steps: (firstStep ?? 1)...max(firstStep ?? 1, lastStep))
    }

    /// The step key of JSON lines as the first line spelt it.
    private var stepKey: String?

    /// A line put together from two chunks.
    private mutating func take(copy whole: [UInt8]) throws(NormLogProblem) {
        var problem: NormLogProblem?
        whole.withUnsafeBytes { bytes in
            do throws(NormLogProblem) { try take(bytes) } catch { problem = error }
        }
        if let problem { throw problem }
    }

    /// One line, without its newline.
    private mutating func take(_ raw: UnsafeRawBufferPointer) throws(NormLogProblem) {
        line += 1
        var bytes = raw
        if line == 1, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
        }
        if let last = bytes.last, last == 0x0D { bytes = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 1)]) }
        try Self.checkUTF8(bytes, line: line)
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }  // an empty line
        guard let layout else {
            try decide(bytes)
            return
        }
        switch layout {
        case .csv(let count, let value, let step, let names, let headerLine):
            let fields = try Self.fields(bytes, line: line)
            guard fields.count == count else {
                let column = Self.column(bytes, fields.count > count ? fields[count].start : bytes.count)
                let what = fields.count > count ? "\(fields.count) fields" : "only \(fields.count) field\(fields.count == 1 ? "" : "s")"
                throw NormLogProblem(line: line, column: column,
                                     message: "\(what) where the header (line \(headerLine)) has \(count): \(names.joined(separator: ","))")
            }
            var stepValue: Double?
            if let step { stepValue = try stepNumber(Self.text(fields[step], bytes), at: Self.column(bytes, fields[step].start)) }
            try add(try norm(Self.text(fields[value], bytes), at: Self.column(bytes, fields[value].start)), step: stepValue)
        case .jsonLines(let value, let step, let spelt, let firstLine):
            let members = try JSONLine.members(bytes, line: line)
            guard let found = members.first(where: { $0.key.lowercased() == value }) else {
                throw NormLogProblem(line: line, column: nil,
                                     message: "this object has no \"\(spelt)\" key, which line \(firstLine) has; every line of the log must carry its norm")
            }
            var stepValue: Double?
            if let step, let member = members.first(where: { $0.key.lowercased() == step }) {
                stepValue = try stepNumber(try jsonNumberText(member, what: "step"), at: member.column)
            }
            try add(try norm(try jsonNumberText(found, what: "norm"), at: found.column), step: stepValue)
        case .plain:
            let fields = try Self.fields(bytes, line: line)
            guard fields.count == 1 else {
                throw NormLogProblem(line: line, column: Self.column(bytes, fields[1].start),
                                     message: "\(fields.count) fields, where line 1 held one number and no header; give the log a header line naming its columns, like step,value")
            }
            try add(try norm(Self.text(fields[0], bytes), at: Self.column(bytes, fields[0].start)), step: nil)
        }
    }

    /// The first line that is not empty: a CSV header, a JSON object, or the first number.
    private mutating func decide(_ bytes: UnsafeRawBufferPointer) throws(NormLogProblem) {
        let first = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 }!
        if bytes[first] == UInt8(ascii: "[") {
            throw NormLogProblem(line: line, column: Self.column(bytes, first),
                                 message: "the file is one JSON array (as TensorBoard's JSON export writes it), not JSON lines; export CSV from TensorBoard instead, or write one object a line")
        }
        if bytes[first] == UInt8(ascii: "{") {
            let members = try JSONLine.members(bytes, line: line)
            let keys = members.map { $0.key.lowercased() }
            let wanted = requested.map { [$0.lowercased()] } ?? Self.valueNames
            guard let valueKey = wanted.first(where: keys.contains) else {
                let found = members.map(\.key).joined(separator: ", ")
                let message = requested.map { "the first object has no key \"\($0)\" (its keys: \(found))" }
                    ?? "the first object has none of the keys norms go in (\(Self.either(Self.valueNames))); its keys are \(found), so name the norm's key with column=NAME"
                throw NormLogProblem(line: line, column: nil, message: message)
            }
            let stepKey = Self.stepNames.first { keys.contains($0) && $0 != valueKey }
            let spelt = members.first { $0.key.lowercased() == valueKey }!.key
            self.stepKey = stepKey.flatMap { key in members.first { $0.key.lowercased() == key }?.key }
            layout = .jsonLines(value: valueKey, step: stepKey, spelt: spelt, firstLine: line)
            try take(again: bytes)
            return
        }
        let fields = try Self.fields(bytes, line: line)
        let texts = fields.map { Self.text($0, bytes) }
        if fields.count == 1, NumberText.parse(texts[0]) != nil {
            guard requested == nil else {
                throw NormLogProblem(line: line, column: Self.column(bytes, fields[0].start),
                                     message: "the file has no header, so it has no column '\(requested!)'; it holds one number a line (load it without column=)")
            }
            layout = .plain
            try take(again: bytes)
            return
        }
        if let number = texts.firstIndex(where: { NumberText.parse($0) != nil }) {
            throw NormLogProblem(line: line, column: Self.column(bytes, fields[number].start),
                                 message: "the first line holds numbers, not a header; add a line above it naming the columns, like step,value")
        }
        let names = texts
        let lowered = names.map { $0.lowercased() }
        let wanted = requested.map { [$0.lowercased()] } ?? Self.valueNames
        guard let valueName = wanted.first(where: lowered.contains), let value = lowered.firstIndex(of: valueName) else {
            let columns = names.map { "'\($0)'" }.joined(separator: ", ")
            let message = requested.map { "the header has no column '\($0)' (its columns: \(columns))" }
                ?? "the header names none of the columns norms go in (\(Self.either(Self.valueNames))); its columns are \(columns), so name the norms' column with column=NAME"
            throw NormLogProblem(line: line, column: nil, message: message)
        }
        let step = Self.stepNames.lazy.compactMap { name in lowered.indices.first { lowered[$0] == name && $0 != value } }.first
        layout = .csv(fields: fields.count, value: value, step: step, names: names, headerLine: line)
    }

    /// Reads the line that decided the layout as a row (a JSON object, or a header-less number).
    private mutating func take(again bytes: UnsafeRawBufferPointer) throws(NormLogProblem) {
        line -= 1
        try take(bytes)
    }

    // MARK: - Values

    private func jsonNumberText(_ member: JSONLine.Member, what: String) throws(NormLogProblem) -> String {
        switch member.value {
        case .number(let text), .string(let text): return text
        case .null: throw NormLogProblem(line: line, column: member.column, message: "the \(what) is null, not a number")
        case .other(let text): throw NormLogProblem(line: line, column: member.column, message: "the \(what) \(NumberText.quoted(text)) is not a number")
        }
    }

    /// The norm a field holds: a number, or NaN or ∞ as a logging loop writes them.
    private func norm(_ text: String, at column: Int) throws(NormLogProblem) -> Double {
        guard !text.isEmpty else { throw NormLogProblem(line: line, column: column, message: "the norm is empty; every row needs one") }
        guard let value = NumberText.parse(text) else {
            if text.hasPrefix("tensor(") {
                throw NormLogProblem(line: line, column: column,
                                     message: "\(NumberText.quoted(text)) is a tensor as Python prints it, not a number; log norm.item() instead of norm")
            }
            throw NormLogProblem(line: line, column: column, message: "\(NumberText.quoted(text)) is not a number")
        }
        guard value.isNaN || value >= 0 else {
            throw NormLogProblem(line: line, column: column,
                                 message: "\(NumberText.quoted(text)) is negative, and a gradient norm never is; is this the norms' column? (column=NAME names another)")
        }
        return value
    }

    private func stepNumber(_ text: String, at column: Int) throws(NormLogProblem) -> Double {
        guard let step = NumberText.parse(text), step.isFinite else {
            throw NormLogProblem(line: line, column: column, message: "the step \(NumberText.quoted(text)) is not a number")
        }
        return step
    }

    private mutating func add(_ value: Double, step given: Double?) throws(NormLogProblem) {
        rows += 1
        let step = given ?? Double(rows)
        if let previousStep, step < previousStep, outOfOrder == nil { outOfOrder = (line, step, previousStep) }
        previousStep = step
        if firstStep == nil { firstStep = step }
        lastStep = max(lastStep, step)
        chart.add(row: rows, step: step, value: value)
        if value.isFinite {
            guard values.count < valueLimit else {
                throw NormLogProblem(line: line, column: nil,
                                     message: "the log has more than \(NumberText.grouped(valueLimit)) norms, the most gradlab keeps (\(valueLimit * 8 / 1_000_000) MB, for exact percentiles); load a shorter stretch of it, or every 10th row")
            }
            values.append(value)
            sum += value
            return
        }
        if firstNonFinite == nil { firstNonFinite = (line, step) }
        if value.isNaN { nan += 1 } else { infinity += 1 }
    }

    // MARK: - Bytes

    /// Refuses a line that is not UTF-8, naming the column of the first bad byte.
    static func checkUTF8(_ bytes: UnsafeRawBufferPointer, line: Int) throws(NormLogProblem) {
        if !bytes.contains(where: { $0 >= 0x80 }) { return }
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var column = 1, offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                column += 1
                offset += scalar.count
            case .error:
                let byte = bytes[offset]
                throw NormLogProblem(line: line, column: column,
                                     message: "the byte 0x\(String(byte, radix: 16, uppercase: true)) is not UTF-8 text; save the log as UTF-8")
            case .emptyInput:
                return
            }
        }
    }

    /// The column, from 1, of the character at byte `offset` of a line known to be UTF-8.
    static func column(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int {
        var column = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// One field of a CSV line: where it starts (a quote or its first byte), and its text's bytes.
    struct Field {
        var start: Int
        var content: Range<Int>
        /// Quoted with a doubled quote inside, which stands for one.
        var escaped = false
    }

    /// The fields of a CSV line, split at commas outside double quotes.
    static func fields(_ bytes: UnsafeRawBufferPointer, line: Int) throws(NormLogProblem) -> [Field] {
        var fields: [Field] = []
        var i = 0
        let n = bytes.count
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        while true {
            var j = i
            while j < n, isBlank(bytes[j]) { j += 1 }
            if j < n, bytes[j] == UInt8(ascii: "\"") {
                var k = j + 1, escaped = false
                while k < n {
                    if bytes[k] == UInt8(ascii: "\"") {
                        if k + 1 < n, bytes[k + 1] == UInt8(ascii: "\"") { escaped = true; k += 2; continue }
                        break
                    }
                    k += 1
                }
                guard k < n else {
                    throw NormLogProblem(line: line, column: column(bytes, j), message: "a quoted field is not closed; add the closing \"")
                }
                let content = (j + 1)..<k
                k += 1
                while k < n, isBlank(bytes[k]) { k += 1 }
                if k < n, bytes[k] != UInt8(ascii: ",") {
                    throw NormLogProblem(line: line, column: column(bytes, k), message: "text after a closing quote; put a comma between fields")
                }
                fields.append(Field(start: j, content: content, escaped: escaped))
                if k >= n { return fields }
                i = k + 1
            } else {
                var k = j
                while k < n, bytes[k] != UInt8(ascii: ",") { k += 1 }
                var end = k
                while end > j, isBlank(bytes[end - 1]) { end -= 1 }
                fields.append(Field(start: j, content: j..<end))
                if k >= n { return fields }
                i = k + 1
            }
        }
    }

    static func text(_ field: Field, _ bytes: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.content]), as: UTF8.self)
        return field.escaped ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }
}

/// Numbers as logs write them: decimal (`1.5`, `-2e-3`, `.5`), and NaN and ∞ as Python, numpy,
/// JSON writers and spreadsheets spell them (`nan`, `NaN`, `inf`, `-inf`, `Infinity`).
enum NumberText {
    static func parse(_ text: String) -> Double? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        switch rest.lowercased() {
        case "nan": return .nan
        case "inf", "infinity": return negative ? -.infinity : .infinity
        default: break
        }
        // [digits][.digits][e[±]digits], with a digit before or after the point.
        let bytes = Array(rest.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            return i - start
        }
        var mantissa = digits()
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        guard i == bytes.count, let value = Double(String(rest)) else { return nil }
        return negative ? -value : value
    }

    /// A field's text as a message quotes it: in single quotes, cut to 40 characters.
    static func quoted(_ text: String) -> String {
        "'" + (text.count > 40 ? text.prefix(40) + "…" : text) + "'"
    }

    /// 1000000 → "1,000,000".
    static func grouped(_ n: Int) -> String {
        var digits = String(n), out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }
}

/// One line of a JSON-lines log, read as an object's members: enough JSON to find a key's value
/// and say where it is (nested objects and arrays are skipped over, not read).
enum JSONLine {
    enum Value: Equatable {
        /// A number as written, or NaN, Infinity and -Infinity as Python's json module writes them.
        case number(String)
        case string(String)
        case null
        /// true, false, an object or an array.
        case other(String)
    }

    struct Member {
        var key: String
        var value: Value
        /// The column of the value, from 1.
        var column: Int
    }

    static func members(_ bytes: UnsafeRawBufferPointer, line: Int) throws(NormLogProblem) -> [Member] {
        var i = 0
        let n = bytes.count
        func problem(_ at: Int, _ message: String) -> NormLogProblem {
            NormLogProblem(line: line, column: NormLogReader.column(bytes, at), message: message)
        }
        func skipBlanks() { while i < n, [0x20, 0x09].contains(bytes[i]) { i += 1 } }
        func string() throws(NormLogProblem) -> String {
            let open = i
            i += 1
            var run = i  // the start of the bytes since the last escape
            var text = ""
            while i < n, bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\") {
                    text += String(decoding: UnsafeRawBufferPointer(rebasing: bytes[run..<i]), as: UTF8.self)
                    guard i + 1 < n else { break }
                    let escape = bytes[i + 1]
                    i += 2
                    switch escape {
                    case UInt8(ascii: "n"): text += "\n"
                    case UInt8(ascii: "t"): text += "\t"
                    case UInt8(ascii: "r"): text += "\r"
                    case UInt8(ascii: "b"): text += "\u{08}"
                    case UInt8(ascii: "f"): text += "\u{0C}"
                    case UInt8(ascii: "u"):
                        guard i + 4 <= n, let code = UInt32(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 4)]), as: UTF8.self), radix: 16) else {
                            throw problem(i - 2, "\\u must be followed by four hexadecimal digits")
                        }
                        text.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                        i += 4
                    default: text += String(decoding: [escape], as: UTF8.self)
                    }
                    run = i
                } else {
                    i += 1
                }
            }
            guard i < n else { throw problem(open, "a string is not closed; add the closing \"") }
            text += String(decoding: UnsafeRawBufferPointer(rebasing: bytes[run..<i]), as: UTF8.self)
            i += 1
            return text
        }
        /// Skips an object or array, with the strings inside it.
        func nested() throws(NormLogProblem) -> String {
            let open = i
            var depth = 0
            while i < n {
                switch bytes[i] {
                case UInt8(ascii: "\""): _ = try string(); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { i += 1; return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[open..<i]), as: UTF8.self) }
                default: break
                }
                i += 1
            }
            throw problem(open, "an object or array is not closed")
        }

        skipBlanks()
        guard i < n, bytes[i] == UInt8(ascii: "{") else {
            throw problem(i, "not a JSON object; each line of a JSON-lines log is one object, like {\"step\": 0, \"grad_norm\": 1.5}")
        }
        i += 1
        var members: [Member] = []
        skipBlanks()
        if i < n, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipBlanks()
                guard i < n, bytes[i] == UInt8(ascii: "\"") else { throw problem(i, "a key in double quotes was expected here") }
                let key = try string()
                skipBlanks()
                guard i < n, bytes[i] == UInt8(ascii: ":") else { throw problem(i, "':' was expected after the key \"\(key)\"") }
                i += 1
                skipBlanks()
                guard i < n else { throw problem(i, "the value of \"\(key)\" is missing") }
                let at = NormLogReader.column(bytes, i)
                let value: Value
                switch bytes[i] {
                case UInt8(ascii: "\""): value = .string(try string())
                case UInt8(ascii: "{"), UInt8(ascii: "["): value = .other(try nested())
                default:
                    let start = i
                    while i < n, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"), ![0x20, 0x09].contains(bytes[i]) { i += 1 }
                    let token = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                    guard !token.isEmpty else { throw problem(start, "the value of \"\(key)\" is missing") }
                    value = token == "null" ? .null : token == "true" || token == "false" ? .other(token) : .number(token)
                }
                members.append(Member(key: key, value: value, column: at))
                skipBlanks()
                guard i < n else { throw problem(i, "the object is not closed; add the closing }") }
                if bytes[i] == UInt8(ascii: "}") { i += 1; break }
                guard bytes[i] == UInt8(ascii: ",") else { throw problem(i, "',' or '}' was expected here") }
                i += 1
            }
        }
        skipBlanks()
        guard i == n else { throw problem(i, "text after the object's closing }; each line holds one object") }
        return members
    }
}
