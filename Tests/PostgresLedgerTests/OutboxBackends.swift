import Foundation
import Ledger
import Testing
import UnpaidCore
@testable import PostgresLedger
@testable import SQLiteLedger

/// One backend's outbox over an `OutboxTwin`, and how to queue rows in it as the
/// snapshot's transaction does (states first, then deliveries), until both backends record
/// snapshots with alerting.
struct OutboxUnderTest: Sendable {
    let ledger: any OutboxLedger
    let queue: @Sendable (_ states: [AlertState], _ deliveries: [QueuedDelivery]) async throws -> [Bool]
}

struct QueuedDelivery: Sendable {
    var delivery: PlannedDelivery
    var at: Int64
    var runID: RunID? = nil

    init(_ notification: AlertNotification, to target: String, at: Int64, runID: RunID? = nil) {
        delivery = PlannedDelivery(notification: notification, target: target)
        self.at = at
        self.runID = runID
    }
}

enum OutboxBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    func with<Result>(_ twin: OutboxTwin, _ body: (OutboxUnderTest) async throws -> Result) async throws -> Result {
        switch self {
        case .sqlite:
            return try await body(OutboxUnderTest(ledger: twin.sqlite) { states, deliveries in
                try twin.writeSQLite { db in
                    for state in states { try SQLiteLedger.upsert(state, in: db) }
                    return try deliveries.map { try SQLiteLedger.enqueue($0.delivery, at: $0.at, runID: $0.runID, in: db) }
                }
            })
        case .postgres:
            return try await twin.withPostgres { postgres in
                try await body(OutboxUnderTest(ledger: postgres) { states, deliveries in
                    try await postgres.write { connection in
                        for state in states {
                            try await PostgresAlertRows.upsert(state, on: connection, logger: OutboxTwin.logger)
                        }
                        var added: [Bool] = []
                        for queued in deliveries {
                            added.append(try await PostgresOutboxRows.enqueue(
                                queued.delivery, at: queued.at, runID: queued.runID, on: connection, logger: OutboxTwin.logger))
                        }
                        return added
                    }
                })
            }
        }
    }
}
