import Crypto
import Foundation

/// The simulated US3 bucket: exports stored in memory, fetched by presigned URL.
actor ObjectStore {
    private struct StoredObject {
        var bytes: [UInt8]
        var storedAt: Int64
    }

    private var objects: [String: StoredObject] = [:]
    private var storedBytes = 0
    private let retention: Int64
    private let byteBudget: Int

    /// Objects live `retention` seconds (simulator clock); beyond `byteBudget` the oldest go first,
    /// so a long load test does not grow without bound.
    init(retention: Int64, byteBudget: Int = 1 << 30) {
        self.retention = retention
        self.byteBudget = byteBudget
    }

    func put(key: String, bytes: [UInt8], now: Int64) {
        objects = objects.filter { $0.value.storedAt + retention > now }
        objects[key] = StoredObject(bytes: bytes, storedAt: now)
        storedBytes = objects.values.reduce(0) { $0 + $1.bytes.count }
        while storedBytes > byteBudget, objects.count > 1,
              let oldest = objects.min(by: { $0.value.storedAt < $1.value.storedAt }) {
            storedBytes -= oldest.value.bytes.count
            objects[oldest.key] = nil
        }
    }

    func get(key: String) -> [UInt8]? { objects[key]?.bytes }

    var count: Int { objects.count }
}

/// US3 presigned-URL signature: base64 HMAC-SHA1 over "GET\n\n\n" + Expires + "\n/" + bucket + "/" + key.
public enum PresignedURLSignature {
    public static func sign(privateKey: String, bucket: String, key: String, expires: Int64) -> String {
        let text = "GET\n\n\n\(expires)\n/\(bucket)/\(key)"
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8),
                                                          using: SymmetricKey(data: Array(privateKey.utf8)))
        return Data(code).base64EncodedString()
    }
}
