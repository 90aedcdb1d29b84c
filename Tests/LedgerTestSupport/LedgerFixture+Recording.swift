import Foundation
import Ledger
import UnpaidCore

extension LedgerFixture {
    public static let base = Date(timeIntervalSince1970: 1_793_000_000)
    public static let window = try! BillingWindow(start: 1_790_812_800, end: 1_793_491_200)
}

/// A test's ledger, recorded into through the protocols: the contract's `LedgerFixture`,
/// and the fixtures of tests about one backend itself, so both record the same histories.
public protocol LedgerRecording {
    var recordingLedger: any Ledger { get }
}

extension LedgerFixture: LedgerRecording {
    public var recordingLedger: any Ledger { ledger }
}

extension LedgerRecording {
    /// A distinct file hash per seed; equal seeds mean the same bytes.
    public func sha(_ seed: Int) -> String {
        String(repeating: String(format: "%02x", seed % 256), count: 32)
    }

    /// Starts a run `minute` minutes after ``LedgerFixture/base``, when its snapshot is fetched.
    public func startRun(job: String = "monthly", minute: Int) async throws -> RunID {
        try await recordingLedger.startRun(job: job, startedAt: LedgerFixture.base.addingTimeInterval(Double(minute) * 60))
    }

    /// Starts a run, records one snapshot in it and finishes it successfully.
    @discardableResult
    public func record(_ orders: [UnpaidOrder], job: String = "monthly", organizationID: Int64 = 42,
                       shaSeed: Int, minute: Int) async throws -> SnapshotRecord {
        let at = LedgerFixture.base.addingTimeInterval(Double(minute) * 60)
        let run = try await recordingLedger.startRun(job: job, startedAt: at)
        let record = try await recordingLedger.recordSnapshot(
            snapshot(run: run, job: job, organizationID: organizationID, shaSeed: shaSeed, at: at),
            orders: orders)
        try await recordingLedger.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
        return record
    }

    /// Records a snapshot through the alerting path in a finished run.
    @discardableResult
    public func recordAlerting(_ orders: [UnpaidOrder], job: String = "monthly", shaSeed: Int, minute: Int,
                               alerting: (AlertingInput) throws -> AlertingPlan = { _ in .nothing(at: 0) })
        async throws -> AlertedSnapshot {
        let at = LedgerFixture.base.addingTimeInterval(Double(minute) * 60)
        let run = try await recordingLedger.startRun(job: job, startedAt: at)
        let result = try await recordingLedger.recordSnapshot(snapshot(run: run, job: job, shaSeed: shaSeed, at: at),
                                                     orders: orders, alerting: alerting)
        try await recordingLedger.finishRun(run, status: .succeeded, error: nil, finishedAt: at.addingTimeInterval(5))
        return result
    }

    public func snapshot(run: RunID, job: String = "monthly", organizationID: Int64 = 42, shaSeed: Int,
                         at: Date) -> NewSnapshot {
        NewSnapshot(runID: run, job: job, organizationID: organizationID, window: LedgerFixture.window,
                    periodLabel: "2026-10-01_2026-11-01", fetchedAt: at,
                    fileName: "unpaid-\(organizationID)-\(shaSeed).xlsx", fileSize: 1000 + Int64(shaSeed),
                    sha256: sha(shaSeed), archivePath: "archive/\(organizationID)/\(shaSeed).xlsx")
    }
}

/// An unpaid order of organization 42 by default, started at the same instant as every other.
public func order(_ number: String, _ amount: String, currency: String = "USD", organizationID: Int64 = 42,
                  product: String? = "uhost", resource: String? = nil,
                  startTime: Int64? = 1_791_000_000) -> UnpaidOrder {
    UnpaidOrder(orderNo: number, organizationID: organizationID, currency: currency,
                totalPrice: try! Money(amount), startTime: startTime, productCode: product,
                resourceID: resource ?? "uhost-\(number)", modelID: nil)
}

extension Array where Element == UnpaidOrder {
    /// The orders as the ledger lists them: by order number in byte order.
    public var byOrderNo: [UnpaidOrder] { sorted { $0.orderNo.utf8.lexicographicallyPrecedes($1.orderNo.utf8) } }
}

/// The recording helpers on a ledger a test opened itself (as a replica's role, say),
/// rather than a fixture's.
public struct LedgerRecorder: LedgerRecording {
    public let recordingLedger: any Ledger

    public init(_ ledger: any Ledger) { recordingLedger = ledger }
}
