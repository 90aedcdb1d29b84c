import Foundation
import Ledger
import LedgerTestSupport
import Testing
import UnpaidCore

/// `verify` on PostgreSQL finds what SQLite finds on the same history, in the same words:
/// nothing on an untouched ledger, and each tampering SQLite's ChainTests catch, done to both.
@Suite struct IntegrityVerifyTests {
    @Test func anUntouchedLedgerVerifiesCleanWithTheSameHeadAsSQLite() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            let verification = try await fixture.ledger.verify(expectedHead: nil)
            #expect(try await fixture.ledger.chainHead() == verification.head, "\(fixture.backend)")
            return verification
        }
        #expect(postgres.problems == [])
        #expect(postgres.snapshots == 6)
        #expect(postgres.head == sqlite.head && postgres.head != nil)
        #expect(postgres.summary == sqlite.summary)
        #expect(postgres.archivedFiles.filter { $0.removal != nil }.map(\.snapshotID.rawValue) == [1])
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func randomHistoriesVerifyCleanAsOnSQLite(seed: UInt64) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            _ = try await QueryHistory.record(seed: seed, steps: 30, on: fixture.ledger)
            return try await fixture.ledger.verify(expectedHead: nil)
        }
        #expect(postgres.problems == [])
        #expect(postgres.summary == sqlite.summary)
    }

    @Test func anExpectedHeadIsFoundInTheChainOrNamedAsMissing() async throws {
        let unknown = String(repeating: "ab", count: 32)
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            let head = try #require(try await fixture.ledger.chainHead())
            return (head: head, found: try await fixture.ledger.verify(expectedHead: head.hash.uppercased()),
                    missing: try await fixture.ledger.verify(expectedHead: unknown))
        }
        #expect(postgres.found.expectedHeadSnapshot == SnapshotID(rawValue: postgres.head.snapshotID)
                && postgres.found.problems == [])
        #expect(postgres.head == sqlite.head && postgres.found.summary == sqlite.found.summary)
        #expect(postgres.missing.problems.map(\.table) == ["snapshot_chain"])
        #expect(postgres.missing.problems.first?.detail.contains(unknown) == true)
        #expect(postgres.missing.summary == sqlite.missing.summary)
    }

    @Test(arguments: Tampering.all)
    func eachTamperingIsCaughtAndNamedAsOnSQLite(_ tampering: Tampering) async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            try await fixture.tamper(tampering.statements.joined(separator: ";\n"))
            return try await fixture.ledger.verify(expectedHead: nil)
        }
        #expect(!postgres.problems.isEmpty)
        #expect(tampering.isNamed(postgres.problems), "\(postgres.problems)")
        #expect(postgres.summary == sqlite.summary)
    }

    @Test func aRemovedNewestSnapshotIsCaughtAgainstAHeadCopiedBefore() async throws {
        let (sqlite, postgres) = try await LedgerFixture.onBoth { fixture in
            try await fixture.recordIntegrityHistory()
            let ledger = fixture.ledger
            let head = try #require(try await ledger.chainHead())
            let earlier = try #require(try await fixture.textsBehindTheLedger(
                "SELECT chain_hash FROM snapshot_chain WHERE snapshot_id = 4").first)
            #expect(earlier.count == 64)
            let anchored = try await ledger.verify(expectedHead: earlier)
            try await fixture.removeNewestSnapshotOfHistory()
            return (head: head, anchored: anchored, unanchored: try await ledger.verify(expectedHead: nil),
                    against: try await ledger.verify(expectedHead: head.hash))
        }
        #expect(postgres.anchored.problems == [] && postgres.anchored.expectedHeadSnapshot == SnapshotID(rawValue: 4),
                "newer snapshots than a head copy are fine")
        #expect(postgres.anchored.summary == sqlite.anchored.summary)
        #expect(postgres.unanchored.problems == [], "without a head copy the shorter chain is consistent")
        #expect(postgres.unanchored.summary == sqlite.unanchored.summary)
        #expect(postgres.against.problems.count == 1)
        #expect(postgres.against.problems.first?.table == "snapshot_chain")
        #expect(postgres.against.problems.first?.detail.contains(postgres.head.hash) == true)
        #expect(postgres.head == sqlite.head && postgres.against.summary == sqlite.against.summary)
    }
}

