/// Limits that keep one transfer from hanging a daemon forever.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Time allowed to establish the TCP/TLS connection.
    public var connect: Duration
    /// Time allowed for the whole transfer, connection included.
    public var total: Duration
    /// A transfer slower than `lowSpeedBytesPerSecond` for `lowSpeedTime` is abandoned.
    public var lowSpeedBytesPerSecond: Int
    /// curl counts this in whole seconds; anything shorter is rounded up to one second.
    public var lowSpeedTime: Duration

    public init(connect: Duration = .seconds(10), total: Duration = .seconds(300),
                lowSpeedBytesPerSecond: Int = 1024, lowSpeedTime: Duration = .seconds(30)) {
        self.connect = connect
        self.total = total
        self.lowSpeedBytesPerSecond = lowSpeedBytesPerSecond
        self.lowSpeedTime = lowSpeedTime
    }
}

/// A header list that keeps order and duplicates; lookups ignore ASCII case.
public struct HTTPHeaders: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public mutating func add(name: String, value: String) { fields.append((name, value)) }

    /// The first value of `name`, compared without regard to ASCII case.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}

public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    /// The URL exactly as it will be sent; it may carry secrets, see `URLRedaction`.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var timeouts: HTTPTimeouts

    public init(method: String = "GET", url: String, headers: HTTPHeaders = [:],
                body: [UInt8] = [], timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}

public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Anything that can carry one HTTP exchange; the billing client is written against this.
public protocol HTTPTransport: Sendable {
    /// Returns every response the server sends, whatever its status; throws only when
    /// no response arrived.
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
