import Foundation
import Lessons
import Synchronization
import Testing
@testable import Shell
@testable import Simulator

/// Issue 16, findings 6 and 7: verify's work grows with the steps, not their square; a training
/// step and a command's parallel experiments hold a bounded amount of memory.
@Suite struct WorkBoundTests {
    /// A lesson of 400 tasks, each solved by `bptt`: verify runs every step once as a learner
    /// would, and once more reached by goto, each from the state rebuilt before it. Rebuilding each
    /// step from the start ran the steps before it again, 160,000 commands (34 s); the state is now
    /// carried from one step to the next, so each step's work runs a few times in all.
    @Test func verifyRunsEachStepsWorkAFewTimesNotOnceForEveryLaterStep() throws {
        let steps = 400
        var text = "id = \"long\"\ntitle = \"Long\"\nsummary = \"Four hundred steps.\"\n"
        for i in 0..<steps {
            text += "\n[[step]]\nid = \"s\(i)\"\nkind = \"task\"\ntext = \"Run bptt.\"\ndone = 'ran(\"bptt\")'\nsolution = \"bptt\"\n"
        }
        let directory = NSTemporaryDirectory() + "gradlab-long-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/long.toml"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let lesson = try #require(LessonCheck.load(path).lessons.first)

        let commands = Mutex(0)
        var runtime = Runtime()
        runtime.timed = { _, _ in commands.withLock { $0 += 1 } }
        let failures = LessonCheck.verify(lesson, runtime: runtime)
        #expect(failures.isEmpty)
        let run = commands.withLock { $0 }
        #expect(run >= 2 * steps)  // every step solved, by hand and by goto
        #expect(run <= 4 * steps, "verify ran \(run) commands for \(steps) steps")
    }

    /// The order task at T = 10,000: 256 examples are 480 MiB of inputs when drawn at once. A step
    /// draws them a wave at a time, each wave with its buffers within 64 MiB, and gets the same bits.
    @Test func aTrainingStepDrawsItsBatchAWaveAtATime() throws {
        let task = TrainingTask(.order, length: 10_000, seed: 3)
        let model = try ModelSpec(hiddenSize: 1, length: 10_000, seed: 3, task: .order).model()
        var rng = Xoshiro256(seed: 5, stream: "batches")
        var draws: [Int] = []
        var workspaces: [BackpropBatch] = []
        let exampleSize = task.length * task.inputSize + task.outputSize
        let waved = try #require(batchGradient(model, count: 256, length: task.length, exampleSize: exampleSize,
                                               draw: { k in draws.append(k); return task.batch(k, &rng) },
                                               loss: task.loss, errorClip: nil, workspaces: &workspaces, shouldStop: { false }))
        #expect(draws.reduce(0, +) == 256)
        #expect(draws.count > 1)
        let heldAtOnce = draws.max()! * (3 * 10_001 + exampleSize + GradientLayout(model).count) * 8
        #expect(heldAtOnce <= 64 << 20)

        var again = Xoshiro256(seed: 5, stream: "batches")
        let whole = try #require(batchGradient(model, task.batch(256, &again), loss: task.loss))
        #expect(waved.loss.bitPattern == whole.loss.bitPattern)
        #expect(waved.gradients.joined().map(\.bitPattern) == whole.gradients.joined().map(\.bitPattern))
    }

    /// A sweep of bptt at n = 512, T = 10,000 holds about 120 MB a point: two run at once, not one
    /// a core; small points run on every core.
    @Test func experimentsRunAtOnceOnlyAsManyAsFitInTheParallelMemory() {
        var big = Settings()
        big.n = 512
        big.T = 10_000
        #expect(Commands.width(Commands.memory(big, trains: false)) == 2)
        var training = Settings()
        training.task = .order
        training.batch = 1024
        training.T = 10_000
        training.n = 1
        #expect(Commands.width(Commands.memory(training, trains: true)) == 3)
        #expect(Commands.width(Commands.memory(Settings(), trains: true)) > 64)
        // However many may run at once, the results are the same, in order.
        let squares = parallelMap(50, width: 2) { $0 * $0 }
        #expect(squares == (0..<50).map { $0 * $0 })
    }
}
