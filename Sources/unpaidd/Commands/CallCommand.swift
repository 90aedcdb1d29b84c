import ArgumentParser
import BillingAPI
import Foundation
import UnpaidCore
import UnpaidDaemon

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call DownloadListUnpaidOrders (or GetOrderAmount) and print the API's JSON answer (or, with --dry-run, the signed request with secrets masked).")

    /// The actions that take the export's filters and window.
    static let actions = ["DownloadListUnpaidOrders", "GetOrderAmount"]

    @OptionGroup var config: ConfigOption
    @OptionGroup var log: LogOptions

    @OptionGroup var period: WindowOptions

    @Option(help: "Organization id (repeatable). Default: all organizations the key can see.")
    var org: [Int64] = []

    @Option(help: "Use this job's filters.")
    var job: String?

    @Option(help: "DownloadListUnpaidOrders (default) or GetOrderAmount, the reconciliation's second source.")
    var action = "DownloadListUnpaidOrders"

    @Flag(help: "Print the signed request instead of sending it; the private key and signature are masked.")
    var dryRun = false

    func run() async throws {
        guard Self.actions.contains(action) else {
            throw CommandError("--action: expected one of \(Self.actions.joined(separator: ", ")), got \"\(action)\"")
        }
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
            try query.validate()
            print(client.signedRequest(action: action, parameters: query.parameters))
            return
        }
        try query.validate()
        let response = try await client.rawCall(action: action, parameters: query.parameters)
        print(String(decoding: response.json, as: UTF8.self))
        if let uuid = response.requestUUID { FileHandle.standardError.write(Data("request id: \(uuid)\n".utf8)) }
        if response.retCode != 0 { throw ExitCode.failure }
    }
}
