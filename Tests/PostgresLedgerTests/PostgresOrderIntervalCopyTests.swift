import Foundation
import PostgresNIO
import Testing
import UnpaidCore
@testable import PostgresLedger

@Suite struct PostgresOrderIntervalCopyTests {
    /// Texts with every byte COPY's text format escapes, NULL-looking text, and UTF-8.
    static let awkward: [UnpaidOrder] = [
        UnpaidOrder(orderNo: "TAB\there", organizationID: 42, currency: "CNY", totalPrice: try! Money("1.10"),
                    productCode: "line\nbreak", resourceID: "back\\slash", modelID: "cr\rlf"),
        UnpaidOrder(orderNo: "\\N", organizationID: 42, currency: "USD", totalPrice: try! Money("-0.000001"),
                    startTime: 0, productCode: "", resourceID: nil, modelID: "\\N"),
        UnpaidOrder(orderNo: "模型-订单-1", organizationID: 42, currency: "CNY", totalPrice: try! Money("0.00"),
                    startTime: -5, productCode: "modelverse", resourceID: "é", modelID: nil),
    ]

    static func generated(_ count: Int) -> [UnpaidOrder] {
        (0..<count).map { index in
            UnpaidOrder(orderNo: String(format: "ORD-%07d", (index * 7_919) % count), organizationID: 42,
                        currency: index % 5 == 0 ? "USD" : "CNY",
                        totalPrice: Money(units: Int128(index * 37 % 100_000) - 500, scale: index % 7),
                        startTime: index % 3 == 0 ? nil : 1_790_000_000 + Int64(index),
                        productCode: index % 2 == 0 ? "sandbox" : nil,
                        resourceID: index % 4 == 0 ? nil : "res-\(index % 1_000)",
                        modelID: index % 6 == 0 ? "model-\(index % 13)" : nil)
        }
    }

    @Test func a100kOrderCopyReadsBackExactly() async throws {
        let history = try await SchemaHistory.make()
        let orders = Self.awkward + Self.generated(100_000)
        let packed = try PackedOrders(organizationID: 42, orders)
        try await history.execute(SchemaHistory.laterSnapshot)
        try await history.withLedger { ledger in
            try await ledger.write { connection in
                try await OrderIntervalCopy(seriesID: 1, firstSnapshotID: 3).copy(packed, on: connection, logger: SchemaHistory.logger)
            }
        }
        let stored = try await history.strings("""
            SELECT concat_ws('|', order_no, currency, amount_text, coalesce(start_time::text, '∅'),
                             coalesce(product_code, '∅'), coalesce(resource_id, '∅'), coalesce(model_id, '∅'),
                             closed_by_snapshot_id)
            FROM order_interval WHERE first_snapshot_id = 3 ORDER BY order_no
            """)
        let expected = orders
            .sorted { Array($0.orderNo.utf8).lexicographicallyPrecedes(Array($1.orderNo.utf8)) }
            .map { order in
                [order.orderNo, order.currency, order.totalPrice.description, order.startTime.map(String.init) ?? "∅",
                 order.productCode ?? "∅", order.resourceID ?? "∅", order.modelID ?? "∅", String(Int64.max)]
                    .joined(separator: "|")
            }
        #expect(stored.count == expected.count)
        #expect(stored == expected)
    }

    @Test func aCopyBreakingARuleKeepsNothing() async throws {
        let history = try await SchemaHistory.make()
        let packed = try PackedOrders(organizationID: 42, Self.generated(1_000) + [
            UnpaidOrder(orderNo: "ORD-1", organizationID: 42, currency: "CNY", totalPrice: try Money("12.50")),
        ])
        await #expect(throws: PostgresLedgerError.self) {
            try await history.withLedger { ledger in
                try await ledger.write { connection in
                    // Snapshot 1 already holds ORD-1 open: the key refuses it a second time.
                    try await OrderIntervalCopy(seriesID: 1, firstSnapshotID: 1).copy(packed, on: connection,
                                                                                      logger: SchemaHistory.logger)
                }
            }
        }
        #expect(try await history.strings("SELECT count(*)::text FROM order_interval") == ["2"])
    }

    @Test func aCopyIntoAnotherSeriesSnapshotIsRefused() async throws {
        let history = try await SchemaHistory.make()
        let packed = try PackedOrders(organizationID: 42, Self.generated(10))
        do {
            try await history.withLedger { ledger in
                try await ledger.write { connection in
                    try await OrderIntervalCopy(seriesID: 1, firstSnapshotID: 2).copy(packed, on: connection,
                                                                                      logger: SchemaHistory.logger)
                }
            }
            Issue.record("a COPY into a snapshot of another series was accepted")
        } catch let error as PostgresLedgerError {
            guard case .invariantViolated(let table, let constraint, _) = error else {
                Issue.record("expected invariantViolated, got \(error)")
                return
            }
            #expect(table == "order_interval")
            #expect(constraint == "order_interval_bounds_are_snapshots")
        }
    }
}
