import Crypto

/// The billing API's request signature: SHA-1 over every sent parameter except
/// `Signature`, sorted by name in byte order, as `name + value` with no separators
/// and no URL escaping, followed by the private key.
public enum APISignature {
    public static func sign(_ parameters: [(name: String, value: String)], privateKey: String) -> String {
        let sorted = parameters
            .filter { $0.name != "Signature" }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var hasher = Insecure.SHA1()
        for parameter in sorted {
            hasher.update(data: Array(parameter.name.utf8))
            hasher.update(data: Array(parameter.value.utf8))
        }
        hasher.update(data: Array(privateKey.utf8))
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Constant-time comparison, for the side that verifies.
    public static func matches(_ expected: String, _ received: String) -> Bool {
        let a = Array(expected.utf8), b = Array(received.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
