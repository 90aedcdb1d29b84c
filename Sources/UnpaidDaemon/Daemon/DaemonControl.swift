import Dispatch
import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Talks to systemd and the operator: READY=1 once started, a configuration reload on
/// every SIGHUP (an invalid file keeps the running configuration), STOPPING=1 on shutdown.
struct DaemonControl: Service {
    let daemon: Daemon
    let ledger: any Ledger
    let sharing: LedgerSharing
    let replica: ReplicaID
    /// This replica's part of a shared spool; a reload keeps it.
    let slot: SpoolSlot?
    let shared: Reloadable<SharedLimits>
    let delivery: Reloadable<AlertDelivery>
    let executor: PipelineJobExecutor
    let scheduler: Scheduler
    let status: DaemonStatus
    let notifier: SystemdNotifier?
    let logger: Logger

    func run() async throws {
        let (hangups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        defer { source.cancel() }

        let line = status.line(now: Date())
        notifySystemd(notifier, logger) { try $0.ready(status: line) }
        logger.info("daemon ready", metadata: ["status": "\(line)"])
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() { await reload() }
        } onGracefulShutdown: { [notifier, logger] in
            notifySystemd(notifier, logger) { try $0.stopping() }
            logger.info("shutting down: no new runs; runs in flight finish")
            continuation.finish()
        }
    }

    /// Re-reads the configuration file. Everything is checked before anything is swapped;
    /// then jobs, alert rules, targets, `[delivery]` and `[daemon]` take effect at once
    /// for new work, while runs in flight finish under the settings they started with.
    /// Only the ledger's location (and the metrics listener) need a restart.
    func reload() async {
        notifySystemd(notifier, logger) { try $0.reloading() }
        logger.info("reloading configuration", metadata: ["config": "\(daemon.configurationFile)"])
        let current = executor.configuration
        do {
            let next = try Configuration.load(file: daemon.configurationFile).inSpool(slot)
            let jobs = try daemon.scheduledJobs(of: next)
            guard next.storage.ledger == current.storage.ledger else {
                throw DaemonError.databaseChanged(from: current.storage.database, to: next.storage.database)
            }
            let privateKey = try next.api.privateKeySource.load(environment: daemon.environment.variables)
            var limits = shared.value
            if next.daemon.maxConcurrentOrganizations != limits.settings.maxConcurrentOrganizations
                || next.daemon.apiCallsPerSecond != limits.settings.apiCallsPerSecond {
                // New runs share new limits; runs in flight keep the old ones until they end.
                limits = SharedLimits(next.daemon, sharing: sharing, replica: replica)
                shared.replace(limits)
            }
            scheduler.setGracePeriod(next.daemon.shutdownGraceSeconds)
            delivery.replace(AlertDelivery(settings: next.alerts, ledger: ledger, logger: logger))
            do {
                let released = try await AlertDelivery.releaseHeld(from: current.alerts, to: next.alerts, ledger: ledger,
                                                             now: Int64(Date().timeIntervalSince1970))
                if released > 0 { logger.info("quiet hours changed: held messages due again", metadata: ["messages": "\(released)"]) }
            } catch {
                logger.error("could not release messages held by the old quiet hours; they wait for the old end",
                             metadata: ["error": "\(error)"])
            }
            executor.replace(configuration: next,
                             runner: limits.runner(for: next, ledger: ledger, privateKey: privateKey, logger: logger))
            scheduler.replaceJobs(jobs.map(\.scheduled))
            status.jobsReplaced(jobs.map(\.settings))
            let changes = ConfigurationChanges.between(current, next)
            logger.info("configuration reloaded", metadata: [
                "jobs": "\(jobs.map(\.settings.name))",
                "changes": "\(changes.isEmpty ? "none" : changes.joined(separator: "; "))"])
        } catch {
            status.note("reload failed, kept the previous configuration: \(error)")
            logger.error("configuration reload failed; keeping the previous configuration", metadata: [
                "config": "\(daemon.configurationFile)", "error": "\(error)"])
        }
        let line = status.line(now: Date())
        notifySystemd(notifier, logger) { try $0.ready(status: line) }
    }
}
