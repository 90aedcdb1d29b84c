import Crypto

/// One snapshot as the chain hashes it: its row, its series and its totals, as stored.
package struct ChainedSnapshot: Sendable, Hashable {
    /// `previous_hash` of the first snapshot.
    package static let genesis = String(repeating: "0", count: 64)

    package struct StoredTotal: Sendable, Hashable {
        package var currency: String
        package var orderCount: Int64
        package var sumText: String

        package init(currency: String, orderCount: Int64, sumText: String) {
            self.currency = currency
            self.orderCount = orderCount
            self.sumText = sumText
        }
    }

    package var id: Int64
    package var runID: Int64
    package var seriesID: Int64
    package var job: String
    package var organizationID: Int64
    package var periodStart: Int64
    package var periodEnd: Int64
    package var periodLabel: String
    package var fetchedAtMilliseconds: Int64
    package var fileName: String
    package var fileSize: Int64
    package var sha256: String
    package var archivePath: String
    package var rowCount: Int64
    package var totals: [StoredTotal]

    package init(id: Int64, runID: Int64, seriesID: Int64, job: String, organizationID: Int64, periodStart: Int64,
                 periodEnd: Int64, periodLabel: String, fetchedAtMilliseconds: Int64, fileName: String, fileSize: Int64,
                 sha256: String, archivePath: String, rowCount: Int64, totals: [StoredTotal]) {
        self.id = id
        self.runID = runID
        self.seriesID = seriesID
        self.job = job
        self.organizationID = organizationID
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.periodLabel = periodLabel
        self.fetchedAtMilliseconds = fetchedAtMilliseconds
        self.fileName = fileName
        self.fileSize = fileSize
        self.sha256 = sha256
        self.archivePath = archivePath
        self.rowCount = rowCount
        self.totals = totals
    }

    /// SHA-256(previous chain hash ‖ this snapshot ‖ its totals ‖ closed digest ‖ opened digest).
    package func chainHash(previous: [UInt8], digests: IntervalDigests) -> [UInt8] {
        var encoding = CanonicalEncoding(capacity: 512)
        encoding.raw(previous)
        encoding.integer(id)
        encoding.integer(runID)
        encoding.integer(seriesID)
        encoding.text(job)
        encoding.integer(organizationID)
        encoding.integer(periodStart)
        encoding.integer(periodEnd)
        encoding.text(periodLabel)
        encoding.integer(fetchedAtMilliseconds)
        encoding.text(fileName)
        encoding.integer(fileSize)
        encoding.text(sha256)
        encoding.text(archivePath)
        encoding.integer(rowCount)
        let sorted = totals.sorted { $0.currency.utf8.lexicographicallyPrecedes($1.currency.utf8) }
        encoding.integer(Int64(sorted.count))
        for total in sorted {
            encoding.text(total.currency)
            encoding.integer(total.orderCount)
            encoding.text(total.sumText)
        }
        encoding.raw(digests.closed)
        encoding.raw(digests.opened)
        return Array(SHA256.hash(data: encoding.bytes))
    }
}
