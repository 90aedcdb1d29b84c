import Foundation
import UnpaidCore

public struct RunID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { "run \(rawValue)" }
    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Snapshot ids only grow: a larger id was recorded later.
public struct SnapshotID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { "snapshot \(rawValue)" }
    public static func < (lhs: SnapshotID, rhs: SnapshotID) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running, succeeded, failed, partial
    /// Its process died before finishing it; a later start found it and said so.
    case interrupted
}

public struct RunRecord: Sendable, Hashable {
    public var id: RunID
    public var job: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: RunStatus
    public var error: String?

    package init(id: RunID, job: String, startedAt: Date, finishedAt: Date? = nil, status: RunStatus,
                 error: String? = nil) {
        self.id = id
        self.job = job
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.error = error
    }
}

/// What the caller knows about a fetched file once it parsed completely.
public struct NewSnapshot: Sendable, Hashable {
    public var runID: RunID
    public var job: String
    public var organizationID: Int64
    public var window: BillingWindow
    public var periodLabel: String
    public var fetchedAt: Date
    public var fileName: String
    public var fileSize: Int64
    /// Lowercase hex SHA-256 of the downloaded file.
    public var sha256: String
    public var archivePath: String
    /// How the export compared with `GetOrderAmount`, recorded with the snapshot; nil when not checked.
    public var reconciliation: Reconciliation?
    /// The claim under which a replica fetched this file, when replicas share the ledger.
    /// A shared ledger records the snapshot only while `workItem.owner` still holds the
    /// item, and in the snapshot's own transaction marks the item recorded with this
    /// snapshot (and the fire complete after its last item): a replica that dies after
    /// the commit, or stalls past its lease, cannot have the organization recorded twice
    /// for one fire. A ledger one process uses (SQLite) has no shared items and ignores it.
    public var workItem: SharedWorkItem?

    public init(runID: RunID, job: String, organizationID: Int64, window: BillingWindow,
                periodLabel: String, fetchedAt: Date, fileName: String, fileSize: Int64,
                sha256: String, archivePath: String, reconciliation: Reconciliation? = nil,
                workItem: SharedWorkItem? = nil) {
        self.runID = runID
        self.job = job
        self.organizationID = organizationID
        self.window = window
        self.periodLabel = periodLabel
        self.fetchedAt = fetchedAt
        self.fileName = fileName
        self.fileSize = fileSize
        self.sha256 = sha256
        self.archivePath = archivePath
        self.reconciliation = reconciliation
        self.workItem = workItem
    }
}

/// One organization of a scheduled fire as replicas sharing a ledger divide the work: the
/// snapshot's job and organization, at `scheduledAt`, leased to `owner`.
public struct SharedWorkItem: Sendable, Hashable {
    /// The fire's scheduled instant, in whole seconds as fires are claimed.
    public var scheduledAt: Date
    /// The replica holding the item's lease, as the claims name it.
    public var owner: String

    public init(scheduledAt: Date, owner: String) {
        self.scheduledAt = scheduledAt
        self.owner = owner
    }
}

public struct SnapshotRecord: Sendable, Hashable {
    public var id: SnapshotID
    public var runID: RunID
    public var job: String
    public var organizationID: Int64
    public var window: BillingWindow
    public var periodLabel: String
    public var fetchedAt: Date
    public var fileName: String
    public var fileSize: Int64
    public var sha256: String
    public var archivePath: String
    public var rowCount: Int
    /// Per currency; empty when the file had no orders.
    public var totals: [String: Total]
    /// How the export compared with `GetOrderAmount`; nil when it was not checked.
    public var reconciliation: Reconciliation? = nil

    package init(id: SnapshotID, runID: RunID, job: String, organizationID: Int64, window: BillingWindow,
                 periodLabel: String, fetchedAt: Date, fileName: String, fileSize: Int64, sha256: String,
                 archivePath: String, rowCount: Int, totals: [String: Total],
                 reconciliation: Reconciliation? = nil) {
        self.id = id
        self.runID = runID
        self.job = job
        self.organizationID = organizationID
        self.window = window
        self.periodLabel = periodLabel
        self.fetchedAt = fetchedAt
        self.fileName = fileName
        self.fileSize = fileSize
        self.sha256 = sha256
        self.archivePath = archivePath
        self.rowCount = rowCount
        self.totals = totals
        self.reconciliation = reconciliation
    }

