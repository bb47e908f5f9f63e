public import LatchkeyCore
import SQLKit

/// `UserStore` over SQL.
public struct SQLUserStore: UserStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func create(_ user: User) async throws {
        try await database.withTransaction { db in
            guard try await db.raw("SELECT user_id FROM users WHERE username = \(bind: user.username)").first() == nil else {
                throw UserError.exists(user.username)
            }
            try await db.raw("""
                INSERT INTO users (user_id, username, password_hash, disabled, created_at, updated_at)
                VALUES (\(bind: user.id), \(bind: user.username), \(bind: user.passwordHash), \(bind: user.disabled),
                        \(bind: user.createdAt), \(bind: user.updatedAt))
                """).run()
        }
    }

    public func user(id: String) async throws -> User? {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM users WHERE user_id = \(bind: id)").first()
        }.map(Self.decode)
    }

    public func user(username: String) async throws -> User? {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM users WHERE username = \(bind: username)").first()
        }.map(Self.decode)
    }

    public func list() async throws -> [User] {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM users ORDER BY username").all()
        }.map(Self.decode)
    }

    public func setDisabled(username: String, _ disabled: Bool, now: Int64) async throws -> Bool {
        try await database.withSession { db in
            try await !db.raw("""
                UPDATE users SET disabled = \(bind: disabled), updated_at = \(bind: now) WHERE username = \(bind: username) RETURNING user_id
                """).all().isEmpty
        }
    }

    public func setPasswordHash(username: String, _ hash: String, now: Int64) async throws -> Bool {
        try await database.withSession { db in
            try await !db.raw("""
                UPDATE users SET password_hash = \(bind: hash), updated_at = \(bind: now) WHERE username = \(bind: username) RETURNING user_id
                """).all().isEmpty
        }
    }

    static func decode(_ row: any SQLRow) throws -> User {
        User(
            id: try row.decode(column: "user_id", as: String.self),
            username: try row.decode(column: "username", as: String.self),
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            disabled: try row.decode(column: "disabled", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self)
        )
    }
}
