import Crypto
import Foundation
import GRDB
import Testing
import UnpaidCore
@testable import SQLiteLedger
import Ledger
import LedgerTestSupport

/// The chain's encoding as the README writes it down, implemented again from that text
/// alone over the stored rows: whatever path records a snapshot, its chain hash must be
/// the one another program computes from the documented encoding.
private struct ReadmeEncoding {
    var bytes: [UInt8] = []

    mutating func integer(_ value: Int64) {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { bytes += $0 }
    }

    mutating func text(_ value: String) {
        let utf8 = Array(value.utf8)
        withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes += $0 }
        bytes += utf8
    }

    mutating func nullable(_ value: String?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        text(value)
    }

    mutating func nullable(_ value: Int64?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        integer(value)
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// SHA-256 of the intervals' encodings in order number byte order.
    static func digest(_ intervals: [Row]) -> [UInt8] {
        var encoding = ReadmeEncoding()
        let sorted = intervals.sorted { ($0["order_no"] as String).utf8.lexicographicallyPrecedes(($1["order_no"] as String).utf8) }
        for row in sorted {
            encoding.text(row["order_no"])
            encoding.text(row["currency"])
            encoding.text(row["amount_text"])
            encoding.nullable(row["start_time"] as Int64?)
            encoding.nullable(row["product_code"] as String?)
            encoding.nullable(row["resource_id"] as String?)
            encoding.nullable(row["model_id"] as String?)
            encoding.integer(row["first_snapshot_id"])
        }
        return sha256(encoding.bytes)
    }

    /// Every snapshot's chain hash, in id order, from the stored rows.
    static func chainHashes(in db: Database) throws -> [String] {
        let intervals = try Row.fetchAll(db, sql: "SELECT * FROM order_interval")
        var previous = [UInt8](repeating: 0, count: 32)
        var hashes: [String] = []
        for snapshot in try Row.fetchAll(db, sql: """
            SELECT snapshot.*, series.job, series.organization_id FROM snapshot JOIN series ON series.id = snapshot.series_id
            ORDER BY snapshot.id
            """) {
            let id: Int64 = snapshot["id"]
            var encoding = ReadmeEncoding()
            encoding.bytes = previous
            for column in ["id", "run_id", "series_id"] { encoding.integer(snapshot[column]) }
            encoding.text(snapshot["job"])
            for column in ["organization_id", "period_start", "period_end"] { encoding.integer(snapshot[column]) }
            encoding.text(snapshot["period_label"])
            encoding.integer(snapshot["fetched_at_ms"])
            encoding.text(snapshot["file_name"])
            encoding.integer(snapshot["file_size"])
            encoding.text(snapshot["sha256"])
            encoding.text(snapshot["archive_path"])
            encoding.integer(snapshot["row_count"])
            let totals = try Row.fetchAll(db, sql: "SELECT * FROM snapshot_total WHERE snapshot_id = ?", arguments: [id])
                .sorted { ($0["currency"] as String).utf8.lexicographicallyPrecedes(($1["currency"] as String).utf8) }
            encoding.integer(Int64(totals.count))
            for total in totals {
                encoding.text(total["currency"])
                encoding.integer(total["order_count"])
                encoding.text(total["sum_text"])
            }
            encoding.bytes += digest(intervals.filter { $0["closed_by_snapshot_id"] == id })
            encoding.bytes += digest(intervals.filter { $0["first_snapshot_id"] == id })
            previous = sha256(encoding.bytes)
            hashes.append(hex(previous))
        }
        return hashes
    }
}

@Suite struct ChainEncodingTests {
    /// Enough orders to fill several insert batches and flushes of the interval writer,
    /// with NULL and non-ASCII fields, then a day that closes and reopens some of them.
    @Test func recordedChainHashesAreTheReadmeEncodingOfTheStoredRows() async throws {
        let fixture = try SQLiteFixture()
        try fixture.recordHistory()
        func order(_ index: Int, cents: Int, every: Int) -> UnpaidOrder {
            let number: String = "訂單-" + String(index * 7_919 % 1_500, radix: 36)
            let units: Int = index + (index % every == 0 ? cents : 0)
            let amount: Money = try! Money("\(units).\(index % 100)")
            let startTime: Int64? = index % 5 == 0 ? nil : 1_791_000_000 + Int64(index)
            return UnpaidOrder(orderNo: number, organizationID: 42, currency: index % 3 == 0 ? "CNY" : "USD",
                               totalPrice: amount, startTime: startTime, productCode: index % 4 == 0 ? nil : "uhost",
                               resourceID: index % 6 == 0 ? nil : "r-\(index)", modelID: index % 7 == 0 ? "" : nil)
        }
        func day(_ cents: Int, every: Int) -> [UnpaidOrder] {
            (0..<1_500).map { order($0, cents: cents, every: every) }
        }
        try fixture.record(day(0, every: 1), shaSeed: 20, minute: 50)
        try fixture.record(day(3, every: 10), shaSeed: 21, minute: 60)
        try fixture.record(Array(day(3, every: 10).dropFirst(700)), shaSeed: 22, minute: 70)

        let (stored, expected) = try await fixture.ledger.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT chain_hash FROM snapshot_chain ORDER BY snapshot_id"),
             try ReadmeEncoding.chainHashes(in: db))
        }
        #expect(stored.count == 9)
        #expect(stored == expected)
    }
}
