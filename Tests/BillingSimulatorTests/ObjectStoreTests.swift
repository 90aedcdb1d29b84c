import BillingSimulator
import Foundation
import Testing

@Suite("Object store")
struct ObjectStoreTests {
    private func exportURL(_ sim: BillingSimulator) async throws -> (url: String, size: Int) {
        let envelope = try await sim.requestExport(organizations: [100_001, 100_002], start: testNow - 90 * 86_400, end: testNow)
        return (try #require(envelope["DownloadURL"] as? String), try #require(envelope["FileSize"] as? Int))
    }

    @Test func presignedURLServesTheFileThenExpires() async throws {
        let sim = try await startSimulator(urlTTL: 300)
        defer { Task { await sim.stop() } }
        let (url, size) = try await exportURL(sim)
        let first = try await HTTP.get(url)
        #expect(first.status == 200)
        #expect(first.body.count == size)
        #expect(first.header("Content-Length") == String(size))
        await sim.advanceClock(by: 299)
        #expect(try await HTTP.get(url).status == 200)
        await sim.advanceClock(by: 1)
        let expired = try await HTTP.get(url)
        #expect(expired.status == 403)
        #expect(try expired.json()["ErrMsg"] as? String != nil)
        #expect(try expired.json()["RetCode"] as? Int != nil)
    }

    @Test func badSignatureAndUnknownKeyAreRefused() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let (url, _) = try await exportURL(sim)
        let components = url.split(separator: "?", maxSplits: 1)
        let query = components[1].split(separator: "&").map { part in
            part.hasPrefix("Expires=") ? "Expires=\(Int64(part.dropFirst(8))! + 1)" : String(part)
        }.joined(separator: "&")
        #expect(try await HTTP.get("\(components[0])?\(query)").status == 401)
        let unknownKey = url.replacingOccurrences(of: ".xlsx?", with: "x.xlsx?")
        #expect(try await HTTP.get(unknownKey).status == 401)  // signature covers the key
        #expect(try await HTTP.get(String(components[0])).status == 401)
        let missing = "http://127.0.0.1:\(sim.port)/unpaid-exports/unpaid-orders/none.xlsx"
        let signed = try await HTTP.get(missing + "?" + query)
        #expect(signed.status == 401)
        let wrongBucket = try await HTTP.get("http://127.0.0.1:\(sim.port)/other-bucket/x.xlsx")
        #expect(wrongBucket.status == 404)
    }

    @Test func unknownKeyWithValidSignatureIs404() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let key = "unpaid-orders/never-stored.xlsx"
        let expires = testNow * 2
        let signature = PresignedURLSignature.sign(privateKey: TestKeys.privateKey, bucket: "unpaid-exports", key: key, expires: expires)
        let encoded = signature.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let response = try await HTTP.get("http://127.0.0.1:\(sim.port)/unpaid-exports/\(key)?UCloudPublicKey="
            + TestKeys.publicKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            + "&Signature=\(encoded)&Expires=\(expires)")
        #expect(response.status == 404)
        #expect(try response.json()["RetCode"] as? Int == 404)
    }

    @Test func rangeRequestResumesWithPartialContent() async throws {
        let sim = try await startSimulator()
        defer { Task { await sim.stop() } }
        let (url, size) = try await exportURL(sim)
        let whole = try await HTTP.get(url)
        let tail = try await HTTP.get(url, headers: ["Range": "bytes=100-"])
        #expect(tail.status == 206)
        #expect(tail.header("Content-Range") == "bytes 100-\(size - 1)/\(size)")
        #expect(tail.body == whole.body.dropFirst(100))
        let middle = try await HTTP.get(url, headers: ["Range": "bytes=10-19"])
        #expect(middle.status == 206)
        #expect(middle.body == whole.body[10..<20])
        let beyond = try await HTTP.get(url, headers: ["Range": "bytes=\(size)-"])
        #expect(beyond.status == 416)
    }

    @Test func presignedSignatureMatchesTheReferenceFormula() {
        // base64(HMAC-SHA1(key, "GET\n\n\n" + Expires + "\n/" + bucket + "/" + key)), computed independently:
        // printf 'GET\n\n\n1700000000\n/b/k.xlsx' | openssl dgst -sha1 -hmac secret -binary | base64
        let signature = PresignedURLSignature.sign(privateKey: "secret", bucket: "b", key: "k.xlsx", expires: 1_700_000_000)
        #expect(signature == "CHH/ao7woA0v0vllbbJvEiMbXtk=")
    }
}
