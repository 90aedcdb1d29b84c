import ArgumentParser
import BillingSimulator
import Foundation

/// Serves the simulated billing API and object store on 127.0.0.1 until SIGTERM/SIGINT.
@main
struct UnpaiddSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpaidd-sim",
        abstract: "Loopback simulator of the billing API (DownloadListUnpaidOrders) and its object store.",
        discussion: "Admin: POST /_sim/phase {\"phase\":2}, POST /_sim/faults {\"fault\":\"throttle\",\"count\":2}, "
            + "POST /_sim/clock {\"advance\":700}, GET /_sim/state, GET /_sim/requests.")

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port = 0
    @Option(help: "Write the bound port to this file once listening.")
    var portFile: String?
    @Option(help: "The API public key the simulator accepts.")
    var publicKey: String
    @Option(help: "File holding the matching private key (kept out of argv).")
    var privateKeyFile: String
    @Option(help: "Number of organizations, from 100001 up.")
    var orgs = 4
    @Option(help: "Orders per organization in phase 1.")
    var ordersPerOrg = 30
    @Option(help: "Seed of the deterministic order data.")
    var seed: UInt64 = 1
    @Option(help: "Unix time the orders are generated around (default: now).")
    var now: Int64?
    @Option(help: "Unix time no order starts before (default: up to 62 days before --now).")
    var earliestStart: Int64?
    @Option(help: "Lifetime of presigned download URLs, seconds.")
    var urlTtl: Int64 = 600

    func run() async throws {
        let privateKey: String
        do {
            privateKey = try String(contentsOfFile: privateKeyFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ValidationError("cannot read the private key file \(privateKeyFile): \(error.localizedDescription)")
        }
        guard !privateKey.isEmpty else { throw ValidationError("the private key file \(privateKeyFile) is empty") }
        let configuration = SimulatorConfiguration(
            port: port, credentials: [publicKey: privateKey],
            organizationCount: orgs, ordersPerOrganization: ordersPerOrg, seed: seed,
            now: now ?? Int64(Date().timeIntervalSince1970), earliestStart: earliestStart, urlTTL: urlTtl,
            log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
        let portFile = self.portFile
        try await BillingSimulator.runUntilSignalled(configuration: configuration) { bound in
            FileHandle.standardError.write(Data("unpaidd-sim listening on 127.0.0.1:\(bound)\n".utf8))
            if let portFile {
                // Write then rename, so a waiting script never reads a half-written port.
                let temporary = portFile + ".tmp"
                do {
                    try Data("\(bound)\n".utf8).write(to: URL(fileURLWithPath: temporary))
                    try? FileManager.default.removeItem(atPath: portFile)
                    try FileManager.default.moveItem(atPath: temporary, toPath: portFile)
                } catch {
                    FileHandle.standardError.write(Data("cannot write port file \(portFile): \(error)\n".utf8))
                }
            }
        }
    }
}
