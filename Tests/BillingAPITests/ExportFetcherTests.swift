import BillingAPI
import CurlTransport
import Foundation
import LoopbackTestSupport
import Testing
import UnpaidCore

@Suite struct ExportFetcherTests {
    static let query = UnpaidOrdersQuery(window: try! BillingWindow(start: 1_761_926_400, end: 1_764_518_400),
                                         organizationIDs: [100001])
    /// SHA-256 of "abc" (FIPS 180-2).
    static let abcSHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    func fetcher(port: Int, spool: String) -> ExportFetcher {
        let client = BillingAPIClient(endpoint: "http://127.0.0.1:\(port)/",
                                      credentials: APICredentials(publicKey: FakeCloud.publicKey, privateKey: FakeCloud.privateKey),
                                      transport: CurlHTTPTransport(), sleep: { _ in }, jitter: { 0 })
        let downloader = CurlDownloader(spoolDirectory: spool,
                                        policy: DownloadPolicy(allowedHostSuffixes: ["127.0.0.1"], allowsInsecureLoopback: true))
        return ExportFetcher(client: client, downloader: downloader)
    }

    static func exportReply(port: Int, name: String, size: Int) -> FakeCloud.Reply {
        .envelope(#"{"Action":"DownloadListUnpaidOrdersResponse","RetCode":0,"Data":{"DownloadURL":"http://127.0.0.1:\#(port)/files/\#(name)?Signature=sig\#(name)","FileName":"unpaid.xlsx","FileSize":\#(size)}}"#)
    }

    func makeSpool() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("billing-api-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func expiredURLIsRefreshedOnce() async throws {
        let cloud = FakeCloud(), spool = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        cloud.serve("first", [(403, Array(#"{"ErrMsg":"expired"}"#.utf8))])
        cloud.serve("second", [(200, Array("abc".utf8))])
        let fetched = try await withLoopbackServer(cloud.router) { port in
            cloud.script([Self.exportReply(port: port, name: "first", size: 3), Self.exportReply(port: port, name: "second", size: 3)])
            return try await fetcher(port: port, spool: spool).fetch(Self.query)
        }
        #expect(fetched.urlRefreshes == 1)
        #expect(fetched.file.sha256Hex == Self.abcSHA256)
        #expect(fetched.file.byteCount == 3)
        #expect(fetched.export.requestUUID == "req-2")
        #expect(cloud.fileRequests == ["first", "second"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == [URL(fileURLWithPath: fetched.file.path).lastPathComponent])
    }

    @Test func refreshesAreBounded() async throws {
        let cloud = FakeCloud(), spool = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        cloud.serve("gone", [(404, Array("NoSuchKey".utf8))])
        let error = try await withLoopbackServer(cloud.router) { port in
            cloud.script(Array(repeating: Self.exportReply(port: port, name: "gone", size: 3), count: 5))
            return await #expect(throws: BillingAPIError.self) { try await fetcher(port: port, spool: spool).fetch(Self.query) }
        }
        #expect(error == .download(.httpStatus(code: 404), urlRefreshes: 2))
        #expect(cloud.calls.count == 3)
        #expect(error?.description.contains("sig") == false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test func announcedFileSizeIsChecked() async throws {
        let cloud = FakeCloud(), spool = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        cloud.serve("short", [(200, Array("abc".utf8))])
        let error = try await withLoopbackServer(cloud.router) { port in
            cloud.script([Self.exportReply(port: port, name: "short", size: 4)])
            return await #expect(throws: BillingAPIError.self) { try await fetcher(port: port, spool: spool).fetch(Self.query) }
        }
        #expect(error == .download(.fileSizeDisagrees(announced: 4, served: .exactly(3)), urlRefreshes: 0))
        #expect(cloud.calls.count == 1)
    }
}
