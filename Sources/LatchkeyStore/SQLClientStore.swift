import Foundation
public import LatchkeyCore
import SQLKit

/// `ClientStore` over SQL, the same statements on SQLite and PostgreSQL.
public struct SQLClientStore: ClientStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func create(_ client: RegisteredClient) async throws {
        let metadata = try Self.encode(client.metadata)
        try await database.withSession { db in
            try await db.raw("""
                INSERT INTO clients (client_id, metadata, secret_hash, secret_expires_at, registration_token_hash, issued_at, updated_at,
                                     kind, last_used_at)
                VALUES (\(bind: client.clientID), \(bind: metadata), \(bind: client.secretHash), \(bind: client.secretExpiresAt),
                        \(bind: client.registrationTokenHash), \(bind: client.issuedAt), \(bind: client.updatedAt),
                        \(bind: client.kind.rawValue), \(bind: client.lastUsedAt))
                """).run()
        }
    }

    public func client(id: String) async throws -> RegisteredClient? {
        let row = try await database.withReadSession { db in
            try await db.raw("SELECT * FROM clients WHERE client_id = \(bind: id)").first()
        }
        return try row.map(Self.decode)
    }

    public func update(_ client: RegisteredClient, currentTokenHash: String) async throws -> Bool {
        let metadata = try Self.encode(client.metadata)
        return try await database.withSession { db in
            let rows = try await db.raw("""
                UPDATE clients SET metadata = \(bind: metadata), secret_hash = \(bind: client.secretHash),
                    secret_expires_at = \(bind: client.secretExpiresAt),
                    registration_token_hash = \(bind: client.registrationTokenHash), updated_at = \(bind: client.updatedAt)
                WHERE client_id = \(bind: client.clientID) AND registration_token_hash = \(bind: currentTokenHash)
                RETURNING client_id
                """).all()
            return !rows.isEmpty
        }
    }

    public func delete(id: String) async throws -> Bool {
        try await database.withSession { db in
            try await !db.raw("DELETE FROM clients WHERE client_id = \(bind: id) RETURNING client_id").all().isEmpty
        }
    }

    public func list(after cursor: String?, limit: Int) async throws -> [RegisteredClient] {
        let rows = try await database.withReadSession { db in
            try await db.raw("""
                SELECT * FROM clients WHERE client_id > \(bind: cursor ?? "") ORDER BY client_id LIMIT \(bind: limit)
                """).all()
        }
        return try rows.map(Self.decode)
    }

    static func encode(_ metadata: ClientMetadata) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metadata), as: UTF8.self)
    }

    static func decode(_ row: any SQLRow) throws -> RegisteredClient {
        let metadata = try JSONDecoder().decode(ClientMetadata.self, from: Data(try row.decode(column: "metadata", as: String.self).utf8))
        let kindName = try row.decode(column: "kind", as: String.self)
        guard let kind = ClientKind(rawValue: kindName) else {
            throw DatabaseError("the clients table holds the kind '\(kindName)', which this binary does not know; run a newer latchkey")
        }
        return RegisteredClient(
            clientID: try row.decode(column: "client_id", as: String.self),
            metadata: metadata,
            secretHash: try row.decode(column: "secret_hash", as: String?.self),
            secretExpiresAt: try row.decode(column: "secret_expires_at", as: Int64.self),
            registrationTokenHash: try row.decode(column: "registration_token_hash", as: String.self),
            issuedAt: try row.decode(column: "issued_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            kind: kind,
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self)
        )
    }
}
