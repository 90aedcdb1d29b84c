import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// The daemon's own clock for the stale rules: evaluates at start (covering the time the
/// daemon was down), then again at the next moment a series could turn stale, and at
/// least every `maxInterval` so a reload's rules and jobs apply.
struct PipelineWatch: Service {
    /// The rules and jobs of the current configuration (a reload swaps them).
    let current: @Sendable () -> PipelineAlerts
    let ledger: any Ledger
    let clock: any WallClock
    let maxInterval: TimeInterval
    let logger: Logger

    init(current: @escaping @Sendable () -> PipelineAlerts, ledger: any Ledger, clock: any WallClock = SystemWallClock(),
         maxInterval: TimeInterval = 60, logger: Logger) {
        self.current = current
        self.ledger = ledger
        self.clock = clock
        self.maxInterval = maxInterval
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let until = await evaluate()
                try await clock.sleep(until: until)
            }
        }
    }

    /// One evaluation; returns when to evaluate next. A failing evaluation (the ledger
    /// busy, its disk full) is logged and tried again later: nothing is lost meanwhile.
    func evaluate() async -> Date {
        let now = clock.now()
        let seconds = Int64(now.timeIntervalSince1970)
        var next = now.addingTimeInterval(maxInterval)
        do {
            let alerts = current()
            let queued = try await alerts.evaluate(ledger: ledger, now: seconds)
            for delivery in queued {
                let notification = delivery.notification
                logger.notice("pipeline alert \(notification.kind.rawValue)", metadata: [
                    "rule": "\(notification.identity.rule)", "job": "\(notification.identity.job)",
                    "org": "\(notification.identity.organizationID)", "target": "\(delivery.target)",
                ])
            }
            if let deadline = try await alerts.nextStaleDeadline(ledger: ledger, after: seconds) {
                next = min(next, Date(timeIntervalSince1970: TimeInterval(deadline)))
            }
        } catch {
            logger.error("evaluating stale and failing alerts failed; trying again later", metadata: ["error": "\(error)"])
        }
        return next
    }
}
