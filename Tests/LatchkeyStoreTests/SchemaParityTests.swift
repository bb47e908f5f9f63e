import LatchkeyStore
import SQLKit
import Testing

/// The stores run the same SQL on both engines, so both must end a migration with the same tables and columns.
struct SchemaParityTests {
    /// Table → column → whether it is `NOT NULL`.
    typealias Columns = [String: [String: Bool]]

    /// What the migrations declare, plus the migrator's own table. Update with each migration.
    static let declared: [String: Set<String>] = [
        "latchkey_schema_migrations": ["version", "name", "applied_at"],
        "clients": [
            "client_id", "metadata", "secret_hash", "secret_expires_at", "registration_token_hash", "issued_at", "updated_at", "kind",
            "last_used_at",
        ],
        "signing_keys": [
            "kid", "algorithm", "status", "sealed_private_key", "public_jwk", "created_at", "activated_at", "retired_at", "publish_until",
        ],
        "revoked_access_tokens": ["token_id", "expires_at", "revoked_at"],
        "users": ["user_id", "username", "password_hash", "disabled", "created_at", "updated_at"],
        "authorization_codes": [
            "code_hash", "client_id", "user_id", "redirect_uri", "code_challenge", "scope", "audience", "auth_time", "created_at",
            "expires_at", "redeemed_at", "access_token_id", "access_token_expires_at", "replayed_at", "redirect_uri_provided",
            "offline_access",
        ],
        "refresh_tokens": [
            "token_hash", "family_id", "client_id", "user_id", "scope", "audience", "auth_time", "origin_code_hash", "created_at",
            "expires_at", "family_expires_at", "rotated_at", "grace_used", "revoked_at", "access_token_id", "access_token_expires_at",
            "parent_hash",
        ],
        "sessions": ["id_hash", "user_id", "auth_time", "created_at", "last_seen_at", "expires_at"],
        "consents": [
            "user_id", "client_id", "audience_key", "audience", "scope", "created_at", "updated_at", "offline_access", "redirect_targets",
        ],
        "upstream_credentials": [
            "user_id", "provider_id", "access_token", "refresh_token", "token_type", "scope", "account", "access_token_expires_at",
            "connected_at", "refreshed_at", "status", "last_error", "version", "refresh_lease_owner", "refresh_lease_until",
        ],
        "upstream_flows": ["state_hash", "user_id", "session_hash", "provider_id", "code_verifier", "created_at", "expires_at"],
        "server_secrets": ["name", "sealed_value", "created_at"],
        "client_metadata_documents": ["url", "body", "etag", "last_modified", "fetched_at", "fresh_until", "stale_until", "last_used_at"],
        "client_assertion_jtis": ["client_id", "jti_hash", "expires_at"],
        "audit_events": [
            "seq", "recorded_at", "event", "user_id", "client_id", "address", "request_id", "outcome", "details", "key_version", "mac",
        ],
        "audit_chain": ["id", "head_seq", "head_mac", "anchor_seq", "anchor_mac", "anchor_key_version", "anchor_tag"],
    ]

    @Test("a migrated database has exactly the tables and columns the migrations declare", arguments: TestEngine.available)
    func declaredColumns(engine: TestEngine) async throws {
        let columns = try await Self.migratedColumns(engine)
        #expect(columns.mapValues { Set($0.keys) } == Self.declared)
    }

    @Test(
        "SQLite and PostgreSQL end with the same tables, columns and NOT NULL constraints",
        .enabled(if: TestEngine.available.contains(.postgres))
    )
    func enginesAgree() async throws {
        let sqlite = try await Self.migratedColumns(.sqlite)
        let postgres = try await Self.migratedColumns(.postgres)
        #expect(sqlite == postgres)
    }

    /// Every table but the engine's own (SQLite's `sqlite_*`; on PostgreSQL, only the current schema is listed).
    static func migratedColumns(_ engine: TestEngine) async throws -> Columns {
        try await withTestDatabase(engine) { databases in
            try await databases[0].withSession { db in
                let rows: [any SQLRow]
                switch engine {
                case .sqlite:
                    rows = try await db.raw("""
                        SELECT m.name AS table_name, p.name AS column_name, p."notnull" <> 0 AS not_null
                        FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
                        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                        """).all()
                case .postgres:
                    rows = try await db.raw("""
                        SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text = 'NO' AS not_null
                        FROM information_schema.columns WHERE table_schema = current_schema()
                        """).all()
                }
                var columns: Columns = [:]
                for row in rows {
                    let table = try row.decode(column: "table_name", as: String.self)
                    let column = try row.decode(column: "column_name", as: String.self)
                    columns[table, default: [:]][column] = try row.decode(column: "not_null", as: Bool.self)
                }
                return columns
            }
        }
    }
}
