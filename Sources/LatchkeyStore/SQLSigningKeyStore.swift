public import LatchkeyCore
import SQLKit

/// `SigningKeyStore` over SQL. Partial unique indexes keep one active and one next key even when
/// instances race; `rotate` is one transaction.
public struct SQLSigningKeyStore: SigningKeyStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func allKeys() async throws -> [StoredSigningKey] {
        let rows = try await database.withSession { db in
            try await db.raw("SELECT * FROM signing_keys ORDER BY created_at, kid").all()
        }
        return try rows.map(Self.decode)
    }

    public func initialize(active: StoredSigningKey, next: StoredSigningKey) async throws -> Bool {
        try await database.withTransaction { db in
            try await lockKeys(db)
            let existing = try await db.raw("SELECT kid FROM signing_keys WHERE status = 'active'").all()
            guard existing.isEmpty else { return false }
            try await Self.insert(active, into: db)
            try await db.raw("DELETE FROM signing_keys WHERE status = 'next'").run()
            try await Self.insert(next, into: db)
            return true
        }
    }

    public func rotate(newNext: StoredSigningKey, now: Int64, retiredPublishUntil: Int64) async throws {
        try await database.withTransaction { db in
            try await lockKeys(db)
            try await db.raw("DELETE FROM signing_keys WHERE status = 'retired' AND publish_until <= \(bind: now)").run()
            guard try await db.raw("SELECT kid FROM signing_keys WHERE status = 'next'").first() != nil else {
                throw DatabaseError("there is no next signing key to promote")
            }
            try await db.raw("""
                UPDATE signing_keys SET status = 'retired', retired_at = \(bind: now), publish_until = \(bind: retiredPublishUntil)
                WHERE status = 'active'
                """).run()
            try await db.raw("UPDATE signing_keys SET status = 'active', activated_at = \(bind: now) WHERE status = 'next'").run()
            try await Self.insert(newNext, into: db)
        }
    }

    /// PostgreSQL: serializes key changes across instances, so a racing first start sees the winner's keys
    /// instead of failing on the unique index. SQLite's `BEGIN IMMEDIATE` already serializes writers.
    func lockKeys(_ db: any SQLDatabase) async throws {
        if database.engine == .postgres {
            try await AdvisoryLock.signingKeys.acquire(in: db)
        }
    }

    static func insert(_ key: StoredSigningKey, into db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO signing_keys (kid, algorithm, status, sealed_private_key, public_jwk, created_at, activated_at, retired_at, publish_until)
            VALUES (\(bind: key.kid), \(bind: key.algorithm), \(bind: key.status.rawValue), \(bind: key.sealedPrivateKey),
                    \(bind: key.publicJWK), \(bind: key.createdAt), \(bind: key.activatedAt), \(bind: key.retiredAt), \(bind: key.publishUntil))
            """).run()
    }

    static func decode(_ row: any SQLRow) throws -> StoredSigningKey {
        let statusName = try row.decode(column: "status", as: String.self)
        guard let status = StoredSigningKey.Status(rawValue: statusName) else {
            throw DatabaseError("signing key has unknown status '\(statusName)'")
        }
        return StoredSigningKey(
            kid: try row.decode(column: "kid", as: String.self),
            algorithm: try row.decode(column: "algorithm", as: String.self),
            status: status,
            sealedPrivateKey: try row.decode(column: "sealed_private_key", as: String.self),
            publicJWK: try row.decode(column: "public_jwk", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            activatedAt: try row.decode(column: "activated_at", as: Int64?.self),
            retiredAt: try row.decode(column: "retired_at", as: Int64?.self),
            publishUntil: try row.decode(column: "publish_until", as: Int64?.self)
        )
    }
}
