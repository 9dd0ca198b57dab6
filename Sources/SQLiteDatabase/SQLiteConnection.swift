import CSQLite
import Foundation

/// One SQLite connection. Not thread-safe: an owner (an actor) serialises use.
package final class SQLiteConnection {
    package let path: String
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens `path`. An existing file is opened as it is and never recreated; a missing file
    /// is created only when `create` is true. WAL, a busy timeout and NORMAL sync are set.
    package init(path: String, create: Bool, readOnly: Bool = false) throws {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create {
            throw StoreError(code: .cannotOpen, path: path, message: "no such file")
        }
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if !exists && create { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        if result != SQLITE_OK {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(result)"
            sqlite3_close_v2(handle)
            handle = nil
            throw StoreError(code: .cannotOpen, path: path, message: "cannot open: \(message)")
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { close() }

    /// How long a statement waits for another connection's lock before failing as busy
    /// (5 s unless set; tests hold a lock for as long as they need).
    package func setBusyTimeout(milliseconds: Int32) {
        if let handle { sqlite3_busy_timeout(handle, milliseconds) }
    }

    /// Finalises statements and closes the file.
    package func close() {
        statements.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// Runs one or more statements without results.
    package func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if result != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? "error \(result)"
            sqlite3_free(errorMessage)
            throw error(result, message)
        }
    }

    /// Prepared statements kept at most: queries built from user input (a selector's filters)
    /// must not grow the cache without bound.
    package static let maxCachedStatements = 200
    package var cachedStatements: Int { statements.count }

    /// A cached prepared statement, reset and with bindings cleared.
    package func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard result == SQLITE_OK, let raw else { throw error(result, lastMessage) }
        let statement = SQLiteStatement(raw: raw, connection: self)
        // Those in use stay alive with their users; the rest are finalized.
        if statements.count >= Self.maxCachedStatements { statements.removeAll() }
        statements[sql] = statement
        return statement
    }

    /// The rowid the latest successful INSERT on this connection gave its row.
    package var lastInsertedRowid: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE), committing on success and rolling
    /// back on any error.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The single integer a query returns, or nil.
    package func scalar(_ sql: String) throws -> Int64? {
        let statement = try self.statement(sql)
        // Reset at once: a statement left mid-result holds a read transaction open.
        defer { statement.reset() }
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    /// The single text a query returns, or nil.
    package func text(_ sql: String) throws -> String? {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }

    /// Copies this database into `target` with the online backup API, in steps of 256 pages,
    /// retrying while the source is busy or locked.
    package func backup(into target: SQLiteConnection) throws {
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.error(sqlite3_errcode(target.handle), target.lastMessage)
        }
        // All pages in one step, under one read transaction: stepped a few pages at a time,
        // the copy restarts after every write by another connection and, under steady
        // writes, never ends.
        var result: Int32
        repeat {
            result = sqlite3_backup_step(backup, -1)
            if result == SQLITE_BUSY || result == SQLITE_LOCKED { sqlite3_sleep(50) }
        } while result == SQLITE_OK || result == SQLITE_BUSY || result == SQLITE_LOCKED
        sqlite3_backup_finish(backup)
        if result != SQLITE_DONE { throw target.error(result, target.lastMessage) }
    }

    package var lastMessage: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection" }

    /// Maps an SQLite result code to a `StoreError` naming this file.
    package func error(_ result: Int32, _ message: String) -> StoreError {
        let code: StoreError.Code
        switch result & 0xff {
        case SQLITE_NOTADB: code = .notADatabase
        case SQLITE_CORRUPT: code = .corrupt
        case SQLITE_READONLY: code = .readOnly
        case SQLITE_FULL: code = .full
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: code = .cannotOpen
        default: code = .sqlite
        }
        return StoreError(code: code, path: path, message: message)
    }
}

/// A prepared statement with typed binding and column access.
package final class SQLiteStatement {
    private let raw: OpaquePointer
    private unowned let connection: SQLiteConnection

    package init(raw: OpaquePointer, connection: SQLiteConnection) {
        self.raw = raw
        self.connection = connection
    }

    deinit { sqlite3_finalize(raw) }

    package func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    /// Binds values to ?1, ?2, … in order.
    package func bind(_ values: SQLiteValue...) throws {
        for (offset, value) in values.enumerated() { try bindOne(Int32(offset + 1), value) }
    }

    /// Binds one value to ?index.
    package func bind(at index: Int32, _ value: SQLiteValue) throws { try bindOne(index, value) }

    /// Advances; true when a row is available.
    @discardableResult
    package func step() throws -> Bool {
        let result = sqlite3_step(raw)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(result, connection.lastMessage)
        }
    }

    /// Steps to completion (for writes).
    package func run(_ values: SQLiteValue...) throws {
        reset()
        for (offset, value) in values.enumerated() { try bindOne(Int32(offset + 1), value) }
        while try step() {}
    }

    /// Binds one number without boxing it, for loops that write many rows.
    package func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(raw, index, value)
    }

    package func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    package func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(raw, index, value) } else { sqlite3_bind_null(raw, index) }
    }

    /// Steps a write bound with `bind(_:_:)` to completion and resets it for the next row.
    package func executeBound() throws {
        let result = sqlite3_step(raw)
        sqlite3_reset(raw)
        if result != SQLITE_DONE && result != SQLITE_ROW { throw connection.error(result, connection.lastMessage) }
    }

    private func bindOne(_ index: Int32, _ value: SQLiteValue) throws {
        let result: Int32
        switch value {
        case .null: result = sqlite3_bind_null(raw, index)
        case .integer(let number): result = sqlite3_bind_int64(raw, index, number)
        case .real(let number): result = sqlite3_bind_double(raw, index, number)
        case .text(let text): result = sqlite3_bind_text(raw, index, text, Int32(text.utf8.count), SQLITE_TRANSIENT)
        }
        if result != SQLITE_OK { throw connection.error(result, connection.lastMessage) }
    }

    package func int(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }

    package func optionalInt(_ column: Int32) -> Int64? {
        sqlite3_column_type(raw, column) == SQLITE_NULL ? nil : sqlite3_column_int64(raw, column)
    }

    package func double(_ column: Int32) -> Double { sqlite3_column_double(raw, column) }

    package func optionalDouble(_ column: Int32) -> Double? {
        sqlite3_column_type(raw, column) == SQLITE_NULL ? nil : sqlite3_column_double(raw, column)
    }

    /// Calls `body` with the column's UTF-8 bytes, without making a String.
    package func withBytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let pointer = sqlite3_column_text(raw, column)
        return body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : Int(sqlite3_column_bytes(raw, column))))
    }

    package func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(raw, column) else { return nil }
        // Read by length: a flow name may contain NUL characters.
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
}

/// A value bound to a statement parameter.
package enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    package static func optional(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
    package static func optional(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
}

/// SQLite's "copy this buffer now" destructor, which the C macro cannot express in Swift.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
