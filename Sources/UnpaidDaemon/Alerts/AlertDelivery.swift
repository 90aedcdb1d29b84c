import Foundation
import Ledger
import Logging
import ServiceLifecycle
import Webhooks

/// Delivers the ledger's outbox to the configured targets: continuously in the daemon
/// (`service`), or for a bounded time after a one-shot run (`drain`).
public struct AlertDelivery: Sendable {
    public struct DrainReport: Sendable, Hashable {
        public var delivered = 0
        public var retries = 0
        public var dead: [String] = []
        public var disabledTargets: [String] = []
        /// Rows still pending when the drain stopped (also those held for a disabled target).
        public var stillPending = 0
    }

    let ledger: any Ledger
    let service: DeliveryService
    let logger: Logger
    let now: @Sendable () -> Int64
    let wholeRuns: Set<String>

    public init(settings: AlertSettings, ledger: any Ledger, logger: Logger,
                client: any WebhookHTTPClient = CurlWebhookClient(),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.ledger = ledger
        self.logger = logger
        self.now = now
        let schedule = RetrySchedule(maxAge: max(60, Int64(settings.maxDeliveryAgeSeconds)))
        wholeRuns = Set(settings.targets.filter { $0.grouping == .perRun }.map(\.name))
        service = DeliveryService(store: LedgerOutboxStore(ledger: ledger, wholeRunsFor: settings.targets),
                                  sender: WebhookSender(client: client, logger: logger),
                                  targets: settings.targets, schedule: schedule, logger: logger)
    }

    /// After a reload: messages held by quiet hours that changed (or went) are due again
    /// now, so the new hours decide, instead of waiting for the end of the old ones.
    @discardableResult
    public static func releaseHeld(from old: AlertSettings, to new: AlertSettings, ledger: any Ledger,
                                   now: Int64) async throws -> Int {
        let before = Dictionary(old.targets.map { ($0.name, $0.quietHours) }, uniquingKeysWith: { first, _ in first })
        let changed = new.targets.filter { target in before[target.name].map { $0 != target.quietHours } ?? false }
        return try await ledger.releaseHeldDeliveries(targets: Set(changed.map(\.name)), now: now)
    }

    /// One attempt for each due message.
    public func pass(using generator: inout some RandomNumberGenerator) async throws -> DeliveryService.PassReport {
        try await service.pass(now: now, using: &generator)
    }

    /// Delivers what is due, waiting for retries that come due before `timeout` runs out;
    /// whatever is left stays in the outbox for the daemon or the next run.
    public func drain(timeout: Duration, clock: some Clock<Duration> = ContinuousClock()) async throws -> DrainReport {
        let deadline = clock.now.advanced(by: timeout)
        var generator = SystemRandomNumberGenerator()
        var total = DrainReport()
        while true {
            let pass = try await service.pass(now: now, using: &generator)
            total.delivered += pass.delivered
            total.retries += pass.retrying
            total.dead += pass.dead
            total.disabledTargets += pass.disabledTargets
            let progressed = pass.delivered + pass.retrying + pass.dead.count > 0
            guard let next = try await ledger.nextDeliveryDue(wholeRuns: wholeRuns) else { break }
            var wait = next - now()
            if wait <= 0 {
                if progressed { continue }
                // Held back by a target's messages per minute: a slot frees within the minute.
                guard pass.paced > 0 else { break }
                wait = 1
            }
            guard clock.now.advanced(by: .seconds(wait)) <= deadline else { break }
            try await clock.sleep(for: .seconds(wait))
        }
        total.stillPending = try await ledger.deliveries(status: .pending).count
        return total
    }

    /// The daemon's delivery loop, ended by graceful shutdown.
    public func loop(pollInterval: Duration = .seconds(5)) -> some Service {
        DeliveryLoop(delivery: Reloadable(self), pollInterval: pollInterval)
    }

    /// A delivery loop that takes up a reloaded configuration (targets, `[delivery]`)
    /// at its next pass.
    public static func loop(_ delivery: Reloadable<AlertDelivery>, pollInterval: Duration = .seconds(5)) -> some Service {
        DeliveryLoop(delivery: delivery, pollInterval: pollInterval)
    }
}

struct DeliveryLoop: Service {
    let delivery: Reloadable<AlertDelivery>
    let pollInterval: Duration

    /// A failing pass (the ledger busy or its disk full) is logged and tried again next
    /// poll: the outbox keeps every message, so the daemon need not stop over it.
    func run() async throws {
        try? await cancelWhenGracefulShutdown { [delivery, pollInterval] in
            var generator = SystemRandomNumberGenerator()
            while !Task.isCancelled {
                let current = delivery.value
                do {
                    _ = try await current.pass(using: &generator)
                } catch {
                    current.logger.error("webhook delivery pass failed; retrying next poll",
                                          metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: pollInterval)
            }
        }
    }
}
