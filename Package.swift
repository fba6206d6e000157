// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gradlab",
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Render", targets: ["Render"]),
        .library(name: "Shell", targets: ["Shell"]),
        .library(name: "TerminalDriver", targets: ["TerminalDriver"]),
        .library(name: "Lessons", targets: ["Lessons"]),
        .library(name: "StateFiles", targets: ["StateFiles"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // LAPACK through its C interface (Debian's liblapacke-dev): eigenvalues, singular values, QR.
        .systemLibrary(
            name: "CLapack",
            pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev", "liblapack-dev"])]
        ),
        // libedit (Debian's libedit-dev): the line editor behind the interactive prompt.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // A few lines of C around libedit's variadic calls, which Swift cannot make.
        .target(name: "EditLineShim", dependencies: ["CEditLine"]),

        // Every product and reduction of BPTT and training in C, each in one fixed order: AVX2+FMA
        // chosen at run time, or portable C with the same bits (GRADLAB_KERNELS=portable). OpenBLAS
        // (libopenblas-dev) is linked for LAPACK's sake and the bench's yardstick, never for a
        // product of the simulator.
        .target(
            name: "Kernels",
            linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("m")]
        ),
        // The numeric simulator: no I/O, no terminal, no globals.
        .target(
            name: "Simulator",
            dependencies: [
                "CLapack",
                "Kernels",
                .product(name: "ComplexModule", package: "swift-numerics"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The files kept on the learner's machine: the state folder, bounded reads, atomic writes.
        .target(name: "StateFiles"),
        // The lesson file format (TOML), its loader with line:column problems, and progress.
        .target(name: "Lessons", dependencies: ["StateFiles", .product(name: "TOMLKit", package: "TOMLKit")]),
        // Rendering: blocks (tables, sparklines, charts, heatmaps, the complex plane) to text or JSON.
        // Knows nothing of commands or the simulator.
        .target(name: "Render"),
        // The command core: parser, expressions, session and its typed results, the commands and
        // the lesson runner, lint and verify. No terminal I/O.
        .target(name: "Shell", dependencies: ["Simulator", "Lessons", "StateFiles", "Render", "Kernels"]),
        // The terminal driver: line editing (libedit or plain stdin), completion, history, the
        // read-run-print loop and its progress line.
        .target(name: "TerminalDriver", dependencies: ["Shell", "Render", "Lessons", "StateFiles", "Simulator", "EditLineShim"]),
        // The front end: launch flags, then hand over to the terminal driver; bench and the
        // lint/verify reports.
        .executableTarget(
            name: "gradlab",
            dependencies: [
                "TerminalDriver", "Shell", "Render", "Lessons", "Simulator", "Kernels", "EditLineShim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "CLapack", "Kernels"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Render", "TerminalDriver", "Simulator", "Lessons", "StateFiles"]),
        .testTarget(name: "RenderTests", dependencies: ["Render"]),
        .testTarget(name: "LessonsTests", dependencies: ["Lessons", "StateFiles"]),
    ],
    swiftLanguageModes: [.v6]
)
