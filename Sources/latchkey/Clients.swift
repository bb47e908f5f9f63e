import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list, show and delete registered clients.",
        subcommands: [Add.self, List.self, Show.self, Delete.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a client as the operator, e.g. a machine client (client_credentials).",
            discussion: """
                Dynamic registration (POST /register) does not hand out client_credentials unless registration is \
                protected by an initial access token or registration-allow-client-credentials is on: a machine client's \
                tokens carry no user. Add machine clients, such as an MCP server that introspects tokens, here. \
                The secret is printed once; the database keeps only its HMAC.

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
        static let configuration = CommandConfiguration(abstract: "List registered clients.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Show at most this many clients.") var limit = 100
        @Option(help: "Start after this client id (for paging).") var after: String?

        func run() async throws {
            let clients = try await options.withRuntime { try await $0.clients.list(after: after, limit: limit) }
            print("CLIENT ID                         AUTH                 NAME")
            for client in clients {
                print("\(client.clientID.padding(toLength: 33, withPad: " ", startingAt: 0)) \(client.metadata.tokenEndpointAuthMethod.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \(client.metadata.clientName ?? "-")")
            }
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
        static let configuration = CommandConfiguration(abstract: "Delete a client; it can no longer obtain tokens.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The client id.") var clientID: String

        func run() async throws {
            guard try await options.withRuntime({ try await $0.deleteClient(id: clientID) }) else {
                throw CommandFailure("no client with id \(clientID)")
            }
            print("deleted \(clientID)")
        }
    }
}
