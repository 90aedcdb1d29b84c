import GRDB
import Ledger
import UnpaidCore

extension SQLiteLedger {
    /// Records alert states and outbox rows decided after a snapshot was recorded (the
    /// mismatch rule is decided once the whole run's reconciliations are known), in one
    /// transaction. `alerting` gets the stored alerts of the job and organization.
    /// A delivery already queued (same message id and target) is not queued again.
    /// - Returns: the deliveries actually added.
    @discardableResult
    public func recordAlerts(job: String, organizationID: Int64,
                             alerting: ([AlertState]) throws -> AlertingPlan) throws -> Int {
        try pool.write { db in
            let plan = try alerting(try Self.alertStates(job: job, organizationID: organizationID, in: db))
            for state in plan.states { try Self.upsert(state, in: db) }
            var queued = 0
            for delivery in plan.deliveries {
                queued += try Self.enqueue(delivery, at: plan.now, in: db) ? 1 : 0
            }
            return queued
        }
    }
}
