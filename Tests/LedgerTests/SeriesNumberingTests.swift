import Foundation
import Testing
import UnpaidCore
import Ledger
import LedgerTestSupport

/// A series is numbered after the series before it when its first snapshot is recorded:
/// neither a snapshot of an existing series nor a refused first one spends a number. The
/// chain hashes the series' number, so only then does one history link alike on every backend.
@Suite struct SeriesNumberingTests {
    @Test(arguments: LedgerBackend.allCases)
    func seriesAreNumberedInTheOrderOfTheirFirstSnapshotWithoutGaps(_ backend: LedgerBackend) async throws {
        try await LedgerFixture.with(backend) { fixture in
            try await fixture.record([order("A", "1")], shaSeed: 1, minute: 0)
            try await fixture.record([order("A", "2")], shaSeed: 2, minute: 1)
            let at = LedgerFixture.base.addingTimeInterval(120)
            let run = try await fixture.ledger.startRun(job: "monthly", startedAt: at)
            let twice = [order("C", "1", organizationID: 43), order("C", "1", organizationID: 43)]
            await #expect(throws: LedgerError.self) {
                try await fixture.ledger.recordSnapshot(
                    fixture.snapshot(run: run, organizationID: 43, shaSeed: 3, at: at), orders: twice)
            }
            try await fixture.record([order("X", "1")], job: "daily", shaSeed: 4, minute: 3)
            try await fixture.ledger.recordSnapshot(fixture.snapshot(run: run, organizationID: 43, shaSeed: 5, at: at),
                                                    orders: [order("C", "1", organizationID: 43)])
            let series = try await fixture.rowsBehindTheLedger("SELECT id, job, organization_id FROM series ORDER BY id")
            #expect(series.map { [$0["id"], $0["job"], $0["organization_id"]] }
                    == [["1", "monthly", "42"], ["2", "daily", "42"], ["3", "monthly", "43"]])
        }
    }
}