/// One way to edit the ledger behind its back, and how verify must name it.
struct Tampering: Sendable, CustomTestStringConvertible {
    var name: String
    var statements: [String]
    var isNamed: @Sendable ([VerificationProblem]) -> Bool

    var testDescription: String { name }

    static func at(_ id: Int64, _ table: String, _ text: String = "") -> @Sendable ([VerificationProblem]) -> Bool {
        { problems in
            problems.contains { $0.snapshotID?.rawValue == id && $0.table == table && (text.isEmpty || $0.detail.contains(text)) }
        }
    }

    static let all: [Tampering] = [
        Tampering(name: "a total", statements: [
            "UPDATE snapshot_total SET sum_text = '99.99' WHERE snapshot_id = 2 AND currency = 'USD'",
        ]) { at(2, "snapshot_total", "99.99")($0) && at(2, "snapshot_chain")($0) },
        Tampering(name: "an amount", statements: [
            "UPDATE order_interval SET amount_text = '0.31' WHERE order_no = 'D'",
        ]) { at(2, "snapshot_total")($0) && at(2, "snapshot_chain")($0) },
        Tampering(name: "an interval's closing", statements: [
            "UPDATE order_interval SET closed_by_snapshot_id = 4 WHERE order_no = 'B' AND closed_by_snapshot_id = 2",
        ]) { problems in
            problems.contains { $0.table == "order_interval" && $0.detail.contains("order B") } && at(2, "snapshot_chain")(problems)
        },
        Tampering(name: "a diff row", statements: [
            "UPDATE snapshot_change SET after_sum_text = '1' WHERE snapshot_id = 2 AND currency = 'USD'",
        ], isNamed: at(2, "snapshot_change", "after_sum_text is 1")),
        Tampering(name: "a changed order removed", statements: [
            "DELETE FROM snapshot_change_order WHERE snapshot_id = 2 AND order_no = 'D'",
        ], isNamed: at(2, "snapshot_change_order", "new")),
        Tampering(name: "a diff compared with another snapshot", statements: [
            "UPDATE snapshot_diff SET previous_snapshot_id = 1 WHERE snapshot_id = 3",
        ], isNamed: at(3, "snapshot_diff", "previous_snapshot_id is 1")),
        Tampering(name: "an archived file's size", statements: [
            "UPDATE snapshot SET file_size = 1 WHERE id = 3",
        ]) { $0.count == 1 && at(3, "snapshot_chain", "something it recorded was changed")($0) },
        Tampering(name: "an archived file's SHA-256", statements: [
            "UPDATE snapshot SET sha256 = '\(String(repeating: "0f", count: 32))' WHERE id = 2",
        ]) { $0.count == 1 && at(2, "snapshot_chain", "something it recorded was changed")($0) },
        Tampering(name: "a chain link", statements: [
            "UPDATE snapshot_chain SET chain_hash = previous_hash WHERE snapshot_id = 3",
        ]) { at(3, "snapshot_chain", "chain_hash is")($0) && at(4, "snapshot_chain", "previous_hash is")($0) },
        Tampering(name: "a middle snapshot removed", statements: [
            "DELETE FROM snapshot_chain WHERE snapshot_id = 5", "DELETE FROM order_interval WHERE first_snapshot_id = 5",
            "DELETE FROM snapshot_total WHERE snapshot_id = 5", "DELETE FROM snapshot WHERE id = 5",
        ]) { $0.map(\.table) == ["snapshot_chain"] && at(6, "snapshot_chain")($0) },
    ]
}
