import BillingSimulator
import Foundation
import Ledger
import SQLiteLedger
import Logging
import UnpaidCore
@testable import UnpaidDaemon

/// A temporary state directory, a simulator over loopback and a pipeline configured for it:
/// everything real except the cloud.
struct SimulatedCloud {
    static let publicKey = "test-public-key"
    static let privateKey = "test-private-key-0123456789"

    let directory: String
    let simulator: BillingSimulator
    /// The TOML behind `configuration`, for an unpaidd process of its own to read.
    let configurationText: String
    let configuration: Configuration
    let ledger: SQLiteLedger
    let runner: JobRunner

    static func start(maxAttempts: Int = 3, organizations: Int = 4, ordersPerOrganization: Int = 30,
                      extraConfig: String = "",
                      logger: Logger = Logger(label: "e2e") { _ in SwiftLogNoOpLogHandler() }) async throws -> SimulatedCloud {
        let directory = FileManager.default.temporaryDirectory.appending(path: "unpaidd-e2e-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Orders from this month only: on the 1st the month-to-date window is hours long,
        // and tests that expect data in it would fail by the calendar.
        let simulator = try await BillingSimulator.start(configuration: SimulatorConfiguration(
            credentials: [publicKey: privateKey], organizationCount: organizations,
            ordersPerOrganization: ordersPerOrganization,
            earliestStart: UnpaiddConfigurationText.monthToDateStart(at: Date())))
        var text = UnpaiddConfigurationText(apiURL: simulator.apiURL, publicKey: publicKey,
                                            privateKeySetting: #"private_key_env = "UNPAIDD_TEST_KEY""#,
                                            directory: directory, organizations: simulator.catalog.organizationIDs)
        text.apiKeys = "max_attempts = \(maxAttempts)"
        text.tables = extraConfig
        let configuration = try Configuration.parse(text.text, file: "e2e.toml",
                                                    environment: ["UNPAIDD_TEST_KEY": privateKey])
        let ledger = try SQLiteLedger(path: configuration.storage.database)
        let pipeline = ExportPipeline(configuration: configuration, ledger: ledger, privateKey: privateKey, logger: logger)
        return SimulatedCloud(directory: directory, simulator: simulator, configurationText: text.text,
                              configuration: configuration,
                              ledger: ledger, runner: JobRunner(pipeline: pipeline, logger: logger))
    }

    var job: JobSettings { configuration.jobs[0] }

    /// What the simulator says a correct reader must find for one organization and window.
    func expected(_ organization: Int64, _ window: BillingWindow) async -> [String: Total] {
        let totals = await simulator.expectedTotals(matching: OrderFilter(window: window, organizationIDs: [organization]))
        var byCurrency: [String: Total] = [:]
        for (key, total) in totals.byKey where key.organizationID == organization { byCurrency[key.currency] = total }
        return byCurrency
    }

    func files(under folder: String) -> [String] {
        let root = directory + "/" + folder
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".xlsx") }.sorted()
    }

    func stop() async {
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
