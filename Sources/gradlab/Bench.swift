import Render
import Shell
import EditLineShim
import Foundation
import Kernels
import Lessons
import Simulator
import Synchronization

/// How long each command took, recorded only while `gradlab bench` asks for it.
extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// `gradlab bench`: the simulator's heavy work, timed in this build on this machine, with a warm-up
/// and repetitions; the median and the spread (the 25th to the 75th percentile) of each.
public enum Bench {
    public struct Measurement: Sendable {
        public var name: String
        public var median: Double
        public var q1: Double
        public var q3: Double
        public var runs: Int
        /// Floating-point operations of one run, when the work is a matrix kernel.
        public var flops: Double?
        public var note = ""
        /// Lines printed under the table (the slowest lesson commands).
        public var details: [String] = []

        var gflops: Double? { flops.map { $0 / median / 1e9 } }
    }

    public static let bpttSizes = [(8, 100), (8, 1000), (32, 100), (32, 1000), (128, 100), (128, 1000), (512, 100), (512, 1000)]
    public static let trainSizes = [32, 128]
    public static let gatedBPTTSizes = [(32, 1000), (128, 1000)]
    public static let gatedTrainSizes = [(RecurrentCell.lstm, 128)]

    /// Times `body`: a warm-up of at least two runs (and 0.1 s), then runs for `seconds` (at least
    /// `least` of them).
    static func measure(_ name: String, seconds: Double, least: Int = 5, flops: Double? = nil, _ body: () -> Void) -> Measurement {
        let clock = ContinuousClock()
        var warm = 0
        let warmStart = clock.now
        while warm < 2 || (clock.now - warmStart).seconds < min(0.1, seconds) {
            body()
            warm += 1
            if (clock.now - warmStart).seconds > seconds { break }
        }
        var times: [Double] = []
        let start = clock.now
        while times.count < least || ((clock.now - start).seconds < seconds && times.count < 10_000) {
            let t0 = clock.now
            body()
            times.append((clock.now - t0).seconds)
        }
        return summary(name, times, flops: flops)
    }

    /// Two ways of doing the same work, timed in turn (a, b, a, b, …) so that both see the same
    /// machine: a shared machine's load comes and goes in seconds, and two back-to-back
    /// measurements of the sweep gave ratios from 1.4 to 2.4 on two cores. Also the median of the
    /// ratios b/a of the pairs.
    static func measurePair(_ names: (String, String), seconds: Double, least: Int, _ a: () -> Void, _ b: () -> Void) -> (Measurement, Measurement, ratio: Double) {
        let clock = ContinuousClock()
        a(); b()  // warm-up
        var timesA: [Double] = [], timesB: [Double] = []
        let start = clock.now
        while timesA.count < least || (clock.now - start).seconds < 2 * seconds {
            let t0 = clock.now
            a()
            let t1 = clock.now
            b()
            timesA.append((t1 - t0).seconds)
            timesB.append((clock.now - t1).seconds)
        }
        let ratios = zip(timesA, timesB).map { $1 / $0 }
        return (summary(names.0, timesA), summary(names.1, timesB), summary("", ratios).median)
    }

    /// The median and quartiles of some timings.
    static func summary(_ name: String, _ times: [Double], flops: Double? = nil) -> Measurement {
        let times = times.sorted()
        func quantile(_ q: Double) -> Double {
            let x = q * Double(times.count - 1)
            let i = Int(x), f = x - Double(i)
            return i + 1 < times.count ? times[i] * (1 - f) + times[i + 1] * f : times[i]
        }
        return Measurement(name: name, median: quantile(0.5), q1: quantile(0.25), q3: quantile(0.75), runs: times.count, flops: flops)
    }

