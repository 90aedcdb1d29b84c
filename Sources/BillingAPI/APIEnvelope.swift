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
            throw EnvelopeError("the body is not JSON: \(Self.snippet(body))")
        }
        guard let top = object as? [String: Any] else { throw EnvelopeError("the JSON is not an object") }
        guard let code = Self.integer(top["RetCode"]) else {
            throw EnvelopeError("RetCode is missing: \(Self.snippet(body))")
        }
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

    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return body.count > 200 ? text + "…" : text
    }
}

struct EnvelopeError: Error {
    let detail: String
    init(_ detail: String) { self.detail = detail }
}
