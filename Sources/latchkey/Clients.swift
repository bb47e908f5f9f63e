import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and delete registered clients.",
        subcommands: [List.self, Show.self, Delete.self]
    )

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
                throw ValidationError("no client with id \(clientID)")
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
            guard try await options.withRuntime({ try await $0.clients.delete(id: clientID) }) else {
                throw ValidationError("no client with id \(clientID)")
            }
            print("deleted \(clientID)")
        }
    }
}
