// swift-tools-version:6.0
// Fuzz targets for gradlab's parsers, built with libFuzzer: see scripts/fuzz.
import PackageDescription

let package = Package(
    name: "gradlab-fuzz",
    dependencies: [.package(name: "gradlab", path: "..")],
    targets: [
        .executableTarget(name: "FuzzCommandLine", dependencies: [
            .product(name: "Shell", package: "gradlab"), .product(name: "Render", package: "gradlab"),
        ]),
        .executableTarget(name: "FuzzExpression", dependencies: [
            .product(name: "Shell", package: "gradlab"), .product(name: "Render", package: "gradlab"),
        ]),
        .executableTarget(name: "FuzzLesson", dependencies: [
            .product(name: "Shell", package: "gradlab"), .product(name: "Lessons", package: "gradlab"),
        ]),
        .executableTarget(name: "FuzzNormLog", dependencies: [
            .product(name: "Shell", package: "gradlab"), .product(name: "Render", package: "gradlab"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
