import Foundation
import GRDB
import Ledger
import Logging
import PostgresLedger
import PostgresNIO
import PostgresTestSupport
import SQLiteLedger
import UnpaidCore

/// SQLite's ChainTests history recorded on the reference backend and copied, ids kept,
/// into a fresh PostgreSQL database; then tampered with on both the same way, by someone
/// holding each database: on SQLite a plain connection with the triggers dropped, on
/// PostgreSQL the server's superuser with triggers off (`session_replication_role`).
///
/// Snapshots: 1–4 and 6 of job monthly (4 is the same file as 3), 5 of job daily; order B
/// changes amount at 2 and currency at 3, D arrives at 2, everything but E leaves at 6.
final class IntegrityTwin {
    let directory: URL
    let sqlitePath: String
    let sqlite: SQLiteLedger
    let location: PostgresLocation
    let environment: [String: String]

    private init(directory: URL, location: PostgresLocation, environment: [String: String]) throws {
        self.directory = directory
        sqlitePath = directory.appendingPathComponent("ledger.sqlite").path
        sqlite = try SQLiteLedger(path: sqlitePath)
        self.location = location
        self.environment = environment
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static func make() async throws -> IntegrityTwin {
        let twin = try IntegrityTwin(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("pg-integrity-\(UUID().uuidString)"),
            location: try await TestPostgresCluster.shared.freshDatabase(),
            environment: try await TestPostgresCluster.shared.environment())
        try twin.recordHistory()
        _ = try await twin.withPostgres { try await $0.copy(from: twin.sqlite) }
        return twin
    }

    func withPostgres<Result>(_ body: (PostgresLedger) async throws -> Result) async throws -> Result {
        try await PostgresLedger.withLedger(location, environment: environment, logger: QueryTwinHistory.logger,
                                            maximumConnections: 2, body)
    }

    /// Runs each statement on both ledgers, behind their backs.
    func tamper(_ statements: [String]) async throws {
        let attacker = try DatabaseQueue(path: sqlitePath)
        try await attacker.write { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            for statement in statements { try db.execute(sql: statement) }
        }
        try attacker.close()
        try await TestPostgresCluster.shared.asAdministrator(database: location.database) { connection in
            _ = try await connection.query("SET session_replication_role = replica", logger: QueryTwinHistory.logger)
            for statement in statements {
                _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: QueryTwinHistory.logger)
            }
        }
    }

    /// Both backends' verification of their ledger.
    func verifyBoth(expectedHead: String? = nil) async throws -> (sqlite: LedgerVerification, postgres: LedgerVerification) {
        let reference = try sqlite.verify(expectedHead: expectedHead)
        return (reference, try await withPostgres { try await $0.verify(expectedHead: expectedHead) })
    }

    private func recordHistory() throws {
        try record([order("A", "10.10"), order("B", "0.20"), order("C", "5", currency: "CNY")], shaSeed: 1, minute: 0)
        try record([order("A", "10.10"), order("B", "0.30"), order("D", "7"), order("C", "5", currency: "CNY")],
                   shaSeed: 2, minute: 10)
        try record([order("A", "10.1"), order("B", "0.30", currency: "CNY"), order("D", "7", product: nil)],
                   shaSeed: 3, minute: 20)
        try record([order("A", "10.1"), order("B", "0.30", currency: "CNY"), order("D", "7", product: nil)],
                   shaSeed: 3, minute: 30)
        try record([order("X", "1")], job: "daily", alerting: false, shaSeed: 9, minute: 35)
        try record([order("E", "-2.5")], shaSeed: 4, minute: 40)
        try sqlite.recordArchiveRemoval(SnapshotID(rawValue: 1), at: QueryTwinHistory.base.addingTimeInterval(3_600),
                                        reason: "retention 400d")
    }

    private func record(_ orders: [UnpaidOrder], job: String = "monthly", alerting: Bool = true, shaSeed: Int,
                        minute: Int) throws {
        let at = QueryTwinHistory.base.addingTimeInterval(Double(minute) * 60)
        let run = try sqlite.startRun(job: job, startedAt: at)
        let snapshot = NewSnapshot(
            runID: run, job: job, organizationID: 42, window: try BillingWindow(start: 1_790_812_800, end: 1_793_491_200),
            periodLabel: "2026-10-01_2026-11-01", fetchedAt: at, fileName: "unpaid-42-\(shaSeed).xlsx",
            fileSize: 1_000 + Int64(shaSeed), sha256: String(repeating: String(format: "%02x", shaSeed), count: 32),
            archivePath: "archive/42/\(shaSeed).xlsx")
        let sorted = orders.sorted { $0.orderNo.utf8.lexicographicallyPrecedes($1.orderNo.utf8) }
        if alerting {
            _ = try sqlite.recordSnapshot(snapshot, orders: sorted) { _ in .nothing(at: 0) }
        } else {
            _ = try sqlite.recordSnapshot(snapshot, orders: sorted)
        }
        try sqlite.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
    }

    func order(_ number: String, _ amount: String, currency: String = "USD", product: String? = "uhost") -> UnpaidOrder {
        UnpaidOrder(orderNo: number, organizationID: 42, currency: currency, totalPrice: try! Money(amount),
                    startTime: 1_791_000_000, productCode: product, resourceID: "uhost-\(number)", modelID: nil)
    }
}

extension LedgerVerification {
    /// Everything verify reports, for comparing the two backends' answers.
    var summary: String {
        """
        snapshots \(snapshots), intervals \(orderIntervals), current \(currentOrders), head \(head.map(\.description) ?? "none"), \
        expected at \(expectedHeadSnapshot.map { String($0.rawValue) } ?? "none")
        \(archivedFiles.map { "\($0)" }.joined(separator: "\n"))
        \(problems.map(\.description).joined(separator: "\n"))
        """
    }
}
