import LatchkeyCore
import SQLKit

/// `RefreshTokenStore` over SQL. Rotation reads, decides and writes in one transaction with the row locked
/// (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` holds the write lock), so a concurrent second use
/// sees the first one's rotation.
public struct SQLRefreshTokenStore: RefreshTokenStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func create(_ token: RefreshTokenRecord) async throws {
        try await database.withSession { db in try await Self.insert(token, into: db) }
    }

    public func rotate(
        tokenHash: String, clientID: String, now: Int64, graceSeconds: Int64,
        makeNext: @Sendable (RefreshTokenRecord) throws -> RefreshTokenRecord
    ) async throws -> RefreshRotation {
        let lock = database.engine == .postgres ? " FOR UPDATE" : ""
        return try await database.withTransaction { db in
            guard let row = try await db.raw(SQLQueryString("SELECT * FROM refresh_tokens WHERE token_hash = ") + "\(bind: tokenHash)" + SQLQueryString(lock)).first() else {
                return .notFound
            }
            let token = try Self.decode(row)
            switch RefreshTokenFamily.decide(token, clientID: clientID, now: now, graceSeconds: graceSeconds) {
            case .reject(let outcome):
                return outcome
            case .revokeFamily:
                try await Self.revokeFamily(token.familyID, now: now, in: db)
                return .reuseDetected
            case .rotate(let asGrace):
                let next = try makeNext(token)
                if asGrace {
                    try await db.raw("UPDATE refresh_tokens SET grace_used = \(bind: true) WHERE token_hash = \(bind: tokenHash)").run()
                } else {
                    try await db.raw("UPDATE refresh_tokens SET rotated_at = \(bind: now) WHERE token_hash = \(bind: tokenHash)").run()
                }
                try await Self.insert(next, into: db)
                return .rotated(previous: token, next: next)
            }
        }
    }

    public func revokeFamily(tokenHash: String, clientID: String, now: Int64) async throws -> Bool {
        try await database.withTransaction { db in
            guard let row = try await db.raw("SELECT * FROM refresh_tokens WHERE token_hash = \(bind: tokenHash)").first() else {
                return false
            }
            let token = try Self.decode(row)
            guard token.clientID == clientID, token.revokedAt == nil else { return false }
            try await Self.revokeFamily(token.familyID, now: now, in: db)
            return true
        }
    }

    public func revokeFamilies(originCodeHash: String, now: Int64) async throws {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE refresh_tokens SET revoked_at = \(bind: now)
                WHERE revoked_at IS NULL AND family_id IN (SELECT family_id FROM refresh_tokens WHERE origin_code_hash = \(bind: originCodeHash))
                """).run()
        }
    }

    public func revokeAll(userID: String, now: Int64) async throws {
        try await database.withSession { db in
            try await db.raw("UPDATE refresh_tokens SET revoked_at = \(bind: now) WHERE user_id = \(bind: userID) AND revoked_at IS NULL").run()
        }
    }

    public func revokeAll(userID: String, clientID: String, now: Int64) async throws {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE refresh_tokens SET revoked_at = \(bind: now)
                WHERE user_id = \(bind: userID) AND client_id = \(bind: clientID) AND revoked_at IS NULL
                """).run()
        }
    }

    static func revokeFamily(_ familyID: String, now: Int64, in db: any SQLDatabase) async throws {
        try await db.raw("UPDATE refresh_tokens SET revoked_at = \(bind: now) WHERE family_id = \(bind: familyID) AND revoked_at IS NULL").run()
    }

    static func insert(_ token: RefreshTokenRecord, into db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, scope, audience, auth_time, origin_code_hash,
                created_at, expires_at, family_expires_at, rotated_at, grace_used, revoked_at)
            VALUES (\(bind: token.tokenHash), \(bind: token.familyID), \(bind: token.clientID), \(bind: token.userID),
                \(bind: token.scopes.joined(separator: " ")), \(bind: token.audience.joined(separator: " ")), \(bind: token.authTime),
                \(bind: token.originCodeHash), \(bind: token.createdAt), \(bind: token.expiresAt), \(bind: token.familyExpiresAt),
                \(bind: token.rotatedAt), \(bind: token.graceUsed), \(bind: token.revokedAt))
            """).run()
    }

    static func decode(_ row: any SQLRow) throws -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            familyID: try row.decode(column: "family_id", as: String.self),
            clientID: try row.decode(column: "client_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            scopes: SQLLists.split(try row.decode(column: "scope", as: String.self)),
            audience: SQLLists.split(try row.decode(column: "audience", as: String.self)),
            authTime: try row.decode(column: "auth_time", as: Int64.self),
            originCodeHash: try row.decode(column: "origin_code_hash", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self),
            familyExpiresAt: try row.decode(column: "family_expires_at", as: Int64.self),
            rotatedAt: try row.decode(column: "rotated_at", as: Int64?.self),
            graceUsed: try row.decode(column: "grace_used", as: Bool.self),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self)
        )
    }
}
