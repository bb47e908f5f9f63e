public import LatchkeyCore
import SQLKit

/// `AuthorizationCodeStore` over SQL. Redemption is one conditional `UPDATE … RETURNING`, so two concurrent
/// redemptions cannot both succeed on either engine.
public struct SQLAuthorizationCodeStore: AuthorizationCodeStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func create(_ code: AuthorizationCodeRecord) async throws {
        try await database.withSession { db in
            try await db.raw("""
                INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scope, audience,
                    auth_time, created_at, expires_at, redirect_uri_provided, offline_access)
                VALUES (\(bind: code.codeHash), \(bind: code.clientID), \(bind: code.userID), \(bind: code.redirectURI),
                    \(bind: code.codeChallenge), \(bind: code.scopes.joined(separator: " ")), \(bind: code.audience.joined(separator: " ")),
                    \(bind: code.authTime), \(bind: code.createdAt), \(bind: code.expiresAt), \(bind: code.redirectURIProvided),
                    \(bind: code.offlineAccess))
                """).run()
        }
    }

    public func redeem(codeHash: String, clientID: String, now: Int64) async throws -> CodeRedemption {
        try await database.withSession { db in
            if let row = try await db.raw("""
                UPDATE authorization_codes SET redeemed_at = \(bind: now)
                WHERE code_hash = \(bind: codeHash) AND client_id = \(bind: clientID) AND redeemed_at IS NULL
                RETURNING *
                """).first() {
                let record = try Self.decode(row)
                return record.expiresAt > now ? .redeemed(record) : .expired
            }
            // Already spent: mark it replayed (the first redemption checks this before recording its tokens).
            // On PostgreSQL this waits for a first redemption's transaction, and then returns what it recorded.
            guard let row = try await db.raw("""
                UPDATE authorization_codes SET replayed_at = \(bind: now)
                WHERE code_hash = \(bind: codeHash) AND client_id = \(bind: clientID)
                RETURNING *
                """).first() else {
                return .notFound
            }
            return .replayed(try Self.decode(row))
        }
    }

    public func recordIssued(codeHash: String, accessTokenID: String, expiresAt: Int64, family: RefreshTokenRecord?) async throws -> Bool {
        try await database.withTransaction { db in
            guard try await Self.markIssued(codeHash: codeHash, accessTokenID: accessTokenID, expiresAt: expiresAt, in: db) else {
                return false
            }
            if let family { try await SQLRefreshTokenStore.insert(family, into: db) }
            return true
        }
    }

    /// Records the issued access token on a code that was not replayed; `false` if it was.
    static func markIssued(codeHash: String, accessTokenID: String, expiresAt: Int64, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE authorization_codes SET access_token_id = \(bind: accessTokenID), access_token_expires_at = \(bind: expiresAt)
            WHERE code_hash = \(bind: codeHash) AND replayed_at IS NULL
            RETURNING code_hash
            """).first() != nil
    }

    public func prune(expiredBefore: Int64, limit: Int) async throws -> Int {
        try await database.deleteInBatches(from: "authorization_codes", key: "code_hash", where: "expires_at < \(bind: expiredBefore)", limit: limit)
    }

    static func decode(_ row: any SQLRow) throws -> AuthorizationCodeRecord {
        AuthorizationCodeRecord(
            codeHash: try row.decode(column: "code_hash", as: String.self),
            clientID: try row.decode(column: "client_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            redirectURI: try row.decode(column: "redirect_uri", as: String.self),
            codeChallenge: try row.decode(column: "code_challenge", as: String.self),
            scopes: SQLLists.split(try row.decode(column: "scope", as: String.self)),
            audience: SQLLists.split(try row.decode(column: "audience", as: String.self)),
            authTime: try row.decode(column: "auth_time", as: Int64.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self),
            redeemedAt: try row.decode(column: "redeemed_at", as: Int64?.self),
            accessTokenID: try row.decode(column: "access_token_id", as: String?.self),
            accessTokenExpiresAt: try row.decode(column: "access_token_expires_at", as: Int64?.self),
            redirectURIProvided: try row.decode(column: "redirect_uri_provided", as: Bool.self),
            offlineAccess: try row.decode(column: "offline_access", as: Bool.self)
        )
    }
}

/// Space-separated lists in one column (scopes and audiences never contain spaces).
enum SQLLists {
    static func split(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }
}
