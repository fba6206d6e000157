// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gradlab",
    products: [
        .executable(name: "gradlab", targets: ["gradlab"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Shell", targets: ["Shell"]),
        .library(name: "Lessons", targets: ["Lessons"]),
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

        // BPTT's inner loops and the small matrix products in C (AVX2+FMA or AVX chosen at run
        // time, each in a fixed order), and Debian's OpenBLAS (libopenblas-dev) for the large
        // products of ∂L/∂W and ∂L/∂U.
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
        // The lesson file format (TOML), its loader with line:column problems, and the files kept
        // on the learner's machine (progress), written atomically.
        .target(name: "Lessons", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // Command language, session state, renderers, line editing and the lesson runner.
        .target(name: "Shell", dependencies: ["Simulator", "Lessons", "EditLineShim", "Kernels"]),
        // The thin front end: launch flags, then hand over to Shell.
        .executableTarget(
            name: "gradlab",
            dependencies: [
                "Shell",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "CLapack", "Kernels"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Simulator", "Lessons"]),
        .testTarget(name: "LessonsTests", dependencies: ["Lessons"]),
    ],
    swiftLanguageModes: [.v6]
)
