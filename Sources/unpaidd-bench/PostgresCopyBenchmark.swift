import ArgumentParser
import Foundation
import Logging
import PostgresLedger
import PostgresNIO
import UnpaidCore

/// `postgres-copy`: times the bulk path of a PostgreSQL ledger's first snapshot, the COPY of
/// every order as an open interval, and the read of those intervals in byte order that the
/// next snapshot's diff starts from. Against a server the caller runs: the figures are the
/// server's as much as ours.
struct PostgresCopyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres-copy",
        abstract: "Time COPY of a first snapshot's orders into a PostgreSQL ledger (target for 1M: well under 8 s).")

    @Option(help: "postgresql://USER@HOST:PORT/DATABASE of an empty or bench-only database.")
    var url: String

    @Option(name: .customLong("password-env"), help: "Environment variable holding the password.")
    var passwordEnvironment: String?

    @Option(help: "Orders in the snapshot.")
    var orders = 1_000_000

    func run() async throws {
        let location = try PostgresLocation(url: url, passwordEnvironment: passwordEnvironment, key: "--url")
        let logger = Logger(label: "postgres-copy", factory: { _ in SwiftLogNoOpLogHandler() })
        let packed = try LedgerBenchmark.makeOrders(orders, centsAddedToEvery: nil)
        print("postgres-copy: \(orders) orders into \(location) (load average \(ProcessMeasurement.loadAverage))")
        try await PostgresLedger.withLedger(location, logger: logger) { ledger in
            let job = "bench-\(UUID().uuidString.prefix(8))"
            let (seriesID, snapshotID) = try await ledger.write { connection in
                try await Self.insertSnapshot(job: job, on: connection, logger: logger)
            }
            let clock = ContinuousClock()
            // The pipeline hands orders sorted by number (its spill sort); in that order the
            // key's b-tree grows at its right edge instead of splitting pages all over.
            var positions: [Int] = []
            let sorting = clock.measure { positions = Self.byOrderNumber(packed) }
            print("  sort positions by order number (done by the pipeline's reader): \(format(sorting.seconds)) s")
            let cpuBefore = ProcessMeasurement.cpuSeconds()
            let copying = try await clock.measure {
                try await ledger.write { connection in
                    try await OrderIntervalCopy(seriesID: seriesID, firstSnapshotID: snapshotID)
                        .copy(packed, positions: positions, on: connection, logger: logger)
                }
            }
            print("  COPY + commit: \(format(copying.seconds)) s wall, \(format(ProcessMeasurement.cpuSeconds() - cpuBefore)) s CPU here")
            let reading = try await clock.measure {
                let count = try await ledger.read { connection in
                    var count = 0
                    let rows = try await connection.query("""
                        SELECT order_no, currency, amount_text FROM order_interval
                        WHERE series_id = \(seriesID) AND closed_by_snapshot_id = \(PostgresSchema.openInterval)
                        ORDER BY order_no
                        """, logger: logger)
                    for try await _ in rows { count += 1 }
                    return count
                }
                guard count == orders else { throw ValidationError("read back \(count) open intervals, expected \(orders)") }
            }
            print("  read open intervals in order: \(format(reading.seconds)) s wall")
        }
        print("peak RSS        \(ProcessMeasurement.peakResidentText)")
    }

    private static func byOrderNumber(_ orders: PackedOrders) -> [Int] {
        orders.withFields { fields in
            Array(0..<fields.count).sorted { left, right in
                fields.orderNo(left).lexicographicallyPrecedes(fields.orderNo(right))
            }
        }
    }

    private static func insertSnapshot(job: String, on connection: PostgresConnection,
                                       logger: Logger) async throws -> (series: Int64, snapshot: Int64) {
        func single(_ query: PostgresQuery) async throws -> Int64 {
            for try await id in try await connection.query(query, logger: logger).decode(Int64.self) { return id }
            throw ValidationError("no id returned")
        }
        let run = try await single("INSERT INTO run (job, started_at_ms, status) VALUES (\(job), 0, 'running') RETURNING id")
        let series = try await single("INSERT INTO series (job, organization_id) VALUES (\(job), 1) RETURNING id")
        let snapshot = try await single("""
            INSERT INTO snapshot (run_id, series_id, period_start, period_end, period_label, fetched_at_ms, file_name,
                                  file_size, sha256, archive_path, row_count)
            VALUES (\(run), \(series), 0, 86400, 'bench', 0, 'bench.xlsx', 1, \(String(repeating: "ab", count: 32)),
                    'bench.xlsx', 0)
            RETURNING id
            """)
        return (series, snapshot)
    }
}
