import Foundation
import UnpaidCore

/// Finance's questions about the past, each answered exactly from the recorded intervals.
/// Large results come row by row through `body`, in order, never as one array.
public protocol AuditQueries: Sendable {
    func runs(job: String?, status: RunStatus?, since: Date?, limit: Int?) async throws -> [RunRecord]
    func counts() async throws -> LedgerCounts
    func snapshot(_ id: SnapshotID) async throws -> SnapshotRecord
    func previousSnapshot(before id: SnapshotID) async throws -> SnapshotRecord?
    func latestSnapshotOfEverySeries() async throws -> [SnapshotRecord]
    /// The latest snapshot of each matching series at or before `date` (to the second).
    func snapshots(asOf date: Date, organizationID: Int64?, job: String?) async throws -> [SnapshotRecord]
    func orders(at id: SnapshotID) async throws -> [UnpaidOrder]
    func history(organizationID: Int64?, job: String?, since: Date?, until: Date?,
                 limit: Int?) async throws -> [HistoryLine]
    func auditOrders(at id: SnapshotID, ageAt moment: Date?,
                     _ body: (AuditOrder) throws -> Void) async throws -> SnapshotRecord
    /// `auditOrders` without building strings: the row's texts are only valid inside `body`.
    func auditOrderRows(at id: SnapshotID, ageAt moment: Date?,
                        _ body: (AuditOrderRow) throws -> Void) async throws -> SnapshotRecord
    func largestOrders(at id: SnapshotID, limit: Int) async throws -> [String: [UnpaidOrder]]
    func overviews(organizationID: Int64?, since: Date, asOf: Date, buckets: AgingBuckets,
                   largest: Int) async throws -> [SeriesOverview]
    func orderTimelines(orderNo: String) async throws -> [OrderTimeline]
    func recordedChanges(organizationID: Int64?, job: String?, since: Date?, until: Date?,
                         _ body: (RecordedChange) throws -> Void) async throws
    func rollForward(organizationID: Int64, job: String?, from: Date, to: Date,
                     detail: Bool) async throws -> RollForward
    func aging(organizationID: Int64?, job: String?, asOf: Date, buckets: AgingBuckets) async throws -> [AgingLine]
    func changes(in id: SnapshotID) async throws -> [StoredChange]?
    func changeRows(in id: SnapshotID) async throws -> [ChangeRow]
    func reconciliation(of snapshotID: SnapshotID) async throws -> Reconciliation?
    func unreconciledSnapshots(job: String?, organizationID: Int64?, since: Date?, until: Date?,
                               limit: Int?) async throws -> [UnreconciledSnapshot]
    func failures(job: String, organizationID: Int64, limit: Int) async throws -> [OrganizationFailure]
    func seriesHealth(_ series: [WatchedSeries]) async throws -> [SeriesHealth]
}
