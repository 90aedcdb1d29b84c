import Crypto
import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

/// A stored row, each column as text (NULL absent), as `rowsBehindTheLedger` reads it.
private typealias StoredRow = [String: String]

extension StoredRow {
    func integer(_ column: String) -> Int64 { Int64(self[column]!)! }
    func text(_ column: String) -> String { self[column]! }
}

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
    static func digest(_ intervals: [StoredRow]) -> [UInt8] {
        var encoding = ReadmeEncoding()
        let sorted = intervals.sorted { $0.text("order_no").utf8.lexicographicallyPrecedes($1.text("order_no").utf8) }
        for row in sorted {
            encoding.text(row.text("order_no"))
            encoding.text(row.text("currency"))
            encoding.text(row.text("amount_text"))
            encoding.nullable(row["start_time"].map { Int64($0)! })
            encoding.nullable(row["product_code"])
            encoding.nullable(row["resource_id"])
            encoding.nullable(row["model_id"])
            encoding.integer(row.integer("first_snapshot_id"))
        }
        return sha256(encoding.bytes)
    }

    /// Every snapshot's chain hash, in id order, from the stored rows.
    static func chainHashes(in fixture: LedgerFixture) async throws -> [String] {
        let intervals = try await fixture.rowsBehindTheLedger("SELECT * FROM order_interval")
        let totals = try await fixture.rowsBehindTheLedger("SELECT * FROM snapshot_total")
        var previous = [UInt8](repeating: 0, count: 32)
        var hashes: [String] = []
        for snapshot in try await fixture.rowsBehindTheLedger("""
            SELECT snapshot.*, series.job, series.organization_id FROM snapshot JOIN series ON series.id = snapshot.series_id
            ORDER BY snapshot.id
            """) {
            let id = snapshot.text("id")
            var encoding = ReadmeEncoding()
            encoding.bytes = previous
            for column in ["id", "run_id", "series_id"] { encoding.integer(snapshot.integer(column)) }
            encoding.text(snapshot.text("job"))
            for column in ["organization_id", "period_start", "period_end"] { encoding.integer(snapshot.integer(column)) }
            encoding.text(snapshot.text("period_label"))
            encoding.integer(snapshot.integer("fetched_at_ms"))
            encoding.text(snapshot.text("file_name"))
            encoding.integer(snapshot.integer("file_size"))
            encoding.text(snapshot.text("sha256"))
            encoding.text(snapshot.text("archive_path"))
            encoding.integer(snapshot.integer("row_count"))
            let own = totals.filter { $0["snapshot_id"] == id }
                .sorted { $0.text("currency").utf8.lexicographicallyPrecedes($1.text("currency").utf8) }
            encoding.integer(Int64(own.count))
            for total in own {
                encoding.text(total.text("currency"))
                encoding.integer(total.integer("order_count"))
                encoding.text(total.text("sum_text"))
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
    @Test(arguments: LedgerBackend.allCases)
    func recordedChainHashesAreTheReadmeEncodingOfTheStoredRows(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.recordHistory()
            try await fixture.record(Self.day(0, every: 1), shaSeed: 20, minute: 50)
            try await fixture.record(Self.day(3, every: 10), shaSeed: 21, minute: 60)
            try await fixture.record(Array(Self.day(3, every: 10).dropFirst(700)), shaSeed: 22, minute: 70)

            let stored = try await fixture.rowsBehindTheLedger("SELECT chain_hash FROM snapshot_chain ORDER BY snapshot_id")
            #expect(stored.count == 9)
            #expect(stored.map { $0.text("chain_hash") } == (try await ReadmeEncoding.chainHashes(in: fixture)))
        }
    }

    /// 1,500 orders; every `every`th one `cents` more than on the first day.
    static func day(_ cents: Int, every: Int) -> [UnpaidOrder] {
        (0..<1_500).map { index in
            let number: String = "訂單-" + String(index * 7_919 % 1_500, radix: 36)
            let units: Int = index + (index % every == 0 ? cents : 0)
            let amount: Money = try! Money("\(units).\(index % 100)")
            let startTime: Int64? = index % 5 == 0 ? nil : 1_791_000_000 + Int64(index)
            return UnpaidOrder(orderNo: number, organizationID: 42, currency: index % 3 == 0 ? "CNY" : "USD",
                               totalPrice: amount, startTime: startTime, productCode: index % 4 == 0 ? nil : "uhost",
                               resourceID: index % 6 == 0 ? nil : "r-\(index)", modelID: index % 7 == 0 ? "" : nil)
        }
    }
}
