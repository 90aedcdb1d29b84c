import Foundation
import Testing
import UnpaidCore
@testable import OrderSpill
import SeededRandomness

/// Orders with numbers that share long prefixes (past the 16 bytes the sort keys hold),
/// differ only in length, or carry bytes above 0x7F, in several organizations.
func randomOrders(_ count: Int, organizations: [Int64] = [7], seed: UInt64) -> [UnpaidOrder] {
    var generator = SplitMix64(seed: seed)
    var numbers = Set<String>()
    var orders: [UnpaidOrder] = []
    while orders.count < count {
        let organization = organizations[Int.random(in: 0..<organizations.count, using: &generator)]
        let stem = ["U", "order-2026-11-30-000000", "订单", "Z"][Int.random(in: 0..<4, using: &generator)]
        let number = stem + String(Int.random(in: 0..<(count * 4), using: &generator), radix: 36)
        guard numbers.insert("\(organization)/\(number)").inserted else { continue }
        let units = Int128(Int.random(in: -1_000...10_000_000, using: &generator))
        orders.append(UnpaidOrder(
            orderNo: number, organizationID: organization, currency: Bool.random(using: &generator) ? "USD" : "CNY",
            totalPrice: Money(units: units, scale: Int.random(in: 0...6, using: &generator)),
            startTime: Bool.random(using: &generator) ? Int64.random(in: 0...2_000_000_000, using: &generator) : nil,
            productCode: Bool.random(using: &generator) ? "uhost" : nil,
            resourceID: Bool.random(using: &generator) ? "" : "r-\(number)",
            modelID: Bool.random(using: &generator) ? nil : "m"))
    }
    return orders
}

/// The orders a cursor walks, unpacked.
func collect(_ orders: SortedOrders) throws -> [UnpaidOrder] {
    var cursor = try orders.makeCursor()
    var collected: [UnpaidOrder] = []
    while let record = cursor.current {
        func text(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
        collected.append(UnpaidOrder(
            orderNo: record.orderNoString, organizationID: record.organizationID, currency: record.currencyString,
            totalPrice: record.amount, startTime: record.startTime, productCode: text(record.productCode),
            resourceID: text(record.resourceID), modelID: text(record.modelID)))
        try cursor.advance()
    }
    return collected
}

/// A spool directory of its own, removed afterwards.
func withSpool<T>(_ body: (String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spill-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// Descriptors of this process open on files in `directory` (unlinked ones included).
func openFiles(in directory: String) -> [String] {
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
        .filter { $0.hasPrefix(directory + "/") }
}

@Suite struct OrderSorterTests {
    /// Whatever the run size, from one order a run to all in memory, the cursor walks
    /// every order once, in SQLite's byte order, with every field as it was appended.
    @Test(arguments: [4_096, 9_000, 65_536, 1 << 24])
    func spilledRunsMergeIntoByteOrder(runBytes: Int) throws {
        let orders = randomOrders(3_000, organizations: [7, 8, 9], seed: UInt64(runBytes))
        try withSpool { spool in
            let sorter = OrderSorter(spillingTo: spool, runBytes: runBytes)
            for order in orders { try sorter.append(order) }
            let export = try sorter.finish()
            #expect(Set(export.organizations.keys) == [7, 8, 9])
            for (organizationID, sorted) in export.organizations {
                let expected = orders.filter { $0.organizationID == organizationID }
                    .sorted { $0.orderNo.utf8.lexicographicallyPrecedes($1.orderNo.utf8) }
                #expect(try collect(sorted) == expected)
                #expect(sorted.count == expected.count)
                #expect(sorted.totals == expected.reduce(into: [:]) { $0[$1.currency, default: Total()].add($1.totalPrice) })
                #expect((sorted.spilledRuns > 1) == (runBytes < 1 << 20), "runs: \(sorted.spilledRuns)")
            }
        }
    }

    @Test func anOrderNumberTwiceIsAnErrorEvenInDifferentRuns() async throws {
        var orders = randomOrders(1_000, seed: 3)
        orders.append(orders[10])  // hundreds of orders later: another run
        try withSpool { spool in
            let sorter = OrderSorter(spillingTo: spool, runBytes: 4_096)
            for order in orders { try sorter.append(order) }
            let sorted = try sorter.finish().orders(of: 7)
            #expect(sorted.spilledRuns > 10)
            #expect(throws: OrderSpillError.duplicateOrder(orderNo: orders[10].orderNo, organizationID: 7)) {
                _ = try collect(sorted)
            }
        }
    }

    /// The runs' file has no name from the moment it exists, so nothing is left in the
    /// spool on any path out, a kill included; its descriptor goes with the orders.
    @Test func theSpillFileHasNoNameAndClosesWithTheOrders() async throws {
        try withSpool { spool in
            do {
                let sorter = OrderSorter(spillingTo: spool, runBytes: 4_096)
                for order in randomOrders(500, seed: 4) { try sorter.append(order) }
                let sorted = try sorter.finish().orders(of: 7)
                #expect(sorted.spilledRuns > 1)
                #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
                #expect(openFiles(in: spool).count == 1)
                _ = try collect(sorted)
            }
            #expect(openFiles(in: spool).isEmpty)
            struct Refused: Error {}
            do {
                let sorter = OrderSorter(spillingTo: spool, runBytes: 4_096)
                for order in randomOrders(500, seed: 5) { try sorter.append(order) }
                #expect(throws: Refused.self) {
                    try sorter.append(organizationID: 7, currency: "USD", amount: .zero, startTime: nil) { _, _ in
                        throw Refused()
                    }
                }
            }
            #expect(openFiles(in: spool).isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
        }
    }

    @Test func aSpoolThatCannotTakeTheRunsSaysWhere() async throws {
        let sorter = OrderSorter(spillingTo: "/nonexistent-spool-\(UUID().uuidString)", runBytes: 4_096)
        #expect(throws: OrderSpillError.self) {
            for order in randomOrders(500, seed: 6) { try sorter.append(order) }
        }
    }

    /// The orders alerts name, collected as orders arrive, are the ones a pass over all
    /// of them finds.
    @Test func highlightsAreTheLargestOrdersOfAWholePass() async throws {
        let orders = randomOrders(2_000, seed: 7)
        let cutoffs: [Int64] = [500_000_000, 1_000_000_000, 1_900_000_000]
        let sorter = OrderSorter(spillingTo: nil, highlighting: .init(limit: 5, cutoffs: cutoffs))
        for order in orders { try sorter.append(order) }
        let highlights = try sorter.finish().orders(of: 7).highlights
        let packed = try PackedOrders(organizationID: 7, orders)
        for currency in ["USD", "CNY"] {
            #expect(highlights.largest(5, currency: currency) == packed.largest(5, currency: currency))
            for cutoff in cutoffs {
                #expect(highlights.largest(5, currency: currency, startedBefore: cutoff)
                        == packed.largest(5, currency: currency, startedBefore: cutoff))
                #expect(highlights.largest(1, currency: currency, startedBefore: cutoff)
                        == packed.largest(1, currency: currency, startedBefore: cutoff))
            }
        }
    }
}
