import Foundation
import Testing
@testable import Render
@testable import Shell
@testable import Simulator
import StateFiles

/// `load norms FILE`: a real run's gradient norms from a log, its percentiles against numpy's, bad
/// files named by line and column, big files streamed, NaN and ∞ counted, the τ table's numbers,
/// and the robust `suggest`.
@Suite struct NormLogTests {
    static let torchCSV = fixtures.appendingPathComponent("NormLogs/torch_clip_grad_norm.csv").path
    static let torchJSONL = fixtures.appendingPathComponent("NormLogs/torch_clip_grad_norm.jsonl").path
    static let numpyFigures = fixtures.appendingPathComponent("NormLogs/torch_clip_grad_norm.numpy.json").path

    /// A file in a new temporary folder holding `bytes`.
    static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = folder("normlog") + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    static func file(_ name: String, _ text: String) -> String { file(name, Array(text.utf8)) }

    /// The message of the error a line gives.
    static func error(_ line: String, in session: inout Session) -> String? {
        do {
            _ = try run(line, in: &session)
            return nil
        } catch let error as ShellError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    static func items(_ json: JSON?) -> [JSON] {
        if case .array(let items)? = json { return items }
        return []
    }

    static func text(_ json: JSON?) -> String? {
        if case .string(let s)? = json { return s }
        return nil
    }

    static func integer(_ json: JSON?) -> Int? {
        if case .integer(let i)? = json { return i }
        return nil
    }

    // MARK: - The PyTorch fixture against numpy

    @Test("the 300-step PyTorch log: percentiles as numpy's, bit for bit, from the CSV and its JSON-lines twin",
          arguments: [torchCSV, torchJSONL])
    func torchLogMatchesNumpy(_ path: String) throws {
        let data = try #require(FileManager.default.contents(atPath: Self.numpyFigures))
        let numpy = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // The figures as the script wrote them with float.hex(): exact, whatever the JSON reader.
        let exact = try #require(numpy["hex"] as? [String: Any])
        func figure(_ key: String) throws -> Double {
            let text = try #require(exact[key] as? String)
            return try #require(Double(text))
        }
        var session = Session()
        let json = try run("load norms \"\(path)\"", in: &session)[0].json
        #expect(Self.integer(json["count"]) == numpy["count"] as? Int)
        #expect(Self.integer(json["nonfinite"]) == 0)
        for key in ["p50", "p90", "p99", "max", "min_positive"] {
            let want = try figure(key)
            let got = try #require(number(json[key]))
            #expect(got.bitPattern == want.bitPattern, "\(key): gradlab \(got), numpy \(want)")
        }
        // numpy sums pairwise and takes its own log10: the same to the last bits or so.
        for key in ["mean", "decades"] {
            let want = try figure(key)
            let got = try #require(number(json[key]))
            #expect(abs(got - want) <= 1e-13 * abs(want), "\(key): gradlab \(got), numpy \(want)")
        }
        #expect(json["heavy_tailed"] == .bool(true))
        // numpy's clip rate and mean scale at each of its τ, every one a row of gradlab's table.
        let rows = Self.items(json["thresholds"])
        for threshold in try #require(exact["thresholds"] as? [[String: String]]) {
            let tau = try #require(threshold["tau"].flatMap(Double.init))
            let rate = try #require(threshold["clip_rate"].flatMap(Double.init)), want = try #require(threshold["mean_scale"].flatMap(Double.init))
            let row = try #require(rows.first { number($0["tau"]) == tau }, "the τ table has a row for τ = \(tau)")
            #expect(number(row["clip_rate"]) == rate, "clip rate at τ = \(tau)")
            let scale = try #require(number(row["mean_scale"]))
            #expect(abs(scale - want) <= 1e-14, "mean scale at τ = \(tau): \(scale) against numpy's \(want)")
        }
        // Expressions read the same numbers.
        #expect(try run("check norms_p99", in: &session)[0].json["value"] == json["p99"])
        #expect(try run("check norms_decades", in: &session)[0].json["value"] == json["decades"])
    }

