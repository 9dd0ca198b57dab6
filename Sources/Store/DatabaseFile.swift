import Foundation
import SQLiteDatabase
import Synchronization

/// Opening the exporter's database file: shared by the run store and the series store, which
/// each hold their own connection to it.
package enum DatabaseFile {
    /// How many quick checks this process ran on the file at `path` (for tests: one per start).
    package static func quickChecks(of path: String) -> Int { quickChecks.withLock { $0[path] ?? 0 } }
    private static let quickChecks = Mutex<[String: Int]>([:])

    /// Opens (or creates) the file at `path` in WAL mode and migrates its schema forward.
    ///
    /// An existing file is never recreated: one that is not a database, fails the quick
    /// integrity check, or was written by a newer schema is refused with an error naming it.
    /// The quick check reads the whole file (seconds for a large one from a cold disk): the
    /// daemon asks for it (`verify`) on one connection per start, not on each, nor on SIGHUP.
    package static func open(path: String, verify: Bool = true) throws -> SQLiteConnection {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw StoreError(code: .cannotOpen, path: path, message: "directory \(directory) does not exist")
        }
        let connection = try SQLiteConnection(path: path, create: true)
        do {
            _ = try connection.scalar("PRAGMA schema_version")
        } catch let error as StoreError where error.code == .notADatabase || error.code == .corrupt {
            throw StoreError(
                code: error.code, path: path,
                message: "not a valid SQLite database (\(error.message)); refusing to touch it")
        }
        if verify {
            quickChecks.withLock { $0[path, default: 0] += 1 }
            if let verdict = try connection.text("PRAGMA quick_check(1)"), verdict != "ok" {
                throw StoreError(code: .corrupt, path: path, message: "integrity check failed: \(verdict)")
            }
        }
        let version = try connection.scalar("PRAGMA user_version") ?? 0
        if version > Schema.version {
            throw StoreError(
                code: .tooNew, path: path,
                message: "schema version \(version) is newer than this binary supports (\(Schema.version)); upgrade the exporter")
        }
        try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")
        if version < Schema.version {
            try connection.transaction {
                for index in Int(version)..<Schema.migrations.count {
                    try connection.execute(Schema.migrations[index])
                }
                try connection.execute("PRAGMA user_version = \(Schema.version)")
            }
        }
        // A replay interrupted while its index was dropped left it out.
        try connection.execute(Schema.episodesByEnd)
        return connection
    }
}
