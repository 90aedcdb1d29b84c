import Foundation
import Ledger
import Logging
import ServiceLifecycle
import UnpaidCore
import UnpaidMetrics

/// `unpaidd run`: the scheduler, the watchdog and the SIGHUP handler in one service group.
/// SIGTERM/SIGINT start a graceful shutdown: no new run starts, runs in flight finish
/// (bounded by `daemon.shutdown_grace_seconds`), and the process exits 0.
public struct Daemon: Sendable {
    public let configurationFile: String
    /// Schedule only this job (the others stay in the configuration, unscheduled).
    public let onlyJob: String?
    let logger: Logger
    /// Kept for reloads (the private key and `*_env` may be read again); never printed.
    let environment: ProcessEnvironment

    public init(configurationFile: String, onlyJob: String? = nil, logger: Logger,
                environment: ProcessEnvironment = ProcessEnvironment()) {
        self.configurationFile = configurationFile
        self.onlyJob = onlyJob
        self.logger = logger
        self.environment = environment
    }

    public func run() async throws {
        // Before anything else: SIGHUP's default action would kill us before the handler runs.
        signal(SIGHUP, SIG_IGN)
        ProcessMemory.limitArenas()
        let loaded = try Configuration.load(file: configurationFile)
        let jobs = try scheduledJobs(of: loaded)
        try StorageCheck.prepare(loaded.storage)
        // SQLite only: replicas on PostgreSQL share the work through claims in the database.
        let lock = try loaded.storage.ledger.sqlitePath.map { path throws(InstanceLockError) in
            try InstanceLock(database: path)
        }
        // Replicas sharing a spool each download into a part of their own.
        let slot = lock == nil ? try SpoolSlot(spool: loaded.storage.spoolDirectory) : nil
        let configuration = loaded.inSpool(slot)
        let privateKey = try configuration.api.privateKeySource.load(environment: environment.variables)
        // The ledger is open for the whole service group: every service holds it until the last has stopped.
        try await configuration.storage.withOpenLedger(.create, logger: logger, environment: environment.variables) { open in
            try await StartupRecovery.runIfAlone(configuration: configuration, ledger: open.ledger, lock: lock, slot: slot,
                                                 logger: logger)
            try await serve(configuration: configuration, jobs: jobs, open: open, lock: lock, slot: slot, privateKey: privateKey)
        }
        withExtendedLifetime((lock, slot)) {}
        logger.info("daemon stopped")
    }

