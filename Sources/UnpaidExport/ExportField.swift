/// The export columns unpaidd uses, with the header texts the cloud's exports carry.
public enum ExportField: String, Sendable, CaseIterable, Hashable, Codable {
    case orderNo = "OrderNo"
    case organizationID = "OrganizationID"
    case orderTotalPrice = "OrderTotalPrice"
    case currency = "Currency"
    case startTime = "StartTime"
    case productCode = "ProductCode"
    case resourceID = "ResourceID"
    case modelID = "ModelID"

    public static let required: [ExportField] = [.orderNo, .organizationID, .orderTotalPrice, .currency]

    /// SDK field name and the Chinese label of the console export.
    public var defaultHeaders: [String] {
        switch self {
        case .orderNo: ["OrderNo", "订单号"]
        case .organizationID: ["OrganizationID", "组织ID"]
        case .orderTotalPrice: ["OrderTotalPrice", "订单总额"]
        case .currency: ["Currency", "币种"]
        case .startTime: ["StartTime", "开始计费时间"]
        case .productCode: ["ProductCode", "产品类型"]
        case .resourceID: ["ResourceID", "资源ID"]
        case .modelID: ["ModelID", "模型ID"]
        }
    }

    /// Header comparison ignores case and all whitespace (`Order No ` matches `orderno`).
    static func normalized(_ header: String) -> String {
        String(header.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace })
    }
}

/// Where a field was found in the header row.
public struct DetectedColumn: Sendable, Hashable {
    public var field: ExportField
    /// The header text exactly as the file has it.
    public var header: String
    /// 0-based column index (`A` is 0).
    public var index: Int
    public var letter: String { columnLetter(index) }
}

/// `0` -> `A`, `26` -> `AA`.
public func columnLetter(_ index: Int) -> String {
    var number = index + 1
    var letters: [Character] = []
    while number > 0 {
        let remainder = (number - 1) % 26
        letters.append(Character(Unicode.Scalar(UInt8(65 + remainder))))
        number = (number - 1) / 26
    }
    return String(letters.reversed())
}

/// Maps fields to columns from the header row, by text only, never by position.
struct ColumnMap {
    var columns: [DetectedColumn] = []
    private var indexByField: [ExportField: Int] = [:]

    init(headers: [String?], aliases: [String: [String]], file: String) throws(UnpaidExportError) {
        var wanted: [String: ExportField] = [:]
        for field in ExportField.allCases {
            for header in field.defaultHeaders { wanted[ExportField.normalized(header)] = field }
        }
        for (name, headers) in aliases.sorted(by: { $0.key < $1.key }) {
            guard let field = ExportField.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                throw .unknownAliasField(name: name, known: ExportField.allCases.map(\.rawValue))
            }
            for header in headers { wanted[ExportField.normalized(header)] = field }
        }
        for (index, header) in headers.enumerated() {
            guard let header, let field = wanted[ExportField.normalized(header)], indexByField[field] == nil else { continue }
            indexByField[field] = index
            columns.append(DetectedColumn(field: field, header: header, index: index))
        }
        let missing = ExportField.required.filter { indexByField[$0] == nil }
        guard missing.isEmpty else {
            throw .missingColumns(file: file, missing: missing.map(\.rawValue), headersSeen: headers.compactMap { $0 })
        }
    }

    subscript(field: ExportField) -> DetectedColumn? {
        indexByField[field].map { index in columns.first { $0.index == index }! }
    }

    func index(of field: ExportField) -> Int? { indexByField[field] }
}
