import BillingAPI
import CurlTransport
import LoopbackTestSupport
import Testing
import UnpaidCore

@Suite struct BillingAPIClientTests {
    static let window = try! BillingWindow(start: 1_761_926_400, end: 1_764_518_400)

    func client(port: Int, privateKey: String = FakeCloud.privateKey, retry: RetryPolicy = RetryPolicy(),
                sleeps: SleepRecorder = SleepRecorder(), common: CommonParameters = CommonParameters()) -> BillingAPIClient {
        BillingAPIClient(endpoint: "http://127.0.0.1:\(port)/",
                         credentials: APICredentials(publicKey: FakeCloud.publicKey, privateKey: privateKey),
                         common: common, transport: CurlHTTPTransport(), retry: retry,
                         sleep: sleeps.sleep, jitter: { 0 }, nowMilliseconds: { 1_700_000_000_123 })
    }

    @Test func awkwardValuesSurviveTheFormEncodingAndTheSignatureVerifies() async throws {
        let cloud = FakeCloud()
        let awkward = "a b+c&d=é"
        let parameters = [(name: "Note", value: awkward), (name: "Names.0", value: "%41"), (name: "Names.1", value: "x/y?z")]
        let response = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port).rawCall(action: "Echo", parameters: parameters)
        }
        #expect(response.retCode == 0)
        #expect(response.requestUUID == "req-1")
        let call = try #require(cloud.calls.first)
        #expect(call.value("Note") == awkward)
        #expect(call.value("Names.0") == "%41")
        #expect(call.value("Names.1") == "x/y?z")
        #expect(call.value("Action") == "Echo")
        #expect(call.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(call.headers["u-timestamp-ms"] == "1700000000123")
        #expect(call.headers["user-agent"] == "unpaidd/\(BillingAPIClient.version)")
    }

    @Test func queryListsAndCommonParametersAreSentAndTheExportDecoded() async throws {
        let cloud = FakeCloud()
        cloud.script([.envelope(#"{"Action":"DownloadListUnpaidOrdersResponse","RetCode":0,"Data":{"DownloadURL":"https://b.cn-zj.ufileos.com/u.xlsx?Signature=s","FileName":"u.xlsx","FileSize":"2048"}}"#)])
        let query = UnpaidOrdersQuery(window: Self.window, organizationIDs: [100001, 7], modelIDs: ["m 1"],
                                      productCodes: ["modelverse", "sandbox"], pricingUnits: [3], orderTypes: [1, 2])
        let export = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port, common: CommonParameters(region: "cn-zj", zone: "cn-zj-01", projectId: "org-abc"))
                .downloadListUnpaidOrders(query)
        }
        #expect(export == UnpaidOrdersExport(downloadURL: "https://b.cn-zj.ufileos.com/u.xlsx?Signature=s",
                                             fileName: "u.xlsx", fileSize: 2048, requestUUID: "req-1"))
        let sent = try #require(cloud.calls.first).parameters.map { "\($0.name)=\($0.value)" }
        #expect(sent.filter { !$0.hasPrefix("Signature=") } == [
            "Action=DownloadListUnpaidOrders", "PublicKey=\(FakeCloud.publicKey)", "Region=cn-zj", "Zone=cn-zj-01",
            "ProjectId=org-abc", "StartTime=1761926400", "EndTime=1764518400", "OrganizationIds.0=100001",
            "OrganizationIds.1=7", "ModelIds.0=m 1", "ProductCodes.0=modelverse", "ProductCodes.1=sandbox",
            "PricingUnits.0=3", "OrderTypes.0=1", "OrderTypes.1=2",
        ])
    }

    @Test func topLevelDataFieldsAreAcceptedToo() async throws {
        let cloud = FakeCloud()
        cloud.script([.envelope(#"{"Action":"DownloadListUnpaidOrdersResponse","RetCode":0,"DownloadURL":"https://b.ufileos.com/x","FileName":"x.xlsx","FileSize":10}"#)])
        let export = try await withLoopbackServer(cloud.router) { port in
            try await client(port: port).downloadListUnpaidOrders(UnpaidOrdersQuery(window: Self.window))
        }
        #expect(export.fileSize == 10)
        #expect(export.fileName == "x.xlsx")
    }

    @Test func referenceSignatureVector() async throws {
        let client = BillingAPIClient(endpoint: "https://api.ucloud.cn",
                                      credentials: APICredentials(publicKey: FakeCloud.publicKey, privateKey: FakeCloud.privateKey),
                                      common: CommonParameters(region: "cn-zj", zone: "cn-zj-01", projectId: "org-abc"),
                                      transport: CurlHTTPTransport())
        let query = UnpaidOrdersQuery(window: Self.window, organizationIDs: [100001], productCodes: ["modelverse", "sandbox"])
        let signed = try client.signedRequest(for: query)
        #expect(signed.parameters.last?.name == "Signature")
        #expect(signed.parameters.last?.value == "b607b37f1db43947fdc04d627f47b8673d6a23e2")
    }

    @Test func unknownProductCodeIsRefusedBeforeSending() async throws {
        let cloud = FakeCloud()
        let query = UnpaidOrdersQuery(window: Self.window, productCodes: ["modelverse", "compute"])
        let error = try await withLoopbackServer(cloud.router) { port in
            await #expect(throws: BillingAPIError.self) { try await client(port: port).downloadListUnpaidOrders(query) }
        }
        #expect(error == .invalidParameter(name: "ProductCodes.1", reason: #""compute" is not one of modelverse, sandbox"#))
        #expect(error?.description.contains("ProductCodes.1") == true)
        #expect(cloud.calls.isEmpty)
    }

    @Test func dryRunDescriptionMasksTheSecrets() async throws {
        let client = BillingAPIClient(endpoint: "https://api.ucloud.cn",
                                      credentials: APICredentials(publicKey: FakeCloud.publicKey, privateKey: FakeCloud.privateKey),
                                      transport: CurlHTTPTransport())
        let signed = try client.signedRequest(for: UnpaidOrdersQuery(window: Self.window, organizationIDs: [1]))
        let signature = try #require(signed.parameters.last?.value)
        let text = signed.description
        #expect(!text.contains(FakeCloud.privateKey))
        #expect(!text.contains(signature))
        #expect(!text.contains(FakeCloud.publicKey))
        #expect(text.contains("PublicKey=uclo…6120"))
        #expect(text.contains("Signature=<redacted>"))
        #expect(text.contains("OrganizationIds.0=1"))
        #expect(!"\(client.credentials)".contains(FakeCloud.privateKey))
        #expect(!String(reflecting: client.credentials).contains(FakeCloud.privateKey))
    }
}