    /// The scheduler, delivery, the watchdog and the SIGHUP handler on an open ledger, until shutdown.
    private func serve(configuration: Configuration, jobs: [(settings: JobSettings, scheduled: ScheduledJob)],
                       open: OpenLedger, lock: InstanceLock?, slot: SpoolSlot?, privateKey: String) async throws {
        let ledger = open.ledger
        let replica = ReplicaID.thisProcess()
        let shared = Reloadable(SharedLimits(configuration.daemon, sharing: open.sharing, replica: replica))
        let notifier = SystemdNotifier(environment: environment.variables)
        let status = DaemonStatus(jobs: jobs.map(\.settings))
        let executor = PipelineJobExecutor(
            configuration: configuration,
            runner: shared.value.runner(for: configuration, ledger: ledger, privateKey: privateKey, logger: logger),
            onRunFinished: { [logger] summary in
                if Task.isCancelled {
                    let metadata: Logger.Metadata = [
                        "job": "\(summary.job)", "run_id": "\(summary.runID.rawValue)",
                        "grace_seconds": "\(configuration.daemon.shutdownGraceSeconds)"]
                    logger.warning("shutdown grace period expired: run cancelled; its fire is retried on the next start",
                                   metadata: metadata)
                }
                status.runFinished(summary, at: Date())
                notifySystemd(notifier, logger) { try $0.status(status.line(now: Date())) }
            })
        let claims = open.sharing.workClaims(replica: replica)
        let scheduler = Scheduler(jobs: jobs.map(\.scheduled), executor: executor, store: LedgerFireTimes(ledger: ledger),
                                  claims: claims, gracePeriod: configuration.daemon.shutdownGraceSeconds, logger: logger)
        let delivery = Reloadable(AlertDelivery(settings: configuration.alerts, ledger: ledger, logger: logger))
        let control = DaemonControl(daemon: self, ledger: ledger, sharing: open.sharing, replica: replica, slot: slot,
                                    shared: shared,
                                    delivery: delivery, executor: executor, scheduler: scheduler, status: status,
                                    notifier: notifier, logger: logger)

        var services: [any Service] = []
        if let notifier, let interval = notifier.watchdogInterval {
            services.append(WatchdogPinger(notifier: notifier, interval: interval, logger: logger))
        }
        if let listen = configuration.metrics.listen {
            let exposition = MetricsExposition.process(ledger: ledger, version: UnpaiddVersion.current)
            services.append(MetricsServer(exposition: exposition, host: listen.host, port: listen.port, logger: logger))
        }
        // Always running, even with no target or rule yet: a reload may add them.
        services.append(AlertDelivery.loop(delivery))
        services.append(PipelineWatch(current: { [self] in
            let configuration = executor.configuration
            return PipelineAlerts(configuration: configuration,
                                  watching: (try? scheduledJobs(of: configuration))?.map(\.settings) ?? [])
        }, ledger: ledger, logger: logger))
        // Shut down in reverse: the control first (STOPPING=1), then the scheduler lets its
        // runs finish (queueing their alerts), then delivery stops, the outbox keeping
        // what is left; the watchdog pings until the end.
        services.append(LedgerHousekeeping(ledger: ledger, retentionSeconds: configuration.storage.archiveRetentionSeconds,
                                           logger: logger))
        let sharedRuns: (any RunRecorder)? = if case .replicas = open.sharing { ledger } else { nil }
        services.append(OrphanSweep(claims: claims, scheduler: scheduler, runs: sharedRuns, logger: logger))
        services += [scheduler, control] as [any Service]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // The scheduler cancels runs in flight after shutdown_grace_seconds (reloadable, at
        // most an hour); this only backstops a service that would not stop at all.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(3_600 + 60)
        logger.info("daemon starting", metadata: [
            "config": "\(configurationFile)", "jobs": "\(jobs.map(\.settings.name))",
            "ledger": "\(configuration.storage.database)", "lock": "\(lock?.path ?? "none: replicas share the database")",
            "replica": "\(claims.replica)",
        ])
        let unscheduled = configuration.jobs.filter { $0.schedule == nil }.map(\.name)
        if onlyJob == nil, !unscheduled.isEmpty {
            logger.notice("jobs without a schedule are not run by the daemon (only by run --once)",
                          metadata: ["jobs": "\(unscheduled)"])
        }
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The jobs with a schedule (or `onlyJob`), paired with their scheduler view.
    func scheduledJobs(of configuration: Configuration) throws(DaemonError) -> [(settings: JobSettings, scheduled: ScheduledJob)] {
        var jobs = configuration.jobs
        if let onlyJob {
            guard let job = configuration.job(named: onlyJob) else {
                throw .unknownJob(onlyJob, file: configuration.file)
            }
            jobs = [job]
        }
        let scheduled = jobs.compactMap { job in job.scheduledJob.map { (job, $0) } }
        guard !scheduled.isEmpty else { throw .nothingScheduled(file: configuration.file) }
        return scheduled
    }
}

/// systemd being unreachable must never stop the daemon; it is worth a warning.
func notifySystemd(_ notifier: SystemdNotifier?, _ logger: Logger,
                   _ send: (SystemdNotifier) throws -> Void) {
    guard let notifier else { return }
    do { try send(notifier) } catch {
        logger.warning("cannot notify systemd", metadata: ["error": "\(error)"])
    }
}

public enum DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    case nothingScheduled(file: String)
    case unknownJob(String, file: String)
    case databaseChanged(from: String, to: String)

    public var description: String {
        switch self {
        case .nothingScheduled(let file):
            "\(file): no [[job]] has a schedule: add schedule = \"0 6 * * *\" (or \"@every 6h\") to a job, or use run --once from a timer"
        case .unknownJob(let name, let file):
            "--job: no job named \"\(name)\" in \(file)"
        case .databaseChanged(let from, let to):
            "storage.database changed from \(from) to \(to): a reload cannot move the ledger; restart the daemon (systemctl restart unpaidd)"
        }
    }
}
