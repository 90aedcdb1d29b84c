import Foundation
import LoopbackTestSupport
import Ledger
import SQLiteLedger
import Logging
import Synchronization
import UnpaidCore
@testable import UnpaidDaemon
import Webhooks

/// Unix seconds that tests move by hand.
final class TestTime: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func set(_ time: Int64) { value.withLock { $0 = time } }
}

/// A real ledger file in a temporary directory, with alert settings and the pipeline's
/// ledger step (record a snapshot through the planner) driven with orders directly.
final class AlertBench: Sendable {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// The loopback receivers answer at once; the limit only has to outlast a loaded CI
    /// machine starving the in-process server, which 5 s did not (the reply then turned
    /// into a timeout and a scripted receiver fell out of step).
    static let receiverTimeout: Duration = .seconds(30)
    let directory: URL
    let path: String
    let settings: AlertSettings
    let time = TestTime(1_800_000_000)
    let ledger: SQLiteLedger
    let window = try! BillingWindow(start: 1_790_812_800, end: 1_793_491_200)

    init(rules: [AlertRule], targets: [WebhookTarget], maxAge: Double = 3 * 86_400, directory: URL? = nil) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("alert-tests-\(UUID().uuidString)", isDirectory: true)
        path = self.directory.appendingPathComponent("ledger.sqlite").path
        settings = AlertSettings(rules: rules, targets: targets, maxDeliveryAgeSeconds: maxAge)
        ledger = try SQLiteLedger(path: path)
    }

    func removeFiles() { try? FileManager.default.removeItem(at: directory) }

    /// What `ExportPipeline.snapshot` does once the file parsed: one transaction.
    @discardableResult
    func record(_ orders: [UnpaidOrder], job: String = "daily", organizationID: Int64 = 42,
                file seed: Int) throws -> AlertedSnapshot {
        let at = Date(timeIntervalSince1970: TimeInterval(time.now))
        let run = try ledger.startRun(job: job, startedAt: at)
        let snapshot = NewSnapshot(
            runID: run, job: job, organizationID: organizationID, window: window, periodLabel: "2026-10",
            fetchedAt: at, fileName: "unpaid-\(seed).xlsx", fileSize: 1000,
            sha256: String(repeating: String(format: "%02x", seed % 256), count: 32), archivePath: "archive/\(seed).xlsx")
        let now = time.now
        let recorded = try ledger.recordSnapshot(
            snapshot, orders: orders, highlighting: AlertEvaluator.highlightRequest(rules: settings.rules, now: now),
            alerting: AlertPlanner(settings: settings, now: { now }).plan)
        try ledger.finishRun(run, status: .succeeded, error: nil, finishedAt: at)
        return recorded
    }

    func delivery(ledger: Ledger? = nil) -> AlertDelivery {
        var logger = Logger(label: "alert-tests")
        logger.logLevel = .critical
        return AlertDelivery(settings: settings, ledger: ledger ?? self.ledger, logger: logger,
                             client: CurlWebhookClient(), now: { [time] in time.now })
    }
}

func usd(_ number: String, _ amount: String, currency: String = "USD", organizationID: Int64 = 42) -> UnpaidOrder {
    UnpaidOrder(orderNo: number, organizationID: organizationID, currency: currency, totalPrice: try! Money(amount),
                startTime: 1_791_000_000, productCode: "uhost", resourceID: "uhost-\(number)", modelID: nil)
}

func changeRule(_ name: String = "grew", on direction: ChangeDirection = .increase, targets: [String]) -> AlertRule {
    AlertRule(name: name, condition: .change(direction, minDelta: nil, minDeltaRatio: nil), targets: targets)
}
