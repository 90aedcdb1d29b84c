import Foundation
import Ledger
import SQLiteLedger
import Testing

/// `unpaidd run --once --at DATE` replays a missed day: each job fetches the window of
/// that past schedule time, without touching the daemon's record of fires.
@Suite(.serialized, .enabled(if: BuiltProducts.available, Comment(rawValue: BuiltProducts.missing)))
struct ReplayProcessTests {
    @Test func runOnceAtAPastTimeFetchesThatTimesWindow() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig()
        // The fixture's job is month-to-date in Asia/Shanghai: at 2026-11-15 00:00 there it
        // is [2026-11-01 00:00, 2026-11-15 00:00) +08:00.
        let replay = try Self.unpaidd(fixture, ["run", "--once", "--at", "2026-11-15", "--config", fixture.configPath])
        #expect(try await replay.exitStatus() == 0, "\(replay.log)")
        #expect(replay.log.contains("2026-11-01_2026-11-15"), "\(replay.log)")

        let ledger = try SQLiteLedger(path: fixture.database)
        for organization: Int64 in [100001, 100002] {
            let snapshot = try #require(try ledger.latestSnapshot(job: "mtd", organizationID: organization))
            #expect(snapshot.window.start == 1_793_462_400)  // 2026-11-01T00:00+08:00
            #expect(snapshot.window.end == 1_794_672_000)    // 2026-11-15T00:00+08:00
        }
        #expect(try ledger.lastFire(job: "mtd") == nil)
    }

    @Test func aFutureTimeOrAMissingOnceIsRefusedWithWhatToDo() async throws {
        let fixture = try await DaemonFixture.start()
        defer { fixture.stop() }
        try fixture.writeConfig()
        let future = try Self.unpaidd(fixture, ["run", "--once", "--at", "2999-01-01", "--config", fixture.configPath],
                                      log: "future")
        #expect(try await future.exitStatus() != 0)
        #expect(future.log.contains("--at: 2999-01-01 is in the future"), "\(future.log)")
        let daemon = try Self.unpaidd(fixture, ["run", "--at", "2026-11-15", "--config", fixture.configPath], log: "daemon")
        #expect(try await daemon.exitStatus() != 0)
        #expect(daemon.log.contains("--at replays one past schedule time and needs --once"), "\(daemon.log)")
    }

    static func unpaidd(_ fixture: DaemonFixture, _ arguments: [String], log: String = "replay") throws -> ChildProcess {
        try ChildProcess(BuiltProducts.directory! + "/unpaidd", arguments, logPath: fixture.directory + "/\(log).log")
    }
}
