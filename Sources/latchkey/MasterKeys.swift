import ArgumentParser
import LatchkeyCrypto
import LatchkeyServer

struct MasterKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master-key",
        abstract: "Generate a master key, and re-seal stored secrets under a new one.",
        discussion: """
            To replace the master key: `latchkey master-key generate`; set the output as the master key and the old key \
            in master-key-previous (LATCHKEY_MASTER_KEY_PREVIOUS or --master-key-previous-file); restart every instance; \
            run `latchkey master-key rotate`; when `latchkey master-key status` shows every value current, remove \
            master-key-previous and restart. See docs/security.md.
            """,
        subcommands: [Generate.self, Status.self, Rotate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random master key (base64 of 32 bytes) on standard output.",
            discussion: "Nothing is stored; put the key in a file with mode 0600 or in your secret manager."
        )

        func run() async throws {
            Swift.print(MasterKey.generate().base64)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the sealed values by master key version, and list those no key held opens.",
            discussion: "Opens every sealed value and changes nothing. Prints ids, never secrets. Exits non-zero if a value does not open."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let report = try await options.withRuntime { try await $0.masterKeyRotation.status() }
            MasterKeys.show(report, rotated: false)
            if report.failed { throw ExitCode.failure }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every signing key, vault token and the pepper under the current master key.",
            discussion: """
                Safe while servers run (each write only replaces the value it read) and resumable: run it again after an \
                interruption and values already current are skipped. Values no key held opens are reported and left \
                alone; the vault asks their users to connect again. Exits non-zero if anything was left undone.
                """
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let report = try await options.withRuntime { try await $0.masterKeyRotation.rotate() }
            MasterKeys.show(report, rotated: true)
            if report.failed { throw ExitCode.failure }
        }
    }

    static func show(_ report: MasterKeyRotation.Report, rotated: Bool) {
        Swift.print("current master key version \(report.currentVersion)"
            + (report.previousVersions.isEmpty ? "" : "; previous \(report.previousVersions.map(String.init).joined(separator: ", "))"))
        for tally in report.tallies {
            let versions = tally.versions.sorted { $0.key < $1.key }.map { "\($0.value) \(report.label($0.key)) (v\($0.key))" }
            var line = "\(tally.name): " + (versions.isEmpty ? "none" : versions.joined(separator: ", "))
            if rotated { line += "; re-sealed \(tally.resealed)" }
            if tally.raced > 0 { line += "; \(tally.raced) kept changing, run again" }
            if !tally.unreadable.isEmpty { line += "; \(tally.unreadable.count) do not open" }
            Swift.print(line)
            for place in tally.unreadable { Swift.print("  does not open: \(place)") }
        }
    }
}
