import ArgumentParser
import BillingAPI
import Foundation
import UnpaidCore
import UnpaidDaemon

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call DownloadListUnpaidOrders and print the API's JSON answer (or, with --dry-run, the signed request with secrets masked).")

    @OptionGroup var config: ConfigOption
    @OptionGroup var log: LogOptions

    @OptionGroup var period: WindowOptions

    @Option(help: "Organization id (repeatable). Default: all organizations the key can see.")
    var org: [Int64] = []

    @Option(help: "Use this job's filters.")
    var job: String?

    @Flag(help: "Print the signed request instead of sending it; the private key and signature are masked.")
    var dryRun = false

    func run() async throws {
        let settings = try config.load()
        var filters = QueryFilters()
        if let job {
            guard let configured = settings.job(named: job) else {
                throw CommandError("--job: no job named \"\(job)\" in \(settings.file)")
            }
            filters = configured.filters
        }
        let window = try period.window(in: settings.timeZone)
        let query = UnpaidOrdersQuery(window: window, organizationIDs: org, filters: filters)
        let client = settings.makeAPIClient(privateKey: try settings.api.privateKeySource.load(), logger: log.makeLogger())
        if dryRun {
            print(try client.signedRequest(for: query))
            return
        }
        try query.validate()
        let response = try await client.rawCall(action: "DownloadListUnpaidOrders", parameters: query.parameters)
        print(String(decoding: response.json, as: UTF8.self))
        if let uuid = response.requestUUID { FileHandle.standardError.write(Data("request id: \(uuid)\n".utf8)) }
        if response.retCode != 0 { throw ExitCode.failure }
    }
}
