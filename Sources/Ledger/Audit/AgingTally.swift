import Foundation
import UnpaidCore

/// The aging of one snapshot, per currency, added up order by order as a backend reads them.
package struct AgingTally {
    private let record: SnapshotRecord
    private let buckets: AgingBuckets
    /// The as-of date in whole seconds: ages are whole days counted from it.
    private let moment: Int64
    private var byCurrency: [String: AgingLine] = [:]

    package init(of record: SnapshotRecord, asOf: Date, buckets: AgingBuckets) {
        self.record = record
        self.buckets = buckets
        moment = Int64(asOf.timeIntervalSince1970.rounded(.down))
    }

    package mutating func add(_ amount: Money, currency: String, startTime: Int64?) {
        var line = byCurrency[currency] ?? AgingLine(
            organizationID: record.organizationID, job: record.job, snapshotID: record.id, currency: currency,
            buckets: Array(repeating: Total(), count: buckets.limits.count + 1), notYetStarted: Total(),
            noStartTime: Total(), total: record.totals[currency] ?? Total())
        if let startTime {
            let age = AuditDays.between(start: startTime, moment: moment)
            if age < 0 { line.notYetStarted.add(amount) } else { line.buckets[buckets.index(ofAge: age)].add(amount) }
        } else {
            line.noStartTime.add(amount)
        }
        byCurrency[currency] = line
    }

    /// One line per currency, in currency order, once every order of the snapshot was added.
    /// - Throws: `AuditError.agingDisagreesWithTotals` for the first currency whose buckets
    ///   do not add up to the snapshot's recorded total.
    package func lines() throws(AuditError) -> [AgingLine] {
        for currency in Set(byCurrency.keys).union(record.totals.keys).sorted() {
            let recorded = record.totals[currency] ?? Total()
            let bucketed = byCurrency[currency]?.bucketedTotal ?? Total()
            guard recorded == bucketed else {
                throw AuditError.agingDisagreesWithTotals(snapshot: record.id, currency: currency,
                                                          recorded: recorded, bucketed: bucketed)
            }
        }
        return byCurrency.keys.sorted().map { byCurrency[$0]! }
    }
}

extension AgingLine {
    /// Every bucket added up, "not yet started" and "no start time" included.
    public var bucketedTotal: Total {
        (buckets + [notYetStarted, noStartTime]).reduce(into: Total()) { sum, bucket in
            sum.count += bucket.count
            sum.sum += bucket.sum
        }
    }
}
