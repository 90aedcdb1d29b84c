import Foundation

/// Everything the simulator is started with.
public struct SimulatorConfiguration: Sendable {
    /// Port on 127.0.0.1; 0 picks a free one (read it back from `BillingSimulator.port`).
    public var port: Int
    /// Known API users: public key -> private key.
    public var credentials: [String: String]
    public var organizationCount: Int
    public var ordersPerOrganization: Int
    public var seed: UInt64
    /// The instant orders are generated around (Unix seconds).
    public var now: Int64
    /// When set, no order starts before this Unix time: start times that would fall
    /// earlier are wrapped into `[earliestStart, now)`. Tests set it to the start of the
    /// month, so a month-to-date window holds every order whatever the day of the month.
    public var earliestStart: Int64?
    /// Lifetime of presigned download URLs in seconds.
    public var urlTTL: Int64
    /// When set, the simulator's clock (URL expiry) starts at this Unix time and moves only
    /// with `advanceClock`; when nil it follows the wall clock (plus any advance).
    public var frozenClock: Int64?
    public var bucket: String
    /// One line per request; never given secrets or full presigned queries.
    public var log: @Sendable (String) -> Void

    public init(port: Int = 0, credentials: [String: String],
                organizationCount: Int = 4, ordersPerOrganization: Int = 30, seed: UInt64 = 1,
                now: Int64 = Int64(Date().timeIntervalSince1970), earliestStart: Int64? = nil, urlTTL: Int64 = 600,
                frozenClock: Int64? = nil, bucket: String = "unpaid-exports", log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.port = port
        self.credentials = credentials
        self.organizationCount = organizationCount
        self.ordersPerOrganization = ordersPerOrganization
        self.seed = seed
        self.now = now
        self.earliestStart = earliestStart
        self.urlTTL = urlTTL
        self.frozenClock = frozenClock
        self.bucket = bucket
        self.log = log
    }
}

/// `application/x-www-form-urlencoded` and query-string decoding.
enum FormDecoding {
    /// Splits `a=1&b=2`; `plusIsSpace` for form bodies, off for presigned URLs whose
    /// base64 signature carries raw `+`.
    static func decode(_ text: Substring, plusIsSpace: Bool) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? parts[1] : ""
            return (percentDecoded(parts[0], plusIsSpace), percentDecoded(value, plusIsSpace))
        }
    }

    private static func percentDecoded(_ text: Substring, _ plusIsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let high = hexValue(utf8[utf8.startIndex]), let low = hexValue(utf8[utf8.startIndex + 1]) {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
