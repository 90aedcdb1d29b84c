#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an export could not be turned into orders; row errors name the 1-based row,
/// the column's header text and the value seen.
public enum UnpaidExportError: Error, Sendable, Equatable, CustomStringConvertible {
    case noHeaderRow(file: String)
    case missingColumns(file: String, missing: [String], headersSeen: [String])
    case unknownAliasField(name: String, known: [String])
    case missingValue(file: String, row: Int, header: String)
    case badAmount(file: String, row: Int, header: String, value: String)
    case badOrganizationID(file: String, row: Int, header: String, value: String)
    case badStartTime(file: String, row: Int, header: String, value: String)
    case cannotWrite(path: String, errno: Int32)
    /// A row of another organization in an export asked for one organization only.
    case otherOrganization(file: String, row: Int, requested: Int64, found: Int64)
    /// More data rows than `[export] max_rows` allows.
    case tooManyRows(file: String, limit: Int)

    public var description: String {
        switch self {
        case let .noHeaderRow(file):
            return "\(file): the first worksheet has no rows; expected a header row with OrderNo, OrganizationID, OrderTotalPrice, Currency"
        case let .missingColumns(file, missing, headersSeen):
            let seen = headersSeen.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(file): no column for \(missing.joined(separator: ", ")); headers seen: [\(seen)]. Add header aliases in the configuration if the export names them differently"
        case let .unknownAliasField(name, known):
            return "header alias for unknown field \"\(name)\"; known fields: \(known.joined(separator: ", "))"
        case let .missingValue(file, row, header):
            return "\(file) row \(row): column \"\(header)\" is empty"
        case let .badAmount(file, row, header, value):
            return "\(file) row \(row): column \"\(header)\" holds \"\(value)\", expected a decimal amount"
        case let .badOrganizationID(file, row, header, value):
            return "\(file) row \(row): column \"\(header)\" holds \"\(value)\", expected an integer organization id"
        case let .badStartTime(file, row, header, value):
            return "\(file) row \(row): column \"\(header)\" holds \"\(value)\", expected Unix seconds"
        case let .cannotWrite(path, code):
            switch code {
            case ENOENT, ENOTDIR: return "cannot write \(path): its folder does not exist"
            case EACCES, EPERM, EROFS: return "cannot write \(path): permission denied"
            case ENOSPC: return "cannot write \(path): no space left on the device"
            default: return "cannot write \(path): \(String(cString: strerror(code)).lowercased())"
            }
        case let .otherOrganization(file, row, requested, found):
            return "\(file) row \(row): an order of organization \(found) in the export asked for organization \(requested); nothing was recorded"
        case let .tooManyRows(file, limit):
            return "\(file): more than \(limit) data rows, the limit; nothing was recorded. If the export is genuine, raise max_rows in [export]"
        }
    }
}
