import Dispatch
import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Talks to systemd and the operator: READY=1 once started, a configuration reload on
/// every SIGHUP (an invalid file keeps the running configuration), STOPPING=1 on shutdown.
struct DaemonControl: Service {
    let daemon: Daemon
    let ledger: Ledger
    let shared: SharedLimits
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
            for await _ in hangups.cancelOnGracefulShutdown() { reload() }
        } onGracefulShutdown: { [notifier, logger] in
            notifySystemd(notifier, logger) { try $0.stopping() }
            logger.info("shutting down: no new runs; runs in flight finish")
            continuation.finish()
        }
    }

    /// Re-reads the configuration file. Everything is checked before anything is swapped.
    func reload() {
        notifySystemd(notifier, logger) { try $0.reloading() }
        logger.info("reloading configuration", metadata: ["config": "\(daemon.configurationFile)"])
        let current = executor.configuration
        do {
            let next = try Configuration.load(file: daemon.configurationFile)
            let jobs = try daemon.scheduledJobs(of: next)
            guard next.storage.database == current.storage.database else {
                throw DaemonError.databaseChanged(from: current.storage.database, to: next.storage.database)
            }
            let privateKey = try next.api.privateKeySource.load(environment: daemon.environment.variables)
            if next.daemon != shared.settings {
                logger.notice("[daemon] changes take effect on restart; keeping the running limits")
            }
            if next.alerts.targets != current.alerts.targets
                || next.alerts.maxDeliveryAgeSeconds != current.alerts.maxDeliveryAgeSeconds {
                logger.notice("[[target]] and [delivery] changes take effect on restart; alert rules apply now")
            }
            executor.replace(configuration: next,
                             runner: shared.runner(for: next, ledger: ledger, privateKey: privateKey, logger: logger))
            scheduler.replaceJobs(jobs.map(\.scheduled))
            status.jobsReplaced(jobs.map(\.settings))
            logger.info("configuration reloaded", metadata: ["jobs": "\(jobs.map(\.settings.name))"])
        } catch {
            status.note("reload failed, kept the previous configuration: \(error)")
            logger.error("configuration reload failed; keeping the previous configuration", metadata: [
                "config": "\(daemon.configurationFile)", "error": "\(error)"])
        }
        let line = status.line(now: Date())
        notifySystemd(notifier, logger) { try $0.ready(status: line) }
    }
}
