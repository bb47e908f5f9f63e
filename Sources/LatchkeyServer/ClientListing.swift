import Foundation
public import LatchkeyCore

/// One row of `latchkey clients list`, whatever holds the client.
public struct ClientListing: Sendable, Equatable {
    public var clientID: String
    public var kind: ClientKind
    public var name: String?
    /// Unix seconds, to the hour; `nil`: no token yet.
    public var lastUsedAt: Int64?
    /// Active refresh-token families: users for whom the client can still refresh without signing in again.
    public var activeGrants: Int
}

/// Somewhere clients come from. The registry is one; a source added later (Client ID Metadata Documents) is listed
/// beside it by appending it to `LatchkeyRuntime.clientListingSources`.
protocol ClientListingSource: Sendable {
    /// Its clients with ids after `cursor`, by id, at most `limit`.
    func listings(after cursor: String?, limit: Int, now: Int64) async throws -> [ClientListing]
}

/// The registry's clients (DCR and the operator's).
struct RegistryListingSource: ClientListingSource {
    let clients: any ClientStore
    let registry: any ClientRegistryStore

    func listings(after cursor: String?, limit: Int, now: Int64) async throws -> [ClientListing] {
        let page = try await clients.list(after: cursor, limit: limit)
        let grants = try await registry.activeFamilies(clientIDs: page.map(\.clientID), now: now)
        return page.map { client in
            ClientListing(
                clientID: client.clientID, kind: client.kind, name: client.metadata.clientName, lastUsedAt: client.lastUsedAt,
                activeGrants: grants[client.clientID] ?? 0
            )
        }
    }
}

/// URL clients (Client ID Metadata Documents) whose documents the store holds: every one that was used or tried
/// within the last two days or so (stale documents are pruned).
struct MetadataDocumentListingSource: ClientListingSource {
    let documents: any ClientMetadataDocumentStore
    let registry: any ClientRegistryStore

    func listings(after cursor: String?, limit: Int, now: Int64) async throws -> [ClientListing] {
        let page = try await documents.list(after: cursor, limit: limit)
        let grants = try await registry.activeFamilies(clientIDs: page.map(\.url), now: now)
        return page.map { document in
            let name: String? = if case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(document.body.utf8)),
                case .string(let value)? = fields["client_name"] { value } else { nil }
            return ClientListing(
                clientID: document.url, kind: .metadataDocument, name: name.map(ClientIDMetadataDocumentError.printable),
                lastUsedAt: document.lastUsedAt, activeGrants: grants[document.url] ?? 0
            )
        }
    }
}

extension LatchkeyRuntime {
    var clientListingSources: [any ClientListingSource] {
        [
            RegistryListingSource(clients: clients, registry: clientRegistry),
            MetadataDocumentListingSource(documents: metadataDocuments, registry: clientRegistry),
        ]
    }

    /// Clients of every source, by id after `cursor`, at most `limit` (`latchkey clients list`).
    public func clientListings(after cursor: String?, limit: Int) async throws -> [ClientListing] {
        let now = clock.now()
        var rows: [ClientListing] = []
        for source in clientListingSources {
            rows += try await source.listings(after: cursor, limit: limit, now: now)
        }
        return Array(rows.sorted { $0.clientID < $1.clientID }.prefix(limit))
    }
}
