import Foundation
import Testing
@testable import PostgresLedger

/// Each rule of the ledger, proved against the real server: what was recorded cannot be
/// rewritten or removed, and only the transitions the daemon makes are allowed.
@Suite struct PostgresSchemaTests {
    @Test func recordedSnapshotsAndTotalsCannotBeRewrittenOrRemoved() async throws {
        let history = try await SchemaHistory.make()
        await history.expectRefused("UPDATE snapshot_total SET sum_text = '0.01' WHERE snapshot_id = 1",
                                    table: "snapshot_total", saying: "append-only")
        await history.expectRefused("DELETE FROM snapshot_total", table: "snapshot_total", saying: "never deleted")
        await history.expectRefused("UPDATE snapshot SET row_count = 2 WHERE id = 1", table: "snapshot", saying: "append-only")
        await history.expectRefused("DELETE FROM snapshot WHERE id = 2", table: "snapshot", saying: "never deleted")
        await history.expectRefused("TRUNCATE snapshot_total", table: "snapshot_total", saying: "never deleted")
        await history.expectRefused("TRUNCATE order_interval", table: "order_interval", saying: "never deleted")
        await history.expectRefused("UPDATE series SET organization_id = 7 WHERE id = 1", table: "series", saying: "append-only")
        #expect(try await history.strings("SELECT sum_text FROM snapshot_total ORDER BY snapshot_id") == ["12.50", "3"])
    }

    @Test(arguments: ["007", "1.", ".5", "+1", "1e3", "-0", "-0.00", "1,5", " 1", "1 ", "", "--1", "1.2.3", "NaN"])
    func aNonCanonicalAmountIsRefused(_ text: String) async throws {
        let history = try await SchemaHistory.make()
        await history.expectRefused("INSERT INTO snapshot_total VALUES (1, 'EUR', 1, '\(text)')",
                                    table: "snapshot_total", saying: "check constraint")
        await history.expectRefused("""
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, 'ORD-X', 'CNY', '\(text)', 1)
            """, table: "order_interval", saying: "check constraint")
    }

