import UnpaidDaemon

/// `unpaidd run` without `--once`: the long-running daemon.
enum DaemonMode {
    static func run(config: ConfigOption, log: LogOptions, job: String?) async throws {
        try await Daemon(configurationFile: config.config, onlyJob: job, logger: log.makeLogger()).run()
    }
}
