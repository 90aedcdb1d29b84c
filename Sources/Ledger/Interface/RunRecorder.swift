import Foundation
import OrderSpill
import UnpaidCore

/// The pipeline's side of the ledger: runs, snapshots, failures and the scheduler's fires.
public protocol RunRecorder: Sendable {
    func startRun(job: String, startedAt: Date) async throws -> RunID
    /// Ends a running run. `error` says what went wrong for failed and partial runs.
    func finishRun(_ id: RunID, status: RunStatus, error: String?, finishedAt: Date) async throws
    /// Finishes every run still `running` as `interrupted`; only sound when no live process
    /// owns a running run. Returns the runs it finished.
    func interruptRunningRuns(at date: Date, reason: String) async throws -> [RunRecord]

    /// Records a snapshot, its change against the previous one of its series, and the
    /// alert states and outbox rows `alerting` decides, in one transaction.
    /// Records a snapshot and its change, without alert rules.
    @discardableResult
    func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders) async throws -> SnapshotRecord
    func recordSnapshot(_ snapshot: NewSnapshot, orders: SortedOrders,
                        alerting: (AlertingInput) throws -> AlertingPlan) async throws -> AlertedSnapshot
    /// Re-evaluates the alerts of a series without a new snapshot (rules changed on reload).
    @discardableResult
    func recordAlerts(job: String, organizationID: Int64,
                      alerting: ([AlertState]) throws -> AlertingPlan) async throws -> Int
    func recordFailure(_ failure: OrganizationFailure) async throws
    @discardableResult
    func evaluatePipelineAlerts(_ series: [WatchedSeries], now: Int64, runID: RunID?,
                                alerting: (PipelineAlertingInput) throws -> AlertingPlan) async throws -> AlertingPlan
    /// Whether a snapshot already names this archived file.
    func isRecorded(archivePath: String) async throws -> Bool
    func latestSnapshot(job: String, organizationID: Int64) async throws -> SnapshotRecord?

    /// Remembers the last scheduled instant a job fired for, so a restart neither repeats
    /// it nor silently skips a missed one.
    func recordFire(job: String, scheduledAt: Date) async throws
    func lastFire(job: String) async throws -> Date?

    /// Gives back caches after a run; a backend without any does nothing.
    func releaseMemory()
}

extension RunRecorder {
    /// `recordSnapshot` for orders held in memory.
    @discardableResult
    public func recordSnapshot(_ snapshot: NewSnapshot, orders: [UnpaidOrder]) async throws -> SnapshotRecord {
        try await recordSnapshot(snapshot, orders: SortedOrders.of(orders, for: snapshot))
    }

    public func recordSnapshot(_ snapshot: NewSnapshot, orders: [UnpaidOrder],
                               highlighting request: OrderHighlights.Request = .init(limit: 5, cutoffs: []),
                               alerting: (AlertingInput) throws -> AlertingPlan) async throws -> AlertedSnapshot {
        try await recordSnapshot(snapshot, orders: SortedOrders.of(orders, for: snapshot, highlighting: request),
                                 alerting: alerting)
    }

    @discardableResult
    public func evaluatePipelineAlerts(_ series: [WatchedSeries], now: Int64,
                                       alerting: (PipelineAlertingInput) throws -> AlertingPlan) async throws -> AlertingPlan {
        try await evaluatePipelineAlerts(series, now: now, runID: nil, alerting: alerting)
    }
}

extension SortedOrders {
    /// The orders of one snapshot in key order; an order of another organization is refused.
    package static func of(_ orders: [UnpaidOrder], for snapshot: NewSnapshot,
                           highlighting request: OrderHighlights.Request = .none) throws -> SortedOrders {
        if let foreign = orders.first(where: { $0.organizationID != snapshot.organizationID }) {
            throw LedgerError.orderOfOtherOrganization(
                orderNo: foreign.orderNo, orderOrganizationID: foreign.organizationID,
                snapshotOrganizationID: snapshot.organizationID, fileName: snapshot.fileName)
        }
        return try SortedOrders(organizationID: snapshot.organizationID, orders, highlighting: request)
    }
}
