import BillingSimulator
import Foundation
import Testing

/// Each fault fires for exactly the next N matching requests, then the simulator behaves.
@Suite("Faults")
struct FaultTests {
    private static let window = (start: testNow - 90 * 86_400, end: testNow)

    private func export(_ sim: BillingSimulator) async throws -> HTTPResult {
        try await sim.call([("Action", "DownloadListUnpaidOrders"), ("StartTime", String(Self.window.start)),
                            ("EndTime", String(Self.window.end)), ("OrganizationIds.0", "100001")])
    }

    private func fired(_ sim: BillingSimulator, _ fault: SimulatorFault) async -> Int {
        await sim.counters().faultsFired[fault.rawValue] ?? 0
    }

    @Test func throttleAnswersRetCode153() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        try await sim.injectFault(.throttle, count: 2)
        for _ in 0..<2 { #expect(try await export(sim).json()["RetCode"] as? Int == 153) }
        #expect(try await export(sim).json()["RetCode"] as? Int == 0)
        #expect(await fired(sim, .throttle) == 2)
    }

    @Test func http429CarriesRetryAfter() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        try await sim.injectFault(.http429, count: 3)
        for _ in 0..<3 {
            let response = try await export(sim)
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == "1")
        }
        #expect(try await export(sim).status == 200)
        #expect(await fired(sim, .http429) == 3)
        #expect(await sim.counters().apiCalls["DownloadListUnpaidOrders"] == 4)
    }

    @Test func http5xxOnAPIAndOnDownload() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        try await sim.injectFault(.http5xx, count: 1)
        #expect(try await export(sim).status == 503)
        let url = try #require(try await export(sim).json()["DownloadURL"] as? String)
        try await sim.injectFault(.http5xx, count: 2, on: .download)
        #expect(try await HTTP.get(url).status == 503)
        #expect(try await HTTP.get(url).status == 503)
        #expect(try await HTTP.get(url).status == 200)
        #expect(await fired(sim, .http5xx) == 3)
    }

    @Test func wrongFileSizeOverstatesByOne() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        try await sim.injectFault(.wrongFileSize, count: 1)
        let faulty = try await export(sim).json()
        let body = try await HTTP.get(try #require(faulty["DownloadURL"] as? String)).body
        #expect(faulty["FileSize"] as? Int == body.count + 1)
        let normal = try await export(sim).json()
        let normalBody = try await HTTP.get(try #require(normal["DownloadURL"] as? String)).body
        #expect(normal["FileSize"] as? Int == normalBody.count)
        #expect(await fired(sim, .wrongFileSize) == 1)
    }

    @Test func expiredURLRefusesThenServes() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let url = try #require(try await export(sim).json()["DownloadURL"] as? String)
        try await sim.injectFault(.expiredURL, count: 2)
        #expect(try await HTTP.get(url).status == 403)
        #expect(try await HTTP.get(url).status == 403)
        #expect(try await HTTP.get(url).status == 200)
        #expect(await fired(sim, .expiredURL) == 2)
    }

    @Test func corruptZipKeepsTheSizeButFailsTheCRC() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let envelope = try await export(sim).json()
        let url = try #require(envelope["DownloadURL"] as? String)
        try await sim.injectFault(.corruptZip, count: 1)
        let corrupt = try await HTTP.get(url)
        let intact = try await HTTP.get(url)
        #expect(corrupt.status == 200)
        #expect(corrupt.body.count == envelope["FileSize"] as? Int)
        #expect(corrupt.body != intact.body)
        #expect(throws: ZipInspection.Problem.self) { try ZipInspection(Array(corrupt.body)) }
        _ = try ZipInspection(Array(intact.body))
        #expect(await fired(sim, .corruptZip) == 1)
    }

    @Test func dropMidBodyCutsTheConnection() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let envelope = try await export(sim).json()
        let url = try #require(envelope["DownloadURL"] as? String)
        let size = try #require(envelope["FileSize"] as? Int)
        try await sim.injectFault(.dropMidBody, count: 2)
        for _ in 0..<2 {
            // The client sees either a transport error or fewer bytes than announced.
            let short = try? await HTTP.get(url)
            #expect(short == nil || short!.body.count < size)
        }
        #expect(try await HTTP.get(url).body.count == size)
        #expect(await fired(sim, .dropMidBody) == 2)
    }

    @Test func adminEndpointArmsFaultsAndReportsCounters() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let armed = try await HTTP.postJSON(sim.adminURL + "faults", #"{"fault":"throttle","count":1}"#)
        #expect(armed.status == 200)
        #expect(try await export(sim).json()["RetCode"] as? Int == 153)
        #expect(try await export(sim).json()["RetCode"] as? Int == 0)
        let counters = try await HTTP.get(sim.adminURL + "requests").json()
        #expect((counters["faultsFired"] as? [String: Int])?["throttle"] == 1)
        #expect((counters["apiCalls"] as? [String: Int])?["DownloadListUnpaidOrders"] == 2)
        #expect((counters["apiRetCodes"] as? [String: Int]) == ["153": 1, "0": 1])
        let unknown = try await HTTP.postJSON(sim.adminURL + "faults", #"{"fault":"meteor","count":1}"#)
        #expect(unknown.status == 400)
        let misplaced = try await HTTP.postJSON(sim.adminURL + "faults", #"{"fault":"throttle","count":1,"on":"download"}"#)
        #expect(misplaced.status == 400)
    }
}
