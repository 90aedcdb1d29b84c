import BillingSimulator
import Foundation
import Testing
import UnpaidCore

@Suite("API endpoint")
struct APIEndpointTests {
    /// The reference's DownloadListUnpaidOrders vector, sent as a literal signature.
    static let vector: [(name: String, value: String)] = [
        ("Action", "DownloadListUnpaidOrders"), ("StartTime", "1761926400"), ("EndTime", "1764518400"),
        ("OrganizationIds.0", "100001"), ("ProductCodes.0", "modelverse"), ("ProductCodes.1", "sandbox"),
        ("Region", "cn-zj"), ("Zone", "cn-zj-01"), ("ProjectId", "org-abc"),
        ("PublicKey", TestKeys.publicKey),
    ]

    @Test func referenceSignatureVectorIsAccepted() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let response = try await HTTP.postForm(sim.apiURL, Self.vector + [("Signature", "b607b37f1db43947fdc04d627f47b8673d6a23e2")])
        #expect(response.status == 200)
        #expect(response.header("X-UCLOUD-REQUEST-UUID")?.isEmpty == false)
        let envelope = try response.json()
        #expect(envelope["Action"] as? String == "DownloadListUnpaidOrdersResponse")
        #expect(envelope["RetCode"] as? Int == 0, "\(envelope)")
        #expect((envelope["DownloadURL"] as? String)?.hasPrefix("http://127.0.0.1:\(sim.port)/unpaid-exports/") == true)
        #expect((envelope["FileName"] as? String)?.hasSuffix(".xlsx") == true)
        let data = try #require(envelope["Data"] as? [String: Any])
        #expect(data["FileSize"] as? Int == envelope["FileSize"] as? Int)
    }

    @Test func alteredSignatureIs171() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let response = try await HTTP.postForm(sim.apiURL, Self.vector + [("Signature", "b607b37f1db43947fdc04d627f47b8673d6a23e3")])
        #expect(try response.json()["RetCode"] as? Int == 171)
        // Same parameters with one value changed after signing.
        var tampered = Self.vector
        tampered[1] = ("StartTime", "1761926401")
        let second = try await HTTP.postForm(sim.apiURL, tampered + [("Signature", "b607b37f1db43947fdc04d627f47b8673d6a23e2")])
        #expect(try second.json()["RetCode"] as? Int == 171)
    }

    @Test func unknownPublicKeyIs172() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let response = try await sim.call([("Action", "DownloadListUnpaidOrders"), ("StartTime", "1"), ("EndTime", "2")],
                                          publicKey: "nobody@example.com", privateKey: "whatever")
        #expect(try response.json()["RetCode"] as? Int == 172)
    }

    @Test(arguments: [
        ([("StartTime", "1"), ("EndTime", "2")], 160),                         // no Action
        ([("Action", "ListEverything")], 161),
        ([("Action", "DownloadListUnpaidOrders"), ("EndTime", "2")], 160),    // no StartTime
        ([("Action", "DownloadListUnpaidOrders"), ("StartTime", "5"), ("EndTime", "5")], 230),
        ([("Action", "DownloadListUnpaidOrders"), ("StartTime", "9"), ("EndTime", "5")], 230),
        ([("Action", "DownloadListUnpaidOrders"), ("StartTime", "x"), ("EndTime", "5")], 230),
        ([("Action", "DownloadListUnpaidOrders"), ("StartTime", "1"), ("EndTime", "5"), ("ProductCodes.0", "compute")], 230),
        ([("Action", "DownloadListUnpaidOrders"), ("StartTime", "1"), ("EndTime", "5"), ("OrganizationIds.0", "acme")], 230),
    ] as [([(String, String)], Int)])
    func rejectedRequestsCarryTheirRetCode(parameters: [(String, String)], retCode: Int) async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let response = try await sim.call(parameters.map { (name: $0.0, value: $0.1) })
        #expect(response.status == 200)
        let envelope = try response.json()
        #expect(envelope["RetCode"] as? Int == retCode, "\(envelope)")
        #expect((envelope["Message"] as? String)?.isEmpty == false)
    }

    @Test func getWithQueryStringIsAccepted() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        var parameters: [(name: String, value: String)] = [
            ("Action", "DownloadListUnpaidOrders"), ("StartTime", String(testNow - 86_400)),
            ("EndTime", String(testNow)), ("OrganizationIds.0", "100002"), ("PublicKey", TestKeys.publicKey),
        ]
        parameters.append(("Signature", APISignature.sign(parameters, privateKey: TestKeys.privateKey)))
        let response = try await HTTP.get(sim.apiURL + "?" + HTTP.formEncoded(parameters))
        #expect(try response.json()["RetCode"] as? Int == 0)
    }

    @Test func windowIsHalfOpenOnStartTime() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let order = try #require(sim.catalog.orders(organizationID: 100_003, phase: 1).first)
        let start = order.startTime
        let inside = try SheetInspection(workbook: try await sim.fetchExport(organizations: [100_003], start: start, end: start + 1))
        #expect(inside.records.map { $0["OrderNo"] }.contains(order.orderNo))
        let before = try SheetInspection(workbook: try await sim.fetchExport(organizations: [100_003], start: start - 1, end: start))
        #expect(!before.records.map { $0["OrderNo"] }.contains(order.orderNo))
    }

    @Test func filtersByProductCodeAndRegion() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let envelope = try await sim.requestExport(organizations: [100_001], start: testNow - 90 * 86_400, end: testNow + 1,
                                                   extra: [("ProductCodes.0", "sandbox"), ("Regions.0", "cn-beijing")])
        let download = try await HTTP.get(try #require(envelope["DownloadURL"] as? String))
        let records = try SheetInspection(workbook: Array(download.body)).records
        #expect(records.allSatisfy { $0["ProductCode"] == "sandbox" && $0["Region"] == "cn-beijing" })
        let all = sim.catalog.orders(organizationID: 100_001, phase: 1)
        #expect(records.count == all.filter { $0.productCode == "sandbox" && $0.region == "cn-beijing" }.count)
    }
}