    /// Every measurement, printed as it is made (to `progress`).
    public static func all(quick: Bool, only: String? = nil, executable: String, progress: (Measurement) -> Void) -> [Measurement] {
        let seconds = quick ? 0.05 : 0.5
        var results: [Measurement] = []
        func wanted(_ name: String) -> Bool { only.map { name.hasPrefix($0) } ?? true }
        func add(_ m: @autoclosure () -> Measurement?, _ name: String) {
            guard wanted(name), let m = m() else { return }
            results.append(m)
            progress(m)
        }

        for (n, T) in bpttSizes {
            var settings = Settings()
            settings.n = n
            settings.T = T
            settings.rho = 1
            add(settings.model.map { model in
                let sample = settings.spec.sample()
                return measure("bptt n=\(n) T=\(T)", seconds: seconds, flops: 6 * Double(n * n * T)) { _ = bptt(model, sample) }
            }, "bptt n=\(n) T=\(T)")
        }

        // The gated cells at the issue's sizes: FLOPs count the gates' products (g·6n²T) alone.
        for cell in [RecurrentCell.lstm, .gru] {
            for (n, T) in gatedBPTTSizes {
                var settings = Settings()
                settings.n = n
                settings.T = T
                settings.rho = 1
                settings.cell = cell
                let name = "\(cell.rawValue) bptt n=\(n) T=\(T)"
                add(settings.model.map { model in
                    let sample = settings.spec.sample()
                    return measure(name, seconds: seconds, flops: 6 * Double(cell.gates * n * n * T)) { _ = bptt(model, sample) }
                }, name)
            }
        }

        for (cell, n) in trainSizes.map({ (RecurrentCell.rnn, $0) }) + gatedTrainSizes {
            var settings = Settings()
            settings.n = n
            settings.T = 100
            settings.task = .adding
            settings.cell = cell
            let name = (cell == .rnn ? "" : "\(cell.rawValue) ") + "train n=\(n) T=100 batch=32"
            // A step as it is in the middle of a run (as the reference times PyTorch's: a model and
            // optimizer that persist): a run of 10 steps, per step.
            var config = settings.trainingConfig(clip: .norm(threshold: 1))
            config.steps = 10
            config.batchSize = 32
            let task = settings.spec.trainingTask
            add(settings.model.map { model in
                var run = measure(name, seconds: seconds, flops: 60 * Double(cell.gates * n * n * 100 * 32)) {
                    _ = train(model, on: task, config)
                }
                (run.median, run.q1, run.q3, run.flops) = (run.median / 10, run.q1 / 10, run.q3 / 10, run.flops.map { $0 / 10 })
                run.note = "a step of a 10-step run"
                return run
            }, name)
        }

        // Both sweeps run when either is asked for: the first's note is the ratio of the two.
        let sweep = "sweep rho=0.5..1.5:40 T=5..200:40 n=32", allName = "sweep 40×40 n=32, all cores", oneName = "sweep 40×40 n=32, one thread"
        if wanted(allName) || wanted(oneName) {
            var parallel = Session(), serial = Session()
            serial.runtime.serial = true
            var (all, one, ratio) = measurePair((allName, oneName), seconds: seconds, least: quick ? 1 : 7,
                                                { _ = run(sweep, in: &parallel) }, { _ = run(sweep, in: &serial) })
            all.note = String(format: "%.2f× one thread (%d cores)", ratio, ProcessInfo.processInfo.activeProcessorCount)
            add(all, allName)
            add(one, oneName)
        }

        // A frame of each live view at the default sizes: a key (← or →, in turn) and the frame it
        // draws, laid out as text for a terminal of 35 rows and 100 columns. The train view's
        // frame has 500 steps to draw; its steps run on a thread of their own, not in the frame.
        for view in LiveView.allCases {
            let name = "live \(view.rawValue): a key and its frame"
            guard wanted(name), var state = try? LiveState.start(view, in: Session(), threaded: false) else { continue }
            if view == .train {
                state.training?.advance(steps: 500)
                state.press(.tab)  // τ: a change that does not reset the run
            }
            let renderer = TextRenderer(style: OutputStyle(color: true, unicode: true, width: 100))
            var turn = false
            var frame = measure(name, seconds: seconds, least: quick ? 3 : 20) {
                turn.toggle()
                state.press(turn ? .right : .left)
                _ = renderer.lines(state.screen(rows: 35, columns: 100)).joined(separator: "\n")
            }
            frame.note = "100×35, " + (frame.median <= 0.016 ? "within" : "over") + " 16 ms"
            add(frame, name)
        }

        var cliff = Session()
        add(measure("cliff (default resolution)", seconds: seconds, least: quick ? 1 : 5) { _ = run("cliff", in: &cliff) }, "cliff")
        add(startupMeasurement(executable: executable, runs: quick ? 3 : 15), "start-up")

        add(verifyMeasurement(), "verify")
        add(peak(quick: quick), "peak")
        return results
    }

