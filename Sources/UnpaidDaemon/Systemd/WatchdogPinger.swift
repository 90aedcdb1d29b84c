import Foundation
import Logging
import ServiceLifecycle

/// Sends `WATCHDOG=1` every `interval` until graceful shutdown, so systemd restarts the
/// daemon if its event loop wedges. Add it to the service group only when
/// `SystemdNotifier.watchdogInterval` is set.
public struct WatchdogPinger: Service {
    private let notifier: SystemdNotifier
    private let interval: Duration
    private let clock: any WallClock
    private let logger: Logger

    public init(notifier: SystemdNotifier, interval: Duration, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.notifier = notifier
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try notifier.watchdog()
            } catch {
                logger.warning("watchdog ping failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown {
                    try await clock.sleep(until: clock.now().addingTimeInterval(seconds))
                }
            } catch {
                return
            }
        }
    }
}
