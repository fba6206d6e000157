import Foundation
import Render
import Simulator
import StateFiles

extension Commands {
    static let loadNormsUsage = "load norms FILE [column=NAME] [lr=LR] [optim=NAME] [clip=RULE]"

    /// `load norms FILE …`: a real run's gradient norms from a log, streamed; what each τ would have
    /// done to them, and the robust suggestion.
    static func loadNorms(_ session: inout Session, _ call: CommandCall) throws(ShellError) -> Report {
        let words = Array(call.words.dropFirst())
        guard let first = words.first else {
            let folder = FileManager.default.fileExists(atPath: "norms") ? "; to load lessons from the folder named norms, write load ./norms" : ""
            throw ShellError("load norms needs the log to read, like load norms grad_norms.csv (CSV with a header such as step,value, or JSON lines)\(folder)")
        }
        let shown = unquoted(first)
        guard !shown.trimmingWhitespace().isEmpty else { throw ShellError("load norms needs a file name, and \(first) is empty; give one, like load norms grad_norms.csv") }
        var column: String?
        var conditions = RunConditions()
        var seen = Set<String>()
        for word in words.dropFirst() {
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw ShellError("'\(word)' is not one of column=NAME, lr=…, optim=… or clip=RULE, which may follow the file (\(loadNormsUsage))")
            }
            let key = String(word[..<eq]), value = unquoted(String(word[word.index(after: eq)...]))
            guard seen.insert(key).inserted else { throw ShellError("\(key)= is given twice; keep one") }
            guard !value.isEmpty else { throw ShellError("\(key)= needs a value, like \(key == "column" ? "column=grad_norm" : key == "clip" ? "clip=norm:1:torch" : key == "lr" ? "lr=0.05" : "optim=adamw")") }
            switch key {
            case "column":
                column = value
            case "lr":
                guard let lr = NumberText.parse(value), lr.isFinite, lr > 0 else {
                    throw ShellError("lr=\(value) is not a learning rate; give the logged run's, a positive number like lr=0.05")
                }
                conditions.lr = lr
            case "optim":
                conditions.optimizer = value
            case "clip":
                conditions.clip = try parseClipSpec(value)
            default:
                throw ShellError("load norms takes column=, lr=, optim= and clip= after the file, not \(key)=\(Suggest.didYouMean(key, among: ["column", "lr", "optim", "clip"]))")
            }
        }

        let path = (shown as NSString).expandingTildeInPath
        var reader = NormLogReader(column: column)
        var problem: NormLogProblem?
        let stop = session.runtime.shouldStop, progress = session.runtime.progress
        var read = 0
        let outcome = StreamedFile.read(path) { chunk, stamp in
            if stop() { return false }
            do throws(NormLogProblem) { try reader.feed(chunk) } catch {
                problem = error
                return false
            }
            read += chunk.count
            if stamp.size >= 8 << 20 { progress("load norms (MiB)", read >> 20, stamp.size >> 20) }
            return true
        }
        if let problem { throw ShellError("cannot read \(shown): \(problem.description)") }
        let stamp: FileStamp
        switch outcome {
        case .read(let s): stamp = s
        case .stopped: throw ShellError("load norms interrupted while reading \(shown); nothing was loaded")
        case .missing: throw ShellError("cannot read \(shown): there is no such file")
        case .unreadable(let why): throw ShellError("cannot read \(shown): \(why)")
        }
        let log: NormLog
        do throws(NormLogProblem) { log = try reader.finish() } catch { throw ShellError("cannot read \(shown): \(error.description)") }

        let profile = NormProfile(sorted: log.sorted, mean: log.mean)
        let measurement = NormLogMeasurement(profile: profile, rows: log.rows, nan: log.nan, infinity: log.infinity,
                                             conditions: conditions, shownPath: shown)
        var provenance = session.provenance(session.settings, clip: session.clipRule)
        provenance.file = stamp
        session.results.norms = Measured(value: measurement, provenance: provenance)
        return Report(command: "load norms", NormLogReport(log: log, stamp: stamp, measurement: measurement,
                                                           table: thresholdTable(log.sorted, profile, conditions)))
    }

    /// The candidate thresholds of `load norms`, in order of τ: the percentiles, Pascanu's half, one
    /// and ten times the mean, the powers of ten over the span (at most six), and the logged run's
    /// own τ when it was given, each with what it would have done.
    static func thresholdTable(_ sorted: [Double], _ profile: NormProfile, _ conditions: RunConditions) -> [(from: String, effect: ThresholdEffect)] {
        guard !sorted.isEmpty else { return [] }
        var rows = ThresholdAdvice.candidates(profile)
        let s = profile.summary
        if s.smallestPositive > 0 {
            let low = Int(log10(s.smallestPositive).rounded(.up)), high = Int(log10(s.largest).rounded(.down))
            if low <= high {
                let step = max(1, (high - low + 6) / 6)
                for k in stride(from: low, through: high, by: step) {
                    rows.append(("round", ThresholdEffect(tau: Double("1e\(k)")!, sorted: sorted)))
                }
            }
        }
        if case .norm(let tau, _, _)? = conditions.clip { rows.append(("run", ThresholdEffect(tau: tau, sorted: sorted))) }
        // One row a τ, naming every reason it is there.
        var merged: [(from: String, effect: ThresholdEffect)] = []
        for row in rows.sorted(by: { $0.effect.tau < $1.effect.tau }) {
            if let last = merged.last, last.effect.tau == row.effect.tau {
                if row.from != "round" { merged[merged.count - 1].from = last.from == "round" ? row.from : last.from + "," + row.from }
            } else {
                merged.append(row)
            }
        }
        return merged
    }
}
