import CurlTransport
import Testing

@Suite struct DownloadPolicyTests {
    @Test func hostOutsideTheAllowListIsRefusedWithoutTheQuery() async throws {
        let downloader = CurlDownloader(spoolDirectory: "/nonexistent",
                                        policy: DownloadPolicy(allowsInsecureLoopback: true))
        let error = await #expect(throws: TransportError.self) {
            try await downloader.download("http://127.0.0.1:9/x.xlsx?Signature=TOPSECRET&Expires=1", expectedSize: nil)
        }
        #expect(error == .hostNotAllowed("127.0.0.1"))
        #expect(error.map { "\($0)" }?.contains("TOPSECRET") == false)
    }

    @Test func plainHTTPIsRefusedUnlessLoopbackAndAllowed() async throws {
        let strict = DownloadPolicy(allowedHostSuffixes: [".ufileos.com", "127.0.0.1"])
        #expect(throws: TransportError.insecureScheme(host: "bucket.cn-bj.ufileos.com")) {
            try strict.check("http://bucket.cn-bj.ufileos.com/k?Signature=x")
        }
        #expect(throws: TransportError.insecureScheme(host: "127.0.0.1")) {
            try strict.check("http://127.0.0.1:8080/k")
        }
        let relaxed = DownloadPolicy(allowedHostSuffixes: [".ufileos.com", "127.0.0.1"], allowsInsecureLoopback: true)
        #expect(throws: TransportError.insecureScheme(host: "bucket.cn-bj.ufileos.com")) {
            try relaxed.check("http://bucket.cn-bj.ufileos.com/k")
        }
        #expect(try relaxed.check("http://127.0.0.1:8080/k") == "127.0.0.1")
        let loopbackNames = DownloadPolicy(allowedHostSuffixes: ["::1", "localhost"], allowsInsecureLoopback: true)
        #expect(try loopbackNames.check("http://[::1]:8080/k") == "[::1]")
        #expect(try loopbackNames.check("http://localhost:8080/k") == "localhost")
        #expect(throws: TransportError.insecureScheme(host: "127.0.0.1")) {
            try relaxed.check("ftp://127.0.0.1/k")
        }
    }

    @Test func suffixMatchingIsByWholeLabels() async throws {
        let policy = DownloadPolicy()
        #expect(try policy.check("https://bucket.cn-bj.ufileos.com/a.xlsx?Signature=a+b/c=") == "bucket.cn-bj.ufileos.com")
        #expect(try policy.check("https://BUCKET.UFILEOS.COM/a") == "bucket.ufileos.com")
        #expect(throws: TransportError.hostNotAllowed("evilufileos.com")) { try policy.check("https://evilufileos.com/a") }
        #expect(throws: TransportError.hostNotAllowed("ufileos.com.evil.net")) {
            try policy.check("https://ufileos.com.evil.net/a")
        }
        #expect(throws: TransportError.hostNotAllowed("evil.net")) {
            try policy.check("https://bucket.ufileos.com@evil.net/a")
        }
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("localhost", true), ("[::1]", true), ("::1", true),
        ("128.0.0.1", false), ("10.0.0.1", false), ("[::2]", false), ("localhost.evil.net", false), ("127.0.0.1.nip.io", false),
    ])
    func loopbackHosts(host: String, loopback: Bool) {
        #expect(DownloadPolicy.isLoopback(host) == loopback)
    }

    @Test func redactionKeepsHostAndPathOnly() {
        #expect(URLRedaction.redact("https://b.cn-bj.ufileos.com/dir/f.xlsx?UCloudPublicKey=p&Signature=s%2B&Expires=9")
            == "https://b.cn-bj.ufileos.com/dir/f.xlsx?<redacted>")
        #expect(URLRedaction.redact("https://user:pw@b.ufileos.com/f") == "https://<redacted>@b.ufileos.com/f")
        #expect(URLRedaction.redact("https://b.ufileos.com/f") == "https://b.ufileos.com/f")
    }
}
