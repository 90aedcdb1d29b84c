import BillingSimulator
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import UnpaidCore

/// The reference's test credentials (billing-api.md).
enum TestKeys {
    static let publicKey = "ucloudsomeone@example.com1296235120854146120"
    static let privateKey = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
}

/// 2025-11-24T16:00:00Z: inside the reference vector's window [1761926400, 1764518400).
let testNow: Int64 = 1_764_000_000

func startSimulator(organizations: Int = 4, ordersPerOrganization: Int = 30, urlTTL: Int64 = 600)
    async throws -> BillingSimulator {
    try await BillingSimulator.start(configuration: SimulatorConfiguration(
        credentials: [TestKeys.publicKey: TestKeys.privateKey],
        organizationCount: organizations, ordersPerOrganization: ordersPerOrganization,
        seed: 7, now: testNow, urlTTL: urlTTL, frozenClock: testNow))
}

struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }
}

/// A real HTTP client over loopback (URLSession; libcurl underneath on Linux).
enum HTTP {
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    static func send(_ request: URLRequest) async throws -> HTTPResult {
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        return HTTPResult(status: http.statusCode, headers: headers, body: data)
    }

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> HTTPResult {
        var request = URLRequest(url: try #require(URL(string: url)))
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    static func postJSON(_ url: String, _ body: String) async throws -> HTTPResult {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        return try await send(request)
    }

    /// Form body as the SDKs send it: every byte outside the unreserved set percent-encoded.
    static func formEncoded(_ parameters: [(name: String, value: String)]) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        return parameters.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }

    static func postForm(_ url: String, _ parameters: [(name: String, value: String)]) async throws -> HTTPResult {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(formEncoded(parameters).utf8)
        return try await send(request)
    }
}

extension BillingSimulator {
    /// Signs `parameters` plus PublicKey with the test keys and posts them.
    func call(_ parameters: [(name: String, value: String)], publicKey: String = TestKeys.publicKey,
              privateKey: String = TestKeys.privateKey) async throws -> HTTPResult {
        var signed = parameters + [("PublicKey", publicKey)]
        signed.append(("Signature", APISignature.sign(signed, privateKey: privateKey)))
        return try await HTTP.postForm(apiURL, signed)
    }

    /// Calls DownloadListUnpaidOrders for `organizations` and `window`; returns the envelope.
    func requestExport(organizations: [Int64], start: Int64, end: Int64,
                       extra: [(name: String, value: String)] = []) async throws -> [String: Any] {
        var parameters: [(name: String, value: String)] = [
            ("Action", "DownloadListUnpaidOrders"), ("StartTime", String(start)), ("EndTime", String(end)),
        ]
        for (index, id) in organizations.enumerated() { parameters.append(("OrganizationIds.\(index)", String(id))) }
        return try await call(parameters + extra).json()
    }

    /// Requests an export and downloads it; checks FileSize against the bytes received.
    func fetchExport(organizations: [Int64], start: Int64 = testNow - 90 * 86_400,
                     end: Int64 = testNow + 1) async throws -> [UInt8] {
        let envelope = try await requestExport(organizations: organizations, start: start, end: end)
        #expect(envelope["RetCode"] as? Int == 0, "\(envelope)")
        let url = try #require(envelope["DownloadURL"] as? String)
        let download = try await HTTP.get(url)
        #expect(download.status == 200)
        #expect(envelope["FileSize"] as? Int == download.body.count)
        return Array(download.body)
    }

    var adminURL: String { apiURL + "_sim/" }
}
