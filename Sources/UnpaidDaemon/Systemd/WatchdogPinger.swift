import Foundation
import Logging
import ServiceLifecycle

/// Sends `WATCHDOG=1` every `interval` until graceful shutdown, so systemd restarts the
/// daemon if it wedges. Add it to the service group only when
/// `SystemdNotifier.watchdogInterval` is set.
public struct WatchdogPinger: Service {
    private let notifier: SystemdNotifier
    private let interval: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let logger: Logger

    /// `sleep` defaults to the monotonic clock: a wall clock stepped back must not
    /// delay a ping past systemd's deadline.
    public init(notifier: SystemdNotifier, interval: Duration, logger: Logger,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.notifier = notifier
        self.interval = interval
        self.sleep = sleep
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try notifier.watchdog()
            } catch {
                logger.warning("watchdog ping failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await sleep(interval) }
            } catch {
                return
            }
        }
    }
}
