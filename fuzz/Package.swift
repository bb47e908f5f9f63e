// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Latchkey's parsers of untrusted input (issue 14 §4). A package of its own, so the main
// package and its CI build stay as they are; build and run them with `fuzz/run` (see fuzz/README.md). Each target is
// an executable whose `LLVMFuzzerTestOneInput` libFuzzer drives; it builds only with `-sanitize=fuzzer`.
let targets = [
    "FuzzForm", "FuzzRegistrationJSON", "FuzzURIPolicies", "FuzzBearerToken", "FuzzClientAssertion",
]

let package = Package(
    name: "latchkey-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "latchkey", path: ".."),
    ],
    targets: [
        // The timing and invariant helpers every target uses.
        .target(name: "FuzzSupport"),
    ] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport", .product(name: "LatchkeyCore", package: "latchkey")]
                // What a resource server runs on a bearer token: only this target needs it (and Hummingbird, jwt-kit).
                + (name == "FuzzBearerToken" ? [.product(name: "LatchkeyResource", package: "latchkey")] : []),
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