    /// What a backend answers once it recorded `snapshot` as `id`: the fetch time as stored,
    /// to the millisecond, so the answer equals what reading the snapshot back gives.
    package init(recorded snapshot: NewSnapshot, as id: SnapshotID, rowCount: Int, totals: [String: Total]) {
        self.init(id: id, runID: snapshot.runID, job: snapshot.job, organizationID: snapshot.organizationID,
                  window: snapshot.window, periodLabel: snapshot.periodLabel,
                  fetchedAt: Instant.date(Instant.milliseconds(snapshot.fetchedAt)),
                  fileName: snapshot.fileName, fileSize: snapshot.fileSize, sha256: snapshot.sha256,
                  archivePath: snapshot.archivePath, rowCount: rowCount, totals: totals,
                  reconciliation: snapshot.reconciliation)
    }

    public var orderCount: Int { totals.values.reduce(0) { $0 + $1.count } }
}

/// One line per snapshot and currency; a snapshot without orders gives one line with
/// `currency == nil`, zero orders and a zero total.
public struct HistoryLine: Sendable, Hashable {
    public var fetchedAt: Date
    public var job: String
    public var organizationID: Int64
    public var window: BillingWindow
    public var periodLabel: String
    public var currency: String?
    public var orderCount: Int
    public var total: Money
    public var snapshotID: SnapshotID
    public var runID: RunID
    /// The status of the run that recorded the snapshot: `running` while it is in
    /// flight, `interrupted` when its process died after recording it.
    public var runStatus: RunStatus
    /// The snapshot's reconciliation with `GetOrderAmount`; nil when it was not checked.
    public var reconciliation: ReconciliationStatus? = nil
    /// When retention removed the snapshot's archived file; nil while the file is kept.
    public var archiveRemovedAt: Date? = nil

    package init(fetchedAt: Date, job: String, organizationID: Int64, window: BillingWindow, periodLabel: String,
                 currency: String? = nil, orderCount: Int, total: Money, snapshotID: SnapshotID, runID: RunID,
                 runStatus: RunStatus, reconciliation: ReconciliationStatus? = nil, archiveRemovedAt: Date? = nil) {
        self.fetchedAt = fetchedAt
        self.job = job
        self.organizationID = organizationID
        self.window = window
        self.periodLabel = periodLabel
        self.currency = currency
        self.orderCount = orderCount
        self.total = total
        self.snapshotID = snapshotID
        self.runID = runID
        self.runStatus = runStatus
        self.reconciliation = reconciliation
        self.archiveRemovedAt = archiveRemovedAt
    }
}

/// How many rows each table holds: what an operator checks, and what proves that an
/// unchanged fetch wrote no order rows.
public struct LedgerCounts: Sendable, Hashable {
    public var runs: Int
    public var snapshots: Int
    public var snapshotTotals: Int
    public var orderIntervals: Int
    public var openOrderIntervals: Int

    package init(runs: Int, snapshots: Int, snapshotTotals: Int, orderIntervals: Int, openOrderIntervals: Int) {
        self.runs = runs
        self.snapshots = snapshots
        self.snapshotTotals = snapshotTotals
        self.orderIntervals = orderIntervals
        self.openOrderIntervals = openOrderIntervals
    }
}

/// Instants are kept to the millisecond.
package enum Instant {
    package static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The last millisecond of the second `date` falls in: the inclusive bound of "at or
    /// before". Times are shown and typed to the second, so a snapshot listed as fetched at
    /// 10:00:00 is at or before 10:00:00 even when it was fetched at 10:00:00.456.
    package static func endOfSecond(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down)) * 1000 + 999
    }

    package static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

/// A snapshot whose export did not agree with `GetOrderAmount`, with what an audit shows.
public struct UnreconciledSnapshot: Sendable, Hashable {
    public var snapshotID: SnapshotID
    public var job: String
    public var organizationID: Int64
    public var fetchedAt: Date
    public var reconciliation: Reconciliation

    package init(snapshotID: SnapshotID, job: String, organizationID: Int64, fetchedAt: Date,
                 reconciliation: Reconciliation) {
        self.snapshotID = snapshotID
        self.job = job
        self.organizationID = organizationID
        self.fetchedAt = fetchedAt
        self.reconciliation = reconciliation
    }
}
