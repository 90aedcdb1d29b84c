/// The key pair that signs API requests. Its descriptions never show the private key.
public struct APICredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let publicKey: String
    public let privateKey: String

    public init(publicKey: String, privateKey: String) {
        self.publicKey = publicKey
        self.privateKey = privateKey
    }

    public var description: String {
        "APICredentials(publicKey: \(Masking.partial(publicKey)), privateKey: <redacted>)"
    }

    public var debugDescription: String { description }
}

/// Parameters that scope a call to a region, zone or project; sent only when set.
public struct CommonParameters: Sendable, Hashable {
    public var region: String?
    public var zone: String?
    public var projectId: String?

    public init(region: String? = nil, zone: String? = nil, projectId: String? = nil) {
        self.region = region
        self.zone = zone
        self.projectId = projectId
    }

    var parameters: [(name: String, value: String)] {
        [("Region", region), ("Zone", zone), ("ProjectId", projectId)].compactMap { name, value in
            value.map { (name: name, value: $0) }
        }
    }
}

enum Masking {
    /// Enough of an identifier to recognise it, not enough to use it.
    static func partial(_ secret: String) -> String {
        guard secret.count > 12 else { return "****" }
        return "\(secret.prefix(4))…\(secret.suffix(4))"
    }
}
