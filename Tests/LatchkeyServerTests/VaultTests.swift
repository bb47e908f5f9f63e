import Foundation
import HummingbirdTesting
import LatchkeyCore
@testable import LatchkeyBroker
@testable import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// Sealing in the vault: tokens never stored in the clear, and a sealed value moved to another user, provider or
/// field — or sealed under a key this server does not hold — does not open; the connection then needs the user again.
struct VaultTests {
    static let tokens = Vault.Tokens(accessToken: "gho_access-alice", refreshToken: "ghr_refresh-alice", tokenType: "Bearer", scopes: ["repo"], expiresIn: 3600)

    @Test("tokens are stored sealed and open for the same user, provider and field")
    func roundTrip() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            let vault = runtime.vault
            let stored = try await vault.connect(userID: "alice", providerID: "github", tokens: Self.tokens, account: "@alice")
            #expect(stored.accessToken?.contains("gho_access") == false && stored.refreshToken?.hasPrefix("v1.") == true)
            let raw = try #require(try await runtime.upstreamCredentials.credential(userID: "alice", providerID: "github"))
            #expect(!"\(raw)".contains("gho_access-alice") && !"\(raw)".contains("ghr_refresh-alice"))
            let opened = try #require(try await vault.credential(for: "alice", providerID: "github"))
            #expect(opened.accessToken == "gho_access-alice" && opened.refreshToken == "ghr_refresh-alice")
            #expect(opened.stored.status == .connected && opened.stored.account == "@alice")
            #expect(opened.stored.accessTokenExpiresAt == opened.stored.connectedAt + 3600)
            #expect(try await vault.credential(for: "bob", providerID: "github") == nil)
        }
    }

    enum Swap: String, CaseIterable, CustomTestStringConvertible {
        case anotherUser, anotherProvider, fields, unknownKeyVersion
        var testDescription: String { rawValue }
    }

    @Test("a moved or foreign sealed value does not open: the connection becomes needs_reauth, no token is handed out", arguments: Swap.allCases)
    func swaps(swap: Swap) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            let vault = runtime.vault
            let alice = try await vault.connect(userID: "alice", providerID: "github", tokens: Self.tokens, account: nil)
            let bobTokens = Vault.Tokens(accessToken: "gho_bob", refreshToken: "ghr_bob", tokenType: "Bearer", scopes: [], expiresIn: nil)
            var target = try await vault.connect(userID: "bob", providerID: "github", tokens: bobTokens, account: nil)
            switch swap {
            case .anotherUser:
                target.refreshToken = alice.refreshToken
            case .anotherProvider:
                target = try await vault.connect(userID: "alice", providerID: "gitlab", tokens: bobTokens, account: nil)
                target.refreshToken = alice.refreshToken
            case .fields:
                target = alice
                target.accessToken = alice.refreshToken
            case .unknownKeyVersion:
                target = alice
                // A version no key held derives (7), in place of the stamp.
                target.refreshToken = alice.refreshToken.map { "v1.7." + $0.split(separator: ".", maxSplits: 2)[2] }
            }
            try await runtime.upstreamCredentials.put(target)
            let opened = try #require(try await vault.credential(for: target.userID, providerID: target.providerID))
            #expect(opened.stored.status == .needsReauth)
            #expect(opened.accessToken == nil && opened.refreshToken == nil)
            let row = try await runtime.upstreamCredentials.credential(userID: target.userID, providerID: target.providerID)
            #expect(row?.status == .needsReauth)
            #expect(row?.refreshToken == target.refreshToken, "the sealed values are kept for a key that comes back")
        }
    }

    @Test("a reconnect racing a failed open keeps its fresh tokens")
    func raceKeepsFreshTokens() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            let vault = runtime.vault
            var broken = try await vault.connect(userID: "alice", providerID: "github", tokens: Self.tokens, account: nil)
            broken.refreshToken = broken.refreshToken.map { "v1.7." + $0.split(separator: ".", maxSplits: 2)[2] }
            try await runtime.upstreamCredentials.put(broken)
            // The reconnect commits between the failed read and its write-back.
            _ = try await vault.connect(userID: "alice", providerID: "github", tokens: Self.tokens, account: nil)
            #expect(try await !runtime.upstreamCredentials.markNeedsReauth(broken))
            let opened = try #require(try await vault.credential(for: "alice", providerID: "github"))
            #expect(opened.stored.status == .connected && opened.refreshToken == "ghr_refresh-alice")
        }
    }
}
