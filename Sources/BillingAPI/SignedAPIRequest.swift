import CurlTransport
import UnpaidCore

/// One API call exactly as it will be sent: parameters with `Signature`, the form body
/// and headers. Its description masks the public key partly and the signature fully,
/// for `unpaidd call --dry-run`.
public struct SignedAPIRequest: Sendable, CustomStringConvertible {
    public let endpoint: String
    public let action: String
    /// Every sent parameter, `Signature` last.
    public let parameters: [(name: String, value: String)]
    public let headers: HTTPHeaders

    init(endpoint: String, action: String, parameters unsigned: [(name: String, value: String)],
         credentials: APICredentials, headers: HTTPHeaders) {
        let signature = APISignature.sign(unsigned, privateKey: credentials.privateKey)
        self.endpoint = endpoint
        self.action = action
        self.parameters = unsigned + [(name: "Signature", value: signature)]
        self.headers = headers
    }

    /// The form body: the very values that were signed, percent-encoded.
    public var body: [UInt8] { Array(FormURLEncoding.encode(parameters).utf8) }

    public func httpRequest(timeouts: HTTPTimeouts) -> HTTPRequest {
        HTTPRequest(method: "POST", url: endpoint, headers: headers, body: body, timeouts: timeouts)
    }

    public var description: String {
        var lines = ["POST \(URLRedaction.redact(endpoint))"]
        for field in headers { lines.append("\(field.name): \(field.value)") }
        for parameter in parameters {
            let shown = switch parameter.name {
            case "Signature": "<redacted>"
            case "PublicKey": Masking.partial(parameter.value)
            default: parameter.value
            }
            lines.append("  \(parameter.name)=\(shown)")
        }
        return lines.joined(separator: "\n")
    }
}
