import Foundation
import NIOCore
import SQLiteNIO
import VaporCSQLite

/// One `sqlite3*` handle, used synchronously on the one thread that owns it (see `SQLiteConnections`).
///
/// This calls the SQLite that SQLiteNIO vendors (its `VaporCSQLite` module, symbols prefixed `sqlite_nio_`)
/// directly instead of through `SQLiteConnection`, which sends every statement to a thread pool and its result
/// back to an event loop: on 2 busy cores those two hand-offs cost ~300 µs per statement while the single writer
/// connection was held, which capped rotation at ~1,300/s. Here a statement costs what SQLite costs. Prepared
/// statements are cached by their SQL text.
final class SQLiteHandle: @unchecked Sendable {
    // Invariant for @unchecked: every method is called only by the holder of this handle's `ConnectionLock`,
    // on the handle's own event loop thread, so the pointer and the cache are never touched concurrently.
    let db: OpaquePointer
    var statements: [String: OpaquePointer] = [:]
    let cacheLimit = 256

    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw DatabaseUnavailable(reason: "could not open the SQLite database at \(path): \(message)")
        }
        self.db = handle
    }

    /// Runs one statement, calling `onRow` for each result row.
    func run(_ sql: String, _ binds: [SQLiteData], onRow: (SQLiteResultRow) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), in: statement), sql)
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        var names: [String]?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { try check(status, sql); return }
            let columns = names ?? (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
            names = columns
            var values: [SQLiteData] = []
            values.reserveCapacity(Int(count))
            for index in 0..<count { values.append(column(index, of: statement)) }
            try onRow(SQLiteResultRow(names: columns, values: values))
        }
    }

    func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        try check(sqlite_nio_sqlite3_prepare_v2(db, sql, -1, &statement, nil), sql)
        guard let statement else { throw DatabaseError("SQLite prepared nothing for: \(sql.prefix(80))") }
        if statements.count >= cacheLimit {
            for cached in statements.values { sqlite_nio_sqlite3_finalize(cached) }
            statements.removeAll(keepingCapacity: true)
        }
        statements[sql] = statement
        return statement
    }

    func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let integer):
            return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double):
            return sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .text(let text):
            // With its byte length: a NUL inside the text must not end it.
            let bytes = Array(text.utf8)
            // An empty buffer may have no base address, and SQLite reads a NULL pointer as SQL NULL.
            guard !bytes.isEmpty else { return sqlite_nio_sqlite3_bind_text(statement, index, "", 0, Self.transient) }
            return bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    sqlite_nio_sqlite3_bind_text64(statement, index, chars.baseAddress, UInt64(chars.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let buffer):
            guard buffer.readableBytes > 0 else { return sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0) }
            return buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress, UInt64(bytes.count), Self.transient)
            }
        case .null:
            return sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    func column(_ index: Int32, of statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(SQLiteInt64(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT:
            return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, index) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default:
            return .null
        }
    }

    func check(_ status: Int32, _ sql: String) throws {
        guard status != SQLITE_OK, status != SQLITE_ROW, status != SQLITE_DONE else { return }
        let message = String(cString: sqlite_nio_sqlite3_errmsg(db))
        throw SQLiteStatementError(code: status, message: message)
    }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements.removeAll()
        sqlite_nio_sqlite3_close_v2(db)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bound bytes (the C macro does not import).
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// An error SQLite reported for a statement (its primary result code and message; never the bound values).
struct SQLiteStatementError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    var description: String { "SQLite error \(code): \(message)" }

    /// `SQLITE_BUSY`: another connection holds the lock this statement needs.
    var isBusy: Bool { code == SQLITE_BUSY }
}