    @Test func canonicalAmountsReadBackByteForByte() async throws {
        let history = try await SchemaHistory.make()
        let amounts = ["0", "0.00", "-1.50", "7", "12345678901234567890.123456789012345678", "-0.000001", "100.10"]
        try await history.execute(amounts.enumerated().map { index, text in
            """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, 'AMT-\(index)', 'CNY', '\(text)', 1)
            """
        })
        #expect(try await history.strings("SELECT amount_text FROM order_interval WHERE order_no LIKE 'AMT-%' ORDER BY order_no")
            == amounts)
    }

    @Test func anIntervalClosesOnceAndOnlyBySnapshotOfItsSeries() async throws {
        let history = try await SchemaHistory.make()
        try await history.execute(SchemaHistory.laterSnapshot)
        await history.expectRefused("UPDATE order_interval SET closed_by_snapshot_id = 2 WHERE order_no = 'ORD-1'",
                                    table: "order_interval", saying: "closed, once, by a snapshot of its series")
        await history.expectRefused("UPDATE order_interval SET amount_text = '1' WHERE order_no = 'ORD-1'",
                                    table: "order_interval", saying: "can only be closed")
        try await history.execute(["UPDATE order_interval SET closed_by_snapshot_id = 3 WHERE order_no = 'ORD-1'"])
        await history.expectRefused("UPDATE order_interval SET closed_by_snapshot_id = 4 WHERE order_no = 'ORD-1'",
                                    table: "order_interval", saying: "closed, once")
        await history.expectRefused("DELETE FROM order_interval WHERE order_no = 'ORD-1'",
                                    table: "order_interval", saying: "never deleted")
        #expect(try await history.strings("SELECT closed_by_snapshot_id::text FROM order_interval WHERE order_no = 'ORD-1'") == ["3"])
    }

    @Test func anIntervalStartsAndEndsAtSnapshotsOfItsSeries() async throws {
        let history = try await SchemaHistory.make()
        await history.expectRefused("""
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, 'ORD-2', 'CNY', '1', 2)
            """, table: "order_interval", saying: "not a snapshot of that series")
        await history.expectRefused("""
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id, closed_by_snapshot_id)
            VALUES (1, 'ORD-3', 'CNY', '1', 1, 99)
            """, table: "order_interval", saying: "ORD-3")
        await history.expectRefused("""
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, 'ORD-1', 'CNY', '1', 1)
            """, table: "order_interval", saying: "duplicate key")
    }

    @Test func aRunFinishesOnceAndIsNeverDeleted() async throws {
        let history = try await SchemaHistory.make()
        await history.expectRefused("UPDATE run SET status = 'succeeded' WHERE id = 1", table: "run", saying: "check constraint")
        try await history.execute(["UPDATE run SET status = 'succeeded', finished_at_ms = 2000 WHERE id = 1"])
        await history.expectRefused("UPDATE run SET status = 'failed', error = 'late' WHERE id = 1",
                                    table: "run", saying: "a run can only be finished, once")
        await history.expectRefused("DELETE FROM run", table: "run", saying: "never deleted")
        await history.expectRefused("""
            INSERT INTO run (id, job, started_at_ms, finished_at_ms, status) VALUES (2, 'monthly', 1, 2, 'interrupted')
            """, table: "run", saying: "check constraint")
    }

    @Test func theChainOnlyExtendsItsHead() async throws {
        let history = try await SchemaHistory.make()
        let (zero, a, b) = (SchemaHistory.hash0, SchemaHistory.hashA, SchemaHistory.hashB)
        await history.expectRefused("INSERT INTO snapshot_chain VALUES (1, '\(a)', '\(a)')",
                                    table: "snapshot_chain", saying: "extends the head")
        try await history.execute(["INSERT INTO snapshot_chain VALUES (2, '\(zero)', '\(a)')"])
        await history.expectRefused("INSERT INTO snapshot_chain VALUES (1, '\(a)', '\(b)')",
                                    table: "snapshot_chain", saying: "a newer snapshot")
        await history.expectRefused("UPDATE snapshot_chain SET chain_hash = '\(b)'", table: "snapshot_chain", saying: "append-only")
        await history.expectRefused("DELETE FROM snapshot_chain", table: "snapshot_chain", saying: "never deleted")
    }

    @Test func anOutboxRowMovesOnButAFinishedOneStaysExceptARecordedRequeue() async throws {
        let history = try await SchemaHistory.make()
        try await history.execute([
            """
            INSERT INTO alert_state VALUES ('k', 'total-above', 'monthly', 42, 'CNY', 'firing', 10, 10, NULL, 1)
            """,
            """
            INSERT INTO outbox (id, message_id, target, identity_key, kind, snapshot_id, notification_json, created_at,
                                next_attempt_at, run_id)
            VALUES (1, 'm1', 'ops', 'k', 'firing', 1, '{"a":1}', 10, 10, 1),
                   (2, 'm2', 'ops', 'k', 'firing', 1, '{"a":2}', 10, 10, 1)
            """,
            "UPDATE outbox SET attempts = 1, next_attempt_at = 20, last_error = 'HTTP 503' WHERE id = 1",
            "UPDATE outbox SET status = 'delivered', attempts = 2, finished_at = 30 WHERE id = 1",
            "UPDATE outbox SET status = 'dead', attempts = 1, finished_at = 40, last_error = 'HTTP 410' WHERE id = 2",
        ])
        await history.expectRefused("UPDATE outbox SET next_attempt_at = 99 WHERE id = 1",
                                    table: "outbox", saying: "a finished outbox row cannot change")
        await history.expectRefused("UPDATE outbox SET status = 'pending', finished_at = NULL, requeued_at = 50 WHERE id = 2",
                                    table: "outbox", saying: "only a dead one can be requeued")
        await history.expectRefused("UPDATE outbox SET run_id = NULL WHERE id = 2", table: "outbox", saying: "run cannot change")
        await history.expectRefused("""
            INSERT INTO outbox (id, message_id, target, identity_key, kind, notification_json, created_at, next_attempt_at)
            VALUES (3, 'm3', 'ops', 'k', 'firing', '{not json', 10, 10)
            """, table: "outbox", saying: "check constraint")
        try await history.execute([
            "INSERT INTO outbox_requeue VALUES (2, 50, 40, 1, 'HTTP 410')",
            "UPDATE outbox SET status = 'pending', finished_at = NULL, next_attempt_at = 50, requeued_at = 50 WHERE id = 2",
        ])
        await history.expectRefused("DELETE FROM outbox", table: "outbox", saying: "never deleted")
        #expect(try await history.strings("SELECT status FROM outbox ORDER BY id") == ["delivered", "pending"])
    }

    @Test func orderNumbersSortInByteOrderWhateverTheDatabaseCollation() async throws {
        let history = try await SchemaHistory.make()
        let numbers = ["b-2", "B-1", "a-10", "a-9", "Z", "é", "_x"]
        try await history.execute(numbers.map { number in
            """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, '\(number)', 'CNY', '1', 1)
            """
        })
        let sorted = try await history.strings("SELECT order_no FROM order_interval WHERE series_id = 1 ORDER BY order_no")
        #expect(sorted == (numbers + ["ORD-1"]).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func theAuditViewsReadLikeSQLites() async throws {
        let history = try await SchemaHistory.make()
        try await history.execute(SchemaHistory.laterSnapshot
            + ["UPDATE order_interval SET closed_by_snapshot_id = 3 WHERE order_no = 'ORD-1'"])
        #expect(try await history.strings("""
            SELECT concat_ws('|', snapshot_id, job, organization_id, fetched_at, coalesce(currency, ''), order_count, sum_text)
            FROM audit_snapshot_total ORDER BY snapshot_id
            """) == [
                "1|monthly|42|2026-10-26T07:34:20Z|CNY|1|12.50",
                "2|monthly|43|2026-10-26T07:35:20Z|USD|1|3",
                "3|monthly|42|2026-10-26T07:36:20Z||0|0",
            ])
        #expect(try await history.strings("SELECT concat_ws('|', snapshot_id, order_no, amount_text) FROM audit_snapshot_order ORDER BY 1")
            == ["1|ORD-1|12.50", "2|ORD-9|3"])
        #expect(try await history.strings("""
            SELECT concat_ws('|', order_no, from_snapshot_id, coalesce(until_snapshot_id::text, 'open'), until_fetched_at)
            FROM audit_order_timeline ORDER BY order_no
            """) == ["ORD-1|1|3|2026-10-26T07:36:20Z", "ORD-9|2|open"])
    }

    @Test func stateTablesTakeTheDaemonsUpserts() async throws {
        let history = try await SchemaHistory.make()
        try await history.execute([
            "INSERT INTO job_fire VALUES ('monthly', 1) ON CONFLICT (job) DO UPDATE SET scheduled_at_ms = excluded.scheduled_at_ms",
            "INSERT INTO job_fire VALUES ('monthly', 2) ON CONFLICT (job) DO UPDATE SET scheduled_at_ms = excluded.scheduled_at_ms",
            "INSERT INTO target_state VALUES ('ops', 5, 'HTTP 410')",
            "DELETE FROM target_state WHERE target = 'ops'",
        ])
        #expect(try await history.strings("SELECT scheduled_at_ms::text FROM job_fire") == ["2"])
        #expect(try await history.strings("SELECT target FROM target_state").isEmpty)
    }

    @Test func copiedIdsAreKeptAndNewRowsNumberAfterThem() async throws {
        let history = try await SchemaHistory.make()
        try await history.withLedger { ledger in
            try await ledger.write { connection in
                try await PostgresLedger.advanceIdentities(on: connection, logger: SchemaHistory.logger)
                _ = try await connection.query("INSERT INTO run (job, started_at_ms, status) VALUES ('monthly', 5, 'running')",
                                               logger: SchemaHistory.logger)
                _ = try await connection.query("INSERT INTO series (job, organization_id) VALUES ('monthly', 44)",
                                               logger: SchemaHistory.logger)
            }
        }
        #expect(try await history.strings("SELECT id::text FROM run ORDER BY id") == ["1", "2"])
        #expect(try await history.strings("SELECT id::text FROM series ORDER BY id") == ["1", "2", "3"])
    }
}
