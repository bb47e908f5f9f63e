public import LatchkeyCore
import SQLKit

/// `RefreshTokenStore` over SQL. Rotation reads the presented token, asks `RefreshTokenFamily.decide` what to do
/// and applies that action, all in one transaction with the row locked (`FOR UPDATE` on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` holds the write lock), so a concurrent second use sees the first one's rotation.
///
/// The rules live only in `RefreshTokenFamily`: no statement here re-encodes them in a `WHERE` clause, so the
/// store and the decision table cannot drift apart. A normal rotation is a `SELECT`, an `UPDATE` and an `INSERT`,
/// plus, for a token that has a parent, the `UPDATE` that retires its siblings (`retireSiblings`).
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
        let engine = database.engine
        return try await database.withTransaction { db in
            if engine == .postgres {
                // Lock the family before the row, in the same order as every family revocation, so a revocation
                // cannot miss the child this rotation is about to insert.
                guard let family = try await db.raw("SELECT family_id FROM refresh_tokens WHERE token_hash = \(bind: tokenHash)").first() else {
                    return .notFound
                }
                try await AdvisoryLock.refreshFamily(try family.decode(column: "family_id", as: String.self)).acquire(in: db)
            }
            let lock = engine == .postgres ? " FOR UPDATE" : ""
            guard let row = try await db.raw(SQLQueryString("SELECT * FROM refresh_tokens WHERE token_hash = ") + "\(bind: tokenHash)" + SQLQueryString(lock)).first() else {
                return .notFound
            }
            let token = try Self.decode(row)
            var successorUsed = false
            // Only a rotated token can have a used successor: the common case, a current token, skips this query.
            if token.rotatedAt != nil {
                successorUsed = try await db.raw("""
                    SELECT 1 AS used FROM refresh_tokens WHERE parent_hash = \(bind: tokenHash) AND rotated_at IS NOT NULL
                    """).first() != nil
            }
            switch RefreshTokenFamily.decide(token, clientID: clientID, now: now, graceSeconds: graceSeconds, successorUsed: successorUsed) {
            case .reject(let outcome):
                return outcome
            case .revokeFamily:
                try await Self.revokeFamily(token.familyID, now: now, in: db)
                return .reuseDetected
            case .rotate(let asGrace):
                // A refused request (a widened scope) throws here, before anything is written.
                let next = try makeNext(token)
                if asGrace {
                    try await db.raw("UPDATE refresh_tokens SET grace_used = \(bind: true) WHERE token_hash = \(bind: tokenHash)").run()
                } else {
                    try await db.raw("UPDATE refresh_tokens SET rotated_at = \(bind: now) WHERE token_hash = \(bind: tokenHash)").run()
                    try await Self.retireSiblings(of: token, now: now, in: db)
                }
                try await Self.insert(next, into: db)
                return .rotated(previous: token, next: next)
            }
        }
    }

    public func revokeFamily(tokenHash: String, clientID: String, now: Int64) async throws -> FamilyRevocation {
        try await database.withTransaction { db in
            guard let row = try await db.raw("SELECT * FROM refresh_tokens WHERE token_hash = \(bind: tokenHash)").first() else {
                return .notFound
            }
            let token = try Self.decode(row)
            guard token.clientID == clientID else { return .otherClient }
            guard token.revokedAt == nil else { return .revoked }
            if database.engine == .postgres { try await AdvisoryLock.refreshFamily(token.familyID).acquire(in: db) }
            try await Self.revokeFamily(token.familyID, now: now, in: db)
            return .revoked
        }
    }

    public func revokeFamilies(originCodeHash: String, now: Int64) async throws {
        try await revokeFamilies(matching: "origin_code_hash = \(bind: originCodeHash)", now: now)
    }

    public func revokeAll(userID: String, now: Int64) async throws {
        try await revokeFamilies(matching: "user_id = \(bind: userID)", now: now)
    }

    public func revokeAll(userID: String, clientID: String, now: Int64) async throws {
        try await revokeFamilies(matching: "user_id = \(bind: userID) AND client_id = \(bind: clientID)", now: now)
    }

    public func revokeAll(clientID: String, now: Int64) async throws {
        try await revokeFamilies(matching: "client_id = \(bind: clientID)", now: now)
    }

    /// Revokes every family with a token matching `condition`, whole.
    ///
    /// On PostgreSQL the families are locked first (in one order, so two bulk revocations cannot deadlock), as a
    /// rotation locks its family: without the lock, an `UPDATE` that waited on a row a rotation held would resume
    /// without seeing the successor that rotation inserted, and that successor — and its access token — would
    /// escape the revocation. SQLite's write lock already serializes the two.
    func revokeFamilies(matching condition: SQLQueryString, now: Int64) async throws {
        let engine = database.engine
        try await database.withTransaction { db in
            if engine == .postgres {
                let families = try await db.raw(
                    "SELECT DISTINCT family_id FROM refresh_tokens WHERE " + condition + " ORDER BY family_id"
                ).all().map { try $0.decode(column: "family_id", as: String.self) }
                for family in families {
                    try await AdvisoryLock.refreshFamily(family).acquire(in: db)
                }
            }
            try await Self.revoke(
                where: "family_id IN (SELECT family_id FROM refresh_tokens WHERE " + condition + ")", now: now, in: db
            )
        }
    }

    /// A rotated row is deleted only while its family is not revoked: a revoked one stays its day, so its reuse is
    /// reported as revoked; a token past its own end stays as long, for the same reason. Deleting a rotated row leaves its successor's `parent_hash` pointing at nothing, which
    /// nothing needs: siblings find each other by that value, not by the parent's row.
    public func prune(now: Int64, revokedBefore: Int64, rotatedBefore: Int64, limit: Int) async throws -> Int {
        try await database.deleteInBatches(
            from: "refresh_tokens", key: "token_hash",
            where: """
                family_expires_at <= \(bind: now) OR expires_at < \(bind: revokedBefore) OR revoked_at < \(bind: revokedBefore)
                OR (revoked_at IS NULL AND rotated_at < \(bind: rotatedBefore))
                """,
            limit: limit
        )
    }

    /// A grace duplicate leaves two children of one token. When one of them is rotated, the others are marked
    /// rotated with their grace spent, so presenting one later is reuse and revokes the family: at most one branch
    /// stays live, and a thief's branch is detected as soon as either side moves on.
    static func retireSiblings(of token: RefreshTokenRecord, now: Int64, in db: any SQLDatabase) async throws {
        guard let parent = token.parentHash else { return }
        try await db.raw("""
            UPDATE refresh_tokens SET rotated_at = \(bind: now), grace_used = \(bind: true)
            WHERE parent_hash = \(bind: parent) AND token_hash <> \(bind: token.tokenHash) AND rotated_at IS NULL
            """).run()
    }

    static func revokeFamily(_ familyID: String, now: Int64, in db: any SQLDatabase) async throws {
        try await revoke(where: "family_id = \(bind: familyID)", now: now, in: db)
    }

    /// Revokes the refresh tokens matching `condition` and, by jti, the unexpired access tokens issued with them.
    static func revoke(where condition: SQLQueryString, now: Int64, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO revoked_access_tokens (token_id, expires_at, revoked_at)
            SELECT access_token_id, access_token_expires_at, \(bind: now) FROM refresh_tokens
            WHERE access_token_id IS NOT NULL AND access_token_expires_at > \(bind: now) AND revoked_at IS NULL AND \(condition)
            ON CONFLICT (token_id) DO NOTHING
            """).run()
        try await db.raw("UPDATE refresh_tokens SET revoked_at = \(bind: now) WHERE revoked_at IS NULL AND \(condition)").run()
    }

    static func insert(_ token: RefreshTokenRecord, into db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, scope, audience, auth_time, origin_code_hash,
                created_at, expires_at, family_expires_at, rotated_at, grace_used, revoked_at, access_token_id, access_token_expires_at,
                parent_hash)
            VALUES (\(bind: token.tokenHash), \(bind: token.familyID), \(bind: token.clientID), \(bind: token.userID),
                \(bind: token.scopes.joined(separator: " ")), \(bind: token.audience.joined(separator: " ")), \(bind: token.authTime),
                \(bind: token.originCodeHash), \(bind: token.createdAt), \(bind: token.expiresAt), \(bind: token.familyExpiresAt),
                \(bind: token.rotatedAt), \(bind: token.graceUsed), \(bind: token.revokedAt), \(bind: token.accessTokenID),
                \(bind: token.accessTokenExpiresAt), \(bind: token.parentHash))
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
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self),
            accessTokenID: try row.decode(column: "access_token_id", as: String?.self),
            accessTokenExpiresAt: try row.decode(column: "access_token_expires_at", as: Int64?.self),
            parentHash: try row.decode(column: "parent_hash", as: String?.self)
        )
    }
}
