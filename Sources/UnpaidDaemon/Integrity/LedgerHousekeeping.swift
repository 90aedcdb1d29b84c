import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// The daemon's daily ledger chores: log the snapshot chain's head (so copies of it live
/// in the journal and whatever ships it) and apply the archive retention, at start and
/// then every `interval`.
public struct LedgerHousekeeping: Service {
    let ledger: any Ledger
    let retention: ArchiveRetention?
    let interval: Duration
    let logger: Logger

    public init(ledger: any Ledger, retentionSeconds: TimeInterval?, interval: Duration = .seconds(86_400), logger: Logger) {
        self.ledger = ledger
        self.retention = retentionSeconds.map { ArchiveRetention(ledger: ledger, retentionSeconds: $0, logger: logger) }
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await runOnce()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    func runOnce(now: Date = Date()) async {
        do {
            if let head = try await ledger.chainHead() {
                logger.notice("ledger chain head", metadata: [
                    "snapshot_id": "\(head.snapshotID)", "chain_hash": "\(head.hash)"])
            }
        } catch {
            logger.error("cannot read the ledger chain head", metadata: ["error": "\(error)"])
        }
        do {
            try await retention?.apply(now: now)
        } catch {
            logger.error("archive retention failed; retried tomorrow", metadata: ["error": "\(error)"])
        }
    }
}
