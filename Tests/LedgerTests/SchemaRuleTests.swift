import Foundation
import Testing
import Ledger
import LedgerTestSupport

/// The rows no backend's schema takes, whoever writes them: each rule is the backend's own
/// (CHECK, key, trigger), the expectation is one.
@Suite struct SchemaRuleTests {
    static let snapshotColumns = """
        run_id, series_id, period_start, period_end, period_label, fetched_at_ms, file_name, file_size, sha256,
        archive_path, row_count
        """
    static let goodSHA = String(repeating: "ab", count: 32)

    static let refused: [(reason: String, sql: String)] = [
        ("unknown run status", "INSERT INTO run (job, started_at_ms, status) VALUES ('j', 0, 'done')"),
        ("finished but running", "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 0, 1, 'running')"),
        ("finished before start", "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 5, 1, 'failed')"),
        ("end before start", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 10, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', 0)"),
        ("negative size", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', -1, '\(goodSHA)', 'a', 0)"),
        ("short sha256", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, 'abc', 'a', 0)"),
        ("uppercase sha256",
         "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA.uppercased())', 'a', 0)"),
        ("negative row count", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', -3)"),
        ("unknown run", "INSERT INTO snapshot (\(snapshotColumns)) VALUES (99, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', 0)"),
        ("second snapshot of a series in one run",
         "INSERT INTO snapshot (\(snapshotColumns)) VALUES (1, 1, 1, 10, 'l', 0, 'f', 1, '\(goodSHA)', 'a', 0)"),
        ("zero count total", "INSERT INTO snapshot_total VALUES (1, 'EUR', 0, '0')"),
        ("duplicate currency total", "INSERT INTO snapshot_total VALUES (1, 'USD', 1, '1')"),
        ("editing a snapshot", "UPDATE snapshot SET file_size = 2"),
        ("deleting a total", "DELETE FROM snapshot_total"),
        ("renaming an order", "UPDATE order_interval SET order_no = 'B'"),
        ("closing before opening", "UPDATE order_interval SET closed_by_snapshot_id = 1"),
        ("second open interval", """
            INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
            VALUES (1, 'A', 'USD', '2', 1)
            """),
        ("unfinishing a run", "UPDATE run SET status = 'running', finished_at_ms = NULL"),
    ]

    @Test(arguments: LedgerBackend.allCases)
    func badRowsAreRefusedAndTheSameRowsDoneRightAreTaken(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            for badDecimal in ["1.", ".5", "01", "-0", "-0.00", "1e3", "1,5", "--1", "1-", "1.2.3", "", " 1", "NaN"] {
                await #expect(throws: SchemaRefusal.self, "total \(badDecimal)") {
                    try await fixture.executeBehindTheLedger("INSERT INTO snapshot_total VALUES (1, 'EUR', 1, '\(badDecimal)')")
                }
            }
            // The amounts every backend refuses; SQLite checks order amounts more cheaply
            // (characters, last digit) and Money validates them on read.
            for badAmount in ["1.", "1e3", "1,5", "", " 1", "NaN", "12 USD"] {
                await #expect(throws: SchemaRefusal.self, "amount \(badAmount)") {
                    try await fixture.executeBehindTheLedger("""
                        INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                        VALUES (1, 'Z', 'EUR', '\(badAmount)', 1)
                        """)
                }
            }
            for (reason, sql) in Self.refused {
                await #expect(throws: SchemaRefusal.self, "\(reason)") { try await fixture.executeBehindTheLedger(sql) }
            }
            // The same statements with good values pass, so the refusals above are the rules.
            for good in ["0", "0.00", "-1.5", "10", "123.4560", "0.000001"] {
                try await fixture.executeBehindTheLedger("INSERT INTO snapshot_total VALUES (1, 'X\(good)', 1, '\(good)')")
            }
            try await fixture.executeBehindTheLedger("""
                INSERT INTO order_interval (series_id, order_no, currency, amount_text, first_snapshot_id)
                VALUES (1, 'Z', 'EUR', '1.50', 1)
                """)
            try await fixture.executeBehindTheLedger(
                "INSERT INTO run (job, started_at_ms, finished_at_ms, status) VALUES ('j', 1, 5, 'failed')")
        }
    }
}