    /// verify --all in this process, with the commands it ran over their budget: 100 ms for each
    /// experiment a command makes (a sweep over ten seeds of seven rates makes 70).
    static func verifyMeasurement() -> Measurement {
        let lessons = LessonCatalog.builtIns().0.builtIn
        let timings = Mutex<[(line: String, seconds: Double, experiments: Int)]>([])
        var runtime = Runtime()
        runtime.timed = { call, elapsed in
            let line = call.rest.isEmpty ? call.verb : call.verb + " " + call.rest
            let experiments = Commands.experiments(call)
            timings.withLock { $0.append((line, elapsed.seconds, experiments)) }
        }
        let clock = ContinuousClock()
        let start = clock.now
        for lesson in lessons { _ = LessonCheck.verify(lesson, runtime: runtime) }
        let elapsed = (clock.now - start).seconds
        var slowest = timings.withLock { $0 }
        var verify = Measurement(name: "verify --all (\(lessons.count) lessons)", median: elapsed, q1: elapsed, q3: elapsed, runs: 1)
        slowest.sort { $0.seconds > $1.seconds }
        let over = slowest.filter { $0.seconds > 0.1 * Double($0.experiments) }
        let many = slowest.filter { $0.experiments > 1 }
        verify.note = "\(slowest.count) commands, \(over.count) over 100 ms per experiment"
        verify.details = over.map { String(format: "%7.1f ms  %@", $0.seconds * 1e3, $0.line) }
            + (many.isEmpty ? [] : ["slowest per experiment of the \(many.count) commands that make several:"]
               + many.sorted { $0.seconds / Double($0.experiments) > $1.seconds / Double($1.experiments) }.prefix(5).map {
                   String(format: "%7.1f ms  %4d experiments, %5.1f ms each  %@", $0.seconds * 1e3, $0.experiments, $0.seconds * 1e3 / Double($0.experiments), $0.line)
               })
        return verify
    }

