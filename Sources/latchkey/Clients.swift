import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list, show, delete and prune registered clients.",
        subcommands: [Add.self, List.self, Show.self, Delete.self, Prune.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client as the operator, e.g. a machine client (client_credentials).",
            discussion: """
                Dynamic registration (POST /register) does not hand out client_credentials unless registration is \
                protected by an initial access token or registration-allow-client-credentials is on: a machine client's \
                tokens carry no user. Add machine clients, such as an MCP server that introspects tokens, here. \
                The secret is printed once; the database keeps only its HMAC. Clients added here are of kind \
                'operator': unlike dynamically registered ones, they are never pruned for being unused or idle.

                Example: latchkey clients add --name "billing worker" --grant client_credentials --scope mcp:tools

                A machine client that signs JWT assertions (private_key_jwt, RFC 7523) instead of holding a secret \
                names its public keys with --jwks-uri or --jwks-file; it gets no secret.

                Example: latchkey clients add --name "billing worker" --jwks-uri https://worker.example/jwks.json
                """
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "The client's name, shown on consent pages and in `clients list`.") var name: String
        @Option(name: .customLong("grant"), help: "A grant type (repeatable): client_credentials, authorization_code, refresh_token. Default: client_credentials.")
        var grants: [String] = []
        @Option(help: "Space-separated scopes the client may request. Default: every supported scope.") var scope: String?
        @Option(help: "client_secret_basic (default for confidential clients), client_secret_post, private_key_jwt (default with keys) or none.")
        var authMethod: String?
        @Option(help: "Where the client publishes its public keys (https), for private_key_jwt.") var jwksURI: String?
        @Option(help: "A file holding the client's public JWK Set (JSON), for private_key_jwt.") var jwksFile: String?
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI (repeatable); needed for authorization_code.")
        var redirectURIs: [String] = []
        @Option(help: "Choose the client id (letters, digits, . _ ~ -), e.g. to name it in a resource's client_id. Default: random.")
        var clientID: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            var fields: [String: JSONValue] = [
                "client_name": .string(name),
                "grant_types": .array((grants.isEmpty ? ["client_credentials"] : grants).map(JSONValue.string)),
            ]
            if let scope { fields["scope"] = .string(scope) }
            if let authMethod { fields["token_endpoint_auth_method"] = .string(authMethod) }
            if !redirectURIs.isEmpty { fields["redirect_uris"] = .array(redirectURIs.map(JSONValue.string)) }
            if let jwksURI { fields["jwks_uri"] = .string(jwksURI) }
            if let jwksFile {
                guard let data = FileManager.default.contents(atPath: jwksFile), data.count <= 64 * 1024,
                      JSONNesting.isWithin(JSONNesting.defaultLimit, data),
                      let jwks = try? JSONDecoder().decode(JSONValue.self, from: data)
                else { throw CommandFailure("\(jwksFile) is not a readable JSON file of at most 64 KB") }
                fields["jwks"] = jwks
            }
            let added: AddedClient
            do {
                added = try await options.withRuntime { try await $0.addClient(.object(fields), clientID: clientID) }
            } catch let error as OAuthError {
                throw CommandFailure(error.description)
            }
            if json {
                var output: [String: String] = ["client_id": added.clientID, "client_name": name]
                output["client_secret"] = added.clientSecret
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else {
                print("client_id: \(added.clientID)")
                if let secret = added.clientSecret {
                    print("client_secret: \(secret)")
                    print("(the secret is shown only now; store it where the client can read it)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List clients with their kind, last use and grants.",
            discussion: """
                KIND is dcr (registered itself by POST /register; pruned once unused or idle, see \
                registration-unused-client-ttl and registration-idle-client-ttl) or operator (clients add; never pruned). \
                LAST USE is the last token the client got, to the hour ("never": none yet; clients that existed before the \
                upgrade to schema 11 count as used at the upgrade). GRANTS counts active refresh-token families: users for \
                whom the client can still get tokens without signing in again.
                """
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "Show at most this many clients.") var limit = 100
        @Option(help: "Start after this client id (for paging).") var after: String?

        func run() async throws {
            let (rows, now) = try await options.withRuntime { runtime in
                (try await runtime.clientListings(after: after, limit: limit), runtime.clock.now())
            }
            print(Self.line("CLIENT ID", "KIND", "LAST USE", "GRANTS", "NAME"))
            for row in rows {
                print(Self.line(row.clientID, row.kind.rawValue, TimeAgo.describe(row.lastUsedAt, now: now), String(row.activeGrants), row.name ?? "-"))
            }
        }

        static func line(_ id: String, _ kind: String, _ lastUse: String, _ grants: String, _ name: String) -> String {
            [id.padded(33), kind.padded(9), lastUse.padded(28), grants.padded(7), name].joined(separator: " ")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one client's registered metadata (never its secrets).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The client id.") var clientID: String

        func run() async throws {
            guard let client = try await options.withRuntime({ try await $0.clients.client(id: clientID) }) else {
                throw CommandFailure("no client with id \(clientID)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print("client_id: \(client.clientID)")
            print("issued_at: \(Date(timeIntervalSince1970: TimeInterval(client.issuedAt)))")
            print("confidential: \(client.isConfidential)")
            print(String(decoding: try encoder.encode(client.metadata), as: UTF8.self))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a client; it can no longer obtain tokens.",
            discussion: """
                A URL client id (a client metadata document) has no registration to delete: its users' approvals and \
                refresh tokens end and its cached document is dropped, so each user must approve it again. To refuse \
                such clients for good, list the hosts you accept in cimd-allowed-hosts.
                """
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The client id (or a URL client id).") var clientID: String

        func run() async throws {
            let deleted = try await options.withRuntime { try await $0.deleteClient(id: clientID) }
            if ClientIDMetadataDocument.isURL(clientID) {
                print("ended every approval and refresh token of \(clientID)\(deleted ? " and dropped its cached document" : "")")
                return
            }
            guard deleted else { throw CommandFailure("no client with id \(clientID)") }
            print("deleted \(clientID)")
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove dynamically registered clients that are unused or idle, with their grants.",
            discussion: """
                Does now what `serve` does every hour: removes dcr clients that got no token within \
                registration-unused-client-ttl of registering, and those whose last token is older than \
                registration-idle-client-ttl, with their refresh tokens, codes and remembered approvals. Operator clients \
                and clients named in resources (client_id) or introspection-clients are never removed. Use --dry-run \
                first to see what would go and why.
                """
        )
        @OptionGroup var options: ConfigOptions
        @Flag(help: "List what would be removed, and why, without removing anything.") var dryRun = false

        func run() async throws {
            if dryRun {
                let (candidates, now) = try await options.withRuntime { runtime in (try await runtime.prunableClients(), runtime.clock.now()) }
                for candidate in candidates {
                    let why: String
                    switch candidate.reason {
                    case .neverUsed(let registeredAt): why = "no token since it registered \(TimeAgo.describe(registeredAt, now: now))"
                    case .idle(let lastUsedAt): why = "idle: last token \(TimeAgo.describe(lastUsedAt, now: now))"
                    }
                    print("\(candidate.client.clientID.padded(33)) \(why) — \(candidate.client.metadata.clientName ?? "-")")
                }
                print("\(candidates.count) client(s) would be removed")
            } else {
                let removed = try await options.withRuntime { try await $0.pruneClients() }
                print("removed \(removed) client(s)")
            }
        }
    }
}

extension String {
    /// Left-aligned in a column of `width`, never cut.
    func padded(_ width: Int) -> String {
        count >= width ? self : padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
