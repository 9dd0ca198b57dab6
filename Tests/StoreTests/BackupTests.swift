import Foundation
import SQLiteDatabase
import Synchronization
import TestSupport
import Testing

@testable import Store

/// `db backup` beside a daemon that writes all the time.
@Suite struct BackupTests {
    /// Stepped a few pages at a time, an online backup restarts after every write by another
    /// connection: under steady writes it never finished. In one step it does.
    @Test func aBackupFinishesWhileAnotherConnectionWritesWithoutPause() async throws {
        let directory = try Tools.temporaryDirectory()
        let path = directory.appendingPathComponent("busy.db").path
        let setup = try SQLiteConnection(path: path, create: true)
        try setup.execute(
            """
            CREATE TABLE filler (x BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
            INSERT INTO filler SELECT randomblob(4000) FROM n;
            """)
        setup.close()
        let done = Atomic<Bool>(false)
        // Whether the writer stopped on its own: a backup that restarts at every write ends
        // only then.
        let writerGaveUp = Atomic<Bool>(false)
        let writer = Thread {
            guard let connection = try? SQLiteConnection(path: path, create: false) else { return }
            let started = Date()
            while !done.load(ordering: .relaxed) {
                guard Date().timeIntervalSince(started) < 60 else {
                    writerGaveUp.store(true, ordering: .relaxed)
                    break
                }
                try? connection.execute("INSERT INTO filler VALUES (randomblob(100))")
            }
            connection.close()
        }
        writer.start()
        let copy = directory.appendingPathComponent("copy.db").path
        let outcome: Result<Void, any Error> = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { try DatabaseMaintenance(path: path, readOnly: true).backup(to: copy) })
            }.start()
        }
        done.store(true, ordering: .relaxed)
        try outcome.get()
        let outlasted = writerGaveUp.load(ordering: .relaxed)
        #expect(!outlasted, "the backup outlasted the writer")
        #expect(try DatabaseMaintenance(path: copy, readOnly: true).integrityCheck() == ["ok"])
        let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
