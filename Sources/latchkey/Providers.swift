import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyEgress
import LatchkeyServer
import NIOCore

struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the upstream providers users can connect to the vault, and check one.",
        subcommands: [List.self, Check.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every configured provider, its endpoints and the callback URL to register there (no secrets)."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.resolve()
            let callback = configuration.issuer.endpoint("/connections/callback")
            guard !configuration.providers.isEmpty else {
                print("no providers configured (the `providers` setting; see docs/configuration.md)")
                return
            }
            print("Register this redirect URI at every provider: \(callback)\n")
            for provider in configuration.providers {
                print("\(provider.id)  (\(provider.name))")
                switch provider.endpoints {
                case .discovered(let issuer): print("  issuer:     \(issuer) (RFC 8414 discovery)")
                case .configured(let authorization, let token):
                    print("  authorize:  \(authorization)")
                    print("  token:      \(token)")
                }
                if let revocation = provider.revocationEndpoint { print("  revocation: \(revocation)") }
                if let userinfo = provider.userinfoEndpoint { print("  userinfo:   \(userinfo) (account: \(provider.accountField ?? "-"))") }
                print("  client id:  \(provider.clientID), \(provider.authMethod.rawValue)")
                switch provider.secret {
                case .environment(let name): print("  secret:     from the environment variable \(name)")
                case .file(let path): print("  secret:     from the file \(path)")
                case .none: print("  secret:     none (public client)")
                }
                print("  scopes:     \(provider.scopes.isEmpty ? "(none)" : provider.scopes.joined(separator: " "))")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a provider's endpoints through the egress rules and say what was found or why it is refused.",
            discussion: "Runs discovery (RFC 8414, issuer checked exactly) or checks the configured endpoints' addresses, and whether the secret is readable."
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The provider id.") var id: String

        func run() async throws {
            let configuration = try options.resolve()
            guard let provider = configuration.providers.first(where: { $0.id == id }) else {
                throw CommandFailure("no provider '\(id)'; configured: \(configuration.providers.map(\.id).joined(separator: ", "))")
            }
            let egress = EgressClient(configuration: .init(policy: configuration.egress, additionalTrustRootsFile: configuration.egressCAFile))
            var endpoints: [(String, String)] = []
            switch provider.endpoints {
            case .discovered(let issuer):
                guard let url = UpstreamMetadata.metadataURL(forIssuer: issuer) else { throw CommandFailure("\(issuer) is not a valid issuer") }
                do {
                    let response = try await egress.send(.init(url: url, headers: [("Accept", "application/json")]))
                    guard response.status == 200 else { throw CommandFailure("\(url) answered \(response.status)") }
                    let metadata = try UpstreamMetadata(json: Data(response.body.readableBytesView), expectedIssuer: issuer)
                    print("discovery: \(url) ok, issuer matches")
                    print("  iss in authorization responses (RFC 9207): \(metadata.issParameterSupported ? "yes, checked" : "no")")
                    endpoints = [("authorize", metadata.authorizationEndpoint), ("token", metadata.tokenEndpoint)]
                    if let revocation = metadata.revocationEndpoint { endpoints.append(("revocation", revocation)) }
                } catch let error as EgressError {
                    throw CommandFailure("discovery at \(url) failed: \(error)")
                } catch let error as ProviderError {
                    throw CommandFailure("discovery at \(url) failed: \(error)")
                }
            case .configured(let authorization, let token):
                endpoints = [("authorize", authorization), ("token", token)]
            }
            if let revocation = provider.revocationEndpoint { endpoints.append(("revocation", revocation)) }
            if let userinfo = provider.userinfoEndpoint { endpoints.append(("userinfo", userinfo)) }
            var refused = false
            for (label, url) in endpoints {
                do {
                    let target = try await egress.target(of: url)
                    print("  \(label): \(url) → \(target.address)")
                } catch {
                    refused = true
                    print("  \(label): \(url) NOT USABLE: \(error)")
                }
            }
            do {
                try configuration.checkSecret(of: provider)
                print("secret: readable")
            } catch {
                refused = true
                print("secret: \(error)")
            }
            if refused { throw CommandFailure("provider '\(id)' cannot be used as configured") }
            print("provider '\(id)' looks usable")
        }
    }
}
