import Foundation

/// The JSON every action answers with: `Action`, `RetCode`, `Message`, and the action's
/// fields either at the top level or under `Data` (both occur; both are accepted).
struct APIEnvelope {
    let retCode: Int
    let message: String
    let fields: [String: Any]

    init(json body: [UInt8]) throws(EnvelopeError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw .unreadable(UnreadableBody(body))
        }
        guard let top = object as? [String: Any] else { throw .notTheEnvelope("the JSON is not an object") }
        guard let code = Self.integer(top["RetCode"]) else { throw .notTheEnvelope("the JSON object has no RetCode") }
        retCode = Int(code)
        message = top["Message"] as? String ?? ""
        var fields = top
        if let data = top["Data"] as? [String: Any] { fields.merge(data) { _, nested in nested } }
        self.fields = fields
    }

    func string(_ name: String) -> String? { fields[name] as? String }

    func integer(_ name: String) -> Int64? { Self.integer(fields[name]) }

    /// Some gateways quote numbers.
    private static func integer(_ value: Any?) -> Int64? {
        switch value {
        case let integer as Int: Int64(integer)
        case let double as Double: Int64(exactly: double)
        case let text as String: Int64(text)
        default: nil
        }
    }
}

/// Why a body is not the envelope. Neither case keeps the body: a successful answer
/// carries a presigned URL, whose signature must never reach a log or an error.
enum EnvelopeError: Error {
    /// Not complete JSON: cut short, empty, or a proxy's page. Transient, like a 5xx.
    case unreadable(UnreadableBody)
    /// Complete JSON, but not the API's envelope; waiting will not change it.
    case notTheEnvelope(String)
}

/// A body that is not complete JSON, described by its size and shape only.
public struct UnreadableBody: Sendable, Hashable, CustomStringConvertible {
    public enum Shape: String, Sendable, Hashable {
        case empty
        /// Starts like JSON (`{` or `[`) but does not parse: cut short or garbled.
        case incompleteJSON
        /// Starts with `<`: an HTML or XML page, typically from a proxy or gateway.
        case markup
        case otherText
    }

    public var byteCount: Int
    public var shape: Shape

    public init(byteCount: Int, shape: Shape) {
        self.byteCount = byteCount
        self.shape = shape
    }

    init(_ body: [UInt8]) {
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        let shape: Shape = switch first {
        case nil: .empty
        case UInt8(ascii: "{"), UInt8(ascii: "["): .incompleteJSON
        case UInt8(ascii: "<"): .markup
        default: .otherText
        }
        self.init(byteCount: body.count, shape: shape)
    }

    public var description: String {
        switch shape {
        case .empty: byteCount == 0 ? "an empty body" : "\(byteCount) bytes of blank space"
        case .incompleteJSON: "\(byteCount) bytes that are not complete JSON"
        case .markup: "\(byteCount) bytes of HTML or XML, not JSON (a proxy's or gateway's page?)"
        case .otherText: "\(byteCount) bytes that are not JSON"
        }
    }
}
