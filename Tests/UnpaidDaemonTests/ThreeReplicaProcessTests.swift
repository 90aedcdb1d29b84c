import Foundation
import LoopbackTestSupport
import Testing

/// Three `unpaidd run` processes, one configuration, one PostgreSQL ledger, one simulator:
/// the issue's acceptance test for running on more than one machine.
@Suite(.serialized)
struct ThreeReplicaProcessTests {

    static let organizations = 4
    static let alerting = """
        [daemon]
        max_concurrent_organizations = 2
        api_calls_per_second = 4
        shutdown_grace_seconds = 30
        [[target]]
        name = "finance"
        format = "alertmanager"
        url = "{receiver}/hook"
        [[alert]]
        name = "owed"
        above = "0"
        targets = ["finance"]
        [[alert]]
        name = "moved"
        on = "any-change"
        targets = ["finance"]
        """

    /// A replica that exited on its own fails the test at once, with its log.
    static func stillRunning(_ replicas: [ChildProcess]) throws {
        if let stopped = replicas.first(where: { !$0.process.isRunning }) {
            throw ReplicaExited(log: String(stopped.log.suffix(2_000)))
        }
    }

    struct ReplicaExited: Error, CustomStringConvertible {
        let log: String
        var description: String { "a replica exited by itself:\n\(log)" }
    }

    static func isHeld(_ item: LedgerWatch.WorkItem) -> Bool {
        item.outcome == nil && item.leaseIsLive && item.leaseOwner != nil
    }

    @Test func eachOrganizationOfEachFireOnceAKilledReplicasWorkFinishedEveryAlertDelivered() async throws {
        try #require(BuiltProducts.available, "\(BuiltProducts.missing)")
        try await ScriptedReceiver.serving([.init(200)]) { url, receiver in
            let cloud = try await ReplicaProcesses.start(
                organizations: Self.organizations, jobKeys: #"schedule = "@every 3s""#,
                tables: Self.alerting.replacingOccurrences(of: "{receiver}", with: url))
            defer { Task { await cloud.stop() } }
            let started = try (1...3).map { try cloud.startReplica("replica-\($0)") }
            var replicas = started
            defer { for replica in replicas { replica.signal(SIGKILL) } }

            let settled = try await cloud.explainingFailures(of: started) { try await cloud.watching { ledger in
                // While every replica lives: fires complete, and each alert arrives once.
                try await waitUntil("three complete fires", timeout: 180) {
                    try Self.stillRunning(replicas)
                    return try await ledger.fires().filter(\.complete).count >= 3
                }
                try await cloud.simulator.setPhase(2)
                let changed = try await ledger.fires().count
                try await waitUntil("a complete fire after the data changed", timeout: 180) {
                    try Self.stillRunning(replicas)
                    return try await ledger.fires().dropFirst(changed).contains(where: \.complete)
                }
                try await waitUntil("every alert so far delivered", timeout: 180) {
                    try await ledger.deliveries().allSatisfy { $0.status == "delivered" }
                }
                let calm = try await ledger.deliveries()
                let calmSends = await receiver.received.compactMap { $0.headers["idempotency-key"] }
                #expect(calm.count >= Self.organizations, "an alert per organization at least: \(calm.count)")
                #expect(Set(calm.map(\.messageID)).isSubset(of: calmSends))
                #expect(Set(calmSends).count == calmSends.count, "each message exactly once while no replica died")

                // One replica dies (SIGKILL) while it holds an organization of a fire.
                try await cloud.simulator.setPhase(3)
                // Stopped first, so that it is known to hold one when it is killed.
                var victim: (replica: String, pid: Int32)?
                try await waitUntil("a replica holding an organization", timeout: 180) {
                    guard let held = try await ledger.workItems().first(where: Self.isHeld), let owner = held.leaseOwner,
                          let pid = ChildProcess.processID(inReplica: owner),
                          let process = replicas.first(where: { $0.process.processIdentifier == pid }) else { return false }
                    process.signal(SIGSTOP)
                    guard try await ledger.workItems().contains(where: { Self.isHeld($0) && $0.leaseOwner == owner }) else {
                        process.signal(SIGCONT)
                        return false
                    }
                    process.signal(SIGKILL)
                    victim = (owner, pid)
                    return true
                }
                let (dead, pid) = try #require(victim)
                replicas.removeAll { $0.process.processIdentifier == pid }
                let orphaned = try await ledger.workItems().filter { Self.isHeld($0) && $0.leaseOwner == dead }
                try #require(!orphaned.isEmpty)

                // Another replica finishes them once their leases expire.
                let orphanedFires = Set(orphaned.map(\.fire))
                try await waitUntil("the dead replica's fires completed by another", timeout: 300) {
                    try Self.stillRunning(replicas)
                    return try await ledger.fires().filter { orphanedFires.contains($0.fire) }.allSatisfy(\.complete)
                }
                let finished = try await ledger.workItems()
                for item in orphaned {
                    let done = try #require(finished.first { $0.fire == item.fire && $0.organizationID == item.organizationID })
                    #expect(done.outcome == "recorded" && done.leaseOwner != dead,
                            "organization \(item.organizationID) recorded by a live replica")
                }
                var settled: [String] = []
                try await waitUntil("every alert delivered after the death", timeout: 300) {
                    let deliveries = try await ledger.deliveries()
                    settled = deliveries.map(\.messageID)
                    return deliveries.allSatisfy { $0.status == "delivered" }
                }
                return settled
            } }
            for replica in replicas { replica.signal(SIGTERM) }
            for replica in replicas { #expect(try await replica.exitStatus() == 0, "\(replica.log.suffix(2_000))") }

            try await cloud.watching { ledger in
                // Every (job, organization, fire) exactly once in the ledger: each snapshot is
                // the one work item that recorded it, and every complete fire has every organization.
                let items = try await ledger.workItems()
                let snapshots = try await ledger.snapshots()
                let recorded = items.compactMap(\.snapshotID)
                #expect(Set(recorded).count == recorded.count)
                #expect(Set(recorded) == Set(snapshots.map(\.id)), "no snapshot outside the work claims")
                let byID = Dictionary(uniqueKeysWithValues: snapshots.map { ($0.id, $0) })
                for item in items {
                    guard let id = item.snapshotID, let snapshot = byID[id] else { continue }
                    #expect(snapshot.job == item.fire.job && snapshot.organizationID == item.organizationID)
                }
                for (fire, complete) in try await ledger.fires() where complete {
                    let done = items.filter { $0.fire == fire && $0.outcome == "recorded" }.map(\.organizationID)
                    #expect(done.sorted() == cloud.organizations, "\(fire)")
                }
                // Every alert delivered: fires went on until the replicas stopped, so one queued
                // in their last seconds may wait in the (durable) outbox for the next start, but
                // none went out unrecorded. After the death, at most the message in flight twice.
                let deliveries = try await ledger.deliveries()
                let delivered = Set(deliveries.filter { $0.status == "delivered" }.map(\.messageID))
                #expect(Set(settled).isSubset(of: delivered), "every alert queued before the replicas stopped")
                #expect(deliveries.allSatisfy { $0.status == "delivered" || $0.status == "pending" })
                var sends: [String: Int] = [:]
                for request in await receiver.received {
                    sends[request.headers["idempotency-key"] ?? "?", default: 0] += 1
                }
                #expect(Set(sends.keys) == delivered, "every message sent is recorded delivered, and only those")
                #expect(sends.values.filter { $0 > 1 }.count <= 1, "only a message in flight is sent twice: \(sends)")
            }
        }
    }
}
