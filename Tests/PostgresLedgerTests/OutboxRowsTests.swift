import Foundation
import Ledger
import PostgresNIO
import Testing
import UnpaidCore
@testable import PostgresLedger
@testable import SQLiteLedger

/// The in-transaction pieces the snapshot's recording uses: alert states and the enqueue,
/// each compared with what SQLite does with the same input.
@Suite struct OutboxRowsTests {
    @Test func alertStatesAreReadAndUpsertedAsOnSQLite() async throws {
        try await OutboxTwin.with { twin in
            let snapshot = twin.snapshots[0].id.rawValue
            let writes = [OutboxSamples.state("grew", snapshotID: snapshot),
                          OutboxSamples.state("stale", snapshotID: nil),
                          OutboxSamples.state("grew", snapshotID: twin.snapshots[1].id.rawValue, status: .resolved, notifiedAt: 2_000),
                          AlertState(identity: AlertIdentity(rule: "grew", job: "daily", organizationID: 42, currency: "USD"),
                                     status: .firing, firingSince: 5, lastNotifiedAt: 5, lastSnapshotID: snapshot)]
            try twin.writeSQLite { db in
                for state in writes { try SQLiteLedger.upsert(state, in: db) }
            }
            let expected = try twin.readSQLite { db in
                try SQLiteLedger.alertStates(job: "monthly", organizationID: 42, in: db)
            }
            let stored = try await twin.withPostgres { postgres in
                try await postgres.write { connection in
                    for state in writes { try await PostgresAlertRows.upsert(state, on: connection, logger: OutboxTwin.logger) }
                    return try await PostgresAlertRows.states(job: "monthly", organizationID: 42, on: connection,
                                                              logger: OutboxTwin.logger)
                }
            }
            #expect(stored == expected)
            #expect(stored.count == 2, "the second write of grew replaced the first; daily is another series")
            #expect(stored.first { $0.identity.rule == "grew" }?.status == .resolved)
        }
    }

    @Test func enqueueAddsARowOnceWithTheChainHeadAndTheRunAsOnSQLite() async throws {
        try await OutboxTwin.with { twin in
            let snapshot = twin.snapshots[1]
            let states = [OutboxSamples.state("grew", snapshotID: snapshot.id.rawValue),
                          OutboxSamples.state("stale", snapshotID: nil)]
            let change = OutboxSamples.notification("msg_change", snapshotID: snapshot.id.rawValue)
            let pipeline = OutboxSamples.notification("msg_stale", rule: "stale", snapshotID: nil)
            // Queued twice to one target, once to another; the pipeline alert once without
            // a run, once with the run given.
            let queue: [(PlannedDelivery, RunID?)] = [
                (PlannedDelivery(notification: change, target: "ops"), nil),
                (PlannedDelivery(notification: change, target: "ops"), nil),
                (PlannedDelivery(notification: change, target: "finance"), nil),
                (PlannedDelivery(notification: pipeline, target: "ops"), nil),
                (PlannedDelivery(notification: pipeline, target: "finance"), twin.running),
            ]
            try twin.writeSQLite { db in for state in states { try SQLiteLedger.upsert(state, in: db) } }
            let sqliteAdded = try queue.map { try twin.enqueueOnSQLite($0.0, at: 1_000, runID: $0.1) }
            let sqliteRows = try twin.sqliteDeliveries()

            let (added, rows, head) = try await twin.withPostgres { postgres in
                let added = try await postgres.write { connection in
                    for state in states { try await PostgresAlertRows.upsert(state, on: connection, logger: OutboxTwin.logger) }
                    var added: [Bool] = []
                    for (delivery, runID) in queue {
                        added.append(try await PostgresOutboxRows.enqueue(delivery, at: 1_000, runID: runID, on: connection,
                                                                          logger: OutboxTwin.logger))
                    }
                    return added
                }
                let rows = try await postgres.read { connection in
                    try await PostgresLedger.rows("SELECT run_id, notification_json FROM outbox ORDER BY id DESC",
                                                  on: connection, logger: OutboxTwin.logger).map {
                        (runID: try $0.value("run_id", as: Int64?.self), json: try $0.value("notification_json", as: String.self))
                    }
                }
                return (added, rows, try await postgres.chainHead())
            }
            #expect(added == [true, false, true, true, true])
            #expect(added == sqliteAdded)
            #expect(rows.count == sqliteRows.count)
            for (row, reference) in zip(rows, sqliteRows) {
                let stored = try LedgerJSON.decode(AlertNotification.self, row.json, table: "outbox", rowID: 0,
                                                   column: "notification_json")
                #expect(stored == reference.notification)
                #expect(stored.chainHead == head && head != nil)
                #expect(row.runID == reference.runID?.rawValue)
            }
            #expect(sqliteRows.map(\.runID) == [twin.running, nil, snapshot.runID, snapshot.runID],
                    "newest first: a given run, none for the clock's alert, else the snapshot's run")
        }
    }
}