    @Test("load norms shows the chart, the percentiles, their decades, the τ table and the advice; suggest norms repeats the advice")
    func screen() throws {
        var session = Session()
        let report = try run("load norms \(Self.torchCSV)", in: &session)[0]
        let blocks = report.blocks
        #expect(blocks.contains { if case .lineChart(let chart) = $0 { chart.yScale == .log10 && chart.xName == "step" } else { false } })
        let shown = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 400)).render(report)
        for text in ["p50 1.222", "p90 22.98", "p99 1597", "max 2341", "span 4.70 decades", "median (p50)", "10 × mean (Pascanu's high)",
                     "not a re-run of training", "the log does not say at which lr", "e.g. clip norm 22.98"] {
            #expect(shown.contains(text), "load norms shows \(text)")
        }
        #expect(report.warnings.contains { $0.contains("4.70 decades") && $0.contains("pulled by the tail") })
        let suggest = try run("suggest norms", in: &session)[0]
        #expect(suggest.json["heavy_tailed"] == .bool(true) && suggest.json["suggested"]?["basis"] == .string("p90"))
        #expect(suggest.json["p90"] == report.json["p90"] && suggest.json["mean_norm"] == report.json["mean"])
        #expect(suggest.warnings.contains { $0.contains("pulled by the tail") })
        // The file it came from: path, size and modification time, in the result's provenance.
        let stamp = try #require(session.results.norms?.provenance.file)
        let attributes = try FileManager.default.attributesOfItem(atPath: Self.torchCSV)
        #expect(stamp.path == Self.torchCSV && stamp.size == (attributes[.size] as? Int))
        #expect(Self.integer(report.json["size"]) == stamp.size && number(report.json["modified"]) == stamp.modified)
    }

    @Test("the run's lr, optimizer and clipping rule, when given, are shown with the advice and its τ gets a row")
    func runConditions() throws {
        var session = Session()
        let report = try run("load norms \(Self.torchCSV) lr=0.05 optim=sgd clip=norm:1:torch", in: &session)[0]
        let shown = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 200)).render(report)
        #expect(shown.contains("measured by the logged run at lr 0.05, sgd, clip norm 1 style=torch"))
        #expect(report.json["measured_at"]?["lr"] == .number(0.05) && report.json["measured_at"]?["optim"] == .string("sgd"))
        let run1 = try #require(Self.items(report.json["thresholds"]).first { number($0["tau"]) == 1 })
        #expect(run1["from"] == .string("run") && number(run1["clip_rate"]) == 0.58)  // the fixture's run clipped 174 of 300 steps
    }

    // MARK: - Bad files

    static let badFiles: [(name: String, bytes: [UInt8], words: String, message: String)] = [
        ("word.csv", Array("step,value\n0,1.5\n1,abc\n".utf8), "", "line 3, column 3: 'abc' is not a number"),
        ("empty-value.csv", Array("step,value\n0,\n".utf8), "", "line 2, column 3: the norm is empty"),
        ("no-column.csv", Array("step,loss\n0,1\n".utf8), "", "line 1: the header names none of the columns norms go in (value, grad_norm, norm, total_norm or gradient_norm); its columns are 'step', 'loss'"),
        ("named.csv", Array("step,value\n0,1\n".utf8), "column=grad", "line 1: the header has no column 'grad'"),
        ("short-row.csv", Array("when,step,value\nx,0,1\ny,1\n".utf8), "", "line 3, column 4: only 2 fields where the header (line 1) has 3"),
        ("long-row.csv", Array("step,value\n0,1,7\n".utf8), "", "line 2, column 5: 3 fields where the header (line 1) has 2"),
        ("latin1.csv", Array("step,value\n0,1\n1,é".utf8) + [0xFF, 0x0A], "", "line 3, column 4: the byte 0xFF is not UTF-8 text"),
        ("bom.csv", [0xEF, 0xBB, 0xBF] + Array("step,value\r\n0,1\r\n1,x1\r\n".utf8), "", "line 3, column 3: 'x1' is not a number"),
        ("tensor.csv", Array("step,value\n0,tensor(0.53)\n".utf8), "", "line 2, column 3: 'tensor(0.53)' is a tensor as Python prints it, not a number; log norm.item() instead"),
        ("negative.csv", Array("step,value\n0,-0.5\n".utf8), "", "line 2, column 3: '-0.5' is negative, and a gradient norm never is"),
        ("minus-inf.csv", Array("step,value\n0,-inf\n".utf8), "", "line 2, column 3: '-inf' is negative"),
        ("quote.csv", Array("step,value\n0,\"1.5\n".utf8), "", "line 2, column 3: a quoted field is not closed"),
        ("step.csv", Array("step,value\n0,1\nten,2\n".utf8), "", "line 3, column 1: the step 'ten' is not a number"),
        ("numbers.csv", Array("0,1.5\n1,2\n".utf8), "", "line 1, column 1: the first line holds numbers, not a header"),
        ("string.jsonl", Array("{\"step\": 0, \"grad_norm\": \"abc\"}\n".utf8), "", "line 1, column 26: 'abc' is not a number"),
        ("missing.jsonl", Array("{\"step\": 0, \"grad_norm\": 1}\n\n{\"step\": 1, \"loss\": 2}\n".utf8), "", "line 3: this object has no \"grad_norm\" key, which line 1 has"),
        ("null.jsonl", Array("{\"grad_norm\": 1}\n{\"grad_norm\": null}\n".utf8), "", "line 2, column 15: the norm is null, not a number"),
        ("broken.jsonl", Array("{\"grad_norm\": 1}\n{\"grad_norm\": 2\n".utf8), "", "line 2, column 16: the object is not closed"),
        ("keys.jsonl", Array("{\"step\": 0, \"loss\": 1}\n".utf8), "", "line 1: the first object has none of the keys norms go in"),
        ("array.json", Array("[[1700000000.0, 0, 1.5]]\n".utf8), "", "line 1, column 1: the file is one JSON array"),
        ("empty.csv", [], "", "the file is empty"),
        ("header.csv", Array("step,value\n\n".utf8), "", "it has a header but no rows of norms under it"),
    ]

    @Test("a bad file gets its line and column in one sentence, and the shell carries on with the log it had",
          arguments: badFiles.indices)
    func badFile(_ index: Int) throws {
        let bad = Self.badFiles[index]
        var session = Session()
        _ = try run("load norms \(Self.torchCSV)", in: &session)
        let path = Self.file(bad.name, bad.bytes)
        let message = try #require(Self.error("load norms \(path) \(bad.words)", in: &session), "\(bad.name) is refused")
        #expect(message.hasPrefix("cannot read \(path): \(bad.message)"), "\(bad.name): \(message)")
        #expect(!message.dropLast().contains("\n"))
        // The log loaded before is still the one expressions read.
        #expect(number(try run("check norms_count", in: &session)[0].json["value"]) == 300)
    }

    @Test("wrong words after load norms, and no file, are one sentence each")
    func badWords() throws {
        var session = Session()
        let cases: [(String, String)] = [
            ("load norms", "load norms needs the log to read, like load norms grad_norms.csv"),
            ("load norms /nonexistent/norms.csv", "cannot read /nonexistent/norms.csv: there is no such file"),
            ("load norms /tmp", "cannot read /tmp: it is a folder"),
            ("load norms \(Self.torchCSV) colum=value", "not colum= — did you mean 'column'?"),
            ("load norms \(Self.torchCSV) lr=fast", "lr=fast is not a learning rate"),
            ("load norms \(Self.torchCSV) clip=norm", "norm"),
            ("load norms \(Self.torchCSV) lr=1 lr=2", "lr= is given twice"),
            ("load norms \(Self.torchCSV) 7", "'7' is not one of column=NAME, lr=…, optim=… or clip=RULE"),
            ("suggest norms", "suggest norms advises from a log of gradient norms, and none is loaded; load norms FILE reads one"),
            ("check norms_p50", "'norms_p50' comes from load norms, which has not run yet; run load norms FILE first"),
            ("check norms.lr", "norms measures nothing whose settings can be read"),
        ]
        for (line, expected) in cases {
            let message = Self.error(line, in: &session)
            #expect(message?.contains(expected) == true, "\(line): \(message ?? "no error")")
        }
        // A log given to load as a lesson is pointed to load norms.
        #expect(Self.error("load \(Self.torchCSV)", in: &session)?.hasSuffix("to read it as a log of gradient norms, load norms \(Self.torchCSV)") == true)
    }

    @Test("Ctrl-C while a log is read loads nothing, and says so")
    func interrupted() throws {
        var session = Session()
        session.runtime.shouldStop = { true }
        #expect(Self.error("load norms \(Self.torchCSV)", in: &session) == "load norms interrupted while reading \(Self.torchCSV); nothing was loaded")
        #expect(session.results.norms == nil)
    }

    // MARK: - NaN and ∞

    @Test("NaN and ∞ are counted and shown, and left out of every figure", arguments: [
        ("step,value\n0,1\n1,nan\n2,NaN\n3,inf\n4,Infinity\n5,3\n6,-nan\n", "csv"),
        ("{\"step\": 0, \"grad_norm\": 1}\n{\"step\": 1, \"grad_norm\": NaN}\n{\"step\": 2, \"grad_norm\": \"nan\"}\n{\"step\": 3, \"grad_norm\": Infinity}\n{\"step\": 4, \"grad_norm\": \"inf\"}\n{\"step\": 5, \"grad_norm\": 3}\n{\"step\": 6, \"grad_norm\": NaN}\n", "jsonl"),
    ])
    func nonFinite(_ text: String, _ ext: String) throws {
        var session = Session()
        let report = try run("load norms \(Self.file("nonfinite." + ext, text))", in: &session)[0]
        let json = report.json
        #expect(Self.integer(json["rows"]) == 7 && Self.integer(json["count"]) == 2)
        #expect(Self.integer(json["nonfinite"]) == 5 && Self.integer(json["nan"]) == 3 && Self.integer(json["inf"]) == 2)
        #expect(json["first_nonfinite"]?["step"] == .number(1) && Self.integer(json["first_nonfinite"]?["line"]) == (ext == "csv" ? 3 : 2))
        #expect(number(json["p50"]) == 2 && number(json["max"]) == 3 && number(json["mean"]) == 2)
        #expect(report.warnings.contains { $0.hasPrefix("5 of the 7 norms are not finite: 3 NaN and 2 ∞ (the first at line") })
        #expect(number(try run("check norms_nonfinite", in: &session)[0].json["value"]) == 5)
        // The chart marks them in its row above the plot.
        let shown = TextRenderer(style: OutputStyle(color: false, unicode: true, width: 100)).render(report)
        #expect(shown.contains("top row: × NaN, ▲ +Inf"))
    }

    @Test("a log of NaN alone is shown with its count, and suggest norms says there is nothing to suggest from")
    func onlyNaN() throws {
        var session = Session()
        let report = try run("load norms \(Self.file("nan.csv", "step,value\n0,nan\n1,nan\n"))", in: &session)[0]
        #expect(Self.integer(report.json["count"]) == 0 && Self.integer(report.json["nan"]) == 2)
        #expect(Self.items(report.json["thresholds"]).isEmpty)
        #expect(Self.error("suggest norms", in: &session)?.contains("holds no finite norm (2 NaN or ∞)") == true)
    }

    // MARK: - The τ table

    @Test("the τ table on a hand-made log: each τ's clip rate and mean scale min(1, τ/‖g‖), worked out by hand")
    func tauTable() throws {
        // Norms 1, 2, 4, 8: mean 3.75, median 3 (numpy: 2 + (4 − 2)·0.5), one power of ten (1) in the span.
        var session = Session()
        let json = try run("load norms \(Self.file("tiny.csv", "step,value\n1,1\n2,2\n3,4\n4,8\n"))", in: &session)[0].json
        let rows = Self.items(json["thresholds"]).map { row in
            (tau: number(row["tau"])!, from: Self.text(row["from"])!, rate: number(row["clip_rate"])!, scale: number(row["mean_scale"])!)
        }
        #expect(rows.map(\.from) == ["round", "mean/2", "p50", "mean", "p90", "p99", "10*mean"])
        #expect(rows.map(\.tau) == [1, 1.875, 3, 3.75, Percentile.of(sorted: [1, 2, 4, 8], 90), Percentile.of(sorted: [1, 2, 4, 8], 99), 37.5])
        // τ = 1: 2, 4 and 8 are over it, scaled by 1/2, 1/4, 1/8.
        #expect(rows[0].rate == 0.75 && rows[0].scale == (1 + 0.5 + 0.25 + 0.125) / 4)
        #expect(rows[1].rate == 0.75 && rows[1].scale == (1 + 1.875 / 2 + 1.875 / 4 + 1.875 / 8) / 4)
        #expect(rows[2].rate == 0.5 && rows[2].scale == (1 + 1 + 0.75 + 0.375) / 4)
        #expect(rows[3].rate == 0.5 && rows[3].scale == (1 + 1 + 3.75 / 4 + 3.75 / 8) / 4)
        #expect(rows[4].rate == 0.25 && abs(rows[4].scale - (3 + 6.8 / 8) / 4) < 1e-15)  // p90 = 6.8
        #expect(rows[5].rate == 0.25 && abs(rows[5].scale - (3 + 7.88 / 8) / 4) < 1e-15)  // p99 = 7.88
        #expect(rows[6].rate == 0 && rows[6].scale == 1)
        #expect(number(json["decades"]).map { abs($0 - log10(8)) < 1e-15 } == true && json["heavy_tailed"] == .bool(false))
    }

    // MARK: - Big files

    /// A TensorBoard-style CSV export of `rows` steps, written a block at a time.
    static func bigLog(rows: Int) -> String {
        let path = folder("normlog-big") + "/big.csv"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = FileHandle(forWritingAtPath: path)!
        handle.write(Data("Wall time,Step,Value\n".utf8))
        var block = ""
        for i in 0..<rows {
            block += "1700000000.\(i % 1000),\(i),\(Self.bigValue(i))\n"
            if block.utf8.count > 1 << 16 {
                handle.write(Data(block.utf8))
                block = ""
            }
        }
        handle.write(Data(block.utf8))
        try? handle.close()
        return path
    }

    static func bigValue(_ i: Int) -> Double { Double((i * 7919) % 100_003 + 1) / 997 }

    @Test("200,000 steps are read a chunk at a time, holding no more than a line between chunks")
    func bigFileIsStreamed() throws {
        let rows = 200_000
        let path = Self.bigLog(rows: rows)
        var reader = NormLogReader()
        var chunks = 0
        var problem: NormLogProblem?
        let outcome = StreamedFile.read(path) { chunk, _ in
            chunks += 1
            #expect(chunk.count <= StreamedFile.chunkSize)
            do throws(NormLogProblem) { try reader.feed(chunk) } catch { problem = error; return false }
            return true
        }
        #expect(problem == nil)
        guard case .read(let stamp) = outcome else { Issue.record("not read: \(outcome)"); return }
        #expect(stamp.size > 5_000_000 && chunks >= stamp.size / StreamedFile.chunkSize)
        // What is kept of the text between chunks is a part of one line (each under 60 bytes).
        #expect(reader.peakPending < 60, "held \(reader.peakPending) bytes between chunks")
        let log = try reader.finish()
        #expect(log.rows == rows && log.sorted.count == rows && log.column == "Value" && log.stepColumn == "Step")
        #expect(log.chart.buckets.count <= NormChart.capacity && log.chart.buckets.map(\.rows).reduce(0, +) == rows)
        #expect(log.chart.buckets.first?.low == (0..<log.chart.width).map(Self.bigValue).min())
        let reference = (0..<rows).map(Self.bigValue).sorted()
        #expect(log.sorted == reference)
        // And through the command: the same numbers.
        var session = Session()
        let json = try run("load norms \(path)", in: &session)[0].json
        #expect(Self.integer(json["count"]) == rows && number(json["p99"]) == Percentile.of(sorted: reference, 99))
    }

    /// A log read through StreamedFile in chunks of `size` bytes.
    static func read(_ path: String, chunkSize size: Int) throws -> NormLog {
        var reader = NormLogReader()
        var problem: NormLogProblem?
        _ = StreamedFile.read(path, chunkSize: size) { chunk, _ in
            do throws(NormLogProblem) { try reader.feed(chunk) } catch { problem = error; return false }
            return true
        }
        if let problem { throw problem }
        return try reader.finish()
    }

    @Test("wherever the chunks cut the lines (in a byte-order mark, a CRLF, a character, a quote), the log reads the same")
    func chunkBoundaries() throws {
        let csv = Self.file("cut.csv", [0xEF, 0xBB, 0xBF] + Array("\"wall, time\",step,\"Value\"\r\n1,0,0.5\r\n\r\n\"é\",1,nan\r\n2,2,1e3\r\n3,3,\"7\"".utf8))
        let jsonl = Self.file("cut.jsonl", "{\"step\": 0, \"note\": \"a \\\"quoted\\\" é\", \"grad_norm\": 2.5}\n\n{\"step\": 1, \"grad_norm\": Infinity}\n{\"grad_norm\": 4, \"step\": 2}")
        for path in [csv, jsonl, Self.torchCSV] {
            let whole = try Self.read(path, chunkSize: StreamedFile.chunkSize)
            for size in [1, 2, 3, 5, 64] {
                let cut = try Self.read(path, chunkSize: size)
                #expect(cut.sorted == whole.sorted && cut.rows == whole.rows && cut.nan == whole.nan && cut.infinity == whole.infinity
                        && cut.column == whole.column && cut.stepColumn == whole.stepColumn && cut.steps == whole.steps, "\(path) in chunks of \(size)")
            }
        }
        let log = try Self.read(csv, chunkSize: 1)
        #expect(log.sorted == [0.5, 7, 1000] && log.nan == 1 && log.column == "Value" && log.stepColumn == "step")
        #expect(try Self.read(jsonl, chunkSize: 1).sorted == [2.5, 4])
    }

    @Test("any bytes at all give a log or one problem, never a crash")
    func arbitraryBytes() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\",:0123456789.eE+-naifNI \t\r\nstepvalugrd_".utf8) + [0xEF, 0xBB, 0xBF, 0xFF, 0xC3, 0xA9, 0x00]
        for _ in 0..<2_000 {
            var bytes = Array("step,value\n".utf8).prefix(Int.random(in: 0...11, using: &generator)).map { $0 }
            for _ in 0..<Int.random(in: 0...80, using: &generator) { bytes.append(alphabet.randomElement(using: &generator)!) }
            var reader = NormLogReader()
            var failed = false
            bytes.withUnsafeBytes { raw in
                do throws(NormLogProblem) { try reader.feed(raw) } catch { failed = true }
            }
            if !failed {
                do throws(NormLogProblem) {
                    let log = try reader.finish()
                    #expect(log.rows == log.sorted.count + log.nonFinite && log.sorted.allSatisfy { $0.isFinite && $0 >= 0 })
                } catch {
                    #expect(!error.message.isEmpty)
                }
            }
        }
    }

    @Test("past 1,000,000 finite norms the log is refused in one sentence, and a smaller bound is honoured as well")
    func valueLimit() throws {
        var small = NormLogReader(valueLimit: 10)
        let text = Array((0..<11).map { "\($0)\n" }.joined().utf8)
        var caught: NormLogProblem?
        text.withUnsafeBytes { bytes in
            do throws(NormLogProblem) { try small.feed(bytes) } catch { caught = error }
        }
        #expect(caught?.line == 11 && caught?.message.hasPrefix("the log has more than 10 norms") == true)
        var session = Session()
        let path = folder("normlog-limit") + "/million.txt"
        _ = FileManager.default.createFile(atPath: path, contents: Data(String(repeating: "1\n", count: 1_000_001).utf8))
        let message = Self.error("load norms \(path)", in: &session)
        #expect(message == "cannot read \(path): line 1000001: the log has more than 1,000,000 norms, the most gradlab keeps (8 MB, for exact percentiles); load a shorter stretch of it, or every 10th row")
    }

    // MARK: - Formats

    @Test("TensorBoard's export (Wall time,Step,Value) with a byte-order mark, CRLF and empty lines; one number a line; a named column")
    func formats() throws {
        var session = Session()
        let tensorboard = Self.file("tb.csv", [0xEF, 0xBB, 0xBF] + Array("Wall time,Step,Value\r\n1.7e9,10,0.5\r\n\r\n1.7e9,20,2.5\r\n".utf8))
        var json = try run("load norms \(tensorboard)", in: &session)[0].json
        #expect(json["column"] == .string("Value") && json["step_column"] == .string("Step") && Self.integer(json["count"]) == 2 && number(json["p50"]) == 1.5)
        json = try run("load norms \(Self.file("plain.txt", "0.5\n1.5\n  \n2.5"))", in: &session)[0].json
        #expect(json["format"] == .string("plain") && Self.integer(json["count"]) == 3 && number(json["p50"]) == 1.5)
        let named = Self.file("named.csv", "epoch,\"grad norm, total\",lr\n0,4,0.1\n1,8,0.1\n")
        json = try run("load norms \(named) column=\"Grad Norm, Total\"", in: &session)[0].json
        #expect(json["column"] == .string("grad norm, total") && number(json["max"]) == 8 && json["step_column"] == .null)
        json = try run("load norms \(Self.file("named.jsonl", "{\"iteration\": 3, \"gn\": 5, \"nested\": {\"a\": [1, \"}\"]}}\n{\"iteration\": 4, \"gn\": 7}\n")) column=gn", in: &session)[0].json
        #expect(json["format"] == .string("jsonl") && json["step_column"] == .string("iteration") && number(json["mean"]) == 6)
    }

    // MARK: - The file's provenance

    @Test("a log whose file changed since it was read is said to be so by check, =, and suggest norms")
    func changedFile() throws {
        var session = Session()
        let path = Self.file("growing.csv", "step,value\n0,1\n1,2\n")
        _ = try run("load norms \(path)", in: &session)
        #expect(try run("check norms_p50", in: &session)[0].warnings.isEmpty)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("2,4\n".utf8))
        try handle.close()
        let warned = try run("check norms_p50", in: &session)[0].warnings
        #expect(warned.contains { $0.contains("\(path) has changed since load norms read it") && $0.contains("load norms \(path) again") }, "\(warned)")
        #expect(try run("suggest norms", in: &session)[0].warnings.contains { $0.contains("has changed since load norms read it") })
    }

    @Test("Tab offers norms after load, then file names, then the words load norms takes")
    func completion() {
        #expect(TabCompletion.complete("load norm").insert == "s ")
        #expect(TabCompletion.complete("load norms \(fixtures.path)/NormL").insert == "ogs/")
        #expect(TabCompletion.complete("load norms x.csv col").insert == "umn=")
        #expect(TabCompletion.complete("suggest nor").insert == "ms ")
    }
}
