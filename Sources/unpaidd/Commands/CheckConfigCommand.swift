import ArgumentParser
import UnpaidDaemon

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file (and that its private key is readable) without touching the network.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        _ = try config.api.privateKeySource.load()
        try StorageCheck.check(config.storage)
        print("\(config.file): ok")
        print("  api: \(config.api.endpoint), private key from \(config.api.privateKeySource)")
        print("  ledger: \(config.storage.database)")
        print("  archive: \(config.storage.archiveDirectory)")
        print("  spool: \(config.storage.spoolDirectory)")
        for job in config.jobs {
            let schedule = job.schedule.map { ", schedule \($0)" } ?? ""
            print("  job \(job.name): \(job.organizations.count) organization(s), \(job.period) in \(job.timeZone.identifier)\(schedule)")
        }
    }
}