    /// A large matrix product: what this machine's BLAS (OpenBLAS) reaches, the yardstick for the
    /// kernels. No simulator path calls BLAS for a product.
    static func peak(quick: Bool) -> Measurement {
        let size = 2000
        let a = [Double](repeating: 1.0 / Double(size), count: size * size)
        var c = [Double](repeating: 0, count: size * size)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        gl_blas_threads(Int32(cores))
        defer { gl_blas_threads(1) }
        return measure("peak: OpenBLAS dgemm 2000×2000, \(cores) threads", seconds: quick ? 0.1 : 1, least: 3, flops: 2 * pow(Double(size), 3)) {
            c.withUnsafeMutableBufferPointer { out in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                            1, a, Int32(size), a, Int32(size), 0, out.baseAddress, Int32(size))
            }
        }
    }

    static func run(_ line: String, in session: inout Session) -> Bool {
        guard let calls = try? LineSplitter.split(line) else { return false }
        for call in calls { guard (try? Commands.run(call, in: &session)) != nil else { return false } }
        return true
    }

    /// Time from launching gradlab on a new pseudo-terminal to its first prompt, in a fresh state
    /// folder.
    static func startupMeasurement(executable: String, runs: Int) -> Measurement? {
        var times: [Double] = []
        for _ in 0..<runs {
            guard let t = timeToPrompt(executable) else { return nil }
            times.append(t)
        }
        return summary("start-up to the first prompt", times)
    }

    static func timeToPrompt(_ executable: String) -> Double? {
        var name = [CChar](repeating: 0, count: 256)
        let master = gl_open_pseudo_terminal(&name, 256)
        guard master >= 0 else { return nil }
        defer { close(master) }
        let slave = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let home = NSTemporaryDirectory() + "gradlab-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: home) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, slave, O_RDWR, 0) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, gl_spawn_new_session_flag())
        let environment = ["TERM=xterm", "HOME=\(home)", "GRADLAB_HOME=\(home)",
                           "PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"]
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let clock = ContinuousClock()
        let start = clock.now
        guard posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp) == 0 else { return nil }
        var seen = [UInt8]()
        var elapsed: Double? = nil
        var buffer = [UInt8](repeating: 0, count: 4096)
        while (clock.now - start).seconds < 10 {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) > 0 else { continue }
            let got = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard got > 0 else { break }
            seen += buffer[..<got]
            if String(decoding: seen, as: UTF8.self).contains("gradlab>") {
                elapsed = (clock.now - start).seconds
                break
            }
        }
        _ = "quit\n".withCString { write(master, $0, 5) }
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return elapsed }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return elapsed
    }

    /// The table `gradlab bench` prints.
    public static func row(_ m: Measurement) -> String {
        func time(_ s: Double) -> String {
            s >= 1 ? String(format: "%.2f s", s) : s >= 1e-3 ? String(format: "%.2f ms", s * 1e3) : String(format: "%.1f µs", s * 1e6)
        }
        let spread = m.runs > 1 ? String(format: "±%.0f%%", (m.q3 - m.q1) / 2 / m.median * 100) : ""
        let gflops = m.gflops.map { String(format: "%.1f", $0) } ?? ""
        return m.name.padding(toLength: 36, withPad: " ", startingAt: 0) + leftPad(time(m.median), 10) + leftPad(spread, 7)
            + leftPad("\(m.runs)", 7) + leftPad(gflops, 9) + (m.note.isEmpty ? "" : "   " + m.note)
    }

    public static let header = "work".padding(toLength: 36, withPad: " ", startingAt: 0) + leftPad("median", 10) + leftPad("spread", 7)
        + leftPad("runs", 7) + leftPad("GFLOP/s", 9)

    static func leftPad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }

    public static func json(_ results: [Measurement]) -> String {
        let machine: [(String, JSON)] = [
            ("cores", .integer(ProcessInfo.processInfo.activeProcessorCount)),
            ("processor", .string(processorName())),
            ("vector_kernels", .string(String(cString: gl_kernels_name()))),
            ("kernels", .string(kernels)),
        ]
        let items: [JSON] = results.map { m in
            var fields: [(String, JSON)] = [("name", .string(m.name)), ("median_seconds", .number(m.median)),
                                            ("q1_seconds", .number(m.q1)), ("q3_seconds", .number(m.q3)), ("runs", .integer(m.runs))]
            if let g = m.gflops { fields.append(("gflops", .number(g))) }
            if !m.note.isEmpty { fields.append(("note", .string(m.note))) }
            if !m.details.isEmpty { fields.append(("details", .array(m.details.map { .string($0) }))) }
            return .object(fields)
        }
        return JSON.object([("machine", .object(machine)), ("results", .array(items))]).serialized() + "\n"
    }

    public static func processorName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// The kernels that ran, and why when they are the portable ones (both give the same bits).
    public static var kernels: String {
        let name = String(cString: gl_kernels_name())
        if gl_kernels_vectorized() != 0 { return name }
        return name + (gl_kernels_vector_available() != 0 ? " (GRADLAB_KERNELS=portable)" : " (no AVX2+FMA here)")
    }

    public static var description: String {
        "\(processorName()), \(ProcessInfo.processInfo.activeProcessorCount) cores; kernels: \(kernels)"
    }
}

extension Settings {
    /// The model these settings describe, or nil when they describe none.
    fileprivate var model: RNN? { try? spec.model() }
}
