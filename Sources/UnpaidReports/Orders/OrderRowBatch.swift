import Foundation
import Ledger
import UnpaidCore

/// A few thousand `AuditOrderRow`s copied out of the ledger's bytes, so they can cross
/// from the thread reading the ledger to the one encoding them: every text goes into one
/// shared byte array instead of a String per field.
struct OrderRowBatch: Sendable {
    /// Enough rows that the hand-off costs nothing per row, few enough that a handful
    /// of batches in flight stay well under a megabyte each.
    static let capacity = 4_096

    private struct Entry: Sendable {
        let snapshotID: SnapshotID
        let job: String
        let organizationID: Int64
        let orderNo: TextRange
        let currency: TextRange
        let amount: Money
        let startTime: Int64?
        let productCode: TextRange?
        let resourceID: TextRange?
        let modelID: TextRange?
        let firstSeenSnapshotID: SnapshotID
        let firstSeenAt: Date
        let ageDays: Int64?
    }

    /// Where a text sits in `bytes`.
    private struct TextRange: Sendable {
        let start: Int
        let count: Int
    }

    private var bytes: [UInt8] = []
    private var entries: [Entry] = []

    init() {
        bytes.reserveCapacity(Self.capacity * 128)
        entries.reserveCapacity(Self.capacity)
    }

    var isEmpty: Bool { entries.isEmpty }
    var isFull: Bool { entries.count >= Self.capacity }

    mutating func append(_ row: AuditOrderRow) {
        entries.append(Entry(
            snapshotID: row.snapshotID, job: row.job, organizationID: row.organizationID,
            orderNo: keep(row.orderNo), currency: keep(row.currency), amount: row.amount, startTime: row.startTime,
            productCode: row.productCode.map { keep($0) }, resourceID: row.resourceID.map { keep($0) },
            modelID: row.modelID.map { keep($0) }, firstSeenSnapshotID: row.firstSeenSnapshotID,
            firstSeenAt: row.firstSeenAt, ageDays: row.ageDays))
    }

    /// Each row again, in the order appended, reading this batch's bytes in place.
    func forEachRow(_ body: (AuditOrderRow) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { base in
            func text(_ range: TextRange) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: base[range.start..<range.start + range.count])
            }
            for entry in entries {
                try body(AuditOrderRow(
                    snapshotID: entry.snapshotID, job: entry.job, organizationID: entry.organizationID,
                    orderNo: text(entry.orderNo), currency: text(entry.currency), amount: entry.amount,
                    startTime: entry.startTime, productCode: entry.productCode.map(text),
                    resourceID: entry.resourceID.map(text), modelID: entry.modelID.map(text),
                    firstSeenSnapshotID: entry.firstSeenSnapshotID, firstSeenAt: entry.firstSeenAt,
                    ageDays: entry.ageDays))
            }
        }
    }

    private mutating func keep(_ text: UnsafeBufferPointer<UInt8>) -> TextRange {
        let range = TextRange(start: bytes.count, count: text.count)
        bytes.append(contentsOf: text)
        return range
    }
}
