import ArgumentParser
import Foundation
import LatchkeyServer
import LatchkeyCore
import LatchkeyCrypto

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and rotate the token signing keys.",
        subcommands: [List.self, Rotate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List signing keys with their status and publication window.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (keys, now) = try await options.withRuntime { ($0.signingKeys.keys, $0.clock.now()) }
            print("KID                                          ALG    STATUS   CREATED               PUBLISHED UNTIL")
            for key in keys {
                let until = key.status == .retired ? (key.publishUntil.map(Self.date) ?? "-") : "while \(key.status.rawValue)"
                let published = key.isPublished(at: now) ? "" : " (unpublished)"
                print("\(key.kid.padding(toLength: 44, withPad: " ", startingAt: 0)) \(key.algorithm)  \(key.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(Self.date(key.createdAt))  \(until)\(published)")
            }
        }

        static func date(_ seconds: Int64) -> String {
            ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the next key active and create a new next key.",
            discussion: """
                The previous active key stays in the JWKS until every token it signed has expired \
                (access-token-lifetime plus 5 minutes). Running servers pick the change up within key-refresh-interval.
                """
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (before, after) = try await options.withRuntime { runtime in
                let before = runtime.signingKeys.activeKeyID ?? "-"
                try await runtime.rotateSigningKey(retiredPublishFor: Int64(runtime.configuration.accessTokenLifetime + 300))
                return (before, runtime.signingKeys.activeKeyID ?? "-")
            }
            print("rotated: \(before) retired; \(after) is now active")
        }
    }
}
